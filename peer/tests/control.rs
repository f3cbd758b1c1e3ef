//! The `/_peer` control endpoints, for tests that are not in Rust.

mod common;

use common::*;
use hark_peer::client::{ClientError, Mic};
use hark_peer::LOCAL_API_KEY;
use hark_protocol::events::{ClientEvent, ServerEvent};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_endpoints_script_a_call_end_to_end() {
    let peer = peer(false).await;
    let base = peer.base_url();
    let http = reqwest::Client::new();

    // Faults over HTTP.
    let r = http
        .put(format!("{base}/_peer/faults"))
        .json(&json!({"fail": {"status": 429, "retry_after_secs": 3, "times": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let e = connect_ga(&base, Mic::Off).await.err().unwrap();
    assert!(matches!(e, ClientError::Status { status: 429, .. }), "{e}");

    // On-open script over HTTP.
    http.put(format!("{base}/_peer/on_open"))
        .json(&json!({"calls": [{"name": "getPageHTML", "arguments": {}}]}))
        .send()
        .await
        .unwrap();
    let mut client = connect_ga(&base, Mic::Speech).await.unwrap();
    let info: Value = get_json(&http, format!("{base}/_peer/wait_call?count=1&timeout_ms=5000")).await;
    let id = info["id"].as_str().unwrap().to_string();
    let r: Value = post_json(&http, format!("{base}/_peer/calls/{id}/wait_open?timeout_ms=10000"), None).await;
    assert_eq!(r["channel_open"], true);

    let ServerEvent::FunctionCallArgumentsDone { call_id, .. } =
        client.wait_type("response.function_call_arguments.done", T).await.unwrap()
    else {
        panic!()
    };
    client.send(&ClientEvent::function_output(&call_id, "# The page"));

    // Tools over HTTP: the request returns the outputs.
    let tools = {
        let http = http.clone();
        let url = format!("{base}/_peer/calls/latest/tools");
        tokio::spawn(async move {
            http.post(url)
                .json(&json!({"calls": [{"name": "changeTextColor", "arguments": {"color": "white"}}]}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    let ServerEvent::FunctionCallArgumentsDone { call_id: second, .. } =
        client.wait_type("response.function_call_arguments.done", T).await.unwrap()
    else {
        panic!()
    };
    client.send(&ClientEvent::function_output(&second, r#"{"ok":true}"#));
    let r = tools.await.unwrap();
    assert_eq!(r["outputs"], json!([r#"{"ok":true}"#]));
    assert_eq!(r["call_ids"], json!([second]));

    // What the client sent, and what its mic sounded like.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let events: Vec<Value> = get_json(&http, format!("{base}/_peer/calls/{id}/events")).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["item"]["output"], "# The page");
    let audio: Value = get_json(&http, format!("{base}/_peer/calls/{id}/audio")).await;
    assert!(audio["packets"].as_u64().unwrap() > 20, "{audio}");
    assert!(audio["voice_activity"].as_f64().unwrap() > 0.5, "{audio}");

    // say + send_raw + close_channel.
    http.post(format!("{base}/_peer/calls/{id}/say")).json(&json!({"transcript": "Hello there"})).send().await.unwrap();
    let ServerEvent::OutputAudioTranscriptDone { transcript, .. } =
        client.wait_type("response.output_audio_transcript.done", T).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(transcript, "Hello there");
    http.post(format!("{base}/_peer/calls/{id}/send_raw"))
        .json(&json!({"text": "{\"type\": broken"}))
        .send()
        .await
        .unwrap();
    let (_, raw) = client.next_raw(T).await.unwrap();
    // (response.done may still be in flight; skip to the raw text)
    let mut raw = raw;
    while ServerEvent::parse(&raw).is_ok() {
        raw = client.next_raw(T).await.unwrap().1;
    }
    assert_eq!(raw, "{\"type\": broken");
    http.post(format!("{base}/_peer/calls/{id}/close_channel")).send().await.unwrap();
    client.wait_closed(T).await.unwrap();
    let info: Value = get_json(&http, format!("{base}/_peer/calls/{id}")).await;
    assert_eq!(info["channel_closed"], true);

    let r = http.get(format!("{base}/_peer/calls/rtc_nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_running_peer_forgets_old_ended_calls_but_keeps_counting() {
    let peer = peer(true).await;
    let base = peer.base_url();
    let http = reqwest::Client::new();
    let offer = include_str!("fixtures/chromium-156-offer.sdp");
    let total = hark_peer::MAX_KEPT_CALLS + 6;
    for _ in 0..total {
        let form = reqwest::multipart::Form::new().text("sdp", offer).text("session", hark_session().to_string());
        let r = http
            .post(format!("{base}/v1/realtime/calls"))
            .bearer_auth(LOCAL_API_KEY)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let call = peer.next_call().await.unwrap();
        call.hangup().unwrap();
        call.wait_ended(T).await.unwrap();
    }
    assert!(peer.calls().len() <= hark_peer::MAX_KEPT_CALLS);
    let last: Value = get_json(&http, format!("{base}/_peer/wait_call?count={total}&timeout_ms=1000")).await;
    assert_eq!(last["number"], total);
    assert_eq!(http.get(format!("{base}/_peer/wait_call?count=1&timeout_ms=10")).send().await.unwrap().status(), 410);
    peer.shutdown().await;
}
