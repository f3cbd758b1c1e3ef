// 20 renders a second of 200 new buttons. window.__renders counts them.
const board = document.getElementById('board');
window.__renders = 0;
function render() {
  window.__renders++;
  const frag = document.createDocumentFragment();
  for (let i = 1; i <= 200; i++) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'item';
    b.textContent = `Item ${i}`;
    frag.append(b, ' ');
  }
  board.replaceChildren(frag);
}
render();
setInterval(render, 50);
