// What Hark's overlay shows, as one picture built from the core's UI updates (each carries one
// field): the session host keeps it to replay to a new document after a navigation, and the
// content script to draw a new overlay frame whole (content/overlay.js). The frame keeps as many
// transcript lines as the picture does (MAX_LINES). A classic script, so the content scripts
// (which cannot import modules) and the overlay's frame load it as well as the session host.
(() => {
  'use strict';
  const MAX_LINES = 30;
  /** @param {string} [state] */
  const blank = (state = 'off') => ({ state, lines: [], error: null, muted: false, ask: null, usage: null, pushToTalk: false });
  function apply(ui, update) {
    if (update.state) ui.state = update.state;
    if ('error' in update) ui.error = update.error;
    if (typeof update.muted === 'boolean') ui.muted = update.muted;
    if (update.ask) ui.ask = update.ask.open ? update.ask : null;
    if (update.usage) ui.usage = update.usage;
    if (typeof update.push_to_talk === 'boolean') ui.pushToTalk = update.push_to_talk;
    if (update.transcript) {
      const i = ui.lines.findIndex((l) => l.id === update.transcript.id);
      if (i >= 0) ui.lines[i] = update.transcript;
      else ui.lines.push(update.transcript);
      if (ui.lines.length > MAX_LINES) ui.lines.splice(0, ui.lines.length - MAX_LINES);
    }
  }
  globalThis.harkPicture = { blank, apply, MAX_LINES };
})();
