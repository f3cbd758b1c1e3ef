// Everything an extension's script might call, replaced in the page's own world by something
// broken (window.__rewrite(), called by the test once it has looked at the page). Hark's content
// scripts live in a world of their own and must not notice. window.__look() still reads the page
// with the functions saved before. WebDriver's scripts run in the page's world (ChromeDriver's
// break there) until the page puts its world back.
let counted = 0;
const out = document.getElementById('counted');
document.getElementById('count').addEventListener('click', () => { counted++; out.firstChild.data = `Counted ${counted} times.`; });
const native = {
  all: Document.prototype.querySelectorAll,
  names: Element.prototype.getAttributeNames,
  get: Element.prototype.getAttribute,
  tag: Object.getOwnPropertyDescriptor(Element.prototype, 'tagName').get,
  apply: Reflect.apply,
};
// Every element (Hark's own hosts left out) with its attributes, as one string.
window.__look = () => {
  const els = native.apply(native.all, document, ['*']);
  let text = '';
  for (let i = 0; i < els.length; i++) {
    const tag = native.apply(native.tag, els[i], []);
    if (tag === 'HARK-OVERLAY' || tag === 'HARK-MARKS') continue;
    text += tag;
    const names = native.apply(native.names, els[i], []);
    for (let j = 0; j < names.length; j++) text += ` ${names[j]}=${native.apply(native.get, els[i], [names[j]])}`;
    text += '\n';
  }
  return text;
};
// What the rewrite replaces, saved to put back when "Put my world back" is clicked.
const saved = [];
const keep = (obj, name) => saved.push([obj, name, Object.getOwnPropertyDescriptor(obj, name)]);
window.__rewritten = false;
document.getElementById('restore').addEventListener('click', () => {
  for (let i = saved.length - 1; i >= 0; i--) {
    const [obj, name, desc] = saved[i];
    if (desc) Object.defineProperty(obj, name, desc); else delete obj[name];
  }
  window.__rewritten = false;
});
// Rewrites in a moment (the WebDriver call that asks must still get its answer).
window.__rewrite = () => { setTimeout(rewrite, 0); return true; };
function rewrite() {
  const broken = () => { throw new Error('broken by the page'); };
  const E = Element.prototype, N = Node.prototype, D = Document.prototype;
  for (const name of ['getAttribute', 'setAttribute', 'removeAttribute', 'querySelector', 'querySelectorAll', 'closest', 'matches', 'getBoundingClientRect', 'attachShadow', 'checkVisibility']) keep(E, name);
  for (const name of ['appendChild', 'insertBefore', 'removeChild', 'contains', 'cloneNode', 'textContent']) keep(N, name);
  for (const name of ['createElement', 'createTreeWalker', 'elementsFromPoint', 'querySelectorAll', 'getElementById']) keep(D, name);
  keep(CSSStyleDeclaration.prototype, 'setProperty');
  keep(CSSStyleDeclaration.prototype, 'getPropertyValue');
  keep(HTMLElement.prototype, 'style');
  for (const name of ['getComputedStyle', 'MutationObserver', 'setTimeout', 'requestAnimationFrame']) keep(window, name);
  for (const name of ['stringify', 'parse']) keep(JSON, name);
  keep(Array.prototype, 'push');
  keep(Array, 'from');
  keep(Map.prototype, 'get');
  keep(WeakMap.prototype, 'get');
  keep(Promise.prototype, 'then');
  keep(window.performance, 'now');
  for (const name of ['getAttribute', 'setAttribute', 'removeAttribute', 'querySelector', 'querySelectorAll', 'closest', 'matches', 'getBoundingClientRect', 'attachShadow', 'checkVisibility']) E[name] = broken;
  for (const name of ['appendChild', 'insertBefore', 'removeChild', 'contains', 'cloneNode']) N[name] = broken;
  for (const name of ['createElement', 'createTreeWalker', 'elementsFromPoint', 'querySelectorAll', 'getElementById']) D[name] = broken;
  CSSStyleDeclaration.prototype.setProperty = broken;
  CSSStyleDeclaration.prototype.getPropertyValue = () => 'inherit';
  Object.defineProperty(HTMLElement.prototype, 'style', { get: broken });
  Object.defineProperty(Node.prototype, 'textContent', { get: () => 'EVIL TEXT', set: broken });
  window.getComputedStyle = broken;
  JSON.stringify = () => '"the page\'s JSON"';
  JSON.parse = broken;
  Array.prototype.push = broken;
  Array.from = broken;
  Map.prototype.get = broken;
  WeakMap.prototype.get = broken;
  Promise.prototype.then = broken;
  window.MutationObserver = function () { throw new Error('no observers here'); };
  window.setTimeout = broken;
  window.requestAnimationFrame = broken;
  window.performance.now = () => 0;
  window.__rewritten = true;
}
