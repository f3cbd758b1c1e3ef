// Wires the executor and the overlay to the extension. The only way in is
// chrome.runtime.onMessage from Hark's own contexts: no window messages, DOM events or attributes.
(() => {
  'use strict';
  const Hark = globalThis.__hark;
  if (!Hark || Hark.wired) return;
  Hark.wired = true;
  // When this document's executor was ready, in ms from the navigation's start (benchmarks).
  Hark.readyAt = performance.now();
  const api = globalThis.browser ?? globalThis.chrome;

  // Relayed commands still running here. A document leaving answers them at once: Firefox keeps a
  // document in the back-forward cache with its scripts paused, and a message to it would then
  // never be answered (nor fail). `gone` lets the session host run a read again on the new page;
  // a change is never re-run there (the core words it: page::PAGE_GONE).
  const running = new Set();
  const GONE = { ok: false, gone: true };

  api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    if (!msg || sender.id !== api.runtime.id || sender.tab) return; // from the extension, not another tab
    switch (msg.type) {
      case 'hark.cmd': {
        const answer = (result) => { if (running.delete(answer)) sendResponse(result); };
        running.add(answer);
        Hark.executor.execute(msg.command, msg.reads === true).then(answer);
        linkUp();
        return true; // answered when the command has run (it may work in slices)
      }
      case 'hark.ui':
        Hark.overlay.apply(msg.ui);
        if (msg.ui && msg.ui.state === 'off') linkDown(); else linkUp();
        sendResponse({ ok: true });
        return;
      case 'hark.overlayText':
        Hark.overlay.report().then((r) => sendResponse({ ok: true, ...r }));
        return true;
      // The overlay frame's hello, relayed by the background (overlay.js says why).
      case 'hark.overlayHello':
        Hark.overlay.pair(msg.nonce, msg.origin);
        sendResponse({ ok: true });
        return;
    }
  });

  // While a session serves this tab, a port straight to the session host carries its page
  // commands (no relay through the service worker). Only Hark's own contexts can reach it.
  let link = null;
  function linkUp() {
    if (link) return;
    try {
      link = api.runtime.connect({ name: 'hark-page' });
    } catch (_) { link = null; return; }
    link.onMessage.addListener((m) => {
      // The overlay's updates come over the port too, in order with the commands.
      if (m && m.ui) {
        Hark.overlay.apply(m.ui);
        if (m.ui.state === 'off') linkDown();
        return;
      }
      // The outline the model is asked for first: walked ahead, in idle time (page.js).
      if (m && m.prime) { Hark.executor.prime(m.prime, m.sessionUp === true); return; }
      if (!m || typeof m.id !== 'number') return;
      // As one JSON string: the browser passes a string through its messaging far cheaper than a
      // deep object (a page's collect result can hold thousands of nodes), and the core wants text.
      // `ms`: the executor's own time, for the session host's timings (status.pageTimings), and
      // `kept`: the answer was the page's kept outline (no walk).
      const port = link;
      Hark.executor.execute(m.command, m.reads === true).then((result) => {
        const timed = /** @type {{ ms?: unknown, kept?: unknown } | null} */ (result);
        const ms = timed && typeof timed.ms === 'number' ? timed.ms : undefined;
        const kept = timed?.kept === true || undefined;
        try { port.postMessage({ id: m.id, json: JSON.stringify(result), ms, kept }); } catch (_) { /* the session went away meanwhile */ }
      });
    });
    link.onDisconnect.addListener(() => { link = null; Hark.executor.forget(); });
  }
  function linkDown() {
    if (link) { try { link.disconnect(); } catch (_) {} link = null; }
    Hark.executor.forget();
  }
  Hark.link = { up: linkUp, down: linkDown };

  // A new document in a tab with a running session (e.g. after a link): show the overlay again.
  function hello() {
    api.runtime
      .sendMessage({ type: 'hark.hello' })
      .then((r) => { if (r && r.active) { Hark.overlay.restore(r.ui); linkUp(); } })
      .catch(() => {});
  }
  hello();
  // A document leaving for the back-forward cache keeps its scripts but answers nothing: let go of
  // the link so commands go to the document the person now sees; say hello again if it comes back.
  // Only the browser's own events count: the page can dispatch look-alikes.
  addEventListener('pagehide', (e) => {
    if (!e.isTrusted) return;
    for (const answer of [...running]) answer(GONE);
    linkDown();
  });
  addEventListener('pageshow', (e) => { if (e.isTrusted && e.persisted) hello(); });
})();
