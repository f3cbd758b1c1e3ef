//! The happy paths: the offer goes upstream exactly as OpenAI documents it and the answer comes
//! back to the extension with the call id.

mod common;

use common::*;
use hark_server::config::UpstreamApi;
use hark_server::fake_upstream::{Behavior, ANSWER_SDP};
use hark_server::routes::StatusDoc;
use serde_json::Value;

#[tokio::test]
async fn offer_is_exchanged_through_the_ga_calls_interface() {
    let h = Harness::start().await;
    let resp = h.offer().send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let hd = resp.headers().clone();
    assert_eq!(hd["content-type"], "application/sdp");
    assert_eq!(hd["x-hark-call-id"], "rtc_fake00000001");
    assert_eq!(hd["x-hark-upstream-api"], "calls");
    assert_eq!(hd["access-control-allow-origin"], chrome_origin().as_str());
    let exposed = hd["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.contains("x-hark-call-id"), "the extension must be able to read the call id: {exposed}");
    assert_eq!(resp.text().await.unwrap(), ANSWER_SDP);
    assert_eq!(h.fake.problems(), Vec::<String>::new(), "the request broke OpenAI's documented contract");
    assert_eq!(h.fake.answered(), 1);
    let logs = logs();
    assert!(
        logs.contains("session set up") && logs.contains("rtc_fake00000001"),
        "the exchange is logged with its call id"
    );
    assert_no_key("the logs", &logs);
    h.shutdown().await;
}

#[tokio::test]
async fn configured_model_voice_instructions_reach_the_session() {
    // The fake compares the whole session JSON with SessionConfig::new(settings): any field the
    // companion dropped or changed fails the exchange.
    let h = Harness::start_with(|s| {
        s.session.model = "gpt-realtime-mini".into();
        s.session.voice = "cedar".into();
        s.session.instructions = "Answer in French.".into();
        s.session.transcription_model = None;
    })
    .await;
    let resp = h.offer().send().await.unwrap();
    assert_eq!(resp.status(), 200, "{:?}", h.fake.problems());
    assert!(h.fake.problems().is_empty());
    let st: StatusDoc = h.get("/api/status").bearer_auth(&h.token).send().await.unwrap().json().await.unwrap();
    assert_eq!((st.model.as_str(), st.voice.as_str()), ("gpt-realtime-mini", "cedar"));
    h.shutdown().await;
}

#[tokio::test]
async fn legacy_interface_posts_raw_sdp_and_status_carries_the_session_update() {
    let h = Harness::start_with(|s| s.upstream_api = UpstreamApi::Legacy).await;
    let resp = h.offer().send().await.unwrap();
    assert_eq!(resp.status(), 200, "{:?}", h.fake.problems());
    assert_eq!(resp.headers()["x-hark-upstream-api"], "legacy");
    assert_eq!(resp.text().await.unwrap(), ANSWER_SDP);
    assert!(h.fake.problems().is_empty(), "{:?}", h.fake.problems());

    let st: StatusDoc = h.get("/api/status").bearer_auth(&h.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(st.upstream_api, "legacy");
    let su = st.session_update.expect("legacy mode tells the extension what session.update to send");
    assert_eq!(su["voice"], "marin");
    assert_eq!(su["turn_detection"]["type"], "server_vad");
    let names: Vec<&str> = su["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, hark_protocol::tools::names());
    h.shutdown().await;
}

#[tokio::test]
async fn status_reports_openai_mode_for_the_test_connection_button() {
    let h = Harness::start().await;
    let resp = h.get("/api/status").bearer_auth(&h.token).header("origin", chrome_origin()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["mode"], "openai");
    assert_eq!(v["model"], "gpt-realtime");
    assert_eq!(v["voice"], "marin");
    assert_eq!(v["upstream_api"], "calls");
    assert_eq!(v["speech"], true);
    assert_eq!(v["session_update"], Value::Null);
    assert_no_key("the status", &v.to_string());
    assert_eq!(h.fake.requests(), 0, "the status check must not spend an upstream call");
    h.shutdown().await;
}

#[tokio::test]
async fn healthz_needs_no_token() {
    let h = Harness::start().await;
    let resp = h.get("/healthz").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, serde_json::json!({"status": "ok", "mode": "openai"}));
    h.shutdown().await;
}

#[tokio::test]
async fn answer_without_location_still_connects_without_a_call_id() {
    let h = Harness::start().await;
    h.fake.set_behavior(Behavior::AnswerWithoutLocation);
    let resp = h.offer().send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("x-hark-call-id").is_none());
    assert_eq!(resp.text().await.unwrap(), ANSWER_SDP);
    h.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_exchange_in_flight() {
    let mut h = Harness::start().await;
    h.fake.set_behavior(Behavior::Slow(std::time::Duration::from_millis(400)));
    let req = h.offer().send();
    let pending = tokio::spawn(req);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let companion = h.companion.take().unwrap();
    let stopping = tokio::spawn(companion.shutdown());
    let resp = pending.await.unwrap().unwrap();
    assert_eq!(resp.status(), 200, "a request in flight at shutdown still gets its answer");
    assert_eq!(resp.text().await.unwrap(), ANSWER_SDP);
    stopping.await.unwrap();
    assert!(h.client.get(format!("{}/healthz", h.url)).send().await.is_err(), "after shutdown nothing listens");
}
