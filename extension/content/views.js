// Page views for reading: a theme (dark, light, high contrast, sepia), WCAG 1.4.12 text spacing
// and reduced motion, in one journal entry of styles.js (one undo; carried onto what the page
// renders later). A theme recolors what the page paints (backgrounds, text, borders) from each
// color's own hue, never with a filter, so images, video, canvas and icons keep their pixels;
// content/readable.js then recolors any text the new colors leave hard to read.
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
  if (Hark.views || !Hark.styles || !Hark.executor) return;
  const { change, eachElementIn, tooBig, PLAN_BUDGET_MS } = Hark.styles;
  const { parseColor, slicer, hasOwnText } = Hark.dom;

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
    return c.a < 1 ? `rgba(${r}, ${g}, ${b}, ${c.a})` : `rgb(${r}, ${g}, ${b})`;
  }

  // How each theme maps a painted surface (`ground`), a text color and a border, and the canvas.
  const THEMES = {
    dark: {
      scheme: 'dark',
      canvas: 'rgb(24, 26, 27)',
      ground: (h, s, l) => [h, s * 0.6, l >= 0.5 ? 0.09 + (1 - l) * 0.3 : Math.min(l, 0.3)],
      text: (h, s, l) => [h, s * 0.8, l < 0.6 ? 0.92 - l * 0.35 : l],
      border: (h, s) => [h, s * 0.5, 0.3],
    },
    light: {
      scheme: 'light',
      canvas: 'rgb(255, 255, 255)',
      ground: (h, s, l) => [h, s * 0.6, l < 0.5 ? 0.97 - l * 0.25 : Math.max(l, 0.9)],
      text: (h, s, l) => [h, s, l > 0.4 ? 0.12 + (1 - l) * 0.25 : l],
      border: (h, s) => [h, s * 0.5, 0.8],
    },
    'high-contrast': {
      scheme: 'dark',
      canvas: 'rgb(0, 0, 0)',
      ground: () => [0, 0, 0],
      text: () => [0, 0, 1],
      link: 'rgb(255, 255, 0)',
      border: () => [0, 0, 1],
    },
    sepia: {
      scheme: 'light',
      canvas: 'rgb(244, 236, 216)',
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

  // `inherited`: element -> its computed color, for the walk (parents come before children). Most
  // elements inherit their color: only where the page sets its own does the theme write one, and
  // the rest inherit the mapped color (on a large page, most of the writes saved).
  function themeOne(el, tag, theme, set, inherited) {
    if (isPicture(el, tag)) return;
    const cs = getComputedStyle(el);
    const image = cs.backgroundImage;
    // Gradients are paint like a color; pictures (url()) stay.
    if (image !== 'none' && !image.includes('url(')) set(el, 'background-image', 'none');
    const bg = parseColor(cs.backgroundColor);
    if (bg && bg.a > 0) set(el, 'background-color', mapped(theme.ground, bg));
    // Read once: each read of a computed style is a DOM call (in Firefox's content scripts, a
    // dear one).
    const color = cs.color;
    const parent = el.parentElement;
    const own = !parent || inherited.get(parent) !== color;
    inherited.set(el, color);
    const fg = parseColor(color);
    if (theme.link && tag === 'A') set(el, 'color', theme.link);
    else if (fg && own) set(el, 'color', mapped(theme.text, fg));
    // Most elements have no border: one read says so for all four sides.
    if (cs.borderStyle === 'none') return;
    for (const side of ['top', 'right', 'bottom', 'left']) {
      if (!(parseFloat(cs.getPropertyValue(`border-${side}-width`)) > 0)) continue;
      const c = parseColor(cs.getPropertyValue(`border-${side}-color`));
      if (c && c.a > 0) set(el, `border-${side}-color`, mapped(theme.border, c));
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
    const ch = change(`changePageView${name ? ' ' + name : ''}`, !!theme);
    const styleOne = (el, tag, set, inherited) => {
      if (theme) themeOne(el, tag, theme, set, inherited);
      if (textSpacing) spaceOne(el, tag, set);
      if (reducedMotion) stillOne(el, set, counts);
    };
    const html = document.documentElement;
    if (theme) {
      ch.set(html, 'background-color', theme.canvas);
      ch.set(html, 'color-scheme', theme.scheme);
    }
    const s = slicer(PLAN_BUDGET_MS);
    const walked = new Map();
    if (!(await Hark.dom.runInSlices(eachElementIn(document.body, (el, tag) => styleOne(el, tag, ch.set, walked), s), s))) return tooBig('changePageView');
    walked.clear();
    // A new subtree gets a map of its own: its root writes its color (mapping an already mapped
    // color changes little: each theme's text mapping settles on its own colors).
    ch.extendWith((root, set, slices) => {
      const seen = new Map();
      return eachElementIn(root, (el, tag) => styleOne(el, tag, set, seen), slices);
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
    const unclipped = textSpacing ? unclip(document.body, ch.write) : 0;
    // `ms`: the page's own time, for the session's page timings (theme-bench).
    return { ok: true, ...out, animations: counts.animations, paused, unclipped, ms: Math.round((performance.now() - t0) * 10) / 10 };
  }

  Hark.executor.register('setView', setView);
  Hark.views = true;
})();
