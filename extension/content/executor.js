// Hark's DOM executor: primitives only. It answers page commands from the extension (see
// wasm-core/src/page.rs for the protocol) and never decides anything itself: which color, which
// button and how to phrase results are the WASM core's job. Commands arrive only through
// chrome.runtime.onMessage (content/main.js); nothing the page does can reach these functions.
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || {});
  if (Hark.executor) return;

  // ---- refs: stable per element, never written into the page ---------------------------------
  // Each document gets its own id; commands carrying refs name the document they came from, so a
  // ref from before a navigation is reported stale instead of hitting whatever is e12 now.
  const DOC_ID = 'd' + Math.random().toString(36).slice(2, 10);
  const otherDocument = (doc) => doc && doc !== DOC_ID
    ? { ok: false, error: 'those refs are from an earlier version of the page (it navigated or reloaded since getPageHTML). Call getPageHTML again for fresh refs.' }
    : null;
  const elementOfRef = new Map(); // "e12" -> WeakRef(element)
  const refOfElement = new WeakMap(); // element -> "e12"
  let nextRef = 1;
  function refFor(el) {
    let r = refOfElement.get(el);
    if (!r) {
      r = 'e' + nextRef++;
      refOfElement.set(el, r);
      elementOfRef.set(r, new WeakRef(el));
    }
    return r;
  }
  function elementFor(ref) {
    const el = elementOfRef.get(String(ref).replace(/^\[|\]$/g, ''))?.deref();
    return el && el.isConnected ? el : null;
  }
  const staleError = (ref) =>
    elementOfRef.has(ref)
      ? `ref ${ref} is stale: that element is no longer on the page. Call getPageHTML again for fresh refs.`
      : `ref ${ref} is unknown on this page (refs come from getPageHTML and change after navigation). Call getPageHTML first.`;

  const isOverlay = (el) => el === Hark.overlayHost;

  // ---- what elements are ----------------------------------------------------------------------
  const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META', 'LINK', 'TITLE', 'svg', 'SVG', 'CANVAS', 'VIDEO', 'AUDIO', 'OBJECT', 'EMBED', 'MAP', 'PICTURE', 'SOURCE', 'TRACK', 'BR', 'HR', 'WBR']);
  const TEXT_BLOCKS = new Set(['P', 'LI', 'TD', 'TH', 'DD', 'DT', 'BLOCKQUOTE', 'FIGCAPTION', 'CAPTION', 'PRE', 'LEGEND', 'ADDRESS']);
  const INLINE = new Set(['A', 'ABBR', 'B', 'BDI', 'BDO', 'CITE', 'CODE', 'DATA', 'DFN', 'EM', 'FONT', 'I', 'IMG', 'KBD', 'MARK', 'Q', 'S', 'SAMP', 'SMALL', 'SPAN', 'STRONG', 'SUB', 'SUP', 'TIME', 'U', 'VAR', 'BR', 'WBR', 'LABEL', 'INS', 'DEL']);
  const INTERACTIVE_ROLES = new Set(['link', 'button', 'textbox', 'searchbox', 'checkbox', 'radio', 'combobox', 'listbox', 'slider', 'spinbutton', 'switch', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'treeitem', 'clickable']);
  const LANDMARK_TAGS = { NAV: 'navigation', MAIN: 'main', ASIDE: 'complementary', DIALOG: 'dialog', SEARCH: 'search' };
  const LANDMARK_ROLES = new Set(['banner', 'navigation', 'main', 'contentinfo', 'complementary', 'search', 'form', 'region', 'dialog']);
  const BUTTON_SELECTOR = 'button, input[type=button], input[type=submit], input[type=reset], input[type=image], [role=button], a, summary';

  function roleOf(el) {
    const explicit = (el.getAttribute('role') || '').trim().split(/\s+/)[0].toLowerCase();
    if (explicit && explicit !== 'none' && explicit !== 'presentation' && explicit !== 'generic') return explicit;
    const tag = el.tagName;
    switch (tag) {
      case 'A': return el.hasAttribute('href') ? 'link' : (el.hasAttribute('onclick') || el.tabIndex >= 0 && el.hasAttribute('tabindex') ? 'clickable' : '');
      case 'BUTTON': case 'SUMMARY': return 'button';
      case 'SELECT': return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
      case 'TEXTAREA': return 'textbox';
      case 'INPUT': {
        const t = (el.type || 'text').toLowerCase();
        if (['button', 'submit', 'reset', 'image', 'file'].includes(t)) return 'button';
        if (t === 'checkbox') return el.getAttribute('switch') !== null ? 'switch' : 'checkbox';
        if (t === 'radio') return 'radio';
        if (t === 'range') return 'slider';
        if (t === 'number') return 'spinbutton';
        if (t === 'search') return 'searchbox';
        if (t === 'hidden') return '';
        return 'textbox';
      }
      case 'H1': case 'H2': case 'H3': case 'H4': case 'H5': case 'H6': return 'heading';
      case 'HEADER': return el.closest('article, aside, main, nav, section') ? '' : 'banner';
      case 'FOOTER': return el.closest('article, aside, main, nav, section') ? '' : 'contentinfo';
      case 'FORM': return el.getAttribute('aria-label') || el.getAttribute('name') ? 'form' : '';
      case 'SECTION': return el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ? 'region' : '';
    }
    if (LANDMARK_TAGS[tag]) return LANDMARK_TAGS[tag];
    if (el.isContentEditable && el.getAttribute('contenteditable') !== null) return 'textbox';
    if (el.hasAttribute('onclick') || (el.hasAttribute('tabindex') && el.tabIndex >= 0)) return 'clickable';
    return '';
  }

  // Values that must never leave the page.
  const SENSITIVE_NAME = /(card|cc)[-_ ]?(num|number|no\b)|cardnumber|\bcvv|\bcvc|\bcsc\b|security[-_ ]?code|\biban\b|\bssn\b|one[-_ ]?time|\botp\b|passw|passcode|\bpin\b/i;
  function isSensitive(el) {
    if (el.closest('[data-hark-private], [data-private]')) return true;
    if (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA' && el.tagName !== 'SELECT') return false;
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (type === 'password' || type === 'hidden') return true;
    const ac = (el.getAttribute('autocomplete') || '').toLowerCase();
    if (/\bcc-|one-time-code|current-password|new-password/.test(ac)) return true;
    const hints = [el.name, el.id, el.getAttribute('aria-label'), el.getAttribute('placeholder')].join(' ');
    return SENSITIVE_NAME.test(hints);
  }

  const PRIVATE = '[data-hark-private], [data-private]';
  const isPrivate = (el) => el.matches(PRIVATE);

  // Card-number-like digit runs (13-19 digits passing the Luhn check) never leave the page.
  function luhn(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = +digits[digits.length - 1 - i];
      if (i % 2) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }
  const CARDISH = /\b\d(?:[ -]?\d){12,18}\b/g;
  function redactCards(text) {
    return text.replace(CARDISH, (m) => { const d = m.replace(/\D/g, ''); return d.length >= 13 && luhn(d) ? '[card number hidden]' : m; });
  }
  const looksLikeCard = (v) => redactCards(v) !== v;

  const squash = (s) => redactCards((s || '').replace(/\s+/g, ' ').trim());
  const cut = (s, n) => (s.length > n ? s.slice(0, n) : s);

  function textOf(el, max = 400) {
    return cut(squash(el.textContent), max);
  }

  // The text a person sees in a block: hidden parts and controls (listed on their own) left out;
  // inline links stay so sentences read whole.
  const CONTROL_TAGS = new Set(['BUTTON', 'INPUT', 'SELECT', 'TEXTAREA']);
  function visibleText(block, max = 400) {
    let out = '';
    const stack = [block];
    while (stack.length && out.length < max * 1.5) {
      const node = stack.pop();
      for (let c = node.lastChild; c; c = c.previousSibling) {
        if (c.nodeType === 3) { stack.push(c); continue; }
        if (c.nodeType !== 1 || SKIP_TAGS.has(c.tagName) || CONTROL_TAGS.has(c.tagName) || isOverlay(c) || isPrivate(c)) continue;
        const role = c.getAttribute('role');
        if (role === 'button' || !visible(c)) continue;
        stack.push(c);
      }
      if (node.nodeType === 3) out += node.data;
      else if (node !== block && !INLINE.has(node.tagName)) out += ' ';
    }
    return cut(squash(out), max);
  }

  function accessibleName(el) {
    const labelledby = el.getAttribute('aria-labelledby');
    if (labelledby) {
      const root = el.getRootNode();
      const t = labelledby.split(/\s+/).map((id) => root.getElementById?.(id) || document.getElementById(id)).filter(Boolean).map((n) => squash(n.textContent)).join(' ');
      if (t) return t;
    }
    const aria = squash(el.getAttribute('aria-label'));
    if (aria) return aria;
    const tag = el.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') {
      const t = (el.type || '').toLowerCase();
      if (['button', 'submit', 'reset'].includes(t)) return squash(el.value) || (t === 'submit' ? 'Submit' : t === 'reset' ? 'Reset' : '');
      if (t === 'image') return squash(el.alt || el.title) || 'Submit';
      const labels = el.labels ? Array.from(el.labels).map((l) => squash(l.textContent)).filter(Boolean).join(' ') : '';
      if (labels) return labels;
      return squash(el.getAttribute('placeholder') || el.title || el.name || '');
    }
    let t = visibleText(el, 200);
    if (!t) {
      const img = el.querySelector('img[alt], svg[aria-label], [title]');
      t = squash(img?.getAttribute('alt') || img?.getAttribute('aria-label') || img?.getAttribute('title'));
    }
    return t || squash(el.title) || iconHint(el);
  }

  // Icon-only controls: say what the icon or the id suggests ("search", "sidebar toggle").
  function iconHint(el) {
    const icon = el.querySelector('[class*="fa-"], [class*="icon-"], [class*="bi-"]');
    const m = icon && /(?:^|\s)(?:fa|icon|bi)-(?!fw\b|lg\b|sm\b|xs\b|2x\b|3x\b)([a-z0-9-]+)/i.exec(String(icon.className));
    if (m) return m[1].replace(/-/g, ' ');
    if (el.id) return el.id.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]+/g, ' ').toLowerCase();
    return '';
  }

  function fieldValue(el, role) {
    if (role === 'combobox' || role === 'listbox') {
      if (el.tagName === 'SELECT') return squash(Array.from(el.selectedOptions || []).map((o) => o.textContent).join(', '));
      return undefined;
    }
    if (role === 'textbox' || role === 'searchbox' || role === 'spinbutton' || role === 'slider') {
      if ('value' in el && typeof el.value === 'string') return cut(el.value, 200);
      if (el.isContentEditable) return textOf(el, 200);
    }
    return undefined;
  }

  function parseColor(c) {
    const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)/.exec(c || '');
    if (!m) return null;
    let a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: +m[1], g: +m[2], b: +m[3], a };
  }

  function looksLikeButton(el) {
    if (el.tagName !== 'A') return true;
    for (const c of el.classList) if (/^(btn|button)$|^(btn|button)[-_]|[-_](btn|button)$/i.test(c)) return true;
    if (el.getAttribute('role') === 'button') return true;
    // Computed look: a padded box with its own background or border.
    const cs = getComputedStyle(el);
    if (cs.display === 'inline') return false;
    const padded = parseFloat(cs.paddingLeft) >= 4 && parseFloat(cs.paddingTop) >= 2;
    const bg = parseColor(cs.backgroundColor);
    const filled = (bg && bg.a > 0.05) || cs.backgroundImage !== 'none';
    const bordered = parseFloat(cs.borderTopWidth) >= 1 && cs.borderTopStyle !== 'none' && parseFloat(cs.borderLeftWidth) >= 1;
    return padded && (filled || bordered);
  }

  function isButton(el, role) {
    if (role === 'button') return true;
    if (role === 'link' || role === 'clickable') return el.tagName === 'A' && looksLikeButton(el);
    return false;
  }

  function visible(el) {
    if (el.hidden || el.getAttribute('aria-hidden') === 'true' || el.inert) return false;
    if (el.checkVisibility) {
      if (el.checkVisibility({ visibilityProperty: true })) return true;
      return getComputedStyle(el).display === 'contents';
    }
    const cs = getComputedStyle(el);
    return cs.display !== 'none' && cs.visibility !== 'hidden';
  }

  function inView(el, vw, vh) {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < vh && r.left < vw;
  }

  // ---- collect: one walk over the DOM ---------------------------------------------------------
  function collect({ buttonsOnly = false, maxNodes = 6000 } = {}) {
    const started = performance.now();
    const nodes = [];
    const vw = innerWidth, vh = innerHeight;
    let truncated = false;

    // Off-view text is cut short here already (the core shortens it anyway): smaller messages.
    function push(n) {
      if (nodes.length >= maxNodes) { truncated = true; return false; }
      if (!n.inView) {
        delete n.inView;
        if (n.role === 'text' && n.name.length > 120) n.name = n.name.slice(0, 120);
      }
      nodes.push(n);
      return true;
    }

    function visitChildren(parent, inText, frameVisible) {
      const kids = parent.shadowRoot ? parent.shadowRoot.children : parent.children;
      for (const child of kids) {
        if (truncated) return;
        if (child.tagName === 'SLOT') {
          for (const s of child.assignedElements({ flatten: true })) visit(s, inText, frameVisible);
          if (!child.assignedElements().length) visitChildren(child, inText, frameVisible);
        } else visit(child, inText, frameVisible);
      }
    }

    function visit(el, inText, frameVisible) {
      if (SKIP_TAGS.has(el.tagName) || isOverlay(el)) return;
      if (!visible(el)) return;
      if (isPrivate(el) && !buttonsOnly) {
        push({ role: 'text', name: '(private content, hidden by request)', inView: frameVisible && inView(el, vw, vh) });
        return;
      }
      if (el.tagName === 'IFRAME' || el.tagName === 'FRAME') {
        let doc = null;
        try { doc = el.contentDocument; } catch (_) { doc = null; }
        if (doc && doc.body) visitChildren(doc.body, false, frameVisible && inView(el, vw, vh));
        return;
      }
      const role = roleOf(el);
      if (role === 'heading' && !buttonsOnly) {
        const level = +(el.getAttribute('aria-level') || el.tagName.slice(1)) || 2;
        const name = visibleText(el, 200);
        if (name && !push({ role, name, level, inView: frameVisible && inView(el, vw, vh) })) return;
        if (el.querySelector('a[href], button, input, select, textarea, [role=button], [role=link]')) visitChildren(el, true, frameVisible);
        return;
      }
      if (INTERACTIVE_ROLES.has(role)) {
        const button = isButton(el, role);
        if (!buttonsOnly || button) {
          const n = { ref: refFor(el), role, name: cut(accessibleName(el), 160), inView: frameVisible && inView(el, vw, vh) };
          if (button) n.button = true;
          const sensitive = isSensitive(el);
          if (sensitive) n.sensitive = true;
          if (el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')) n.checked = !!el.checked;
          else if (el.hasAttribute('aria-checked')) n.checked = el.getAttribute('aria-checked') === 'true';
          if (el.hasAttribute('aria-expanded')) n.expanded = el.getAttribute('aria-expanded') === 'true';
          else if (el.tagName === 'SUMMARY' && el.parentElement?.tagName === 'DETAILS') n.expanded = el.parentElement.open;
          if (el.hasAttribute('aria-selected')) n.selected = el.getAttribute('aria-selected') === 'true';
          if (el.disabled || el.getAttribute('aria-disabled') === 'true') n.disabled = true;
          if (!sensitive) {
            const v = fieldValue(el, role);
            if (v && looksLikeCard(v)) n.sensitive = true;
            else if (v) n.value = v;
          }
          if (!push(n)) return;
        }
        // Generic clickables can hold content of their own; real controls speak through their name.
        if (role === 'clickable') visitChildren(el, inText, frameVisible);
        return;
      }
      if (!buttonsOnly) {
        if (LANDMARK_ROLES.has(role)) {
          push({ role, name: squash(el.getAttribute('aria-label')), inView: frameVisible && inView(el, vw, vh) });
        } else if (!inText) {
          let block = TEXT_BLOCKS.has(el.tagName);
          let direct = '';
          if (!block) {
            let allInline = true;
            for (const c of el.childNodes) {
              if (c.nodeType === 3) direct += c.data;
              else if (c.nodeType === 1 && !INLINE.has(c.tagName)) allInline = false;
            }
            direct = squash(direct);
            block = direct.length > 0 && allInline;
          }
          if (block) {
            const name = visibleText(el);
            if (name) push({ role: 'text', name, inView: frameVisible && inView(el, vw, vh) });
            inText = true;
          } else if (direct) {
            push({ role: 'text', name: cut(direct, 400), inView: frameVisible && inView(el, vw, vh) });
          }
        }
      }
      visitChildren(el, inText, frameVisible);
    }

    if (document.body) visitChildren(document.body, false, true);
    const se = document.scrollingElement || document.documentElement;
    return {
      ok: true,
      docId: DOC_ID,
      url: location.href,
      title: document.title,
      viewport: { width: vw, height: vh },
      scrollY: scrollY,
      scrollHeight: se ? se.scrollHeight : vh,
      nodes,
      truncated,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  // ---- html: one element, sensitive values removed --------------------------------------------
  const DROP_IN_HTML = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'LINK', 'META']);
  function html({ ref, selector, maxChars = 8000, doc }) {
    if (ref && otherDocument(doc)) return otherDocument(doc);
    let el = null;
    if (ref) {
      el = elementFor(ref);
      if (!el) return { ok: false, error: staleError(ref) };
    } else if (selector) {
      try { el = document.querySelector(selector); } catch (e) { return { ok: false, error: `'${selector}' is not a valid CSS selector` }; }
      if (!el) return { ok: false, error: `no element matches the selector '${selector}'` };
    } else {
      el = document.documentElement;
    }
    if (isOverlay(el)) return { ok: false, error: 'that element belongs to Hark' };
    const originals = [el, ...el.querySelectorAll('*')];
    const clone = el.cloneNode(true);
    const copies = [clone, ...clone.querySelectorAll('*')];
    // Walk both trees in step: sensitivity is judged on the live element.
    for (let i = copies.length - 1; i >= 0; i--) {
      const o = originals[i], c = copies[i];
      if (isOverlay(o) || DROP_IN_HTML.has(o.tagName)) { c.remove(); continue; }
      if (o.tagName === 'svg') { c.replaceChildren(); continue; }
      if ((o.tagName === 'INPUT' || o.tagName === 'TEXTAREA' || o.tagName === 'SELECT') && isSensitive(o)) {
        if ((o.getAttribute('type') || '').toLowerCase() === 'hidden') { c.remove(); continue; }
        c.removeAttribute('value');
        if (o.tagName === 'TEXTAREA') c.textContent = '';
        c.setAttribute('data-hark', 'value-hidden');
      } else if ((o.tagName === 'INPUT' || o.tagName === 'TEXTAREA') && looksLikeCard(o.getAttribute('value') || o.value || '')) {
        c.removeAttribute('value');
        if (o.tagName === 'TEXTAREA') c.textContent = '';
        c.setAttribute('data-hark', 'value-hidden');
      } else if (o.closest(PRIVATE)) {
        c.replaceChildren();
        c.setAttribute('data-hark', 'private');
      }
      for (const a of Array.from(c.attributes)) if (/^on/i.test(a.name) || a.name === 'style' && a.value.length > 200) c.removeAttribute(a.name);
    }
    const text = redactCards(clone.outerHTML);
    const truncated = text.length > maxChars;
    return { ok: true, html: truncated ? text.slice(0, maxChars) : text, truncated, totalChars: text.length };
  }

  // ---- the journal: every style change can be undone exactly ---------------------------------
  const journal = []; // [{ op, before: Map(element -> style attribute or null) }]
  const firstSeen = new Map(); // element -> its style attribute before Hark touched it

  function change(op) {
    const before = new Map();
    return {
      set(el, prop, value) {
        if (!before.has(el)) {
          const prev = el.getAttribute('style');
          before.set(el, prev);
          if (!firstSeen.has(el)) firstSeen.set(el, prev);
        }
        // CSSOM, not the style attribute: page CSPs do not block it. No transition, so the page
        // shows the new look at once (and computed styles agree right away).
        el.style.setProperty('transition', 'none', 'important');
        el.style.setProperty(prop, value, 'important');
      },
      commit() {
        if (before.size) journal.push({ op, before });
        return before.size;
      },
    };
  }

  function restoreStyle(el, prev) {
    // Chromium serializes CSSOM changes into the attribute lazily; without this read, the pending
    // serialization would bring back style="" after removeAttribute.
    el.getAttribute('style');
    if (prev === null) { el.removeAttribute('style'); return; }
    el.setAttribute('style', prev);
    // A strict style-src CSP ignores a style attribute set from script; CSSOM still applies it.
    if (prev.includes(':') && !el.style.cssText) el.style.cssText = prev;
  }

  function undo() {
    const last = journal.pop();
    if (!last) return { ok: true, undone: null, remaining: 0 };
    for (const [el, prev] of last.before) restoreStyle(el, prev);
    return { ok: true, undone: last.op, remaining: journal.length };
  }

  function reset() {
    for (const [el, prev] of firstSeen) restoreStyle(el, prev);
    const restored = firstSeen.size;
    firstSeen.clear();
    journal.length = 0;
    return { ok: true, restored };
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
    // Every other element painting the same color (wrappers, panels, cards of that color).
    if (body) {
      for (const el of body.querySelectorAll('*')) {
        if (SKIP_TAGS.has(el.tagName) || isOverlay(el)) continue;
        const p = paintOf(el);
        if (!p || p.key !== dominant) continue;
        paint(el);
        // A search box that looked like the page keeps looking like it, and stays readable.
        if (textColor && isControl(el)) ch.set(el, 'color', textColor);
      }
    }
    return { ok: true, changed: ch.commit(), from: dominant };
  }

  // ---- text color --------------------------------------------------------------------------------
  const TEXT_TAGS = new Set(['A', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'P', 'LI', 'TD', 'TH', 'SPAN', 'LABEL', 'DT', 'DD', 'BLOCKQUOTE', 'FIGCAPTION', 'CAPTION', 'SMALL', 'STRONG', 'EM', 'B', 'I', 'CODE', 'PRE', 'CITE', 'Q', 'TIME', 'ABBR', 'MARK', 'U', 'SUP', 'SUB', 'LEGEND', 'SUMMARY', 'ADDRESS', 'DIV']);

  function setTextColor({ color }) {
    if (!document.body) return { ok: false, error: 'the page has no body' };
    const ch = change('changeTextColor');
    ch.set(document.body, 'color', color);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT, {
      acceptNode(el) {
        if (SKIP_TAGS.has(el.tagName) || isOverlay(el)) return NodeFilter.FILTER_REJECT;
        // Buttons and fields keep their own readable colors (changeButtonStyle handles buttons).
        if (el.matches('button, input, select, textarea, [role=button], .btn, .badge')) return NodeFilter.FILTER_REJECT;
        if (el.tagName === 'A' && looksLikeButton(el)) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      },
    });
    for (let el = walker.nextNode(); el; el = walker.nextNode()) {
      let hasText = false;
      for (const c of el.childNodes) if (c.nodeType === 3 && c.data.trim()) { hasText = true; break; }
      if (hasText || (TEXT_TAGS.has(el.tagName) && el.tagName !== 'DIV' && el.tagName !== 'SPAN')) ch.set(el, 'color', color);
    }
    return { ok: true, changed: ch.commit() };
  }

  // ---- buttons -----------------------------------------------------------------------------------
  function allButtons() {
    const out = [];
    for (const el of document.querySelectorAll(BUTTON_SELECTOR)) {
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
    const labels = [];
    for (const el of targets) {
      const cs = getComputedStyle(el);
      if (fontPx || scale) {
        const cur = parseFloat(cs.fontSize) || 16;
        const next = fontPx || cur * scale;
        const k = next / cur;
        ch.set(el, 'font-size', `${next.toFixed(2)}px`);
        for (const side of ['top', 'right', 'bottom', 'left']) {
          const p = parseFloat(cs.getPropertyValue(`padding-${side}`)) || 0;
          ch.set(el, `padding-${side}`, `${(p * k).toFixed(2)}px`);
        }
        // Fixed-size round buttons (icon circles) grow with their text.
        if (el.className && /circle|icon/i.test(String(el.className))) {
          ch.set(el, 'width', `${(parseFloat(cs.width) * k).toFixed(2)}px`);
          ch.set(el, 'height', `${(parseFloat(cs.height) * k).toFixed(2)}px`);
        }
      }
      if (color) {
        ch.set(el, 'background-color', color);
        ch.set(el, 'background-image', 'none');
        ch.set(el, 'border-color', color);
        if (textColor) ch.set(el, 'color', textColor);
      }
      if (labels.length < 10) labels.push(cut(accessibleName(el), 60));
    }
    return { ok: true, changed: targets.length && ch.commit() ? targets.length : 0, labels };
  }

  // ---- entry point -------------------------------------------------------------------------------
  const COMMANDS = { collect, html, setPageBackground, setTextColor, styleButtons, undo, reset };

  function execute(command) {
    const fn = command && COMMANDS[command.op];
    if (!fn) return { ok: false, error: `the page executor does not know '${command && command.op}'` };
    try {
      return fn(command);
    } catch (e) {
      return { ok: false, error: `the page failed: ${e && e.message ? e.message : e}` };
    }
  }

  Hark.executor = { execute };
})();
