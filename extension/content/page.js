// Hark's page model and command dispatch: refs, what elements are (role, name, visibility,
// sensitivity), the one-walk outline (`collect`) and an element's HTML with sensitive values
// removed. Primitives only: the WASM core decides and words everything (see wasm-core/src/page.rs
// for the protocol). Commands arrive only through chrome.runtime.onMessage (content/main.js);
// nothing the page does can reach these functions. styles.js, actions.js and marks.js add their
// commands through Hark.executor.register and use Hark.dom.
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
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
  // The answer for a ref whose element is not there. `stale`: the ref named an element the page
  // has since removed or replaced (nothing was done), so a fresh listing may find it again (the
  // core's `Plan::OnMatch`); a label number or a ref never handed out here is not.
  function staleAnswer(ref) {
    const r = String(ref);
    if (r.startsWith('#')) return { ok: false, error: Hark.marks?.numberError(+r.slice(1)) || `there is no element numbered ${r}; call showLabels first` };
    if (elementOfRef.has(ref)) return { ok: false, stale: true, error: `ref ${ref} is stale: that element is no longer on the page. Call getPageHTML again for fresh refs.` };
    return { ok: false, error: `ref ${ref} is unknown on this page (refs come from getPageHTML and change after navigation). Call getPageHTML first.` };
  }

  // Hark's own elements (the overlay, the labels and highlights layer) are never part of the page.
  const isOverlay = (el) => el === Hark.overlayHost || el === Hark.marksHost;
  // What every attribute that gives an element one of Hark's looks starts with (styles.js
  // lookSheet); getPageHTML leaves them out.
  const LOOK_ATTRIBUTE = 'data-hark-look';
  // What Hark's observers of the page's DOM watch: every change below a root.
  const WATCH_ALL = { subtree: true, childList: true, attributes: true, characterData: true };

  // An element's shadow root, closed ones included: what a web component shows is on the page
  // like anything else. Browsers give extensions the key (Firefox: openOrClosedShadowRoot in
  // content scripts; Chromium: chrome.dom). Only custom elements are asked: closed roots on
  // built-in elements are rare, and asking the browser for each of 100,000 elements is not free.
  // Only these elements and custom ones can hold a shadow root (DOM's attachShadow list): the
  // rest are not asked at all.
  const extensionApi = globalThis.browser ?? globalThis.chrome;
  const SHADOW_HOSTS = new Set(['ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'BODY', 'DIV', 'FOOTER', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'MAIN', 'NAV', 'P', 'SECTION', 'SPAN']);
  function shadowOf(el, tag = el.tagName) {
    const custom = tag.includes('-');
    if (!custom && !SHADOW_HOSTS.has(tag.toUpperCase())) return null;
    if (el.shadowRoot) return el.shadowRoot;
    if (!custom || isOverlay(el)) return null;
    try {
      if ('openOrClosedShadowRoot' in el) return el.openOrClosedShadowRoot || null;
      return extensionApi?.dom?.openOrClosedShadowRoot?.(el) || null;
    } catch (_) { return null; }
  }

  // ---- what elements are ----------------------------------------------------------------------
  const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META', 'LINK', 'TITLE', 'svg', 'SVG', 'CANVAS', 'VIDEO', 'AUDIO', 'OBJECT', 'EMBED', 'MAP', 'PICTURE', 'SOURCE', 'TRACK', 'BR', 'HR', 'WBR']);
  const TEXT_BLOCKS = new Set(['P', 'LI', 'TD', 'TH', 'DD', 'DT', 'BLOCKQUOTE', 'FIGCAPTION', 'CAPTION', 'PRE', 'LEGEND', 'ADDRESS']);
  const INLINE = new Set(['A', 'ABBR', 'B', 'BDI', 'BDO', 'CITE', 'CODE', 'DATA', 'DFN', 'EM', 'FONT', 'I', 'IMG', 'KBD', 'MARK', 'Q', 'S', 'SAMP', 'SMALL', 'SPAN', 'STRONG', 'SUB', 'SUP', 'TIME', 'U', 'VAR', 'BR', 'WBR', 'LABEL', 'INS', 'DEL']);
  // WAI-ARIA 1.2 widgets a person operates one at a time: each gets a ref. (The composite
  // widgets — grid, menu, radiogroup, tablist, tree — and structure such as tabpanel or row get
  // one only when the page made them focusable or clickable; their items are listed anyway.)
  const INTERACTIVE_ROLES = new Set(['link', 'button', 'textbox', 'searchbox', 'checkbox', 'radio', 'combobox', 'listbox', 'slider', 'spinbutton', 'switch', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'treeitem', 'gridcell', 'scrollbar', 'progressbar', 'clickable']);
  // Roles named by their content (accname 1.2 "name from: contents"); the rest only by an author's
  // label (aria-labelledby, aria-label, the host language's label, title).
  const NAME_FROM_CONTENT = new Set(['link', 'button', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'treeitem', 'gridcell', 'cell', 'row', 'columnheader', 'rowheader', 'heading', 'tooltip', 'combobox', 'clickable', '']);
  // Groups inside an item (a tree item's subtree, a menu item's submenu) are not part of its name.
  const NESTED_GROUPS = new Set(['group', 'tree', 'treegrid', 'grid', 'menu', 'menubar', 'listbox', 'tablist', 'radiogroup', 'dialog']);
  // What can be operated inside another control or a drawing: such a subtree is walked for them.
  const WIDGET_SELECTOR = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [onclick], [tabindex]:not([tabindex="-1"]), [contenteditable=""], [contenteditable=true], ' +
    Array.from(INTERACTIVE_ROLES, (r) => `[role=${r}]`).join(', ');
  const SVG_NS = 'http://www.w3.org/2000/svg';
  // Inside a drawing only the widgets count; these parts are never drawn or read.
  const SVG_UNSEEN = new Set(['title', 'desc', 'defs', 'style', 'script', 'clipPath', 'mask', 'symbol', 'linearGradient', 'radialGradient', 'pattern', 'marker', 'filter', 'metadata']);
  const LANDMARK_TAGS = { NAV: 'navigation', MAIN: 'main', ASIDE: 'complementary', DIALOG: 'dialog', SEARCH: 'search' };
  const LANDMARK_ROLES = new Set(['banner', 'navigation', 'main', 'contentinfo', 'complementary', 'search', 'form', 'region', 'dialog']);
  const BUTTON_SELECTOR = 'button, input[type=button], input[type=submit], input[type=reset], input[type=image], [role=button], a, summary';

  // Every attribute question about one element asked of one list, read in one DOM call. In
  // Firefox's content scripts each DOM call costs more than the check itself (measured: a walk's
  // time is mostly calls), and most elements carry none of the attributes asked about. Functions
  // below take such a list as `names` where a walk has it, and read it themselves otherwise.
  /** @param {Element} el */
  const namesOf = (el) => (walkFacts.active ? walkFacts.names(el) : el.getAttributeNames());
  // An element's tag name does not change (in an HTML document): read once per element, not at
  // every walk and again from its parent (a DOM call each time, dear in Firefox's content scripts).
  const tagNames = new WeakMap();
  /** @param {Element} el @returns {string} */
  function tagOf(el) {
    let t = tagNames.get(el);
    if (t === undefined) tagNames.set(el, (t = el.tagName));
    return t;
  }

  // Something the page made clickable or focusable by hand (onclick, tabindex >= 0).
  const actsOnClick = (el, names = namesOf(el)) => names.includes('onclick') || (names.includes('tabindex') && el.tabIndex >= 0);

  // The non-abstract roles of WAI-ARIA 1.2; DPUB-ARIA (doc-*) and Graphics ARIA (graphics-*)
  // roles are known by their prefix. The digital-publishing references are links.
  const ARIA_ROLES = new Set(['alert', 'alertdialog', 'application', 'article', 'banner', 'blockquote', 'button', 'caption', 'cell', 'checkbox', 'code', 'columnheader', 'combobox', 'complementary', 'contentinfo', 'definition', 'deletion', 'dialog', 'directory', 'document', 'emphasis', 'feed', 'figure', 'form', 'generic', 'grid', 'gridcell', 'group', 'heading', 'img', 'insertion', 'link', 'list', 'listbox', 'listitem', 'log', 'main', 'marquee', 'math', 'meter', 'menu', 'menubar', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'navigation', 'none', 'note', 'option', 'paragraph', 'presentation', 'progressbar', 'radio', 'radiogroup', 'region', 'row', 'rowgroup', 'rowheader', 'scrollbar', 'search', 'searchbox', 'separator', 'slider', 'spinbutton', 'status', 'strong', 'subscript', 'superscript', 'switch', 'tab', 'table', 'tablist', 'tabpanel', 'term', 'textbox', 'time', 'timer', 'toolbar', 'tooltip', 'tree', 'treegrid', 'treeitem']);
  const LINK_ROLES = new Set(['doc-backlink', 'doc-biblioref', 'doc-glossref', 'doc-noteref']);
  // ARIA: the first token of `role` that names a known role counts; with none, the element's own.
  function explicitRole(el, names = namesOf(el)) {
    const attr = names.includes('role') && el.getAttribute('role');
    if (!attr) return '';
    for (const token of attr.trim().toLowerCase().split(/\s+/)) {
      if (LINK_ROLES.has(token)) return 'link';
      if (ARIA_ROLES.has(token) || token.startsWith('doc-') || token.startsWith('graphics-')) return token;
    }
    return '';
  }

  // `tag` and `names` (namesOf): when the caller has them (each DOM read costs, in Firefox's
  // content scripts more than the rest of the check).
  function roleOf(el, tag = el.tagName, names = namesOf(el)) {
    const explicit = explicitRole(el, names);
    const popsList = () => names.includes('aria-haspopup') && el.getAttribute('aria-haspopup') === 'listbox';
    if (explicit && explicit !== 'none' && explicit !== 'presentation' && explicit !== 'generic') {
      // A button that opens a list of options is a drop-down to the person (select-only combobox).
      if (explicit === 'button' && popsList()) return 'combobox';
      return explicit;
    }
    // HTML elements have upper-case tag names: only the others need their namespace read.
    if (tag.charCodeAt(0) >= 97 && el.namespaceURI === SVG_NS) {
      if (tag === 'a' && (names.includes('href') || names.includes('xlink:href'))) return 'link';
      return actsOnClick(el, names) ? 'clickable' : '';
    }
    if (tag === 'BUTTON' && popsList()) return 'combobox';
    switch (tag) {
      case 'A': return names.includes('href') ? 'link' : actsOnClick(el, names) ? 'clickable' : '';
      case 'BUTTON': case 'SUMMARY': return 'button';
      case 'SELECT': return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
      case 'TEXTAREA': return 'textbox';
      case 'INPUT': {
        const t = (el.type || 'text').toLowerCase();
        if (['button', 'submit', 'reset', 'image', 'file'].includes(t)) return 'button';
        if (t === 'checkbox') return names.includes('switch') ? 'switch' : 'checkbox';
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
    if (names.includes('contenteditable') && el.isContentEditable) return 'textbox';
    // A feed's article or a sortable column made clickable is still heard as what it is.
    if (actsOnClick(el, names)) return tag === 'ARTICLE' ? 'article' : tag === 'TH' ? (el.getAttribute('scope') === 'row' ? 'rowheader' : 'columnheader') : 'clickable';
    return '';
  }

  // Values that must never leave the page.
  const SENSITIVE_NAME = /(card|cc)[-_ ]?(num|number|no\b)|cardnumber|\bcvv|\bcvc|\bcsc\b|security[-_ ]?code|\biban\b|\bssn\b|one[-_ ]?time|\botp\b|passw|passcode|\bpin\b/i;
  function isSensitive(el) {
    return !!el.closest('[data-hark-private], [data-private]') || sensitiveField(el);
  }
  // A field whose value is private by its kind or its name (a walk has left private parts out
  // already, so it asks only this).
  function sensitiveField(el, tag = el.tagName) {
    if (tag !== 'INPUT' && tag !== 'TEXTAREA' && tag !== 'SELECT') return false;
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (type === 'password' || type === 'hidden') return true;
    const ac = (el.getAttribute('autocomplete') || '').toLowerCase();
    if (/\bcc-|one-time-code|current-password|new-password/.test(ac)) return true;
    const hints = [el.name, el.id, el.getAttribute('aria-label'), el.getAttribute('placeholder')].join(' ');
    return SENSITIVE_NAME.test(hints);
  }

  const PRIVATE = '[data-hark-private], [data-private]';
  // Asked of every element a walk passes: a look in its attribute names, not a selector match.
  const isPrivate = (el, names = namesOf(el)) => names.includes('data-hark-private') || names.includes('data-private');

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
    // Parts still to read, last first: text (whitespace collapsed) as strings, elements as parts.
    /** @type {(string | ChildPart)[]} */
    const stack = [{ el: block, tag: tagOf(block) }];
    while (stack.length && out.length < max * 1.5) {
      const part = stack.pop();
      if (typeof part === 'string') { out += part; continue; }
      const kids = childParts(part.el);
      for (let i = kids.length - 1; i >= 0; i--) {
        const k = kids[i];
        if (typeof k === 'string') { stack.push(k); continue; }
        const c = k.el, tag = k.tag;
        // In a name, an image inside says its text alternative (accname: each child's own name).
        if (withButtons && (tag === 'IMG' || tag === 'svg')) {
          const names = namesOf(c);
          const alt = !isPrivate(c, names) && visible(c, names) ? imageText(c) : '';
          if (alt) stack.push(` ${alt} `);
          continue;
        }
        if (SKIP_TAGS.has(tag) || isOverlay(c)) continue;
        if (CONTROL_TAGS.has(tag) && !(withButtons && tag === 'BUTTON')) continue;
        const names = namesOf(c);
        if (isPrivate(c, names)) continue;
        // Only SVG and MathML have lower-case tag names.
        if (tag.charCodeAt(0) >= 97 && c.namespaceURI === SVG_NS && SVG_UNSEEN.has(c.localName)) continue;
        const cRole = names.includes('role') ? c.getAttribute('role') : null;
        if ((!withButtons && cRole === 'button') || (withButtons && NESTED_GROUPS.has(cRole)) || !visible(c, names)) continue;
        stack.push(k);
      }
      if (part.el !== block && !INLINE.has(part.tag)) out += ' ';
    }
    return cut(squash(out), max);
  }

  // An element's child nodes as visibleText reads them: each text node's data, whitespace
  // collapsed as it comes (indentation must not use up the length limit), and each element with
  // its tag name (visibleText asks it of every child: looking it up with tagOf there instead was
  // not faster in paired rounds). Kept between walks (walkFacts): reading them was most of
  // visibleText's DOM calls.
  /** @typedef {{ el: Element, tag: string }} ChildPart */
  /** @returns {(string | ChildPart)[]} */
  function readChildParts(el) {
    const parts = [];
    // Sibling links, not a childNodes iterator: each step of an iterator is one more DOM call in
    // Firefox's content scripts; each DOM read counts here, so each is read once.
    for (let c = el.firstChild; c; c = c.nextSibling) {
      const type = c.nodeType;
      if (type === 3) parts.push(/** @type {Text} */ (c).data.replace(/\s+/g, ' '));
      else if (type === 1) parts.push({ el: /** @type {Element} */ (c), tag: tagOf(/** @type {Element} */ (c)) });
    }
    return parts;
  }
  const childParts = (el) => (walkFacts.active ? walkFacts.childParts(el) : readChildParts(el));

  // An image's text alternative: aria-label, alt or title for <img>; aria-label or the <title>
  // child for a drawing (or any part of one). Used for an image's own name and for images inside
  // a name from content.
  function imageText(img) {
    if (img.tagName === 'IMG') return squash(img.getAttribute('aria-label') || img.getAttribute('alt') || img.title);
    const title = Array.from(img.children).find((c) => c.localName === 'title');
    return squash(img.getAttribute('aria-label') || (title && title.textContent));
  }

  // The text an aria-labelledby target gives: its own label, else its text, hidden or not (a
  // label kept out of sight still names), scripts and <noscript> markup never.
  const UNREAD = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'script', 'style', 'title', 'desc']);
  function referencedText(n) {
    const aria = squash(n.getAttribute('aria-label'));
    if (aria) return aria;
    if (n.tagName === 'INPUT') return isSensitive(n) ? '' : squash(n.value);
    let out = '';
    const stack = [n];
    while (stack.length && out.length < 400) {
      const x = stack.pop();
      if (x.nodeType === 3) { out += x.data; continue; }
      if (x.nodeType !== 1 || (x !== n && UNREAD.has(x.tagName))) continue;
      if (x !== n && !INLINE.has(x.tagName)) out += ' ';
      for (let c = x.lastChild; c; c = c.previousSibling) stack.push(c);
    }
    return squash(out);
  }

  // The W3C accname steps people meet: aria-labelledby (never followed further), aria-label, the
  // host language's label (a field's <label>, an image's alt, a drawing's <title>, a group's
  // legend), content for the roles named by it, then title and what the element points at.
  function accessibleName(el, role = roleOf(el), tag = el.tagName, names = namesOf(el)) {
    const labelledby = names.includes('aria-labelledby') && el.getAttribute('aria-labelledby');
    if (labelledby) {
      const root = el.getRootNode();
      const t = labelledby.split(/\s+/).map((id) => root.getElementById?.(id) || document.getElementById(id)).filter(Boolean).map(referencedText).join(' ');
      if (t.trim()) return squash(t);
    }
    const aria = names.includes('aria-label') ? squash(el.getAttribute('aria-label')) : '';
    if (aria) return aria;
    const title = () => (names.includes('title') ? squash(el.title) : '');
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
    if (tag === 'IMG') return imageText(el);
    if (tag === 'IFRAME' || tag === 'FRAME') return title();
    if (tag.charCodeAt(0) >= 97 && el.namespaceURI === SVG_NS) {
      const title = imageText(el);
      if (title) return title;
    }
    if (tag === 'FIELDSET') {
      const legend = Array.from(el.children).find((c) => c.tagName === 'LEGEND');
      if (legend) return visibleText(legend, 200);
    }
    if (!NAME_FROM_CONTENT.has(role)) return title();
    let t = visibleText(el, 200, true);
    if (!t) {
      const img = el.querySelector('img[alt], svg[aria-label], [title]');
      t = squash(img?.getAttribute('alt') || img?.getAttribute('aria-label') || img?.getAttribute('title'));
    }
    // Where a link goes says more than an id the page's code gave it ("a", "lnk3").
    return t || title() || iconHint(el) || destination(el) || idHint(el);
  }

  // A link with nothing to read (an image without alt text) is named by where it goes, as a
  // screen reader would say it: the path on this site, the host and path elsewhere. Worked out
  // once per address while the document's address stays: a page's walks meet the same links
  // again (a news page's picture links); resolving and parsing each address took a tenth of a
  // walk of readability/engadget in Firefox.
  const destinations = new Map(); // "base href" -> name
  let destinationsOf = '';
  const MAX_DESTINATIONS = 2000;
  function destination(el) {
    if (el.localName !== 'a') return '';
    // As written: reading `href` has the browser resolve it, each time.
    const href = el.getAttribute('href') || el.getAttribute('xlink:href');
    if (!href) return '';
    const here = location.href, base = (el.ownerDocument || document).baseURI;
    if (destinationsOf !== here || destinations.size >= MAX_DESTINATIONS) {
      destinations.clear();
      destinationsOf = here;
    }
    const key = `${base} ${href}`;
    let name = destinations.get(key);
    if (name === undefined) {
      name = destinationOf(href, base);
      destinations.set(key, name);
    }
    return name;
  }
  function destinationOf(href, base) {
    let u;
    try { u = new URL(href, base); } catch (_) { return ''; }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
    // A link within this document ("#", "#top") goes nowhere a name could say.
    if (u.host === location.host && u.pathname === location.pathname && u.search === location.search) return u.hash.length > 1 ? u.hash : '';
    let path = u.pathname.replace(/\/+$/, '');
    try { path = decodeURIComponent(path); } catch (_) { /* keep it encoded */ }
    return cut(u.host === location.host ? path || '/' : u.host + path, 80);
  }

  // Icon-only controls: say what the icon suggests ("search"), else what the id does ("sidebar toggle").
  function iconHint(el) {
    const icon = el.querySelector('[class*="fa-"], [class*="icon-"], [class*="bi-"]');
    const m = icon && /(?:^|\s)(?:fa|icon|bi)-(?!fw\b|lg\b|sm\b|xs\b|2x\b|3x\b)([a-z0-9-]+)/i.exec(String(icon.className));
    return m ? m[1].replace(/-/g, ' ') : '';
  }
  function idHint(el) {
    return el.id ? el.id.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]+/g, ' ').toLowerCase() : '';
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
    // An ARIA range (a drawn slider, a progress bar) says its value in words or as a number.
    if (role === 'slider' || role === 'spinbutton' || role === 'progressbar' || role === 'scrollbar') {
      const v = squash(el.getAttribute('aria-valuetext') || el.getAttribute('aria-valuenow'));
      if (v) return cut(v, 200);
    }
    return undefined;
  }

  function parseColor(c) {
    const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)/.exec(c || '');
    if (!m) return null;
    let a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: +m[1], g: +m[2], b: +m[3], a };
  }

  // Each element's computed style, made once and kept: the object is live (it answers the
  // element's style as it is at each read), and in Firefox's content scripts making one costs
  // about five times what reading a property from it does. For what walks read at every walk (a
  // link's look, display where checkVisibility says no); themes read each element once per
  // command and make their own, which the dark view's contrast check reuses (views.js).
  const computedStyles = new WeakMap();
  function styleOf(el) {
    let cs = computedStyles.get(el);
    if (!cs) computedStyles.set(el, (cs = getComputedStyle(el)));
    return cs;
  }

  const BUTTON_CLASS = /^(btn|button)$|^(btn|button)[-_]|[-_](btn|button)$/i;
  function looksLikeButton(el, names = namesOf(el), tag = el.tagName) {
    if (tag !== 'A') return true;
    // The class attribute as one string: a classList is read a DOM call per class.
    if (names.includes('class')) for (const c of String(el.getAttribute('class')).split(/\s+/)) if (BUTTON_CLASS.test(c)) return true;
    if (names.includes('role') && el.getAttribute('role') === 'button') return true;
    // Computed look: a padded box with its own background or border. Each read is a DOM call in
    // Firefox's content scripts: none after the answer is known.
    const cs = styleOf(el);
    if (cs.display === 'inline') return false;
    if (!(parseFloat(cs.paddingLeft) >= 4 && parseFloat(cs.paddingTop) >= 2)) return false;
    const bg = parseColor(cs.backgroundColor);
    if ((bg && bg.a > 0.05) || cs.backgroundImage !== 'none') return true;
    return parseFloat(cs.borderTopWidth) >= 1 && cs.borderTopStyle !== 'none' && parseFloat(cs.borderLeftWidth) >= 1;
  }

  function isButton(el, role, tag = el.tagName, names = namesOf(el)) {
    if (role === 'button') return true;
    if (role === 'link' || role === 'clickable') return tag === 'A' && looksLikeButton(el, names, tag);
    return false;
  }

  // Hidden by the page's markup (hidden, aria-hidden, inert), whatever its styles say.
  const hiddenByMarkup = (el, names) => names.length > 0 && ((names.includes('hidden') && el.hidden) || (names.includes('aria-hidden') && el.getAttribute('aria-hidden') === 'true') || (names.includes('inert') && el.inert));
  const SEEN = { visibilityProperty: true }; // one options object for every call
  function visible(el, names = namesOf(el)) {
    if (hiddenByMarkup(el, names)) return false;
    if (el.checkVisibility) {
      if (el.checkVisibility(SEEN)) return true;
      return styleOf(el).display === 'contents';
    }
    const cs = getComputedStyle(el);
    return cs.display !== 'none' && cs.visibility !== 'hidden';
  }

  // Where an element's box lies against a window of vw x vh. Four reads of the box, not six:
  // each is a DOM call in Firefox's content scripts.
  const NO_BOX = 0, IN_VIEW = 1, BELOW_VIEW = 2, ELSEWHERE = 3;
  function placeOf(el, vw, vh) {
    const r = el.getBoundingClientRect();
    const top = r.top, bottom = r.bottom, left = r.left, right = r.right;
    if (!(bottom > top && right > left)) return NO_BOX;
    if (bottom > 0 && right > 0 && top < vh && left < vw) return IN_VIEW;
    return top >= vh ? BELOW_VIEW : ELSEWHERE;
  }
  const inView = (el, vw, vh) => placeOf(el, vw, vh) === IN_VIEW;

  // ---- what walks learned of each element, kept from one walk to the next ---------------------
  // A walk after a change to the page (the model looking again after Hark or the page acted)
  // read every element's attribute names, own text and child nodes again, though a change
  // touches a few elements. In Firefox's content scripts those reads were about a quarter of such
  // a walk (profiled on readability/engadget and gentelella/general_elements). They change only
  // through the DOM, so they are kept per element and forgotten by what a MutationObserver
  // reports: an element's attribute names at any change of its attributes, its own text and
  // child parts (readChildParts) at any change of its children or of a text child's data. What
  // depends on styles or layout (visibility, boxes, a button's look) is read at every walk.
  // The kept facts are used only inside a walk's slices, after the records that came meanwhile
  // are taken: between slices the page and Hark's own commands may change anything. A batch of
  // more than MAX_RECORDS records (a page rebuilding itself) forgets everything and stops
  // watching until the next walk: a page that never rests costs one callback per batch, not one
  // step per record. The shadow roots and frames' documents a walk goes into are watched too
  // (the document's observer does not reach them).
  const walkFacts = (() => {
    const MAX_RECORDS = 1000;
    let names = new WeakMap(), own = new WeakMap(), kids = new WeakMap(), watching = false;
    let epoch = 0; // counts the times watching began: facts from before a forgetAll() are gone
    const observer = new MutationObserver((records) => forgetChanged(records));
    function forgetChanged(records) {
      if (records.length > MAX_RECORDS) { forgetAll(); return; }
      for (const r of records) {
        const type = r.type, target = r.target;
        if (type === 'attributes') names.delete(target);
        else forgetChildren(type === 'childList' ? target : target.parentNode);
      }
    }
    // Its own text and child parts: its children changed, or a text child's data (characterData).
    function forgetChildren(el) {
      if (!el) return;
      own.delete(el);
      kids.delete(el);
    }
    function forgetAll() {
      observer.disconnect();
      watching = false;
      names = new WeakMap();
      own = new WeakMap();
      kids = new WeakMap();
    }
    const facts = {
      active: false,
      // A walk starts; returns its epoch, for resume().
      start() {
        if (watching) forgetChanged(observer.takeRecords());
        else { observer.observe(document, WATCH_ALL); watching = true; epoch++; }
        return epoch;
      },
      // A slice of the walk started at `walkEpoch` begins: the page's changes since are forgotten
      // first. Kept facts serve it only while the roots that walk went into are still watched.
      resume(walkEpoch) {
        if (watching) forgetChanged(observer.takeRecords());
        facts.active = watching && epoch === walkEpoch;
      },
      // Before every pause of the walk and at its end.
      end() { facts.active = false; },
      // A shadow root or a frame's document the walk goes into.
      watch(root) { if (watching) observer.observe(root, WATCH_ALL); },
      names(el) {
        let n = names.get(el);
        if (!n) names.set(el, (n = el.getAttributeNames()));
        return n;
      },
      ownText(el) {
        let t = own.get(el);
        if (t === undefined) own.set(el, (t = readOwnText(el)));
        return t;
      },
      childParts(el) {
        let k = kids.get(el);
        if (!k) kids.set(el, (k = readChildParts(el)));
        return k;
      },
      forgetAll,
    };
    return facts;
  })();

  // ---- working in slices: the page keeps painting and answering while Hark works -------------
  // Work that can grow with the page (walks, restyling thousands of elements) runs in slices of
  // SLICE_MS and yields to the page between them, so no task of Hark's comes near a long task
  // (50 ms) even on a page of 60,000 elements. A command gives up at its deadline with words
  // rather than let the session host's 10 s wait run out.
  const SLICE_MS = 8;
  const COMMAND_BUDGET_MS = 7000;
  // A message to ourselves: a task queued behind what the page has queued (its due timers, input,
  // a frame when one is due), so all of it runs before Hark goes on. Not a 0 ms timer: from the
  // fifth in a row, browsers hold each one for at least 4 ms: idle time when the page has nothing
  // to run.
  // (scheduler.yield() would resume ahead of the page's tasks and starve them.)
  const turns = new MessageChannel();
  const waiting = [];
  turns.port1.onmessage = () => waiting.shift()?.();
  const yieldToPage = () => new Promise((r) => { waiting.push(r); turns.port2.postMessage(0); });
  // Writes are not paced to frames: on a huge table every frame with any restyle costs the
  // browser a relayout of the whole table (~300 ms for 30,000 rows, measured), so fewer frames
  // with more writes each are cheaper for the page than one frame per slice.
  // `cancelled`: asked with `late`, a reason to give up before the deadline.
  function slicer(budgetMs = COMMAND_BUDGET_MS, cancelled = () => false) {
    const deadline = performance.now() + budgetMs;
    let sliceStart = performance.now();
    let n = 0;
    return {
      // Cheap enough to call per element: reads the clock every 32 calls.
      due: () => (++n & 31) === 0 && performance.now() - sliceStart > SLICE_MS,
      late: () => performance.now() > deadline || cancelled(),
      async pause() { await yieldToPage(); sliceStart = performance.now(); },
    };
  }
  // fn(item) for each item, in slices. Returns how many were done (fewer when the deadline came).
  async function eachInSlices(items, fn, s = slicer()) {
    for (let i = 0; i < items.length; i++) {
      fn(items[i], i);
      if (s.due()) {
        if (s.late()) return i + 1;
        await s.pause();
      }
    }
    return items.length;
  }
  // Drives a generator that yields whenever its slice is used up; false when the deadline came.
  async function runInSlices(gen, s) {
    for (;;) {
      if (gen.next().done) return true;
      if (s.late()) return false;
      await s.pause();
    }
  }

  // fn(el, tag, parent, slotted) for root and each element under it in page order, skipping what
  // Hark never reads or styles (SKIP_TAGS, Hark's own elements); `intoShadows`: into shadow roots
  // too (the parent of what a shadow root shows is its host; `slotted`: el is a host's own child,
  // shown in one of its slots). A generator: pauses (yield) when the slice is used up. The walk
  // keeps its own stack (a TreeWalker's filter is a call from the browser into the content script
  // per element, dear in Firefox) and knows each element's parent without asking; after a pause,
  // what the page removed meanwhile is passed over.
  function* eachElementIn(root, fn, slices, intoShadows = false) {
    if (!root || root.nodeType !== 1) return;
    const stack = [], parents = [], slots = [];
    const pushChildren = (el, tag) => {
      const shadow = intoShadows && shadowOf(el, tag);
      for (let c = el.lastElementChild; c; c = c.previousElementSibling) { stack.push(c); parents.push(el); slots.push(!!shadow); }
      // What a shadow root shows comes before the host's own children, as it is drawn.
      if (shadow) for (let c = shadow.lastElementChild; c; c = c.previousElementSibling) { stack.push(c); parents.push(el); slots.push(false); }
    };
    const rootTag = root.tagName;
    if (!SKIP_TAGS.has(rootTag) && !isOverlay(root)) fn(root, rootTag, root.parentElement, false);
    pushChildren(root, rootTag);
    let pushedBeforePause = 0;
    while (stack.length) {
      const el = stack.pop(), parent = parents.pop(), slotted = slots.pop();
      if (stack.length < pushedBeforePause) {
        pushedBeforePause = stack.length;
        if (!el.isConnected) continue;
      }
      const tag = el.tagName;
      if (SKIP_TAGS.has(tag) || isOverlay(el)) continue;
      fn(el, tag, parent, slotted);
      pushChildren(el, tag);
      if (slices?.due()) {
        yield;
        pushedBeforePause = stack.length;
      }
    }
  }

  // ---- collect: one walk over the DOM ---------------------------------------------------------
  // `el` and every element the walk passes through to reach it: ancestors across shadow roots,
  // the slots that show it, and the frames that hold it.
  function pathTo(el) {
    const path = new Set();
    const todo = [el];
    while (todo.length) {
      const n = todo.pop();
      if (!n || path.has(n)) continue;
      path.add(n);
      if (n.assignedSlot) todo.push(n.assignedSlot);
      const up = n.parentNode;
      if (up instanceof ShadowRoot) todo.push(up.host);
      else if (up && up.nodeType === 9) todo.push(up.defaultView && up.defaultView.frameElement);
      else todo.push(n.parentElement);
    }
    return path;
  }

  // `c`: what the walk knows of the element (tag, attribute names, whether private parts were
  // left out on the way to it, the window's size) and whether its frame is in view.
  function controlNode(el, role, name, button, c) {
    const { tag, names } = c;
    const n = { ref: refFor(el), role, name, inView: c.frameVisible && inView(el, c.vw, c.vh) };
    if (button) n.button = true;
    const sensitive = c.privateLeftOut ? sensitiveField(el, tag) : isSensitive(el);
    if (sensitive) n.sensitive = true;
    const aria = (a) => names.includes(a) ? el.getAttribute(a) : null;
    if (tag === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')) n.checked = !!el.checked;
    else if (names.includes('aria-checked')) n.checked = aria('aria-checked') === 'true';
    if (names.includes('aria-expanded')) n.expanded = aria('aria-expanded') === 'true';
    else if (tag === 'SUMMARY' && el.parentElement?.tagName === 'DETAILS') n.expanded = el.parentElement.open;
    if (names.includes('aria-selected')) n.selected = aria('aria-selected') === 'true';
    // Links have no `disabled` (nor do drawings): not asked.
    if ((tag !== 'A' && tag.charCodeAt(0) < 97 && el.disabled) || aria('aria-disabled') === 'true') n.disabled = true;
    if (!sensitive) {
      const v = fieldValue(el, role);
      if (v && looksLikeCard(v)) n.sensitive = true;
      else if (v) n.value = v;
    }
    return n;
  }

  // `from`: reading on. The walk skips what comes before that element in page order without
  // walking it (only its ancestors are entered), and lists from it on.
  // `lineBudget`: a first answer. The outline shows what is in view, then headings and controls
  // elsewhere in page order until its budget is spent; the core says what each line costs at
  // least (wasm-core/src/snapshot.rs, LineBudget). Once the lines the walk listed cost more than
  // the answer holds, the rest of the page is only searched for what is in view (`inViewOnly`),
  // and the answer names where reading on starts (`moreFrom`).
  // `s`: the slicer that paces the walk and says when it is too late (a warm-up's is short).
  // `seen` (optional) learns what a kept answer must watch: the shadow roots and frames' documents
  // the walk went into (`roots`), and whether its deadline cut it (`cut`).
  async function collect({ buttonsOnly = false, maxNodes = 6000, from = null, doc = undefined, lineBudget = null } = {}, s = slicer(), seen = null) {
    if (from && otherDocument(doc)) return otherDocument(doc);
    const started = performance.now();
    const nodes = [];
    const vw = innerWidth, vh = innerHeight;
    let truncated = false;
    const fromEl = from ? elementFor(from) : null;
    const path = fromEl ? pathTo(fromEl) : null;
    let reached = !fromEl;

    // What the lines of the headings and controls listed so far cost at least
    // (LineBudget::at_least; text and landmarks count nothing).
    let spent = 0;
    let inViewOnly = false, moreFrom = null;
    /** @param {{ ref?: string, role: string, name: string, inView?: boolean }} n */
    function lineCost(n) {
      const b = /** @type {NonNullable<typeof lineBudget>} */ (lineBudget);
      if (!n.ref && n.role !== 'heading') return 0;
      const name = Math.ceil(Math.min(n.name.length, n.inView ? b.nameChars : b.shortNameChars) / b.charsPerToken);
      return !n.ref ? b.heading + name : n.name ? b.control + b.named + name : b.control;
    }

    // Off-view text is cut short here already (the core shortens it anyway): smaller messages.
    function push(n) {
      if (!reached) return true; // an ancestor of `from`: it starts before it
      if (nodes.length >= maxNodes) { truncated = true; return false; }
      if (lineBudget) spent += lineCost(n);
      if (!n.inView) {
        delete n.inView;
        if (n.role === 'text' && n.name.length > 120) n.name = n.name.slice(0, 120);
      }
      nodes.push(n);
      return true;
    }

    // `inText`: false = text is read; true = the text is already said (inside a text block or a
    // name), headings and controls still listed; ONLY_CONTROLS = inside a control or a drawing,
    // where only the widgets nested in it are listed.
    const ONLY_CONTROLS = 2;

    // The walk keeps its own stack of elements still to visit, last pushed visited first. An
    // explicit stack rather than recursion: no generator or frame per element on pages of 100,000
    // elements, and the walk can pause (its slice used up) and go on where it was. A parent
    // pushes only its first child; each child, when visited, pushes its next sibling first (under
    // its own children): the stack holds one entry per level, and a list of 30,000 rows cut short
    // below the window is never read past its cut. Each entry's mode packs how its text is read
    // (`inText`), whether its frame is in view, whether it is a <slot> to expand, and whether its
    // later siblings follow it (FOLLOW). Its tag name is kept too (read once, when it is pushed),
    // and for FOLLOW entries the node whose children they are (`lists`: a parent or a shadow
    // root), to go on there if the page removed the entry while the walk paused.
    const stack = [], modes = [], tags = [], lists = [];
    const FRAME_VISIBLE = 4, SLOT = 8, FOLLOW = 16;
    const modeOf = (inText, frameVisible) => (inText === ONLY_CONTROLS ? 2 : inText ? 1 : 0) | (frameVisible ? FRAME_VISIBLE : 0);
    // A <slot> (at any depth of a shadow tree) shows what is assigned to it.
    function pushEntry(el, mode, list) {
      const tag = tagOf(el);
      stack.push(el); modes.push(tag === 'SLOT' ? mode | SLOT : mode & ~SLOT); tags.push(tag); lists.push(list);
    }
    function pushChildren(parent, inText, frameVisible, tag = parent.tagName) {
      const shadow = shadowOf(parent, tag);
      if (shadow) {
        walkFacts.watch(shadow);
        if (seen) seen.roots.add(shadow);
      }
      const list = shadow || parent;
      const first = list.firstElementChild;
      if (first) pushEntry(first, modeOf(inText, frameVisible) | FOLLOW, list);
    }
    function pushAll(els, inText, frameVisible) {
      const mode = modeOf(inText, frameVisible);
      for (let i = els.length - 1; i >= 0; i--) pushEntry(els[i], mode, null);
    }
    // A slot shows what is assigned to it, else its own (fallback) content.
    function pushSlot(slot, inText, frameVisible) {
      if (!slot.assignedElements().length) pushChildren(slot, inText, frameVisible);
      pushAll(slot.assignedElements({ flatten: true }), inText, frameVisible);
    }

    function visit(el, tag, inText, frameVisible) {
      if (!reached) {
        if (el === fromEl) reached = true;
        else if (!path.has(el)) return; // wholly before `from`
      }
      if (isOverlay(el)) return;
      const names = namesOf(el);
      if (tag.charCodeAt(0) >= 97 && el.namespaceURI === SVG_NS) {
        if (SVG_UNSEEN.has(el.localName) || !visible(el, names)) return;
        // A drawing is a picture, unless the page drew widgets into it (a chart's legend switches,
        // a map's links, a slider's knob): those are found by the browser's own query, not by
        // visiting each of a chart's thousands of shapes.
        if (tag === 'svg' && !INTERACTIVE_ROLES.has(roleOf(el, tag, names)) && !actsOnClick(el, names)) {
          const widgets = [];
          for (const w of el.querySelectorAll(WIDGET_SELECTOR)) {
            if (!widgets.length || !widgets[widgets.length - 1].contains(w)) widgets.push(w);
          }
          pushAll(widgets, ONLY_CONTROLS, frameVisible);
          return;
        }
      } else if (SKIP_TAGS.has(tag)) return;
      if (!visible(el, names)) return;
      if (isPrivate(el, names) && !buttonsOnly) {
        push({ role: 'text', name: '(private content, hidden by request)', inView: frameVisible && inView(el, vw, vh) });
        return;
      }
      if (tag === 'IFRAME' || tag === 'FRAME') {
        let doc = null;
        try { doc = el.contentDocument; } catch (_) { doc = null; }
        if (doc && doc.body) {
          walkFacts.watch(doc);
          if (seen) seen.roots.addFrame(doc);
        }
        if (doc && doc.body) pushChildren(doc.body, false, frameVisible && inView(el, vw, vh));
        else if (!buttonsOnly && el.src) {
          // Another site's frame: the browser keeps it from this page's scripts, and from Hark's.
          let origin = '';
          try { origin = new URL(el.src, location.href).host; } catch (_) { /* a bad address */ }
          const title = squash(el.title || el.getAttribute('aria-label'));
          const n = { role: 'text', name: `(a frame${title ? ` "${cut(title, 60)}"` : ''} from ${origin || 'another site'}: another site's content, which Hark cannot read or change)`, inView: frameVisible && inView(el, vw, vh) };
          // A frame the page made clickable or focusable is still an element to act on.
          if (actsOnClick(el, names)) Object.assign(n, { ref: refFor(el), role: 'frame', name: `${title || 'untitled'} (another site's frame: Hark cannot read or change its content)` });
          push(n);
        }
        return;
      }
      const role = roleOf(el, tag, names);
      if (role === 'heading' && !buttonsOnly && inText !== ONLY_CONTROLS) {
        const level = +((names.includes('aria-level') && el.getAttribute('aria-level')) || tag.slice(1)) || 2;
        const name = visibleText(el, 200);
        // A heading people can click or focus (a section toggle) is also an element to act on.
        const n = { role, name, level, sectionRef: refFor(el), inView: frameVisible && inView(el, vw, vh) };
        if (actsOnClick(el, names)) n.ref = n.sectionRef;
        if (name && !push(n)) return;
        if (el.querySelector('a[href], button, input, select, textarea, [role=button], [role=link]')) pushChildren(el, true, frameVisible, tag);
        return;
      }
      // A control: one ref, its name and states. A real control speaks through its name; widgets
      // nested in it (a tree item's subtree, a menu item's submenu, a listbox's options) follow.
      // Generic clickables and elements of any other role the page made focusable or clickable
      // (a tab panel, a feed's article, a sortable column header) hold content of their own:
      // when their name already says all of it (a formula, a card title), only the controls and
      // headings inside follow, not the same words again piece by piece.
      const leaf = INTERACTIVE_ROLES.has(role) && role !== 'clickable';
      const control = leaf || role === 'clickable' || (role !== '' && actsOnClick(el, names));
      if (control) {
        const button = isButton(el, role, tag, names);
        let name = '';
        if (!buttonsOnly || button) {
          name = cut(accessibleName(el, role, tag, names), 160);
          if (!push(controlNode(el, role, name, button, { tag, names, frameVisible, privateLeftOut: !buttonsOnly, vw, vh }))) return;
        }
        if (leaf) {
          if (el.firstElementChild && el.querySelector(WIDGET_SELECTOR)) pushChildren(el, ONLY_CONTROLS, frameVisible, tag);
          return;
        }
        // Its own text is read like any block's below, unless the name said it all.
        if (!inText && name !== '' && name === visibleText(el, 400, true)) inText = true;
      }
      if (!buttonsOnly && inText !== ONLY_CONTROLS) {
        if (LANDMARK_ROLES.has(role) && !control) {
          push({ role, name: names.includes('aria-label') ? squash(el.getAttribute('aria-label')) : '', inView: frameVisible && inView(el, vw, vh) });
        } else if (!inText) {
          // A MathML formula reads as one line, not a line per symbol.
          let block = TEXT_BLOCKS.has(tag) || tag === 'math';
          let direct = '';
          if (!block) {
            let allInline = true;
            for (let c = el.firstElementChild; c; c = c.nextElementSibling) if (!INLINE.has(tagOf(c))) { allInline = false; break; }
            direct = ownText(el);
            block = direct.length > 0 && allInline;
          }
          if (block) {
            // Out of view the core keeps only a short preview: read no more than that. A first
            // answer only counts the text out of view (readText reads it): the raw text does for
            // that, in one DOM read rather than one per part, unless private parts are inside.
            const shown = frameVisible && inView(el, vw, vh);
            const name = shown ? visibleText(el, 400)
              : lineBudget && !el.querySelector(PRIVATE) ? squash(el.textContent.slice(0, 180)).slice(0, 120)
              : visibleText(el, 120);
            if (name) push({ role: 'text', name, inView: shown });
            inText = true;
          } else if (direct) {
            push({ role: 'text', name: cut(direct, 400), inView: frameVisible && inView(el, vw, vh) });
          }
        }
      }
      pushChildren(el, inText, frameVisible, tag);
    }

    // Past the answer's budget a subtree is entered only where it shows in the window. A box out
    // of view is left out with all it holds and remembered (`leftOut`: element -> its walk mode)
    // for pushEscapees(); one below the window takes its later siblings with it: page flow puts
    // them lower still, and the walk does not go on to them (`cutSiblings`: parent -> the first
    // of them and their mode). An element without a box of its own (display: contents, a
    // wrapper of floats or of a fixed bar) is passed through to its children.
    const leftOut = new Map(), cutSiblings = new Map();
    const UNSHOWN = -1; // in a frame out of view, or Hark's own
    function placeInWalk(el, mode, frameVisible) {
      if (mode & SLOT) return IN_VIEW;
      if (!frameVisible || isOverlay(el)) return UNSHOWN;
      return placeOf(el, vw, vh);
    }
    function leaveOut(el, tag, mode, inText, frameVisible, place) {
      if (place === UNSHOWN) return;
      if (place !== NO_BOX) { leftOut.set(el, mode); return; }
      const names = namesOf(el);
      if (!SKIP_TAGS.has(tag) && !isPrivate(el, names) && visible(el, names)) pushChildren(el, inText, frameVisible, tag);
    }
    // The walk mode `el` would have had, when it lies in a part left out; else undefined.
    function leftOutMode(el, parent) {
      if (leftOut.has(el)) return leftOut.get(el);
      const cut = parent && cutSiblings.get(parent);
      if (cut && (cut.first === el || cut.first.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) return cut.mode;
      return undefined;
    }

    // What shows in the window from inside a part left out: a fixed or positioned element (a
    // cookie bar in a footer, a chat button in a late wrapper) or a float hanging out of its row.
    // The browser's hit test finds it at fixed points: along the window's bottom and top edges,
    // where such parts sit most, 64 px apart (40 points on a 1280 px window), then over the
    // window 160 px apart; all of them take about a millisecond on ordinary pages. On a page
    // whose hit tests are slow (over a 30,000-row table one takes up to 3 ms) the probe stops
    // once its hit tests have taken ESCAPEE_MS, having tried the edges coarse to fine: the four
    // corners first, then every 512 px, 256, 128, 64. The corners are always tried, where chat
    // and back-to-top buttons sit: even on that table the three after the first took 0-1 ms
    // (the first 2-6). Only the hit tests count, not the wall clock's time: a busy machine
    // that stops the browser between them must not cut the probe short (on 2 cores under load a
    // 4 ms wall-clock deadline came before the chat button in a corner). The probe runs in one
    // piece: a few ms, one slow hit test more at worst. The walk then visits the highest part of
    // what it found that shows. Returns whether any was found. (Not found: a part smaller than
    // the points' spacing, one the page made transparent to the pointer, or one between points
    // not tried.) The corners are the first CORNERS points probePoints() yields.
    const ESCAPEE_MS = 4, CORNERS = 4;
    function* probePoints() {
      const n = Math.ceil(vw / 64);
      // The pass in which column k (64 px wide) is tried: the corners, then every 8th, 4th, 2nd.
      const pass = (k) => (k === 0 || k === n - 1 ? 0 : k % 8 === 0 ? 1 : k % 4 === 0 ? 2 : k % 2 === 0 ? 3 : 4);
      for (let p = 0; p <= 4; p++) {
        for (const y of [vh - 24, 24]) for (let k = 0; k < n; k++) if (pass(k) === p) yield { x: Math.min(32 + 64 * k, vw - 8), y };
      }
      for (let y = 80; y < vh; y += 160) for (let x = 80; x < vw; x += 160) yield { x, y };
    }
    function pushEscapees() {
      let spentMs = 0, tried = 0;
      // Elements whose ancestors hold nothing left out, or that the walk visits: a hit reaching
      // one needs no further look.
      const settled = new Set();
      let found = false;
      for (const { x, y } of probePoints()) {
        if (tried++ >= CORNERS && spentMs > ESCAPEE_MS) break;
        const before = performance.now();
        const hit = document.elementFromPoint(x, y);
        spentMs += performance.now() - before;
        if (!hit || settled.has(hit)) continue;
        const chain = [];
        let mode, p = hit;
        for (let parent; p && !settled.has(p); p = parent) {
          parent = p.parentElement;
          mode = leftOutMode(p, parent);
          if (mode !== undefined) break;
          chain.push(p);
        }
        if (mode === undefined) { for (const c of chain) settled.add(c); continue; }
        // The hit may be the part left out itself: a fixed bar among siblings cut below the window.
        if (!chain.length) chain.push(/** @type {Element} */ (p));
        // The highest part that shows; what lies between it and the part left out (that one
        // included) must not hide it.
        let top = 0;
        for (let i = chain.length - 1; i > 0; i--) if (inView(chain[i], vw, vh)) { top = i; break; }
        for (let i = 0; i <= top; i++) settled.add(chain[i]);
        let hidden = false;
        for (let a = chain[top].parentElement, i = 0; a && i < 64 && !hidden; a = a.parentElement, i++) {
          const names = namesOf(a);
          hidden = isPrivate(a, names) || hiddenByMarkup(a, names);
          if (leftOutMode(a, a.parentElement) !== undefined) break;
        }
        if (hidden || isOverlay(chain[top])) continue;
        pushEntry(chain[top], mode & ~FOLLOW, null);
        found = true;
      }
      return found;
    }

    // Entries below this depth of the stack were pushed before the walk last paused.
    let pushedBeforePause = 0;
    const walked = new WeakSet(); // the elements of lists the walk has been to
    async function walk() {
      walkFacts.resume(factsEpoch);
      try {
        await walkSlices();
      } finally {
        walkFacts.end();
      }
    }
    async function walkSlices() {
      while (stack.length && !truncated) {
        if (s.due()) {
          // Asked after the pause: a warm-up gives way at once to a command that came meanwhile.
          walkFacts.end();
          await s.pause();
          walkFacts.resume(factsEpoch);
          if (s.late()) { truncated = true; if (seen) seen.cut = true; break; }
          pushedBeforePause = stack.length;
        }
        let el = stack.pop(), mode = modes.pop(), tag = tags.pop();
        const list = lists.pop();
        // The page may have changed while the walk paused: what it removed is not on it any more,
        // but the rest of its list may be: the walk goes on with the first element there it has
        // not been to.
        if (stack.length < pushedBeforePause) {
          pushedBeforePause = stack.length;
          if (!el.isConnected) {
            el = mode & FOLLOW && list.isConnected ? list.firstElementChild : null;
            while (el && walked.has(el)) el = el.nextElementSibling;
            if (!el) continue;
            tag = tagOf(el);
            mode = tag === 'SLOT' ? mode | SLOT : mode & ~SLOT;
          }
        }
        if (mode & FOLLOW) walked.add(el);
        const inText = (mode & 3) === 2 ? ONLY_CONTROLS : (mode & 3) === 1, frameVisible = (mode & FRAME_VISIBLE) !== 0;
        if (!inViewOnly && lineBudget && spent > lineBudget.tokens) {
          inViewOnly = true;
          moreFrom = refFor(el);
        }
        const place = inViewOnly ? placeInWalk(el, mode, frameVisible) : IN_VIEW;
        const next = mode & FOLLOW ? el.nextElementSibling : null;
        if (next) {
          if (place === BELOW_VIEW) { cutSiblings.set(el.parentNode, { first: el, mode }); continue; }
          pushEntry(next, mode, list);
        }
        if (place !== IN_VIEW) { leaveOut(el, tag, mode, inText, frameVisible, place); continue; }
        if (mode & SLOT) pushSlot(el, inText, frameVisible);
        else visit(el, tag, inText, frameVisible);
      }
    }

    const factsEpoch = walkFacts.start();
    // At the deadline the outline so far is the answer, marked cut like one over its node limit.
    if (document.body) pushChildren(document.body, false, true);
    await walk();
    if ((leftOut.size || cutSiblings.size) && !truncated && pushEscapees()) await walk();
    if (moreFrom) dropTextOutOfView(nodes);
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
      moreFrom,
      fromFound: !!fromEl,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  // A first answer whose budget ran out (`moreFrom`) shows no text out of view, nor counts it
  // (the core's contract: wasm-core/src/snapshot.rs, RawPage::more_from, which also counts the
  // stand-ins as nothing read); on the largest pages that text is most
  // of the answer's nodes and bytes, which the session host and the core would copy and parse
  // for nothing. Each run of it becomes one empty text node: what the core's "text that repeats
  // its neighbour" check sees around the text in view stays as it was (a text, not the link
  // after it), so the answer reads the same.
  function dropTextOutOfView(nodes) {
    let kept = 0;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.role === 'text' && !n.inView) {
        if (kept > 0 && nodes[kept - 1].role === 'text' && nodes[kept - 1].name === '' && !nodes[kept - 1].inView) continue;
        nodes[kept++] = { role: 'text', name: '' };
      } else nodes[kept++] = n;
    }
    nodes.length = kept;
  }

  // ---- html: one element, sensitive values removed --------------------------------------------
  const DROP_IN_HTML = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'LINK', 'META']);
  async function html({ ref, selector, maxChars = 8000, doc }) {
    if (ref && otherDocument(doc)) return otherDocument(doc);
    let el = null;
    if (ref) {
      el = elementFor(ref);
      if (!el) return staleAnswer(ref);
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
    // Walk both trees in step: sensitivity is judged on the live element. The clone is Hark's
    // own, so pausing for the page in between changes nothing in it.
    const s = slicer(Infinity);
    for (let i = copies.length - 1; i >= 0; i--) {
      if (s.due()) await s.pause();
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
      // Handlers, long styles and the attributes that give Hark's views their looks (Hark's, not
      // the page's) cost tokens and say nothing.
      for (const a of Array.from(c.attributes)) if (/^on/i.test(a.name) || a.name === 'style' && a.value.length > 200 || a.name.startsWith(LOOK_ATTRIBUTE)) c.removeAttribute(a.name);
    }
    // Comments are not what the person sees (and cost tokens).
    const comments = document.createTreeWalker(clone, NodeFilter.SHOW_COMMENT);
    /** @type {ChildNode[]} */
    const drop = [];
    for (let c = comments.nextNode(); c; c = comments.nextNode()) drop.push(/** @type {Comment} */ (c));
    for (const c of drop) c.remove();
    const text = redactCards(clone.outerHTML);
    const truncated = text.length > maxChars;
    return { ok: true, html: truncated ? text.slice(0, maxChars) : text, truncated, totalChars: text.length };
  }
  // ---- a quiet page's outline, kept -------------------------------------------------------------
  // A page nobody touched since Hark last walked it gives the same outline: a person who opened a
  // page and reads it before speaking, or a model that asks twice, is answered without a walk.
  // A walk's answer is kept while nothing happens that could change what a walk finds: no change
  // to the DOM (watched in the document and in each shadow root the walk went into), no scroll or
  // resize, no pointer, focus or form input, no animation or transition, nothing loaded (images,
  // fonts), no command that acts on the page. Field values are properties that no DOM change
  // reports, and a scroll's event comes a frame late: those, the window's size and the address (a
  // script's pushState) are compared when a kept answer is used. Up to KEPT_WALKS answers are
  // kept (a first outline, reading on, a whole listing for a label), all dropped at a change.
  // Not kept: a walk its deadline cut short. A frame of this site the walk went into is watched as
  // the page is (its mutations, its events, its window's size); one that navigates fires `load`
  // on its element here. Not seen: style sheets changed through CSSOM alone, animations a script
  // runs with element.animate(), a shadow root the walk did not go into, and events the page stops
  // before they reach Hark (a page can mislead its reader in many ways; it cannot make Hark act on
  // what is not its own element).
  const keptOutline = (() => {
    const KEPT_WALKS = 4;
    const kept = new Map(); // key -> { answer, scrollY, vw, vh, url, fields: [[el, role, value, checked]] }
    let walking = 0, changes = 0, watching = false;
    let onChange = () => {};
    const ours = (r) => isOverlay(r.target) || (r.type === 'childList' && [...r.addedNodes, ...r.removedNodes].every(isOverlay));
    const observer = new MutationObserver((records) => { if (!records.every(ours)) changed(); });
    const LISTEN = { capture: true, passive: true };
    function changed() {
      changes++;
      kept.clear();
      if (!walking) unwatch();
      onChange();
    }
    function unwatch() { if (watching) { observer.disconnect(); watching = false; } }
    // Events count only while something is kept or walked: otherwise they cost one call each.
    const onEvent = () => { if (watching) changed(); };
    // On the document, not the window: an element's `load` never reaches the window.
    const DOCUMENT_EVENTS = ['scroll', 'pointerover', 'pointerout', 'pointerdown', 'pointerup', 'focusin', 'focusout', 'input', 'change', 'toggle',
      'animationstart', 'animationiteration', 'animationend', 'animationcancel', 'transitionrun', 'transitionend', 'transitioncancel', 'load', 'error', 'fullscreenchange'];
    function listenTo(doc, win) {
      for (const type of DOCUMENT_EVENTS) doc.addEventListener(type, onEvent, LISTEN);
      for (const type of ['resize', 'hashchange']) win?.addEventListener(type, onEvent, LISTEN);
      doc.fonts?.addEventListener('loadingdone', onEvent);
    }
    listenTo(document, globalThis);
    globalThis.visualViewport?.addEventListener('resize', onEvent);
    // A shadow root's scrolling is its own (the event does not leave it); a frame's document has
    // events of its own.
    const listened = new WeakSet();
    const roots = {
      add(root) {
        observer.observe(root, WATCH_ALL);
        if (!listened.has(root)) { listened.add(root); root.addEventListener('scroll', onEvent, LISTEN); }
      },
      addFrame(doc) {
        observer.observe(doc, WATCH_ALL);
        if (!listened.has(doc)) { listened.add(doc); listenTo(doc, doc.defaultView); }
      },
    };
    const pendingChange = () => { const r = observer.takeRecords(); return r.length > 0 && !r.every(ours); };
    const VALUE_ROLES = new Set(['textbox', 'searchbox', 'spinbutton', 'slider', 'combobox', 'listbox']);
    // The fields of an answer with what they held (sensitive ones are never read); null past
    // MAX_FIELDS, whose values could not all be compared within a frame: that answer is not kept.
    const MAX_FIELDS = 1000;
    function fieldsOf(nodes) {
      const fields = [];
      for (const n of nodes) {
        if (!n.ref || n.sensitive || !(VALUE_ROLES.has(n.role) || n.checked !== undefined)) continue;
        if (fields.length >= MAX_FIELDS) return null;
        const el = elementFor(n.ref);
        if (el) fields.push([el, n.role, fieldValue(el, n.role), el.checked]);
      }
      return fields;
    }
    const fieldMoved = ([el, role, value, checked]) => el.checked !== checked || fieldValue(el, role) !== value;
    return {
      // The kept answer for `key` (the command as JSON), if the page is as it was; else null.
      take(key) {
        const k = kept.get(key);
        if (!k) return null;
        if (pendingChange() || scrollY !== k.scrollY || innerWidth !== k.vw || innerHeight !== k.vh || location.href !== k.url || k.fields.some(fieldMoved)) {
          changed();
          return null;
        }
        return k.answer;
      },
      // collect(command), keeping its answer when the page did not change while it walked.
      async walk(key, command, s) {
        const before = changes;
        walking++;
        if (!watching) { observer.observe(document, WATCH_ALL); watching = true; }
        const seen = { roots, cut: false };
        let answer;
        try {
          answer = await collect(command, s, seen);
        } finally {
          walking--;
        }
        if (pendingChange()) changed();
        const fields = answer.ok && changes === before && !seen.cut ? fieldsOf(answer.nodes) : null;
        if (fields) {
          kept.delete(key);
          if (kept.size >= KEPT_WALKS) kept.delete(kept.keys().next().value);
          kept.set(key, { answer: { ...answer }, scrollY, vw: innerWidth, vh: innerHeight, url: location.href, fields });
        } else if (!walking && !kept.size) unwatch();
        return answer;
      },
      has: (key) => kept.has(key),
      // Something Hark did to the page: what was kept is not the page any more.
      changed,
      whenChanged(fn) { onChange = fn; },
    };
  })();
  // A walk for `command`, or the kept answer when the page is as it was at the walk for it.
  async function collectOrKept(command) {
    const t0 = performance.now();
    const key = JSON.stringify(command ?? {});
    const kept = keptOutline.take(key);
    if (kept) return { ...kept, kept: true, ms: Math.round((performance.now() - t0) * 10) / 10 };
    return keptOutline.walk(key, command ?? {}, slicer());
  }

  // ---- command dispatch ----------------------------------------------------------------------------
  const COMMANDS = { collect: collectOrKept, html };

  // One command at a time, in the order they came: a command working in slices is never
  // overtaken by the next (an undo before the change it undoes has finished).
  let queue = Promise.resolve();
  let commandsIn = 0; // commands received and not yet answered
  // `reads`: the command only reads the page (the core says so with each command, from its
  // page::READ_OPS); any other drops what the page kept.
  function execute(command, reads = false) {
    commandsIn++;
    const run = queue.then(() => runCommand(command, reads)).finally(() => { commandsIn--; });
    queue = run.catch(() => {});
    return run;
  }

  // The walk ahead. The session host says which outline the model gets first (`prime`, the
  // core's command); once the page has loaded, that walk runs in idle time, for up to WARM_UP_MS
  // in slices, giving way to any command, and its answer is kept (above) for the first call. It
  // also leaves the walk's code compiled: a content script's JIT state lives with its document,
  // and a page's first walk ran mostly in the slow tiers (Firefox: 1.5-3x the next one). After
  // the page changes it walks again when idle, REWARM_MS after the change; while the page keeps
  // changing under each walk the wait doubles, up to REWARM_MAX_MS: a page that never rests
  // costs a walk a minute, a person moving the pointer about at most one a second. Only tabs a
  // session serves have an executor, and only while it serves them is anything primed.
  const WARM_UP_MS = 250, REWARM_MS = 1000, REWARM_MAX_MS = 60000;
  let primed = null, primedKey = '';
  let rewarmGap = REWARM_MS, rewarmTimer = 0;
  function warmUp() {
    if (!primed || commandsIn || !document.body || keptOutline.has(primedKey)) return;
    const s = slicer(WARM_UP_MS, () => commandsIn > 0);
    keptOutline.walk(primedKey, primed, s)
      .then(() => { rewarmGap = keptOutline.has(primedKey) ? REWARM_MS : Math.min(rewarmGap * 2, REWARM_MAX_MS); })
      .catch(() => {});
  }
  const IDLE_WAIT_MS = 1000; // the longest a walk ahead waits for idle time, after a page's change
  const whenIdle = (timeout = IDLE_WAIT_MS) => requestIdleCallback(warmUp, { timeout });
  const rewarmIn = (ms, idleTimeout = IDLE_WAIT_MS) => { rewarmTimer = setTimeout(() => { rewarmTimer = 0; whenIdle(idleTimeout); }, ms); };
  keptOutline.whenChanged(() => { if (primed && !rewarmTimer) rewarmIn(rewarmGap); });
  // After an action of Hark's (a click, a scroll, typing) the model often looks again once it has
  // the result, a turn of its own later: the walk comes AFTER_ACTION_MS after the action (time for
  // the page to answer it, a frame or a few) rather than REWARM_MS, unless the page has been
  // changing under the last walks. On a page that is seldom idle it waits for idle time at most
  // AFTER_ACTION_IDLE_MS, not IDLE_WAIT_MS: the call it is for is a turn away, and would walk the
  // page then anyway.
  const AFTER_ACTION_MS = 150, AFTER_ACTION_IDLE_MS = 100;
  function rewarmAfterAction() {
    if (!primed || rewarmGap > REWARM_MS) return;
    clearTimeout(rewarmTimer);
    rewarmIn(AFTER_ACTION_MS, AFTER_ACTION_IDLE_MS);
  }
  // A prime on a page already loaded, while the session is still starting (`sessionUp` false):
  // the walk waits PRIME_WAIT_MS, so it does not take the CPU from the session's set-up (with the
  // walk at once, Firefox's click-to-ready was 8-23 ms slower in four of four paired runs on two
  // cores; the wait's own effect was within the noise of three). A document that opens while the
  // session runs (a link followed) walks once loaded and idle, whether its prime came before its
  // load or after it (Firefox's often comes after: waiting then left a call made half a second
  // after the load without a kept outline).
  const PRIME_WAIT_MS = 500;
  function prime(command, sessionUp = false) {
    primed = command && command.op === 'collect' ? command : null;
    primedKey = primed ? JSON.stringify(primed) : '';
    if (primed && document.readyState === 'complete') setTimeout(whenIdle, sessionUp ? 0 : PRIME_WAIT_MS);
  }
  // A prime that came before the load walks once the page has loaded (nothing is primed yet here).
  if (document.readyState !== 'complete') addEventListener('load', (e) => { if (e.isTrusted) whenIdle(); });
  async function runCommand(command, reads) {
    const fn = command && Object.hasOwn(COMMANDS, command.op) ? COMMANDS[command.op] : null;
    if (!fn) return { ok: false, error: `the page executor does not know '${command && command.op}'` };
    try {
      // A command that acts on the page changes what the next walk finds (its scroll event, for
      // one, comes a frame later).
      if (!reads) keptOutline.changed();
      const result = await fn(command);
      if (!reads) {
        keptOutline.changed();
        rewarmAfterAction();
      }
      if (result && typeof result === 'object') {
        const undid = Hark.takeStyleFights?.();
        if (undid) result.pageUndid = undid;
      }
      return result;
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

  // Whether `el` holds text of its own (a non-blank text node child), not only in its children:
  // what the style changes color, zoom, space and check for contrast.
  // Sibling links, not a childNodes iterator: each step of an iterator is one more DOM call in
  // Firefox's content scripts.
  function hasOwnText(el) {
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 3 && /\S/.test(c.data)) return true;
    return false;
  }

  // The text lying directly in an element, not in its children: in its first and last
  // OWN_TEXT_ENDS child nodes. Any look at all of a list's children costs in proportion to them
  // (a count, a query): on a table of 30,000 rows, 2.5 ms of each walk, for text that markup puts
  // before or after a list, not in its middle.
  const OWN_TEXT_ENDS = 64;
  const ownText = (el) => (walkFacts.active ? walkFacts.ownText(el) : readOwnText(el));
  function readOwnText(el) {
    let text = '', n = 0, c = el.firstChild;
    for (; c && n < OWN_TEXT_ENDS; c = c.nextSibling, n++) if (c.nodeType === 3) text += /** @type {Text} */ (c).data;
    if (!c) return squash(text);
    const read = c.previousSibling; // the last of those read
    let tail = '';
    for (let d = el.lastChild, m = 0; d && d !== read && m < OWN_TEXT_ENDS; d = d.previousSibling, m++) {
      if (d.nodeType === 3) tail = /** @type {Text} */ (d).data + tail;
    }
    return squash(`${text} ${tail}`);
  }

  Hark.dom = {
    ownHost, hasOwnText, collect, elementFor, shadowOf, slicer, eachInSlices, runInSlices, eachElementIn, staleAnswer, otherDocument, refFor, visible, isOverlay, isPrivate, isSensitive,
    roleOf, accessibleName, looksLikeButton, parseColor, squash, cut, redactCards, visibleText,
    SKIP_TAGS, INLINE, CONTROL_TAGS, BUTTON_SELECTOR, LOOK_ATTRIBUTE,
  };
  // The session stopped serving this page: nothing is walked ahead or kept, nothing watched.
  function forget() {
    prime(null);
    keptOutline.changed();
    walkFacts.forgetAll();
  }
  Hark.executor = {
    execute, prime, forget, register: (name, fn) => { COMMANDS[name] = fn; },
    // Whether the page's kept outline answers `command` (tests).
    kept: (command) => keptOutline.has(JSON.stringify(command)),
  };
})();
