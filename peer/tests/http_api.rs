//! The HTTP API as a client sees it: status codes, OpenAI's error JSON, answers, hangup, faults.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hark_peer::client::{ClientError, Endpoint, Mic, PendingClient, RtcClient};
use hark_peer::{Faults, HttpFailure, LOCAL_API_KEY};
use hark_protocol::events::{HttpErrorDoc, ServerEvent};
use serde_json::{json, Value};

async fn offer() -> String {
    PendingClient::new("127.0.0.1".parse().unwrap()).await.unwrap().offer().to_string()
}

async fn post_calls(base: &str, key: Option<&str>, sdp: &str, session: &str) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().text("sdp", sdp.to_string()).text("session", session.to_string());
    let mut req = reqwest::Client::new().post(format!("{base}/v1/realtime/calls")).multipart(form);
    if let Some(k) = key {
        req = req.header("authorization", k);
    }
    req.send().await.unwrap()
}

async fn error_doc(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    let doc: HttpErrorDoc = serde_json::from_value(v.clone()).expect("OpenAI's error shape");
    assert!(!doc.error.kind.is_empty());
    (status, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_checked_like_openai_does() {
    let peer = peer(true).await;
    let sdp = offer().await;
    let s = hark_session().to_string();
    for key in [None, Some("Basic abc"), Some("Bearer "), Some("Bearer not-a-key")] {
        let (status, v) = error_doc(post_calls(&peer.base_url(), key, &sdp, &s).await).await;
        assert_eq!(status, 401, "{key:?}");
        let e = &v["error"];
        assert_eq!(e["type"], "invalid_request_error");
        assert_eq!(e["code"], "invalid_api_key");
        assert!(e["param"].is_null());
        assert!(e["message"].as_str().unwrap().contains("API key"));
        assert_eq!(e.as_object().unwrap().len(), 4, "exactly message/type/code/param: {e}");
    }
    let r = post_calls(&peer.base_url(), Some("Bearer sk-anything-goes"), &sdp, &s).await;
    assert_eq!(r.status().as_u16(), 201);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sessions_and_offers_get_400_with_code_and_param() {
    let peer = peer(true).await;
    let sdp = offer().await;
    let key = Some("Bearer sk-hark-local");
    let mut bad_model = hark_session();
    bad_model["model"] = json!("gpt-5-realtime-ultra");
    let mut bad_voice = hark_session();
    bad_voice["audio"]["output"]["voice"] = json!("hal9000");
    let mut bad_tools = hark_session();
    bad_tools["tools"] = json!([{"type": "function", "description": "no name"}]);
    let cases = [
        (bad_model.to_string(), sdp.clone(), "model_not_found", Some("session.model")),
        (bad_voice.to_string(), sdp.clone(), "invalid_value", Some("session.audio.output.voice")),
        (bad_tools.to_string(), sdp.clone(), "missing_required_parameter", Some("session.tools[0].name")),
        ("{not json".to_string(), sdp.clone(), "invalid_json", Some("session")),
        (hark_session().to_string(), "hello".to_string(), "invalid_offer", Some("sdp")),
        (hark_session().to_string(), sdp.replace("m=application", "m=video"), "invalid_offer", Some("sdp")),
    ];
    for (session, sdp, code, param) in cases {
        let (status, v) = error_doc(post_calls(&peer.base_url(), key, &sdp, &session).await).await;
        assert_eq!(status, 400, "{code}: {v}");
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["code"], code, "{v}");
        assert_eq!(v["error"]["param"].as_str(), param, "{v}");
    }
    // Missing sdp field.
    let form = reqwest::multipart::Form::new().text("session", hark_session().to_string());
    let r = reqwest::Client::new()
        .post(format!("{}/v1/realtime/calls", peer.base_url()))
        .bearer_auth(LOCAL_API_KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, v) = error_doc(r).await;
    assert_eq!((status, v["error"]["param"].as_str()), (400, Some("sdp")));
    assert!(peer.calls().is_empty(), "no call was started by a bad request");
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_answer_is_201_sdp_with_a_location() {
    let peer = peer(true).await;
    let sdp = offer().await;
    let r = post_calls(&peer.base_url(), Some("Bearer sk-hark-local"), &sdp, &hark_session().to_string()).await;
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(r.headers()["content-type"], "application/sdp");
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/v1/realtime/calls/rtc_"), "{loc}");
    let answer = r.text().await.unwrap();
    assert!(answer.starts_with("v=0"));
    assert!(answer.contains("a=ice-lite"));
    assert!(answer.contains("a=candidate:") && answer.contains("127.0.0.1"), "{answer}");
    assert!(answer.contains("opus/48000/2"));
    assert!(answer.contains("webrtc-datachannel"));
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_beta_path_takes_raw_sdp_and_a_model() {
    let peer = peer(true).await;
    let sdp = offer().await;
    let http = reqwest::Client::new();
    let post = |q: &str| {
        http.post(format!("{}/v1/realtime{q}", peer.base_url()))
            .bearer_auth(LOCAL_API_KEY)
            .header("content-type", "application/sdp")
            .body(sdp.clone())
            .send()
    };
    let (status, v) = error_doc(post("?model=gpt-9").await.unwrap()).await;
    assert_eq!((status, v["error"]["code"].as_str()), (400, Some("model_not_found")));
    let (status, v) = error_doc(post("").await.unwrap()).await;
    assert_eq!((status, v["error"]["param"].as_str()), (400, Some("model")));

    let mut client =
        RtcClient::connect(&peer.base_url(), LOCAL_API_KEY, Endpoint::Model("gpt-realtime-mini".into()), Mic::Off)
            .await
            .unwrap();
    client.wait_open(T).await.unwrap();
    let ServerEvent::SessionCreated { session, .. } = client.next_event(T).await.unwrap() else { panic!() };
    assert_eq!(session["model"], "gpt-realtime-mini");
    assert_eq!(session["voice"], "marin", "beta sessions carry voice at the top: {session}");
    // A beta-shaped session.update is accepted on this path.
    client.send(&hark_protocol::events::ClientEvent::SessionUpdate {
        event_id: None,
        session: hark_protocol::session::SessionConfig::new(&Default::default()).to_beta_session(),
    });
    let ServerEvent::SessionUpdated { session, .. } = client.wait_type("session.updated", T).await.unwrap() else {
        panic!()
    };
    assert_eq!(session["tools"].as_array().unwrap().len(), hark_protocol::tools::catalogue().len());
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hangup_ends_the_call_and_unknown_calls_are_404() {
    let peer = peer(true).await;
    let (client, call) = connected(&peer, Mic::Off).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/v1/realtime/calls/rtc_nope/hangup", peer.base_url()))
        .bearer_auth(LOCAL_API_KEY)
        .send()
        .await
        .unwrap();
    let (status, v) = error_doc(r).await;
    assert_eq!(status, 404, "{v}");
    let r = http.post(format!("{}/v1/realtime/calls/{}/hangup", peer.base_url(), call.id())).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401, "hangup needs the key too");
    let r = http
        .post(format!("{}/v1/realtime/calls/{}/hangup", peer.base_url(), call.id()))
        .bearer_auth(LOCAL_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    call.wait_ended(T).await.unwrap();
    client.wait_closed(T).await.unwrap();
    assert!(call.info().ended);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_knobs_answer_401_429_500_then_recover() {
    let peer = peer(true).await;
    for (status, retry) in [(401u16, None), (429, Some(7u64)), (500, None)] {
        peer.set_faults(Faults {
            answer_delay_ms: 0,
            fail: Some(HttpFailure { status, retry_after_secs: retry, times: Some(1) }),
        });
        let err =
            RtcClient::connect(&peer.base_url(), LOCAL_API_KEY, Endpoint::Calls { session: hark_session() }, Mic::Off)
                .await
                .err()
                .expect("the call fails");
        let ClientError::Status { status: got, body, retry_after } = err else { panic!("{err}") };
        assert_eq!(got, status);
        let doc: HttpErrorDoc = serde_json::from_str(&body).unwrap();
        match status {
            401 => assert_eq!(doc.error.code.as_deref(), Some("invalid_api_key")),
            429 => {
                assert_eq!(doc.error.code.as_deref(), Some("rate_limit_exceeded"));
                assert_eq!(retry_after.as_deref(), Some("7"));
            }
            _ => assert_eq!(doc.error.kind, "server_error"),
        }
        // `times: 1`: the next call goes through.
        let c =
            RtcClient::connect(&peer.base_url(), LOCAL_API_KEY, Endpoint::Calls { session: hark_session() }, Mic::Off)
                .await
                .unwrap();
        c.wait_open(T).await.unwrap();
    }
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_delay_holds_the_http_answer() {
    let peer = peer(true).await;
    peer.set_faults(Faults { answer_delay_ms: 700, fail: None });
    let t0 = Instant::now();
    let c = RtcClient::connect(&peer.base_url(), LOCAL_API_KEY, Endpoint::Calls { session: hark_session() }, Mic::Off)
        .await
        .unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(700), "{:?}", t0.elapsed());
    c.wait_open(T).await.unwrap();
    peer.clear_faults();
    let t0 = Instant::now();
    let _c = RtcClient::connect(&peer.base_url(), LOCAL_API_KEY, Endpoint::Calls { session: hark_session() }, Mic::Off)
        .await
        .unwrap();
    assert!(t0.elapsed() < Duration::from_millis(500));
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_peer_notices_when_the_client_goes_away() {
    let peer = peer(true).await;
    let (client, call) = connected(&peer, Mic::Speech).await;
    client.close();
    call.wait_ended(T).await.unwrap();
    let info = call.info();
    assert!(info.ended && !info.channel_open, "{info:?}");
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_beta_interface_can_be_refused_as_openai_does_since_may_2026() {
    let peer =
        hark_peer::Peer::start(hark_peer::PeerConfig { accept_beta_api: false, ..Default::default() }).await.unwrap();
    let sdp = offer().await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/v1/realtime?model=gpt-realtime", peer.base_url()))
        .bearer_auth(LOCAL_API_KEY)
        .header("content-type", "application/sdp")
        .body(sdp.clone())
        .send()
        .await
        .unwrap();
    let (status, v) = error_doc(r).await;
    assert_eq!((status, v["error"]["code"].as_str()), (400, Some("beta_api_shape_disabled")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("/v1/realtime"));
    let form = reqwest::multipart::Form::new().text("sdp", sdp.clone()).text("session", hark_session().to_string());
    let r = http
        .post(format!("{}/v1/realtime/calls", peer.base_url()))
        .bearer_auth(LOCAL_API_KEY)
        .header("openai-beta", "realtime=v1")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // The GA interface works as always.
    let form = reqwest::multipart::Form::new().text("sdp", sdp).text("session", hark_session().to_string());
    let r = http
        .post(format!("{}/v1/realtime/calls", peer.base_url()))
        .bearer_auth(LOCAL_API_KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    peer.shutdown().await;
}
