// Hark's overlay in the page: a box at the bottom right holding Hark's own frame (overlay.html,
// drawn by overlay-frame.js) in a closed shadow root, so the page can neither read nor style the
// panel, nor reach the frame: not its element, nor its window (a frame in a shadow tree is not
// in `window.frames`). This script places the box, keeps the picture a new frame is drawn from,
// hands the frame its port (below) and carries the person's actions from it to the extension
// (trusted events only).
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
  if (Hark.overlay) return;
  const api = globalThis.browser ?? globalThis.chrome;
  // Chromium: a dynamic URL, new each browser session (a page cannot probe for Hark with it).
  const FRAME_URL = api.runtime.getURL('overlay.html');

  // The box is the panel's size: the frame, inside the closed root, is as tall as the frame says
  // its panel is (the page sees no change to the box's own attributes). Fixed and contained:
  // placing or resizing it never lays out the page around it.
  const HOST_STYLE = [['position', 'fixed'], ['z-index', '2147483647'], ['right', '16px'], ['bottom', '16px'],
    ['display', 'block'], ['width', 'min(320px, calc(100vw - 32px))'], ['contain', 'layout paint style'],
    ['border', '1px solid #444c56'], ['border-radius', '10px'], ['box-shadow', '0 6px 24px rgba(0,0,0,.35)'],
    ['background', '#1c2128'], ['overflow', 'hidden']];
  const FRAME_CSS = 'iframe { display: block; width: 100%; height: 0; border: 0; margin: 0; padding: 0; background: #1c2128; }';

  let host = null, frame = null, port = null, keepalive = null, pinger = null;
  // Firefox suspends an idle event page (the session host there) after 30 s; messages from the
  // served tab reset that timer, so the tab pings while the overlay is up.
  const PING_MS = 15000;

  // What the overlay shows (ui-picture.js), kept here so that a new frame (first shown, or after
  // the page removed the box) is drawn whole.
  const pictures = globalThis.harkPicture;
  let picture = pictures.blank();

  function build() {
    const own = Hark.dom.ownHost('hark-overlay', HOST_STYLE, FRAME_CSS);
    host = own.host;
    frame = document.createElement('iframe');
    frame.setAttribute('title', 'Hark voice control');
    frame.src = FRAME_URL;
    own.root.append(frame);
    Hark.overlayHost = host;
  }

  function show() {
    if (!host) build();
    // Put back after the page removed it: the frame loads again and asks for its port.
    if (!host.isConnected) { unpair(); document.documentElement.append(host); }
    if (!pinger) pinger = setInterval(() => { api.runtime.sendMessage({ type: 'hark.ping' }).catch(() => {}); }, PING_MS);
    // Keeps Firefox's event page (the session host there) alive while a session runs.
    if (!keepalive) {
      try {
        keepalive = api.runtime.connect({ name: 'hark-keepalive' });
        keepalive.onDisconnect.addListener(() => { keepalive = null; });
      } catch (_) { keepalive = null; }
    }
  }

  function hide() {
    clearTimeout(showTimer);
    showTimer = 0;
    picture = pictures.blank();
    unpair();
    if (host && host.isConnected) host.remove();
    if (pinger) { clearInterval(pinger); pinger = null; }
    if (keepalive) { try { keepalive.disconnect(); } catch (_) {} keepalive = null; }
  }

  function unpair() {
    if (port) { port.close(); port = null; }
    for (const done of reports.values()) done(null);
    reports.clear();
  }

  // The frame's hello, relayed by the background from the frame's own extension context (the
  // page never sees it), with the origin the frame's document has: the port goes with that
  // nonce, posted only to a document of that origin in this box's frame. The nonce is for a
  // window the page should never get hold of anyway: whatever it posts there has none. A page
  // that embeds overlay.html itself (it is web-accessible) has a frame that says hello too; its
  // nonce comes here, and this box's frame does not take a port with it. So the port in use is
  // given up only for one the frame answered on (`paired`), never for a hello alone.
  function pair(nonce, origin) {
    if (!frame || !host || !host.isConnected || typeof nonce !== 'string' || !frame.contentWindow) return;
    if (typeof origin !== 'string' || !/^(chrome|moz)-extension:\/\/[^/]+$/.test(origin)) return;
    const channel = new MessageChannel();
    const offered = channel.port1;
    offered.onmessage = (e) => {
      if (offered !== port) {
        unpair();
        port = offered;
        port.postMessage({ restore: picture });
      }
      fromFrame(e.data);
    };
    frame.contentWindow.postMessage({ harkOverlay: nonce }, origin, [channel.port2]);
  }

  function fromFrame(m) {
    if (!m) return;
    if (typeof m.height === 'number' && frame) frame.style.height = `${Math.max(0, Math.min(m.height, innerHeight - 32))}px`;
    if (m.action) tell(m.action);
    if (m.close) hide();
    if (typeof m.report === 'number') reports.get(m.report)?.(m);
  }

  // The person's actions, from the frame's trusted events; the background checks each one
  // (`hark.overlay`). Talk's down and up go one after the other: sent at once, a quick tap's up
  // could overtake its down on the way to the session host, which would then open the
  // microphone and keep it open.
  let queue = Promise.resolve();
  function tell(action) {
    queue = queue.then(() => api.runtime.sendMessage({ ...action, type: 'hark.overlay' })).catch(() => {});
  }

  // One update from the session host: {state} | {transcript} | {error} | {muted} | {ask} | ...
  // A session that is connecting shows the box only after SHOW_CONNECTING_MS (the toolbar says
  // it at once): in Chromium the frame loads in the extension's process, where the session host
  // is setting up the call, and loaded at once it made click-to-ready about 30 ms slower (three
  // paired rounds; Firefox not measured); most sessions are listening by then, and the box comes
  // with that.
  const SHOW_CONNECTING_MS = 400;
  let showTimer = 0;
  function apply(u) {
    if (!u) return;
    if (u.state === 'off') { hide(); return; }
    if (u.state === 'connecting') picture = pictures.blank();
    pictures.apply(picture, u);
    if (picture.state === 'connecting' && !host?.isConnected) {
      showTimer ||= setTimeout(reveal, SHOW_CONNECTING_MS);
      return;
    }
    reveal();
    if (port) port.postMessage({ ui: u });
  }
  function reveal() {
    clearTimeout(showTimer);
    showTimer = 0;
    if (picture.state !== 'off') show();
  }

  // After a navigation: the session host's picture, drawn whole.
  function restore(ui) {
    if (!ui || ui.state === 'off') return;
    picture = { ...pictures.blank(), ...ui, lines: [...(ui.lines || [])] };
    show();
    if (port) port.postMessage({ restore: picture });
  }

  // What tests (and diagnostics) read: the text a person sees in the panel, and where its
  // Allow/Deny and Talk buttons are on screen (viewport px), so a test can press them with real
  // (trusted) input. Reachable only from extension contexts.
  const reports = new Map();
  let reportSeq = 0;
  const REPORT_MS = 2000;
  function report() {
    const none = { text: '', ask: null, talk: null };
    if (!port || !host || !host.isConnected) return Promise.resolve(none);
    const id = ++reportSeq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), REPORT_MS);
      const done = (m) => {
        clearTimeout(timer);
        reports.delete(id);
        if (!m || !host) { resolve(none); return; }
        const r = frame.getBoundingClientRect();
        const at = (b) => (b ? [b[0] + r.left, b[1] + r.top, b[2], b[3]] : null);
        resolve({ text: String(m.text || ''), ask: m.ask ? { question: m.ask.question, allow: at(m.ask.allow), deny: at(m.ask.deny) } : null, talk: at(m.talk) });
      };
      reports.set(id, done);
      port.postMessage({ report: id });
    });
  }

  Hark.overlay = { apply, restore, pair, report };
})();
