// A framework-style app: every 250 ms it throws its DOM away and renders it again from state
// (new elements each time), and rewrites the style attribute of its root, as some frameworks do.
const app = document.getElementById('app');
const state = { renders: 0, saves: 0 };
window.spaRenders = () => state.renders;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  e.append(...kids);
  return e;
}

function render() {
  state.renders++;
  const save = el('button', { type: 'button', id: 'save' }, 'Save');
  save.addEventListener('click', () => { state.saves++; document.body.dataset.saves = String(state.saves); });
  app.replaceChildren(
    el('h1', {}, 'Team board'),
    el('div', { class: 'card' },
      el('p', { class: 'note' }, 'Standup moved to 10:30.'),
      el('p', {}, 'Reviews are due on Friday.'),
      el('p', { id: 'saves' }, `Saved ${state.saves} times.`)),
    el('p', {}, save, ' ', el('button', { type: 'button', id: 'share' }, 'Share'), ' ', el('button', { type: 'button', id: 'archive' }, 'Archive')),
  );
  app.setAttribute('style', 'padding: 16px');
}
render();
setInterval(render, 250);
