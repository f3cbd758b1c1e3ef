//! Benchmark (not a test): the companion and the local peer under load, on 127.0.0.1 only.
//!
//! Two processes, both this executable re-run in another role: the companion (`hark_server::run`,
//! the code of `hark-companion`, with its default limits and the rate limit off) and the local peer
//! (`hark_peer::Peer` with its default limits, as local mode runs it). The companion is pointed at
//! the peer as its upstream: the path local mode takes, with each side in its own process so each
//! one's memory can be read.
//!
//! 1. **Concurrent**: `--concurrent` (1,000) real WebRTC offers (str0m, as the browser makes them)
//!    posted to `/api/rtc-connect` at the same instant. Each must end as an SDP answer (200) or a
//!    refusal (429/503 with `Retry-After` and an error message a person can act on) within
//!    `--deadline-ms`; anything else is an error, no answer in time is "hung". Prints the counts
//!    and p50/p99/max latency. The answered sessions are then connected and closed.
//! 2. **Sequential**: `--sessions` (10,000) sessions one after the other. Each is an exchange
//!    through the companion; every `--sample-every`-th (10th) session then connects, waits for
//!    `session.created` on `oai-events` and closes its connection (as the browser does when Hark
//!    stops); every `--abandon-every`-th (200th) takes its answer and never connects (the peer must
//!    reap it after its WebRTC timeout); the rest are hung up with OpenAI's
//!    `POST /v1/realtime/calls/{id}/hangup`. Prints the companion's and the peer's RSS (`VmRSS`,
//!    read after a 0.5 s pause) at the start, every `--report-every` (1,000) sessions and at the end
//!    (after the abandoned calls were reaped), with the drift.
//!
//! `cargo run --release -p hark-server --bin load-bench -- [--concurrent N] [--sessions N]`
//! (`--help` lists the rest; `BENCH_LOG` sets the two processes' `RUST_LOG`, default `error`).

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use hark_peer::client::{Mic, PendingClient, RtcClient};
use hark_protocol::events::ServerEvent;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ROLE_ENV: &str = "HARK_LOAD_BENCH_ROLE";
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

struct Args {
    concurrent: usize,
    sessions: usize,
    sample_every: usize,
    abandon_every: usize,
    report_every: usize,
    deadline: Duration,
    /// Extra arguments for the companion (e.g. `--max-concurrent 16`).
    companion_args: Vec<String>,
    /// Extra arguments for the peer (`--max-calls N`, `--webrtc-timeout-ms MS`).
    peer_args: Vec<String>,
}

fn parse_args() -> anyhow::Result<Option<Args>> {
    let mut a = Args {
        concurrent: 1_000,
        sessions: 10_000,
        sample_every: 10,
        abandon_every: 200,
        report_every: 1_000,
        deadline: Duration::from_secs(30),
        companion_args: Vec::new(),
        peer_args: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num =
            |what: &str| -> anyhow::Result<usize> { Ok(it.next().with_context(|| format!("{what} N"))?.parse()?) };
        match arg.as_str() {
            "--concurrent" => a.concurrent = num("--concurrent")?,
            "--sessions" => a.sessions = num("--sessions")?,
            "--sample-every" => a.sample_every = num("--sample-every")?.max(1),
            "--abandon-every" => a.abandon_every = num("--abandon-every")?,
            "--report-every" => a.report_every = num("--report-every")?.max(1),
            "--deadline-ms" => a.deadline = Duration::from_millis(num("--deadline-ms")? as u64),
            "--companion-arg" => a.companion_args.push(it.next().context("--companion-arg ARG")?),
            "--peer-arg" => a.peer_args.push(it.next().context("--peer-arg ARG")?),
            "-h" | "--help" => {
                println!(
                    "load-bench [--concurrent N (1000)] [--sessions N (10000)] [--sample-every K (10)] \
[--abandon-every K (200; 0 = none)] [--report-every K (1000)] [--deadline-ms MS (30000)] \
[--companion-arg ARG]... [--peer-arg ARG]..."
                );
                return Ok(None);
            }
            other => bail!("unknown argument {other:?} (see --help)"),
        }
    }
    Ok(Some(a))
}

fn main() -> anyhow::Result<()> {
    match std::env::var(ROLE_ENV).as_deref() {
        Ok("companion") => {
            use clap::Parser;
            let cli = hark_server::config::Cli::parse();
            hark_server::init_logging();
            return tokio::runtime::Runtime::new()?.block_on(hark_server::run(cli));
        }
        Ok("peer") => return tokio::runtime::Runtime::new()?.block_on(peer_role()),
        _ => {}
    }
    let Some(args) = parse_args()? else { return Ok(()) };
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(bench(args))
}

/// The local peer as local mode runs it (its defaults), unless `--max-calls` /
/// `--webrtc-timeout-ms` say otherwise. Prints its address, serves until SIGTERM.
async fn peer_role() -> anyhow::Result<()> {
    hark_server::init_logging();
    let mut config =
        hark_peer::PeerConfig { http_addr: SocketAddr::new(LOOPBACK, 0), media_ip: LOOPBACK, ..Default::default() };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--max-calls" => config.max_calls = it.next().context("--max-calls N")?.parse()?,
            "--webrtc-timeout-ms" => {
                config.connect_timeout = Duration::from_millis(it.next().context("--webrtc-timeout-ms MS")?.parse()?)
            }
            other => bail!("peer: unknown argument {other:?}"),
        }
    }
    let peer = hark_peer::Peer::start(config).await?;
    let stop = hark_server::shutdown_signal();
    println!("peer listening on {}", peer.base_url());
    use std::io::Write;
    std::io::stdout().flush()?;
    stop.await;
    peer.shutdown().await;
    Ok(())
}

/// A child process of this benchmark, and the line it printed with its address.
struct Proc {
    child: Child,
    pid: u32,
}

impl Proc {
    async fn spawn(
        role: &str,
        args: &[String],
        env: &[(&str, String)],
        marker: &str,
    ) -> anyhow::Result<(Proc, String)> {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.env(ROLE_ENV, role)
            .env("RUST_LOG", std::env::var("BENCH_LOG").unwrap_or_else(|_| "error".into()))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn()?;
        let pid = child.id().context("child pid")?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let mut found = None;
        while let Some(line) = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await?? {
            if let Some(rest) = line.split(marker).nth(1) {
                found = Some(rest.split_whitespace().next().unwrap_or("").to_owned());
                break;
            }
        }
        let found = found.with_context(|| format!("the {role} did not print its address"))?;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok((Proc { child, pid }, found))
    }

    fn rss_kib(&self) -> u64 {
        rss_kib(self.pid)
    }

    async fn stop(mut self) {
        let _ = std::process::Command::new("kill").args(["-TERM", &self.pid.to_string()]).status();
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn quantiles(mut v: Vec<Duration>) -> String {
    if v.is_empty() {
        return "-".into();
    }
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).saturating_sub(1).min(v.len() - 1)];
    format!("p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", ms(at(0.5)), ms(at(0.99)), ms(*v.last().unwrap()))
}

/// The soft limit on open files: this process holds a UDP socket per offer and a connection per
/// request, the companion a connection per request. Raised to the hard limit when `prlimit`
/// can (the children inherit it).
fn open_files_limit() -> u64 {
    let read = || -> Option<u64> {
        let s = std::fs::read_to_string("/proc/self/limits").ok()?;
        s.lines().find(|l| l.starts_with("Max open files"))?.split_whitespace().nth(3)?.parse().ok()
    };
    let hard = std::fs::read_to_string("/proc/self/limits").ok().and_then(|s| {
        s.lines().find(|l| l.starts_with("Max open files"))?.split_whitespace().nth(4)?.parse::<u64>().ok()
    });
    if let (Some(soft), Some(hard)) = (read(), hard) {
        if soft < hard {
            let _ = std::process::Command::new("prlimit")
                .args(["--pid", &std::process::id().to_string(), &format!("--nofile={hard}:{hard}")])
                .stderr(Stdio::null())
                .status();
        }
    }
    read().unwrap_or(1024)
}

/// How one exchange ended.
enum Outcome {
    Answered { answer: String, call_id: Option<String> },
    Refused { status: u16, code: String, message: String },
    Error(String),
    Hung,
}

struct Exchange {
    http: reqwest::Client,
    url: String,
    token: String,
    origin: String,
    deadline: Duration,
}

impl Exchange {
    /// Posts one offer as the extension does and classifies the answer.
    async fn post(&self, offer: String) -> (Outcome, Duration) {
        let t0 = Instant::now();
        let req = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .header("origin", &self.origin)
            .header("content-type", "application/sdp")
            .body(offer);
        let fut = async {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<u64>().ok());
            let call_id = resp.headers().get("x-hark-call-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = resp.text().await?;
            Ok::<_, reqwest::Error>((status, retry_after, call_id, body))
        };
        let outcome = match tokio::time::timeout(self.deadline, fut).await {
            Err(_) => Outcome::Hung,
            Ok(Err(e)) => Outcome::Error(format!("transport: {e}")),
            Ok(Ok((200, _, call_id, body))) if body.starts_with("v=0") && body.contains("\nm=") => {
                Outcome::Answered { answer: body, call_id }
            }
            Ok(Ok((status @ (429 | 503), retry_after, _, body))) => {
                let doc: Option<Value> = serde_json::from_str(&body).ok();
                let code = doc.as_ref().and_then(|d| d["error"]["code"].as_str()).unwrap_or("").to_owned();
                let message = doc.as_ref().and_then(|d| d["error"]["message"].as_str()).unwrap_or("").trim().to_owned();
                match retry_after {
                    Some(secs) if secs >= 1 && !message.is_empty() && !code.is_empty() => {
                        Outcome::Refused { status, code, message }
                    }
                    _ => Outcome::Error(format!("{status} without Retry-After or words: {body}")),
                }
            }
            Ok(Ok((status, _, _, body))) => {
                Outcome::Error(format!("{status}: {}", body.chars().take(300).collect::<String>()))
            }
        };
        (outcome, t0.elapsed())
    }
}

/// Calls the peer still has open (answered and not ended).
async fn peer_live_calls(http: &reqwest::Client, peer_url: &str) -> anyhow::Result<usize> {
    let load: Value = http.get(format!("{peer_url}/_peer/load")).send().await?.json().await?;
    load["live_calls"].as_u64().map(|n| n as usize).context("the peer's /_peer/load has no live_calls")
}

async fn wait_no_live_calls(
    http: &reqwest::Client,
    peer_url: &str,
    within: Duration,
) -> anyhow::Result<(usize, Duration)> {
    let t0 = Instant::now();
    loop {
        let n = peer_live_calls(http, peer_url).await?;
        if n == 0 || t0.elapsed() > within {
            return Ok((n, t0.elapsed()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Connects an answered offer, waits for `session.created`, closes the connection.
async fn connect_and_close(pending: PendingClient, answer: &str) -> anyhow::Result<()> {
    let mut client: RtcClient = pending.accept(answer, Mic::Off)?;
    client.wait_open(Duration::from_secs(10)).await?;
    let first = client.next_event(Duration::from_secs(10)).await?;
    if !matches!(first, ServerEvent::SessionCreated { .. }) {
        bail!("the first event was not session.created: {first:?}");
    }
    client.close();
    Ok(())
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let nofile = open_files_limit();
    let needed = args.concurrent as u64 * 3 + 256;
    if nofile < needed {
        println!("note: open-file limit {nofile} < {needed}; raise it (ulimit -n) or some exchanges fail on this side");
    }
    let dir = std::env::temp_dir().join(format!("hark-load-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("none.toml"), "")?;

    let (peer, peer_url) = Proc::spawn("peer", &args.peer_args, &[], "peer listening on ").await?;
    let mut companion_args: Vec<String> =
        ["--port", "0", "--mode", "openai", "--upstream-url", &peer_url, "--rate-per-minute", "0"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    companion_args.extend(["--token-file".into(), dir.join("token").display().to_string()]);
    companion_args.extend(args.companion_args.iter().cloned());
    let (companion, companion_addr) = Proc::spawn(
        "companion",
        &companion_args,
        &[
            ("OPENAI_API_KEY", hark_peer::LOCAL_API_KEY.to_owned()),
            ("HARK_CONFIG", dir.join("none.toml").display().to_string()),
        ],
        "listening on http://",
    )
    .await?;
    let token = std::fs::read_to_string(dir.join("token"))?.trim().to_owned();
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(args.concurrent).build()?;
    let ex = Arc::new(Exchange {
        http: http.clone(),
        url: format!("http://{companion_addr}/api/rtc-connect"),
        token,
        origin: format!("chrome-extension://{}", hark_server::config::HARK_CHROME_EXTENSION_ID),
        deadline: args.deadline,
    });
    let config: Value = {
        let out = std::process::Command::new(std::env::current_exe()?)
            .env(ROLE_ENV, "companion")
            .env("HARK_CONFIG", dir.join("none.toml"))
            .env("OPENAI_API_KEY", hark_peer::LOCAL_API_KEY)
            .args(&companion_args)
            .arg("--print-config")
            .output()?;
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    };
    let limits = &config["limits"];
    println!(
        "load-bench: companion http://{companion_addr} (pid {}; max_concurrent {}, upstream timeout {} ms, rate limit off) -> local peer {peer_url} (pid {}; max_calls {}, WebRTC timeout {} ms{})",
        companion.pid,
        limits["max_concurrent"],
        limits["upstream_timeout_ms"],
        peer.pid,
        arg_or(&args.peer_args, "--max-calls", hark_peer::DEFAULT_MAX_CALLS as u64),
        arg_or(&args.peer_args, "--webrtc-timeout-ms", hark_peer::DEFAULT_CONNECT_TIMEOUT.as_millis() as u64),
        if args.peer_args.is_empty() { ", the peer's defaults" } else { "" },
    );
    let (ci, pi) = settled_rss(&companion, &peer).await;
    println!("idle RSS: companion {:.1} MiB, peer {:.1} MiB", mib(ci), mib(pi));

    // Warm up: a few whole sessions.
    for _ in 0..20 {
        let pending = PendingClient::new(LOOPBACK).await?;
        match ex.post(pending.offer().to_owned()).await.0 {
            Outcome::Answered { answer, .. } => connect_and_close(pending, &answer).await?,
            _ => bail!("a warm-up session was not answered"),
        }
    }
    wait_no_live_calls(&http, &peer_url, Duration::from_secs(10)).await?;

    // ---------------------------------------------------------------- 1. concurrent exchanges
    if args.concurrent > 0 {
        let mut offers = Vec::with_capacity(args.concurrent);
        for _ in 0..args.concurrent {
            offers.push(PendingClient::new(LOOPBACK).await?);
        }
        println!(
            "\n1. {} SDP exchanges at once (real offers made beforehand; deadline {} s each)",
            args.concurrent,
            args.deadline.as_secs()
        );
        let start = Arc::new(tokio::sync::Barrier::new(args.concurrent + 1));
        let mut tasks = Vec::with_capacity(args.concurrent);
        for pending in offers {
            let (ex, start) = (ex.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                let offer = pending.offer().to_owned();
                start.wait().await;
                let (outcome, took) = ex.post(offer).await;
                (pending, outcome, took)
            }));
        }
        let t0 = Instant::now();
        start.wait().await;
        let mut results = Vec::with_capacity(args.concurrent);
        let mut lost = 0;
        for t in tasks {
            match t.await {
                Ok(r) => results.push(r),
                Err(_) => lost += 1,
            }
        }
        let wall = t0.elapsed();
        let (mut answered, mut refused, mut errors, mut hung) = (Vec::new(), Vec::new(), Vec::new(), 0usize);
        let mut by_code: BTreeMap<(u16, String), (usize, String)> = BTreeMap::new();
        let mut all = Vec::new();
        let mut to_connect = Vec::new();
        for (pending, outcome, took) in results {
            all.push(took);
            match outcome {
                Outcome::Answered { answer, .. } => {
                    answered.push(took);
                    to_connect.push((pending, answer));
                }
                Outcome::Refused { status, code, message } => {
                    refused.push(took);
                    by_code.entry((status, code)).or_insert((0, message)).0 += 1;
                }
                Outcome::Error(e) => errors.push(e),
                Outcome::Hung => hung += 1,
            }
        }
        let n429: usize = by_code.iter().filter(|((s, _), _)| *s == 429).map(|(_, (n, _))| n).sum();
        let n503: usize = by_code.iter().filter(|((s, _), _)| *s == 503).map(|(_, (n, _))| n).sum();
        println!(
            "   answered {} / refused {} (429: {n429}, 503: {n503}) / errors {} / hung {hung} / lost {lost}   (all done in {:.2} s)",
            answered.len(),
            refused.len(),
            errors.len(),
            wall.as_secs_f64()
        );
        println!("   latency, all:      {}", quantiles(all));
        println!("   latency, answered: {}", quantiles(answered));
        println!("   latency, refused:  {}", quantiles(refused));
        for ((status, code), (n, message)) in &by_code {
            println!("   {status} {code} x{n}: \"{message}\"");
        }
        for e in errors.iter().take(5) {
            println!("   error: {e}");
        }
        // The answered sessions really work: connect each, see session.created, close.
        let n = to_connect.len();
        let mut joins = Vec::new();
        for (pending, answer) in to_connect {
            joins.push(tokio::spawn(async move { connect_and_close(pending, &answer).await }));
        }
        let mut ok = 0;
        let mut first_err = None;
        for j in joins {
            match j.await? {
                Ok(()) => ok += 1,
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        let (left, took) = wait_no_live_calls(&http, &peer_url, Duration::from_secs(20)).await?;
        println!(
            "   answered sessions connected (session.created) then closed: {ok}/{n}{}; peer calls still open {:.1} s later: {left}",
            first_err.map(|e| format!(" (first failure: {e})")).unwrap_or_default(),
            took.as_secs_f64()
        );
        let verdict = errors.is_empty() && hung == 0 && lost == 0;
        println!(
            "   every exchange answered or refused with words, none hung or lost: {}",
            if verdict { "yes" } else { "NO" }
        );
    }

    // ---------------------------------------------------------------- 2. sequential sessions
    if args.sessions > 0 {
        println!(
            "\n2. {} sequential sessions: every {}th connects (session.created) and closes, {}the rest are hung up (POST /v1/realtime/calls/{{id}}/hangup)",
            args.sessions,
            args.sample_every,
            if args.abandon_every > 0 { format!("every {}th is abandoned unconnected (the peer reaps it), ", args.abandon_every) } else { String::new() },
        );
        let (c0, p0) = settled_rss(&companion, &peer).await;
        println!(
            "   {:>7}  {:>14}  {:>14}  {:>9}  {:>12}",
            "session", "companion RSS", "peer RSS", "sess/s", "exchange p50"
        );
        println!("   {:>7}  {:>10.1} MiB  {:>10.1} MiB", 0, mib(c0), mib(p0));
        let (mut failed, mut connected, mut hung_up, mut abandoned) = (0usize, 0usize, 0usize, 0usize);
        let mut first_failure: Option<String> = None;
        let mut window = Vec::with_capacity(args.report_every);
        let mut at_report = Vec::new();
        let mut t_window = Instant::now();
        let t_all = Instant::now();
        for i in 1..=args.sessions {
            let pending = PendingClient::new(LOOPBACK).await?;
            let (outcome, took) = ex.post(pending.offer().to_owned()).await;
            window.push(took);
            let result: anyhow::Result<()> = match outcome {
                Outcome::Answered { answer, call_id } => {
                    if i % args.sample_every == 0 {
                        connected += 1;
                        connect_and_close(pending, &answer).await
                    } else if args.abandon_every > 0 && (i + args.sample_every / 2) % args.abandon_every == 0 {
                        abandoned += 1;
                        drop(pending);
                        Ok(())
                    } else {
                        hung_up += 1;
                        async {
                            let id = call_id.context("no X-Hark-Call-Id")?;
                            let r = http
                                .post(format!("{peer_url}/v1/realtime/calls/{id}/hangup"))
                                .bearer_auth(hark_peer::LOCAL_API_KEY)
                                .send()
                                .await?;
                            if r.status() != 200 {
                                bail!("hangup answered {}", r.status());
                            }
                            Ok(())
                        }
                        .await
                    }
                }
                Outcome::Refused { status, code, message } => {
                    Err(anyhow::anyhow!("refused {status} {code}: {message}"))
                }
                Outcome::Error(e) => Err(anyhow::anyhow!(e)),
                Outcome::Hung => Err(anyhow::anyhow!("hung")),
            };
            if let Err(e) = result {
                failed += 1;
                first_failure.get_or_insert_with(|| format!("session {i}: {e:#}"));
            }
            if i % args.report_every == 0 || i == args.sessions {
                let rate = window.len() as f64 / t_window.elapsed().as_secs_f64();
                let (c, p) = settled_rss(&companion, &peer).await;
                println!(
                    "   {i:>7}  {:>10.1} MiB  {:>10.1} MiB  {rate:>9.0}  {:>9.2} ms",
                    mib(c),
                    mib(p),
                    ms(median(&mut window))
                );
                at_report.push((c, p));
                window.clear();
                t_window = Instant::now();
            }
        }
        let wall = t_all.elapsed();
        let wait =
            arg_or(&args.peer_args, "--webrtc-timeout-ms", hark_peer::DEFAULT_CONNECT_TIMEOUT.as_millis() as u64);
        let (left, took) = wait_no_live_calls(&http, &peer_url, Duration::from_millis(wait + 5_000)).await?;
        let (c1, p1) = settled_rss(&companion, &peer).await;
        println!(
            "   {:>7}  {:>10.1} MiB  {:>10.1} MiB  (after {:.1} s, when the peer had {left} calls open)",
            "end",
            mib(c1),
            mib(p1),
            took.as_secs_f64()
        );
        println!(
            "   {} sessions in {:.1} s: {connected} connected and closed, {hung_up} hung up, {abandoned} abandoned (reaped), {failed} failed{}",
            args.sessions,
            wall.as_secs_f64(),
            first_failure.map(|f| format!(" (first: {f})")).unwrap_or_default()
        );
        let drift = |a: u64, b: u64| (b as f64 - a as f64) * 100.0 / a.max(1) as f64;
        println!(
            "   RSS drift start -> end: companion {:.1} -> {:.1} MiB ({:+.1} %), peer {:.1} -> {:.1} MiB ({:+.1} %)",
            mib(c0),
            mib(c1),
            drift(c0, c1),
            mib(p0),
            mib(p1),
            drift(p0, p1)
        );
        if let Some(&(cw, pw)) = at_report.first() {
            println!(
                "   RSS drift after the first {} -> end: companion {:+.1} %, peer {:+.1} %",
                args.report_every.min(args.sessions),
                drift(cw, c1),
                drift(pw, p1)
            );
        }
    }

    companion.stop().await;
    peer.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// RSS of the companion and the peer once they are quiet: what a load left behind, not what is
/// in use at the instant (freed memory goes back to the system a moment later).
async fn settled_rss(companion: &Proc, peer: &Proc) -> (u64, u64) {
    tokio::time::sleep(SETTLE).await;
    (companion.rss_kib(), peer.rss_kib())
}

/// Pause before reading RSS.
const SETTLE: Duration = Duration::from_millis(500);

fn median(v: &mut [Duration]) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    v[v.len() / 2]
}

/// The value after `flag` in `args`, else `default`.
fn arg_or(args: &[String], flag: &str, default: u64) -> u64 {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}
