// The custom drop-down: opens on click, picks an option on click, closes again.
const button = document.getElementById('flavour');
const list = document.getElementById('flavours');
button.addEventListener('click', () => {
  const open = list.hidden;
  list.hidden = !open;
  button.setAttribute('aria-expanded', String(open));
});
for (const option of list.querySelectorAll('[role=option]')) {
  option.addEventListener('click', () => {
    for (const o of list.querySelectorAll('[role=option]')) o.setAttribute('aria-selected', String(o === option));
    button.textContent = option.textContent;
    list.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.body.dataset.flavour = option.textContent;
  });
}

// A web component whose buttons live in its shadow root.
customElements.define('order-actions', class extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('button { font: 14px sans-serif; padding: 6px 12px; background: rgb(230, 230, 230); color: #111; border: 1px solid #999; margin-right: 8px; }');
    root.adoptedStyleSheets = [sheet];
    for (const label of ['Place order', 'Save for later']) {
      const b = document.createElement('button');
      b.textContent = label;
      b.addEventListener('click', () => { document.getElementById('status').textContent = `${label}: done`; });
      root.append(b);
    }
  }
});
