// Hark's style changes: page background, text color, buttons and text zoom, each journaled so
// undo and reset restore the page exactly, and carried onto what the page re-renders until undone.
// Primitives only: the WASM core picks colors and sizes.
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || {});
  if (Hark.styles || !Hark.dom || !Hark.executor) return;
  const {
    otherDocument, elementFor, staleError, isOverlay, visible, roleOf, accessibleName, looksLikeButton, parseColor, cut,
    SKIP_TAGS, CONTROL_TAGS, BUTTON_SELECTOR,
  } = Hark.dom;

  // ---- the journal: every style change can be undone exactly ---------------------------------
  // Each entry: { op, before: Map(el -> style attribute or null), sets: Map(el -> Map(prop -> value)),
  // set(el, prop, value), extend(root, set) | null }. `extend` carries the change to elements the
  // page adds later (single-page apps re-render), so a change stays until it is undone.
  const journal = [];
  const firstSeen = new Map(); // element -> its style attribute before Hark touched it

  function change(op) {
    const entry = { op, before: new Map(), sets: new Map(), extend: null };
    entry.set = (el, prop, value) => {
      if (!entry.before.has(el)) {
        const prev = el.getAttribute('style');
        entry.before.set(el, prev);
        entry.sets.set(el, new Map());
        if (!firstSeen.has(el)) firstSeen.set(el, prev);
      }
      // CSSOM, not the style attribute: page CSPs do not block it. No transition, so the page
      // shows the new look at once (and computed styles agree right away).
      for (const [p, v] of [['transition', 'none'], [prop, value]]) {
        el.style.setProperty(p, v, 'important');
        entry.sets.get(el).set(p, el.style.getPropertyValue(p)); // as the browser spells it
      }
    };
    return {
      set: entry.set,
      // How the change reaches what the page adds later: `fn(root, set)` styles one new subtree.
      extendWith(fn) { entry.extend = fn; },
      commit() {
        if (entry.before.size) journal.push(entry);
        keepChanges();
        return entry.before.size;
      },
    };
  }

  // The page's own style attribute comes back byte for byte: whatever the page wrote there, even
  // declarations this browser does not understand (another browser's prefixes, old IE filters).
  function restoreStyle(el, prev) {
    // Chromium serializes CSSOM changes into the attribute lazily; without this read, the pending
    // serialization would bring back style="" after removeAttribute.
    el.getAttribute('style');
    if (prev === null) { el.removeAttribute('style'); return; }
    el.setAttribute('style', prev);
    // A strict style-src CSP ignores a style attribute set from script; CSSOM still applies it.
    // Only then: text this browser cannot parse also leaves el.style empty, and writing it through
    // CSSOM would turn the attribute into style="".
    if (!el.style.cssText && browserParses(prev)) el.style.cssText = prev;
  }

  // Whether any declaration of `text` means something to this browser (a detached element's
  // CSSOM: no page CSP applies to it, and nothing on the page changes).
  let probe = null;
  function browserParses(text) {
    probe ??= document.createElement('div');
    probe.style.cssText = text;
    return probe.style.cssText !== '';
  }

  function undo() {
    const last = journal.pop();
    if (!last) return { ok: true, undone: null, remaining: 0 };
    for (const [el, prev] of last.before) restoreStyle(el, prev);
    keepChanges();
    return { ok: true, undone: last.op, remaining: journal.length };
  }

  function reset() {
    for (const [el, prev] of firstSeen) restoreStyle(el, prev);
    const restored = firstSeen.size;
    firstSeen.clear();
    journal.length = 0;
    keepChanges();
    Hark.marks?.clear();
    return { ok: true, restored };
  }

  // ---- keeping changes through the page's re-renders ---------------------------------------------
  // While changes are active, a MutationObserver sees the page replace elements or rewrite style
  // attributes, and re-applies the active changes in the same microtask (before the next paint,
  // so nothing flickers). Hark's own writes are taken out of the queue, so nothing loops.
  let observer = null;
  const keepStats = { batches: 0, ms: 0, maxMs: 0 };

  function keepChanges() {
    if (journal.length && !observer) {
      observer = new MutationObserver(reapply);
      observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ['style'] });
    } else if (!journal.length && observer) {
      observer.disconnect();
      observer = null;
    }
    observer?.takeRecords(); // our own writes
  }

  function reapply(records) {
    const t0 = performance.now();
    const added = new Set(), restyled = new Set();
    for (const r of records) {
      if (r.type === 'childList') {
        for (const n of r.addedNodes) if (n.nodeType === 1 && !isOverlay(n) && !SKIP_TAGS.has(n.tagName)) added.add(n);
      } else if (firstSeen.has(r.target)) restyled.add(r.target);
    }
    for (const el of restyled) if (el.isConnected) restyle(el);
    // Only the outermost new subtrees: the ones inside are styled with them.
    const roots = [...added].filter((n) => {
      if (!n.isConnected) return false;
      for (let p = n.parentNode; p; p = p.parentNode || p.host) if (added.has(p)) return false;
      return true;
    });
    if (roots.length) for (const e of journal) if (e.extend) for (const r of roots) e.extend(r, e.set);
    observer?.takeRecords();
    const ms = performance.now() - t0;
    keepStats.batches++;
    keepStats.ms += ms;
    keepStats.maxMs = Math.max(keepStats.maxMs, ms);
  }

  // A page (or another extension) that restores its own styles undoes each re-apply at once, and
  // re-applying again would never end: the tab would freeze (the two observers answer each other
  // in microtasks, never yielding to a frame). A page that re-renders rewrites a style at most once
  // a frame, so an element re-styled more than FIGHT_LIMIT times within FIGHT_WINDOW_MS (less than
  // two frames) is a fight: Hark stops keeping its change there (undo and reset still restore the
  // page's original), and the next answer says so.
  const FIGHT_LIMIT = 3;
  const FIGHT_WINDOW_MS = 30;
  const fights = new WeakMap(); // element -> { since, count }
  let givenUp = 0; // elements let go since the last answer

  function fighting(el) {
    const now = performance.now();
    let f = fights.get(el);
    if (!f || now - f.since > FIGHT_WINDOW_MS) fights.set(el, (f = { since: now, count: 0 }));
    return ++f.count > FIGHT_LIMIT;
  }

  function letGo(el) {
    for (const e of journal) e.sets.delete(el);
    givenUp++;
  }

  // The page rewrote an element's style attribute: put Hark's properties back. When none of them
  // survived, the page replaced the attribute wholesale: its new value is what undo restores.
  function restyle(el) {
    const mine = journal.filter((e) => e.sets.has(el));
    const lost = (e) => [...e.sets.get(el)].some(([p, v]) => el.style.getPropertyValue(p) !== v || el.style.getPropertyPriority(p) !== 'important');
    if (!mine.some(lost)) return;
    if (fighting(el)) { letGo(el); return; }
    const wholesale = mine.every((e) => [...e.sets.get(el)].every(([p]) => el.style.getPropertyPriority(p) !== 'important'));
    if (wholesale && firstSeen.has(el)) firstSeen.set(el, el.getAttribute('style'));
    for (const e of mine) {
      if (wholesale) e.before.set(el, el.getAttribute('style'));
      for (const [p, v] of e.sets.get(el)) el.style.setProperty(p, v, 'important');
    }
  }

  // [root, ...its descendants], skipping what Hark never styles.
  function elementsIn(root) {
    const out = [];
    if (root.nodeType !== 1) return out;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT, {
      acceptNode: (el) => (SKIP_TAGS.has(el.tagName) || isOverlay(el) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    if (!SKIP_TAGS.has(root.tagName) && !isOverlay(root)) out.push(root);
    for (let el = walker.nextNode(); el; el = walker.nextNode()) out.push(el);
    return out;
  }

  // ---- background: repaint what the person sees as the page's background ---------------------
  function isControl(el) {
    return el.matches('button, input, select, textarea, [role=button], .btn') || (el.tagName === 'A' && looksLikeButton(el));
  }

  function paintOf(el) {
    const cs = getComputedStyle(el);
    const c = parseColor(cs.backgroundColor);
    if (c && c.a >= 0.5) return { key: `rgb(${c.r}, ${c.g}, ${c.b})`, image: cs.backgroundImage !== 'none' };
    if (cs.backgroundImage !== 'none') return { key: 'image', image: true };
    return null;
  }

  // The page background is what a large element (at least half the viewport) shows where nothing
  // sits on top of it: #content-wrapper on SB Admin, body on an article page. Sample a grid of
  // points, find the topmost opaque painter at each, and pick the large painter seen most often.
  function setPageBackground({ color, textColor }) {
    const vw = innerWidth, vh = innerHeight, area = vw * vh;
    const html = document.documentElement, body = document.body;
    const canvasKey = (paintOf(html) || (body && paintOf(body)) || { key: 'rgb(255, 255, 255)' }).key;
    const seen = new Map(); // large painter (or null = canvas) -> points where it is on top
    const COLS = 16, ROWS = 12;
    for (let i = 0; i < COLS; i++) {
      for (let j = 0; j < ROWS; j++) {
        const x = ((i + 0.5) / COLS) * vw, y = ((j + 0.5) / ROWS) * vh;
        let top = null;
        for (const el of document.elementsFromPoint(x, y)) {
          if (isOverlay(el) || Hark.overlayHost?.contains(el)) continue;
          const p = paintOf(el);
          if (p) { top = { el, p }; break; }
        }
        let key = null;
        if (!top) key = 'canvas';
        else if (top.p.key !== 'image') {
          const r = top.el.getBoundingClientRect();
          const visibleArea = Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0)) * Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
          if (top.el === html || top.el === body || visibleArea >= 0.5 * area) key = top.el;
        }
        if (key) seen.set(key, (seen.get(key) || 0) + 1);
      }
    }
    let winner = 'canvas', best = 0;
    for (const [k, n] of seen) if (n > best) { best = n; winner = k; }
    const dominant = winner === 'canvas' ? canvasKey : paintOf(winner).key;
    const ch = change('changeBackgroundColor');
    const paint = (el) => {
      ch.set(el, 'background-color', color);
      ch.set(el, 'background-image', 'none');
    };
    paint(html);
    if (body) paint(body);
    if (winner !== 'canvas') paint(winner);
    // Every other element painting the same color (wrappers, panels, cards of that color), now
    // and in what the page renders later.
    const paintSame = (root, set) => {
      for (const el of elementsIn(root)) {
        const p = paintOf(el);
        if (!p || p.key !== dominant) continue;
        set(el, 'background-color', color);
        set(el, 'background-image', 'none');
        // A search box that looked like the page keeps looking like it, and stays readable.
        if (textColor && isControl(el)) set(el, 'color', textColor);
      }
    };
    if (body) paintSame(body, ch.set);
    ch.extendWith(paintSame);
    return { ok: true, changed: ch.commit(), from: dominant };
  }

  // ---- text color --------------------------------------------------------------------------------
  const TEXT_TAGS = new Set(['A', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'P', 'LI', 'TD', 'TH', 'SPAN', 'LABEL', 'DT', 'DD', 'BLOCKQUOTE', 'FIGCAPTION', 'CAPTION', 'SMALL', 'STRONG', 'EM', 'B', 'I', 'CODE', 'PRE', 'CITE', 'Q', 'TIME', 'ABBR', 'MARK', 'U', 'SUP', 'SUB', 'LEGEND', 'SUMMARY', 'ADDRESS', 'DIV']);

  // Elements with text of their own (and text tags) get `color`; buttons and fields keep their own
  // readable colors (changeButtonStyle handles buttons).
  function colorText(root, set, color) {
    const acceptNode = (el) => {
      if (SKIP_TAGS.has(el.tagName) || isOverlay(el)) return NodeFilter.FILTER_REJECT;
      if (el.matches('button, input, select, textarea, [role=button], .btn, .badge')) return NodeFilter.FILTER_REJECT;
      if (el.tagName === 'A' && looksLikeButton(el)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    };
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT, { acceptNode });
    const consider = (el) => {
      let hasText = false;
      for (const c of el.childNodes) if (c.nodeType === 3 && c.data.trim()) { hasText = true; break; }
      if (hasText || (TEXT_TAGS.has(el.tagName) && el.tagName !== 'DIV' && el.tagName !== 'SPAN')) set(el, 'color', color);
    };
    if (root !== document.body && root.nodeType === 1) {
      if (acceptNode(root) !== NodeFilter.FILTER_ACCEPT) return;
      consider(root);
    }
    for (let el = walker.nextNode(); el; el = walker.nextNode()) consider(el);
  }

  function setTextColor({ color }) {
    if (!document.body) return { ok: false, error: 'the page has no body' };
    const ch = change('changeTextColor');
    ch.set(document.body, 'color', color);
    colorText(document.body, ch.set, color);
    ch.extendWith((root, set) => colorText(root, set, color));
    return { ok: true, changed: ch.commit() };
  }

  // ---- buttons -----------------------------------------------------------------------------------
  // Every element matching `selector` in the document and in open shadow roots (web components).
  function deepQueryAll(selector, root = document, out = []) {
    for (const el of root.querySelectorAll(selector)) out.push(el);
    for (const host of root.querySelectorAll('*')) if (host.shadowRoot) deepQueryAll(selector, host.shadowRoot, out);
    return out;
  }

  function allButtons(root = document) {
    const out = [];
    const found = deepQueryAll(BUTTON_SELECTOR, root);
    if (root.nodeType === 1 && root.matches(BUTTON_SELECTOR)) found.unshift(root);
    for (const el of found) {
      if (isOverlay(el) || !visible(el)) continue;
      const role = roleOf(el);
      if (el.tagName === 'A' ? looksLikeButton(el) : role === 'button' || el.tagName === 'BUTTON' || el.tagName === 'INPUT') out.push(el);
    }
    // Nested matches (a [role=button] inside a <button>) would be scaled twice.
    return out.filter((el) => !out.some((o) => o !== el && o.contains(el)));
  }

  function styleButtons({ refs, fontPx, scale, color, textColor, doc }) {
    if (refs && refs.length && otherDocument(doc)) return otherDocument(doc);
    let targets;
    if (refs && refs.length) {
      targets = [];
      for (const r of refs) {
        const el = elementFor(r);
        if (!el) return { ok: false, error: staleError(r) };
        targets.push(el);
      }
    } else {
      targets = allButtons();
    }
    const ch = change('changeButtonStyle');
    const styleOne = (el, set) => {
      const cs = getComputedStyle(el);
      if (fontPx || scale) {
        const cur = parseFloat(cs.fontSize) || 16;
        const next = fontPx || cur * scale;
        const k = next / cur;
        set(el, 'font-size', `${next.toFixed(2)}px`);
        for (const side of ['top', 'right', 'bottom', 'left']) {
          const p = parseFloat(cs.getPropertyValue(`padding-${side}`)) || 0;
          set(el, `padding-${side}`, `${(p * k).toFixed(2)}px`);
        }
        // Fixed-size round buttons (icon circles) grow with their text.
        if (el.className && /circle|icon/i.test(String(el.className))) {
          set(el, 'width', `${(parseFloat(cs.width) * k).toFixed(2)}px`);
          set(el, 'height', `${(parseFloat(cs.height) * k).toFixed(2)}px`);
        }
      }
      if (color) {
        set(el, 'background-color', color);
        set(el, 'background-image', 'none');
        set(el, 'border-color', color);
        if (textColor) set(el, 'color', textColor);
      }
    };
    const labels = [];
    for (const el of targets) {
      styleOne(el, ch.set);
      if (labels.length < 10) labels.push(cut(accessibleName(el), 60));
    }
    // Re-rendered buttons: all of them, or the ones with the same kind and name as the targets.
    const named = refs && refs.length ? new Set(targets.map((el) => `${el.tagName}|${accessibleName(el)}`)) : null;
    ch.extendWith((root, set) => {
      for (const el of allButtons(root)) if (!named || named.has(`${el.tagName}|${accessibleName(el)}`)) styleOne(el, set);
    });
    return { ok: true, changed: targets.length && ch.commit() ? targets.length : 0, labels };
  }

  // ---- text zoom: journaled, relative to the page's own sizes ------------------------------------
  const ownSize = new WeakMap(); // element -> { fs, lh } in px before any zoom
  function zoomIn(root, set, k) {
    const targets = elementsIn(root).filter((el) => {
      if (CONTROL_TAGS.has(el.tagName)) return true;
      for (const c of el.childNodes) if (c.nodeType === 3 && c.data.trim()) return true;
      return false;
    });
    // Measure everything first: setting sizes would change what later elements compute.
    const sizes = targets.map((el) => {
      let s = ownSize.get(el);
      if (!s) {
        const cs = getComputedStyle(el);
        s = { fs: parseFloat(cs.fontSize) || 16, lh: cs.lineHeight.endsWith('px') ? parseFloat(cs.lineHeight) : null };
        ownSize.set(el, s);
      }
      return s;
    });
    targets.forEach((el, i) => {
      const s = sizes[i];
      set(el, 'font-size', `${(s.fs * k).toFixed(2)}px`);
      if (s.lh) set(el, 'line-height', `${(s.lh * k).toFixed(2)}px`);
    });
  }

  function zoomText({ scale }) {
    if (!document.body) return { ok: false, error: 'the page has no body' };
    const k = Math.max(0.5, Math.min(3, Number(scale) || 1));
    const ch = change('zoomText');
    zoomIn(document.body, ch.set, k);
    ch.extendWith((root, set) => zoomIn(root, set, k));
    return { ok: true, changed: ch.commit() };
  }


  // Diagnostics: what keeping changes through re-renders has cost so far.
  const stats = () => ({ ok: true, keep: { ...keepStats, ms: Math.round(keepStats.ms * 100) / 100, maxMs: Math.round(keepStats.maxMs * 100) / 100 } });
  for (const [name, fn] of Object.entries({ stats, setPageBackground, setTextColor, styleButtons, zoomText, undo, reset })) Hark.executor.register(name, fn);
  Hark.styles = true;
  // How many elements Hark let go of since the last answer (the executor adds it to the next one).
  Hark.takeStyleFights = () => { const n = givenUp; givenUp = 0; return n; };
})();
