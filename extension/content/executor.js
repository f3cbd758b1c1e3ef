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
    const r = String(ref).replace(/^\[|\]$/g, '');
    // "#12": the element showLabels numbered 12 (content/marks.js).
    const el = r.startsWith('#') ? Hark.marks?.numbered(+r.slice(1)) : elementOfRef.get(r)?.deref();
    return el && el.isConnected ? el : null;
  }
  const staleError = (ref) =>
    String(ref).startsWith('#')
      ? Hark.marks?.numberError(+String(ref).slice(1)) || `there is no element numbered ${ref}; call showLabels first`
      : elementOfRef.has(ref)
      ? `ref ${ref} is stale: that element is no longer on the page. Call getPageHTML again for fresh refs.`
      : `ref ${ref} is unknown on this page (refs come from getPageHTML and change after navigation). Call getPageHTML first.`;

  // Hark's own elements (the overlay, the labels and highlights layer) are never part of the page.
  const isOverlay = (el) => el === Hark.overlayHost || el === Hark.marksHost;

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
    if (explicit && explicit !== 'none' && explicit !== 'presentation' && explicit !== 'generic') {
      // A button that opens a list of options is a drop-down to the person (select-only combobox).
      if (explicit === 'button' && el.getAttribute('aria-haspopup') === 'listbox') return 'combobox';
      return explicit;
    }
    const tag = el.tagName;
    if (tag === 'BUTTON' && el.getAttribute('aria-haspopup') === 'listbox') return 'combobox';
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
  // 13-digit cards are Visa (they start with 4); 978/979 and 13 digits is a book's ISBN.
  const isbn13 = (d) => d.length === 13 && /^97[89]/.test(d);
  const CARDISH = /\b\d(?:[ -]?\d){12,18}\b/g;
  function redactCards(text) {
    return text.replace(CARDISH, (m) => { const d = m.replace(/\D/g, ''); return d.length >= 13 && !isbn13(d) && luhn(d) ? '[card number hidden]' : m; });
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
  // `withButtons`: for a name from content (accname), a nested button's text is part of it;
  // field values never are.
  function visibleText(block, max = 400, withButtons = false) {
    let out = '';
    const stack = [block];
    while (stack.length && out.length < max * 1.5) {
      const node = stack.pop();
      for (let c = node.lastChild; c; c = c.previousSibling) {
        if (c.nodeType === 3) { stack.push(c); continue; }
        if (c.nodeType !== 1 || SKIP_TAGS.has(c.tagName) || isOverlay(c) || isPrivate(c)) continue;
        if (CONTROL_TAGS.has(c.tagName) && !(withButtons && c.tagName === 'BUTTON')) continue;
        if ((!withButtons && c.getAttribute('role') === 'button') || !visible(c)) continue;
        stack.push(c);
      }
      // Whitespace collapsed as it comes: indentation must not use up the length limit.
      if (node.nodeType === 3) out += node.data.replace(/\s+/g, ' ');
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
      // An icon button (empty value) is better named by its title ("Search") than "Submit".
      if (['button', 'submit', 'reset'].includes(t)) return squash(el.value) || squash(el.title) || (t === 'submit' ? 'Submit' : t === 'reset' ? 'Reset' : '');
      if (t === 'image') return squash(el.alt || el.title) || 'Submit';
      // The label's own words: a field inside it (a textarea's text) is not part of its name.
      const labels = el.labels ? Array.from(el.labels).map((l) => visibleText(l, 200)).filter(Boolean).join(' ') : '';
      if (labels) return labels;
      return squash(el.getAttribute('placeholder') || el.title || el.name || '');
    }
    let t = visibleText(el, 200, true);
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
        // A heading people can click or focus (a section toggle) is also an element to act on.
        const acts = el.hasAttribute('onclick') || (el.hasAttribute('tabindex') && el.tabIndex >= 0);
        const n = { role, name, level, sectionRef: refFor(el), inView: frameVisible && inView(el, vw, vh) };
        if (acts) n.ref = n.sectionRef;
        if (name && !push(n)) return;
        if (el.querySelector('a[href], button, input, select, textarea, [role=button], [role=link]')) visitChildren(el, true, frameVisible);
        return;
      }
      if (INTERACTIVE_ROLES.has(role)) {
        const button = isButton(el, role);
        let name = '';
        if (!buttonsOnly || button) {
          name = cut(accessibleName(el), 160);
          const n = { ref: refFor(el), role, name, inView: frameVisible && inView(el, vw, vh) };
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
        // When the name already says all of the content (a formula, a card title), only the
        // controls and headings inside are listed, not the same words again piece by piece.
        if (role === 'clickable') {
          const said = name !== '' && name === visibleText(el, 400, true);
          visitChildren(el, inText || said, frameVisible);
        }
        return;
      }
      if (!buttonsOnly) {
        if (LANDMARK_ROLES.has(role)) {
          push({ role, name: squash(el.getAttribute('aria-label')), inView: frameVisible && inView(el, vw, vh) });
        } else if (!inText) {
          // A MathML formula reads as one line, not a line per symbol.
          let block = TEXT_BLOCKS.has(el.tagName) || el.localName === 'math';
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
            // Out of view the core keeps only a short preview: read no more than that.
            const shown = frameVisible && inView(el, vw, vh);
            const name = visibleText(el, shown ? 400 : 120);
            if (name) push({ role: 'text', name, inView: shown });
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
        // Hidden inputs go entirely, unless asked for by themselves (then their value goes).
        if ((o.getAttribute('type') || '').toLowerCase() === 'hidden' && c !== clone) { c.remove(); continue; }
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
    // Comments are not what the person sees (and cost tokens).
    const comments = document.createTreeWalker(clone, NodeFilter.SHOW_COMMENT);
    const drop = [];
    for (let c = comments.nextNode(); c; c = comments.nextNode()) drop.push(c);
    for (const c of drop) c.remove();
    const text = redactCards(clone.outerHTML);
    const truncated = text.length > maxChars;
    return { ok: true, html: truncated ? text.slice(0, maxChars) : text, truncated, totalChars: text.length };
  }

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

  // The page rewrote an element's style attribute: put Hark's properties back. When none of them
  // survived, the page replaced the attribute wholesale: its new value is what undo restores.
  function restyle(el) {
    const mine = journal.filter((e) => e.sets.has(el));
    const lost = (e) => [...e.sets.get(el)].some(([p, v]) => el.style.getPropertyValue(p) !== v || el.style.getPropertyPriority(p) !== 'important');
    if (!mine.some(lost)) return;
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

  // ---- actions: small DOM primitives, each answering what it did or why it could not ---------
  // Resolve a ref for an action: stale-safe like every ref command.
  function actionTarget(ref, doc) {
    const other = otherDocument(doc);
    if (other) return { error: other };
    const el = elementFor(ref);
    if (!el) return { error: { ok: false, error: staleError(ref) } };
    if (isOverlay(el)) return { error: { ok: false, error: 'that element belongs to Hark' } };
    return { el };
  }
  const describe = (el) => ({ label: cut(accessibleName(el), 80), role: roleOf(el) || el.tagName.toLowerCase() });
  const isDisabled = (el) => !!(el.disabled || el.closest('[aria-disabled="true"], fieldset[disabled]') || el.inert);

  function reveal(el) {
    const r = el.getBoundingClientRect();
    if (!(r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth)) el.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });
  }

  // A link or form that will load another document (the answer goes out before it unloads).
  let leaving = false;
  addEventListener('beforeunload', () => { leaving = true; }, true);
  const navigatingNow = () => leaving || (globalThis.navigation?.transition != null);

  function mouse(el, type) {
    const r = el.getBoundingClientRect();
    const init = { bubbles: true, cancelable: true, composed: true, view: window, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, button: 0, buttons: type.endsWith('down') ? 1 : 0 };
    const E = type.startsWith('pointer') && globalThis.PointerEvent ? PointerEvent : MouseEvent;
    el.dispatchEvent(new E(type, type.startsWith('pointer') ? { ...init, pointerId: 1, pointerType: 'mouse', isPrimary: true } : init));
  }

  // Whether a click on `el` follows a link to another document (decided by the click event's fate).
  function followsLink(el, ev) {
    const a = el.closest('a[href]');
    if (!a || !ev || ev.defaultPrevented) return false;
    if (a.target && a.target !== '_self' && a.target !== '_top' && a.target !== '_parent') return false;
    try {
      const to = new URL(a.href, location.href);
      if (!/^https?:$/.test(to.protocol)) return false;
      const here = new URL(location.href);
      return to.href.split('#')[0] !== here.href.split('#')[0] || !to.hash;
    } catch (_) { return false; }
  }

  function clickEl(el) {
    const startUrl = location.href;
    reveal(el);
    for (const t of ['pointerover', 'mouseover', 'pointerdown', 'mousedown']) mouse(el, t);
    if (typeof el.focus === 'function') el.focus({ preventScroll: true });
    for (const t of ['pointerup', 'mouseup']) mouse(el, t);
    let ev = null;
    const seen = (e) => { ev = e; };
    addEventListener('click', seen);
    try { el.click(); } finally { removeEventListener('click', seen); }
    return followsLink(el, ev) || navigatingNow() || location.href !== startUrl;
  }

  // The other origin a form would send this page's data to (null: same origin or no form). `el`
  // is the submit button clicked, or the field Enter is pressed in.
  function formLeavesOrigin(el) {
    let form = null, action = null;
    const b = el.closest && el.closest('button, input');
    if (b && b.form) {
      const type = (b.getAttribute('type') || (b.tagName === 'BUTTON' ? 'submit' : 'text')).toLowerCase();
      if (b.tagName === 'BUTTON' || type === 'submit' || type === 'image') {
        if (type !== 'submit' && type !== 'image') return null;
        form = b.form;
        action = b.hasAttribute('formaction') ? b.formAction : null;
      } else if (TEXT_INPUT_TYPES.has(type)) {
        form = b.form; // a field: Enter submits its form
      }
    }
    if (!form) return null;
    try {
      const u = new URL(action || form.action || location.href, location.href);
      return /^https?:$/.test(u.protocol) && u.origin !== location.origin ? u : null;
    } catch (_) { return null; }
  }

  // Held for the person's yes: the core asks them and re-sends the command with `confirmed`.
  function askToSend(to, done) {
    return { ok: false, needsConfirmation: true, question: `Allow: send this form to ${to.origin}?`, error: `${done}sending this form to another site (${to.origin}) needs the person's own confirmation, not just this call` };
  }

  function click({ ref, doc, confirmed }) {
    const { el, error } = actionTarget(ref, doc);
    if (error) return error;
    const d = describe(el);
    if (isDisabled(el)) return { ok: false, error: `the "${d.label}" ${d.role} is disabled: it cannot be clicked now` };
    const away = !confirmed && formLeavesOrigin(el);
    if (away && !el.closest('input:not([type=submit]):not([type=image])')) return askToSend(away, '');
    const navigating = clickEl(el);
    return { ok: true, ...d, navigating };
  }

  const TEXT_INPUT_TYPES = new Set(['', 'text', 'email', 'search', 'tel', 'url', 'password', 'number']);
  function setNativeValue(el, value) {
    const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : el.tagName === 'SELECT' ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
    if (setter) setter.call(el, value); else el.value = value;
  }

  function fillField(el, text, submit) {
    reveal(el);
    el.focus({ preventScroll: true });
    if (el.isContentEditable && el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA') {
      const sel = getSelection();
      sel.selectAllChildren(el);
      if (!document.execCommand('insertText', false, text)) el.textContent = text;
    } else {
      el.dispatchEvent(new InputEvent('beforeinput', { bubbles: true, cancelable: true, composed: true, inputType: 'insertReplacementText', data: text }));
      setNativeValue(el, text);
      el.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertReplacementText', data: text }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }
    let navigating = false;
    if (submit) navigating = pressOn(el, 'Enter', 'Enter').navigating;
    return navigating;
  }

  function typeText({ ref, text, submit, doc, confirmed }) {
    const { el, error } = actionTarget(ref, doc);
    if (error) return error;
    const d = describe(el);
    const type = (el.getAttribute('type') || '').toLowerCase();
    const editable = el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && TEXT_INPUT_TYPES.has(type)) || el.isContentEditable;
    if (!editable) return { ok: false, error: `the "${d.label}" ${d.role} is not a text field; use click, selectOption or setChecked for it` };
    if (isDisabled(el) || el.readOnly) return { ok: false, error: `the "${d.label}" field is ${el.readOnly ? 'read-only' : 'disabled'}: nothing can be typed into it` };
    if (isSensitive(el) && !confirmed) {
      const name = d.label || 'this field';
      return { ok: false, needsConfirmation: true, question: `Allow: type into ${name}?`, error: `typing into "${name}" (a password, card or one-time-code field) needs the person's own confirmation, not just this call` };
    }
    const away = submit && !confirmed && formLeavesOrigin(el);
    const navigating = fillField(el, String(text), !!submit && !away);
    if (away) return askToSend(away, `Typed the text into "${d.label}", but `);
    return { ok: true, ...d, navigating };
  }

  // ---- keys: the events, then the key's usual effect unless the page prevented it --------------
  const KEY_CODES = { Enter: 13, Escape: 27, Tab: 9, ' ': 32, Backspace: 8, ArrowUp: 38, ArrowDown: 40, ArrowLeft: 37, ArrowRight: 39, PageUp: 33, PageDown: 34, Home: 36, End: 35 };
  const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable=""], [contenteditable=true]';

  function pressOn(el, key, code) {
    const startUrl = location.href;
    const init = { key, code, keyCode: KEY_CODES[key] || 0, which: KEY_CODES[key] || 0, bubbles: true, cancelable: true, composed: true, view: window };
    const go = el.dispatchEvent(new KeyboardEvent('keydown', init));
    if (go && (key === 'Enter' || key === ' ')) el.dispatchEvent(new KeyboardEvent('keypress', { ...init, charCode: KEY_CODES[key] }));
    let effect = null;
    if (go) effect = keyEffect(el, key);
    el.dispatchEvent(new KeyboardEvent('keyup', init));
    return { effect, navigating: navigatingNow() || location.href !== startUrl };
  }

  function keyEffect(el, key) {
    const tag = el.tagName;
    const type = (el.getAttribute && (el.getAttribute('type') || '').toLowerCase()) || '';
    const page = el === document.body || el === document.documentElement || !el.tagName;
    if (key === 'Enter') {
      if (tag === 'INPUT' && el.form && !['button', 'checkbox', 'radio', 'submit', 'reset', 'image'].includes(type)) {
        el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
        return 'submitted the form';
      }
      if (tag === 'A' || tag === 'BUTTON' || tag === 'SUMMARY' || (tag === 'INPUT' && ['button', 'submit', 'reset', 'image'].includes(type)) || el.getAttribute?.('role') === 'button') {
        el.click();
        return 'activated it';
      }
      return null;
    }
    if (key === ' ') {
      if (tag === 'BUTTON' || tag === 'SUMMARY' || (tag === 'INPUT' && ['button', 'submit', 'reset', 'checkbox', 'radio'].includes(type)) || ['button', 'checkbox', 'switch', 'radio'].includes(el.getAttribute?.('role'))) {
        el.click();
        return 'activated it';
      }
      if (page) { scrollBy({ top: innerHeight * 0.85, behavior: 'instant' }); return 'scrolled down a screen'; }
      return null;
    }
    if (key === 'Tab') {
      const all = Array.from(document.querySelectorAll(FOCUSABLE)).filter((e) => !isOverlay(e) && !e.disabled && e.tabIndex >= 0 && visible(e));
      const i = all.indexOf(el);
      const next = all[i + 1] || all[0];
      if (next) { next.focus(); return `moved focus to "${cut(accessibleName(next), 60)}"`; }
      return null;
    }
    if (tag === 'SELECT' && (key === 'ArrowDown' || key === 'ArrowUp')) {
      const i = Math.max(0, Math.min(el.options.length - 1, el.selectedIndex + (key === 'ArrowDown' ? 1 : -1)));
      if (i !== el.selectedIndex) {
        el.selectedIndex = i;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
        return `chose "${squash(el.options[i].textContent)}"`;
      }
      return null;
    }
    if (page) {
      const step = { ArrowDown: 40, ArrowUp: -40, PageDown: innerHeight * 0.85, PageUp: -innerHeight * 0.85 }[key];
      if (step) { scrollBy({ top: step, behavior: 'instant' }); return 'scrolled the page'; }
      if (key === 'Home') { scrollTo({ top: 0, behavior: 'instant' }); return 'scrolled to the top'; }
      if (key === 'End') { scrollTo({ top: document.scrollingElement.scrollHeight, behavior: 'instant' }); return 'scrolled to the bottom'; }
    }
    if (key === 'Escape' && document.activeElement && document.activeElement !== document.body && el === document.activeElement && el.closest('dialog[open]')) {
      el.closest('dialog[open]').close?.();
      return 'closed the dialog';
    }
    return null;
  }

  function pressKey({ key, code, ref, doc, confirmed }) {
    let el;
    if (ref) {
      const t = actionTarget(ref, doc);
      if (t.error) return t.error;
      el = t.el;
      if (isDisabled(el)) return { ok: false, error: 'that element is disabled' };
      reveal(el);
      if (typeof el.focus === 'function') el.focus({ preventScroll: true });
    } else {
      el = document.activeElement && !isOverlay(document.activeElement) ? document.activeElement : document.body;
    }
    const away = !confirmed && key === 'Enter' && el.tagName === 'INPUT' && formLeavesOrigin(el);
    if (away) return askToSend(away, '');
    const { effect, navigating } = pressOn(el, key, code);
    const d = ref || (el !== document.body && el !== document.documentElement) ? describe(el) : {};
    return { ok: true, ...d, effect, navigating };
  }

  // ---- choices ----------------------------------------------------------------------------------
  function selectOption({ ref, option, doc }) {
    const { el, error } = actionTarget(ref, doc);
    if (error) return error;
    const d = describe(el);
    if (el.tagName !== 'SELECT') return selectCustom(el, option, d);
    if (isDisabled(el)) return { ok: false, error: `the "${d.label}" list is disabled` };
    const want = squash(option).toLowerCase();
    const opts = Array.from(el.options).filter((o) => !o.disabled);
    const text = (o) => squash(o.label || o.textContent).toLowerCase();
    const found = opts.find((o) => text(o) === want) || opts.find((o) => o.value.toLowerCase() === want) || opts.find((o) => text(o).startsWith(want)) || opts.find((o) => want && text(o).includes(want));
    if (!found) {
      const names = opts.slice(0, 20).map((o) => `"${squash(o.textContent)}"`).join(', ');
      return { ok: false, error: `the "${d.label}" list has no option "${option}"; its options: ${names}` };
    }
    reveal(el);
    el.focus({ preventScroll: true });
    if (el.multiple) found.selected = true;
    else setNativeValue(el, found.value);
    found.selected = true;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return { ok: true, ...d, option: squash(found.textContent) };
  }

  // A drop-down built from ARIA (a combobox or button opening a listbox): open it as a person
  // would, then click the option whose text matches.
  function optionsOf(el) {
    const root = el.getRootNode();
    const byId = (id) => root.getElementById?.(id) || document.getElementById(id);
    const ids = `${el.getAttribute('aria-controls') || ''} ${el.getAttribute('aria-owns') || ''}`.trim().split(/\s+/).filter(Boolean);
    const lists = roleOf(el) === 'listbox' ? [el] : ids.map(byId).filter(Boolean);
    const scope = lists.length ? lists : [document];
    return scope.flatMap((l) => Array.from(l.querySelectorAll('[role=option]'))).filter((o) => visible(o) && o.getAttribute('aria-disabled') !== 'true');
  }

  function selectCustom(el, option, d) {
    const role = roleOf(el);
    if (role !== 'combobox' && role !== 'listbox') return { ok: false, error: `the "${d.label}" ${d.role} is not a drop-down list; click it, then click the option` };
    if (isDisabled(el)) return { ok: false, error: `the "${d.label}" list is disabled` };
    let opts = optionsOf(el);
    if (!opts.length && role === 'combobox') { clickEl(el); opts = optionsOf(el); }
    if (!opts.length) return { ok: false, error: `the "${d.label}" list showed no options; call getPageHTML to see what opened, then click the option` };
    const want = squash(option).toLowerCase();
    const text = (o) => squash(o.textContent).toLowerCase();
    const found = opts.find((o) => text(o) === want) || opts.find((o) => text(o).startsWith(want)) || opts.find((o) => want && text(o).includes(want));
    if (!found) {
      if (role === 'combobox' && el.getAttribute('aria-expanded') === 'true') clickEl(el); // close it again
      return { ok: false, error: `the "${d.label}" list has no option "${option}"; its options: ${opts.slice(0, 20).map((o) => `"${squash(o.textContent)}"`).join(', ')}` };
    }
    clickEl(found);
    return { ok: true, ...d, option: squash(found.textContent) };
  }

  function setChecked({ ref, checked, doc }) {
    const { el, error } = actionTarget(ref, doc);
    if (error) return error;
    const d = describe(el);
    const native = el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio');
    const aria = !native && el.hasAttribute('aria-checked');
    if (!native && !aria) return { ok: false, error: `the "${d.label}" ${d.role} is not a checkbox, switch or radio button; use click for it` };
    if (isDisabled(el)) return { ok: false, error: `the "${d.label}" ${d.role} is disabled` };
    const state = () => (native ? el.checked : el.getAttribute('aria-checked') === 'true');
    if (native && el.type === 'radio' && !checked) return { ok: false, error: `a radio button cannot be unchecked by itself; pick another option of the group instead` };
    if (state() !== !!checked) {
      reveal(el);
      el.click();
      // Hidden custom-styled inputs still toggle on click(); a page that prevents it keeps its state.
      if (native && state() !== !!checked && !el.disabled) {
        el.checked = !!checked;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }
    }
    if (state() !== !!checked) return { ok: false, error: `the page kept the "${d.label}" ${d.role} ${state() ? 'checked' : 'unchecked'}` };
    return { ok: true, ...d, checked: state() };
  }

  // ---- scrolling and navigation -------------------------------------------------------------------
  function scrollable(el) {
    const cs = getComputedStyle(el);
    return /(auto|scroll|overlay)/.test(cs.overflowY) && el.scrollHeight > el.clientHeight + 1;
  }

  function scroll({ direction, screens = 1, ref, doc }) {
    let el = null;
    if (ref) {
      const t = actionTarget(ref, doc);
      if (t.error) return t.error;
      el = t.el;
    }
    const se = document.scrollingElement || document.documentElement;
    if (el && !direction) {
      el.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });
      return { ok: true, ...describe(el), scrollY: Math.round(scrollY), scrollHeight: se.scrollHeight };
    }
    // Inside an element: it, or its nearest scrollable ancestor.
    let box = null;
    for (let e = el; e && e !== document.body && e !== document.documentElement; e = e.parentElement) if (scrollable(e)) { box = e; break; }
    const h = box ? box.clientHeight : innerHeight;
    const top = { up: -h * 0.85 * screens, down: h * 0.85 * screens }[direction];
    const scroller = box || window;
    const before = box ? box.scrollTop : scrollY;
    if (direction === 'top') scroller.scrollTo({ top: 0, behavior: 'instant' });
    else if (direction === 'bottom') scroller.scrollTo({ top: (box || se).scrollHeight, behavior: 'instant' });
    else scroller.scrollBy({ top, behavior: 'instant' });
    const after = box ? box.scrollTop : scrollY;
    const d = box ? describe(box) : {};
    if (Math.abs(after - before) < 1) {
      const where = box ? `the "${d.label}" element` : 'the page';
      return { ok: false, error: `${where} did not scroll ${direction}: it is already at the ${direction === 'up' || direction === 'top' ? 'top' : 'bottom'} (or cannot scroll)` };
    }
    return { ok: true, ...d, scrollY: Math.round(after), scrollHeight: box ? box.scrollHeight : se.scrollHeight };
  }

  function navigate({ history: step, url, confirmed }) {
    if (typeof step === 'number') {
      if (step === 0) location.reload();
      else history.go(step);
      return { ok: true, url: location.href };
    }
    let target;
    try { target = new URL(String(url), location.href); } catch (_) { return { ok: false, error: `'${url}' is not a valid address` }; }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return { ok: false, error: `Hark opens only http and https addresses, not ${target.protocol}` };
    // Another site with data in the address (query or fragment) could carry this page's data away.
    if (!confirmed && target.origin !== location.origin && (target.search.length > 1 || target.hash.length > 1)) {
      return { ok: false, needsConfirmation: true, question: `Allow: open ${target.origin} with data in the address (${cut(target.search + target.hash, 80)})?`, error: `opening another site (${target.origin}) with data in its address needs the person's own confirmation, not just this call` };
    }
    location.assign(target.href);
    return { ok: true, url: target.href };
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

  // ---- entry point -------------------------------------------------------------------------------
  // Diagnostics: what keeping changes through re-renders has cost so far.
  const stats = () => ({ ok: true, keep: { ...keepStats, ms: Math.round(keepStats.ms * 100) / 100, maxMs: Math.round(keepStats.maxMs * 100) / 100 } });
  const COMMANDS = { stats, collect, html, setPageBackground, setTextColor, styleButtons, undo, reset, click, typeText, pressKey, selectOption, setChecked, scroll, navigate, zoomText };

  function execute(command) {
    const fn = command && COMMANDS[command.op];
    if (!fn) return { ok: false, error: `the page executor does not know '${command && command.op}'` };
    try {
      return fn(command);
    } catch (e) {
      return { ok: false, error: `the page failed: ${e && e.message ? e.message : e}` };
    }
  }

  // An element of Hark's own on the page: a closed shadow root styled by `css`, the host styled
  // through CSSOM (`hostStyle` pairs), so the page's CSP and styles cannot touch either.
  function ownHost(tag, hostStyle, css) {
    const host = document.createElement(tag);
    for (const [k, v] of [['all', 'initial'], ...hostStyle]) host.style.setProperty(k, v, 'important');
    const root = host.attachShadow({ mode: 'closed' });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } catch (_) {
      const style = document.createElement('style');
      style.textContent = css;
      root.append(style);
    }
    return { host, root };
  }

  // Other content-script modules (marks.js, overlay.js) add commands and use the same page model.
  Hark.dom = { ownHost, collect, elementFor, staleError, otherDocument, refFor, visible, isOverlay, isPrivate, squash, cut, redactCards, visibleText, SKIP_TAGS, INLINE, CONTROL_TAGS };
  Hark.executor = { execute, register: (name, fn) => { COMMANDS[name] = fn; } };
})();
