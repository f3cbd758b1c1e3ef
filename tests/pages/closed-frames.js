// A component with a closed shadow root (the page's own script cannot reach inside either,
// except through the reference it kept), and a frame from another origin: the same server under
// the name localhost, a different site to the browser.
customElements.define('closed-card', class extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({ mode: 'closed' });
    root.innerHTML = '<style>button { font: 15px sans-serif; padding: 4px 10px; }</style>'
      + '<p>Weekly letter, inside a closed component.</p><button type="button">Subscribe</button>';
    root.querySelector('button').addEventListener('click', () => { document.getElementById('status').textContent = 'Subscribed.'; });
    window.__closedButtonLook = () => { const b = root.querySelector('button'); return { style: b.getAttribute('style'), background: getComputedStyle(b).backgroundColor }; };
  }
});
document.getElementById('other').src = `${location.protocol}//localhost:${location.port}/t/frame-inner.html`;
