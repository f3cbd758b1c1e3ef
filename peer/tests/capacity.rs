//! The peer's bounds: at most `max_calls` calls open (more are refused at once with 429, words and
//! `Retry-After`), every ended call gives its place back (hangup, a client that closes, a client
//! that never connects and is reaped), and calls nobody takes with `next_call` are not kept
//! forever.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use common::*;
use hark_peer::client::{Mic, PendingClient, RtcClient};
use hark_peer::{Peer, PeerConfig, LOCAL_API_KEY, MAX_KEPT_CALLS};
use hark_protocol::events::HttpErrorDoc;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// POST a fresh offer to the GA endpoint: (status, Retry-After, body, Location).
async fn offer(peer: &Peer) -> (u16, Option<String>, String, Option<String>, PendingClient) {
    let pending = PendingClient::new(LOOPBACK).await.unwrap();
    let form = reqwest::multipart::Form::new()
        .text("sdp", pending.offer().to_owned())
        .text("session", hark_session().to_string());
    let r = reqwest::Client::new()
        .post(format!("{}/v1/realtime/calls", peer.base_url()))
        .bearer_auth(LOCAL_API_KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let header = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
    let (retry, location) = (header("retry-after"), header("location"));
    (status, retry, r.text().await.unwrap(), location, pending)
}

async fn wait_live(peer: &Peer, n: usize, within: Duration) {
    let t0 = Instant::now();
    while peer.live_calls() != n {
        assert!(t0.elapsed() < within, "{} calls open, expected {n}", peer.live_calls());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_the_limit_are_refused_at_once_and_ended_calls_free_their_place() {
    let peer = Peer::start(PeerConfig { max_calls: 2, connect_timeout: Duration::from_secs(3), ..Default::default() })
        .await
        .unwrap();
    let (s1, _, _, loc1, _p1) = offer(&peer).await;
    let (s2, _, _, _, _p2) = offer(&peer).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(peer.live_calls(), 2);

    let t0 = Instant::now();
    let (status, retry, body, _, _) = offer(&peer).await;
    assert!(t0.elapsed() < Duration::from_secs(2), "refused at once");
    assert_eq!(status, 429, "{body}");
    assert_eq!(retry.as_deref(), Some("2"));
    let doc: HttpErrorDoc = serde_json::from_str(&body).unwrap();
    assert_eq!(doc.error.code.as_deref(), Some("session_limit_reached"));
    assert!(doc.error.message.contains("already has 2 calls open"), "{}", doc.error.message);
    assert_eq!(peer.live_calls(), 2, "a refused offer takes no place");

    // A hangup frees its place at once.
    let id = loc1.unwrap().rsplit('/').next().unwrap().to_owned();
    let r = reqwest::Client::new()
        .post(format!("{}/v1/realtime/calls/{id}/hangup", peer.base_url()))
        .bearer_auth(LOCAL_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    wait_live(&peer, 1, Duration::from_secs(5)).await;
    let (s3, _, answer, _, pending) = offer(&peer).await;
    assert_eq!(s3, 201);

    // A client that connects and closes frees its place; ...
    let client: RtcClient = pending.accept(&answer, Mic::Off).unwrap();
    client.wait_open(T).await.unwrap();
    assert_eq!(peer.live_calls(), 2);
    client.close();
    // ... the answered-but-never-connected second call is reaped after the WebRTC timeout.
    wait_live(&peer, 0, Duration::from_secs(8)).await;
    assert!(peer.calls().iter().all(|c| c.info().ended));
    assert_eq!(offer(&peer).await.0, 201);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_nobody_takes_are_not_kept_forever() {
    let peer = Peer::start(PeerConfig::default()).await.unwrap();
    let total = MAX_KEPT_CALLS + 10;
    for _ in 0..total {
        let (status, _, _, location, _) = offer(&peer).await;
        assert_eq!(status, 201);
        let id = location.unwrap().rsplit('/').next().unwrap().to_owned();
        peer.call(&id).unwrap().hangup().unwrap();
    }
    wait_live(&peer, 0, Duration::from_secs(10)).await;
    assert!(peer.calls().len() <= MAX_KEPT_CALLS);
    // Only the newest untaken calls wait for `next_call`, still in order.
    let first = peer.next_call().await.unwrap().info().number;
    assert_eq!(first, total - MAX_KEPT_CALLS + 1);
    assert_eq!(peer.next_call().await.unwrap().info().number, first + 1);
    peer.shutdown().await;
}
