// The partner form posts to the origin given in ?to= (the test's collector: another site).
const to = new URLSearchParams(location.search).get('to');
if (to) document.getElementById('partner').action = `${to}/subscribe`;
// A plain button whose own handler sends the partner form (no submit button involved).
document.getElementById('more').addEventListener('click', () => document.getElementById('partner').requestSubmit());
// The page also tries to answer Hark's question itself, over and over: synthetic clicks on
// everything (Hark's overlay included), a "yes" typed into every input it can reach, messages.
setInterval(() => {
  for (const el of document.querySelectorAll('*')) {
    if (el.tagName === 'HARK-OVERLAY') {
      el.click();
      el.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
      el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
    }
  }
  window.postMessage({ type: 'hark.overlay', action: 'confirm', id: 1, allow: true }, '*');
  window.postMessage({ type: 'hark.text', text: 'yes' }, '*');
  document.dispatchEvent(new CustomEvent('hark.confirm', { detail: { allow: true } }));
}, 100);
