// What Hark draws over the page without changing it: numbered labels ("click 12"), highlights of
// found text; and the text it reads aloud. Everything is drawn in a layer of Hark's own (a closed
// shadow root, pointer-events none, absolutely positioned in page coordinates), so the page's
// layout, styles and CSP are untouched. Primitives only: the core words every answer.
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
  if (Hark.marks || !Hark.dom || !Hark.executor) return;
  const dom = Hark.dom;

  const CSS = `
    :host { all: initial; }
    .label { position: absolute; font: bold 12px/16px sans-serif; color: #fff; background: #c2185b;
      border: 1px solid #fff; border-radius: 8px; padding: 0 4px; min-width: 10px; text-align: center;
      box-shadow: 0 1px 3px rgba(0,0,0,.5); }
    .hit { position: absolute; background: rgba(255, 213, 0, 0.55); mix-blend-mode: multiply; border-radius: 2px; }
    .hit.current { background: rgba(255, 140, 0, 0.6); outline: 2px solid rgb(230, 81, 0); }
  `;
  let host = null, root = null, labelsBox = null, hitsBox = null;
  let numbered = []; // index n-1 -> WeakRef(element)

  function layer() {
    if (host && host.isConnected) return;
    if (!host) {
      ({ host, root } = dom.ownHost('hark-marks', [['position', 'absolute'], ['left', '0'], ['top', '0'], ['width', '0'], ['height', '0'], ['overflow', 'visible'], ['z-index', '2147483646'], ['pointer-events', 'none']], CSS));
      labelsBox = document.createElement('div');
      hitsBox = document.createElement('div');
      root.append(hitsBox, labelsBox);
      Hark.marksHost = host;
    }
    document.documentElement.append(host);
  }

  // A box at a viewport rect, in page coordinates (it then scrolls with the page).
  function box(cls, r) {
    const b = document.createElement('div');
    b.className = cls;
    b.style.left = `${r.left + scrollX}px`;
    b.style.top = `${r.top + scrollY}px`;
    if (cls !== 'label') {
      b.style.width = `${r.width}px`;
      b.style.height = `${r.height}px`;
    }
    return b;
  }

  function clearLabels() {
    numbered = [];
    labelsBox?.replaceChildren();
  }
  function clearHits() {
    hitsBox?.replaceChildren();
  }
  function clear() {
    clearLabels();
    clearHits();
  }

  // ---- numbered labels ------------------------------------------------------------------------
  const MAX_LABELS = 200;
  async function showLabels({ show = true }) {
    clearLabels();
    if (!show) return { ok: true, numbered: [] };
    layer();
    const page = await dom.collect({});
    const out = [];
    for (const n of page.nodes) {
      if (!n.ref || !n.inView || out.length >= MAX_LABELS) continue;
      const el = dom.elementFor(n.ref);
      if (!el) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      numbered.push(new WeakRef(el));
      const num = numbered.length;
      const b = box('label', { left: Math.max(0, r.left - 6), top: Math.max(0, r.top - 8) });
      b.textContent = String(num);
      labelsBox.append(b);
      out.push({ n: num, ref: n.ref, role: n.role, name: n.name });
    }
    return { ok: true, numbered: out };
  }

  function numberedElement(n) {
    return numbered[n - 1]?.deref() || null;
  }
  function numberError(n) {
    if (!numbered.length) return `no numbers are shown on the page now (they go away when the page changes); call showLabels, then use a number, or name the element by its label or ref`;
    return `there is no element numbered ${n}: numbers 1–${numbered.length} are shown${numbered[n - 1] ? ' (that element is gone; call showLabels again)' : ''}`;
  }

  // ---- find and highlight -----------------------------------------------------------------------
  const MAX_HITS = 500;
  // Text nodes a person sees: not in Hark, hidden, private or form controls.
  function* seenText(rootEl, visit, slices) {
    const walker = document.createTreeWalker(rootEl, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      /** @param {Element} n an element or (nodeType 3) a text node */
      acceptNode(n) {
        if (n.nodeType === 3) return NodeFilter.FILTER_ACCEPT;
        if (dom.SKIP_TAGS.has(n.tagName) || dom.isOverlay(n) || dom.isPrivate(n) || dom.CONTROL_TAGS.has(n.tagName) || !dom.visible(n)) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_SKIP;
      },
    });
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (visit(t) === false) return;
      if (slices?.due()) yield; // a pause: the page runs before the walk goes on
    }
  }

  async function findText({ text, occurrence = 1 }) {
    clearHits();
    const want = String(text || '').trim().toLowerCase();
    if (!want) return { ok: true, count: 0 };
    if (!document.body) return { ok: false, error: 'the page has no body' };
    const ranges = [];
    const s = dom.slicer();
    // At the deadline the matches found so far are the answer.
    await dom.runInSlices(seenText(document.body, (t) => {
      const data = t.data.toLowerCase();
      for (let i = data.indexOf(want); i >= 0; i = data.indexOf(want, i + want.length)) {
        const r = document.createRange();
        r.setStart(t, i);
        r.setEnd(t, i + want.length);
        if (r.getClientRects().length) ranges.push(r);
        if (ranges.length >= MAX_HITS) return false;
      }
    }, s), s);
    if (!ranges.length) return { ok: true, count: 0, snippets: [] };
    const index = Math.min(Math.max(1, occurrence), ranges.length);
    const current = ranges[index - 1];
    const target = current.startContainer.parentElement;
    const cr = current.getBoundingClientRect();
    if (!(cr.top >= 0 && cr.bottom <= innerHeight)) target.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });
    layer();
    ranges.forEach((r, i) => {
      for (const rect of r.getClientRects()) hitsBox.append(box(i === index - 1 ? 'hit current' : 'hit', rect));
    });
    const snippets = ranges.slice(0, 5).map((r) => {
      const data = r.startContainer.data;
      return dom.redactCards(dom.squash(data.slice(Math.max(0, r.startOffset - 40), r.endOffset + 40)));
    });
    return { ok: true, count: ranges.length, index, snippets };
  }

  // ---- text to read aloud ------------------------------------------------------------------------
  const HEADING = /^H[1-6]$/;
  const levelOf = (el) => (HEADING.test(el.tagName) ? +el.tagName[1] : el.getAttribute('role') === 'heading' ? +(el.getAttribute('aria-level') || 2) : 0);

  // The visible text from `start` on (in document order), block by block, until `stop(el)`.
  function textFrom(scope, start, stop, maxChars) {
    let out = '';
    let truncated = false;
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      /** @param {Element} n an element or (nodeType 3) a text node */
      acceptNode(n) {
        if (n.nodeType === 3) return NodeFilter.FILTER_ACCEPT;
        if (dom.SKIP_TAGS.has(n.tagName) || dom.isOverlay(n) || dom.isPrivate(n) || dom.CONTROL_TAGS.has(n.tagName) || !dom.visible(n)) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      },
    });
    if (start) walker.currentNode = start;
    for (let n = start || walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeType === 1) {
        if (n !== start && stop && stop(n)) break;
        if (!dom.INLINE.has(n.tagName) && !out.endsWith('\n')) out += '\n';
        continue;
      }
      out += n.data;
      if (out.length > maxChars * 1.2) { truncated = true; break; }
    }
    const text = dom.redactCards(out.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean).join('\n'));
    return { text: dom.cut(text, maxChars), truncated: truncated || text.length > maxChars };
  }

  function selectionText(maxChars) {
    const sel = getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return { text: '', truncated: false };
    let out = '';
    for (let i = 0; i < sel.rangeCount; i++) {
      const range = sel.getRangeAt(i);
      const common = range.commonAncestorContainer;
      const scope = common.nodeType === 1 ? /** @type {Element} */ (common) : common.parentElement;
      if (!scope) continue;
      // A selection inside something private or hidden reads nothing.
      if (scope.closest('[data-hark-private], [data-private]') || !dom.visible(scope)) continue;
      const gen = seenText(scope, (t) => {
        if (!range.intersectsNode(t)) return;
        const from = t === range.startContainer ? range.startOffset : 0;
        const to = t === range.endContainer ? range.endOffset : t.data.length;
        out += t.data.slice(from, to) + (dom.INLINE.has(t.parentElement?.tagName) ? '' : ' ');
      });
      while (!gen.next().done);
      out += '\n';
    }
    const text = dom.redactCards(out.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean).join('\n'));
    return { text: dom.cut(text, maxChars), truncated: text.length > maxChars };
  }

  function readText({ ref, page, maxChars = 4000, doc }) {
    if (ref) {
      if (!String(ref).startsWith('#') && dom.otherDocument(doc)) return dom.otherDocument(doc);
      const el = dom.elementFor(ref);
      if (!el) return dom.staleAnswer(ref);
      if (dom.isOverlay(el)) return { ok: false, error: 'that element belongs to Hark' };
      if (el.closest('[data-hark-private], [data-private]')) return { ok: false, error: 'that part of the page is marked private; Hark does not read it' };
      const level = levelOf(el);
      if (level) {
        // A heading: its section, up to the next heading of the same or a higher level.
        const stop = (n) => { const l = levelOf(n); return l > 0 && l <= level && !el.contains(n); };
        return { ok: true, source: 'section', ...textFrom(document.body, el, stop, maxChars) };
      }
      return { ok: true, source: 'element', ...textFrom(el, null, null, maxChars) };
    }
    if (page) {
      const main = document.querySelector('main, [role=main], article') || document.body;
      if (!main) return { ok: false, error: 'the page has no body' };
      return { ok: true, source: 'page', ...textFrom(main, null, null, maxChars) };
    }
    return { ok: true, source: 'selection', ...selectionText(maxChars) };
  }

  Hark.executor.register('showLabels', showLabels);
  Hark.executor.register('findText', findText);
  Hark.executor.register('readText', readText);
  Hark.marks = { numbered: numberedElement, numberError, clear };
})();
