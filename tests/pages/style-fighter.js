// Removes any style attribute set on the page's elements, in its own MutationObserver: a page that
// keeps its own look. Hark keeping its change through "re-renders" would undo this forever.
new MutationObserver((records) => {
  for (const r of records) if (r.target.hasAttribute('style')) r.target.removeAttribute('style');
}).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['style'] });
// The page's own heartbeat: a frozen tab stops counting.
window.__ticks = 0;
setInterval(() => { window.__ticks++; }, 50);
