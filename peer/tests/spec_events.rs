//! Every event the peer sends on the data channel, checked against OpenAI's published Realtime
//! schemas (`hark_protocol::schema_check`: the schema named by the event's `type`, objects closed).
//! Realistic sessions over real WebRTC, as the other tests drive them: typed commands in local
//! mode, scripted function calls and speech, spoken turns with and without transcripts, session
//! updates, cancels, and every error the peer answers with. Each message the client receives is
//! checked, and the run must have seen every event type the peer can send.

mod common;

use std::time::Duration;

use common::*;
use hark_peer::client::{Mic, RtcClient};
use hark_peer::ToolInvocation;
use hark_protocol::events::{ClientEvent, ServerEvent};
use hark_protocol::schema_check::Tally;
use hark_protocol::tools;
use serde_json::json;

const LONG: &str = "This is a rather long answer, long enough that the response stays in progress for a while, \
which gives the client plenty of time to interrupt it before it is finished.";

/// Read what is still on its way (until the channel is quiet), then check everything received.
async fn check_all(mut client: RtcClient, tally: &mut Tally) {
    while client.next_raw(Duration::from_millis(500)).await.is_ok() {}
    for text in &client.raw_history {
        tally.server(text);
    }
}

async fn speak_to_the_end(client: &mut RtcClient) {
    client.wait_type("response.done", T).await.unwrap();
    client.wait_type("output_audio_buffer.stopped", T).await.unwrap();
}

/// Scripted calls (OpenAI mode): session updates, tool calls and outputs, speech, a heard turn,
/// cancels, and a text-only answer.
async fn scripted_session() -> Tally {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;

    client.send(&ClientEvent::SessionUpdate {
        event_id: Some("ev_upd".into()),
        session: json!({"type": "realtime", "instructions": "Be brief.",
            "audio": {"output": {"voice": "cedar"},
                      "input": {"transcription": {"model": "gpt-4o-transcribe", "language": "en"},
                                "turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}}}),
    });
    client.wait_type("session.updated", T).await.unwrap();

    // One call, its output, then the spoken answer.
    let ids = call
        .start_tools(vec![ToolInvocation::new(tools::CHANGE_BACKGROUND_COLOR, json!({"color": "navy"}))])
        .await
        .unwrap();
    client.wait_type("response.done", T).await.unwrap();
    client.send(&ClientEvent::function_output(&ids[0], r#"{"ok":true,"color":"rgb(0, 0, 128)"}"#));
    call.wait_output(&ids[0], T).await.unwrap();
    client.send(&ClientEvent::response_create());
    speak_to_the_end(&mut client).await;

    // Two calls in one response, outputs in reverse order.
    let ids = call
        .start_tools(vec![
            ToolInvocation::new(tools::CHANGE_TEXT_COLOR, json!({"color": "white"})),
            ToolInvocation::new(tools::GET_PAGE_HTML, json!({})),
        ])
        .await
        .unwrap();
    client.wait_type("response.done", T).await.unwrap();
    client.send(&ClientEvent::function_output(&ids[1], "# Page\n[e1] button \"Save\""));
    client.send(&ClientEvent::function_output(&ids[0], r#"{"ok":true}"#));
    call.wait_output(&ids[0], T).await.unwrap();
    client.send(&ClientEvent::ResponseCreate { event_id: Some("hark_rc_1".into()), response: None });
    speak_to_the_end(&mut client).await;

    // The person speaks; OpenAI's turn detection and transcription report it.
    call.hear("Yes, go ahead.").unwrap();
    client.wait_type("conversation.item.input_audio_transcription.completed", T).await.unwrap();

    // Typed text (OpenAI mode: the peer echoes it).
    client.send(&ClientEvent::user_text("make the background dark blue"));
    client.send(&ClientEvent::response_create());
    speak_to_the_end(&mut client).await;

    // Interrupted: response.cancel while it generates, output_audio_buffer.clear while it plays.
    call.say(LONG).unwrap();
    client.wait_type("output_audio_buffer.started", T).await.unwrap();
    client.send(&ClientEvent::ResponseCancel { event_id: Some("ev_cancel".into()), response_id: None });
    client.wait_type("output_audio_buffer.cleared", T).await.unwrap();
    call.say("A short one.").unwrap();
    client.wait_type("response.done", T).await.unwrap();
    client.send(&ClientEvent::OutputAudioBufferClear { event_id: None });
    client.wait_type("output_audio_buffer.cleared", T).await.unwrap();

    // A known item may be retrieved and deleted (no events); then a text-only answer.
    let item_id = client.history.iter().rev().find_map(|e| match e {
        ServerEvent::ConversationItemDone {
            item: hark_protocol::events::Item::Message { id: Some(id), .. }, ..
        } => Some(id.clone()),
        _ => None,
    });
    let item_id = item_id.expect("an item was added");
    client.send(&ClientEvent::ConversationItemRetrieve { event_id: None, item_id: item_id.clone() });
    client.send(&ClientEvent::ConversationItemDelete { event_id: None, item_id });
    client.send(&ClientEvent::SessionUpdate {
        event_id: None,
        session: json!({"type": "realtime", "output_modalities": ["text"]}),
    });
    client.wait_type("session.updated", T).await.unwrap();
    client.send(&ClientEvent::response_create());
    client.wait_type("response.done", T).await.unwrap();

    let mut tally = Tally::default();
    check_all(client, &mut tally).await;
    peer.shutdown().await;
    tally
}

/// Every error the peer answers a client event with.
async fn errors() -> Tally {
    let peer = peer(false).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;
    let bad = [
        "{this is not json".to_string(),
        r#"{"event_id":"ev_1"}"#.into(),
        r#"{"type":"response.explode","event_id":"ev_2"}"#.into(),
        r#"{"type":"input_audio_buffer.append","event_id":"ev_3","audio":"AAAA"}"#.into(),
        r#"{"type":"conversation.item.create","event_id":"ev_4","item":{"type":"function_call_output","call_id":"call_made_up","output":"{}"}}"#.into(),
        r#"{"type":"session.update","event_id":"ev_5","session":{"type":"realtime","model":"gpt-nope"}}"#.into(),
        r#"{"type":"session.update","event_id":"ev_6","session":{"type":"realtime","audio":{"output":{"voice":"darth"}}}}"#.into(),
        r#"{"type":"session.update","event_id":"ev_7","session":{"type":"realtime","modalities":["audio"]}}"#.into(),
        r#"{"type":"session.update","event_id":"ev_8","session":{"type":"realtime","tools":[{"type":"function","name":"has space"}]}}"#.into(),
        r#"{"type":"conversation.item.create","event_id":"ev_9","item":{"type":"message"}}"#.into(),
        r#"{"type":"conversation.item.create","event_id":"ev_10","item":{"type":"message","role":"user","content":[]}}"#.into(),
        r#"{"type":"input_audio_buffer.commit","event_id":"ev_11"}"#.into(),
        r#"{"type":"response.cancel","event_id":"ev_12"}"#.into(),
        r#"{"type":"conversation.item.delete","event_id":"ev_13","item_id":"item_nope"}"#.into(),
        r#"{"type":"conversation.item.truncate","event_id":"ev_14","item_id":"item_nope","content_index":0,"audio_end_ms":10}"#.into(),
    ];
    for text in &bad {
        client.send_text(text);
        client.wait_type("error", T).await.unwrap();
    }
    // response.create while a response is still generating.
    call.say(LONG).unwrap();
    client.wait_type("output_audio_buffer.started", T).await.unwrap();
    client.send(&ClientEvent::ResponseCreate { event_id: Some("ev_15".into()), response: None });
    let e = client.wait_type("error", T).await.unwrap();
    assert_eq!(error_body(&e).code.as_deref(), Some("conversation_already_has_active_response"));
    speak_to_the_end(&mut client).await;
    let errors = client.history.iter().filter(|e| e.type_name() == "error").count();
    assert_eq!(errors, bad.len() + 1);

    let mut tally = Tally::default();
    check_all(client, &mut tally).await;
    peer.shutdown().await;
    tally
}

/// Local mode: typed commands through the grammar, text it does not understand, and speech
/// (the honest "speech needs a key" answer, and a scripted transcript that becomes a command).
async fn local_mode() -> Tally {
    let peer = peer(true).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;

    client.send(&ClientEvent::user_text("make the Save button green"));
    client.send(&ClientEvent::response_create());
    let ServerEvent::FunctionCallArgumentsDone { call_id, .. } =
        client.wait_type("response.function_call_arguments.done", T).await.unwrap()
    else {
        panic!()
    };
    client.wait_type("response.done", T).await.unwrap();
    client.send(&ClientEvent::function_output(&call_id, r#"{"ok":true}"#));
    client.send(&ClientEvent::response_create());
    speak_to_the_end(&mut client).await;

    client.send(&ClientEvent::user_text("book me a flight to Lisbon"));
    client.send(&ClientEvent::response_create());
    speak_to_the_end(&mut client).await;

    // A system note and a bare response.create (the local-mode greeting).
    client.send(&ClientEvent::system_text("The person said yes to: type into Password."));
    client.send(&ClientEvent::response_create());
    speak_to_the_end(&mut client).await;

    // A heard turn with a transcript: in local mode it is a command.
    call.hear("make the background navy").unwrap();
    client.wait_type("response.function_call_arguments.done", T).await.unwrap();
    client.wait_type("response.done", T).await.unwrap();

    let mut tally = Tally::default();
    check_all(client, &mut tally).await;
    peer.shutdown().await;
    tally
}

/// Real audio: the peer's voice activity detection on the client's microphone, in local mode
/// (transcription fails: speech needs a key) and scripted (a queued transcript).
async fn spoken_turns() -> Tally {
    let mut tally = Tally::default();
    for local in [true, false] {
        let peer = peer(local).await;
        let (mut client, call) = connected(&peer, Mic::Speech).await;
        if !local {
            call.queue_transcript("Click the Login button.").unwrap();
        }
        client.wait_type("input_audio_buffer.speech_started", T).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        client.set_mic(Mic::Silence);
        client.wait_type("input_audio_buffer.committed", T).await.unwrap();
        if local {
            client.wait_type("conversation.item.input_audio_transcription.failed", T).await.unwrap();
            speak_to_the_end(&mut client).await;
        } else {
            client.wait_type("conversation.item.input_audio_transcription.completed", T).await.unwrap();
        }
        check_all(client, &mut tally).await;
        peer.shutdown().await;
    }
    tally
}

/// A call made by the on-open script, and a call whose session has no transcription.
async fn on_open_and_no_transcription() -> Tally {
    let peer = peer(false).await;
    peer.set_on_open(vec![ToolInvocation::new(tools::GET_PAGE_HTML, json!({}))]);
    let mut session = hark_session();
    session["audio"]["input"].as_object_mut().unwrap().remove("transcription");
    let mut client = hark_peer::client::RtcClient::connect(
        &peer.base_url(),
        hark_peer::LOCAL_API_KEY,
        hark_peer::client::Endpoint::Calls { session },
        Mic::Off,
    )
    .await
    .unwrap();
    let call = peer.next_call().await.unwrap();
    client.wait_open(T).await.unwrap();
    call.wait_channel_open().await.unwrap();
    let ServerEvent::FunctionCallArgumentsDone { call_id, .. } =
        client.wait_type("response.function_call_arguments.done", T).await.unwrap()
    else {
        panic!()
    };
    client.send(&ClientEvent::function_output(&call_id, "# Page"));
    call.wait_output(&call_id, T).await.unwrap();
    let mut tally = Tally::default();
    check_all(client, &mut tally).await;
    peer.shutdown().await;
    tally
}

/// Every server event type the peer sends (hark_peer::conversation): the run must see each.
const PEER_SENDS: &[&str] = &[
    "session.created",
    "session.updated",
    "error",
    "conversation.item.added",
    "conversation.item.done",
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "input_audio_buffer.committed",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.failed",
    "response.created",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.output_audio_transcript.delta",
    "response.output_audio_transcript.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.done",
    "rate_limits.updated",
    "output_audio_buffer.started",
    "output_audio_buffer.stopped",
    "output_audio_buffer.cleared",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_the_peer_sends_is_on_spec() {
    let mut tally = Tally::default();
    tally.add(scripted_session().await);
    tally.add(errors().await);
    tally.add(local_mode().await);
    tally.add(spoken_turns().await);
    tally.add(on_open_and_no_transcription().await);
    tally.assert_valid();
    let missing: Vec<&&str> =
        PEER_SENDS.iter().filter(|t| !tally.checked.contains_key(&format!("server {t}"))).collect();
    assert!(missing.is_empty(), "never seen, so never checked: {missing:?}");
    assert_eq!(tally.kinds(), PEER_SENDS.len(), "a type the list does not know: {:?}", tally.checked.keys());
}
