// Wires the executor and the overlay to the extension. The only way in is
// chrome.runtime.onMessage from Hark's own contexts: no window messages, DOM events or attributes.
(() => {
  'use strict';
  const Hark = globalThis.__hark;
  if (!Hark || Hark.wired) return;
  Hark.wired = true;
  const api = globalThis.browser ?? globalThis.chrome;

  api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    if (!msg || sender.id !== api.runtime.id || sender.tab) return; // from the extension, not another tab
    switch (msg.type) {
      case 'hark.cmd':
        sendResponse(Hark.executor.execute(msg.command));
        return;
      case 'hark.ui':
        Hark.overlay.apply(msg.ui);
        sendResponse({ ok: true });
        return;
      case 'hark.overlayText':
        sendResponse({ ok: true, text: Hark.overlay.text(), ask: Hark.overlay.askButtons() });
        return;
    }
  });

  // A new document in a tab with a running session (e.g. after a link): show the overlay again.
  api.runtime
    .sendMessage({ type: 'hark.hello' })
    .then((r) => { if (r && r.active) Hark.overlay.restore(r.ui); })
    .catch(() => {});
})();
