// Hark's overlay panel, in its own extension frame (overlay.html) that content/overlay.js puts in
// the page: state, live transcript of both sides, Mute, Stop, Talk, the Allow/Deny question, the
// cost meter and a text box for typed commands. Being a document of its own, the page can neither
// read nor style it. In Chromium it is also out of the page's process, so a redraw here costs the
// page nothing (on a table of 30,000 rows each redraw drawn in the page cost its main thread
// 8.6 ms; from a frame out of its process 0.4 ms). Firefox 153 ESR runs and lays out this frame on
// the page's own main thread (seen in a profile of the page's content process): there every
// layout here is the page's time, so it is kept to one per drawing.
//
// Its only way in is the MessagePort the content script of its tab hands it, tagged with the
// nonce this frame sent that content script through the extension (background.js relays
// `hark.overlayHello` to frame 0 of the sender's tab). The page has no hold on this window (the
// frame sits in a closed shadow root, out of `window.frames`); were it to post here, it could
// not know the nonce. Only a person's real clicks and keys act.
(() => {
  'use strict';
  const api = globalThis.browser ?? globalThis.chrome;

  const STATE_WORDS = {
    connecting: 'Connecting…',
    listening: 'Listening',
    thinking: 'Thinking…',
    speaking: 'Speaking',
    error: 'Stopped',
    off: 'Off',
  };

  /** @type {MessagePort | null} */
  let port = null;
  const nonce = crypto.randomUUID();
  addEventListener('message', (e) => {
    if (port || e.source !== parent || !e.data || e.data.harkOverlay !== nonce || !e.ports[0]) return;
    port = e.ports[0];
    port.onmessage = (m) => fromPage(m.data);
    send({ paired: true }); // the content script uses a port only once this frame answers on it
    sizeSeen = null;
    tellSize();
  });
  api.runtime.sendMessage({ type: 'hark.overlayHello', nonce }).catch(() => {});
  const send = (m) => { if (port) port.postMessage(m); };

  let muted = false;
  let currentState = 'off';
  let pending = null; // { id, question } shown until the core says it is answered

  const el = (tag, className = '', text = '') => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text) e.textContent = text;
    return e;
  };
  const panel = el('div', 'panel off');
  panel.setAttribute('role', 'region');
  panel.setAttribute('aria-label', 'Hark voice control');
  const bar = el('div', 'bar');
  const state = el('span', 'state');
  state.setAttribute('aria-live', 'polite');
  const mute = el('button', '', 'Mute');
  mute.type = 'button';
  mute.setAttribute('aria-pressed', 'false');
  const stop = el('button', '', 'Stop');
  stop.type = 'button';
  // Push-to-talk: held while the person speaks (shown only in that mode). In the bottom row,
  // which stays where it is as the transcript above it grows (the overlay sits at the bottom).
  const talk = el('button', 'talk', 'Hold to talk');
  talk.type = 'button';
  talk.setAttribute('aria-pressed', 'false');
  talk.hidden = true;
  bar.append(el('span', 'dot'), el('span', 'title', 'Hark'), state, mute, stop);
  const log = el('div', 'log');
  const err = el('div', 'err');
  err.setAttribute('role', 'alert');
  const form = el('form');
  const input = el('input');
  input.placeholder = 'Type a command, e.g. "make the background navy"';
  input.setAttribute('aria-label', 'Command for Hark');
  const submit = el('button', '', 'Send');
  submit.type = 'submit';
  form.append(talk, input, submit);
  // A request only the person can grant (typing into a password field, sending data to another
  // site). The core holds the action; a trusted click here (or the person's spoken or typed
  // yes/no) answers it.
  const ask = el('div', 'ask');
  ask.setAttribute('role', 'alertdialog');
  const q = el('span', 'q');
  const allow = el('button', '', 'Allow');
  allow.type = 'button';
  const deny = el('button', '', 'Deny');
  deny.type = 'button';
  ask.append(q, allow, deny);
  // The cost meter: the session's tokens and what they cost (the core words it).
  const meter = el('div', 'meter');
  panel.append(bar, log, err, ask, meter, form);
  document.body.append(panel);

  // The page's frame is as tall as the panel: it takes the pointer only where the panel is. Told
  // after each drawing at once (the observer would tell it a frame later), so that a report, and
  // a person's click, find the panel where the box shows it. The panel is laid out from the
  // frame's top: where its buttons are does not depend on the frame's height, which reaches this
  // document later than the page's box changes.
  let sizeSeen = null;
  function tellSize() {
    const h = Math.ceil(panel.getBoundingClientRect().height);
    if (h === sizeSeen) return;
    sizeSeen = h;
    send({ height: h });
  }
  new ResizeObserver(tellSize).observe(panel);
  // After each drawing: the log shows its last line, and the page learns the panel's height.
  function drawn() {
    scrollToEnd();
    tellSize();
  }

  // Down and up of a trusted press (pointer, or Space/Enter on the focused button); the pointer
  // is captured so letting go anywhere ends the turn.
  let held = false;
  const press = (down) => {
    if (down === held) return;
    held = down;
    talk.setAttribute('aria-pressed', String(down));
    send({ action: { action: 'talk', down } });
  };
  talk.addEventListener('pointerdown', (e) => {
    if (!e.isTrusted || e.button !== 0) return;
    talk.setPointerCapture?.(e.pointerId);
    press(true);
  });
  for (const t of ['pointerup', 'pointercancel', 'lostpointercapture']) talk.addEventListener(t, (e) => { if (e.isTrusted) press(false); });
  talk.addEventListener('keydown', (e) => {
    if (!e.isTrusted || (e.key !== ' ' && e.key !== 'Enter')) return;
    e.preventDefault();
    if (!e.repeat) press(true);
  });
  talk.addEventListener('keyup', (e) => {
    if (!e.isTrusted || (e.key !== ' ' && e.key !== 'Enter')) return;
    press(false);
  });
  talk.addEventListener('blur', () => press(false));
  const answer = (allowed) => (e) => {
    if (!e.isTrusted || !pending) return;
    send({ action: { action: 'confirm', id: pending.id, allow: allowed } });
  };
  allow.addEventListener('click', answer(true));
  deny.addEventListener('click', answer(false));
  mute.addEventListener('click', (e) => {
    if (!e.isTrusted) return;
    setMuted(!muted);
    send({ action: { action: 'mute', muted } });
  });
  stop.addEventListener('click', (e) => {
    if (!e.isTrusted) return;
    // After an error the session is already over: Stop just closes the panel.
    send(currentState === 'error' ? { close: true } : { action: { action: 'stop' } });
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!e.isTrusted) return;
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    send({ action: { action: 'text', text } });
  });

  function setMuted(m) {
    muted = m;
    mute.setAttribute('aria-pressed', String(muted));
    mute.textContent = muted ? 'Unmute' : 'Mute';
  }
  function setState(s) {
    currentState = s;
    panel.className = `panel ${s}`;
    state.textContent = STATE_WORDS[s] || s;
  }
  // The log's lines by their id. The log is scrolled to its end once per drawing (scrollToEnd),
  // not per line: reading its height lays the document out, and in Firefox this frame is laid
  // out on the page's own thread.
  /** @type {Map<string, HTMLElement>} */
  const lines = new Map();
  const MAX_LINES = globalThis.harkPicture.MAX_LINES; // as many as a new frame is drawn with
  let logMoved = false;
  function addLine({ id, role, text, final }) {
    const key = String(id);
    let line = lines.get(key);
    if (!line) {
      line = el('div');
      lines.set(key, line);
      log.append(line);
      if (lines.size > MAX_LINES) {
        const [oldest, first] = lines.entries().next().value;
        lines.delete(oldest);
        first.remove();
      }
    }
    line.className = `line ${role}${final ? '' : ' partial'}`;
    line.textContent = text;
    logMoved = true;
  }
  function clearLog() {
    lines.clear();
    log.replaceChildren();
  }
  function scrollToEnd() {
    if (!logMoved) return;
    logMoved = false;
    log.scrollTop = log.scrollHeight;
  }
  function showError(error) {
    err.replaceChildren();
    if (!error) { err.classList.remove('shown'); return; }
    err.append(el('b', '', String(error.title || '')), el('span', '', String(error.message || '')));
    err.classList.add('shown');
  }
  // The core's question ({id, open, question}); a closed or missing one hides it.
  function setAsk(a) {
    pending = a && a.open ? { id: a.id, question: String(a.question) } : null;
    q.textContent = pending ? `${pending.question} Say yes or no, or click:` : '';
    ask.classList.toggle('shown', !!pending);
  }

  // One update from the session host: {state} | {transcript} | {error} | {muted} | {ask} |
  // {usage} | {push_to_talk}.
  function draw(u) {
    if (u.state) {
      setState(u.state);
      if (u.state === 'connecting') { showError(null); clearLog(); meter.textContent = ''; }
    }
    if (u.transcript) addLine(u.transcript);
    if ('error' in u) showError(u.error);
    if ('ask' in u) setAsk(u.ask);
    if (u.usage) meter.textContent = String(u.usage.text || '');
    if (typeof u.push_to_talk === 'boolean') talk.hidden = !u.push_to_talk;
    if (typeof u.muted === 'boolean') setMuted(u.muted);
  }
  // Updates that only redraw (the state, a transcript line, the meter) are drawn together,
  // REDRAW_BATCH_MS after the first. In Chromium this frame shares its thread with the session host
  // (the extension's process): drawn at once, the "thinking" that comes with each function call
  // was drawn while the page's answer waited for the session host (a kept outline's round trip
  // 3.7 ms instead of 1.9-2.4). In Firefox it shares the page's thread (above), where fewer
  // drawings are as welcome. Errors, questions, mute, push-to-talk and connecting are drawn at
  // once, after what was waiting.
  const REDRAW_BATCH_MS = 50;
  let batch = [], batchTimer = 0;
  function drawSoon(u) {
    const urgent = u.state === 'connecting' || u.state === 'error' || 'error' in u || 'ask' in u || typeof u.muted === 'boolean' || typeof u.push_to_talk === 'boolean';
    if (!urgent) {
      batch.push(u);
      batchTimer ||= setTimeout(drawBatch, REDRAW_BATCH_MS);
      return;
    }
    drawBatch();
    draw(u);
    drawn();
  }
  function drawBatch() {
    clearTimeout(batchTimer);
    batchTimer = 0;
    const updates = batch;
    batch = [];
    for (const u of updates) draw(u);
    drawn();
  }

  const box = (b) => { const r = b.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
  function fromPage(m) {
    if (!m) return;
    if (m.ui) drawSoon(m.ui);
    // A report reads the panel as the person will see it.
    if (m.restore || typeof m.report === 'number') drawBatch();
    if (m.restore) {
      const p = m.restore; // ui-picture.js
      draw({ state: p.state, error: p.error || null, ask: p.ask || null, usage: p.usage, push_to_talk: !!p.pushToTalk, muted: !!p.muted });
      for (const l of p.lines || []) addLine(l);
      drawn();
    }
    // What tests (and diagnostics) read: the text a person sees, and where the buttons are
    // (this frame's px; the content script adds where the frame is).
    if (typeof m.report === 'number') {
      send({
        report: m.report,
        text: panel.innerText,
        ask: pending ? { question: pending.question, allow: box(allow), deny: box(deny) } : null,
        talk: talk.hidden ? null : box(talk),
      });
    }
  }
})();
