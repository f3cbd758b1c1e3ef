//! Benchmark (not a test): what drawing Hark's overlay costs a large page. On the generated page
//! (`tests/pages/big-table.html`: 30,000 rows, 60,000 links and buttons), in a session (the e2e
//! `Stack`: local peer, companion, browser with the built extension, in the bench's own network
//! namespace), in headless Chromium and Firefox.
//!
//! The page's own main-thread time per frame is sampled from the page: a message posted in each
//! `requestAnimationFrame` callback is handled after that frame's style, layout and paint (and
//! whatever else the page's thread had queued), so the gap is the work that held the page. Three
//! phases, the same page:
//! - at rest: 3 s with nothing happening (the sampler's own cost);
//! - model turns: 10 turns of the model, 300 ms apart, each with one function call
//!   (`getPageHTML`); each turn draws "thinking" and then "listening";
//! - the model speaking: one spoken answer (its state and transcript lines), 3 s.
//!
//! Printed per phase: frames sampled, the page's time in them per second, the median frame, the
//! longest one and the frames over 16 ms.
//!
//! Run: `cargo run --release -p hark-e2e --bin overlay-bench [-- --engine chromium|firefox|both]`
//! (after `scripts/build.sh` and `scripts/setup.sh`).

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::Engine;
use hark_e2e::stack::{Stack, GENERATED_PAGE};
use hark_e2e::stats::{median, percentile};

const TURNS: usize = 10;
const TURN_GAP: Duration = Duration::from_millis(300);
const AT_REST: Duration = Duration::from_secs(3);
const SPEAKING: Duration = Duration::from_secs(3);

/// Installs the per-frame sampler in the page's main world (idempotent); `__harkBenchFrames`
/// collects each frame's gap (ms) while `on`.
const SAMPLER_JS: &str = "
  if (!window.__harkBenchFrames) {
    const f = (window.__harkBenchFrames = { on: false, gaps: [] });
    const ch = new MessageChannel();
    let t = 0;
    ch.port2.onmessage = () => { if (f.on) f.gaps.push(performance.now() - t); };
    const tick = () => { t = performance.now(); ch.port1.postMessage(0); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  }
  window.__harkBenchFrames.gaps = [];
  window.__harkBenchFrames.on = true;
  return true;";

/// Stops sampling and answers the gaps sampled since SAMPLER_JS.
const TAKE_JS: &str = "const f = window.__harkBenchFrames; f.on = false; const g = f.gaps; f.gaps = []; return g;";

struct Phase {
    name: &'static str,
    gaps: Vec<f64>,
    seconds: f64,
}

fn main() -> Result<()> {
    if let Some(code) = hark_e2e::netns::reexec_inside() {
        std::process::exit(code);
    }
    hark_e2e::init_tls();
    let mut engines = vec![Engine::Chromium, Engine::Firefox];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--engine" => engines = Engine::choice(args.next().as_deref())?,
            other => bail!("unknown argument {other:?} (--engine chromium|firefox|both)"),
        }
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        for engine in engines {
            let phases = bench_engine(engine).await.with_context(|| format!("overlay-bench in {}", engine.name()))?;
            report(engine, &phases);
        }
        Ok(())
    })
}

async fn sample(s: &Stack) -> Result<()> {
    if s.browser.eval(SAMPLER_JS).await? != json!(true) {
        bail!("the frame sampler did not start on {GENERATED_PAGE}");
    }
    Ok(())
}

async fn take(s: &Stack, name: &'static str, since: Instant) -> Result<Phase> {
    let gaps: Vec<f64> = match s.browser.eval(TAKE_JS).await? {
        Value::Array(v) => v.iter().filter_map(Value::as_f64).collect(),
        other => bail!("the frame sampler answered {other}"),
    };
    if gaps.is_empty() {
        bail!("no frames were sampled {name}");
    }
    Ok(Phase { name, gaps, seconds: since.elapsed().as_secs_f64() })
}

async fn bench_engine(engine: Engine) -> Result<Vec<Phase>> {
    let mut s = Stack::start(engine).await?;
    s.open(GENERATED_PAGE).await?;
    let call = s.start_hark().await?;
    s.open_generated_page(Duration::from_millis(500)).await?;
    // The first call walks the page; the turns measured after it find its kept outline.
    call.call_tool("getPageHTML", json!({})).await.map_err(|e| anyhow::anyhow!("getPageHTML: {e}"))?;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut phases = Vec::new();
    sample(&s).await?;
    let t = Instant::now();
    tokio::time::sleep(AT_REST).await;
    phases.push(take(&s, "at rest", t).await?);

    sample(&s).await?;
    let t = Instant::now();
    for _ in 0..TURNS {
        call.call_tool("getPageHTML", json!({})).await.map_err(|e| anyhow::anyhow!("getPageHTML: {e}"))?;
        tokio::time::sleep(TURN_GAP).await;
    }
    phases.push(take(&s, "model turns", t).await?);

    sample(&s).await?;
    let t = Instant::now();
    call.say("Here are the orders: thirty thousand rows, each with its details link and a cancel button.")
        .map_err(|e| anyhow::anyhow!("say: {e}"))?;
    tokio::time::sleep(SPEAKING).await;
    phases.push(take(&s, "the model speaking", t).await?);
    s.stop().await;
    Ok(phases)
}

fn report(engine: Engine, phases: &[Phase]) {
    println!();
    println!(
        "== overlay-bench, {}: the page's main-thread time per frame on {GENERATED_PAGE} (30,000 rows) ==",
        engine.name()
    );
    println!(
        "{:<22} {:>7} {:>12} {:>11} {:>9} {:>10}",
        "phase", "frames", "busy ms/s", "median ms", "max ms", "> 16 ms"
    );
    for p in phases {
        let busy: f64 = p.gaps.iter().sum();
        let max = p.gaps.iter().copied().fold(0.0, f64::max);
        println!(
            "{:<22} {:>7} {:>12.1} {:>11.1} {:>9.1} {:>10}",
            p.name,
            p.gaps.len(),
            busy / p.seconds,
            median(&p.gaps),
            max,
            p.gaps.iter().filter(|&&g| g > 16.0).count()
        );
    }
    if let Some(turns) = phases.iter().find(|p| p.name == "model turns") {
        println!(
            "  model turns: p95 frame {:.1} ms ({TURNS} turns {} ms apart, each drawing thinking then listening)",
            percentile(&turns.gaps, 0.95),
            TURN_GAP.as_millis()
        );
    }
}
