//! Overload: many SDP exchanges at once through the companion to the local peer. Every one ends,
//! within a deadline, as an SDP answer or as a refusal (429/503) with `Retry-After` and words; a
//! refusal comes at once (never queued behind the exchanges in flight); calls the peer answered
//! but nobody connected are reaped, and then sessions are answered again.
#![cfg(feature = "local-peer")]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use hark_peer::client::{Mic, PendingClient};
use hark_peer::{Faults, Peer, PeerConfig, LOCAL_API_KEY};
use hark_protocol::events::ServerEvent;
use hark_server::config::{ApiKey, ModeChoice, Settings, HARK_CHROME_EXTENSION_ID};
use hark_server::Companion;
use serde_json::Value;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const CONCURRENT: usize = 200;
/// The companion's cap on exchanges in flight; the peer takes as many calls.
const MAX_IN_FLIGHT: usize = 4;
/// The peer holds each answer this long, so the first exchanges keep their slots while the
/// others arrive.
const ANSWER_DELAY: Duration = Duration::from_millis(2_000);
/// Answered calls nobody connects are ended this long after their answer.
const WEBRTC_TIMEOUT: Duration = Duration::from_millis(5_000);
/// No request may take longer than this.
const DEADLINE: Duration = Duration::from_secs(15);

#[derive(Debug)]
struct Reply {
    status: u16,
    retry_after: Option<u64>,
    body: String,
    took: Duration,
}

struct Setup {
    peer: Peer,
    companion: Companion,
    url: String,
    token: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Setup {
    async fn post(&self, offer: String) -> Result<Reply, String> {
        let t0 = Instant::now();
        let req = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .header("origin", format!("chrome-extension://{HARK_CHROME_EXTENSION_ID}"))
            .header("content-type", "application/sdp")
            .body(offer);
        let fut = async {
            let resp = req.send().await.map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let retry_after =
                resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|s| s.parse().ok());
            let body = resp.text().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((status, retry_after, body))
        };
        match tokio::time::timeout(DEADLINE, fut).await {
            Err(_) => Err(format!("hung: no answer within {DEADLINE:?}")),
            Ok(Err(e)) => Err(format!("lost: {e}")),
            Ok(Ok((status, retry_after, body))) => Ok(Reply { status, retry_after, body, took: t0.elapsed() }),
        }
    }
}

async fn setup() -> Setup {
    let peer =
        Peer::start(PeerConfig { max_calls: MAX_IN_FLIGHT, connect_timeout: WEBRTC_TIMEOUT, ..Default::default() })
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::with_token_file(dir.path().join("token"));
    s.port = 0;
    s.mode = ModeChoice::Openai;
    s.api_key = Some(ApiKey::new(LOCAL_API_KEY).unwrap());
    s.upstream_url = peer.base_url();
    s.limits.rate_per_minute = 0;
    s.limits.max_concurrent = MAX_IN_FLIGHT;
    s.limits.upstream_timeout_ms = 10_000;
    let companion = Companion::start(s).await.unwrap();
    let url = format!("http://{}/api/rtc-connect", companion.local_addr());
    let token = companion.token().reveal().to_owned();
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(CONCURRENT).build().unwrap();
    Setup { peer, companion, url, token, http, _dir: dir }
}

/// The refusal's `code` and `message`, after checking it is one a person can act on.
fn refusal(r: &Reply) -> (String, String) {
    assert!(matches!(r.status, 429 | 503), "{r:?}");
    assert!(r.retry_after.is_some_and(|s| s >= 1), "a refusal says when to try again: {r:?}");
    let doc: Value = serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    let code = doc["error"]["code"].as_str().unwrap_or_default().to_owned();
    let message = doc["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(!code.is_empty() && message.len() > 20, "{r:?}");
    (code, message)
}

fn is_answer(r: &Reply) -> bool {
    r.status == 200 && r.body.starts_with("v=0") && r.body.contains("\nm=audio")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_exchanges_is_answered_or_refused_with_words_and_none_hangs() {
    let s = std::sync::Arc::new(setup().await);
    s.peer.set_faults(Faults { answer_delay_ms: ANSWER_DELAY.as_millis() as u64, fail: None });

    let mut offers = Vec::new();
    for _ in 0..CONCURRENT {
        offers.push(PendingClient::new(LOOPBACK).await.unwrap().offer().to_owned());
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(CONCURRENT));
    let tasks: Vec<_> = offers
        .into_iter()
        .map(|offer| {
            let (s, start) = (s.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                s.post(offer).await
            })
        })
        .collect();
    let mut replies = Vec::new();
    for t in tasks {
        replies.push(t.await.expect("no request task is lost").unwrap_or_else(|e| panic!("{e}")));
    }
    assert_eq!(replies.len(), CONCURRENT);

    let (answered, refused): (Vec<&Reply>, Vec<&Reply>) = replies.iter().partition(|r| is_answer(r));
    let mut busy = 0;
    for r in &refused {
        let (code, message) = refusal(r);
        if code == "busy" {
            busy += 1;
            assert_eq!(r.status, 503);
            assert!(message.contains("Wait a second") && message.contains("--max-concurrent"), "{message}");
        }
    }
    assert!(
        (1..=MAX_IN_FLIGHT).contains(&answered.len()),
        "at most {MAX_IN_FLIGHT} exchanges run at once and each holds its slot for {ANSWER_DELAY:?}: {} answered",
        answered.len()
    );
    assert!(busy >= CONCURRENT / 2, "the exchanges beyond the cap are refused: {busy} busy of {}", refused.len());
    // Refused at once: every refusal came back before the first answer could.
    let slowest_refusal = refused.iter().map(|r| r.took).max().unwrap();
    let fastest_answer = answered.iter().map(|r| r.took).min().unwrap();
    assert!(fastest_answer >= ANSWER_DELAY, "{fastest_answer:?}");
    assert!(slowest_refusal < fastest_answer, "a refusal waited {slowest_refusal:?}: it was queued, not refused");

    // The answered calls were never connected: the peer still holds them, so it refuses the next
    // one itself (429 with its words, passed on by the companion) ...
    assert_eq!(s.peer.live_calls(), answered.len());
    if answered.len() == MAX_IN_FLIGHT {
        let r = s.post(PendingClient::new(LOOPBACK).await.unwrap().offer().to_owned()).await.unwrap();
        let (code, message) = refusal(&r);
        assert_eq!((r.status, code.as_str()), (429, "upstream_rate_limited"), "{message}");
        assert!(message.contains("calls open") && message.contains("try again"), "{message}");
        assert_eq!(r.retry_after, Some(2));
    }
    // ... until it reaps them; then a session is answered and works.
    let t0 = Instant::now();
    while s.peer.live_calls() > 0 {
        assert!(t0.elapsed() < WEBRTC_TIMEOUT + Duration::from_secs(5), "unconnected calls were not reaped");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for c in s.peer.calls() {
        assert!(c.info().ended, "{:?}", c.info());
    }
    s.peer.clear_faults();
    let pending = PendingClient::new(LOOPBACK).await.unwrap();
    let r = s.post(pending.offer().to_owned()).await.unwrap();
    assert!(is_answer(&r), "{r:?}");
    let mut client = pending.accept(&r.body, Mic::Off).unwrap();
    client.wait_open(DEADLINE).await.unwrap();
    assert!(matches!(client.next_event(DEADLINE).await.unwrap(), ServerEvent::SessionCreated { .. }));
    client.close();
    let t0 = Instant::now();
    while s.peer.live_calls() > 0 {
        assert!(t0.elapsed() < Duration::from_secs(10), "a closed call is ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let s = std::sync::Arc::into_inner(s).unwrap();
    s.companion.shutdown().await;
    s.peer.shutdown().await;
}
