//! Benchmark (not a test): the latency the companion adds to an SDP exchange.
//!
//! In one run, against one in-process fake upstream (127.0.0.1), it measures
//! - **direct**: the benchmark posts the multipart request itself, as the companion would,
//! - **companion**: the benchmark posts the offer to a companion *process* (this executable
//!   re-run in companion mode, i.e. `hark_server::run`, the same code as `hark-companion`),
//!
//! each over the same number of exchanges at the same concurrency, and prints p50/p99 of both,
//! the difference, and the companion process's idle RSS.
//!
//! `cargo run --release -p hark-server --bin companion-bench -- [--exchanges N] [--concurrency C]`
//!
//! The two paths alternate in paired rounds of 250 exchanges, so bursts of other work on a shared
//! machine hit both alike; it prints the p99 difference over all exchanges and the median of the
//! per-round differences, the companion's CPU time per exchange (from `/proc/<pid>/stat`) and its
//! idle RSS (`VmRSS` after start, before any load). `BENCH_COMPANION_LOG` sets the companion's
//! `RUST_LOG` (default `info`), `BENCH_COMPANION_THREADS` its worker threads (default: tokio's).

use std::process::Stdio;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use hark_protocol::session::{SessionConfig, SessionSettings};
use hark_server::fake_upstream::{FakeUpstream, OFFER_SDP};
use tokio::io::{AsyncBufReadExt, BufReader};

const CHILD_ENV: &str = "HARK_BENCH_COMPANION";
const KEY: &str = "sk-bench-0123456789abcdefghijklmnop";

fn main() -> anyhow::Result<()> {
    if std::env::var_os(CHILD_ENV).is_some() {
        // Companion mode: exactly what `hark-companion` does.
        use clap::Parser;
        let cli = hark_server::config::Cli::parse();
        hark_server::init_logging();
        return tokio::runtime::Runtime::new()?.block_on(hark_server::run(cli));
    }
    let mut exchanges = 5_000usize;
    let mut concurrency = 50usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--exchanges" => exchanges = args.next().context("--exchanges N")?.parse()?,
            "--concurrency" => concurrency = args.next().context("--concurrency C")?.parse()?,
            "-h" | "--help" => {
                println!("companion-bench [--exchanges N (default 5000)] [--concurrency C (default 50)]");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}"),
        }
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(bench(exchanges, concurrency))
}

struct Stats {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    per_sec: f64,
}

fn stats(mut v: Vec<Duration>, wall: Duration) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).saturating_sub(1).min(v.len() - 1)];
    Stats {
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: *v.last().unwrap(),
        per_sec: v.len() as f64 / wall.as_secs_f64(),
    }
}

/// Runs `n` requests made by `make` with `c` in flight; every answer must be 2xx with the SDP.
async fn run_load<F, Fut>(n: usize, c: usize, make: F) -> anyhow::Result<(Vec<Duration>, Duration)>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..c {
        let (make, next) = (make.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let t = Instant::now();
                let resp = make().await?;
                let status = resp.status();
                let body = resp.bytes().await?;
                if !status.is_success() || !body.starts_with(b"v=0") {
                    anyhow::bail!("exchange failed: {status} {}", String::from_utf8_lossy(&body));
                }
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((all, started.elapsed()))
}

/// User + system CPU time of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn rss_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Exchanges per path in one round.
const ROUND: usize = 250;
/// Issue 11, goal 5: what the companion may add at p99, 50 concurrent (the goal before was 2 ms).
const GOAL_ADDED_P99_MS: f64 = 1.0;

fn ms(x: Duration) -> f64 {
    x.as_secs_f64() * 1000.0
}

async fn bench(exchanges: usize, concurrency: usize) -> anyhow::Result<()> {
    let session = SessionSettings::default();
    let fake = FakeUpstream::start(KEY, &session).await;
    let dir = tempfile_dir()?;

    // The companion process.
    let exe = std::env::current_exe()?;
    std::fs::write(dir.join("none.toml"), "")?;
    let mut child = tokio::process::Command::new(exe)
        .env(CHILD_ENV, "1")
        .env("OPENAI_API_KEY", KEY)
        .env("RUST_LOG", std::env::var("BENCH_COMPANION_LOG").unwrap_or_else(|_| "info".into()))
        .envs(std::env::var("BENCH_COMPANION_THREADS").ok().map(|t| ("TOKIO_WORKER_THREADS", t)))
        .env("HARK_CONFIG", dir.join("none.toml"))
        .args(["--port", "0", "--upstream-url", &fake.base_url(), "--rate-per-minute", "0"])
        .args(["--max-concurrent", &(concurrency * 2).to_string()])
        .arg("--token-file")
        .arg(dir.join("token"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().context("companion pid")?;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut port = None;
    while let Some(line) = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await?? {
        if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
            port = Some(rest.trim().parse::<u16>()?);
        }
        if line.contains("Test connection") || line.contains("--print-token") {
            break;
        }
    }
    let port = port.context("the companion did not print its address")?;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let token = std::fs::read_to_string(dir.join("token"))?.trim().to_owned();

    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle_rss = rss_kib(pid, "VmRSS:").unwrap_or(0);

    let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(concurrency * 2).build()?;
    let session_json = Bytes::from(SessionConfig::new(&session).to_json());
    let direct_url = format!("{}/v1/realtime/calls", fake.base_url());
    let companion_url = format!("http://127.0.0.1:{port}/api/rtc-connect");

    let direct = {
        let (client, url, session_json) = (client.clone(), direct_url.clone(), session_json.clone());
        move || {
            let form = reqwest::multipart::Form::new()
                .part("sdp", reqwest::multipart::Part::bytes(OFFER_SDP.as_bytes()).mime_str("application/sdp").unwrap())
                .part(
                    "session",
                    reqwest::multipart::Part::stream(session_json.clone()).mime_str("application/json").unwrap(),
                );
            client.post(&url).bearer_auth(KEY).multipart(form).send()
        }
    };
    let via = {
        let (client, url, token) = (client.clone(), companion_url.clone(), token.clone());
        move || {
            client
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/sdp")
                .header("origin", format!("chrome-extension://{}", hark_server::config::HARK_CHROME_EXTENSION_ID))
                .body(OFFER_SDP)
                .send()
        }
    };
    let direct = Arc::new(direct);
    let via = Arc::new(via);

    println!(
        "companion-bench: {exchanges} SDP exchanges per path, {concurrency} concurrent, fake upstream on {}",
        fake.base_url()
    );
    // Warm up both paths (connections, allocator, caches).
    let warm = (concurrency * 4).min(exchanges);
    {
        let d = direct.clone();
        run_load(warm, concurrency, move || d()).await?;
        let v = via.clone();
        run_load(warm, concurrency, move || v()).await?;
    }
    let cpu_before = cpu_ticks(pid).unwrap_or(0);
    // Interleave the two paths in short paired rounds so both see the same machine conditions
    // (bursts of other work on a shared machine then hit both paths alike).
    let rounds = (exchanges / ROUND).max(1);
    let mut paired_p99 = Vec::with_capacity(rounds);
    let (mut d_all, mut v_all) = (Vec::new(), Vec::new());
    let (mut d_wall, mut v_wall) = (Duration::ZERO, Duration::ZERO);
    for r in 0..rounds {
        let n = exchanges / rounds + usize::from(r < exchanges % rounds);
        let d = direct.clone();
        let (lat, wall) = run_load(n, concurrency, move || d()).await?;
        let d_p99 = stats(lat.clone(), wall).p99;
        d_all.extend(lat);
        d_wall += wall;
        let v = via.clone();
        let (lat, wall) = run_load(n, concurrency, move || v()).await?;
        paired_p99.push(ms(stats(lat.clone(), wall).p99) - ms(d_p99));
        v_all.extend(lat);
        v_wall += wall;
    }
    let problems = fake.problems();
    if !problems.is_empty() {
        bail!("the fake upstream saw contract problems: {problems:?}");
    }
    let loaded_rss = rss_kib(pid, "VmHWM:").unwrap_or(0);
    let cpu_ms = (cpu_ticks(pid).unwrap_or(0) - cpu_before) as f64 * 1000.0 / 100.0;
    let (d, v) = (stats(d_all, d_wall), stats(v_all, v_wall));
    println!("{:<22} {:>9} {:>9} {:>9} {:>9} {:>10}", "path", "p50 ms", "p90 ms", "p99 ms", "max ms", "exch/s");
    for (name, s) in [("direct to upstream", &d), ("through companion", &v)] {
        println!(
            "{name:<22} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>10.0}",
            ms(s.p50),
            ms(s.p90),
            ms(s.p99),
            ms(s.max),
            s.per_sec
        );
    }
    let added_p50 = ms(v.p50) - ms(d.p50);
    let added_p99 = ms(v.p99) - ms(d.p99);
    println!("added by the companion (all exchanges): p50 {added_p50:+.3} ms, p99 {added_p99:+.3} ms");
    paired_p99.sort_by(f64::total_cmp);
    let median = paired_p99[paired_p99.len() / 2];
    println!(
        "added at p99, median of {} paired rounds of {ROUND}: {median:+.3} ms (rounds ranged {:+.3} .. {:+.3} ms)",
        paired_p99.len(),
        paired_p99[0],
        paired_p99[paired_p99.len() - 1]
    );
    println!(
        "goal <= {GOAL_ADDED_P99_MS} ms added at p99 (issue 11): {} (all exchanges), {} (paired-round median)",
        if added_p99 <= GOAL_ADDED_P99_MS { "met" } else { "NOT met" },
        if median <= GOAL_ADDED_P99_MS { "met" } else { "NOT met" }
    );
    println!(
        "companion CPU time: {:.0} µs per exchange (user + system, {} exchanges)",
        cpu_ms * 1000.0 / exchanges as f64,
        exchanges
    );
    println!(
        "companion idle RSS: {:.1} MiB ({idle_rss} KiB); peak RSS under load: {:.1} MiB",
        idle_rss as f64 / 1024.0,
        loaded_rss as f64 / 1024.0
    );

    let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let dir = std::env::temp_dir()
        .join(format!("hark-bench-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
