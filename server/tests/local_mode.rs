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
    assert!(companion.status_text().contains("mode: local (no OpenAI key: typed commands only"), "{}", companion.status_text());
    let base = format!("http://{}", companion.local_addr());
    let token = companion.token().reveal().to_owned();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let st: Value = client.get(format!("{base}/api/status")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!((st["mode"].as_str(), st["speech"].as_bool(), st["ready"].as_bool()), (Some("local"), Some(false), Some(true)));

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
