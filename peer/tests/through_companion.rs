//! The whole path Hark uses: a WebRTC client (playing the extension's session host) posts its
//! offer to the companion (`/api/rtc-connect`, pairing token, extension origin); the companion
//! calls this peer as its upstream with the GA multipart request; media and events then flow
//! directly between the client and the peer.

mod common;

use common::*;
use hark_peer::client::{Endpoint, Mic, RtcClient};
use hark_protocol::events::{ClientEvent, ServerEvent};
use hark_protocol::tools;
use hark_server::config::{ApiKey, ModeChoice, Settings, HARK_CHROME_EXTENSION_ID};
use hark_server::Companion;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_companion_peer_round_trip_with_audio_both_ways() {
    let peer = peer(false).await;
    let dir = std::env::temp_dir().join(format!("hark-peer-companion-{}", std::process::id()));
    let mut settings = Settings::with_token_file(dir.join("pairing-token"));
    settings.port = 0;
    settings.mode = ModeChoice::Openai;
    settings.api_key = Some(ApiKey::new("sk-test-peer-through-companion").unwrap());
    settings.upstream_url = peer.base_url();
    let companion = Companion::start(settings).await.unwrap();
    let token = companion.token().reveal().to_owned();
    let endpoint = Endpoint::Raw {
        url: format!("http://{}/api/rtc-connect", companion.local_addr()),
        headers: vec![("origin".into(), format!("chrome-extension://{HARK_CHROME_EXTENSION_ID}"))],
    };
    let mut client = RtcClient::connect("", &token, endpoint, Mic::Speech).await.unwrap();
    let call = peer.next_call().await.unwrap();
    client.wait_open(T).await.unwrap();

    // The companion's session (GA shape, Hark's catalogue) reached the peer.
    let ServerEvent::SessionCreated { session, .. } = client.next_event(T).await.unwrap() else { panic!() };
    assert_eq!(session["type"], "realtime");
    let names: Vec<&str> = session["tools"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    assert!(names.contains(&tools::CHANGE_BACKGROUND_COLOR), "{names:?}");

    client.send(&ClientEvent::SessionUpdate {
        event_id: None,
        session: json!({"type": "realtime", "instructions": "Be brief."}),
    });
    client.wait_type("session.updated", T).await.unwrap();

    let waiter = {
        let call = call.clone();
        tokio::spawn(async move { call.call_tool(tools::CHANGE_TEXT_COLOR, json!({"color": "white"})).await })
    };
    let ServerEvent::FunctionCallArgumentsDone { call_id, .. } =
        client.wait_type("response.function_call_arguments.done", T).await.unwrap()
    else {
        panic!()
    };
    client.send(&ClientEvent::function_output(&call_id, r#"{"ok":true}"#));
    assert_eq!(tokio::time::timeout(T, waiter).await.unwrap().unwrap().unwrap(), r#"{"ok":true}"#);

    // Audio both ways.
    call.wait_for("speech from the client", T, |i| i.audio.heard_speech()).await.unwrap();
    call.say("The text is white now.").unwrap();
    let heard = client.wait_audio_packets(25, T).await.unwrap();
    assert!(heard.heard_speech(), "{heard:?}");

    companion.shutdown().await;
    peer.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}
