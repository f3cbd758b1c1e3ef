//! Prints the extension's figures, measured in real headless Chromium and Firefox against the
//! local peer inside the bench's own network namespace:
//! - click-to-ready: toolbar press → `oai-events` open and Hark listening (median, p95);
//! - per-function latency on real pages: the peer sends the call → the output arrives (median, p95);
//! - the `.wasm` size, raw and gzipped;
//! - what Hark costs a page where it is off: every corpus page loaded in the browser with Hark
//!   installed and off, and in the same browser without Hark (load time, page heap after GC);
//! - during a session, a navigation's start → Hark's executor ready in the new document.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::json;

use hark_e2e::browser::{Browser, Engine, Launch, Microphone};
use hark_e2e::site::Site;
use hark_e2e::stack::Stack;
use hark_e2e::stats::percentile;

const READY_RUNS: usize = 30;
const CALL_RUNS: usize = 15;

fn main() -> Result<()> {
    if let Some(code) = hark_e2e::netns::reexec_inside() {
        std::process::exit(code);
    }
    hark_e2e::init_tls();
    let mut engines = vec![Engine::Chromium, Engine::Firefox];
    // The page-load comparison over the corpus is most of the run; `--session-only` skips it.
    let mut cost_where_off_too = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--engine" => engines = Engine::choice(args.next().as_deref())?,
            "--session-only" => cost_where_off_too = false,
            other => anyhow::bail!("unknown argument {other:?} (--engine chromium|firefox|both, --session-only)"),
        }
    }
    wasm_size()?;
    let rt = tokio::runtime::Runtime::new()?;
    for engine in engines {
        if cost_where_off_too {
            rt.block_on(cost_where_off(engine))
                .with_context(|| format!("{}: cost where Hark is off", engine.name()))?;
        }
        rt.block_on(bench(engine)).with_context(|| engine.name())?;
    }
    Ok(())
}

/// One page load: ms to the load event's end, and heap bytes after GC.
#[derive(Clone, Copy)]
struct Load {
    load_ms: f64,
    heap: f64,
}

async fn load(browser: &mut Browser, url: &str) -> Result<Load> {
    browser.goto(url).await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    let load_ms = loop {
        let v = browser
            .eval("const n = performance.getEntriesByType('navigation')[0]; return n && n.loadEventEnd > 0 ? n.loadEventEnd : null;")
            .await?;
        if let Some(ms) = v.as_f64() {
            break ms;
        }
        anyhow::ensure!(Instant::now() < deadline, "{url} did not finish loading");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // What runs at document_idle and right after it (a content script would) is in the figures.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let heap = browser.page_heap_after_gc().await? as f64;
    Ok(Load { load_ms, heap })
}

/// Every corpus page, with Hark installed and off vs. the same browser without it.
async fn cost_where_off(engine: Engine) -> Result<()> {
    let corpus = hark_e2e::corpus_dir();
    let mut pages: Vec<String> = walk_html(&corpus)?
        .into_iter()
        .filter_map(|p| p.strip_prefix(&corpus).ok().map(|r| format!("/corpus/{}", r.display())))
        .collect();
    pages.sort();
    let site = Site::start("127.0.0.1").await?;
    // Per variant (installed, not installed), each page's best of ROUNDS loads; the variants take
    // turns so neither has the machine's warm caches to itself.
    const ROUNDS: usize = 2;
    let mut best: [Vec<Option<Load>>; 2] = [vec![None; pages.len()], vec![None; pages.len()]];
    for _ in 0..ROUNDS {
        for (variant, installed) in [true, false].into_iter().enumerate() {
            let launch = Launch { extension: installed, microphone: Microphone::NeverAsked, ..Launch::default() };
            let mut browser = Browser::launch_with(engine, None, launch).await?;
            let outcome = async {
                // The browser (and Hark's first-run checklist tab) settles before the first figure.
                load(&mut browser, &site.url(&pages[0])).await?;
                tokio::time::sleep(Duration::from_secs(2)).await;
                for (i, page) in pages.iter().enumerate() {
                    let l = load(&mut browser, &site.url(page)).await?;
                    let b = &mut best[variant][i];
                    *b = Some(match *b {
                        Some(o) => Load { load_ms: o.load_ms.min(l.load_ms), heap: o.heap.min(l.heap) },
                        None => l,
                    });
                }
                anyhow::Ok(())
            }
            .await;
            browser.quit().await;
            outcome?;
        }
    }
    let sum = |v: &[Option<Load>], f: fn(&Load) -> f64| v.iter().flatten().map(f).sum::<f64>();
    let (on, off) = (&best[0], &best[1]);
    let (load_on, load_off) = (sum(on, |l| l.load_ms), sum(off, |l| l.load_ms));
    let (heap_on, heap_off) = (sum(on, |l| l.heap), sum(off, |l| l.heap));
    let pct = |a: f64, b: f64| (a - b) / b * 100.0;
    println!(
        "{}: cost where Hark is off, {} corpus pages (best of {ROUNDS}), installed-and-off vs. not installed: load {:.0} vs {:.0} ms ({:+.1}%), page heap after GC {:.1} vs {:.1} MiB ({:+.1}%)",
        engine.name(),
        pages.len(),
        load_on,
        load_off,
        pct(load_on, load_off),
        heap_on / 1048576.0,
        heap_off / 1048576.0,
        pct(heap_on, heap_off),
    );
    Ok(())
}

fn walk_html(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk_html(&path)?);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    Ok(out)
}

fn wasm_size() -> Result<()> {
    let path = hark_e2e::extension_dir().join("pkg/hark_core_bg.wasm");
    let raw = std::fs::read(&path).with_context(|| format!("{} (run scripts/build.sh)", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw)?;
    let gz = gz.finish()?;
    println!("wasm core: {} bytes raw, {} bytes gzipped ({})", raw.len(), gz.len(), path.display());
    Ok(())
}

async fn bench(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    let mut ready = Vec::new();
    let (mut host_after_click, mut in_browser) = (Vec::new(), Vec::new());
    // The background's part, ms from the press (extension/background.js `pressLeg`).
    let mut press_legs: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    // The session host's legs, ms from its start (extension/session-host.js `leg`).
    let mut legs: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for _ in 0..READY_RUNS {
        let t0 = Instant::now();
        s.browser.press_toolbar_button().await?;
        let call = s.peer.next_call().await?;
        call.wait_channel_open().await?;
        let st = s.wait_state(&["listening", "speaking"], Duration::from_secs(10)).await?;
        ready.push(t0.elapsed().as_secs_f64() * 1000.0);
        for (name, ms) in st["legs"].as_object().into_iter().flatten() {
            legs.entry(name.clone()).or_default().extend(ms.as_f64());
        }
        for (name, ms) in st["pressLegs"].as_object().into_iter().flatten() {
            press_legs.entry(name.clone()).or_default().extend(ms.as_f64());
        }
        // The browser's own clock: the background's press → the session host's start → ready
        // (channel open and microphone settled).
        if let (Some(host), Some(open)) = (st["hostAfterClick"].as_f64(), st["legs"]["ready"].as_f64()) {
            host_after_click.push(host);
            in_browser.push(host + open);
        }
        s.browser.press_toolbar_button().await?;
        s.wait_state(&["off"], Duration::from_secs(10)).await?;
    }
    println!(
        "{}: click-to-ready over {READY_RUNS} runs: median {:.0} ms, p95 {:.0} ms",
        engine.name(),
        percentile(&ready, 0.5),
        percentile(&ready, 0.95)
    );
    println!(
        "{}: click-to-ready in the browser (press → channel open and microphone settled, the browser's clock, without the \
         harness's WebDriver steps): median {:.0} ms, p95 {:.0} ms; of it, press → session host started: median {:.0} ms",
        engine.name(),
        percentile(&in_browser, 0.5),
        percentile(&in_browser, 0.95),
        percentile(&host_after_click, 0.5)
    );
    println!(
        "{}: before the session host, median ms from the press: {}",
        engine.name(),
        press_legs.iter().map(|(k, v)| format!("{k} {:.0}", percentile(v, 0.5))).collect::<Vec<_>>().join(", ")
    );
    let mut legs: Vec<(String, f64)> = legs.into_iter().map(|(k, v)| (k, percentile(&v, 0.5))).collect();
    legs.sort_by(|a, b| a.1.total_cmp(&b.1));
    println!(
        "{}: session host legs, median ms from its start: {}",
        engine.name(),
        legs.iter().map(|(k, v)| format!("{k} {v:.0}")).collect::<Vec<_>>().join(", ")
    );

    s.browser.press_toolbar_button().await?;
    let call = s.peer.next_call().await?;
    call.wait_channel_open().await?;
    let pages = [
        "/corpus/sb-admin-2/index.html",
        "/corpus/sb-admin-2/buttons.html",
        "/corpus/readability/nytimes-1.html",
        "/corpus/readability/wikipedia.html",
    ];
    let functions = [
        ("getPageHTML", json!({})),
        ("changeBackgroundColor", json!({ "color": "rgb(12, 34, 120)" })),
        ("changeTextColor", json!({ "color": "white" })),
        ("changeButtonStyle", json!({ "size": "large", "color": "orange" })),
        ("resetPage", json!({})),
    ];
    println!("{}: per-function latency, call sent → output received, {CALL_RUNS} calls per page:", engine.name());
    let mut ready_after_dcl = Vec::new();
    for page in pages {
        s.open(page).await?;
        // A new document of the served tab: its executor comes by injection once its DOM is parsed.
        let deadline = Instant::now() + Duration::from_secs(10);
        let ready = loop {
            if let Some(r) = s.browser.hark_in_page().await? {
                break r;
            }
            anyhow::ensure!(Instant::now() < deadline, "{page}: no executor 10 s after the navigation");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        println!(
            "  {page:40} executor ready {:.0} ms after the navigation started (DOMContentLoaded done at {:.0} ms)",
            ready.ready_ms, ready.dom_content_loaded_ms
        );
        ready_after_dcl.push(ready.ready_ms - ready.dom_content_loaded_ms);
        tokio::time::sleep(Duration::from_millis(500)).await;
        for (name, args) in &functions {
            let mut times = Vec::new();
            let mut out_len = 0;
            for _ in 0..CALL_RUNS {
                let t0 = Instant::now();
                let out = call.call_tool(name, args.clone()).await?;
                times.push(t0.elapsed().as_secs_f64() * 1000.0);
                out_len = out.len();
            }
            println!(
                "  {page:40} {name:22} median {:6.1} ms  p95 {:6.1} ms  (output {out_len} chars)",
                percentile(&times, 0.5),
                percentile(&times, 0.95)
            );
        }
    }
    println!(
        "{}: executor ready after DOMContentLoaded, over {} navigations: median {:.0} ms, max {:.0} ms",
        engine.name(),
        ready_after_dcl.len(),
        percentile(&ready_after_dcl, 0.5),
        percentile(&ready_after_dcl, 1.0)
    );
    s.stop().await;
    Ok(())
}
