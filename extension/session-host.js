// The session host: owns the WebRTC connection (microphone, remote audio, `oai-events`) and the
// WASM core, in an extension-origin context (Chromium: the offscreen document; Firefox: the
// background page), so no page CSP or Permissions-Policy applies. It is glue: every decision is
// the core's; this file performs the core's actions. The `bridge` reaches the tab:
//   bridge.page(tabId, command, reads) -> Promise<result>  run a page command in the tab's executor
//                                                     (`reads`: it only reads, the core's `rereadable`)
//   bridge.ui(tabId, update, ui)                      the toolbar shows ui.state/ui.error; the overlay
//                                                     gets `update` (null: the tab's port carried it)
//   bridge.microphoneSettled(tabId, open)             optional: the microphone is open (or not to be had)
//   bridge.takeFocus()                                optional: focus this document (Firefox's tab)
//   bridge.ended(tabId, ui)                           optional: the session ended by itself (a fatal
//                                                     error); its host may close (`ui`: its last words)
import init, * as core from './pkg/hark_core.js';
import { BROWSER, microphonePermission } from './platform.js';
import './ui-picture.js';

const CONNECT_TIMEOUT_MS = 20000;
// A connected session whose network path stays 'disconnected' this long is lost (the browser's
// own 'failed' comes only after its consent checks expire, about 30 s).
const LOST_AFTER_MS = 10000;
// A remembered decision answers getUserMedia within milliseconds; longer means the browser is
// asking the person (Firefox, allowed once before) and the session goes on without waiting.
const MIC_WAIT_MS = 3000;
// The offer goes out with the first candidate gathered, not after all of them: OpenAI (and the local
// peer) are ICE-lite and learn the browser's address from its own connectivity checks, and waiting
// for gathering to complete cost Chromium ~145 ms of every start (extension-bench's legs).
const ICE_GATHER_WAIT_MS = 1000;
const BUDGET_ASK_MS = 2000;
const TRANSCRIPT_EVERY_MS = 100;

let wasmReady = null;
function loadCore() {
  wasmReady ??= init();
  return wasmReady;
}

const trimSlash = (u) => String(u || '').trim().replace(/\/+$/, '');
// Direct links to the served tab's content script: a runtime port the tab opens while a session
// runs, so page commands skip the relay (Chromium: offscreen document -> service worker -> tab
// costs ~35 ms a command). Only the extension's own content scripts can open one (top frame).
// Commands the core marks rereadable (they only read) may run again when their page goes away;
// the relay then waits for the new document. Anything else is never re-run elsewhere: it may have run.
const DIRECT_TIMEOUT_MS = 10000;
// Every call gets its answer in time, whatever the page does. An action (a click, a key) takes
// milliseconds unless the page's handler stops it: the browser's own dialogs (alert, confirm,
// "leave this page?") hold the page until the person answers, and nothing of Hark's runs there
// meanwhile. Reading and restyling work in slices and answer within their own deadline (7.5 s).
const ACTION_OPS = new Set(['click', 'typeText', 'pressKey', 'selectOption', 'setChecked', 'navigate', 'scroll']);
const ACTION_PATIENCE_MS = 3000;
const PAGE_PATIENCE_MS = 9500;
const stuckWords = (op, ms) => ACTION_OPS.has(op)
  ? `the page has not finished this ${op} after ${ms / 1000} s: it is probably showing a dialog (an alert, a confirm, or "leave this page?") that waits for the person, or it is busy. The action may have happened. Ask the person to answer the dialog, then call getPageHTML to see the page`
  : `the page did not answer within ${ms / 1000} s: it is busy, or showing a dialog that waits for the person. Ask them to look at the page`;

function pageLinks(api, sessionUp) {
  const ports = new Map(); // tabId -> port
  const waiting = new Map(); // command id -> { settle, port, rereadable }
  let seq = 0;
  // Settle every command still waiting on `port`, whose document is gone (or going).
  function abandon(port) {
    for (const [id, w] of waiting) {
      if (w.port !== port) continue;
      waiting.delete(id);
      w.settle(w.rereadable ? null : JSON.stringify({ ok: false, gone: true }));
    }
  }
  api.runtime.onConnect.addListener((port) => {
    const from = port.sender;
    if (port.name !== 'hark-page' || !from || from.id !== api.runtime.id || !from.tab || from.frameId !== 0) return;
    const tabId = from.tab.id;
    // A new document in the tab: the old one's port may linger (back-forward cache) and would
    // swallow commands.
    const old = ports.get(tabId);
    if (old && old !== port) { abandon(old); try { old.disconnect(); } catch (_) {} }
    ports.set(tabId, port);
    // The outline the model gets first (the core's command), for the page to walk ahead; whether
    // the session is past its start (else the page lets the start have the CPU first).
    loadCore().then(() => port.postMessage({ prime: JSON.parse(core.first_outline_command()), sessionUp: sessionUp() })).catch(() => {});
    port.onMessage.addListener((m) => {
      const w = m && waiting.get(m.id);
      if (w && w.port === port && typeof m.json === 'string') {
        waiting.delete(m.id);
        if (w.timing && typeof m.ms === 'number') w.timing.pageMs = m.ms;
        if (w.timing && m.kept === true) w.timing.kept = true;
        w.settle(m.json);
      }
    });
    port.onDisconnect.addListener(() => {
      if (ports.get(tabId) === port) ports.delete(tabId);
      abandon(port);
    });
  });
  // The tab's answer (JSON text) over its port, or null when the relay should carry the command.
  // `timing.pageMs` gets the executor's own time when the page says it.
  function run(tabId, command, rereadable, timing) {
    const port = ports.get(tabId);
    if (!port) return null;
    return new Promise((resolve) => {
      const id = ++seq;
      const timer = setTimeout(() => {
        if (!waiting.delete(id)) return;
        // A document that neither answers nor disconnects is frozen or gone: stop using its port.
        if (ports.get(tabId) === port) ports.delete(tabId);
        resolve(rereadable ? null : JSON.stringify({ ok: false, error: `the page did not answer within ${DIRECT_TIMEOUT_MS / 1000} s; it may be busy or gone` }));
      }, DIRECT_TIMEOUT_MS);
      const settle = (json) => { clearTimeout(timer); resolve(json); };
      waiting.set(id, { settle, port, rereadable, timing });
      try { port.postMessage({ id, command, reads: rereadable }); } catch (_) { waiting.delete(id); settle(null); }
    });
  }
  // An overlay update over the tab's port; false when there is none (the relay carries it).
  function tell(tabId, update) {
    const port = ports.get(tabId);
    if (!port) return false;
    try { port.postMessage({ ui: update }); return true; } catch (_) { return false; }
  }
  return { run, tell };
}

// The peer connection a session talks over: remote audio, the microphone's slot (its track comes
// later, with no renegotiation), the events channel, and the offer gathering its first candidate.
// `offer` settles to null once the offer has a candidate (or gathering ended), else to what went
// wrong. Nothing is sent anywhere until the session posts the offer.
function openConnection() {
  const pc = new RTCPeerConnection();
  const micSlot = pc.addTransceiver('audio', { direction: 'sendrecv' });
  const dc = pc.createDataChannel('oai-events');
  const offer = (async () => {
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete' || /^a=candidate:/m.test(pc.localDescription.sdp)) return resolve();
      const done = () => { clearTimeout(t); resolve(); };
      const t = setTimeout(done, ICE_GATHER_WAIT_MS);
      pc.addEventListener('icecandidate', (e) => { if (e.candidate) done(); });
      pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') done(); });
    });
    return null;
  })().catch((e) => String((e && e.message) || e));
  return { pc, micSlot, dc, offer };
}

// This document opens for a start (the background creates it when the person presses Hark's
// button, and closes it when the session ends), so its first connection is opened as it loads:
// gathering the offer's candidate takes ~30 ms in Chromium, which then overlaps the start
// message's way here. A later start in the same document opens its own.
let warmConnection = null;
function takeWarmConnection() {
  const warm = warmConnection;
  warmConnection = null;
  return warm;
}

// A request the network took away (Chromium aborts requests in flight when the machine's
// networks change: ERR_NETWORK_CHANGED, seen on a first start) is not a companion that is down:
// it is asked once more before the person is told so.
const askTwice = (ask) => ask().catch(() => new Promise((resolve) => setTimeout(resolve, 300)).then(ask));

// Where a start's time goes: ms from the session's start (status().legs, printed by
// extension-bench). The first time each leg is reached counts.
function markLeg(session, name) {
  session.legs[name] ??= Math.round((performance.now() - session.t0) * 10) / 10;
}

export function createSessionHost(bridge) {
  // The host's document opens for a start: the core compiles while the start message is on its way
  // (12 ms of every Chromium start otherwise). A failure shows at the start, which awaits it again.
  loadCore().catch(() => { wasmReady = null; });
  const direct = pageLinks(globalThis.browser ?? globalThis.chrome, () => s !== null && s.readyMs != null);
  let s = null; // the running session
  let generation = 0;
  // What the overlay shows, replayed to a new document after navigation.
  const picture = globalThis.harkPicture;
  let ui = picture.blank();
  let tabId = null;

  function emitUi(update) {
    picture.apply(ui, update);
    // The core's updates carry one field each: a transcript line is nothing else.
    if (update.transcript) {
      heldLines.set(update.transcript.id, update.transcript);
      lineTimer ??= setTimeout(flushLines, Math.max(0, lastLinesAt + TRANSCRIPT_EVERY_MS - performance.now()));
      return;
    }
    flushLines(); // keep the order: what was said before this state change shows first
    sendUi(update);
  }
  // Transcript deltas come tens of times a second while the model speaks; the overlay gets the
  // latest text of each line at most every TRANSCRIPT_EVERY_MS, over the tab's port when it has
  // one, so the page's main thread and the relay stay free for page commands.
  const heldLines = new Map();
  let lineTimer = null;
  let lastLinesAt = -Infinity;
  function flushLines() {
    clearTimeout(lineTimer);
    lineTimer = null;
    if (!heldLines.size) return;
    lastLinesAt = performance.now();
    const lines = [...heldLines.values()];
    heldLines.clear();
    for (const transcript of lines) sendUi({ transcript });
  }
  // The overlay hears every update at once: over the tab's port when it has one (in order with
  // the page commands), else through the background. The background also shows the session's
  // state on the toolbar button, and a message to it is dear for a page command sent meanwhile:
  // it passes the browser's UI thread (Chromium: and wakes the service worker; Firefox: it runs
  // on this document's thread), and a command's first message to the page took 5-10 ms instead
  // of under 1 while one was on its way (each turn of the model brings two: thinking at
  // response.created, listening at response.done, around the call). So while a session runs
  // its course (listening, thinking, speaking) the toolbar gets the state it settled on,
  // BADGE_SETTLE_MS later, only when it differs from what the toolbar shows, and not while a
  // page command is out (for at most BADGE_HOLD_MS). Other states (connecting, error, off) go
  // at once: the session may end right after them.
  const BADGE_SETTLE_MS = 50, BADGE_HOLD_MS = 1000;
  const RUNNING_STATES = new Set(['listening', 'thinking', 'speaking']);
  let badgeTimer = null, badgeDue = 0, badgeShown = '';
  let pagesOut = 0; // page commands sent and not answered yet
  function sendUi(update) {
    if (tabId === null) return;
    if (!direct.tell(tabId, update)) {
      bridge.ui(tabId, update, ui);
      badgeShown = badgeOf(ui);
    } else if ('state' in update || 'error' in update) {
      if (RUNNING_STATES.has(ui.state)) holdBadge(); else sendBadge();
    }
  }
  const badgeOf = (u) => JSON.stringify([u.state, u.error]);
  // One timer for however many changes come meanwhile: it sends the state as it is then.
  function holdBadge() {
    if (badgeTimer) return;
    badgeDue = performance.now() + BADGE_HOLD_MS;
    badgeTimer = setTimeout(badgeWhenFree, BADGE_SETTLE_MS);
  }
  function badgeWhenFree() {
    const wait = pagesOut > 0 ? badgeDue - performance.now() : 0;
    if (wait > 0) badgeTimer = setTimeout(badgeWhenFree, Math.min(wait, BADGE_SETTLE_MS));
    else sendBadge();
  }
  function sendBadge() {
    clearTimeout(badgeTimer);
    badgeTimer = null;
    if (tabId === null || badgeOf(ui) === badgeShown) return;
    badgeShown = badgeOf(ui);
    bridge.ui(tabId, null, ui);
  }

  // Perform the core's actions (a JSON array).
  function perform(json, session) {
    if (!json || session !== s) return;
    const actions = JSON.parse(json);
    let fatal = false;
    for (const a of actions) {
      if (a.kind === 'send') {
        if (session.dc && session.dc.readyState === 'open') session.dc.send(a.text);
        const callId = a.output_of;
        const arrived = callId && session.callArrivals.get(callId);
        if (arrived) {
          session.callArrivals.delete(callId);
          session.callLatencies.push({ callId, name: arrived.name, ms: Math.round((performance.now() - arrived.t) * 10) / 10 });
          if (session.callLatencies.length > 100) session.callLatencies.shift();
        }
      } else if (a.kind === 'page') {
        runPage(session, a.id, a.command, !!a.rereadable);
      } else if (a.kind === 'mic') {
        session.talkOpen = !!a.open;
        applyMic(session);
      } else if (a.kind === 'ui') {
        const { kind, ...update } = a;
        if (update.error && update.error.fatal) fatal = true;
        if (update.usage) reportUsage(session, update.usage);
        emitUi(update);
      }
    }
    if (fatal) teardown(session, false);
  }

  // With a daily budget, the companion counts each call from its own line to the model; the
  // session's meter is reported too, for when that line drops. Its answer is today's budget line.
  function reportUsage(session, usage) {
    const cost = usage.cost_usd;
    if (!session.budget || !session.callId || typeof cost !== 'number' || cost === session.reportedUsd) return;
    session.reportedUsd = cost;
    fetch(`${session.base}/api/usage`, {
      method: 'POST',
      headers: { ...session.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ call_id: session.callId, cost_usd: cost }),
      cache: 'no-store',
    }).then((r) => (r.ok ? r.json() : null)).then((j) => {
      const summary = j && j.budget && j.budget.summary;
      if (summary && session === s && session.core) perform(session.core.on_budget(summary), session);
    }).catch(() => {});
  }

  // Today's budget as the companion has it now; null when it cannot say within BUDGET_ASK_MS.
  async function budgetNow(session) {
    try {
      const r = await fetch(`${session.base}/api/status`, { headers: session.auth, cache: 'no-store', signal: AbortSignal.timeout(BUDGET_ASK_MS) });
      return r.ok ? (await r.json()).budget ?? null : null;
    } catch (_) { return null; }
  }

  // The call ended from the far side. With a daily budget the companion may have ended it: then
  // its words say so, not "connection closed". Only the first such signal of a session counts.
  async function farEnd(session, actions) {
    if (session !== s || session.ending) return;
    session.ending = true;
    const budget = session.budget ? await budgetNow(session) : null;
    if (session !== s || !session.core) return;
    fail(session, budget && budget.exhausted ? core.budget_spent(budget.message || '') : actions());
  }

  async function runPage(session, id, command, rereadable) {
    pagesOut++;
    try {
      await runPageNow(session, id, command, rereadable);
    } finally {
      pagesOut--;
    }
  }
  async function runPageNow(session, id, command, rereadable) {
    const started = performance.now();
    const limit = ACTION_OPS.has(command.op) ? ACTION_PATIENCE_MS : PAGE_PATIENCE_MS;
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve(JSON.stringify({ ok: false, error: stuckWords(command.op, limit) })), limit); });
    // ms: the round trip to the page; pageMs: the executor's own part of it (when it says);
    // coreMs: the core's work on the answer (reading it, and for an outline, writing it).
    const timing = { op: command.op, ms: 0 };
    const json = await Promise.race([pageAnswer(session, command, rereadable, timing), late]);
    clearTimeout(timer);
    if (session !== s) return;
    timing.ms = performance.now() - started;
    session.timings.push(timing);
    if (session.timings.length > 100) session.timings.shift();
    const coreStarted = performance.now();
    const actions = session.core.on_page_result(id, json);
    timing.coreMs = Math.round((performance.now() - coreStarted) * 10) / 10;
    perform(actions, session);
  }

  async function pageAnswer(session, command, rereadable, timing) {
    try {
      const json = await direct.run(session.tabId, command, rereadable, timing);
      if (json != null) return json;
      let result = await bridge.page(session.tabId, command, rereadable);
      // The document left while a relayed command ran there (content/main.js): a read runs again
      // on the new one, a change is answered with the words.
      if (result && result.gone && rereadable) result = await bridge.page(session.tabId, command, rereadable);
      if (result && typeof result.ms === 'number') timing.pageMs = result.ms;
      if (result && result.kept === true) timing.kept = true;
      return JSON.stringify(result ?? { ok: false, error: 'the page gave no answer' });
    } catch (e) {
      return JSON.stringify({ ok: false, error: String((e && e.message) || e) });
    }
  }

  // How loud the model's voice is right now (0..1): shown in status for tests and diagnostics.
  function meterRemote(session, stream) {
    try {
      session.audioCtx = new AudioContext();
      const analyser = session.audioCtx.createAnalyser();
      analyser.fftSize = 1024;
      session.audioCtx.createMediaStreamSource(stream).connect(analyser);
      session.analyser = analyser;
      session.audioCtx.resume().catch(() => {});
    } catch (_) { session.analyser = null; }
  }
  // Firefox keeps a background page's AudioContext suspended, so WebRTC's own inbound-rtp
  // audioLevel (polled) counts too.
  // The packet count also tells the core whether the model's voice arrives while it speaks.
  function pollInboundLevel(session) {
    session.statsTimer = setInterval(async () => {
      if (!session.pc) return;
      try {
        (await session.pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio') {
            if (typeof r.audioLevel === 'number') session.statsLevel = r.audioLevel;
            session.packetsIn = r.packetsReceived;
          }
        });
      } catch (_) { return; /* closed */ }
      if (session === s && session.core && session.readyMs != null) {
        perform(session.core.on_inbound_audio(session.packetsIn ?? 0, performance.now(), ui.state === 'speaking'), session);
      }
    }, 250);
  }
  function remoteLevel(session) {
    let rms = 0;
    if (session.analyser) {
      const buf = new Float32Array(session.analyser.fftSize);
      session.analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      rms = Math.sqrt(sum / buf.length);
    }
    session.peakLevel = Math.max((session.peakLevel || 0) * 0.9, rms, session.statsLevel || 0);
    return Math.round(session.peakLevel * 1000) / 1000;
  }

  // The person allowed the microphone after the session started without it.
  function lateMicrophone(session, stream) {
    const track = stream.getAudioTracks()[0];
    if (session !== s || !session.micSlot || !track) { for (const t of stream.getTracks()) t.stop(); return; }
    session.mic = stream;
    session.micSlot.sender.replaceTrack(track).catch(() => {});
    applyMic(session);
    emitUi({ error: null });
    bridge.microphoneSettled?.(session.tabId, true);
  }

  // Close everything of `session`; `announce` shows the "off" state (the person stopped it).
  // Otherwise it ended by itself, with words already shown: the host is told, so it may close.
  function teardown(session, announce) {
    if (!session) return;
    clearTimeout(session.timer);
    clearTimeout(session.lostTimer);
    clearInterval(session.statsTimer);
    try { session.dc && (session.dc.onclose = null, session.dc.close()); } catch (_) {}
    try { session.pc && session.pc.close(); } catch (_) {}
    if (session.mic) for (const t of session.mic.getTracks()) t.stop();
    // A microphone still being opened is closed as soon as it opens.
    if (session.micRequest) session.micRequest.then((m) => { for (const t of m.getTracks()) t.stop(); }, () => {});
    if (session.audio) { session.audio.srcObject = null; session.audio.remove(); }
    try { session.audioCtx && session.audioCtx.close(); } catch (_) {}
    try { session.core && session.core.free(); } catch (_) {}
    session.core = null;
    if (s === session) s = null;
    if (announce) emitUi({ state: 'off' });
    else ended(session.tabId);
  }

  function ended(tab) {
    flushLines();
    bridge.ended?.(tab, { state: ui.state, error: ui.error });
  }

  async function fail(session, actionsJson) {
    if (session !== s) return;
    perform(actionsJson, session);
    teardown(session, false);
  }

  // Any unexpected failure still ends in words, never in a session stuck "connecting".
  // `clickedAt`: when the person pressed (epoch ms; absent when the start came another way);
  // `pressLegs`: where the background's part of the start went (ms from the press).
  async function start(tab, settings, clickedAt, pressLegs) {
    try {
      await startSession(tab, settings, clickedAt, pressLegs);
    } catch (e) {
      const session = s;
      emitUi({ state: 'error', error: { title: 'Hark failed to start', message: String((e && e.message) || e), fatal: true } });
      if (session) teardown(session, false);
      else ended(tab);
    }
  }

  async function startSession(tab, settings, clickedAt, pressLegs) {
    if (s) stop();
    const my = ++generation;
    tabId = tab;
    ui = picture.blank('connecting');
    const session = (s = { tabId: tab, core: null, pc: null, dc: null, mic: null, audio: null, timer: null, timings: [], callArrivals: new Map(), callLatencies: [], t0: performance.now(), readyMs: null, micRequest: null, micSlot: null, localMode: false, lostTimer: null, callId: null, legs: {}, micSettled: null, hostAfterClick: null, pressLegs: null, talkOpen: true, base: '', auth: {}, budget: false, reportedUsd: null, ending: false });
    emitUi({ state: 'connecting', error: null });
    // Asked for first, while this document surely has the focus (Firefox hands its session tab
    // the microphone only while focused); the answer is taken beside the connection.
    const micRequest = navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
    session.micRequest = micRequest;
    micRequest.catch(() => {}); // a session ended before it is answered stops it in teardown
    // Where a start's time goes (ms from here; status().legs, printed by extension-bench), and
    // how long the press took to reach here (opening this document is most of it).
    const leg = (name) => markLeg(session, name);
    session.hostAfterClick = Number.isFinite(clickedAt) ? Math.round((performance.timeOrigin + session.t0 - clickedAt) * 10) / 10 : null;
    session.pressLegs = pressLegs && typeof pressLegs === 'object' ? pressLegs : null;

    // 1. WebRTC first, taken from the one this document opened with (see openConnection).
    const { pc, micSlot, dc, offer } = takeWarmConnection() ?? openConnection();
    session.pc = pc;
    session.micSlot = micSlot;
    session.dc = dc;
    session.audio = document.createElement('audio');
    session.audio.autoplay = true;
    document.body.append(session.audio);
    pc.ontrack = (e) => {
      const stream = e.streams[0] || new MediaStream([e.track]);
      session.audio.srcObject = stream;
      session.audio.play().catch(() => {});
      meterRemote(session, stream);
    };
    pollInboundLevel(session);
    // Ready ("Listening.") once the channel is open and the microphone settled: what the person
    // says from then on is heard.
    dc.onopen = async () => {
      if (session !== s) return;
      clearTimeout(session.timer);
      leg('channelOpen');
      await session.micSettled;
      if (session !== s) return;
      leg('ready');
      session.readyMs = performance.now() - session.t0;
      perform(session.core.on_channel_open(), session);
      // What the server said meanwhile, in its order, after the session is configured.
      for (const text of early.splice(0)) onEvent(text);
    };
    const early = [];
    const onEvent = (text) => {
      if (session !== s || !session.core) return;
      // Per-call latency (event arrival → output sent), for the benchmark and diagnostics.
      if (text.includes('"response.function_call_arguments.done"')) {
        try { const ev = JSON.parse(text); session.callArrivals.set(ev.call_id, { t: performance.now(), name: ev.name }); } catch (_) {}
      }
      perform(session.core.on_server_event(text), session);
    };
    dc.onmessage = (e) => {
      if (session !== s || !session.core) return;
      leg('firstEvent');
      const text = typeof e.data === 'string' ? e.data : '';
      if (session.readyMs == null) early.push(text);
      else onEvent(text);
    };
    dc.onclose = () => {
      if (session === s && session.core) farEnd(session, () => session.core.on_channel_closed(''));
    };
    // Before the channel opened, a failure is a connection that never came up; after, one lost.
    pc.oniceconnectionstatechange = () => { if (pc.iceConnectionState === 'connected') leg('ice'); };
    pc.onconnectionstatechange = () => {
      if (session !== s) return;
      const state = pc.connectionState;
      const up = session.readyMs != null;
      if (state === 'failed' && up) farEnd(session, () => core.connection_lost('the network path to the model failed'));
      else if (state === 'failed') fail(session, core.connection_failed('ICE/DTLS failed'));
      else if (state === 'disconnected' && up) {
        session.lostTimer ??= setTimeout(() => {
          if (session === s && pc.connectionState !== 'connected') farEnd(session, () => core.connection_lost(`no network path for ${LOST_AFTER_MS / 1000} s`));
        }, LOST_AFTER_MS);
      } else if (state === 'connected') {
        leg('connected');
        clearTimeout(session.lostTimer);
        session.lostTimer = null;
      }
    };
    session.timer = setTimeout(() => {
      if (session === s && (!session.dc || session.dc.readyState !== 'open')) fail(session, core.connection_failed(`no connection after ${CONNECT_TIMEOUT_MS / 1000} s`));
    }, CONNECT_TIMEOUT_MS);

    const base = trimSlash(settings.companionUrl || 'http://127.0.0.1:8813');
    const auth = { Authorization: `Bearer ${String(settings.pairingToken || settings.token || '').trim()}` };
    session.base = base;
    session.auth = auth;

    // 2. The offer goes to the companion as soon as it has its candidate, while the core loads
    // and the companion's status is asked: both answers are taken once the core is there.
    const answered = exchangeOffer(session, offer, base, auth);
    const statusAsked = askTwice(() => fetch(`${base}/api/status`, { headers: auth, cache: 'no-store' }));
    statusAsked.catch(() => {}); // taken below, unless the session ended first
    await loadCore();
    leg('core');
    if (session !== s || my !== generation) return;

    // 3. Is the companion there, and what does it offer?
    let status;
    try {
      const r = await statusAsked;
      if (!r.ok) return fail(session, core.companion_http_error(r.status, await r.text()));
      status = await r.json();
    } catch (e) {
      return fail(session, core.companion_unreachable(base));
    }
    if (session !== s) return;
    leg('status');
    const localMode = status.mode === 'local';
    session.localMode = localMode;
    session.budget = !!status.budget;
    session.core = new core.HarkCore(JSON.stringify({
      session_update: status.session_update ?? null,
      local_mode: localMode,
      voice: settings.voice || null,
      instructions: settings.instructions || null,
      language: settings.language || null,
      transcription_model: status.transcription_model ?? null,
      model: status.model ?? null,
      price: status.price ?? null,
      push_to_talk: settings.talkMode === 'hold',
      // The options page keeps text; the core takes the default for what is not a number.
      idle_minutes: String(settings.idleMinutes ?? '').trim() === '' ? null : Number(settings.idleMinutes),
    }));
    // The companion's daily budget, shown with the meter from the start.
    if (status.budget && status.budget.summary) perform(session.core.on_budget(status.budget.summary), session);

    // 4. The microphone settles beside the connection: its track goes into the slot the offer
    // already has (no renegotiation); the session is ready once both are there.
    session.micSettled = settleMicrophone(session, micRequest, leg).catch(() => {});

    // 5. The answer the companion brought back from upstream.
    const answer = await answered;
    if (session !== s) return;
    if (answer.failed) return fail(session, answer.failed());
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: core.answer_to_apply(answer.sdp) });
    } catch (e) {
      return fail(session, core.connection_failed(`the answer was not accepted: ${e && e.message}`));
    }
  }

  // The offer, once it has a candidate, to the companion, which forwards it upstream: the answer
  // SDP, or `failed` giving the words (called once the core is loaded). A session stopped
  // meanwhile posts nothing (its caller has returned already).
  async function exchangeOffer(session, offer, base, auth) {
    const offerFailed = await offer;
    if (offerFailed !== null) return { failed: () => core.connection_failed(offerFailed) };
    if (session !== s) return {};
    markLeg(session, 'offerGathered');
    try {
      const r = await askTwice(() => fetch(`${base}/api/rtc-connect`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/sdp' },
        body: session.pc.localDescription.sdp,
        cache: 'no-store',
      }));
      const text = await r.text();
      if (!r.ok) return { failed: () => core.companion_http_error(r.status, text) };
      session.callId = r.headers.get('X-Hark-Call-Id');
      markLeg(session, 'answer');
      return { sdp: text };
    } catch (e) {
      return { failed: () => core.companion_unreachable(base) };
    }
  }

  // The person's stored decision for the extension's origin. The background sends a person who
  // was never asked to Hark's own page first, where the browser can ask. Without it the session
  // goes on for typed commands, with words on how to give Hark its voice. Firefox asks again in
  // this tab when the decision was not remembered: that question may wait for the person, so the
  // session does not; a late yes still gives the session its voice.
  async function settleMicrophone(session, micRequest, leg) {
    const waitMic = () => Promise.race([micRequest, new Promise((resolve) => setTimeout(() => resolve(null), MIC_WAIT_MS))]);
    let mic = null;
    try {
      mic = await waitMic();
      // Not answered: either this document lost the focus before the browser handed it the
      // microphone (the person clicked back to their page), or the browser is asking. Take the
      // focus back once and wait again; still nothing means a question only the person can answer.
      if (!mic && !document.hasFocus() && bridge.takeFocus) {
        await bridge.takeFocus();
        mic = await waitMic();
      }
      if (!mic) {
        perform(core.microphone_error('NoAnswer', await microphonePermission(), BROWSER), session);
        micRequest.then((stream) => lateMicrophone(session, stream), () => {});
      }
    } catch (e) {
      perform(core.microphone_error((e && e.name) || 'NotFoundError', await microphonePermission(), BROWSER), session);
    }
    if (session !== s) { if (mic) for (const t of mic.getTracks()) t.stop(); return; }
    session.mic = mic;
    leg('microphone');
    bridge.microphoneSettled?.(session.tabId, !!mic);
    const micTrack = mic && mic.getAudioTracks()[0];
    if (micTrack) await session.micSlot.sender.replaceTrack(micTrack).catch(() => {});
    applyMic(session);
  }

  function stop() {
    const session = s;
    generation++;
    if (session) teardown(session, true);
    else emitUi({ state: 'off' });
    tabId = null;
  }

  function text(t) {
    if (s && s.core && s.dc && s.dc.readyState === 'open') perform(s.core.on_user_text(String(t)), s);
  }

  // The person's Allow/Deny click on the overlay's question `id`.
  function confirm(id, allow) {
    if (s && s.core) perform(s.core.on_confirm(Number(id) >>> 0, !!allow), s);
  }

  // The microphone sends while the person has not muted it and (push-to-talk) holds Talk.
  function applyMic(session) {
    if (!session || !session.mic) return;
    for (const t of session.mic.getAudioTracks()) t.enabled = !ui.muted && session.talkOpen !== false;
  }

  function mute(m) {
    ui.muted = !!m;
    applyMic(s);
    emitUi({ muted: !!m });
  }

  // Push-to-talk: the overlay's Talk button went down or up (a trusted press).
  function talk(down) {
    if (s && s.core) perform(s.core.on_talk(!!down, performance.now()), s);
  }

  function status() {
    return {
      active: !!s,
      tabId,
      state: ui.state,
      error: ui.error,
      lines: ui.lines,
      muted: ui.muted,
      remoteAudioLevel: s ? remoteLevel(s) : 0,
      // Diagnostics for "I hear nothing": RTP packets in, and whether playback runs.
      remoteAudio: s ? { packets: s.packetsIn ?? 0, context: s.audioCtx ? s.audioCtx.state : null, paused: s.audio ? s.audio.paused : null } : null,
      ui,
      mode: s ? (s.localMode ? 'local' : 'openai') : null,
      microphone: !!(s && s.mic),
      channel: s && s.dc ? s.dc.readyState : null,
      callId: (s && s.callId) || null,
      readyMs: s ? s.readyMs : null,
      legs: s ? s.legs : null,
      hostAfterClick: s ? s.hostAfterClick : null,
      pressLegs: s ? s.pressLegs : null,
      pageTimings: s ? s.timings.slice(-50) : [],
      callLatencies: s ? s.callLatencies.slice(-50) : [],
    };
  }

  // The first connection, opened while the start message is on its way (see takeWarmConnection).
  function prepare() {
    if (s || warmConnection) return;
    try { warmConnection = openConnection(); } catch (_) { /* the start opens one, and says what fails */ }
  }

  return { start, stop, text, confirm, mute, talk, status, prepare };
}
