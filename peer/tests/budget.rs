//! The sideband (`GET /v1/realtime?call_id=` as a WebSocket) the way OpenAI offers it, and the
//! companion's daily budget built on it: the companion reads each call's usage there, hangs the
//! calls up when the day's budget is spent, refuses new ones until the next day (also after a
//! restart), and falls back to the extension's reports when its sideband drops.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt, StreamExt};
use hark_peer::client::{ClientError, Endpoint, Mic, RtcClient};
use hark_peer::{CallHandle, Peer, LOCAL_API_KEY};
use hark_protocol::events::ServerEvent;
use hark_server::config::{ApiKey, ModeChoice, Settings, HARK_CHROME_EXTENSION_ID};
use hark_server::Companion;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

fn sideband_request(
    peer: &Peer,
    call_id: &str,
    key: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!("ws://{}/v1/realtime?call_id={call_id}", peer.http_addr());
    let mut req = url.into_client_request().unwrap();
    if let Some(key) = key {
        req.headers_mut().insert("authorization", format!("Bearer {key}").parse().unwrap());
    }
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sideband_gets_the_calls_events_and_its_client_events_act_on_the_call() {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Silence).await;

    // Refused like OpenAI refuses: no key, an unknown call.
    let no_key = tokio_tungstenite::connect_async(sideband_request(&peer, call.id(), None)).await;
    assert!(format!("{:?}", no_key.unwrap_err()).contains("401"));
    let unknown = tokio_tungstenite::connect_async(sideband_request(&peer, "rtc_nope", Some(LOCAL_API_KEY))).await;
    assert!(format!("{:?}", unknown.unwrap_err()).contains("404"));

    let (mut ws, _) =
        tokio_tungstenite::connect_async(sideband_request(&peer, call.id(), Some(LOCAL_API_KEY))).await.unwrap();
    call.wait_for("the sideband", T, |i| i.sidebands_open == 1).await.unwrap();
    // An answer the data channel gets, the sideband gets too, usage and all.
    call.say("The page is blue now.").unwrap();
    client.wait_type("response.done", T).await.unwrap();
    let done = loop {
        let msg = tokio::time::timeout(T, ws.next()).await.unwrap().unwrap().unwrap();
        let Message::Text(text) = msg else { continue };
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["type"] == "response.done" {
            break v;
        }
    };
    assert!(done["response"]["usage"]["total_tokens"].as_u64().unwrap() > 0, "{done}");
    // The server's instructions over the sideband change the call's session.
    ws.send(Message::Text(
        json!({"type": "session.update", "session": {"type": "realtime", "instructions": "Budget rules."}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let ServerEvent::SessionUpdated { session, .. } = client.wait_type("session.updated", T).await.unwrap() else {
        panic!()
    };
    assert_eq!(session["instructions"], "Budget rules.");
    // Hanging up ends the call and closes the sideband with a close frame.
    let hangup = reqwest::Client::new()
        .post(format!("{}/v1/realtime/calls/{}/hangup", peer.base_url(), call.id()))
        .bearer_auth(LOCAL_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(hangup.status(), 200);
    let closed = loop {
        match tokio::time::timeout(T, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("the sideband ended without a close frame: {other:?}"),
        }
    };
    assert_eq!(closed.unwrap().reason.as_str(), "call ended");
    client.wait_closed(T).await.unwrap();
    peer.shutdown().await;
}

struct Setup {
    peer: Peer,
    settings: Settings,
    _dir: tempfile::TempDir,
}

fn setup_settings(peer: &Peer, dir: &tempfile::TempDir, budget: f64) -> Settings {
    let mut settings = Settings::with_token_file(dir.path().join("pairing-token"));
    settings.port = 0;
    settings.mode = ModeChoice::Openai;
    settings.api_key = Some(ApiKey::new(LOCAL_API_KEY).unwrap());
    settings.upstream_url = peer.base_url();
    settings.daily_budget_usd = Some(budget);
    settings
}

async fn setup(budget: f64) -> Setup {
    let peer = peer(false).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = setup_settings(&peer, &dir, budget);
    Setup { peer, settings, _dir: dir }
}

fn endpoint(companion: &Companion) -> Endpoint {
    Endpoint::Raw {
        url: format!("http://{}/api/rtc-connect", companion.local_addr()),
        headers: vec![("origin".into(), format!("chrome-extension://{HARK_CHROME_EXTENSION_ID}"))],
    }
}

async fn call_through(s: &Setup, companion: &Companion) -> Result<(RtcClient, CallHandle), ClientError> {
    let token = companion.token().reveal().to_owned();
    let client = RtcClient::connect("", &token, endpoint(companion), Mic::Silence).await?;
    let call = s.peer.next_call().await.unwrap();
    client.wait_open(T).await.unwrap();
    Ok((client, call))
}

/// A paired request to the companion, as the extension makes it: (status, JSON body).
async fn ask(companion: &Companion, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("http://{}{path}", companion.local_addr());
    let http = reqwest::Client::new();
    let req = match body {
        Some(b) => http.post(url).json(&b),
        None => http.get(url),
    };
    let r = req
        .bearer_auth(companion.token().reveal())
        .header("origin", format!("chrome-extension://{HARK_CHROME_EXTENSION_ID}"))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn companion_get(companion: &Companion, path: &str) -> Value {
    ask(companion, path, None).await.1
}

async fn report(companion: &Companion, body: Value) -> (u16, Value) {
    ask(companion, "/api/usage", Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_ends_the_call_and_refuses_new_ones_also_after_a_restart() {
    // One short answer costs more than this.
    let s = setup(0.0001).await;
    let companion = Companion::start(s.settings.clone()).await.unwrap();
    let (mut client, call) = call_through(&s, &companion).await.unwrap();
    call.wait_for("the companion's sideband", T, |i| i.sidebands_open == 1).await.unwrap();

    call.say("Done: the background is navy.").unwrap();
    client.wait_type("response.done", T).await.unwrap();
    let t0 = Instant::now();
    call.wait_ended(T).await.expect("the companion did not hang up the call when the budget was spent");
    client.wait_closed(T).await.unwrap();
    println!("figure: call hung up {:?} after the response.done that spent the budget", t0.elapsed());

    let status = companion_get(&companion, "/api/status").await;
    let budget = &status["budget"];
    assert_eq!(budget["exhausted"], true, "{status}");
    assert!(budget["spent_usd"].as_f64().unwrap() > 0.0001, "{status}");
    assert!(budget["message"].as_str().unwrap().contains("00:00"), "{status}");

    let refused = call_through(&s, &companion).await.err().expect("a new session started after the budget was spent");
    let ClientError::Status { status, body, .. } = refused else { panic!("{refused:?}") };
    assert_eq!(status, 429);
    assert!(body.contains("daily_budget_spent") && body.contains("spent"), "{body}");

    // A restart keeps today's spend.
    companion.shutdown().await;
    let spend: Value = serde_json::from_slice(&std::fs::read(s.settings.spend_file()).unwrap()).unwrap();
    assert!(spend["calls"][call.id()]["sideband_usd"].as_f64().unwrap() > 0.0, "{spend}");
    let companion = Companion::start(s.settings.clone()).await.unwrap();
    let refused = call_through(&s, &companion).await.err().expect("a restart forgot the spent budget");
    assert!(matches!(refused, ClientError::Status { status: 429, .. }), "{refused:?}");
    companion.shutdown().await;
    s.peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_sideband_leaves_the_call_working_and_the_extensions_reports_count() {
    let s = setup(0.05).await;
    let companion = Companion::start(s.settings.clone()).await.unwrap();
    let (mut client, call) = call_through(&s, &companion).await.unwrap();
    call.wait_for("the companion's sideband", T, |i| i.sidebands_open == 1).await.unwrap();
    call.cut_sideband();
    call.wait_for("the sideband to drop", T, |i| i.sidebands_open == 0).await.unwrap();

    // The call goes on.
    call.say("Still here.").unwrap();
    client.wait_type("response.done", T).await.unwrap();
    let deadline = Instant::now() + T;
    let status = loop {
        let status = companion_get(&companion, "/api/status").await;
        if status["budget"]["from_reports"].as_array().is_some_and(|a| !a.is_empty()) {
            break status;
        }
        assert!(Instant::now() < deadline, "the budget does not say it counts from the reports: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status["budget"]["summary"].as_str().unwrap().contains("Hark's meter"), "{status}");

    // Odd reports are refused with words and count nothing.
    for bad in
        [json!({"call_id": call.id(), "cost_usd": -1}), json!({"call_id": "", "cost_usd": 1}), json!({"cost": 1})]
    {
        let (code, body) = report(&companion, bad.clone()).await;
        assert_eq!(code, 400, "{bad} -> {body}");
        assert_eq!(body["error"]["code"], "bad_usage", "{body}");
    }
    let (code, body) = report(&companion, json!({"call_id": call.id(), "cost_usd": 0.01})).await;
    assert_eq!(code, 200, "{body}");
    assert!((body["budget"]["spent_usd"].as_f64().unwrap() - 0.01).abs() < 1e-9, "{body}");
    assert_eq!(body["budget"]["exhausted"], false);
    assert!(!call.info().ended);

    // The extension's meter passes the budget: the companion hangs up, with no sideband at all.
    let (_, body) = report(&companion, json!({"call_id": call.id(), "cost_usd": 0.06})).await;
    assert_eq!(body["budget"]["exhausted"], true, "{body}");
    call.wait_ended(T).await.expect("the companion did not hang up on the reports");
    client.wait_closed(T).await.unwrap();
    companion.shutdown().await;
    s.peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_of_zero_starts_nothing_and_a_budget_needs_a_price() {
    let s = setup(0.0).await;
    let companion = Companion::start(s.settings.clone()).await.unwrap();
    let refused = call_through(&s, &companion).await.err().expect("a budget of 0 started a session");
    let ClientError::Status { status: 429, body, .. } = refused else { panic!("{refused:?}") };
    assert!(body.contains("daily budget is $0"), "{body}");
    companion.shutdown().await;

    let mut unpriced = s.settings.clone();
    unpriced.session.model = "gpt-realtime-next".into();
    let e = Companion::start(unpriced).await.unwrap_err();
    assert!(e.to_string().contains("[prices.\"gpt-realtime-next\"]"), "{e}");
    let mut negative = s.settings.clone();
    negative.daily_budget_usd = Some(-1.0);
    assert!(Companion::start(negative).await.unwrap_err().to_string().contains("not an amount"));
    s.peer.shutdown().await;
}
