//! Benchmark: connect time (HTTP offer/answer exchange -> `oai-events` open) and data-channel
//! round-trip time for a 1 KB and a 100 KB event, median and p99 over N runs (default 100).
//!
//! `cargo run --release -p hark-peer --bin peer-bench [-- --runs 100]`

use std::time::{Duration, Instant};

use clap::Parser;
use std::net::{IpAddr, Ipv4Addr};

use hark_peer::client::{Endpoint, Mic, PendingClient, RtcClient};
use hark_peer::{Peer, PeerConfig, LOCAL_API_KEY};
use hark_protocol::events::{ClientEvent, ServerEvent};
use hark_protocol::session::{SessionConfig, SessionSettings};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 100)]
    runs: usize,
}

const T: Duration = Duration::from_secs(20);

fn stats(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = v[v.len() / 2];
    let p99 = v[((v.len() as f64 * 0.99).ceil() as usize).min(v.len()) - 1];
    println!(
        "{name:<32} n={:<4} median {:>8.2} ms   p99 {:>8.2} ms   min {:>8.2} ms   max {:>8.2} ms",
        v.len(),
        ms(median),
        ms(p99),
        ms(v[0]),
        ms(v[v.len() - 1])
    );
}

/// A user message whose event is exactly `bytes` long on the wire.
fn event_of(bytes: usize) -> ClientEvent {
    let empty = ClientEvent::user_text("").to_json().len();
    ClientEvent::user_text("x".repeat(bytes - empty))
}

async fn round_trips(client: &mut RtcClient, bytes: usize, runs: usize) -> Vec<Duration> {
    let ev = event_of(bytes);
    assert_eq!(ev.to_json().len(), bytes);
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t0 = Instant::now();
        client.send(&ev);
        // The peer echoes the item back in `conversation.item.added` (same size, plus ids).
        loop {
            let (at, raw) = client.next_raw(T).await.expect("reply");
            if raw.contains("\"conversation.item.added\"") {
                assert!(raw.len() >= bytes);
                out.push(at - t0);
                break;
            }
        }
    }
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let peer = Peer::start(PeerConfig::default()).await?;
    let session = serde_json::to_value(SessionConfig::new(&SessionSettings::default()))?;
    println!("hark-peer bench: {} runs, peer {}, client and peer on 127.0.0.1", args.runs, peer.base_url());

    let mut connect = Vec::new();
    let mut exchange = Vec::new();
    for _ in 0..args.runs {
        let pending = PendingClient::new(IpAddr::V4(Ipv4Addr::LOCALHOST)).await?;
        let t0 = Instant::now();
        let client = pending
            .post(&peer.base_url(), LOCAL_API_KEY, Endpoint::Calls { session: session.clone() }, Mic::Off)
            .await?;
        let answered = t0.elapsed();
        client.wait_open(T).await?;
        connect.push(t0.elapsed());
        exchange.push(answered);
        client.close();
    }
    stats("HTTP offer/answer exchange", exchange);
    stats("connect (POST -> channel open)", connect);

    let mut client = RtcClient::connect(&peer.base_url(), LOCAL_API_KEY, Endpoint::Calls { session }, Mic::Off).await?;
    client.wait_open(T).await?;
    let first = client.next_event(T).await?;
    assert!(matches!(first, ServerEvent::SessionCreated { .. }));
    stats("round trip, 1 KB event", round_trips(&mut client, 1024, args.runs).await);
    stats("round trip, 100 KB event", round_trips(&mut client, 100 * 1024, args.runs).await);
    peer.shutdown().await;
    Ok(())
}
