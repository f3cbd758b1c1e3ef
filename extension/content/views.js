// Page views for reading: a theme (dark, light, high contrast, sepia), WCAG 1.4.12 text spacing
// and reduced motion, in one journal entry of styles.js (one undo; carried onto what the page
// renders later). A theme recolors what the page paints (backgrounds, text, borders) from each
// color's own hue, never with a filter, so images, video, canvas and icons keep their pixels;
// content/readable.js then recolors any text the new colors leave hard to read.
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
  if (Hark.views || !Hark.styles || !Hark.executor || !Hark.readable) return;
  const { change, eachElementIn, tooBig, PLAN_BUDGET_MS } = Hark.styles;
  const { parseColor, slicer, hasOwnText, visible } = Hark.dom;
  const readable = Hark.readable;

  // ---- colors: HSL (h in degrees, s and l in 0..1) ------------------------------------------------
  function toHsl({ r, g, b }) {
    r /= 255; g /= 255; b /= 255;
    const max = Math.max(r, g, b), min = Math.min(r, g, b), l = (max + min) / 2;
    if (max === min) return [0, 0, l];
    const d = max - min;
    const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
    const h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    return [h * 60, s, l];
  }
  function fromHsl([h, s, l]) {
    const k = (n) => (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    const f = (n) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
    return [f(0), f(8), f(4)].map((v) => Math.round(Math.max(0, Math.min(1, v)) * 255));
  }
  // `fn` maps [h, s, l] to the theme's; the color's own alpha stays.
  function mapped(fn, c) {
    const [r, g, b] = fromHsl(fn(...toHsl(c)));
    return { r, g, b, a: c.a };
  }
  const { css } = readable; // a color as CSS writes it
  const sameColor = (x, y) => x.r === y.r && x.g === y.g && x.b === y.b && Math.abs(x.a - y.a) < 0.01;

  // How each theme maps a painted surface (`ground`), a text color and a border, and the canvas.
  const THEMES = {
    dark: {
      scheme: 'dark',
      canvas: { r: 24, g: 26, b: 27, a: 1 },
      ground: (h, s, l) => [h, s * 0.6, l >= 0.5 ? 0.09 + (1 - l) * 0.3 : Math.min(l, 0.3)],
      text: (h, s, l) => [h, s * 0.8, l < 0.6 ? 0.92 - l * 0.35 : l],
      border: (h, s) => [h, s * 0.5, 0.3],
    },
    light: {
      scheme: 'light',
      canvas: { r: 255, g: 255, b: 255, a: 1 },
      ground: (h, s, l) => [h, s * 0.6, l < 0.5 ? 0.97 - l * 0.25 : Math.max(l, 0.9)],
      text: (h, s, l) => [h, s, l > 0.4 ? 0.12 + (1 - l) * 0.25 : l],
      border: (h, s) => [h, s * 0.5, 0.8],
    },
    'high-contrast': {
      scheme: 'dark',
      canvas: { r: 0, g: 0, b: 0, a: 1 },
      ground: () => [0, 0, 0],
      text: () => [0, 0, 1],
      link: { r: 255, g: 255, b: 0, a: 1 },
      border: () => [0, 0, 1],
    },
    sepia: {
      scheme: 'light',
      canvas: { r: 244, g: 236, b: 216, a: 1 },
      ground: (_h, _s, l) => (l >= 0.5 ? [40, 0.55, 0.9 + (l - 0.5) * 0.1] : [30, 0.3, Math.min(l, 0.25)]),
      text: (_h, _s, l) => (l < 0.6 ? [28, 0.35, 0.2 + l * 0.1] : [40, 0.4, Math.max(l, 0.85)]),
      border: () => [35, 0.3, 0.75],
    },
  };

  const SVG_NS = 'http://www.w3.org/2000/svg';
  // What keeps its own pixels in every view.
  const PICTURES = new Set(['IMG', 'VIDEO', 'CANVAS', 'PICTURE', 'IFRAME', 'OBJECT', 'EMBED', 'AUDIO']);
  // Only SVG and MathML elements have lower-case tag names: HTML ones need no namespace read.
  const isPicture = (el, tag = el.tagName) => PICTURES.has(tag) || (tag.charCodeAt(0) >= 97 && el.namespaceURI === SVG_NS);

  // What a theme knows of each element it walked, before anything is written: `was`, the color the
  // page computes for it (a string); `fg`, the color its text will show; `ground`, the opaque color
  // that will be painted behind it (null: a picture is there, or not known).
  const UNKNOWN = { was: null, fg: null, ground: null };

  // The element whose color `el` inherits and on which it is painted: its parent in the rendered
  // (flat) tree. `parent`, `slotted`: as the walk found it (eachElementIn).
  const flatParent = (el, parent, slotted) => (slotted && el.assignedSlot) || parent;

  // One element of a theme. Most elements inherit their color: only where the page sets its own
  // does the theme write one, and the rest inherit the mapped color (on a large page, most of the
  // writes saved). `walked`: element -> what the theme knows of it (parents come before children).
  // `check` (the first pass): text whose new colors would be hard to read is recolored in the same
  // plan, from the colors the theme is about to write, so nothing needs reading after the writes
  // but `check.unsure`: elements that compute their parent's color, which the page may set
  // explicitly (then it stays as it is) or leave to inheritance (then it follows the parent's).
  function themeOne(el, tag, parent, slotted, pal, set, walked, check) {
    if (isPicture(el, tag)) return;
    const cs = getComputedStyle(el);
    const image = cs.backgroundImage;
    const pictured = image !== 'none' && image.includes('url(');
    // Gradients are paint like a color; pictures (url()) stay.
    if (image !== 'none' && !pictured) set(el, 'background-image', 'none');
    const paint = pal.ground(cs.backgroundColor);
    if (paint) set(el, 'background-color', paint.css);
    // Read once: each read of a computed style is a DOM call (in Firefox's content scripts, a
    // dear one).
    const color = cs.color;
    const up = walked.get(flatParent(el, parent, slotted)) ?? UNKNOWN;
    const own = up.was !== color;
    const text = pal.text(color);
    let next = null;
    if (pal.link && tag === 'A') next = pal.link;
    else if (own) next = text.next;
    if (next) set(el, 'color', next.css);
    const under = up.ground;
    const ground = pictured ? null : !paint ? under : paint.a >= 1 ? paint : under && readable.over(paint, under);
    const me = { was: color, fg: next ?? (own ? text.fg : up.fg), ground };
    walked.set(el, me);
    if (check) checkOne(el, tag, cs, me, !next && !own ? text.fg : null, set, check);
    // Most elements have no border: one read says so for all four sides.
    if (cs.borderStyle === 'none') return;
    for (const side of ['top', 'right', 'bottom', 'left']) {
      if (!(parseFloat(cs.getPropertyValue(`border-${side}-width`)) > 0)) continue;
      const c = pal.border(cs.getPropertyValue(`border-${side}-color`));
      if (c) set(el, `border-${side}-color`, c.css);
    }
  }

  // What a theme turns each of the page's colors into, worked out once per color: a page paints
  // thousands of elements in a few dozen colors, and parsing and mapping each one again was a
  // good part of a theme's own time per element. The colors carry their CSS text (`css`).
  function palette(theme) {
    const withCss = (c) => Object.assign(c, { css: css(c) });
    const once = (fn) => {
      const known = new Map();
      return (value) => {
        let v = known.get(value);
        if (v === undefined) {
          // Bounded: a page that paints each of its cells in a color of its own keeps no
          // thousands of them for as long as the view lasts.
          if (known.size >= 1024) known.clear();
          known.set(value, (v = fn(value)));
        }
        return v;
      };
    };
    return {
      // A computed background-color's paint in the theme; null where nothing is painted.
      ground: once((value) => {
        const bg = parseColor(value);
        return bg && bg.a > 0 ? withCss(mapped(theme.ground, bg)) : null;
      }),
      // A computed color: `fg` as the page has it, `next` the theme's (null: not a color).
      text: once((value) => {
        const fg = parseColor(value);
        return { fg, next: fg ? withCss(mapped(theme.text, fg)) : null };
      }),
      border: once((value) => {
        const c = parseColor(value);
        return c && c.a > 0 ? withCss(mapped(theme.border, c)) : null;
      }),
      link: theme.link ? withCss({ ...theme.link }) : null,
    };
  }

  // The contrast of `el`'s text in the colors the theme will give it (`me`). `page`: the page's
  // own color, when el may keep it (it computes its parent's color and the theme writes none).
  function checkOne(el, tag, cs, me, page, set, { report, unsure }) {
    if (!me.ground) {
      if (readable.ownText(el, tag) && visible(el)) report.unknown++;
      return;
    }
    if (!me.fg || me.fg.a === 0) return;
    report.checked++;
    const fixed = readable.keepLegible(el, tag, me.fg, me.ground, set, report, cs);
    if (fixed) me.fg = fixed;
    // Written now: it shows that color whatever the page says. Otherwise, when the page's own
    // color would not read here, the page is asked after the writes which one it shows.
    // The check reads the computed style made here (live; why it is kept: page.js styleOf).
    else if (page && !sameColor(page, me.fg) && readable.contrast(readable.over(page, me.ground), me.ground) < readable.NORMAL) unsure.push({ el, tag, cs, me });
  }

  // After the writes: each unsure element's color as the page now computes it; where the page
  // kept its own and it does not read, the nearest that does. A generator, like the plan.
  function* checkUnsure(unsure, pal, set, slices, report) {
    for (const { el, tag, cs, me } of unsure) {
      const now = pal.text(cs.color).fg;
      if (now && now.a > 0 && !sameColor(now, me.fg)) readable.keepLegible(el, tag, now, me.ground, set, report, cs);
      if (slices?.due()) yield;
    }
  }

  // WCAG 1.4.12's four, relative to each element's own font size.
  function spaceOne(el, tag, set) {
    if (!hasOwnText(el) || isPicture(el, tag)) return;
    set(el, 'line-height', '1.5');
    set(el, 'letter-spacing', '0.12em');
    set(el, 'word-spacing', '0.16em');
    if (tag === 'P') set(el, 'margin-bottom', '2em');
  }

  function stillOne(el, set, counts) {
    const cs = getComputedStyle(el);
    if (cs.animationName && cs.animationName !== 'none') {
      set(el, 'animation', 'none');
      counts.animations++;
    }
    // Every element Hark writes to gets `transition: none` (styles.js); these get nothing else.
    else if (cs.transitionDuration && cs.transitionDuration.split(',').some((d) => parseFloat(d) > 0)) set(el, 'transition', 'none');
  }

  // Spaced text must not be cut off: a box that clips its overflow and now holds more than it
  // shows is opened (after the writes: it needs the new layout).
  function unclip(root, write) {
    let n = 0;
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (isPicture(el) || (el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1)) continue;
      const cs = getComputedStyle(el);
      if (!/hidden|clip/.test(cs.overflowY + cs.overflowX) || !el.textContent.trim()) continue;
      write(el, 'overflow', 'visible');
      write(el, 'max-height', 'none');
      n++;
    }
    return n;
  }

  async function setView({ theme: name, textSpacing, reducedMotion }) {
    const t0 = performance.now();
    if (!document.body) return { ok: false, error: 'the page has no body' };
    const theme = name ? THEMES[name] : null;
    if (name && !theme) return { ok: false, error: `there is no ${name} theme` };
    const counts = { animations: 0 };
    const ch = change(`changePageView${name ? ' ' + name : ''}`, !!theme, true);
    // The first pass checks contrast as it plans (themeOne); re-rendered parts get the whole
    // contrast pass after their writes (styles.js).
    const check = theme ? { report: readable.report(), unsure: [] } : null;
    const pal = theme && palette(theme);
    const styleOne = (el, tag, parent, slotted, set, known, checking) => {
      if (pal) themeOne(el, tag, parent, slotted, pal, set, known, checking);
      if (textSpacing) spaceOne(el, tag, set);
      if (reducedMotion) stillOne(el, set, counts);
    };
    const html = document.documentElement;
    const walked = new Map();
    if (theme) {
      ch.set(html, 'background-color', css(theme.canvas));
      ch.set(html, 'color-scheme', theme.scheme);
      walked.set(html, { was: null, fg: null, ground: theme.canvas });
    }
    const s = slicer(PLAN_BUDGET_MS);
    // Into shadow roots: what web components show is themed like the rest.
    if (!(await Hark.dom.runInSlices(eachElementIn(document.body, (el, tag, parent, slotted) => styleOne(el, tag, parent, slotted, ch.set, walked, check), s, !!theme), s))) return tooBig('changePageView');
    if (check) {
      ch.checkWith((set, slices, report) => {
        Object.assign(report, check.report);
        return checkUnsure(check.unsure, pal, set, slices, report);
      });
    }
    // A new subtree gets a map of its own: its root writes its color (mapping an already mapped
    // color changes little: each theme's text mapping settles on its own colors).
    ch.extendWith((root, set, slices) => {
      const seen = new Map();
      return eachElementIn(root, (el, tag, parent, slotted) => styleOne(el, tag, parent, slotted, set, seen, null), slices, !!theme);
    });
    // Playing media and script-driven animations pause; undo plays them again.
    let paused = 0;
    if (reducedMotion) {
      const stopped = [];
      for (const m of document.querySelectorAll('video, audio')) {
        const media = /** @type {HTMLMediaElement} */ (m);
        if (!media.paused) { media.pause(); stopped.push(media); }
      }
      for (const a of document.getAnimations?.() ?? []) {
        if (a.playState === 'running' && !(globalThis.CSSAnimation && a instanceof CSSAnimation) && !(globalThis.CSSTransition && a instanceof CSSTransition)) {
          a.pause();
          stopped.push(a);
        }
      }
      paused = stopped.filter((x) => 'currentSrc' in x).length;
      counts.animations += stopped.length - paused;
      ch.onUndo(() => { for (const x of stopped) x.play()?.catch?.(() => {}); });
    }
    const out = await ch.commit();
    walked.clear();
    const unclipped = textSpacing ? unclip(document.body, ch.write) : 0;
    // `ms`: the page's own time, for the session's page timings (theme-bench).
    return { ok: true, ...out, animations: counts.animations, paused, unclipped, ms: Math.round((performance.now() - t0) * 10) / 10 };
  }

  Hark.executor.register('setView', setView);
  Hark.views = true;
})();
