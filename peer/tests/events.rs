//! Error events and call-level faults, over a real data channel.

mod common;

use std::time::Duration;

use common::*;
use hark_peer::client::Mic;
use hark_protocol::events::{ClientEvent, ServerEvent};
use hark_protocol::tools;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_out_of_order_client_events_get_openai_error_events() {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;

    client.send_text("{this is not json");
    let e = client.wait_type("error", T).await.unwrap();
    assert_eq!(error_body(&e).code.as_deref(), Some("invalid_json"));

    client.send_text(r#"{"type":"response.explode","event_id":"ev_a"}"#);
    let e = client.wait_type("error", T).await.unwrap();
    let b = error_body(&e);
    assert_eq!(
        (b.code.as_deref(), b.param.as_deref(), b.event_id.as_deref()),
        (Some("invalid_value"), Some("type"), Some("ev_a"))
    );
    assert_eq!(b.kind, "invalid_request_error");

    client.send_text(r#"{"type":"conversation.item.create","event_id":"ev_b","item":{"type":"function_call_output","call_id":"call_made_up","output":"{}"}}"#);
    let e = client.wait_type("error", T).await.unwrap();
    let b = error_body(&e);
    assert_eq!(b.event_id.as_deref(), Some("ev_b"));
    assert!(b.message.contains("call_made_up"));

    client.send_text(r#"{"type":"session.update","event_id":"ev_c","session":{"type":"realtime","model":"gpt-nope"}}"#);
    let e = client.wait_type("error", T).await.unwrap();
    assert_eq!(
        (error_body(&e).code.as_deref(), error_body(&e).event_id.as_deref()),
        (Some("model_not_found"), Some("ev_c"))
    );

    client.send_text(r#"{"type":"conversation.item.create","event_id":"ev_d","item":{"type":"message"}}"#);
    let e = client.wait_type("error", T).await.unwrap();
    assert_eq!(error_body(&e).event_id.as_deref(), Some("ev_d"));

    // response.create while the peer is still speaking.
    call.say("This is a rather long sentence, long enough that the response stays in progress for half a second or so, which gives the client plenty of time to send another response create event.")
        .unwrap();
    client.wait_type("output_audio_buffer.started", T).await.unwrap();
    client.send(&ClientEvent::ResponseCreate { event_id: Some("ev_e".into()), response: None });
    let e = client.wait_type("error", T).await.unwrap();
    let b = error_body(&e);
    assert_eq!(
        (b.code.as_deref(), b.event_id.as_deref()),
        (Some("conversation_already_has_active_response"), Some("ev_e"))
    );
    let ServerEvent::ResponseDone { response, .. } = client.wait_type("response.done", T).await.unwrap() else {
        panic!()
    };
    assert_eq!(response.status, "completed");
    // OpenAI's order: the response is done while its audio still plays; the buffer stops later.
    client.wait_type("output_audio_buffer.stopped", T).await.unwrap();

    // The call survives all of it.
    client.send(&ClientEvent::SessionUpdate {
        event_id: None,
        session: json!({"type": "realtime", "instructions": "still here"}),
    });
    client.wait_type("session.updated", T).await.unwrap();
    assert_eq!(call.received_events().len(), 7);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_cancel_stops_the_speech() {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;
    call.say("A long answer that the person interrupts before it is finished, on purpose, and it goes on and on for a good while so that there is time to cancel it before it completes.")
        .unwrap();
    client.wait_type("output_audio_buffer.started", T).await.unwrap();
    client.send(&ClientEvent::ResponseCancel { event_id: None, response_id: None });
    let ServerEvent::ResponseDone { response, .. } = client.wait_type("response.done", T).await.unwrap() else {
        panic!()
    };
    assert_eq!(response.status, "cancelled");
    client.wait_type("output_audio_buffer.cleared", T).await.unwrap();
    let packets = client.state().audio.packets;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(client.state().audio.packets <= packets + 2, "the audio stopped");
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_close_channel_mid_call() {
    let peer = peer(false).await;
    let (client, call) = connected(&peer, Mic::Off).await;
    call.close_channel().unwrap();
    client.wait_closed(T).await.unwrap();
    call.wait_for("channel closed", T, |i| i.channel_closed).await.unwrap();
    assert!(!client.state().channel_open);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_malformed_event_reaches_the_client_verbatim() {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;
    call.send_raw(r#"{"type":"response.function_call_arguments.done","arguments":"#).unwrap();
    let (_, raw) = client.next_raw(T).await.unwrap();
    assert!(ServerEvent::parse(&raw).is_err(), "{raw}");
    // A function call without call_id does not parse either (the core must reject it).
    call.send_raw(r#"{"type":"response.function_call_arguments.done","name":"undo","arguments":"{}"}"#).unwrap();
    let (_, raw) = client.next_raw(T).await.unwrap();
    assert!(ServerEvent::parse(&raw).is_err());
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_stop_media_silences_the_peer() {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;
    call.stop_media(true).unwrap();
    call.say("You should not hear this.").unwrap();
    client.wait_type("output_audio_buffer.stopped", T).await.unwrap();
    assert_eq!(client.state().audio.packets, 0, "no audio while media is stopped");
    // The events still flow; resume media and it plays.
    call.stop_media(false).unwrap();
    call.say("Now you hear me.").unwrap();
    client.wait_type("output_audio_buffer.stopped", T).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let heard = client.state().audio;
    assert!(heard.packets >= 20 && heard.heard_speech(), "{heard:?}");
    assert!(call.info().audio.packets_sent >= 20);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_call_events_arrive_in_openai_order() {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;
    let ids = call.start_tools(vec![hark_peer::ToolInvocation::new(tools::UNDO, json!({}))]).await.unwrap();
    let mut types: Vec<String> = Vec::new();
    let mut deltas = String::new();
    loop {
        let e = client.next_event(T).await.unwrap();
        if types.last() != Some(&e.type_name()) {
            types.push(e.type_name());
        }
        if let ServerEvent::FunctionCallArgumentsDelta { delta, .. } = &e {
            deltas.push_str(delta);
        }
        if let ServerEvent::FunctionCallArgumentsDone { call_id, arguments, .. } = &e {
            assert_eq!(call_id, &ids[0]);
            assert_eq!(&deltas, arguments, "the deltas add up to the arguments");
        }
        if types.last().unwrap() == "response.done" {
            break;
        }
    }
    assert_eq!(
        types,
        [
            "response.created",
            "response.output_item.added",
            "conversation.item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "conversation.item.done",
            "response.done"
        ]
    );
    peer.shutdown().await;
}
