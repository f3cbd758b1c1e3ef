// alert() and confirm() from click handlers: the browser's dialogs hold the page until answered.
const status = document.getElementById('status');
document.getElementById('hello').addEventListener('click', () => { alert('Hello from the page'); status.textContent = 'Said hello.'; });
document.getElementById('delete').addEventListener('click', () => {
  status.textContent = confirm('Delete everything?') ? 'Deleted everything.' : 'Kept everything.';
});
