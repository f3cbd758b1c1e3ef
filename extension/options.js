// Hark's setup page, a checklist: pair with the companion, allow the microphone, test the
// connection; each step shows done / not done. The background opens it on install, and when the
// toolbar is pressed with a step missing: then `?step=…&start=TAB` and Hark starts on TAB by
// itself once the step is done (the browser can ask for the microphone here, in a tab, where the
// session host — an offscreen document or a background page — cannot).
import init, { describe_status, companion_http_error, microphone_words } from './pkg/hark_core.js';
import { BROWSER, microphonePermission } from './platform.js';

const api = globalThis.browser ?? globalThis.chrome;
const DEFAULTS = { companionUrl: 'http://127.0.0.1:8813', pairingToken: '', voice: '', instructions: '', language: '', idleMinutes: '5', talkMode: 'open', connectionOk: false };
// Every element the page looks up by id is a form field or a plain element: typed as an input, whose
// `value` the fields use.
const $ = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const FIELDS = ['companionUrl', 'pairingToken', 'voice', 'instructions', 'language', 'idleMinutes', 'talkMode'];
const wasm = init();
const params = new URLSearchParams(location.search);
const startTab = Number(params.get('start')) || null;
let started = false;
let shortcutText = 'Alt+Shift+K';

// The shortcut as the browser has it (the person may have changed it in the browser's settings).
async function showShortcut() {
  try {
    const cmd = (await api.commands.getAll()).find((c) => c.name === 'toggle-hark');
    shortcutText = (cmd && cmd.shortcut) || 'no shortcut (set one in the browser\'s extension shortcuts)';
  } catch (_) { /* keep the default words */ }
  for (const el of document.querySelectorAll('.shortcut')) el.textContent = shortcutText;
}

function say(el, text, ok) {
  el.textContent = text;
  el.className = ok === undefined ? '' : ok ? 'ok' : 'bad';
}

async function stored() {
  return { ...DEFAULTS, ...(await api.storage.local.get(DEFAULTS)) };
}

async function load() {
  const s = await stored();
  for (const f of FIELDS) $(f).value = s[f];
}

async function save() {
  const before = await stored();
  const s = {};
  for (const f of FIELDS) s[f] = $(f).value.trim();
  if (!s.companionUrl) s.companionUrl = DEFAULTS.companionUrl;
  // Another companion or token has not been tested yet.
  if (s.companionUrl !== before.companionUrl || s.pairingToken !== before.pairingToken) s.connectionOk = false;
  await api.storage.local.set(s);
  $('saved').textContent = 'Saved.';
  setTimeout(() => ($('saved').textContent = ''), 1500);
}

// ---- the microphone -----------------------------------------------------------------------------
// The live permission status: its change event shows answers given elsewhere (the browser's
// question, its site settings) at once.
let micStatus = null;
async function watchMicrophone(onChange) {
  try {
    micStatus = await navigator.permissions.query({ name: 'microphone' });
    micStatus.onchange = onChange;
  } catch (_) { /* no change events: the buttons still work */ }
}

async function micWords(name, state) {
  await wasm;
  return JSON.parse(microphone_words(name, state, BROWSER));
}

async function allowMicrophone() {
  say($('mic-result'), 'Waiting for your answer to the browser\'s question…');
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of stream.getTracks()) t.stop();
    say($('mic-result'), 'Microphone allowed for Hark. Hark can now listen on any page you start it on.', true);
    await refresh();
    continueStart();
  } catch (e) {
    const name = (e && e.name) || 'NotFoundError';
    const state = await microphonePermission();
    if (name === 'NotAllowedError' && state !== 'denied') {
      // The question was closed without an answer: nothing is stored, the person may still allow.
      say($('mic-result'), 'The browser\'s question closed without an answer. Press "Allow microphone" to be asked again; Hark starts as soon as you allow it.', false);
      return refresh();
    }
    const words = await micWords(name, state);
    // Blocked, or no microphone: the person has answered; Hark still runs on typed commands.
    say($('mic-result'), `${words.title}: ${words.message}${startTab ? ' Hark starts on your tab for typed commands.' : ''}`, false);
    await refresh();
    continueStart();
  }
}

// ---- the connection ----------------------------------------------------------------------------
async function testConnection() {
  await save();
  const ok = await checkConnection();
  await api.storage.local.set({ connectionOk: ok });
  await refresh();
}

async function checkConnection() {
  const { companionUrl, pairingToken: token } = await stored();
  const base = companionUrl.replace(/\/+$/, '');
  const failed = (text) => { say($('result'), text, false); return false; };
  say($('result'), 'Testing…');
  try {
    const r = await fetch(`${base}/healthz`, { cache: 'no-store' });
    if (!r.ok) return failed(`Something answers at ${base}, but not the Hark companion (GET /healthz gave HTTP ${r.status}). Check the URL.`);
  } catch (_) {
    return failed(`The companion is not running at ${base}: start hark-companion on this machine (or fix the URL above).`);
  }
  if (!token) return failed('The companion is running, but no pairing token is set: paste the token hark-companion printed at first start (hark-companion --print-token shows it).');
  await wasm;
  try {
    const r = await fetch(`${base}/api/status`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
    const body = await r.text();
    if (!r.ok) {
      const [, err] = JSON.parse(companion_http_error(r.status, body));
      return failed(`${err.error.title}: ${err.error.message}`);
    }
    const words = JSON.parse(describe_status(body));
    if (words.error) return failed(words.error);
    say($('result'), words.text, true);
    return true;
  } catch (e) {
    return failed(`The companion stopped answering: ${e.message}`);
  }
}

// ---- the checklist -----------------------------------------------------------------------------
const STATE_WORDS = { true: 'done', false: 'not done' };

async function refresh() {
  const s = await stored();
  const mic = await microphonePermission();
  const done = { pair: !!s.pairingToken.trim(), microphone: mic === 'granted', test: !!s.connectionOk };
  const first = Object.keys(done).find((k) => !done[k]);
  for (const [step, ok] of Object.entries(done)) {
    const li = $(`step-${step}`);
    li.dataset.done = String(ok);
    li.classList.toggle('current', step === first);
    li.querySelector('.state').textContent = step === 'microphone' && mic === 'denied' ? 'blocked' : STATE_WORDS[ok];
  }
  if (!first) say($('next'), `All set: click Hark's toolbar button on any page (or press ${shortcutText}) and talk to it.`, true);
  else if (startTab && !started) say($('next'), `Hark starts on your tab as soon as you ${first === 'pair' ? 'paste the pairing token' : first === 'microphone' ? 'allow the microphone' : 'are ready'}.`);
  else say($('next'), `Next: ${first === 'pair' ? 'pair with the companion' : first === 'microphone' ? 'allow the microphone' : 'test the connection'}.`);
  // The toolbar's title and badge follow the checklist (the microphone decision is not in storage).
  api.runtime.sendMessage({ type: 'hark.setupChanged' }).catch(() => {});
  return done;
}

// Pressed on a tab with a step missing: once the person has answered, Hark starts there by itself
// and the person is back on their page.
async function continueStart() {
  if (!startTab || started) return;
  const s = await stored();
  if (!s.pairingToken.trim()) return;
  started = true;
  await api.runtime.sendMessage({ type: 'hark.start', tabId: startTab, asked: true });
  // Firefox's session tab holds the focus until its microphone is open, then hands it back to
  // the person's page itself; taking it away here would leave it waiting.
  if (BROWSER !== 'firefox') await api.tabs.update(startTab, { active: true }).catch(() => {});
  const me = await api.tabs.getCurrent().catch(() => null);
  if (me) api.tabs.remove(me.id).catch(() => {});
}

// After the token: ask for the microphone if nobody has, else go on.
async function afterPairing() {
  const s = await stored();
  if (!startTab || !s.pairingToken.trim()) return;
  if ((await microphonePermission()) === 'prompt') return allowMicrophone();
  continueStart();
}

// ---- start on a tab ----------------------------------------------------------------------------
async function listTabs() {
  const tabs = (await api.tabs.query({})).filter((t) => /^(https?|file):/.test(t.url || ''));
  const sel = $('tabs');
  sel.replaceChildren(...tabs.map((t) => Object.assign(document.createElement('option'), { value: t.id, textContent: `${t.title || t.url} — ${t.url}` })));
  if (!tabs.length) sel.append(Object.assign(document.createElement('option'), { value: '', textContent: 'open a web page in another tab first' }));
}

async function showSession() {
  const st = await api.runtime.sendMessage({ type: 'hark.status' });
  if (!st || !st.active) return say($('session'), st && st.ui && st.ui.error ? `${st.ui.error.title}: ${st.ui.error.message}` : 'Hark is off.', st && st.ui && st.ui.error ? false : undefined);
  say($('session'), `Hark is ${st.ui.state} on tab ${st.tabId} (${st.mode} mode${st.microphone ? ', microphone on' : ', no microphone'}).`, true);
}

for (const f of FIELDS) $(f).addEventListener('change', async () => { await save(); await refresh(); if (f === 'pairingToken') afterPairing(); });
$('test').addEventListener('click', testConnection);
$('mic').addEventListener('click', allowMicrophone);
$('start').addEventListener('click', async () => {
  const tabId = Number($('tabs').value);
  if (!tabId) return;
  await save();
  await api.runtime.sendMessage({ type: 'hark.start', tabId });
  setTimeout(showSession, 1500);
});
$('stop').addEventListener('click', async () => { await api.runtime.sendMessage({ type: 'hark.stop' }); showSession(); });
api.tabs.onUpdated.addListener(() => listTabs());

(async () => {
  await load();
  await showShortcut();
  listTabs();
  showSession();
  // A pending start goes on as soon as the microphone is allowed, wherever the person allowed it.
  await watchMicrophone(async () => { await refresh(); if (micStatus.state === 'granted') continueStart(); });
  const done = await refresh();
  const step = params.get('step');
  if (step) { const li = $(`step-${step}`); if (li) li.scrollIntoView({ block: 'center' }); }
  if (step === 'pair') $('pairingToken').focus();
  if (step === 'microphone' && !done.microphone) allowMicrophone();
  else if (startTab && done.pair && done.microphone) continueStart();
})();
