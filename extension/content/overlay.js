// Hark's in-page overlay: state, live transcript of both sides, mute, stop, and a text box for
// typed commands. It lives in a closed shadow root (the page can neither style nor read it) and
// acts only on trusted events (a person's real clicks and keys, never the page's synthetic ones).
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
  if (Hark.overlay) return;
  const api = globalThis.browser ?? globalThis.chrome;

  const STATE_WORDS = {
    connecting: 'Connecting…',
    listening: 'Listening',
    thinking: 'Thinking…',
    speaking: 'Speaking',
    error: 'Stopped',
    off: 'Off',
  };
  // A dark panel: it reads on any page and never passes for the page's own (usually light)
  // background in screenshots or to a person.
  const OVERLAY_CSS = `
    :host { all: initial; }
    .panel { pointer-events: auto; position: fixed; right: 16px; bottom: 16px; width: 320px; max-width: calc(100vw - 32px);
      font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #e6edf3;
      background: #1c2128; border: 1px solid #444c56; border-radius: 10px; box-shadow: 0 6px 24px rgba(0,0,0,.35);
      overflow: hidden; text-align: left; direction: ltr; }
    .bar { display: flex; align-items: center; gap: 8px; padding: 6px 10px; background: #2d333b; border-bottom: 1px solid #444c56; }
    .dot { width: 10px; height: 10px; border-radius: 50%; background: #768390; flex: none; }
    .connecting .dot, .thinking .dot { background: #d4a72c; }
    .listening .dot { background: #3fb950; }
    .speaking .dot { background: #58a6ff; }
    .error .dot { background: #f85149; }
    .title { font-weight: 600; }
    .state { flex: 1; color: #adbac7; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    button { font: inherit; border: 1px solid #545d68; background: #373e47; color: #e6edf3; border-radius: 6px; padding: 1px 8px; cursor: pointer; }
    button:hover { background: #444c56; }
    button[aria-pressed="true"] { background: #5d1f1f; border-color: #f85149; }
    .log { max-height: 110px; overflow-y: auto; padding: 4px 10px; }
    .log:empty { display: none; }
    .line { margin: 2px 0; white-space: pre-wrap; word-wrap: break-word; }
    .user::before { content: "You: "; font-weight: 600; color: #d2a8ff; }
    .assistant::before { content: "Hark: "; font-weight: 600; color: #58a6ff; }
    .tool { color: #adbac7; font-size: 12px; }
    .partial { opacity: .75; }
    .err { display: none; margin: 6px 10px; padding: 6px 8px; background: #3d1d1d; border: 1px solid #f85149; border-radius: 6px; }
    .err.shown { display: block; }
    .err b { display: block; }
    .ask { display: none; margin: 6px 10px; padding: 6px 8px; background: #3a2f12; border: 1px solid #d4a72c; border-radius: 6px; }
    .ask.shown { display: block; }
    .ask .q { display: block; margin-bottom: 6px; font-weight: 600; }
    .ask button { margin-right: 6px; }
    .meter { padding: 2px 10px; color: #adbac7; font-size: 12px; }
    [hidden] { display: none !important; }
    .talk[aria-pressed="true"] { background: #1f4d2b; border-color: #3fb950; }
    .meter:empty { display: none; }
    form { display: flex; gap: 6px; padding: 6px 10px; border-top: 1px solid #444c56; }
    input { flex: 1; font: inherit; padding: 2px 6px; border: 1px solid #545d68; border-radius: 6px; color: #e6edf3; background: #22272e; }
    input::placeholder { color: #768390; }
  `;

  let host = null, root = null, els = null, port = null, pinger = null;
  // Firefox suspends an idle event page (the session host there) after 30 s; messages from the
  // served tab reset that timer, so the tab pings while the overlay is up.
  const PING_MS = 15000;
  let muted = false;
  let currentState = 'off';
  let pending = null; // { id, question } shown until the core says it is answered

  // The host is a box of its own size with all containment, the panel drawn inside it: a redraw
  // of the panel then never lays out the page (Firefox: a state change's redraw took 12 ms on a
  // table of 30,000 rows, 2 ms contained). The box lets the pointer through to the page; only
  // the panel takes it.
  const HOST_STYLE = [['position', 'fixed'], ['z-index', '2147483647'], ['right', '0'], ['bottom', '0'],
    ['width', 'min(352px, 100vw)'], ['height', '100vh'], ['contain', 'strict'], ['pointer-events', 'none']];
  function build() {
    ({ host, root } = Hark.dom.ownHost('hark-overlay', HOST_STYLE, OVERLAY_CSS));
    const panel = document.createElement('div');
    panel.className = 'panel off';
    panel.setAttribute('role', 'region');
    panel.setAttribute('aria-label', 'Hark voice control');
    const bar = document.createElement('div');
    bar.className = 'bar';
    const dot = document.createElement('span');
    dot.className = 'dot';
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = 'Hark';
    const state = document.createElement('span');
    state.className = 'state';
    state.setAttribute('aria-live', 'polite');
    const mute = document.createElement('button');
    mute.type = 'button';
    mute.textContent = 'Mute';
    mute.setAttribute('aria-pressed', 'false');
    const stop = document.createElement('button');
    stop.type = 'button';
    stop.textContent = 'Stop';
    // Push-to-talk: held while the person speaks (shown only in that mode). In the bottom row,
    // which stays where it is as the transcript above it grows (the overlay sits at the bottom).
    const talk = document.createElement('button');
    talk.type = 'button';
    talk.className = 'talk';
    talk.textContent = 'Hold to talk';
    talk.setAttribute('aria-pressed', 'false');
    talk.hidden = true;
    bar.append(dot, title, state, mute, stop);
    const log = document.createElement('div');
    log.className = 'log';
    const err = document.createElement('div');
    err.className = 'err';
    err.setAttribute('role', 'alert');
    const form = document.createElement('form');
    const input = document.createElement('input');
    input.placeholder = 'Type a command, e.g. "make the background navy"';
    input.setAttribute('aria-label', 'Command for Hark');
    const send = document.createElement('button');
    send.type = 'submit';
    send.textContent = 'Send';
    form.append(talk, input, send);
    // A request only the person can grant (typing into a password field, sending data to
    // another site). The core holds the action; a trusted click here (or the person's spoken or
    // typed yes/no) answers it.
    const ask = document.createElement('div');
    ask.className = 'ask';
    ask.setAttribute('role', 'alertdialog');
    const q = document.createElement('span');
    q.className = 'q';
    const allow = document.createElement('button');
    allow.type = 'button';
    allow.textContent = 'Allow';
    const deny = document.createElement('button');
    deny.type = 'button';
    deny.textContent = 'Deny';
    ask.append(q, allow, deny);
    // The cost meter: the session's tokens and what they cost (the core words it).
    const meter = document.createElement('div');
    meter.className = 'meter';
    panel.append(bar, log, err, ask, meter, form);
    root.append(panel);
    els = { panel, state, mute, stop, log, err, input, ask, q, allow, deny, meter, talk };
    // Down and up of a trusted press (pointer, or Space/Enter on the focused button); the
    // pointer is captured so letting go anywhere ends the turn.
    let held = false;
    const press = (down) => {
      if (down === held) return;
      held = down;
      talk.setAttribute('aria-pressed', String(down));
      tellTalk(down);
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
      e.stopPropagation();
      if (!e.repeat) press(true);
    });
    talk.addEventListener('keyup', (e) => {
      if (!e.isTrusted || (e.key !== ' ' && e.key !== 'Enter')) return;
      e.stopPropagation();
      press(false);
    });
    talk.addEventListener('blur', () => press(false));
    const answer = (allowed) => (e) => {
      if (!e.isTrusted || !pending) return;
      tell({ action: 'confirm', id: pending.id, allow: allowed });
    };
    allow.addEventListener('click', answer(true));
    deny.addEventListener('click', answer(false));

    mute.addEventListener('click', (e) => {
      if (!e.isTrusted) return;
      muted = !muted;
      mute.setAttribute('aria-pressed', String(muted));
      mute.textContent = muted ? 'Unmute' : 'Mute';
      tell({ action: 'mute', muted });
    });
    stop.addEventListener('click', (e) => {
      if (!e.isTrusted) return;
      // After an error the session is already over: Stop just closes the panel.
      if (currentState === 'error') hide();
      else tell({ action: 'stop' });
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!e.isTrusted) return;
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      tell({ action: 'text', text });
    });
    // Keys typed in the overlay stay in the overlay (page shortcuts must not fire).
    for (const t of ['keydown', 'keyup', 'keypress']) input.addEventListener(t, (e) => e.stopPropagation());
    Hark.overlayHost = host;
  }

  function tell(msg) {
    api.runtime.sendMessage({ type: 'hark.overlay', ...msg }).catch(() => {});
  }
  // Talk's down and up go one after the other: sent at once, a quick tap's up could overtake its
  // down on the way to the session host, which would then open the microphone and keep it open.
  let talkQueue = Promise.resolve();
  function tellTalk(down) {
    talkQueue = talkQueue.then(() => api.runtime.sendMessage({ type: 'hark.overlay', action: 'talk', down })).catch(() => {});
  }

  function show() {
    if (!host) build();
    if (!host.isConnected) document.documentElement.append(host);
    if (!pinger) pinger = setInterval(() => { api.runtime.sendMessage({ type: 'hark.ping' }).catch(() => {}); }, PING_MS);
    // Keeps Firefox's event page (the session host there) alive while a session runs.
    if (!port) {
      try {
        port = api.runtime.connect({ name: 'hark-keepalive' });
        port.onDisconnect.addListener(() => { port = null; });
      } catch (_) { port = null; }
    }
  }

  function hide() {
    setAsk(null);
    if (host && host.isConnected) host.remove();
    if (pinger) { clearInterval(pinger); pinger = null; }
    if (port) { try { port.disconnect(); } catch (_) {} port = null; }
  }

  function setState(state) {
    currentState = state;
    els.panel.className = `panel ${state}`;
    els.state.textContent = STATE_WORDS[state] || state;
  }

  function addLine({ id, role, text, final }) {
    let line = els.log.querySelector(`[data-id="${CSS_escape(id)}"]`);
    if (!line) {
      line = document.createElement('div');
      line.dataset.id = id;
      els.log.append(line);
      while (els.log.childElementCount > 40) els.log.firstElementChild.remove();
    }
    line.className = `line ${role}${final ? '' : ' partial'}`;
    line.textContent = text;
    keepLatestInSight();
  }
  // The newest line scrolled into sight at the next frame, once however many lines came: reading
  // scrollHeight here would make the browser lay out the whole page inside this message
  // (milliseconds on a large page, for every line while the model speaks).
  let scrollQueued = false;
  function keepLatestInSight() {
    if (scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      if (els) els.log.scrollTop = els.log.scrollHeight;
    });
  }

  function CSS_escape(s) {
    return globalThis.CSS && globalThis.CSS.escape ? globalThis.CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&');
  }

  function showError(error) {
    els.err.replaceChildren();
    if (!error) { els.err.classList.remove('shown'); return; }
    const b = document.createElement('b');
    b.textContent = error.title;
    const p = document.createElement('span');
    p.textContent = error.message;
    els.err.append(b, p);
    els.err.classList.add('shown');
  }

  // The core's question ({id, open, question}); a closed or missing one hides it.
  function setAsk(ask) {
    pending = ask && ask.open ? { id: ask.id, question: String(ask.question) } : null;
    if (!els) return;
    els.q.textContent = pending ? `${pending.question} Say yes or no, or click:` : '';
    els.ask.classList.toggle('shown', !!pending);
  }

  // Updates that only redraw (the state, a transcript line, the meter) are drawn together,
  // REDRAW_BATCH_MS after the first: while the model speaks they come many a second, and on a
  // large page each redraw costs the page a rendering pass (on 60,000 elements a command answered
  // from the kept outline took 13-51 ms in Firefox and 2-23 ms in Chromium with each update drawn
  // at once, 1-6 and 2-14 ms batched), so a command that comes with an update runs first. What
  // stops, fails, asks or mutes is drawn at once, after what was waiting.
  const REDRAW_BATCH_MS = 50;
  let batch = [], batchTimer = 0;
  function apply(u) {
    if (!u) return;
    const urgent = u.state === 'off' || u.state === 'connecting' || u.state === 'error' || 'error' in u || u.ask || typeof u.muted === 'boolean' || typeof u.push_to_talk === 'boolean';
    if (!urgent) {
      batch.push(u);
      batchTimer ||= setTimeout(drawBatch, REDRAW_BATCH_MS);
      return;
    }
    drawBatch();
    draw(u);
  }
  function drawBatch() {
    clearTimeout(batchTimer);
    batchTimer = 0;
    const updates = batch;
    batch = [];
    for (const u of updates) draw(u);
  }

  // One update from the session host: {state} | {transcript} | {error} | {muted} | {ask}.
  function draw(u) {
    if (u.state === 'off') { hide(); return; }
    show();
    if (u.state) {
      setState(u.state);
      if (u.state === 'connecting') { showError(null); els.log.replaceChildren(); els.meter.textContent = ''; }
    }
    if (u.transcript) addLine(u.transcript);
    if ('error' in u) showError(u.error);
    if (u.ask) setAsk(u.ask);
    if (u.usage) els.meter.textContent = String(u.usage.text || '');
    if (typeof u.push_to_talk === 'boolean') els.talk.hidden = !u.push_to_talk;
    if (typeof u.muted === 'boolean') {
      muted = u.muted;
      els.mute.setAttribute('aria-pressed', String(muted));
      els.mute.textContent = muted ? 'Unmute' : 'Mute';
    }
  }

  // After a navigation: the whole picture at once.
  function restore(ui) {
    if (!ui || ui.state === 'off') return;
    apply({ state: ui.state, muted: ui.muted, error: ui.error || null, ask: ui.ask || null, usage: ui.usage || null, push_to_talk: !!ui.pushToTalk });
    for (const l of ui.lines || []) addLine(l);
  }

  // What tests (and the session host's status) can read: the text a person sees.
  function text() {
    drawBatch();
    return els && host && host.isConnected ? els.panel.innerText : '';
  }

  // Where the Allow/Deny buttons are on screen (viewport px), while a request waits: lets a test
  // press them with real (trusted) input. Reachable only from extension contexts.
  function askButtons() {
    if (!pending || !els) return null;
    const box = (b) => { const r = b.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
    return { question: pending.question, allow: box(els.allow), deny: box(els.deny) };
  }

  // Where the Talk button is on screen (viewport px) in push-to-talk mode, for tests pressing it
  // with real (trusted) input. Reachable only from extension contexts.
  function talkButton() {
    if (!els || els.talk.hidden) return null;
    const r = els.talk.getBoundingClientRect();
    return [r.left, r.top, r.width, r.height];
  }

  Hark.overlay = { apply, restore, text, askButtons, talkButton };
})();
