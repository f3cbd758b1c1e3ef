//! Prints the page-snapshot figures of issues 5 and 14 over every page of the corpus (`tests/corpus/`, or
//! `HARK_CORPUS`: every `DIR/*.html`), measured side by side in one run per browser, headless Chromium
//! and Firefox (the e2e `Stack`: local peer, companion, page server, browser with the built
//! extension, all inside the bench's own network namespace):
//! - o200k tokens (`tiktoken-rs`) of Hark's snapshot (`getPageHTML` with no arguments, called by the
//!   peer), of `document.documentElement.outerHTML`, and (Chromium only: Playwright cannot drive
//!   Debian's Firefox) of Playwright's aria snapshot (`locator('body').ariaSnapshot()`,
//!   playwright-core from tests/aria, attached over CDP to the same browser and reading the same
//!   tab; a second Chromium only if attaching fails);
//! - the share of the page's visible interactive elements that the snapshot makes addressable;
//! - the time to build the snapshot, peer-side (call sent → output received): median and p95;
//! - and, for issue 11, the build time on a generated page far larger than any in the corpus
//!   (`tests/pages/big-table.html`: 30,000 rows, 60,000 links and buttons), and the p95 over every
//!   call on every page.
//!
//! Pages under `heldout/` are measured like the rest but only their pooled figures are printed:
//! no per-page rows, no samples, no examples of misses, so nobody tunes Hark to them.
//!
//! Run: `cargo run --release -p hark-e2e --bin snapshot-bench` (after `scripts/build.sh` and
//! `scripts/setup.sh`, which installs tests/aria/node_modules). `--runs N` sets the calls per page;
//! `--only SUBSTRING` measures only the matching pages (the figures are for all of them);
//! `--engine chromium|firefox|both` (default both); `HARK_SHOW_SNAPSHOT=1` prints each page's
//! first answer to stderr (never a held-out page's).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use hark_e2e::browser::{Engine, WINDOW};
use hark_e2e::corpus::{held_out, pages as corpus_pages};
use hark_e2e::stack::{Stack, GENERATED_PAGE};
use hark_e2e::stats::{median, percentile};

const DEFAULT_RUNS: usize = 12;
/// Each run makes 4 page commands and 4 calls per page (at rest, after a change, a scroll and the
/// call after it), read back from the session host's status, which keeps the last 50 of each.
const MAX_RUNS: usize = 12;
/// At most this many answers when reading a page on with `from=`.
const MAX_ANSWERS: usize = 40;

// Goals from issue 5.
const GOAL_HTML_RATIO: f64 = 30.0;
const GOAL_ARIA_RATIO: f64 = 0.7;
const GOAL_ADDRESSABLE: f64 = 1.0;
const GOAL_MEDIAN_MS: f64 = 20.0;
// Issue 11, goal 1.
const GOAL_EVERY_PAGE_P95_MS: f64 = 20.0;

fn main() -> Result<()> {
    if let Some(code) = hark_e2e::netns::reexec_inside() {
        std::process::exit(code);
    }
    hark_e2e::init_tls();
    let mut runs = DEFAULT_RUNS;
    let mut only: Option<String> = None;
    let mut engines = vec![Engine::Chromium, Engine::Firefox];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| (1..=MAX_RUNS).contains(n))
                    .with_context(|| format!("--runs N, 1 to {MAX_RUNS}"))?
            }
            "--only" => only = Some(args.next().context("--only SUBSTRING")?),
            "--engine" => engines = Engine::choice(args.next().as_deref())?,
            other => bail!("unknown argument {other:?} (--runs N, --only SUBSTRING, --engine chromium|firefox|both)"),
        }
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(bench(runs, only, engines))
}

// ---- Playwright's aria snapshot (tests/aria) ------------------------------------------------------

struct Aria {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    mode: String,
}

impl Aria {
    async fn start(args: &[&str]) -> Result<Aria> {
        let dir = hark_e2e::repo_root().join("tests/aria");
        if !dir.join("node_modules/playwright-core").exists() {
            bail!("{} has no node_modules: run scripts/setup.sh (or `npm ci` there)", dir.display());
        }
        let mut child = tokio::process::Command::new("node")
            .arg(dir.join("aria-snapshot.mjs"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting node (tests/aria/aria-snapshot.mjs)")?;
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .context("Playwright did not start within 60 s")??
            .ok_or_else(|| anyhow!("Playwright exited at start"))?;
        let v: Value = serde_json::from_str(&first)?;
        if let Some(e) = v.get("fatal") {
            bail!("Playwright could not start: {e}");
        }
        let mode = v["mode"].as_str().unwrap_or("?").to_string();
        Ok(Aria { child, stdin, lines, mode })
    }

    async fn snapshot(&mut self, url: &str) -> Result<(String, String)> {
        self.stdin.write_all(format!("{url}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        let line = tokio::time::timeout(Duration::from_secs(120), self.lines.next_line())
            .await
            .context("Playwright gave no aria snapshot within 120 s")??
            .ok_or_else(|| anyhow!("Playwright exited"))?;
        let v: Value = serde_json::from_str(&line)?;
        if let Some(e) = v.get("error") {
            bail!("aria snapshot of {url}: {e}");
        }
        Ok((v["aria"].as_str().unwrap_or_default().to_string(), v["mode"].as_str().unwrap_or("?").to_string()))
    }

    async fn stop(mut self) {
        drop(self.stdin);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}

// ---- the page's visible interactive elements ------------------------------------------------------

/// Runs in the page (main world, WebDriver). It never sees Hark's refs: it lists the visible
/// interactive elements with their role and every name a person or the page gives them.
const INTERACTIVE_JS: &str = r#"
const SEL = 'a[href], button, input, select, textarea, summary, [onclick], [tabindex], [contenteditable=""], [contenteditable=true], ' +
  ['button','link','checkbox','radio','tab','menuitem','menuitemcheckbox','menuitemradio','option','switch','textbox','searchbox',
   'combobox','listbox','slider','spinbutton','treeitem','gridcell','scrollbar','progressbar'].map(r => `[role=${r}]`).join(', ');
// Hark gives a control one ref and does not look inside it (generic [onclick]/[tabindex] boxes excepted).
const OUTER = 'a[href], button, summary, select, ' +
  ['button','link','checkbox','radio','tab','menuitem','menuitemcheckbox','menuitemradio','option','switch','textbox','searchbox',
   'combobox','listbox','slider','spinbutton','treeitem','gridcell','scrollbar','progressbar'].map(r => `[role=${r}]`).join(', ');
const squash = (s) => (s == null ? '' : String(s)).replace(/\s+/g, ' ').trim();
function roleOf(el) {
  const r = (el.getAttribute('role') || '').trim().split(/\s+/)[0].toLowerCase();
  if (r && r !== 'none' && r !== 'presentation' && r !== 'generic') return r;
  const t = (el.type || '').toLowerCase();
  switch (el.tagName) {
    case 'A': return el.hasAttribute('href') ? 'link' : 'clickable';
    case 'BUTTON': case 'SUMMARY': return 'button';
    case 'SELECT': return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
    case 'TEXTAREA': return 'textbox';
    case 'INPUT':
      if (['button', 'submit', 'reset', 'image', 'file'].includes(t)) return 'button';
      if (t === 'checkbox') return 'checkbox';
      if (t === 'radio') return 'radio';
      if (t === 'range') return 'slider';
      if (t === 'number') return 'spinbutton';
      if (t === 'search') return 'searchbox';
      return 'textbox';
  }
  if (el.isContentEditable) return 'textbox';
  return 'clickable';
}
function visible(el) {
  if (el.closest('[aria-hidden="true"], [inert]')) return false;
  if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}
// The text and the images' text alternatives (img alt, a drawing's aria-label or <title>) in
// order, hidden parts left out: a name from content as the accname rules compute it.
function contentName(el) {
  let out = '';
  for (const c of el.childNodes) {
    if (c.nodeType === 3) { out += c.data; continue; }
    if (c.nodeType !== 1 || (c.checkVisibility && !c.checkVisibility({ visibilityProperty: true }) && getComputedStyle(c).display !== 'contents')) continue;
    if (c.getAttribute('aria-hidden') === 'true' || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/.test(c.tagName)) continue;
    if (c.tagName === 'IMG') out += ' ' + (c.getAttribute('aria-label') || c.getAttribute('alt') || c.title || '') + ' ';
    else if (c.localName === 'svg') out += ' ' + (c.getAttribute('aria-label') || [...c.children].find((t) => t.localName === 'title')?.textContent || '') + ' ';
    else out += ' ' + contentName(c) + ' ';
  }
  return out;
}
function names(el) {
  const out = [];
  const lb = el.getAttribute('aria-labelledby');
  if (lb) out.push(lb.split(/\s+/).map((id) => el.getRootNode().getElementById?.(id)?.textContent || '').join(' '));
  out.push(el.getAttribute('aria-label'));
  // A field's content is its value (a textarea's or an editable box's text, a select's options),
  // not its name.
  const field = el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
  if (!field) out.push(el.innerText, contentName(el));
  const t = (el.type || '').toLowerCase();
  if (['button', 'submit', 'reset'].includes(t)) out.push(el.value);
  if (el.labels) for (const l of el.labels) out.push(l.innerText || l.textContent);
  out.push(el.title, el.getAttribute('placeholder'), el.getAttribute('alt'));
  const img = el.querySelector('img[alt], svg[aria-label], [title]');
  if (img) out.push(img.getAttribute('alt') || img.getAttribute('aria-label') || img.getAttribute('title'));
  if (!field) out.push(el.textContent);
  if (el.tagName === 'INPUT' || el.tagName === 'SELECT' || el.tagName === 'TEXTAREA') out.push(el.getAttribute('name'));
  const seen = new Set();
  return out.map(squash).filter((n) => n && !seen.has(n) && seen.add(n));
}
const found = [];
function walk(root) {
  for (const el of root.querySelectorAll(SEL)) {
    if (el.tagName === 'INPUT' && (el.type || '').toLowerCase() === 'hidden') continue;
    if (el.hasAttribute('tabindex') && el.tabIndex < 0 && !el.matches(SEL.replace('[tabindex], ', ''))) continue;
    if (el.tagName === 'A' && !el.hasAttribute('href') && !el.matches('[onclick], [tabindex], [role]')) continue;
    if (!visible(el)) continue;
    // Nested interactive content (a link inside a menuitem) is reached through the outer control.
    if (el.parentElement && el.parentElement.closest(OUTER)) continue;
    const r = el.getBoundingClientRect();
    const inView = r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
    found.push({ role: roleOf(el), tag: el.tagName.toLowerCase(), names: names(el), inView });
  }
  for (const host of root.querySelectorAll('*')) if (host.shadowRoot) walk(host.shadowRoot);
}
walk(document);
return found;
"#;

#[derive(Debug)]
struct Interactive {
    role: String,
    in_view: bool,
    tag: String,
    names: Vec<String>,
}

/// Lowercase, whitespace squashed, `"` as `'` (the snapshot quotes names that way).
fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").replace('"', "'").to_lowercase()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[derive(Debug)]
struct RefLine {
    role: String,
    /// Normalised name; for a clipped name (ends in `…`) the part before it.
    name: String,
    clipped: bool,
    used: bool,
}

/// The snapshot's ref lines: `[e12] role "name" (states) = "value"`.
fn ref_lines(snapshot: &str) -> Vec<RefLine> {
    let mut out = Vec::new();
    for l in snapshot.lines() {
        let Some(rest) = l.strip_prefix("[e") else { continue };
        let Some(close) = rest.find("] ") else { continue };
        if !rest[..close].chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let rest = &rest[close + 2..];
        let (role, after) = rest.split_once(' ').unwrap_or((rest, ""));
        let mut name = String::new();
        if let Some(q) = after.strip_prefix('"') {
            if let Some(end) = q.find('"') {
                name = q[..end].to_string();
            }
        }
        let clipped = name.ends_with('…');
        let name = norm(name.trim_end_matches('…'));
        out.push(RefLine { role: role.to_string(), name, clipped, used: false });
    }
    out
}

fn roles_compatible(page: &str, snap: &str) -> bool {
    page == snap
        || snap == "button-link" && (page == "link" || page == "button" || page == "clickable")
        || page == "clickable"
        || snap == "clickable"
}

#[derive(Debug, Default, Clone)]
struct Addressable {
    total: usize,
    named: usize,
    named_found: usize,
    unnamed: usize,
    unnamed_found: usize,
    missed: Vec<String>,
}

impl Addressable {
    fn found(&self) -> usize {
        self.named_found + self.unnamed_found
    }
    fn share(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.found() as f64 / self.total as f64
        }
    }
}

/// Matches the page's visible interactive elements to the snapshot's ref lines by name, each ref
/// line used at most once; unnamed elements take ref lines left over of a compatible role.
fn addressable(elements: &[Interactive], snapshot: &str) -> Addressable {
    let mut refs = ref_lines(snapshot);
    // Names match as they are, or failing that with no whitespace at all: where a browser's
    // innerText breaks lines (around a <br> or an inline-block) is not a different name.
    let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
    let mut squeezed: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in refs.iter().enumerate() {
        if !r.clipped && !r.name.is_empty() {
            exact.entry(r.name.clone()).or_default().push(i);
            squeezed.entry(squeeze(&r.name)).or_default().push(i);
        }
    }
    let mut a = Addressable { total: elements.len(), ..Default::default() };
    // Which ref lines could stand for each named element: one carrying one of its names, or a
    // clipped name that one of its names starts with.
    let mut named: Vec<(&Interactive, Vec<String>, Vec<usize>)> = Vec::new();
    let mut unnamed = Vec::new();
    for el in elements {
        let names: Vec<String> = el.names.iter().map(|n| norm(n)).filter(|n| !n.is_empty()).collect();
        if names.is_empty() {
            unnamed.push(el);
            continue;
        }
        let mut lines: Vec<usize> = names.iter().filter_map(|n| exact.get(n)).flatten().copied().collect();
        if lines.is_empty() {
            lines = names.iter().filter_map(|n| squeezed.get(&squeeze(n))).flatten().copied().collect();
        }
        for (i, r) in refs.iter().enumerate() {
            if r.clipped
                && !r.name.is_empty()
                && names.iter().any(|n| n.starts_with(&r.name) || squeeze(n).starts_with(&squeeze(&r.name)))
            {
                lines.push(i);
            }
        }
        lines.sort_unstable();
        lines.dedup();
        named.push((el, names, lines));
    }
    a.named = named.len();
    // Each ref line stands for one element at most: the largest such pairing (augmenting paths),
    // so two links that share a name are not both counted against one line.
    let candidates: Vec<&[usize]> = named.iter().map(|(_, _, l)| l.as_slice()).collect();
    let owner = max_matching(&candidates, refs.len());
    let mut matched = vec![false; named.len()];
    for (line, el) in owner.iter().enumerate() {
        if let Some(el) = el {
            matched[*el] = true;
            refs[line].used = true;
        }
    }
    for (i, (el, names, _)) in named.iter().enumerate() {
        if matched[i] {
            a.named_found += 1;
        } else {
            let shown: String = names[0].chars().take(60).collect();
            a.missed.push(format!("{} <{}> \"{shown}\"", el.role, el.tag));
        }
    }
    a.unnamed = unnamed.len();
    for el in unnamed {
        if let Some(r) = refs.iter_mut().find(|r| !r.used && roles_compatible(&el.role, &r.role)) {
            r.used = true;
            a.unnamed_found += 1;
        } else {
            a.missed.push(format!("{} <{}> (no name)", el.role, el.tag));
        }
    }
    a
}

/// Maximum bipartite matching (Kuhn): `candidates[e]` lists the lines element `e` may take;
/// the answer says, per line, which element took it.
fn max_matching(candidates: &[&[usize]], lines: usize) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; lines];
    // Greedy first: most elements have one line of their own.
    let mut done = vec![false; candidates.len()];
    for (e, c) in candidates.iter().enumerate() {
        if let Some(&l) = c.iter().find(|&&l| owner[l].is_none()) {
            owner[l] = Some(e);
            done[e] = true;
        }
    }
    // Then an augmenting path for each element left over (iterative depth-first search).
    let left_over: Vec<usize> = (0..candidates.len()).filter(|&e| !done[e]).collect();
    for start in left_over {
        let mut seen = vec![false; lines];
        // Stack of (element, next candidate index); `via[l]` = the element that reached line l.
        let mut stack = vec![(start, 0usize)];
        let mut via: Vec<usize> = vec![usize::MAX; lines];
        let mut free_line = None;
        while let Some(&mut (e, ref mut k)) = stack.last_mut() {
            if *k >= candidates[e].len() {
                stack.pop();
                continue;
            }
            let l = candidates[e][*k];
            *k += 1;
            if seen[l] {
                continue;
            }
            seen[l] = true;
            via[l] = e;
            match owner[l] {
                None => {
                    free_line = Some(l);
                    break;
                }
                Some(next) => stack.push((next, 0)),
            }
        }
        // Flip the path: each element on it takes the line it reached.
        if let Some(mut l) = free_line {
            loop {
                let e = via[l];
                let previous = candidates[e].iter().copied().find(|&p| owner[p] == Some(e));
                owner[l] = Some(e);
                match previous {
                    Some(p) if e != start => l = p,
                    _ => break,
                }
            }
            done[start] = true;
        }
    }
    owner
}

// ---- the run -----------------------------------------------------------------------------------

struct Row {
    page: String,
    held_out: bool,
    html_tokens: usize,
    hark_tokens: usize,
    aria_tokens: Option<usize>,
    addr: Addressable,
    /// Addressable over the first answer and every `from=` answer after it.
    addr_big: Addressable,
    answers: usize,
    addr_view: Addressable,
    inpage_collect_ms: f64,
    big_tokens: usize,
    /// The peer's view of each `from=` answer (call sent → output received).
    read_on_ms: Vec<f64>,
    /// Hark's own build time: the session host's call arrival → output sent (status.callLatencies).
    median_ms: f64,
    p95_ms: f64,
    /// What the peer sees: call sent → output received (adds the data channel both ways).
    rt_ms: f64,
    host_collect_ms: f64,
    omitted: bool,
    /// Every build time behind median_ms and p95_ms.
    built: Vec<f64>,
    series: Series,
}

async fn bench(runs: usize, only: Option<String>, engines: Vec<Engine>) -> Result<()> {
    let mut pages = corpus_pages()?;
    if let Some(o) = &only {
        pages.retain(|p| p.contains(o.as_str()));
        if pages.is_empty() {
            bail!("no corpus page matches {o:?}");
        }
    }
    let t_tok = Instant::now();
    let bpe = tiktoken_rs::o200k_base().context("o200k tokenizer")?;
    let tokens = |s: &str| bpe.encode_ordinary(s).len();
    let _ = tokens("warm up");
    eprintln!("o200k tokenizer ready in {:.0} ms", t_tok.elapsed().as_secs_f64() * 1000.0);

    let mut runs_by_engine = Vec::new();
    for engine in engines {
        let run = bench_engine(engine, &pages, runs, &tokens).await?;
        print_report(engine, &run, runs);
        runs_by_engine.push((engine, run.rows));
    }
    if runs_by_engine.len() > 1 {
        print_engines(&runs_by_engine);
    }
    Ok(())
}

/// Every page in one browser, then the generated one.
async fn bench_engine(
    engine: Engine,
    pages: &[String],
    runs: usize,
    tokens: &impl Fn(&str) -> usize,
) -> Result<EngineRun> {
    let mut s = Stack::start(engine).await?;
    s.open(&pages[0]).await?;
    let call = s.start_hark().await?;

    // Playwright drives Chromium only (Debian's Firefox has no Juggler).
    let mut aria = if engine == Engine::Chromium {
        let cdp = s
            .browser
            .client
            .capabilities()
            .and_then(|c| c.get("goog:chromeOptions"))
            .and_then(|o| o.get("debuggerAddress"))
            .and_then(|a| a.as_str())
            .map(|a| format!("http://{a}"));
        let aria = match &cdp {
            Some(addr) => match Aria::start(&["--cdp", addr]).await {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("attaching Playwright to the bench's Chromium failed ({e:#}); using a second Chromium");
                    Aria::start(&["--launch"]).await?
                }
            },
            None => Aria::start(&["--launch"]).await?,
        };
        eprintln!("Playwright: {}", aria.mode);
        Some(aria)
    } else {
        None
    };

    let mut rows = Vec::new();
    let mut aria_modes: HashMap<String, usize> = HashMap::new();
    for (i, page) in pages.iter().enumerate() {
        let shown = if held_out(page) { format!("a held-out page ({})", i + 1) } else { page.clone() };
        eprintln!("[{} {}/{}] {shown}", engine.name(), i + 1, pages.len());
        match measure(&mut s, &call, aria.as_mut(), page, runs, tokens).await {
            Ok((row, mode)) => {
                *aria_modes.entry(mode).or_default() += 1;
                rows.push(row);
            }
            Err(e) => bail!("{} {shown}: {e:#}", engine.name()),
        }
    }
    if let Some(aria) = aria {
        aria.stop().await;
    }
    // Issue 11, goal 1: a page far larger than any in the corpus, built by its own script.
    eprintln!("[{} generated] {GENERATED_PAGE}", engine.name());
    let before = timings_so_far(&mut s).await?;
    s.open_generated_page(Duration::from_millis(500)).await?;
    let generated = build_times(&mut s, &call, GENERATED_PAGE, runs, before).await?;
    s.stop().await;
    Ok(EngineRun { rows, aria_modes, generated })
}

/// One browser's run: a row per corpus page, how Playwright's snapshots were taken, and the
/// generated page's times.
struct EngineRun {
    rows: Vec<Row>,
    aria_modes: HashMap<String, usize>,
    generated: BuildTimes,
}

async fn measure(
    s: &mut Stack,
    call: &hark_peer::CallHandle,
    aria: Option<&mut Aria>,
    page: &str,
    runs: usize,
    tokens: &impl Fn(&str) -> usize,
) -> Result<(Row, String)> {
    let before = timings_so_far(s).await?;
    s.open_loaded(page, Duration::from_millis(500)).await?;
    let url = s.browser.eval("return location.href").await?.as_str().unwrap_or_default().to_string();
    let BuildTimes { snapshot, built, host, inpage, rt, series } = build_times(s, call, page, runs, before).await?;

    // What the model can reach: the first answer, then reading on with the `from=` each answer
    // names, as the model would (default budget), until the page ends.
    let mut big = snapshot.clone();
    let mut last = snapshot.clone();
    let mut answers = 1;
    let mut read_on_ms = Vec::new();
    while let Some(i) = last.find("from=\"") {
        let from: String = last[i + 6..].chars().take_while(|c| *c != '\\' && *c != '"').collect();
        let t0 = Instant::now();
        last = call
            .call_tool("getPageHTML", json!({ "from": from }))
            .await
            .map_err(|e| anyhow!("getPageHTML from {from}: {e}"))?;
        read_on_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        big.push_str(&last);
        answers += 1;
        if answers >= MAX_ANSWERS {
            break;
        }
    }

    let html = s.browser.eval("return document.documentElement.outerHTML").await?;
    let html = html.as_str().unwrap_or_default();
    let found = s.browser.eval(INTERACTIVE_JS).await?;
    let elements: Vec<Interactive> = found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|v| Interactive {
            role: v["role"].as_str().unwrap_or_default().to_string(),
            in_view: v["inView"].as_bool().unwrap_or(false),
            tag: v["tag"].as_str().unwrap_or_default().to_string(),
            names: v["names"]
                .as_array()
                .map(|a| a.iter().filter_map(|n| n.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        })
        .collect();

    let (aria_text, mode) = match aria {
        Some(aria) => match aria.snapshot(&url).await {
            Ok((t, m)) => (Some(t), m),
            Err(e) => {
                eprintln!("  {e:#}");
                (None, "failed".to_string())
            }
        },
        None => (None, "not taken".to_string()),
    };
    if !held_out(page) {
        keep_sample(s.browser.engine, page, &snapshot, aria_text.as_deref());
    }

    let row = Row {
        page: page.trim_start_matches("/corpus/").to_string(),
        held_out: held_out(page),
        html_tokens: tokens(html),
        hark_tokens: tokens(&snapshot),
        aria_tokens: aria_text.as_deref().map(tokens),
        addr: addressable(&elements, &snapshot),
        addr_view: {
            let in_view: Vec<Interactive> = elements
                .iter()
                .filter(|e| e.in_view)
                .map(|e| Interactive {
                    role: e.role.clone(),
                    in_view: true,
                    tag: e.tag.clone(),
                    names: e.names.clone(),
                })
                .collect();
            addressable(&in_view, &snapshot)
        },
        inpage_collect_ms: median(&inpage),
        addr_big: addressable(&elements, &big),
        big_tokens: tokens(&big),
        read_on_ms,
        answers,
        median_ms: median(&built),
        p95_ms: percentile(&built, 0.95),
        rt_ms: median(&rt),
        host_collect_ms: median(&host),
        omitted: snapshot.contains("Not shown to stay within"),
        built,
        series,
    };
    Ok((row, mode))
}

/// The times of `runs` first answers on the page now open (see `print_report` for each figure).
struct BuildTimes {
    snapshot: String,
    /// Hark's own build time per call (status.callLatencies).
    built: Vec<f64>,
    /// The session host's round trip to the executor per `collect` (status.pageTimings `ms`).
    host: Vec<f64>,
    /// The executor's in-page time for the same collects (status.pageTimings `pageMs`).
    inpage: Vec<f64>,
    /// The peer's view: call sent → output received.
    rt: Vec<f64>,
    series: Series,
}

/// What the calls after the first `runs` found, and how many calls were answered without a walk.
struct Series {
    /// How many of the first `runs` calls got the kept outline.
    kept: usize,
    /// Hark's build time and in-page time of `runs` more calls, each right after a change to the
    /// page: these walk it, where the calls above may get the outline the page kept.
    changed: Vec<f64>,
    changed_inpage: Vec<f64>,
    /// For the same calls: the session host's round trip to the executor (status.pageTimings
    /// `ms`, the in-page time included) and the core's work on the answer (`coreMs`).
    changed_host: Vec<f64>,
    changed_core: Vec<f64>,
    /// Calls right after a change that found an outline the page had walked since (not in `changed`).
    changed_walked_ahead: usize,
    /// Build times of `runs` calls made MODEL_TURN after Hark scrolled the page, and how many of
    /// them got an outline the page had walked since.
    acted: Vec<f64>,
    acted_kept: usize,
}

/// The model's turn between Hark's action and its next call, in the figures after a scroll: an
/// assumption (the function's output reaches the model, which answers with its next call), taken
/// short; the real one is longer.
const MODEL_TURN: Duration = Duration::from_millis(300);

/// A change to the page that shows nowhere (an attribute on <body>): after it the page's kept
/// outline is not used (extension/content/page.js, `keptOutline`).
const TOUCH_JS: &str = "document.body.toggleAttribute('data-hark-bench-touch'); return true;";

/// How many page timings the session host's status holds now (it keeps the last 50). Read before
/// a page opens: reading the status goes through an extension page, and WebDriver's switch to it
/// and back hides and shows the page's tab, which the next call would pay for (a repaint).
async fn timings_so_far(s: &mut Stack) -> Result<usize> {
    Ok(s.status().await?["pageTimings"].as_array().map(|a| a.len()).unwrap_or(0))
}

/// `before`: [`timings_so_far`] before the page opened.
async fn build_times(
    s: &mut Stack,
    call: &hark_peer::CallHandle,
    page: &str,
    runs: usize,
    before: usize,
) -> Result<BuildTimes> {
    // Hark's snapshot, `runs` times; the host's own page round trips come from its status.
    let mut rt = Vec::new();
    let mut snapshot = String::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let out = call.call_tool("getPageHTML", json!({})).await.map_err(|e| anyhow!("getPageHTML: {e}"))?;
        rt.push(t0.elapsed().as_secs_f64() * 1000.0);
        if snapshot.is_empty() {
            if std::env::var_os("HARK_SHOW_SNAPSHOT").is_some() && !held_out(page) {
                eprintln!("---- Hark's snapshot of {page}\n{out}\n----");
            }
            snapshot = out;
        }
    }
    for _ in 0..runs {
        s.browser.eval(TOUCH_JS).await?;
        call.call_tool("getPageHTML", json!({})).await.map_err(|e| anyhow!("getPageHTML after a change: {e}"))?;
    }
    // The model looking again after Hark acted: Hark scrolls a screen (down, then back up), the
    // model takes its turn (MODEL_TURN), then asks for the page.
    for i in 0..runs {
        let direction = if i % 2 == 0 { "down" } else { "up" };
        call.call_tool("scroll", json!({ "direction": direction })).await.map_err(|e| anyhow!("scroll: {e}"))?;
        tokio::time::sleep(MODEL_TURN).await;
        call.call_tool("getPageHTML", json!({})).await.map_err(|e| anyhow!("getPageHTML after a scroll: {e}"))?;
    }
    s.browser.eval("scrollTo(0, 0); return true;").await?;
    let status = s.status().await?;
    let timings = status["pageTimings"].as_array().cloned().unwrap_or_default();
    // The status keeps the last 50; take this page's: `runs` collects resting, `runs` changed,
    // `runs` scrolls each with its collect.
    let skip = if timings.len() < 50 { before.min(timings.len()) } else { timings.len().saturating_sub(4 * runs) };
    let collects: Vec<&Value> = timings[skip..].iter().filter(|t| t["op"] == json!("collect")).collect();
    if collects.len() != 3 * runs {
        bail!("{page}: {} collects in the page timings for {} calls", collects.len(), 3 * runs);
    }
    let (resting, rest) = collects.split_at(runs);
    let (after, acted) = rest.split_at(runs);
    let latencies = status["callLatencies"].as_array().cloned().unwrap_or_default();
    let builds: Vec<f64> = latencies[latencies.len().saturating_sub(4 * runs)..]
        .iter()
        .filter(|t| t["name"] == json!("getPageHTML"))
        .filter_map(|t| t["ms"].as_f64())
        .collect();
    if builds.len() != 3 * runs {
        bail!("{page}: {} getPageHTML latencies for {} calls", builds.len(), 3 * runs);
    }
    // A call right after a change may still find a kept outline: one the page walked after that
    // change, ahead of the call (the walk a second after an earlier change). The figures after a
    // change are about walks: those calls are left out of them, and counted.
    let walked = |t: &&&Value| t["kept"] != json!(true);
    Ok(BuildTimes {
        snapshot,
        built: builds[..runs].to_vec(),
        host: resting.iter().filter_map(|t| t["ms"].as_f64()).collect(),
        inpage: resting.iter().filter_map(|t| t["pageMs"].as_f64()).collect(),
        rt,
        series: Series {
            kept: resting.iter().filter(|t| t["kept"] == json!(true)).count(),
            changed: builds[runs..2 * runs].iter().zip(after).filter(|(_, t)| walked(t)).map(|(b, _)| *b).collect(),
            changed_inpage: after.iter().filter(walked).filter_map(|t| t["pageMs"].as_f64()).collect(),
            changed_host: after.iter().filter(walked).filter_map(|t| t["ms"].as_f64()).collect(),
            changed_core: after.iter().filter(walked).filter_map(|t| t["coreMs"].as_f64()).collect(),
            changed_walked_ahead: after.iter().filter(|t| !walked(t)).count(),
            acted: builds[2 * runs..].to_vec(),
            acted_kept: acted.iter().filter(|t| t["kept"] == json!(true)).count(),
        },
    })
}

/// The texts compared, kept under target/snapshot-bench/ for a person to read.
fn keep_sample(engine: Engine, page: &str, hark: &str, aria: Option<&str>) {
    let dir: PathBuf = hark_e2e::repo_root().join("target/snapshot-bench");
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let name: String = page
        .trim_start_matches("/corpus/")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .collect();
    let _ = std::fs::write(dir.join(format!("{name}.{}.hark.txt", engine.name())), hark);
    if let Some(a) = aria {
        let _ = std::fs::write(dir.join(format!("{name}.aria.yml")), a);
    }
}

/// Hark's tokens over the aria snapshot's; none when Playwright saw nothing on the page.
fn aria_ratio_of(r: &Row) -> Option<f64> {
    r.aria_tokens.filter(|&a| a > 0).map(|a| r.hark_tokens as f64 / a as f64)
}

fn verdict(met: bool) -> &'static str {
    if met {
        "MET"
    } else {
        "MISSED"
    }
}

fn print_report(engine: Engine, run: &EngineRun, runs: usize) {
    let (all, aria_modes) = (&run.rows, &run.aria_modes);
    let (held, rows): (Vec<&Row>, Vec<&Row>) = all.iter().partition(|r| r.held_out);
    let modes: Vec<String> = aria_modes.iter().map(|(m, n)| format!("{m} ×{n}")).collect();
    let mut dirs: Vec<&str> = rows.iter().filter_map(|r| r.page.split('/').next()).collect();
    dirs.dedup();
    println!();
    println!(
        "Hark snapshot benchmark, headless {} {}x{}: {} pages ({}), and {} held-out pages (pooled figures only)",
        engine.name(),
        WINDOW.0,
        WINDOW.1,
        rows.len(),
        dirs.join(" + "),
        held.len()
    );
    println!("Tokens: o200k_base (tiktoken-rs), the same tokenizer for all three texts.");
    println!(
        "  hark  = output of getPageHTML {{}} called by the peer (default budget {} tokens)",
        hark_protocol::tools::DEFAULT_SNAPSHOT_TOKENS
    );
    println!(
        "  html  = document.documentElement.outerHTML (what the seed sent), read over WebDriver at the same moment"
    );
    println!(
        "  aria  = Playwright locator('body').ariaSnapshot(), playwright-core attached over CDP to this same Chromium, same tab ({})",
        modes.join(", ")
    );
    println!("Addressable: the page's visible interactive elements (a[href], button, input≠hidden, select, textarea, summary,");
    println!("  [role=button|link|checkbox|radio|tab|menuitem*|option|switch|textbox|searchbox|combobox|listbox|slider|spinbutton|treeitem|gridcell|scrollbar|progressbar],");
    println!("  [onclick], [tabindex≥0], contenteditable; visible = checkVisibility + non-empty box + no aria-hidden/inert ancestor;");
    println!("  controls nested inside a link/button not counted separately; open shadow roots included) are listed by page JS, which");
    println!("  never sees Hark's refs. An element counts as addressable when a ref line of the snapshot carries one of its names");
    println!("  (aria-labelledby, aria-label, innerText, the text with its images' alt or <title> in order, button value, <label>,");
    println!("  title, placeholder, alt, inner img alt/title,");
    println!("  textContent (not for textarea/select: that is their value), name attr), each line standing for one element at most");
    println!("  (the largest such pairing); compared lowercased with whitespace squashed; a clipped name");
    println!("  (ending in …) matches as a prefix. Elements with no name at all count when an unclaimed ref line of a compatible role");
    println!("  is left (a count match, not proof it is the same element). addr = share in the first answer; reach = share after");
    println!(
        "  reading on: the first answer plus every getPageHTML {{from}} answer it leads to (at most {MAX_ANSWERS})."
    );
    println!("Time: build = Hark's own time per getPageHTML, the session host's call arrival → output sent (status.callLatencies),");
    println!("  {runs} calls per page (median, p95); rt = the peer's view, call sent → output received (adds the browser's data");
    println!("  channel both ways, median); host = the session host's");
    println!("  round trip to the page's executor for `collect` (status.pageTimings `ms`, median); in-pg = the executor's own in-page");
    println!("  time for the same collects (status.pageTimings `pageMs`, median). Pooled lines add the first call's build time");
    println!("  (each page is opened fresh: the first call is the one a person meets on a page). These calls find the page at");
    println!("  rest: the page may answer with the outline it kept from an earlier walk (its own one in idle time, or a call's).");
    println!("  chg = build time (median) of {runs} more calls, each right after a change to the page (an attribute toggled on");
    println!("  <body>): each of them walks the page. All in ms. Pooled lines also give {runs} calls each made {} ms (the model's turn,", MODEL_TURN.as_millis());
    println!("  assumed short) after Hark's `scroll` of a screen (down, up, down): the model looking again after Hark acted.");
    println!("  Pooled lines split the calls after a change: in-page, host↔page (the round trip, in-page included) and core (the");
    println!("  core's work on the answer: status.pageTimings `coreMs`), each the median over the pages.");
    println!();
    println!(
        "{:<57} {:>7} {:>6} {:>7} {:>6} {:>6} {:>5} {:>5} {:>5} {:>7} {:>6} {:>6} {:>5} {:>5} {:>5} {:>5}",
        "page",
        "html",
        "hark",
        "aria",
        "html/h",
        "h/aria",
        "inter",
        "addr",
        "view",
        "reach",
        "build",
        "p95",
        "rt",
        "host",
        "in-pg",
        "chg"
    );
    for r in &rows {
        let aria = r.aria_tokens.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
        let ha = aria_ratio_of(r).map(|x| format!("{x:.2}")).unwrap_or_else(|| "n/a".into());
        let view =
            if r.addr_view.total == 0 { "-".to_string() } else { format!("{:.0}%", r.addr_view.share() * 100.0) };
        println!(
            "{:<57} {:>7} {:>5}{} {:>7} {:>5.0}× {:>6} {:>5} {:>4.0}% {:>5} {:>6.0}% {:>6.1} {:>6.1} {:>5.1} {:>5.1} {:>5.1} {:>5.1}",
            r.page,
            r.html_tokens,
            r.hark_tokens,
            if r.omitted { "+" } else { " " },
            aria,
            r.html_tokens as f64 / r.hark_tokens.max(1) as f64,
            ha,
            r.addr.total,
            r.addr.share() * 100.0,
            view,
            r.addr_big.share() * 100.0,
            r.median_ms,
            r.p95_ms,
            r.rt_ms,
            r.host_collect_ms,
            r.inpage_collect_ms,
            median(&r.series.changed)
        );
    }
    println!("(+ = the snapshot says elements were left out to stay within its budget; view = addressable share of the visible");
    println!(" interactive elements inside the 1280x900 window's viewport at scroll 0; n/a = Playwright's aria snapshot was empty)");
    println!();

    let n = rows.len();
    let html_ratio: Vec<f64> = rows.iter().map(|r| r.html_tokens as f64 / r.hark_tokens.max(1) as f64).collect();
    let aria_ratio: Vec<f64> = rows.iter().filter_map(|r| aria_ratio_of(r)).collect();
    let shares: Vec<f64> = rows.iter().map(|r| r.addr.share()).collect();
    let shares_big: Vec<f64> = rows.iter().map(|r| r.addr_big.share()).collect();
    let medians: Vec<f64> = rows.iter().map(|r| r.median_ms).collect();
    let p95s: Vec<f64> = rows.iter().map(|r| r.p95_ms).collect();
    let total: usize = rows.iter().map(|r| r.addr.total).sum();
    let found: usize = rows.iter().map(|r| r.addr.found()).sum();
    let found_big: usize = rows.iter().map(|r| r.addr_big.found()).sum();
    let unnamed: usize = rows.iter().map(|r| r.addr.unnamed).sum();
    let view_total: usize = rows.iter().map(|r| r.addr_view.total).sum();
    let view_found: usize = rows.iter().map(|r| r.addr_view.found()).sum();
    let host: Vec<f64> = rows.iter().map(|r| r.host_collect_ms).collect();
    let inpage: Vec<f64> = rows.iter().map(|r| r.inpage_collect_ms).collect();
    let sum = |f: &dyn Fn(&Row) -> usize| rows.iter().map(|r| f(r)).sum::<usize>();
    let ok_html = html_ratio.iter().filter(|&&x| x >= GOAL_HTML_RATIO).count();
    let ok_aria = aria_ratio.iter().filter(|&&x| x <= GOAL_ARIA_RATIO).count();
    let ok_addr = shares.iter().filter(|&&x| x >= GOAL_ADDRESSABLE).count();
    let ok_ms = medians.iter().filter(|&&x| x <= GOAL_MEDIAN_MS).count();

    println!(
        "Summary (medians over {n} pages): html/hark {:.0}×, hark/aria {:.2} (NaN: not measured), addressable {:.0}% (all elements pooled: {found}/{total} = {:.1}%; \
         reading on with from=: {:.0}% median, {found_big}/{total} pooled; in the viewport: {view_found}/{view_total}), \
         build time median {:.1} ms, p95 {:.1} ms (median of per-page values; of which host↔page collect {:.1} ms, in-page collect {:.1} ms; \
         the peer's round trip, data channel included: {:.1} ms). Totals: html {} tokens, hark {}, aria {}, all answers read on {} (most answers on one page: {}; reading on, per answer: median {:.1} ms, worst page's median {:.1} ms). {unnamed} elements had no name.",
        median(&html_ratio),
        median(&aria_ratio),
        median(&shares) * 100.0,
        found as f64 * 100.0 / total.max(1) as f64,
        median(&shares_big) * 100.0,
        median(&medians),
        median(&p95s),
        median(&host),
        median(&inpage),
        median(&rows.iter().map(|r| r.rt_ms).collect::<Vec<_>>()),
        sum(&|r| r.html_tokens),
        sum(&|r| r.hark_tokens),
        sum(&|r| r.aria_tokens.unwrap_or(0)),
        sum(&|r| r.big_tokens),
        rows.iter().map(|r| r.answers).max().unwrap_or(0),
        median(&rows.iter().flat_map(|r| r.read_on_ms.iter().copied()).collect::<Vec<_>>()),
        rows.iter().filter(|r| !r.read_on_ms.is_empty()).map(|r| median(&r.read_on_ms)).fold(0.0, f64::max),
    );
    println!("Goals (issue 5):");
    println!(
        "  ≥{GOAL_HTML_RATIO:.0}× fewer tokens than outerHTML:                median {:>6.1}×   {}  ({ok_html}/{n} pages meet it)",
        median(&html_ratio),
        verdict(median(&html_ratio) >= GOAL_HTML_RATIO)
    );
    if aria_ratio.is_empty() {
        println!("  ≤{GOAL_ARIA_RATIO}× the aria snapshot's tokens:                 not measured here (Playwright drives Chromium only)");
    } else {
        println!(
            "  ≤{GOAL_ARIA_RATIO}× the aria snapshot's tokens:                 median {:>6.2}×   {}  ({ok_aria}/{} pages meet it)",
            median(&aria_ratio),
            verdict(median(&aria_ratio) <= GOAL_ARIA_RATIO),
            aria_ratio.len()
        );
    }
    println!(
        "  100% of visible interactive elements addressable: pooled {:>6.1}%   {}  (reading on with from=; first answer alone: {:.1}%, {ok_addr}/{n} pages at 100%; in the viewport only: {:.1}%, {})",
        found_big as f64 * 100.0 / total.max(1) as f64,
        verdict(found_big == total),
        found as f64 * 100.0 / total.max(1) as f64,
        view_found as f64 * 100.0 / view_total.max(1) as f64,
        if view_found == view_total { "met" } else { "missed" }
    );
    println!(
        "  ≤{GOAL_MEDIAN_MS:.0} ms median per page:                         median {:>6.1} ms {}  ({ok_ms}/{n} pages meet it; worst {:.1} ms)",
        median(&medians),
        verdict(ok_ms == n),
        medians.iter().cloned().fold(0.0, f64::max)
    );
    let changed: Vec<f64> = rows.iter().map(|r| median(&r.series.changed)).collect();
    let ok_changed = changed.iter().filter(|&&x| x <= GOAL_MEDIAN_MS).count();
    println!(
        "  ≤{GOAL_MEDIAN_MS:.0} ms median per page, right after a change: median {:>6.1} ms {}  ({ok_changed}/{n} pages meet it; worst {:.1} ms; \
         at rest {} of {} calls got the kept outline)",
        median(&changed),
        verdict(ok_changed == n),
        changed.iter().cloned().fold(0.0, f64::max),
        sum(&|r| r.series.kept),
        n * runs
    );
    if !held.is_empty() {
        let p = pooled(&held);
        println!("Held-out pages, pooled (never shown one by one): {}", p.line());
    }
    print_goal_every_page(all, &run.generated);

    let mut missed: Vec<&Row> = rows.iter().copied().filter(|r| !r.addr.missed.is_empty()).collect();
    missed.sort_by_key(|r| std::cmp::Reverse(r.addr.missed.len()));
    if !missed.is_empty() {
        println!();
        println!("Not addressable with the default budget (up to 4 examples per page, pages with most misses first):");
        for r in missed {
            println!(
                "  {} ({} of {} missed): {}",
                r.page,
                r.addr.missed.len(),
                r.addr.total,
                r.addr.missed.iter().take(4).cloned().collect::<Vec<_>>().join("; ")
            );
        }
    }
    let mut unreached: Vec<&Row> = rows.iter().copied().filter(|r| !r.addr_big.missed.is_empty()).collect();
    unreached.sort_by_key(|r| std::cmp::Reverse(r.addr_big.missed.len()));
    if !unreached.is_empty() {
        println!();
        println!("Not reached even reading on with from= (all of them, pages with most misses first):");
        for r in unreached {
            println!(
                "  {} ({} of {}): {}",
                r.page,
                r.addr_big.missed.len(),
                r.addr_big.total,
                r.addr_big.missed.join("; ")
            );
        }
    }
}

/// The figures issue 14 judges by, pooled over a set of pages.
struct Pooled {
    pages: usize,
    total: usize,
    first_found: usize,
    reach_found: usize,
    hark_tokens: usize,
    html_ratio: f64,
    /// Medians over the pages of each page's median, p95; the worst page's median.
    build_median: f64,
    build_p95: f64,
    build_worst: f64,
    within_goal: usize,
    /// Medians over the pages of the host's round trip to the page and of the in-page time: where
    /// the build's time goes, pooled.
    host_median: f64,
    inpage_median: f64,
    /// Median over the pages of the first call's build time: what a person meets on a page the
    /// model has not read yet (the page's scripts and Hark's code are not warm yet).
    first_median: f64,
    /// The same figures for the calls right after a change (each walks the page).
    changed_median: f64,
    changed_p95: f64,
    changed_within_goal: usize,
    changed_inpage_median: f64,
    changed_host_median: f64,
    changed_core_median: f64,
    /// Calls at rest answered with the kept outline, of all calls at rest.
    kept: usize,
    resting: usize,
}

fn pooled(rows: &[&Row]) -> Pooled {
    let medians: Vec<f64> = rows.iter().map(|r| r.median_ms).collect();
    Pooled {
        pages: rows.len(),
        total: rows.iter().map(|r| r.addr.total).sum(),
        first_found: rows.iter().map(|r| r.addr.found()).sum(),
        reach_found: rows.iter().map(|r| r.addr_big.found()).sum(),
        hark_tokens: rows.iter().map(|r| r.hark_tokens).sum(),
        html_ratio: median(
            &rows.iter().map(|r| r.html_tokens as f64 / r.hark_tokens.max(1) as f64).collect::<Vec<_>>(),
        ),
        build_median: median(&medians),
        build_p95: median(&rows.iter().map(|r| r.p95_ms).collect::<Vec<_>>()),
        build_worst: medians.iter().cloned().fold(0.0, f64::max),
        within_goal: medians.iter().filter(|&&m| m <= GOAL_MEDIAN_MS).count(),
        host_median: median(&rows.iter().map(|r| r.host_collect_ms).collect::<Vec<_>>()),
        inpage_median: median(&rows.iter().map(|r| r.inpage_collect_ms).collect::<Vec<_>>()),
        first_median: median(&rows.iter().filter_map(|r| r.built.first().copied()).collect::<Vec<_>>()),
        changed_median: median(&rows.iter().map(|r| median(&r.series.changed)).collect::<Vec<_>>()),
        changed_p95: median(&rows.iter().map(|r| percentile(&r.series.changed, 0.95)).collect::<Vec<_>>()),
        changed_within_goal: rows.iter().filter(|r| median(&r.series.changed) <= GOAL_MEDIAN_MS).count(),
        changed_inpage_median: median(&rows.iter().map(|r| median(&r.series.changed_inpage)).collect::<Vec<_>>()),
        changed_host_median: median(&rows.iter().map(|r| median(&r.series.changed_host)).collect::<Vec<_>>()),
        changed_core_median: median(&rows.iter().map(|r| median(&r.series.changed_core)).collect::<Vec<_>>()),
        kept: rows.iter().map(|r| r.series.kept).sum(),
        resting: rows.iter().map(|r| r.built.len()).sum(),
    }
}

impl Pooled {
    fn line(&self) -> String {
        let pct = |n: usize| n as f64 * 100.0 / self.total.max(1) as f64;
        format!(
            "{} pages; reach {}/{} = {:.1}% (first answer {:.1}%); hark {} tokens, html/hark median {:.0}×; \
             build median {:.1} ms, p95 {:.1} ms, worst page {:.1} ms; {}/{} pages ≤ {GOAL_MEDIAN_MS:.0} ms \
             (host↔page median {:.1} ms, in-page {:.1} ms; first call on a page: median {:.1} ms; {} of {} calls got the kept \
             outline); right after a change: build median {:.1} ms, p95 {:.1} ms, {}/{} pages ≤ {GOAL_MEDIAN_MS:.0} ms (in-page {:.1} ms, \
             host↔page {:.1} ms, core {:.1} ms)",
            self.pages,
            self.reach_found,
            self.total,
            pct(self.reach_found),
            pct(self.first_found),
            self.hark_tokens,
            self.html_ratio,
            self.build_median,
            self.build_p95,
            self.build_worst,
            self.within_goal,
            self.pages,
            self.host_median,
            self.inpage_median,
            self.first_median,
            self.kept,
            self.resting,
            self.changed_median,
            self.changed_p95,
            self.changed_within_goal,
            self.pages,
            self.changed_inpage_median,
            self.changed_host_median,
            self.changed_core_median
        )
    }
}

/// Both browsers side by side: the pages tuned on, then the held-out ones.
/// Issue 11, goal 1: every answer within 20 ms at p95, over every call on every corpus page
/// (held-out ones included) and on the generated page. Each line's verdict needs both that p95
/// and the generated page's own (printed beside it) within the goal.
fn print_goal_every_page(all: &[Row], generated: &BuildTimes) {
    let calls: Vec<f64> = all.iter().flat_map(|r| r.built.iter().copied()).collect();
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    let g = &generated.built;
    println!(
        "Generated page ({GENERATED_PAGE}: 30,000 rows, 60,000 links and buttons): build median {:.1} ms, p95 {:.1} ms, max {:.1} ms \
         (host↔page collect median {:.1} ms, in-page collect {:.1} ms; the peer's round trip {:.1} ms)",
        median(g),
        percentile(g, 0.95),
        max(g),
        median(&generated.host),
        median(&generated.inpage),
        median(&generated.rt)
    );
    let everything: Vec<f64> = calls.iter().chain(g).copied().collect();
    println!(
        "  ≤{GOAL_EVERY_PAGE_P95_MS:.0} ms p95 on every page (issue 11): all {} calls on {} corpus pages: median {:.1}, p95 {:.1}, max {:.1} ms; \
         with the generated page: p95 {:.1} ms {}",
        calls.len(),
        all.len(),
        median(&calls),
        percentile(&calls, 0.95),
        max(&calls),
        percentile(&everything, 0.95),
        verdict(percentile(&everything, 0.95) <= GOAL_EVERY_PAGE_P95_MS && percentile(g, 0.95) <= GOAL_EVERY_PAGE_P95_MS)
    );
    // The same, right after a change to each page: every one of these calls walks the page.
    let changed: Vec<f64> = all.iter().flat_map(|r| r.series.changed.iter().copied()).collect();
    let gc = &generated.series.changed;
    let everything: Vec<f64> = changed.iter().chain(gc).copied().collect();
    println!(
        "  the same right after a change to the page (each call walks it): {} calls on {} corpus pages: median {:.1}, p95 {:.1}, \
         max {:.1} ms; the generated page: median {:.1} ms (in-page {:.1} ms, host↔page {:.1} ms, core {:.1} ms), p95 {:.1} ms; \
         with it: p95 {:.1} ms {}",
        changed.len(),
        all.len(),
        median(&changed),
        percentile(&changed, 0.95),
        max(&changed),
        median(gc),
        median(&generated.series.changed_inpage),
        median(&generated.series.changed_host),
        median(&generated.series.changed_core),
        percentile(gc, 0.95),
        percentile(&everything, 0.95),
        verdict(percentile(&everything, 0.95) <= GOAL_EVERY_PAGE_P95_MS && percentile(gc, 0.95) <= GOAL_EVERY_PAGE_P95_MS)
    );
    let ahead: usize =
        all.iter().map(|r| r.series.changed_walked_ahead).sum::<usize>() + generated.series.changed_walked_ahead;
    if ahead > 0 {
        println!("    ({ahead} calls right after a change found an outline walked since the change, and are left out)");
    }
    // The model looking again after Hark scrolled, a model's turn later.
    let acted: Vec<f64> = all.iter().flat_map(|r| r.series.acted.iter().copied()).collect();
    let acted_kept: usize = all.iter().map(|r| r.series.acted_kept).sum();
    let ga = &generated.series.acted;
    let everything: Vec<f64> = acted.iter().chain(ga).copied().collect();
    println!(
        "  the same {} ms after Hark scrolled the page a screen (the model's turn, assumed): {} calls on {} corpus pages: \
         median {:.1}, p95 {:.1}, max {:.1} ms, {acted_kept} answered with an outline walked since the scroll; the generated \
         page: median {:.1} ms, p95 {:.1} ms ({} of {} walked since); with it: p95 {:.1} ms {}",
        MODEL_TURN.as_millis(),
        acted.len(),
        all.len(),
        median(&acted),
        percentile(&acted, 0.95),
        max(&acted),
        median(ga),
        percentile(ga, 0.95),
        generated.series.acted_kept,
        ga.len(),
        percentile(&everything, 0.95),
        verdict(percentile(&everything, 0.95) <= GOAL_EVERY_PAGE_P95_MS && percentile(ga, 0.95) <= GOAL_EVERY_PAGE_P95_MS)
    );
}

fn print_engines(runs: &[(Engine, Vec<Row>)]) {
    println!();
    println!("Both browsers (issue 14, goal 4):");
    for (part, want_held) in [("pages", false), ("held-out pages", true)] {
        for (engine, rows) in runs {
            let rows: Vec<&Row> = rows.iter().filter(|r| r.held_out == want_held).collect();
            if rows.is_empty() {
                continue;
            }
            println!("  {:<8} {part:<15} {}", engine.name(), pooled(&rows).line());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(role: &str, names: &[&str]) -> Interactive {
        Interactive {
            role: role.into(),
            in_view: true,
            tag: "a".into(),
            names: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn ref_lines_are_parsed_with_clipped_names() {
        let r = ref_lines("In view:\n[e1] link \"Home\"\n[e2] button-link \"A very long na…\" (expanded)\n[e3] textbox = \"x\"\n# [e4] no\n");
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].role.as_str(), r[0].name.as_str(), r[0].clipped), ("link", "home", false));
        assert_eq!((r[1].name.as_str(), r[1].clipped), ("a very long na", true));
        assert_eq!(r[2].name, "");
    }

    #[test]
    fn shared_names_are_paired_so_that_most_elements_get_a_line() {
        // The first link could take either line; a greedy pairing would leave the second out.
        let snap = "[e1] link \"Go to Backchannel\"\n[e2] link \"Backchannel\"\n[e3] link \"Backchannel\"\n";
        let a = addressable(
            &[
                el("link", &["Go to Backchannel", "Backchannel"]),
                el("link", &["Backchannel"]),
                el("link", &["Go to Backchannel", "Backchannel"]),
                el("link", &["Go to Backchannel"]),
            ],
            snap,
        );
        assert_eq!(a.named_found, 3, "{:?}", a.missed);
        let snap = "[e1] link \"Go to Backchannel\"\n[e2] link \"Backchannel\"\n";
        let a =
            addressable(&[el("link", &["Go to Backchannel", "Backchannel"]), el("link", &["Go to Backchannel"])], snap);
        assert_eq!(a.named_found, 2, "{:?}", a.missed);
        // Two elements, one line: one of them is missed.
        let a = addressable(&[el("link", &["Edit"]), el("link", &["Edit"])], "[e1] link \"Edit\"\n");
        assert_eq!((a.named_found, a.missed.len()), (1, 1));
    }

    #[test]
    fn names_match_whatever_the_line_breaks_but_not_other_words() {
        let snap = "[e1] clickable \"Web × Design × Q2 ×\"\n[e2] link \"Edit page\"\n";
        let a = addressable(&[el("clickable", &["Web×\nDesign×\nQ2×"]), el("link", &["Edit pages"])], snap);
        assert_eq!(a.named_found, 1, "{:?}", a.missed);
        assert_eq!(a.missed.len(), 1);
    }

    #[test]
    fn each_ref_line_counts_once() {
        let snap = "[e1] link \"Read more\"\n[e2] button \"bars\"\n[e3] link \"Long title of th…\"\n";
        let a = addressable(
            &[
                el("link", &["READ   more"]),
                el("link", &["Read more"]),
                el("button", &[]),
                el("link", &["Long title of the story"]),
            ],
            snap,
        );
        assert_eq!(a.total, 4);
        assert_eq!(a.named_found, 2);
        assert_eq!(a.unnamed_found, 1);
        assert_eq!(a.missed.len(), 1);
    }
}
