// Readable text after Hark's color changes (WCAG 1.4.3): every visible text run keeps a contrast
// of at least 4.5:1 against what is painted behind it, 3:1 for large text (24px, or 18.66px bold).
// Text that falls short gets the nearest color of its own hue that reads: darker on a light
// ground, lighter on a dark one. Computed from computed styles: the ground is the element's own
// background or its nearest painted ancestor's, blended where translucent; behind an image or a
// gradient it is not knowable from styles, and that text is left as it is (and counted).
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
  if (Hark.readable || !Hark.dom) return;
  const { parseColor, visible, cut, hasOwnText } = Hark.dom;

  const WHITE = { r: 255, g: 255, b: 255, a: 1 };
  const BLACK = { r: 0, g: 0, b: 0, a: 1 };
  const NORMAL = 4.5, LARGE = 3;
  // A fixed color aims a little above the line, so rounding to whole channels never lands below it.
  const MARGIN = 0.15;

  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  // Kept on the color: a theme checks thousands of elements against the same few colors.
  const luminance = (c) => c.lum ?? (c.lum = 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b));
  function contrast(a, b) {
    const x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  // `top` painted over the opaque `under`.
  const over = (top, under) => (top.a >= 1 ? top : {
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const mix = (a, b, t) => ({ r: Math.round(a.r + (b.r - a.r) * t), g: Math.round(a.g + (b.g - a.g) * t), b: Math.round(a.b + (b.b - a.b) * t), a: 1 });
  // A color as CSS writes it (translucent ones keep their alpha).
  const css = ({ r, g, b, a }) => {
    const rgb = `${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)}`;
    return a < 1 ? `rgba(${rgb}, ${a})` : `rgb(${rgb})`;
  };

  // The nearest color to `fg` (mixed toward black or white, whichever the ground favors) with at
  // least `need` contrast on `ground`; the extreme itself when nothing less reaches it.
  function readableOn(fg, ground, need) {
    const toward = contrast(BLACK, ground) >= contrast(WHITE, ground) ? BLACK : WHITE;
    const goal = need + MARGIN;
    if (contrast(toward, ground) <= goal) return toward;
    let lo = 0, hi = 1;
    for (let i = 0; i < 14; i++) {
      const mid = (lo + hi) / 2;
      if (contrast(mix(fg, toward, mid), ground) >= goal) hi = mid;
      else lo = mid;
    }
    return mix(fg, toward, hi);
  }

  // The element that paints behind `el`: its parent in the rendered (flat) tree.
  const behind = (el) => el.assignedSlot || el.parentElement || /** @type {any} */ (el.parentNode)?.host || null;

  // What is painted behind `el`'s text (opaque), or null when an image or gradient is there.
  // `cache` (element -> ground) is shared by one pass: siblings share their ancestors' answer.
  // `own`: el's computed style, when the caller has it already.
  function groundOf(el, cache, own = null) {
    const todo = [];
    let base = WHITE; // the canvas, where nothing is painted
    for (let e = el; e; e = behind(e)) {
      if (cache.has(e)) { base = cache.get(e); break; }
      todo.push(e);
    }
    for (let i = todo.length - 1; i >= 0; i--) {
      const e = todo[i];
      if (base) {
        const cs = e === el && own ? own : getComputedStyle(e);
        if (cs.backgroundImage !== 'none') base = null;
        else {
          const bg = parseColor(cs.backgroundColor);
          if (bg && bg.a > 0) base = over(bg, base);
        }
      }
      cache.set(e, base);
    }
    return base;
  }

  // Fields show their value as text; these inputs show none.
  const NO_TEXT_INPUTS = new Set(['checkbox', 'radio', 'range', 'color', 'file', 'image', 'hidden']);
  const FIELD_TAGS = new Set(['INPUT', 'SELECT', 'TEXTAREA']);
  function ownText(el, tag = el.tagName) {
    if (FIELD_TAGS.has(tag)) return tag !== 'INPUT' || !NO_TEXT_INPUTS.has(/** @type {HTMLInputElement} */ (el).type);
    return hasOwnText(el);
  }

  // A new report for one pass (what the answer tells the model).
  const report = () => ({ checked: 0, adjusted: 0, unknown: 0, examples: [] });

  // Text of `el` in `fg` over the opaque `ground`: when its contrast is under the line for its size
  // and it is visible text, plans the nearest color that reads (set(el, 'color', value)), counts
  // it in `out` and answers the new color; null when it reads already. `cs`: el's computed style,
  // read only when the contrast is low (large text needs less).
  function keepLegible(el, tag, fg, ground, set, out, cs = null) {
    const seen = over(fg, ground);
    const ratio = contrast(seen, ground);
    // Enough for any text (the font is not read), or no text a person sees.
    if (ratio >= NORMAL || !ownText(el, tag) || !visible(el)) return null;
    cs ??= getComputedStyle(el);
    const size = parseFloat(cs.fontSize) || 16;
    const large = size >= 24 || (size >= 18.66 && (parseInt(cs.fontWeight, 10) || 400) >= 700);
    const need = large ? LARGE : NORMAL;
    if (ratio >= need) return null;
    const fixed = readableOn(seen, ground, need);
    set(el, 'color', css(fixed));
    out.adjusted++;
    if (out.examples.length < 5) {
      const text = cut((el.textContent || /** @type {any} */ (el).value || '').trim().replace(/\s+/g, ' '), 40);
      out.examples.push({ tag: el.tagName.toLowerCase(), text, was: css(seen), now: css(fixed), ground: css(ground), ratio: Math.round(ratio * 10) / 10, need });
    }
    return fixed;
  }

  // Plans `color` for each visible text element under `root` (root included) whose contrast is
  // too low: set(el, 'color', value). A generator: yields when its slice is used up. Reads only.
  function* plan(root, set, slices, out = report()) {
    if (!root || root.nodeType !== 1) return out;
    const cache = new Map();
    const consider = (el, tag) => {
      if (!ownText(el, tag) || !visible(el)) return;
      out.checked++;
      const cs = getComputedStyle(el);
      const ground = groundOf(el, cache, cs);
      if (!ground) { out.unknown++; return; }
      const fg = parseColor(cs.color);
      if (fg && fg.a > 0) keepLegible(el, tag, fg, ground, set, out, cs);
    };
    yield* Hark.dom.eachElementIn(root, consider, slices, true);
    return out;
  }

  Hark.readable = { plan, report, contrast, readableOn, keepLegible, ownText, over, css, NORMAL };
})();
