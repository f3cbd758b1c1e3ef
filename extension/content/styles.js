// Hark's style changes: page background, text color, buttons and text zoom, each journaled so
// undo and reset restore the page exactly, and carried onto what the page re-renders until undone.
// Primitives only: the WASM core picks colors and sizes.
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
  if (Hark.styles || !Hark.dom || !Hark.executor) return;
  const {
    otherDocument, elementFor, staleAnswer, isOverlay, visible, roleOf, accessibleName, looksLikeButton, parseColor, cut,
    slicer, eachElementIn, SKIP_TAGS, CONTROL_TAGS, BUTTON_SELECTOR, LOOK_ATTRIBUTE,
  } = Hark.dom;
  // Runs a generator to its end at once: re-render keeping works inside one microtask.
  const drain = (gen) => { while (!gen.next().done); };

  // ---- the journal: every style change can be undone exactly ---------------------------------
  // Each entry: { op, before: Map(el -> style attribute or null), sets: Map(el -> Map(prop -> value)),
  // looks: the rules it wrote instead (lookSheet) or null, set(el, prop, value), setAll(el, list),
  // extend(root, set, slices) | null }. `extend` carries the change to
  // elements the page adds later (single-page apps re-render), so a change stays until it is undone.
  // Elements that left the document are dropped from it (sweepDetached), so a page that re-renders
  // all day does not grow it.
  const journal = [];
  const firstSeen = new Map(); // element -> its style attribute before Hark touched it

  // A change first decides what to write (reading computed styles), then writes: reads between
  // writes would make the browser recompute styles once per element. Writing goes in slices, the
  // elements in view first, until the command's deadline; what is left is said in words.
  // `readable`: after its writes, the change also recolors text its colors left hard to read
  // (content/readable.js), in the same journal entry (one undo), on re-renders too.
  // `asRules`: written as style rules where it can be (lookSheet): for changes to most elements.
  function change(op, readable = false, asRules = false) {
    const entry = { op, before: new Map(), sets: new Map(), looks: asRules ? lookSheet() : null, extend: null, readable, undoing: [] };
    let firstCheck = null; // replaces the first contrast pass (checkWith)
    const planned = []; // [el, prop, value] in the order they are written
    entry.set = (el, prop, value) => entry.setAll(el, [[prop, value]]);
    // Writes list ([prop, value] each) to el.
    entry.setAll = (el, list) => {
      if (entry.looks?.mark(el, list, entry.sets.has(el))) return;
      if (!entry.before.has(el)) {
        const prev = el.getAttribute('style');
        entry.before.set(el, prev);
        if (!firstSeen.has(el)) firstSeen.set(el, prev);
      }
      // CSSOM, not the style attribute: page CSPs do not block it. No transition (once per
      // element), so the page shows the new look at once and computed styles agree right away.
      let sets = entry.sets.get(el);
      if (!sets) entry.sets.set(el, (sets = new Map())); // let go of after a fight, now styled anew
      const style = el.style;
      for (const [prop, value] of list) {
        for (const [p, v] of sets.has('transition') ? [[prop, value]] : [['transition', 'none'], [prop, value]]) {
          style.setProperty(p, v, 'important');
          sets.set(p, style.getPropertyValue(p)); // as the browser spells it
        }
      }
    };
    entry.styled = () => entry.before.size + (entry.looks?.size() ?? 0);
    return {
      // Plans a write; nothing changes on the page before commit().
      set: (el, prop, value) => { planned.push([el, prop, value]); },
      // How the change reaches what the page adds later: `fn(root, set, slices)` styles one new
      // subtree (a generator, like the first pass).
      extendWith(fn) { entry.extend = fn; },
      // A change that planned its text colors knowing their contrast checks only what it could not
      // know: `fn(set, slices, report)` (a generator) runs after the writes instead of the whole
      // contrast pass. Re-rendered parts still get the whole pass.
      checkWith(fn) { firstCheck = fn; },
      // What undo (and reset) also does besides restoring styles, e.g. play paused media again.
      onUndo(fn) { entry.undoing.push(fn); },
      // After commit: one more write at once, in the same entry (what needs the new layout).
      write(el, prop, value) {
        if (!journal.includes(entry)) { journal.push(entry); keepChanges(); }
        entry.set(el, prop, value);
        observer?.takeRecords();
      },
      // Writes what was planned, then (readable) what keeps text readable. `{changed, left,
      // readable}`: elements styled, elements not reached, the contrast pass's report.
      async commit(s = slicer(COMMIT_BUDGET_MS)) {
        const out = await writePlanned(s);
        if (readable && out.changed) out.readable = await keepReadable();
        return out;
      },
    };
    async function writePlanned(s) {
      // Released even with nothing planned: a write() after commit adopts the sheet at once.
      if (!planned.length) { entry.looks?.release(); return { changed: 0, left: 0 }; }
      // In the journal from the first write: re-renders meanwhile are kept like any other.
      journal.push(entry);
      keepChanges();
      let i = 0;
      while (i < planned.length) {
        i = writeOne(entry, planned, i);
        if (s.due()) {
          observer?.takeRecords(); // our own writes
          if (s.late()) break;
          await s.pause();
        }
      }
      observer?.takeRecords();
      entry.looks?.release();
      const left = new Set();
      for (let j = i; j < planned.length; j++) if (!entry.before.has(planned[j][0]) && !entry.looks?.has(planned[j][0])) left.add(planned[j][0]);
      if (!entry.styled()) journal.splice(journal.indexOf(entry), 1);
      keepChanges();
      return { changed: entry.styled(), left: left.size };
    }
    // Reads every text element first (one style recalculation), then writes the fixes. A change
    // that checked contrast as it planned (checkWith) reads only what it could not know.
    async function keepReadable() {
      const s = slicer(READABLE_BUDGET_MS);
      const fixes = [];
      const report = Hark.readable.report();
      const fix = (el, p, v) => fixes.push([el, p, v]);
      const check = firstCheck ? firstCheck(fix, s, report) : Hark.readable.plan(document.body, fix, s, report);
      firstCheck = null; // once: what it holds (the plan's elements) is let go with it
      const done = await Hark.dom.runInSlices(check, s);
      const w = slicer(Infinity);
      for (let i = 0; i < fixes.length;) {
        i = writeOne(entry, fixes, i);
        if (w.due()) { observer?.takeRecords(); await w.pause(); }
      }
      observer?.takeRecords();
      return { ...report, complete: done };
    }
  }

  // Writes the planned writes ([el, prop, value] each) from planned[i] that go to the same
  // element (a change plans an element's writes together: a look is written at once); returns
  // the index of the next element's first write.
  function writeOne(entry, planned, i) {
    const el = planned[i][0];
    let j = i + 1;
    while (j < planned.length && planned[j][0] === el) j++;
    const list = [];
    for (let k = i; k < j; k++) list.push([planned[k][1], planned[k][2]]);
    entry.setAll(el, list);
    return j;
  }

  // ---- a change written as style rules -----------------------------------------------------------
  // A theme restyles most of a page's elements, in a few dozen looks. Written into each element's
  // style it was one parse and one restyle per element, dear in Firefox's content scripts, and
  // the page painted itself half restyled between the slices of writes. As rules it is one
  // attribute per element (the look's own: `data-hark-look<sheet>-<look>`) and one rule per look,
  // in a sheet of Hark's own the document adopts (CSSOM: page CSPs do not block it), removed by
  // undo at once. The rules are `!important` in a cascade layer, which puts them above every
  // unlayered rule of the page's sheets, `!important` or not (a page's own layers come first,
  // and their `!important` would win). Written into the element's style as before: an element
  // with a style attribute (the page's inline `!important` would win over a rule, and so would
  // an earlier change of Hark's, which the later one must win over) and one in a shadow tree
  // (the document's sheets do not reach it).
  let lookSheets = 0;
  function lookSheet() {
    let sheet, layer;
    try {
      sheet = new CSSStyleSheet();
      sheet.replaceSync('@layer hark-looks {}');
      layer = /** @type {CSSLayerBlockRule} */ (sheet.cssRules[0]);
    } catch (_) { return null; } // no constructable sheets: every write goes into styles
    const prefix = `${LOOK_ATTRIBUTE}${++lookSheets}-`;
    const looks = new Map(); // declarations -> the attribute that gives them
    const marked = new Map(); // el -> { attr, decls: Map(prop -> value) }
    // Adopted once the change's first writes are done (release): a rule that matches nothing yet
    // costs the page's frames nothing, so the page is restyled once, not at each slice.
    let held = true, adopted = false;
    return {
      // Writes list ([prop, value] each) onto el as a look; false where it must go into its style
      // (`inline`: this change wrote el's style already).
      mark(el, list, inline) {
        if (inline || !plainValues(list)) return false;
        let m = marked.get(el);
        if (!m) {
          if (el.getAttribute('style') !== null || el.getRootNode() !== document) return false;
          marked.set(el, (m = { attr: '', decls: new Map() }));
        }
        for (const [p, v] of list) m.decls.set(p, v);
        let text = '';
        for (const [p, v] of m.decls) text += `${p}:${v}!important;`;
        let attr = looks.get(text);
        if (attr === undefined) {
          attr = prefix + looks.size;
          looks.set(text, attr);
          layer.insertRule(`[${attr}]{transition:none!important;${text}}`, looks.size - 1);
        }
        if (!held && !adopted) this.adopt();
        if (m.attr !== attr) {
          if (m.attr) el.removeAttribute(m.attr);
          el.setAttribute(attr, '');
          m.attr = attr;
        }
        return true;
      },
      release() { held = false; if (marked.size) this.adopt(); },
      has: (el) => marked.has(el),
      size: () => marked.size,
      // After a page's DOM change: adopted again if the page set its own list of sheets.
      readopt() { if (adopted) this.adopt(); },
      adopt() {
        adopted = true;
        const sheets = document.adoptedStyleSheets;
        if (!sheets.includes(sheet)) document.adoptedStyleSheets = [...sheets, sheet];
      },
      // Undo: the looks go at once; the attributes after, in slices.
      async remove() {
        adopted = false;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((x) => x !== sheet);
        const s = slicer(Infinity);
        for (const [el, m] of marked) {
          el.removeAttribute(m.attr);
          if (s.due()) await s.pause();
        }
        marked.clear();
      },
      // Elements the page threw away: a page that puts one back gets it as it was.
      sweep() {
        for (const [el, m] of marked) if (!el.isConnected) { el.removeAttribute(m.attr); marked.delete(el); }
      },
    };
  }
  // Values Hark can write into a rule as they are: nothing in them could end a declaration or
  // start another (a value from the model stays one value, as with setProperty).
  const plainValues = (list) => list.every(([p, v]) => /^[a-z-]+$/.test(p) && !/[;{}!\\/"'<>]/.test(v));

  // A command plans until PLAN_BUDGET_MS and writes for up to COMMIT_BUDGET_MS more: well inside
  // the 10 s the session host waits for an answer.
  const PLAN_BUDGET_MS = 5000;
  const COMMIT_BUDGET_MS = 2500;
  // The contrast pass after a color change reads each text element's colors once.
  const READABLE_BUDGET_MS = 1500;

  // In view first (stable otherwise): a cut-short change is cut where the person is not looking.
  async function inViewFirst(elements, s) {
    const vw = innerWidth, vh = innerHeight;
    const shown = [], rest = [];
    await Hark.dom.eachInSlices(elements, (el) => {
      const r = el.getBoundingClientRect();
      (r.bottom > 0 && r.right > 0 && r.top < vh && r.left < vw ? shown : rest).push(el);
    }, s);
    return shown.concat(rest);
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

  // Undo and reset always finish (restoring is cheap: no style reads), in slices like the rest.
  async function restoreAll(pairs) {
    const s = slicer(Infinity);
    for (const [el, prev] of pairs) {
      restoreStyle(el, prev);
      if (s.due()) { observer?.takeRecords(); await s.pause(); }
    }
    observer?.takeRecords();
  }

  async function undo() {
    const last = journal.pop();
    if (!last) return { ok: true, undone: null, remaining: 0 };
    keepChanges();
    await last.looks?.remove();
    await restoreAll(last.before);
    runUndoing([last]);
    return { ok: true, undone: last.op, remaining: journal.length };
  }

  async function reset() {
    sweepDetached();
    const pairs = [...firstSeen];
    const entries = journal.splice(0);
    firstSeen.clear();
    keepChanges();
    for (const e of entries) await e.looks?.remove();
    await restoreAll(pairs);
    runUndoing(entries.reverse());
    Hark.marks?.clear();
    return { ok: true, restored: pairs.length };
  }

  function runUndoing(entries) {
    for (const e of entries) for (const fn of e.undoing) { try { fn(); } catch (_) { /* the page's own */ } }
  }

  // Elements the page threw away leave the journal, their style given back first (a page that
  // puts an element back gets it as it was, and the change is carried onto it again like onto any
  // new element). Run when the journal has doubled since the last sweep: linear time overall.
  let sweptAt = 0;
  const tracked = () => journal.reduce((n, e) => n + (e.looks?.size() ?? 0), firstSeen.size);
  function sweepDetached() {
    for (const [el, prev] of firstSeen) {
      if (el.isConnected) continue;
      restoreStyle(el, prev);
      firstSeen.delete(el);
      for (const e of journal) { e.before.delete(el); e.sets.delete(el); }
    }
    for (const e of journal) e.looks?.sweep();
    sweptAt = tracked();
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
    // A page that sets its own list of adopted sheets drops Hark's looks with it.
    for (const e of journal) e.looks?.readopt();
    // Only the outermost new subtrees: the ones inside are styled with them.
    const roots = [...added].filter((n) => {
      if (!n.isConnected) return false;
      for (let p = n.parentNode; p; p = p.parentNode || p.host) if (added.has(p)) return false;
      return true;
    });
    if (roots.length) {
      // Each change decides for all new elements first, then writes: one style recalculation per
      // change, not one per element. Changes go in their order: a later one (a zoom) measures
      // what the earlier ones (a button size) made.
      for (const e of journal) {
        if (!e.extend) continue;
        const planned = [];
        const plan = (el, prop, value) => planned.push([el, prop, value]);
        for (const r of roots) drain(e.extend(r, plan, null));
        for (let i = 0; i < planned.length;) i = writeOne(e, planned, i);
        if (e.readable) {
          // What the page added is read after the change's writes, like the first pass.
          const fixes = [];
          const fix = (el, prop, value) => fixes.push([el, prop, value]);
          for (const r of roots) drain(Hark.readable.plan(r, fix, null));
          for (let i = 0; i < fixes.length;) i = writeOne(e, fixes, i);
        }
      }
    }
    if (tracked() > 2 * sweptAt + 256) sweepDetached();
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
  async function setPageBackground({ color, textColor, keepExact }) {
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
    const ch = change('changeBackgroundColor', !keepExact);
    const s = slicer(PLAN_BUDGET_MS);
    const paint = (el) => {
      ch.set(el, 'background-color', color);
      ch.set(el, 'background-image', 'none');
    };
    paint(html);
    if (body) paint(body);
    if (winner !== 'canvas') paint(winner);
    // Every other element painting the same color (wrappers, panels, cards of that color), now
    // and in what the page renders later.
    const paintSame = (root, set, slices) => eachElementIn(root, (el) => {
      const p = paintOf(el);
      if (!p || p.key !== dominant) return;
      set(el, 'background-color', color);
      set(el, 'background-image', 'none');
      // A search box that looked like the page keeps looking like it, and stays readable.
      if (textColor && isControl(el)) set(el, 'color', textColor);
    }, slices);
    if (body && !(await Hark.dom.runInSlices(paintSame(body, ch.set, s), s))) return tooBig('changeBackgroundColor');
    ch.extendWith(paintSame);
    return { ok: true, ...(await ch.commit()), from: dominant };
  }

  // The deadline came before Hark even knew what to change: nothing was changed.
  const tooBig = (what) => ({ ok: false, error: `the page is too large to ${what} within the time limit (nothing was changed); name the elements to change instead` });

  // ---- text color --------------------------------------------------------------------------------
  const TEXT_TAGS = new Set(['A', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'P', 'LI', 'TD', 'TH', 'SPAN', 'LABEL', 'DT', 'DD', 'BLOCKQUOTE', 'FIGCAPTION', 'CAPTION', 'SMALL', 'STRONG', 'EM', 'B', 'I', 'CODE', 'PRE', 'CITE', 'Q', 'TIME', 'ABBR', 'MARK', 'U', 'SUP', 'SUB', 'LEGEND', 'SUMMARY', 'ADDRESS', 'DIV']);

  // Elements with text of their own (and text tags) get `color`; buttons and fields keep their own
  // readable colors (changeButtonStyle handles buttons).
  function* colorText(root, set, color, slices) {
    const acceptNode = (el) => {
      if (SKIP_TAGS.has(el.tagName) || isOverlay(el)) return NodeFilter.FILTER_REJECT;
      if (el.matches('button, input, select, textarea, [role=button], .btn, .badge')) return NodeFilter.FILTER_REJECT;
      if (el.tagName === 'A' && looksLikeButton(el)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    };
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT, { acceptNode });
    const consider = (el) => {
      if (Hark.dom.hasOwnText(el) || (TEXT_TAGS.has(el.tagName) && el.tagName !== 'DIV' && el.tagName !== 'SPAN')) set(el, 'color', color);
    };
    if (root !== document.body && root.nodeType === 1) {
      if (acceptNode(root) !== NodeFilter.FILTER_ACCEPT) return;
      consider(root);
    }
    for (let el = walker.nextNode(); el; el = walker.nextNode()) {
      consider(el);
      if (slices?.due()) yield;
    }
  }

  async function setTextColor({ color, keepExact }) {
    if (!document.body) return { ok: false, error: 'the page has no body' };
    const ch = change('changeTextColor', !keepExact);
    const s = slicer(PLAN_BUDGET_MS);
    ch.set(document.body, 'color', color);
    if (!(await Hark.dom.runInSlices(colorText(document.body, ch.set, color, s), s))) return tooBig('changeTextColor');
    ch.extendWith((root, set, slices) => colorText(root, set, color, slices));
    return { ok: true, ...(await ch.commit()) };
  }

  // ---- buttons -----------------------------------------------------------------------------------
  // Every element matching `selector` in the document and in open shadow roots (web components).
  function deepQueryAll(selector, root = document, out = []) {
    for (const el of root.querySelectorAll(selector)) out.push(el);
    for (const host of root.querySelectorAll('*')) {
      const shadow = Hark.dom.shadowOf(host);
      if (shadow) deepQueryAll(selector, shadow, out);
    }
    return out;
  }

  // Every visible button under `root` (links that look like buttons included), into `out`.
  function* allButtons(root, out, slices) {
    const found = deepQueryAll(BUTTON_SELECTOR, root);
    if (root.nodeType === 1 && root.matches(BUTTON_SELECTOR)) found.unshift(root);
    const mine = new Set();
    for (const el of found) {
      if (slices?.due()) yield;
      if (isOverlay(el) || !visible(el)) continue;
      const role = roleOf(el);
      if (el.tagName === 'A' ? looksLikeButton(el) : role === 'button' || el.tagName === 'BUTTON' || el.tagName === 'INPUT') mine.add(el);
    }
    // Nested matches (a [role=button] inside a <button>) would be scaled twice.
    for (const el of mine) {
      let inner = false;
      for (let p = el.parentElement; p && !inner; p = p.parentElement) inner = mine.has(p);
      if (!inner) out.push(el);
    }
  }

  async function styleButtons({ refs, fontPx, scale, color, textColor, doc, keepExact }) {
    if (refs && refs.length && otherDocument(doc)) return otherDocument(doc);
    let targets;
    if (refs && refs.length) {
      targets = [];
      for (const r of refs) {
        const el = elementFor(r);
        if (!el) return staleAnswer(r);
        targets.push(el);
      }
    }
    const s = slicer(PLAN_BUDGET_MS);
    if (!targets) {
      targets = [];
      if (!(await Hark.dom.runInSlices(allButtons(document, targets, s), s))) return tooBig('changeButtonStyle');
      targets = await inViewFirst(targets, s);
    }
    const ch = change('changeButtonStyle', !!color && !keepExact);
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
    const planned = await Hark.dom.eachInSlices(targets, (el) => {
      styleOne(el, ch.set);
      if (labels.length < 10) labels.push(cut(accessibleName(el), 60));
    }, s);
    // Re-rendered buttons: all of them, or the ones with the same kind and name as the targets.
    const named = refs && refs.length ? new Set(targets.map((el) => `${el.tagName}|${accessibleName(el)}`)) : null;
    ch.extendWith(function* (root, set, slices) {
      const found = [];
      yield* allButtons(root, found, slices);
      for (const el of found) if (!named || named.has(`${el.tagName}|${accessibleName(el)}`)) styleOne(el, set);
    });
    const { changed, left, readable } = await ch.commit();
    return { ok: true, changed, left: left + targets.length - planned, labels, readable };
  }

  // ---- text zoom: journaled, relative to the page's own sizes ------------------------------------
  const ownSize = new WeakMap(); // element -> { fs, lh } in px before any zoom
  // Sizes are measured before any is written (writes are planned, see change()).
  const zoomIn = (root, set, k, slices) => eachElementIn(root, (el) => {
      if (!CONTROL_TAGS.has(el.tagName) && !Hark.dom.hasOwnText(el)) return;
      let size = ownSize.get(el);
      if (!size) {
        const cs = getComputedStyle(el);
        size = { fs: parseFloat(cs.fontSize) || 16, lh: cs.lineHeight.endsWith('px') ? parseFloat(cs.lineHeight) : null };
        ownSize.set(el, size);
      }
      set(el, 'font-size', `${(size.fs * k).toFixed(2)}px`);
      if (size.lh) set(el, 'line-height', `${(size.lh * k).toFixed(2)}px`);
    }, slices);

  async function zoomText({ scale }) {
    if (!document.body) return { ok: false, error: 'the page has no body' };
    const k = Math.max(0.5, Math.min(3, Number(scale) || 1));
    const ch = change('zoomText');
    const s = slicer(PLAN_BUDGET_MS);
    if (!(await Hark.dom.runInSlices(zoomIn(document.body, ch.set, k, s), s))) return tooBig('zoomText');
    ch.extendWith((root, set, slices) => zoomIn(root, set, k, slices));
    return { ok: true, ...(await ch.commit()) };
  }


  // Diagnostics: what keeping changes through re-renders has cost so far.
  const stats = () => ({
    ok: true,
    keep: { ...keepStats, ms: Math.round(keepStats.ms * 100) / 100, maxMs: Math.round(keepStats.maxMs * 100) / 100 },
    journal: { changes: journal.length, elements: firstSeen.size, entries: journal.reduce((n, e) => n + e.before.size, 0) },
  });
  for (const [name, fn] of Object.entries({ stats, setPageBackground, setTextColor, styleButtons, zoomText, undo, reset })) Hark.executor.register(name, fn);
  // For content/views.js: the journal and the walk.
  Hark.styles = { change, eachElementIn, tooBig, PLAN_BUDGET_MS };
  // How many elements Hark let go of since the last answer (the executor adds it to the next one).
  Hark.takeStyleFights = () => { const n = givenUp; givenUp = 0; return n; };
})();
