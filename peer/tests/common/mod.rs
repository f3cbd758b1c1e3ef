#![allow(dead_code)]
//! Helpers shared by the integration tests.

use std::time::Duration;

use hark_peer::client::{ClientError, Endpoint, Mic, RtcClient};
use hark_peer::{Peer, PeerConfig, LOCAL_API_KEY};
use hark_protocol::events::ServerEvent;
use hark_protocol::session::{SessionConfig, SessionSettings};
use serde_json::Value;

pub const T: Duration = Duration::from_secs(15);

pub fn hark_session() -> Value {
    serde_json::to_value(SessionConfig::new(&SessionSettings::default())).unwrap()
}

pub async fn peer(local_mode: bool) -> Peer {
    Peer::start(PeerConfig { local_mode, ..Default::default() }).await.unwrap()
}

/// Connect a client with Hark's GA session and wait for `session.created`.
pub async fn connected(peer: &Peer, mic: Mic) -> (RtcClient, hark_peer::CallHandle) {
    let mut client =
        RtcClient::connect(&peer.base_url(), LOCAL_API_KEY, Endpoint::Calls { session: hark_session() }, mic)
            .await
            .unwrap();
    let call = peer.next_call().await.unwrap();
    client.wait_open(T).await.unwrap();
    call.wait_channel_open().await.unwrap();
    let first = client.next_event(T).await.unwrap();
    assert!(matches!(first, ServerEvent::SessionCreated { .. }), "first event was {first:?}");
    (client, call)
}

pub fn error_body(e: &ServerEvent) -> &hark_protocol::events::ErrorBody {
    match e {
        ServerEvent::Error { error, .. } => error,
        other => panic!("expected an error event, got {other:?}"),
    }
}

/// A client on the peer's GA calls endpoint with Hark's session (not yet waited for).
pub async fn connect_ga(base: &str, mic: Mic) -> Result<RtcClient, ClientError> {
    RtcClient::connect(base, LOCAL_API_KEY, Endpoint::Calls { session: hark_session() }, mic).await
}

/// GET `url` and read its JSON answer (panics on failure: tests only).
pub async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: String) -> T {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// POST `url` (with an optional JSON body) and read its JSON answer.
pub async fn post_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: String, body: Option<Value>) -> T {
    let req = http.post(url);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    req.send().await.unwrap().json().await.unwrap()
}
