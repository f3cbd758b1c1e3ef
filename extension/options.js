// Options: companion URL, pairing token, voice, instructions; "Test connection" says exactly what
// is wrong; "Allow microphone" asks once for the extension's origin (the session host then uses
// it); "Start on tab" starts Hark the way the toolbar button does.
import init, { describe_status, companion_http_error } from './pkg/hark_core.js';

const api = globalThis.browser ?? globalThis.chrome;
const DEFAULTS = { companionUrl: 'http://127.0.0.1:8813', pairingToken: '', voice: '', instructions: '' };
const $ = (id) => document.getElementById(id);
const FIELDS = ['companionUrl', 'pairingToken', 'voice', 'instructions'];
const wasm = init();

function say(el, text, ok) {
  el.textContent = text;
  el.className = ok === undefined ? '' : ok ? 'ok' : 'bad';
}

async function load() {
  const s = { ...DEFAULTS, ...(await api.storage.local.get(DEFAULTS)) };
  for (const f of FIELDS) $(f).value = s[f];
}

async function save() {
  const s = {};
  for (const f of FIELDS) s[f] = $(f).value.trim();
  if (!s.companionUrl) s.companionUrl = DEFAULTS.companionUrl;
  await api.storage.local.set(s);
  $('saved').textContent = 'Saved.';
  setTimeout(() => ($('saved').textContent = ''), 1500);
}

async function testConnection() {
  await save();
  const { companionUrl, pairingToken: token } = { ...DEFAULTS, ...(await api.storage.local.get(DEFAULTS)) };
  const base = companionUrl.replace(/\/+$/, '');
  say($('result'), 'Testing…');
  try {
    const r = await fetch(`${base}/healthz`, { cache: 'no-store' });
    if (!r.ok) return say($('result'), `Something answers at ${base}, but not the Hark companion (GET /healthz gave HTTP ${r.status}). Check the URL.`, false);
  } catch (_) {
    return say($('result'), `The companion is not running at ${base}: start hark-companion on this machine (or fix the URL above).`, false);
  }
  if (!token) return say($('result'), 'The companion is running, but no pairing token is set: paste the token hark-companion printed at first start (hark-companion --print-token shows it).', false);
  await wasm;
  try {
    const r = await fetch(`${base}/api/status`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
    const body = await r.text();
    if (!r.ok) {
      const [, err] = JSON.parse(companion_http_error(r.status, body));
      return say($('result'), `${err.error.title}: ${err.error.message}`, false);
    }
    const words = JSON.parse(describe_status(body));
    if (words.error) return say($('result'), words.error, false);
    say($('result'), words.text, true);
  } catch (e) {
    say($('result'), `The companion stopped answering: ${e.message}`, false);
  }
}

async function allowMicrophone() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of stream.getTracks()) t.stop();
    say($('result'), 'Microphone allowed for Hark. Hark can now listen on any page you start it on.', true);
  } catch (e) {
    const why = e.name === 'NotFoundError' ? 'no microphone was found' : e.name === 'NotAllowedError' ? 'access was denied (allow it in the browser\'s site settings for this extension)' : e.message;
    say($('result'), `Microphone not available: ${why}.`, false);
  }
}

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

for (const f of FIELDS) $(f).addEventListener('change', save);
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
load();
listTabs();
showSession();
