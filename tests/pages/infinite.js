// An endless feed: 20 more posts whenever the end comes near the bottom of the window.
const feed = document.getElementById('feed');
let posts = 0;
function more() {
  const frag = document.createDocumentFragment();
  for (let i = 0; i < 20; i++) {
    posts++;
    const p = document.createElement('article');
    p.innerHTML = `<h2>Post ${posts}</h2><p class="body">Words of post ${posts}.</p><button type="button">Like post ${posts}</button>`;
    frag.append(p);
  }
  feed.append(frag);
  document.body.dataset.posts = String(posts);
}
more();
addEventListener('scroll', () => {
  if (document.getElementById('loading').getBoundingClientRect().top < innerHeight + 200) more();
}, { passive: true });
