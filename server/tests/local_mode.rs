//! Local mode: no key, the in-process local peer is the upstream, reached through the same code.
#![cfg(feature = "local-peer")]

mod common;

use common::chrome_origin;
use hark_server::config::{ModeChoice, Settings};
use hark_server::fake_upstream::OFFER_SDP;
use hark_server::Companion;
use serde_json::Value;

#[tokio::test]
async fn without_a_key_offers_are_answered_by_the_local_peer() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::with_token_file(dir.path().join("token"));
    s.port = 0;
    s.mode = ModeChoice::Auto;
    let companion = Companion::start(s).await.expect("starts without a key");
    assert_eq!(companion.mode().as_str(), "local");
    assert!(
        companion.status_text().contains("mode: local (no OpenAI key: typed commands only"),
        "{}",
        companion.status_text()
    );
    let base = format!("http://{}", companion.local_addr());
    let token = companion.token().reveal().to_owned();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let st: Value =
        client.get(format!("{base}/api/status")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (st["mode"].as_str(), st["speech"].as_bool(), st["ready"].as_bool()),
        (Some("local"), Some(false), Some(true))
    );

    let resp = client
        .post(format!("{base}/api/rtc-connect"))
        .bearer_auth(&token)
        .header("origin", chrome_origin())
        .header("content-type", "application/sdp")
        .body(OFFER_SDP)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let call_id = resp.headers().get("x-hark-call-id").map(|v| v.to_str().unwrap().to_owned());
    let body = resp.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("v=0"), "an SDP answer from the peer: {body}");
    assert!(call_id.is_some_and(|id| id.starts_with("rtc_")));
    companion.shutdown().await;
}

/// The local peer the companion runs is for the companion alone: nothing else on the machine (a
/// local process, a page that rebinds a name to 127.0.0.1) can read what the extension sent or
/// inject a transcript answering Hark's question, nor open calls with a guessed key.
#[tokio::test]
async fn the_local_peer_answers_only_the_companion() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::with_token_file(dir.path().join("token"));
    s.port = 0;
    s.mode = ModeChoice::Auto;
    let companion = Companion::start(s).await.expect("starts without a key");
    let status = companion.status_text();
    let peer = status
        .split("local peer at ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no local peer address in {status}"))
        .to_owned();
    let base = format!("http://{}", companion.local_addr());
    let token = companion.token().reveal().to_owned();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let resp = client
        .post(format!("{base}/api/rtc-connect"))
        .bearer_auth(&token)
        .header("origin", chrome_origin())
        .header("content-type", "application/sdp")
        .body(OFFER_SDP)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the companion still reaches its peer");
    let call_id = resp.headers().get("x-hark-call-id").unwrap().to_str().unwrap().to_owned();

    for path in ["/_peer/calls".to_string(), format!("/_peer/calls/{call_id}/events"), "/_peer/calls/latest".into()] {
        let r = client.get(format!("{peer}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 404, "GET {path} on the local peer");
    }
    for path in [format!("/_peer/calls/{call_id}/transcript"), format!("/_peer/calls/{call_id}/say")] {
        let r =
            client.post(format!("{peer}{path}")).json(&serde_json::json!({"transcript": "yes"})).send().await.unwrap();
        assert_eq!(r.status(), 404, "POST {path} on the local peer");
    }
    let r = client
        .post(format!("{peer}/v1/realtime/calls"))
        .bearer_auth(hark_peer::LOCAL_API_KEY)
        .header("content-type", "application/sdp")
        .body(OFFER_SDP)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a call with the well-known key");
    let r = client
        .post(format!("{peer}/v1/realtime/calls/{call_id}/hangup"))
        .bearer_auth(hark_peer::LOCAL_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "hanging up the extension's call with the well-known key");
    companion.shutdown().await;
}
