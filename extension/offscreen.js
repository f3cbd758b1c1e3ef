// Chromium's session host: an offscreen document (extension origin, USER_MEDIA + WEB_RTC), so the
// voice connection survives page navigations and service-worker shutdowns. It can only use
// runtime messaging, so the service worker reaches tabs for it (see background.js).
import { createSessionHost } from './session-host.js';

const api = globalThis.chrome;
const host = createSessionHost({
  page: (tabId, command) => api.runtime.sendMessage({ target: 'background', type: 'page', tabId, command }),
  ui: (tabId, update, ui) => {
    api.runtime.sendMessage({ target: 'background', type: 'ui', tabId, update, ui: { state: ui.state, error: ui.error } }).catch(() => {});
  },
});

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || msg.target !== 'offscreen' || sender.id !== api.runtime.id) return;
  switch (msg.cmd) {
    case 'start':
      host.start(msg.tabId, msg.settings).catch((e) => console.error('Hark start failed', e));
      sendResponse({ ok: true });
      return;
    case 'stop': host.stop(); sendResponse({ ok: true }); return;
    case 'text': host.text(msg.text); sendResponse({ ok: true }); return;
    case 'mute': host.mute(msg.muted); sendResponse({ ok: true }); return;
    case 'confirm': host.confirm(msg.id, msg.allow); sendResponse({ ok: true }); return;
    case 'status': sendResponse(host.status()); return;
  }
});
