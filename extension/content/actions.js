// Hark's actions on the page: click, type, keys, choices, scrolling and navigation, as a person
// would do them, each answering what it did or why it could not. Primitives only: the WASM core
// decides what to do and asks the person first where the executor says it must.
(() => {
  'use strict';
  const Hark = (globalThis.__hark = globalThis.__hark || /** @type {HarkContent} */ ({}));
  if (Hark.actions || !Hark.dom || !Hark.executor) return;
  const { otherDocument, elementFor, staleAnswer, isOverlay, isSensitive, visible, roleOf, accessibleName, squash, cut } = Hark.dom;

  // ---- the person's yes ---------------------------------------------------------------------------
  // The checks that hold a command for the person's yes: the names of `Check` in
  // wasm-core/src/confirm.rs (a test there holds this table to it). A held command answers its
  // check as `kind`; the core re-sends it after a yes with `confirmed` listing the checks the person
  // said yes to, and only those are skipped: another check is another question.
  const CHECK = Object.freeze({ sensitiveField: 'sensitiveField', crossOriginForm: 'crossOriginForm', dataInUrl: 'dataInUrl' });
  const saidYes = (confirmed, check) => Array.isArray(confirmed) && confirmed.includes(check);
  const hold = (kind, question, error) => ({ ok: false, needsConfirmation: true, kind, question, error });

  // ---- actions: small DOM primitives, each answering what it did or why it could not ---------
  // Resolve a ref for an action: stale-safe like every ref command.
  function actionTarget(ref, doc) {
    const other = otherDocument(doc);
    if (other) return { error: other };
    const el = elementFor(ref);
    if (!el) return { error: staleAnswer(ref) };
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
    // A drawing's link (SVG) keeps its target and address as attributes only.
    const target = typeof a.target === 'string' ? a.target : a.getAttribute('target') || '';
    if (target && target !== '_self' && target !== '_top' && target !== '_parent') return false;
    try {
      const to = new URL(typeof a.href === 'string' ? a.href : a.getAttribute('href'), location.href);
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
    // A drawn widget (an SVG element) has no click(): the same event, dispatched.
    try { if (typeof el.click === 'function') el.click(); else mouse(el, 'click'); } finally { removeEventListener('click', seen); }
    return followsLink(el, ev) || navigatingNow() || location.href !== startUrl;
  }

  // ---- forms sent to another origin: asked first, whichever action would send them ------------
  // DOM clobbering: a form's named controls shadow its properties (`<input name=action>` makes
  // `form.action` that input), so the form is read through the prototypes' own getters.
  const formAction = Object.getOwnPropertyDescriptor(HTMLFormElement.prototype, 'action').get;
  const getAttr = Element.prototype.getAttribute;
  const hasAttr = Element.prototype.hasAttribute;
  const isSubmitter = (c) => !!c && ((c.tagName === 'BUTTON' && c.type === 'submit') || (c.tagName === 'INPUT' && (c.type === 'submit' || c.type === 'image')));

  // The other origin `form` would send this page's data to when `submitter` (or nothing: Enter in
  // a field) sends it; null for this origin, a dialog form, or no web address.
  function destination(form, submitter) {
    if (!form) return null;
    const own = (name) => (submitter && hasAttr.call(submitter, name) ? getAttr.call(submitter, name) : null);
    if ((own('formmethod') ?? getAttr.call(form, 'method') ?? '').trim().toLowerCase() === 'dialog') return null;
    try {
      const u = new URL(own('formaction') ?? formAction.call(form), location.href);
      return /^https?:$/.test(u.protocol) && u.origin !== location.origin ? u : null;
    } catch (_) { return null; }
  }

  // The other origin an action on `el` would send a form to: `how` is 'click' (a click on it, or
  // a key that clicks it: the click activates the submit button it is in, or the control of the
  // label it is in) or 'submit' (Enter in a field submits its form).
  function formLeavesOrigin(el, how) {
    if (!el || !el.closest) return null;
    if (how === 'submit') return destination(el.form, null);
    if (how !== 'click') return null;
    let c = el.closest('button, input');
    if (!c) { const label = el.closest('label'); c = label && label.control; }
    return isSubmitter(c) ? destination(c.form, c) : null;
  }

  // Backstop for what no check above foresaw (a page's own click or key handler that sends a
  // form): while Hark acts, a form on its way to another origin without the person's yes is
  // stopped, and the action answers that it needs the yes.
  let acting = null;
  addEventListener('submit', (ev) => {
    if (!acting || acting.allowed || !ev.isTrusted) return;
    const to = destination(ev.target, ev.submitter || null);
    if (to) { ev.preventDefault(); acting.stopped = acting.stopped || to; }
  }, true);
  // Runs `fn` as one of Hark's actions; answers [its result, the origin of a form it stopped].
  function guarded(allowed, fn) {
    const outer = acting;
    acting = { allowed, stopped: null };
    try { return [fn(), acting.stopped]; } finally { acting = outer; }
  }

  // Held for the person's yes to sending the form.
  function askToSend(to, done) {
    return hold(CHECK.crossOriginForm, `Allow: send this form to ${to.origin}?`, `${done}sending this form to another site (${to.origin}) needs the person's own confirmation, not just this call`);
  }

  function click({ ref, doc, confirmed }) {
    const { el, error } = actionTarget(ref, doc);
    if (error) return error;
    const d = describe(el);
    if (isDisabled(el)) return { ok: false, error: `the "${d.label}" ${d.role} is disabled: it cannot be clicked now` };
    const sendOk = saidYes(confirmed, CHECK.crossOriginForm);
    const away = !sendOk && formLeavesOrigin(el, 'click');
    if (away) return askToSend(away, '');
    const [navigating, stopped] = guarded(sendOk, () => clickEl(el));
    if (stopped) return askToSend(stopped, `Clicked "${d.label}", but the page then tried `);
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
    if (isSensitive(el) && !saidYes(confirmed, CHECK.sensitiveField)) {
      const name = d.label || 'this field';
      return hold(CHECK.sensitiveField, `Allow: type into ${name}?`, `typing into "${name}" (a password, card or one-time-code field) needs the person's own confirmation, not just this call`);
    }
    const sendOk = saidYes(confirmed, CHECK.crossOriginForm);
    const away = submit && !sendOk && formLeavesOrigin(el, keyAction(el, 'Enter'));
    const [navigating, stopped] = guarded(sendOk, () => fillField(el, String(text), !!submit && !away));
    if (away || stopped) return askToSend(away || stopped, `Typed the text into "${d.label}", but `);
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

  // What Enter or Space does to `el` besides its events: 'submit' (Enter in a field submits its
  // form), 'click' (the key activates it), or null. One answer for keyEffect and for the checks.
  function keyAction(el, key) {
    const tag = el.tagName;
    const type = (el.getAttribute && (el.getAttribute('type') || '').toLowerCase()) || '';
    const role = el.getAttribute?.('role');
    if (key === 'Enter') {
      if (tag === 'INPUT' && el.form && !['button', 'checkbox', 'radio', 'submit', 'reset', 'image'].includes(type)) return 'submit';
      if (tag === 'A' || tag === 'BUTTON' || tag === 'SUMMARY' || (tag === 'INPUT' && ['button', 'submit', 'reset', 'image'].includes(type)) || role === 'button') return 'click';
    }
    if (key === ' ') {
      if (tag === 'BUTTON' || tag === 'SUMMARY' || (tag === 'INPUT' && ['button', 'submit', 'reset', 'checkbox', 'radio'].includes(type)) || ['button', 'checkbox', 'switch', 'radio'].includes(role)) return 'click';
    }
    return null;
  }

  function keyEffect(el, key) {
    const tag = el.tagName;
    const page = el === document.body || el === document.documentElement || !el.tagName;
    const action = keyAction(el, key);
    if (action === 'submit') {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
      return 'submitted the form';
    }
    if (action === 'click') {
      el.click();
      return 'activated it';
    }
    if (key === 'Enter') return null;
    if (key === ' ') {
      if (page) { scrollBy({ top: innerHeight * 0.85, behavior: 'instant' }); return 'scrolled down a screen'; }
      return null;
    }
    if (key === 'Tab') {
      const all = Array.from(document.querySelectorAll(FOCUSABLE)).filter((e) => !isOverlay(e) && !(/** @type {HTMLInputElement} */ (e).disabled) && /** @type {HTMLElement} */ (e).tabIndex >= 0 && visible(e));
      const i = all.indexOf(el);
      const next = all[i + 1] || all[0];
      if (next) { /** @type {HTMLElement} */ (next).focus(); return `moved focus to "${cut(accessibleName(next), 60)}"`; }
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
    const sendOk = saidYes(confirmed, CHECK.crossOriginForm);
    const away = !sendOk && formLeavesOrigin(el, keyAction(el, key));
    if (away) return askToSend(away, '');
    const [{ effect, navigating }, stopped] = guarded(sendOk, () => pressOn(el, key, code));
    if (stopped) return askToSend(stopped, `Pressed ${key === ' ' ? 'Space' : key}, but the page then tried `);
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

  function navigate({ history: step, url, siteOnly, confirmed }) {
    if (typeof step === 'number') {
      if (step === 0) location.reload();
      else history.go(step);
      return { ok: true, url: location.href };
    }
    let target;
    try { target = new URL(String(url), location.href); } catch (_) { return { ok: false, error: `'${url}' is not a valid address` }; }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return { ok: false, error: `Hark opens only http and https addresses, not ${target.protocol}` };
    // Another site opens on the model's call alone only at its bare address (the core's rule,
    // `siteOnly`, and the address resolved to just an origin): any other address (path, query,
    // fragment, subdomain, port) could carry this page's data away.
    const bare = !!siteOnly && target.href === `${target.origin}/`;
    if (target.origin !== location.origin && !bare && !saidYes(confirmed, CHECK.dataInUrl)) {
      return hold(CHECK.dataInUrl, `Allow: open another site at ${cut(target.href, 120)}?`, `opening another site (${target.origin}) at an address that could carry data from this page needs the person's own confirmation, not just this call`);
    }
    location.assign(target.href);
    return { ok: true, url: target.href };
  }

  for (const [name, fn] of Object.entries({ click, typeText, pressKey, selectOption, setChecked, scroll, navigate })) Hark.executor.register(name, fn);
  Hark.actions = true;
})();
