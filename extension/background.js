// Hark's background: toolbar button, keyboard shortcut, badge, and routing between the session
// host and the tab's content script. One classic script for both browsers:
// - Chromium runs it as the MV3 service worker; the session host lives in an offscreen document
//   (offscreen.html) and talks to this worker with runtime messages.
// - Firefox runs it as the background page (`background.scripts`), which hosts the session itself
//   (session-host.js, loaded with a dynamic import).
'use strict';
const api = globalThis.browser ?? globalThis.chrome;
const IS_WORKER = typeof ServiceWorkerGlobalScope !== 'undefined' && self instanceof ServiceWorkerGlobalScope;
const ORIGIN = api.runtime.getURL('');
const DEFAULTS = { companionUrl: 'http://127.0.0.1:8813', pairingToken: '', voice: '', instructions: '' };
const PAGE_TIMEOUT_MS = 8000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- reaching the tab ----------------------------------------------------------------------------
async function injectContent(tabId) {
  await api.scripting.executeScript({ target: { tabId }, files: ['content/page.js', 'content/styles.js', 'content/actions.js', 'content/marks.js', 'content/overlay.js', 'content/main.js'] });
}

// Run one page command in the tab's top document. During a navigation the new document's content
// script is not there yet, so retry until it answers (or say why not).
async function pageCommand(tabId, command) {
  const deadline = Date.now() + PAGE_TIMEOUT_MS;
  let injected = false, last = '';
  for (;;) {
    try {
      const r = await api.tabs.sendMessage(tabId, { type: 'hark.cmd', command }, { frameId: 0 });
      if (r !== undefined) return r;
      last = 'no answer';
    } catch (e) {
      last = String((e && e.message) || e);
      // Tabs opened before Hark was installed have no content script yet.
      if (!injected && /receiving end does not exist|could not establish connection/i.test(last)) {
        injected = true;
        try { await injectContent(tabId); continue; } catch (_) { /* restricted page */ }
      }
    }
    if (Date.now() > deadline) {
      return { ok: false, error: `the page did not answer within ${PAGE_TIMEOUT_MS / 1000} s (${last}); it may still be loading, or the browser does not let extensions into this kind of page` };
    }
    await sleep(200);
  }
}

const BADGE = {
  connecting: ['…', '#9a6700'],
  thinking: ['ON', '#1a7f37'],
  listening: ['ON', '#1a7f37'],
  speaking: ['ON', '#0969da'],
  error: ['ERR', '#cf222e'],
  off: ['', '#57606a'],
};
const STATE_WORDS = { connecting: 'connecting', listening: 'listening', thinking: 'thinking', speaking: 'speaking', error: 'error', off: 'off (click to start)' };

function showBadge(state, error) {
  const [text, color] = BADGE[state] || BADGE.off;
  api.action.setBadgeText({ text }).catch?.(() => {});
  api.action.setBadgeBackgroundColor({ color }).catch?.(() => {});
  const title = error ? `Hark: ${error.title}. ${error.message}` : `Hark: ${STATE_WORDS[state] || state}`;
  api.action.setTitle({ title }).catch?.(() => {});
}

// What the session host reports for the tab: overlay update + badge.
function uiForTab(tabId, update, ui) {
  if (update.state || 'error' in update) showBadge(ui ? ui.state : update.state, ui ? ui.error : update.error);
  api.tabs.sendMessage(tabId, { type: 'hark.ui', ui: update }, { frameId: 0 }).catch(() => {});
}

const bridge = { page: pageCommand, ui: uiForTab };

// ---- the session host: offscreen document (Chromium) or this page (Firefox) -------------------
let localHost = null;
async function firefoxHost() {
  if (!localHost) {
    const { createSessionHost } = await import('./session-host.js');
    localHost ??= createSessionHost(bridge);
  }
  return localHost;
}

async function offscreenExists() {
  const url = api.runtime.getURL('offscreen.html');
  if (api.runtime.getContexts) {
    const found = await api.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] });
    return found.length > 0;
  }
  return api.offscreen.hasDocument ? api.offscreen.hasDocument() : false;
}

let creating = null;
async function ensureOffscreen() {
  if (await offscreenExists()) return;
  creating ??= api.offscreen
    .createDocument({
      url: 'offscreen.html',
      reasons: ['USER_MEDIA', 'WEB_RTC'],
      justification: 'Hark keeps the voice connection (microphone, WebRTC) alive across page navigations.',
    })
    .catch((e) => { if (!/single offscreen|already/i.test(String(e && e.message))) throw e; })
    .finally(() => { creating = null; });
  await creating;
}

// cmd: start | stop | text | confirm | mute | status
async function host(cmd, args = {}) {
  if (!IS_WORKER) {
    const h = await firefoxHost();
    switch (cmd) {
      case 'start': h.start(args.tabId, args.settings).catch((e) => console.error('Hark start failed', e)); return { ok: true };
      case 'stop': h.stop(); return { ok: true };
      case 'text': h.text(args.text); return { ok: true };
      case 'mute': h.mute(args.muted); return { ok: true };
      case 'confirm': h.confirm(args.id, args.allow); return { ok: true };
      default: return h.status();
    }
  }
  if (cmd !== 'start' && !(await offscreenExists())) {
    return cmd === 'status' ? { active: false, tabId: null, state: 'off', error: null, lines: [], ui: { state: 'off', lines: [], error: null } } : { ok: true };
  }
  await ensureOffscreen();
  return api.runtime.sendMessage({ target: 'offscreen', cmd, ...args });
}

async function settings() {
  return { ...DEFAULTS, ...(await api.storage.local.get(DEFAULTS)) };
}

// Browsers keep extensions out of their own pages (settings, stores, other extensions).
async function restrictedReason(tabId) {
  const tab = await api.tabs.get(tabId).catch(() => null);
  if (!tab) return 'that tab is gone';
  if (tab.url && !/^(https?|file):/i.test(tab.url)) return `the browser does not let extensions into ${tab.url.split('/')[0]}// pages; open a web page and try again`;
  return null;
}

async function start(tabId, overrides) {
  const why = await restrictedReason(tabId);
  if (why) {
    showBadge('error', { title: 'Hark cannot run here', message: why });
    return { ok: false, error: why };
  }
  return host('start', { tabId, settings: { ...(await settings()), ...(overrides || {}) } });
}

// The toolbar button, the shortcut and "Start on tab" all come here.
async function toggle(tabId, overrides) {
  const st = await host('status');
  if (st.active && st.tabId === tabId) return host('stop');
  return start(tabId, overrides);
}

async function tabFor(msg) {
  if (Number.isInteger(msg.tabId)) return msg.tabId;
  if (msg.url) {
    const tabs = await api.tabs.query({});
    const t = tabs.find((t) => t.url && t.url.startsWith(msg.url));
    if (t) return t.id;
    throw new Error(`no open tab starts with ${msg.url}`);
  }
  const [active] = await api.tabs.query({ active: true, lastFocusedWindow: true });
  if (!active) throw new Error('no active tab');
  return active.id;
}

// ---- entry points -------------------------------------------------------------------------------
api.action.onClicked.addListener((tab) => { if (tab && tab.id !== undefined) toggle(tab.id).catch(console.error); });

api.commands.onCommand.addListener(async (command, tab) => {
  if (command !== 'toggle-hark') return;
  const id = tab && tab.id !== undefined ? tab.id : await tabFor({}).catch(() => undefined);
  if (id !== undefined) toggle(id).catch(console.error);
});

// An extension page (options, tests): our origin, and not a web page's tab.
function fromExtensionPage(sender) {
  if (sender.id !== api.runtime.id || !sender.url || !sender.url.startsWith(ORIGIN)) return false;
  return !sender.tab || (typeof sender.tab.url === 'string' && sender.tab.url.startsWith(ORIGIN));
}

// The tab's own top document (content script), as opposed to an extension page.
function fromContentScript(sender) {
  return sender.id === api.runtime.id && sender.tab && sender.frameId === 0 && !(sender.url || '').startsWith(ORIGIN);
}

async function handle(msg, sender) {
  // Session host (offscreen document) → tab.
  if (msg.target === 'background' && IS_WORKER && fromExtensionPage(sender)) {
    if (msg.type === 'page') return pageCommand(msg.tabId, msg.command);
    if (msg.type === 'ui') { uiForTab(msg.tabId, msg.update, msg.ui); return { ok: true }; }
    return undefined;
  }
  if (msg.target) return undefined; // addressed to another context
  if (fromContentScript(sender)) {
    const st = await host('status');
    const mine = st.active && st.tabId === sender.tab.id;
    if (msg.type === 'hark.hello') return { active: mine, ui: mine ? st.ui : null };
    if (msg.type === 'hark.ping') return { active: mine };
    if (msg.type === 'hark.overlay' && mine) {
      if (msg.action === 'stop') return host('stop');
      if (msg.action === 'mute') return host('mute', { muted: !!msg.muted });
      if (msg.action === 'text' && typeof msg.text === 'string') return host('text', { text: msg.text.slice(0, 2000) });
      // Only the overlay's trusted Allow/Deny click sends this (content scripts are the extension's).
      if (msg.action === 'confirm' && Number.isInteger(msg.id)) return host('confirm', { id: msg.id, allow: msg.allow === true });
    }
    return undefined;
  }
  if (fromExtensionPage(sender)) {
    switch (msg.type) {
      case 'hark.toggle': return toggle(await tabFor(msg), msg.settings);
      case 'hark.start': return start(await tabFor(msg), msg.settings);
      case 'hark.stop': return host('stop');
      case 'hark.status': return host('status');
      case 'hark.text': return host('text', { text: String(msg.text || '') });
      case 'hark.mute': return host('mute', { muted: !!msg.muted });
      // Run one page command directly (options page diagnostics and executor tests).
      case 'hark.pageCommand': return pageCommand(await tabFor(msg), msg.command);
      // What the person sees in the tab's overlay (diagnostics and tests).
      case 'hark.overlayText': return api.tabs.sendMessage(await tabFor(msg), { type: 'hark.overlayText' }, { frameId: 0 });
    }
  }
  return undefined;
}

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || typeof msg !== 'object') return;
  handle(msg, sender).then(
    (r) => sendResponse(r),
    (e) => sendResponse({ ok: false, error: String((e && e.message) || e) }),
  );
  return true;
});

// Closing the served tab ends its session.
api.tabs.onRemoved.addListener(async (tabId) => {
  const st = await host('status').catch(() => null);
  if (st && st.active && st.tabId === tabId) host('stop');
});

// Content scripts hold this port while a session runs, which keeps Firefox's event page alive.
api.runtime.onConnect.addListener((port) => {
  if (port.name === 'hark-keepalive') port.onMessage.addListener(() => {});
});

showBadge('off');
