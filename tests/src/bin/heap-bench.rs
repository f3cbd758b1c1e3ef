//! Prints what a page that never stops re-rendering costs in memory while Hark keeps a change on
//! it: `tests/pages/rerender.html` (200 new buttons 20 times a second) with a button change kept
//! through every re-render, for HARK_HEAP_BENCH_SECS (default 600: ten minutes), in headless
//! Chromium and Firefox at once. Every minute: the page's heap after a full garbage collection
//! (Chromium: the renderer's V8 heap in use, page and content scripts; Firefox: the content
//! process's resident memory, so run it once more with HARK_HEAP_BENCH_WITHOUT_HARK=1 for the
//! page's own growth), the elements in Hark's undo journal, and the re-renders kept so
//! far. Each minute's figure is the least of three samples a second apart (a re-render in flight
//! holds a few hundred elements more); flat means the last within 10% of the first.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::Engine;
use hark_e2e::stack::Stack;

fn main() -> Result<()> {
    if let Some(code) = hark_e2e::netns::reexec_inside() {
        std::process::exit(code);
    }
    hark_e2e::init_tls();
    let secs: u64 = std::env::var("HARK_HEAP_BENCH_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let rt = tokio::runtime::Runtime::new()?;
    let (chromium, firefox) = rt.block_on(async {
        tokio::join!(
            bench(Engine::Chromium, Duration::from_secs(secs)),
            bench(Engine::Firefox, Duration::from_secs(secs))
        )
    });
    let mut flat = true;
    for (engine, r) in [(Engine::Chromium, chromium), (Engine::Firefox, firefox)] {
        let (first, last) = r.with_context(|| engine.name())?;
        let drift = (last as f64 - first as f64) / first as f64 * 100.0;
        println!(
            "heap {}: {:.1} MB -> {:.1} MB over {secs} s of re-renders ({drift:+.1}%)",
            engine.name(),
            mb(first),
            mb(last)
        );
        flat &= drift.abs() <= 10.0;
    }
    println!("heap flat within 10%: {}", if flat { "yes" } else { "NO" });
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

async fn journal(s: &mut Stack) -> Result<Value> {
    let url = s.browser.eval("return location.href").await?;
    s.browser
        .ext_eval(&format!("return await (globalThis.browser ?? chrome).runtime.sendMessage({{ type: 'hark.pageCommand', url: {url}, command: {{ op: 'stats' }} }});"))
        .await
}

async fn least_heap(s: &Stack) -> Result<u64> {
    let mut least = u64::MAX;
    for _ in 0..3 {
        least = least.min(s.browser.page_heap_after_gc().await?);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(least)
}

async fn bench(engine: Engine, length: Duration) -> Result<(u64, u64)> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/rerender.html").await?;
    // HARK_HEAP_BENCH_WITHOUT_HARK=1: the same page with Hark never started, the baseline.
    let with_hark = std::env::var_os("HARK_HEAP_BENCH_WITHOUT_HARK").is_none();
    let _call = if with_hark {
        let call = s.start_hark().await?;
        let out = call.call_tool("changeButtonStyle", json!({ "size": "large", "color": "rgb(200, 0, 0)" })).await?;
        ensure!(out.contains("\"ok\":true"), "changeButtonStyle failed: {out}");
        Some(call)
    } else {
        None
    };
    // Warm up: the first minute grows caches that then stay (Firefox's content process grew
    // from 96 to 142 MB in its first 80 s, then stayed within 123-142 MB for nine minutes).
    tokio::time::sleep(Duration::from_secs(60)).await;
    let t0 = Instant::now();
    let first = least_heap(&s).await?;
    let mut last = first;
    loop {
        let stats = if with_hark {
            journal(&mut s).await?
        } else {
            json!({ "journal": { "elements": "(Hark off)" }, "keep": { "batches": 0, "maxMs": 0 } })
        };
        println!(
            "heap {} at {:>4} s: {:.1} MB; journal {} elements; {} re-renders kept (longest {} ms)",
            engine.name(),
            t0.elapsed().as_secs(),
            mb(last),
            stats["journal"]["elements"],
            stats["keep"]["batches"],
            stats["keep"]["maxMs"]
        );
        if t0.elapsed() >= length {
            break;
        }
        tokio::time::sleep(Duration::from_secs(60).min(length.saturating_sub(t0.elapsed()))).await;
        last = least_heap(&s).await?;
    }
    let look = s.browser.eval("return [...document.querySelectorAll('#board button')].filter(b => getComputedStyle(b).backgroundColor === 'rgb(200, 0, 0)').length").await?;
    ensure!(
        look == json!(if with_hark { 200 } else { 0 }),
        "the change was not kept to the end: {look} of 200 buttons"
    );
    s.stop().await;
    Ok((first, last))
}
