// Builds ?rows=N rows (default 30,000), each with a link and a button: with the default, 60,000
// links and buttons, generated here so the repository holds no megabytes of markup.
const rows = Math.max(1, Math.min(200000, +new URLSearchParams(location.search).get('rows') || 30000));
const body = document.getElementById('rows');
const html = [];
for (let i = 1; i <= rows; i++) {
  html.push(`<tr><td>Order ${i}</td><td><a href="#order-${i}">Details ${i}</a></td><td><button type="button" class="cancel">Cancel ${i}</button></td></tr>`);
}
body.innerHTML = html.join('');
window.__clicked = [];
body.addEventListener('click', (e) => { if (e.target.tagName === 'BUTTON') window.__clicked.push(e.target.textContent); });
document.body.dataset.rows = String(rows);
