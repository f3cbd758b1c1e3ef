//! Hark's dark view against Dark Reader's (issue 12, goal 3), over every page of the corpus, in
//! headless Chromium and Firefox (the e2e `Stack`: local peer, companion, page server, browser
//! with the built extension, in the bench's own network namespace). On each page, fresh each time:
//! - Hark: the peer calls `changePageView {"theme":"dark"}`; time = the page's own part (the
//!   executor's `ms`, from the session's page timings), and the whole call (sent → answer received,
//!   which adds the trip through the data channel and the session host) is printed beside it.
//! - Dark Reader (npm `darkreader`, its dynamic theme engine, from tests/aria/node_modules, MIT):
//!   injected into the same page in the same browser, `DarkReader.enable()`; time = enable → the
//!   page's DOM and styles quiet for 300 ms (minus those 300 ms).
//!
//! Both are then measured the same way: the share of visible text elements with contrast ≥ 4.5:1
//! (3:1 large) against what is painted behind them (`hark_e2e::contrast::AUDIT_JS`, computed
//! styles), and the share of the screen that turned dark (screenshot pixels with luminance < 0.1).
//! Held-out pages (`tests/corpus/heldout/`) are measured but printed pooled only.
//!
//! Run: `cargo run --release -p hark-e2e --bin theme-bench` (after `scripts/build.sh` and
//! `scripts/setup.sh`). `--only SUBSTRING` measures only the matching pages; `--engine
//! chromium|firefox|both` (default both).

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::Engine;
use hark_e2e::contrast::{dark_share, AUDIT_JS};
use hark_e2e::corpus::{held_out, pages as corpus_pages};
use hark_e2e::stack::Stack;
use hark_e2e::stats::{median, percentile};

/// Waits until nothing in the page changed for 300 ms (at most 10 s), for Dark Reader, which
/// restyles asynchronously; answers the ms from `t0` to the last change.
const QUIET: &str = "
  const t0 = window.__harkBenchT0;
  return new Promise((resolve) => {
    let last = performance.now();
    const seen = new MutationObserver(() => { last = performance.now(); });
    seen.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    const check = () => {
      const now = performance.now();
      if (now - last >= 300 || now - t0 > 10000) { seen.disconnect(); resolve(last - t0); }
      else setTimeout(check, 50);
    };
    setTimeout(check, 50);
  });";

#[derive(Debug, Clone, Copy)]
struct Look {
    /// In the page: what the goal compares.
    ms: f64,
    /// Hark only: the whole call as the peer sees it.
    call_ms: f64,
    readable: f64,
    checked: u64,
    dark: f64,
}

struct Row {
    page: String,
    held_out: bool,
    hark: Look,
    reader: Look,
}

fn main() -> Result<()> {
    if let Some(code) = hark_e2e::netns::reexec_inside() {
        std::process::exit(code);
    }
    hark_e2e::init_tls();
    let mut only: Option<String> = None;
    let mut engines = vec![Engine::Chromium, Engine::Firefox];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--only" => only = Some(args.next().context("--only SUBSTRING")?),
            "--engine" => engines = Engine::choice(args.next().as_deref())?,
            other => bail!("unknown argument {other:?} (--only SUBSTRING, --engine chromium|firefox|both)"),
        }
    }
    let reader_dir = hark_e2e::repo_root().join("tests/aria/node_modules/darkreader");
    let reader_version = std::fs::read_to_string(reader_dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    let reader_js = reader_dir.join("darkreader.js");
    let reader_js = std::fs::read_to_string(&reader_js)
        .with_context(|| format!("{} (run scripts/setup.sh: npm ci in tests/aria)", reader_js.display()))?;
    let mut pages = corpus_pages()?;
    if let Some(o) = &only {
        pages.retain(|p| p.contains(o.as_str()));
        if pages.is_empty() {
            bail!("no corpus page matches {o:?}");
        }
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        for engine in engines {
            let rows = bench_engine(engine, &pages, &reader_js).await?;
            report(engine, &rows, &reader_version);
        }
        Ok(())
    })
}

async fn bench_engine(engine: Engine, pages: &[String], reader_js: &str) -> Result<Vec<Row>> {
    let mut s = Stack::start(engine).await?;
    s.open(&pages[0]).await?;
    let call = s.start_hark().await?;
    let mut rows = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let shown = if held_out(page) { format!("a held-out page ({})", i + 1) } else { page.clone() };
        eprintln!("[{} {}/{}] {shown}", engine.name(), i + 1, pages.len());
        let measured = async {
            s.open_loaded(page, Duration::from_millis(300)).await?;
            let t0 = Instant::now();
            let out = call.call_tool("changePageView", json!({ "theme": "dark" })).await.map_err(|e| anyhow!("{e}"))?;
            let call_ms = t0.elapsed().as_secs_f64() * 1000.0;
            if !out.contains("\"ok\":true") {
                bail!("changePageView: {out}");
            }
            let timings = s.status().await?["pageTimings"].as_array().cloned().unwrap_or_default();
            let ms = timings
                .iter()
                .rev()
                .find(|t| t["op"] == json!("setView"))
                .and_then(|t| t["pageMs"].as_f64())
                .context("the session's page timings have no setView")?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let hark = Look { call_ms, ..look(&mut s, ms).await? };
            call.call_tool("resetPage", json!({})).await.map_err(|e| anyhow!("{e}"))?;

            s.open_loaded(page, Duration::from_millis(300)).await?;
            let injected = s
                .browser
                .eval(&format!(
                    "const el = document.createElement('script'); el.textContent = {};
                     (document.head || document.documentElement).append(el); return typeof DarkReader;",
                    serde_json::to_string(reader_js)?
                ))
                .await?;
            if injected != json!("object") {
                bail!("Dark Reader did not load on the page ({injected})");
            }
            s.browser
                .eval("window.__harkBenchT0 = performance.now(); DarkReader.enable({ brightness: 100, contrast: 100, sepia: 0 }); return true;")
                .await?;
            let ms = s.browser.eval(QUIET).await?.as_f64().unwrap_or(f64::NAN);
            let reader = look(&mut s, ms).await?;
            Ok::<_, anyhow::Error>(Row { page: page.clone(), held_out: held_out(page), hark, reader })
        };
        match measured.await {
            Ok(row) => rows.push(row),
            Err(e) => bail!("{} {shown}: {e:#}", engine.name()),
        }
    }
    s.stop().await;
    Ok(rows)
}

async fn look(s: &mut Stack, ms: f64) -> Result<Look> {
    let audit: Value = s.browser.eval(AUDIT_JS).await?;
    let checked = audit["checked"].as_u64().unwrap_or(0);
    let passing = audit["passing"].as_u64().unwrap_or(0);
    let shot = s.browser.screenshot().await?;
    Ok(Look {
        ms,
        call_ms: f64::NAN,
        readable: if checked == 0 { 1.0 } else { passing as f64 / checked as f64 },
        checked,
        dark: dark_share(&shot),
    })
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn report(engine: Engine, rows: &[Row], reader_version: &str) {
    println!(
        "\n== theme-bench, {}: Hark's dark view vs Dark Reader {reader_version} (dynamic theme) ==",
        engine.name()
    );
    println!(
        "{:<58} {:>9} {:>9} {:>8} {:>8} {:>7} {:>7}",
        "page", "hark rd", "DR rd", "hark ms", "DR ms", "hark dk", "DR dk"
    );
    for r in rows.iter().filter(|r| !r.held_out) {
        println!(
            "{:<58} {:>9} {:>9} {:>8.0} {:>8.0} {:>7} {:>7}",
            r.page.trim_start_matches("/corpus/"),
            pct(r.hark.readable),
            pct(r.reader.readable),
            r.hark.ms,
            r.reader.ms,
            pct(r.hark.dark),
            pct(r.reader.dark)
        );
    }
    for (name, held) in [("tuned pages", false), ("held-out pages (pooled)", true)] {
        let set: Vec<&Row> = rows.iter().filter(|r| r.held_out == held).collect();
        if set.is_empty() {
            continue;
        }
        let wins = set.iter().filter(|r| r.hark.readable >= r.reader.readable).count();
        let faster = set.iter().filter(|r| r.hark.ms <= r.reader.ms).count();
        let m = |f: &dyn Fn(&Row) -> f64| median(&set.iter().map(|r| f(r)).collect::<Vec<_>>());
        let all_text = |f: &dyn Fn(&Row) -> (u64, f64)| {
            let (n, ok) =
                set.iter().map(|r| f(r)).fold((0u64, 0.0), |(n, ok), (c, share)| (n + c, ok + c as f64 * share));
            if n == 0 {
                1.0
            } else {
                ok / n as f64
            }
        };
        println!(
            "{} {name} ({} pages): readable text (≥ 4.5:1, 3:1 large), pooled: Hark {} vs Dark Reader {}; median per page {} vs {}",
            engine.name(),
            set.len(),
            pct(all_text(&|r| (r.hark.checked, r.hark.readable))),
            pct(all_text(&|r| (r.reader.checked, r.reader.readable))),
            pct(m(&|r| r.hark.readable)),
            pct(m(&|r| r.reader.readable)),
        );
        println!(
            "{} {name}: time to apply in the page, median: Hark {:.0} ms (the whole call {:.0} ms) vs Dark Reader {:.0} ms; p95 {:.0} vs {:.0} ms; screen dark, median: {} vs {}",
            engine.name(),
            m(&|r| r.hark.ms),
            m(&|r| r.hark.call_ms),
            m(&|r| r.reader.ms),
            percentile(&set.iter().map(|r| r.hark.ms).collect::<Vec<_>>(), 0.95),
            percentile(&set.iter().map(|r| r.reader.ms).collect::<Vec<_>>(), 0.95),
            pct(m(&|r| r.hark.dark)),
            pct(m(&|r| r.reader.dark)),
        );
        println!(
            "{} {name}: goal (Hark ≥ Dark Reader's readable share on every page, in no more time): readable on {wins}/{} pages, no slower on {faster}/{} — {}",
            engine.name(),
            set.len(),
            set.len(),
            if wins == set.len() && faster == set.len() { "met" } else { "not met" }
        );
    }
}
