//! Prints the extension's figures, measured in real headless Chromium and Firefox against the
//! local peer inside the bench's own network namespace:
//! - click-to-ready: toolbar press → `oai-events` open and Hark listening (median, p95);
//! - per-function latency on real pages: the peer sends the call → the output arrives (median, p95);
//! - the `.wasm` size, raw and gzipped.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::json;

use hark_e2e::browser::Engine;
use hark_e2e::stack::Stack;

const READY_RUNS: usize = 10;
const CALL_RUNS: usize = 15;

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() -> Result<()> {
    if let Some(code) = hark_e2e::netns::reexec_inside() {
        std::process::exit(code);
    }
    hark_e2e::init_tls();
    wasm_size()?;
    let rt = tokio::runtime::Runtime::new()?;
    for engine in [Engine::Chromium, Engine::Firefox] {
        rt.block_on(bench(engine)).with_context(|| engine.name())?;
    }
    Ok(())
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
    for _ in 0..READY_RUNS {
        let t0 = Instant::now();
        s.browser.press_toolbar_button().await?;
        let call = s.peer.next_call().await?;
        call.wait_channel_open().await?;
        s.wait_state(&["listening", "speaking"], Duration::from_secs(10)).await?;
        ready.push(t0.elapsed().as_secs_f64() * 1000.0);
        s.browser.press_toolbar_button().await?;
        s.wait_state(&["off"], Duration::from_secs(10)).await?;
    }
    println!(
        "{}: click-to-ready over {READY_RUNS} runs: median {:.0} ms, p95 {:.0} ms",
        engine.name(),
        percentile(ready.clone(), 0.5),
        percentile(ready, 0.95)
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
    for page in pages {
        s.open(page).await?;
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
                percentile(times.clone(), 0.5),
                percentile(times, 0.95)
            );
        }
    }
    s.stop().await;
    Ok(())
}
