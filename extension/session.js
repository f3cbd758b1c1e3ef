// The document that holds the session host (session-host.js): microphone, WebRTC and the WASM core.
// Chromium opens it as an offscreen document (reasons USER_MEDIA + WEB_RTC), invisible, so the
// voice connection survives page navigations and service-worker shutdowns. Firefox opens it as a
// tab of Hark's own: a Firefox background page is refused getUserMedia even with a remembered
// decision (see docs/architecture.md), an extension tab is not. Either way it talks to the
// background with runtime messages, and the background reaches tabs for it.
import { createSessionHost } from './session-host.js';

const api = globalThis.browser ?? globalThis.chrome;
const stateLine = document.getElementById('state');
const WORDS = { connecting: 'Connecting…', listening: 'Listening.', thinking: 'Thinking…', speaking: 'Speaking.', error: 'Stopped.', off: 'Off.' };

const host = createSessionHost({
  page: (tabId, command, reads) => api.runtime.sendMessage({ target: 'background', type: 'page', tabId, command, reads }),
  ui: (tabId, update, ui) => {
    if (stateLine) stateLine.textContent = ui.error ? `${ui.error.title}: ${ui.error.message}` : WORDS[ui.state] || ui.state;
    api.runtime.sendMessage({ target: 'background', type: 'ui', tabId, update, ui: { state: ui.state, error: ui.error } }).catch(() => {});
  },
  // Firefox: this tab took the focus to open the microphone; the person goes back to their page.
  // The tab's title says whether Hark hears them.
  microphoneSettled: (tabId, open) => {
    document.title = open ? 'Hark is listening' : 'Hark (no microphone)';
    if (api.tabs) api.tabs.update(tabId, { active: true }).catch(() => {});
  },
  // The session ended by itself (a fatal error): the background keeps its words and closes this
  // document (nothing of Hark stays running).
  ended: (tabId, ui) => {
    api.runtime.sendMessage({ target: 'background', type: 'ended', tabId, ui }).catch(() => {});
  },
  takeFocus: async () => {
    const me = api.tabs && (await api.tabs.getCurrent().catch(() => null));
    if (me) await api.tabs.update(me.id, { active: true }).catch(() => {});
  },
});

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || msg.target !== 'session-host' || sender.id !== api.runtime.id) return;
  switch (msg.cmd) {
    case 'start':
      document.title = 'Hark: starting';
      host.start(msg.tabId, msg.settings, msg.clickedAt, msg.pressLegs).catch((e) => console.error('Hark start failed', e));
      sendResponse({ ok: true });
      return;
    case 'stop': host.stop(); sendResponse({ ok: true }); return;
    case 'text': host.text(msg.text); sendResponse({ ok: true }); return;
    case 'mute': host.mute(msg.muted); sendResponse({ ok: true }); return;
    case 'talk': host.talk(msg.down); sendResponse({ ok: true }); return;
    case 'confirm': host.confirm(msg.id, msg.allow); sendResponse({ ok: true }); return;
    case 'status': sendResponse(host.status()); return;
  }
});

// The background waits for this before it sends the start; meanwhile the first connection opens.
api.runtime.sendMessage({ target: 'background', type: 'hostListening' }).catch(() => {});
host.prepare();

// This document going away (the extension reloaded or updated, the tab closed) ends the call at
// once, when the browser runs its pagehide: the peer is told now instead of noticing the silence
// seconds later (Chromium may tear an offscreen document down without it).
addEventListener('pagehide', () => { if (host.status().active) host.stop(); });

document.getElementById('stop')?.addEventListener('click', () => api.runtime.sendMessage({ type: 'hark.stop' }));
