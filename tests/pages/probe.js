// How responsive the page stays: the longest gap between ticks of a 10 ms timer (what a person
// feels as a frozen page) and, in Chromium, every long task (> 50 ms) the browser reports.
// The tests read window.__probe; window.__probeReset() starts a new measurement.
(() => {
  const probe = { ticks: 0, maxGapMs: 0, longTasks: [], longTaskSupported: false };
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    probe.maxGapMs = Math.max(probe.maxGapMs, Math.round(now - last));
    last = now;
    probe.ticks++;
  }, 10);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask' });
    probe.longTaskSupported = PerformanceObserver.supportedEntryTypes.includes('longtask');
  } catch (_) { /* Firefox has no longtask entries: the timer gap is the measure there */ }
  // Chromium's long animation frames say where a long frame went: scripts (by source: Hark's
  // content scripts are chrome-extension:// URLs) or the browser's own style and layout work.
  probe.frames = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const scripts = {};
        for (const sc of e.scripts || []) {
          const src = (sc.sourceURL || sc.invoker || '?').replace(/^(chrome-extension|moz-extension):\/\/[^/]+/, 'hark');
          scripts[src] = Math.round((scripts[src] || 0) + sc.duration);
        }
        probe.frames.push({ ms: Math.round(e.duration), styleLayoutMs: e.styleAndLayoutStart ? Math.round(e.startTime + e.duration - e.styleAndLayoutStart) : 0, scripts });
      }
      probe.frames.sort((a, b) => b.ms - a.ms);
      probe.frames.length = Math.min(probe.frames.length, 5);
    }).observe({ type: 'long-animation-frame' });
  } catch (_) { /* not in Firefox */ }
  window.__probe = probe;
  window.__probeReset = () => {
    probe.maxGapMs = 0;
    probe.longTasks.length = 0;
    probe.frames.length = 0;
    last = performance.now();
    return true;
  };
})();
