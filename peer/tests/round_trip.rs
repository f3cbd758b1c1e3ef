//! A real WebRTC client (str0m, in-process) against the peer over real HTTP and UDP on 127.0.0.1.

mod common;

use std::time::Duration;

use common::*;
use hark_peer::client::Mic;
use hark_peer::ToolInvocation;
use hark_protocol::events::{ClientEvent, ServerEvent};
use hark_protocol::tools;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_update_function_call_and_output_round_trip() {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;
    assert!(client.call_id().unwrap().starts_with("rtc_"));
    assert_eq!(client.call_id().unwrap(), call.id());

    // session.update -> session.updated with the change applied.
    client.send(&ClientEvent::SessionUpdate {
        event_id: Some("ev_upd".into()),
        session: json!({"type": "realtime", "instructions": "Be brief.", "audio": {"output": {"voice": "cedar"}}}),
    });
    let ServerEvent::SessionUpdated { session, .. } = client.wait_type("session.updated", T).await.unwrap() else {
        panic!()
    };
    assert_eq!(session["instructions"], "Be brief.");
    assert_eq!(session["audio"]["output"]["voice"], "cedar");
    assert!(session["tools"].as_array().unwrap().len() >= 4, "tools kept across the update");

    // The peer calls a tool; the client sees the call and answers.
    let waiter = {
        let call = call.clone();
        tokio::spawn(async move { call.call_tool(tools::CHANGE_BACKGROUND_COLOR, json!({"color": "navy"})).await })
    };
    let ServerEvent::FunctionCallArgumentsDone { call_id, name, arguments, .. } =
        client.wait_type("response.function_call_arguments.done", T).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(name, tools::CHANGE_BACKGROUND_COLOR);
    let parsed = tools::ToolCall::parse(&name, &arguments).unwrap();
    assert!(matches!(parsed, tools::ToolCall::ChangeBackgroundColor { .. }));
    let ServerEvent::ResponseDone { response, .. } = client.wait_type("response.done", T).await.unwrap() else {
        panic!()
    };
    assert_eq!(response.status, "completed");
    assert!(response.usage.unwrap().total_tokens > 0);
    client.send(&ClientEvent::function_output(&call_id, r#"{"ok":true,"color":"rgb(0, 0, 128)"}"#));
    let output = tokio::time::timeout(T, waiter).await.unwrap().unwrap().unwrap();
    assert_eq!(output, r#"{"ok":true,"color":"rgb(0, 0, 128)"}"#);

    // Then response.create: the peer speaks about it.
    client.send(&ClientEvent::response_create());
    let ServerEvent::OutputAudioTranscriptDone { transcript, .. } =
        client.wait_type("response.output_audio_transcript.done", T).await.unwrap()
    else {
        panic!()
    };
    assert!(transcript.contains("navy"), "{transcript}");
    client.wait_type("response.done", T).await.unwrap();

    // The peer saw everything in order.
    let types = call.received_types();
    assert_eq!(types, ["session.update", "conversation.item.create", "response.create"]);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_calls_in_one_response_and_the_on_open_script() {
    let peer = peer(false).await;
    peer.set_on_open(vec![ToolInvocation::new(tools::GET_PAGE_HTML, json!({}))]);
    let (mut client, call) = connected(&peer, Mic::Off).await;
    let ServerEvent::FunctionCallArgumentsDone { call_id, name, .. } =
        client.wait_type("response.function_call_arguments.done", T).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(name, tools::GET_PAGE_HTML);
    client.send(&ClientEvent::function_output(&call_id, "# Page"));
    assert_eq!(call.wait_output(&call_id, T).await.unwrap(), "# Page");

    let waiter = {
        let call = call.clone();
        tokio::spawn(async move {
            call.call_tools(vec![
                ToolInvocation::new(tools::CHANGE_TEXT_COLOR, json!({"color": "white"})),
                ToolInvocation::new(tools::CHANGE_BUTTON_STYLE, json!({"size": "large"})),
            ])
            .await
        })
    };
    let mut ids = Vec::new();
    while ids.len() < 2 {
        if let ServerEvent::FunctionCallArgumentsDone { call_id, output_index, .. } =
            client.wait_type("response.function_call_arguments.done", T).await.unwrap()
        {
            assert_eq!(output_index as usize, ids.len());
            ids.push(call_id);
        }
    }
    let ServerEvent::ResponseDone { response, .. } = client.wait_type("response.done", T).await.unwrap() else {
        panic!()
    };
    assert_eq!(response.output.len(), 2, "both calls are in one response");
    // Outputs in reverse order still reach the right calls.
    client.send(&ClientEvent::function_output(&ids[1], "second"));
    client.send(&ClientEvent::function_output(&ids[0], "first"));
    let outs = tokio::time::timeout(T, waiter).await.unwrap().unwrap().unwrap();
    assert_eq!(outs, ["first", "second"]);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_flows_both_ways_with_levels_that_tell_speech_from_silence() {
    let peer = peer(false).await;
    let (speaker, speaker_call) = connected(&peer, Mic::Speech).await;
    let (quiet, quiet_call) = connected(&peer, Mic::Silence).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let loud = speaker_call.audio_stats();
    let silent = quiet_call.audio_stats();
    assert!(loud.packets >= 40, "{loud:?}");
    assert!(silent.packets >= 40, "{silent:?}");
    assert!(loud.heard_speech(), "speech: {loud:?}");
    assert!(!silent.heard_speech(), "silence: {silent:?}");
    assert!(loud.level_dbfs > silent.level_dbfs + 30.0, "{loud:?} vs {silent:?}");

    // The peer speaks; the client decodes non-silent audio.
    speaker_call.say("Hello from the local peer, this is a test.").unwrap();
    let heard = speaker.wait_audio_packets(30, T).await.unwrap();
    assert!(heard.heard_speech(), "{heard:?}");
    assert!(heard.level_dbfs > -35.0, "{heard:?}");
    assert_eq!(quiet.state().audio.packets, 0, "the other call got nothing");
    peer.shutdown().await;
}
