// Hark's background: toolbar button, keyboard shortcut, badge, first-run checklist, and routing
// between the session host and the tab's content script. One classic script for both browsers
// (Chromium: the MV3 service worker; Firefox: the background page). The session host lives in
// session.html, which talks to this script with runtime messages: an offscreen document in
// Chromium, a tab of Hark's own in Firefox.
'use strict';
const api = globalThis.browser ?? globalThis.chrome;
const IS_WORKER = typeof ServiceWorkerGlobalScope !== 'undefined' && self instanceof ServiceWorkerGlobalScope;
const ORIGIN = api.runtime.getURL('');
const DEFAULTS = { companionUrl: 'http://127.0.0.1:8813', pairingToken: '', voice: '', instructions: '', language: '', idleMinutes: '5', talkMode: 'open' };
const PAGE_TIMEOUT_MS = 8000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- reaching the tab ----------------------------------------------------------------------------
// Nothing of Hark's runs in a page where no session runs: the executor and the overlay are injected
// when Hark starts on a tab, and into each new document of that tab while its session runs. A
// second injection into the same document is a no-op (each file returns if it is already there).
const CONTENT_FILES = ['content/page.js', 'content/readable.js', 'content/styles.js', 'content/views.js', 'content/actions.js', 'content/marks.js', 'ui-picture.js', 'content/overlay.js', 'content/main.js'];
async function injectContent(tabId) {
  await api.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: CONTENT_FILES });
}

// Run one page command in the tab's top document. During a navigation the new document's content
// script is not there yet, so retry until it answers (or say why not).
async function pageCommand(tabId, command, reads = false) {
  const deadline = Date.now() + PAGE_TIMEOUT_MS;
  let injected = false, last = '';
  for (;;) {
    try {
      const r = await api.tabs.sendMessage(tabId, { type: 'hark.cmd', command, reads: reads === true }, { frameId: 0 });
      if (r !== undefined) return r;
      last = 'no answer';
    } catch (e) {
      last = String((e && e.message) || e);
      // Delivered, then the document went away before it answered: the command may have run
      // there, so it is never sent again to the next document. `gone` lets the session host run a
      // read again; the core words a change's answer (as for content/main.js's on pagehide).
      if (/message port closed|message manager disconnected/i.test(last)) return { ok: false, gone: true };
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
  setup: ['!', '#bf8700'],
  off: ['', '#57606a'],
};
const STATE_WORDS = { connecting: 'connecting', listening: 'listening', thinking: 'thinking', speaking: 'speaking', error: 'error', off: 'off (click to start)' };

function showBadge(state, error) {
  if (state === 'off' && setupMissing.length) state = 'setup';
  const [text, color] = BADGE[state] || BADGE.off;
  const title = error
    ? `Hark: ${error.title}. ${error.message}`
    : state === 'setup'
      ? `Hark: finish setting up (click to continue): ${setupMissing.map((s) => SETUP_WORDS[s]).join(', ')}`
      : `Hark: ${STATE_WORDS[state] || state}`;
  // Only what changed: each call is a trip to the browser's UI thread.
  if (text !== toolbarShows.text) api.action.setBadgeText({ text }).catch?.(() => {});
  if (color !== toolbarShows.color) api.action.setBadgeBackgroundColor({ color }).catch?.(() => {});
  if (title !== toolbarShows.title) api.action.setTitle({ title }).catch?.(() => {});
  Object.assign(toolbarShows, { text, color, title });
}
// What this worker last set (a restarted worker sets everything once more).
const toolbarShows = { text: null, color: null, title: null };

// What the session host reports for the tab: the session's state and error for the toolbar
// (`ui`), and an update to relay to the overlay (null when the tab's port carried it).
function uiForTab(tabId, update, ui) {
  const now = ui ?? update;
  if (now && (now.state || 'error' in now)) showBadge(now.state ?? null, now.error);
  // A session that connected has tested the connection.
  if (now && ['listening', 'thinking', 'speaking'].includes(now.state) && setupMissing.includes('test')) api.storage.local.set({ connectionOk: true }).catch(() => {});
  if (update) api.tabs.sendMessage(tabId, { type: 'hark.ui', ui: update }, { frameId: 0 }).catch(() => {});
}

// ---- the session host: session.html, an offscreen document (Chromium) or a tab (Firefox) -------
// Firefox refuses getUserMedia to a background page even when the person remembered "allow" for
// Hark, so there the session lives in a tab of Hark's own, opened beside the served tab.
const SESSION_URL = api.runtime.getURL('session.html');

async function sessionTab() {
  return (await api.tabs.query({})).find((t) => t.url === SESSION_URL) || null;
}

async function hostExists() {
  if (!IS_WORKER) return !!(await sessionTab());
  if (api.runtime.getContexts) {
    const found = await api.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [SESSION_URL] });
    return found.length > 0;
  }
  return api.offscreen.hasDocument ? api.offscreen.hasDocument() : false;
}

let sessionTabId = null;
let servedTabId = null;
async function openSessionTab(beside) {
  const near = beside !== undefined ? await api.tabs.get(beside).catch(() => null) : null;
  // Active: Firefox hands a tab the microphone only while it has focus (the session host gives
  // the served tab back its focus as soon as the microphone is settled).
  sessionTabId = (await api.tabs.create({ url: SESSION_URL, active: true, ...(near ? { index: near.index + 1, windowId: near.windowId } : {}) })).id;
}

// Until the host's script listens, messages to it fail. It says so itself as soon as it does
// (a `hostListening` message, often before the browser reports the document created); it is also
// asked every 10 ms, for a document that was there already or a message that went astray.
let hostHeard = null;
async function hostListening(heard) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const st = await api.runtime.sendMessage({ target: 'session-host', cmd: 'status' }).catch(() => undefined);
    if (st) return;
    if (await Promise.race([heard, sleep(10).then(() => false)])) return;
  }
  throw new Error("Hark's session host did not load");
}

// Opening and closing the session host take turns: a start waits for a close still under way
// (else it would talk to a document about to go), a close never takes a session started meanwhile.
// A turn that hangs holds the next one back 15 s at most.
let hostTurn = Promise.resolve();
function inTurn(fn) {
  const run = hostTurn.then(fn);
  hostTurn = Promise.race([run, sleep(15000)]).catch(() => {});
  return run;
}

// Nothing of Hark stays running once no session runs: the offscreen document (Chromium) or the
// session tab (Firefox) closes after a stop and after a session that ended by itself.
async function closeHost() {
  if (!(await hostExists())) return;
  const st = await api.runtime.sendMessage({ target: 'session-host', cmd: 'status' }).catch(() => null);
  if (st && st.active) return; // a new session runs there
  if (IS_WORKER) {
    await api.offscreen.closeDocument().catch(() => {});
    return;
  }
  const tab = await sessionTab();
  if (!tab) return;
  if (tab.id === sessionTabId) sessionTabId = null; // closed by Hark, not by the person
  await api.tabs.remove(tab.id).catch(() => {});
}

let creating = null;
async function ensureHost(beside) {
  if (creating) return creating;
  if (await hostExists()) return;
  const heard = new Promise((resolve) => { hostHeard = resolve; });
  const opened = (IS_WORKER
    ? api.offscreen.createDocument({
      url: 'session.html',
      reasons: ['USER_MEDIA', 'WEB_RTC'],
      justification: 'Hark keeps the voice connection (microphone, WebRTC) alive across page navigations.',
    })
    : openSessionTab(beside))
    .catch((e) => { if (!/single offscreen|already/i.test(String(e && e.message))) throw e; })
    .then(() => hostListening(heard));
  opened.catch(() => {}); // a document that said it listens is used even if its creation complained
  creating ??= Promise.race([heard, opened]).finally(() => { creating = null; hostHeard = null; });
  await creating;
}

const OFF_STATUS = { active: false, tabId: null, state: 'off', error: null, lines: [], ui: { state: 'off', lines: [], error: null } };

// ---- how the last session ended -----------------------------------------------------------------
// A session that ended by itself closes its host; its words stay here (status, badge) until the
// next start or stop. Also in storage.session: the service worker (Chromium) or event page
// (Firefox) may be unloaded meanwhile.
let lastEnd = null; // { tabId, state, error }
let lastEndSet = false;
const sessionArea = api.storage.session || null;
const lastEndLoaded = sessionArea
  ? sessionArea.get({ lastEnd: null }).then((r) => { if (!lastEndSet) lastEnd = r.lastEnd; }, () => {})
  : Promise.resolve();
function setLastEnd(value) {
  lastEnd = value;
  lastEndSet = true;
  sessionArea?.set({ lastEnd: value }).catch(() => {});
}
const endedStatus = (e) => ({ ...OFF_STATUS, tabId: e.tabId, state: e.state, error: e.error, ui: { state: e.state, lines: [], error: e.error } });

// While a session runs, storage.local says so: a reloaded (or updated) extension finds the mark
// with no session host left, and tells the person why Hark stopped.
const RESTARTED = {
  title: 'Hark was restarted',
  message: "Hark stopped because the extension was reloaded or updated (or the browser restarted) while it was listening. Press Hark's button to start again.",
  fatal: true,
};
const markRunning = (tabId) => api.storage.local.set({ running: { tabId } }).catch(() => {});
const clearRunning = () => api.storage.local.remove('running').catch(() => {});

// The tab the running mark names (null: no session runs).
async function runningTabId() {
  const { running } = /** @type {{ running: { tabId: number } | null }} */ (await api.storage.local.get({ running: null }));
  return running ? running.tabId : null;
}

async function sessionLostToARestart() {
  const tabId = await runningTabId();
  if (tabId === null || (await hostExists())) return; // none, or still running (the worker restarted)
  await clearRunning();
  setLastEnd({ tabId, state: 'error', error: RESTARTED });
  showBadge('error', RESTARTED);
  // The tab still shows the old overlay, whose scripts died with the old extension (Chromium
  // keeps them, cut off): take it away, bring this extension's scripts, and say what happened.
  try {
    await api.scripting.executeScript({ target: { tabId }, func: () => { for (const el of document.querySelectorAll('hark-overlay')) el.remove(); } });
    await injectContent(tabId);
  } catch (_) { /* the tab is gone, or a page extensions may not enter */ }
  api.tabs.sendMessage(tabId, { type: 'hark.ui', ui: { state: 'error', error: RESTARTED } }, { frameId: 0 }).catch(() => {});
}

// The session ended by itself (a fatal error, already worded): keep its words, close its host.
function onEnded(tabId, ui) {
  const error = (ui && ui.error) || null;
  setLastEnd({ tabId, state: error ? 'error' : 'off', error });
  clearRunning();
  inTurn(closeHost).catch(() => {});
}

// cmd: start | stop | text | confirm | mute | talk | status. Only a start opens the host: anything else
// goes to a host that is there (one closing meanwhile answers nothing, and is not opened again).
async function host(cmd, args = {}) {
  if (cmd === 'start') {
    await ensureHost(args.tabId);
    pressLeg(args, 'hostListening');
    return api.runtime.sendMessage({ target: 'session-host', cmd, ...args });
  }
  const answer = (await hostExists())
    ? await api.runtime.sendMessage({ target: 'session-host', cmd, ...args }).catch(() => undefined)
    : undefined;
  if (answer !== undefined) return answer;
  if (cmd !== 'status') return { ok: true };
  await lastEndLoaded;
  return lastEnd ? endedStatus(lastEnd) : OFF_STATUS;
}

// The person (or the served tab closing) stops Hark: off, and nothing left running.
async function stop() {
  setLastEnd(null);
  clearRunning();
  const answer = await host('stop');
  await inTurn(closeHost);
  return answer;
}

async function settings() {
  return { ...DEFAULTS, ...(await api.storage.local.get(DEFAULTS)) };
}

// ---- first run: pair, allow the microphone, test the connection ---------------------------------
// The options page is the checklist; until every step is done the toolbar says what is missing,
// and a press goes to the first missing step instead of failing.
const SETUP_WORDS = { pair: 'pair with the companion', microphone: 'allow the microphone', test: 'test the connection' };
let setupMissing = [];

// The extension origin's microphone permission, as the browser stored the person's decision.
async function microphonePermission() {
  try {
    return (await navigator.permissions.query({ name: 'microphone' })).state;
  } catch (_) {
    return 'prompt';
  }
}

async function setupState() {
  const s = await api.storage.local.get({ pairingToken: '', connectionOk: false });
  const microphone = await microphonePermission();
  const missing = [];
  if (!String(s.pairingToken).trim()) missing.push('pair');
  // A blocked microphone is the person's answer, not a missing step: Hark runs on typed commands.
  if (microphone === 'prompt') missing.push('microphone');
  if (!s.connectionOk) missing.push('test');
  return { missing, microphone };
}

async function refreshSetup() {
  const state = await setupState();
  setupMissing = state.missing;
  const st = await host('status').catch(() => null);
  if (!st || !st.active) showBadge(st && st.state === 'error' ? 'error' : 'off', st && st.state === 'error' ? st.error : undefined);
  return state;
}

// Opens the checklist at `step`; with `tabId`, Hark starts there by itself once the step is done.
async function openSetup(step, tabId) {
  const query = new URLSearchParams();
  if (step) query.set('step', step);
  if (tabId !== undefined) query.set('start', String(tabId));
  const url = api.runtime.getURL(`options.html${query.size ? `?${query}` : ''}`);
  // One checklist tab for setup: a second press goes back to it (an options tab opened by hand
  // is left as it is).
  const setupPage = api.runtime.getURL('options.html?');
  const open = (await api.tabs.query({})).find((t) => (t.url || '').startsWith(setupPage));
  if (open) await api.tabs.update(open.id, { url, active: true });
  else await api.tabs.create({ url, active: true });
}

// Browsers keep extensions out of their own pages (settings, stores, other extensions).
async function restrictedReason(tabId) {
  const tab = await api.tabs.get(tabId).catch(() => null);
  if (!tab) return 'that tab is gone';
  if (tab.url && !/^(https?|file):/i.test(tab.url)) return `the browser does not let extensions into ${tab.url.split('/')[0]}// pages; open a web page and try again`;
  return null;
}

// When the person pressed (epoch ms, the clock every extension context shares): the session host
// times its start from here, and `pressLegs` says where the time before it went (ms from the
// press; status().pressLegs and .hostAfterClick, printed by extension-bench).
const now = () => performance.timeOrigin + performance.now();
const pressLeg = (args, name) => { if (args.pressLegs) args.pressLegs[name] = Math.round((now() - args.clickedAt) * 10) / 10; };

async function start(tabId, overrides, { asked = false, clickedAt = now() } = {}) {
  const why = await restrictedReason(tabId);
  if (why) {
    showBadge('error', { title: 'Hark cannot run here', message: why });
    return { ok: false, error: why };
  }
  const config = { ...(await settings()), ...(overrides || {}) };
  const { missing } = await setupState();
  setupMissing = missing;
  // Without a pairing token or a microphone decision a start can only fail or go deaf: ask first,
  // on Hark's own page, where the browser can show its question. That page starts Hark on this
  // tab once the step is done. (A test run is only advised: starting is itself a test.)
  const step = !String(config.pairingToken).trim() ? 'pair' : !asked && missing.includes('microphone') ? 'microphone' : null;
  if (step) {
    await openSetup(step, tabId);
    showBadge('off');
    return { ok: true, setup: step };
  }
  servedTabId = tabId;
  setLastEnd(null);
  markRunning(tabId);
  // Alongside the start, not before it (nothing of the start waits for the page): the executor
  // says hello when it is wired and shows the overlay of the session by then. A page extensions may not
  // enter is worded by the first page command.
  injectContent(tabId).catch(() => {});
  const args = { tabId, settings: config, clickedAt, pressLegs: {} };
  pressLeg(args, 'checked');
  return inTurn(() => host('start', args));
}

// The toolbar button, the shortcut and "Start on tab" all come here.
async function toggle(tabId, overrides) {
  const clickedAt = now();
  const st = await host('status');
  if (st.active && st.tabId === tabId) return stop();
  return start(tabId, overrides, { clickedAt });
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

// Hark's overlay frame (overlay.html) inside a tab's page.
// Its URL is not ORIGIN's in Chromium (above); sender.id says it is Hark's.
function fromOverlayFrame(sender) {
  return sender.id === api.runtime.id && sender.tab && typeof sender.url === 'string' && /^(chrome|moz)-extension:/.test(sender.url) && new URL(sender.url).pathname === '/overlay.html';
}

// The tab's own top document (content script), as opposed to an extension page.
function fromContentScript(sender) {
  return sender.id === api.runtime.id && sender.tab && sender.frameId === 0 && !(sender.url || '').startsWith(ORIGIN);
}

async function handle(msg, sender) {
  // Session host (session.html) → tab.
  if (msg.target === 'background' && fromExtensionPage(sender)) {
    if (msg.type === 'page') return pageCommand(msg.tabId, msg.command, msg.reads);
    if (msg.type === 'ui') { uiForTab(msg.tabId, msg.update, msg.ui); return { ok: true }; }
    if (msg.type === 'ended') { onEnded(msg.tabId, msg.ui); return { ok: true }; }
    if (msg.type === 'hostListening') { hostHeard?.(true); return { ok: true }; }
    return undefined;
  }
  if (msg.target) return undefined; // addressed to another context
  // The overlay frame's nonce, to its tab's content script, which hands the frame its port
  // (content/overlay.js): only an extension context can make this message.
  if (fromOverlayFrame(sender)) {
    if (msg.type !== 'hark.overlayHello' || typeof msg.nonce !== 'string') return undefined;
    // The frame's own origin: Chromium loads the frame's dynamic URL (runtime.getURL, which the
    // page cannot guess) at the extension's fixed origin.
    const origin = new URL(sender.url).origin;
    return api.tabs.sendMessage(sender.tab.id, { type: 'hark.overlayHello', nonce: msg.nonce.slice(0, 64), origin }, { frameId: 0 }).catch(() => null);
  }
  if (fromContentScript(sender)) {
    const st = await host('status');
    const mine = st.active && st.tabId === sender.tab.id;
    if (msg.type === 'hark.hello') return { active: mine, ui: mine ? st.ui : null };
    if (msg.type === 'hark.ping') return { active: mine };
    if (msg.type === 'hark.overlay' && mine) {
      if (msg.action === 'stop') return stop();
      if (msg.action === 'mute') return host('mute', { muted: !!msg.muted });
      // Only the overlay's trusted Talk press sends this (push-to-talk).
      if (msg.action === 'talk') return host('talk', { down: msg.down === true });
      if (msg.action === 'text' && typeof msg.text === 'string') return host('text', { text: msg.text.slice(0, 2000) });
      // Only the overlay's trusted Allow/Deny click sends this (content scripts are the extension's).
      if (msg.action === 'confirm' && Number.isInteger(msg.id)) return host('confirm', { id: msg.id, allow: msg.allow === true });
    }
    return undefined;
  }
  if (fromExtensionPage(sender)) {
    switch (msg.type) {
      case 'hark.toggle': return toggle(await tabFor(msg), msg.settings);
      // From the checklist, once the person answered the microphone question (whatever the answer).
      case 'hark.start': return start(await tabFor(msg), msg.settings, { asked: msg.asked === true });
      case 'hark.stop': return stop();
      case 'hark.status': return host('status');
      case 'hark.text': return host('text', { text: String(msg.text || '') });
      case 'hark.mute': return host('mute', { muted: !!msg.muted });
      // Run one page command directly (options page diagnostics and executor tests).
      case 'hark.pageCommand': return pageCommand(await tabFor(msg), msg.command);
      // What the person sees in the tab's overlay (diagnostics and tests).
      case 'hark.overlayText': return api.tabs.sendMessage(await tabFor(msg), { type: 'hark.overlayText' }, { frameId: 0 });
      // The checklist changed something the badge shows (the microphone decision lives outside storage).
      case 'hark.setupChanged': return refreshSetup();
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

// Closing the served tab ends its session (nothing left running); the person closing Firefox's
// session tab has ended it already.
api.tabs.onRemoved.addListener(async (tabId) => {
  if (tabId === sessionTabId) {
    sessionTabId = null;
    setLastEnd(null);
    clearRunning();
    if (servedTabId !== null) uiForTab(servedTabId, { state: 'off', error: null });
    return;
  }
  const st = await host('status').catch(() => null);
  if (st && st.active && st.tabId === tabId) stop().catch(() => {});
});

// A new document in the served tab (a link, a reload, a form sent): bring the executor as soon as
// its DOM is parsed; it says hello, shows the overlay again and links up to the session host. The
// running mark (storage) outlives a service worker that was stopped meanwhile.
api.webNavigation.onDOMContentLoaded.addListener(async ({ tabId, frameId }) => {
  if (frameId === 0 && (await runningTabId()) === tabId) injectContent(tabId).catch(() => {});
});

// Content scripts hold this port while a session runs, which keeps Firefox's event page alive.
api.runtime.onConnect.addListener((port) => {
  if (port.name === 'hark-keepalive') port.onMessage.addListener(() => {});
});

// A new install opens the checklist.
api.runtime.onInstalled.addListener((details) => { if (details.reason === 'install') openSetup('pair').catch(console.error); });
// (The running mark is Hark's own bookkeeping, not setup.)
api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && Object.keys(changes).some((k) => k !== 'running')) refreshSetup().catch(() => {});
});
sessionLostToARestart().catch(() => {}).finally(() => refreshSetup().catch(() => showBadge('off')));
