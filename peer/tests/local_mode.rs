//! Local mode end to end: typed commands become tool calls; speech gets an honest answer.

mod common;

use std::time::Duration;

use common::*;
use hark_peer::client::Mic;
use hark_protocol::events::{ClientEvent, ServerEvent};
use hark_protocol::tools::{self, ToolCall};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_command_round_trip() {
    let peer = peer(true).await;
    let (mut client, call) = connected(&peer, Mic::Off).await;
    client.send(&ClientEvent::user_text("make the Save button green"));
    client.send(&ClientEvent::response_create());
    let ServerEvent::FunctionCallArgumentsDone { call_id, name, arguments, .. } =
        client.wait_type("response.function_call_arguments.done", T).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(name, tools::CHANGE_BUTTON_STYLE);
    let ToolCall::ChangeButtonStyle { target, color, .. } = ToolCall::parse(&name, &arguments).unwrap() else {
        panic!()
    };
    assert_eq!(target, tools::Target::Label("Save".into()));
    assert_eq!(color.unwrap().hex(), "#008000");
    client.wait_type("response.done", T).await.unwrap();

    client.send(&ClientEvent::function_output(&call_id, r#"{"ok":true}"#));
    client.send(&ClientEvent::response_create());
    let ServerEvent::OutputTextDone { text, .. } = client.wait_type("response.output_text.done", T).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(text, "I made the Save button green.");
    let ServerEvent::OutputAudioTranscriptDone { transcript, .. } =
        client.wait_type("response.output_audio_transcript.done", T).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(transcript, text);
    let ServerEvent::ResponseDone { response, .. } = client.wait_type("response.done", T).await.unwrap() else {
        panic!()
    };
    assert_eq!(response.status, "completed");
    client.wait_type("output_audio_buffer.stopped", T).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let heard = client.state().audio;
    assert!(heard.packets >= 20 && heard.heard_speech(), "the answer is spoken too: {heard:?}");
    assert_eq!(call.function_outputs().len(), 1);
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_not_understood_is_said_plainly() {
    let peer = peer(true).await;
    let (mut client, _call) = connected(&peer, Mic::Off).await;
    client.send(&ClientEvent::user_text("book me a flight to Lisbon"));
    client.send(&ClientEvent::response_create());
    let ServerEvent::OutputTextDone { text, .. } = client.wait_type("response.output_text.done", T).await.unwrap()
    else {
        panic!()
    };
    assert!(text.contains("didn't understand"), "{text}");
    assert!(text.contains("needs an OpenAI key"), "{text}");
    assert!(!client.history.iter().any(|e| e.type_name() == "response.function_call_arguments.done"));
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_in_local_mode_gets_one_reply_that_speech_needs_a_key() {
    let peer = peer(true).await;
    let (mut client, call) = connected(&peer, Mic::Speech).await;
    client.wait_type("input_audio_buffer.speech_started", T).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    client.set_mic(Mic::Silence);
    client.wait_type("input_audio_buffer.speech_stopped", T).await.unwrap();
    let ServerEvent::InputTranscriptionFailed { error, .. } =
        client.wait_type("conversation.item.input_audio_transcription.failed", T).await.unwrap()
    else {
        panic!()
    };
    assert!(error.message.contains("OpenAI key"));
    let ServerEvent::OutputAudioTranscriptDone { transcript, .. } =
        client.wait_type("response.output_audio_transcript.done", T).await.unwrap()
    else {
        panic!()
    };
    assert!(transcript.contains("needs an OpenAI key"), "{transcript}");
    client.wait_type("output_audio_buffer.stopped", T).await.unwrap();
    // Speak again: no second reply (at most once per session), no pretend transcript.
    client.set_mic(Mic::Speech);
    client.wait_type("input_audio_buffer.speech_started", T).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    client.set_mic(Mic::Silence);
    client.wait_type("conversation.item.input_audio_transcription.failed", T).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(e) = client.next_event(Duration::from_millis(200)).await {
        assert_ne!(e.type_name(), "response.created", "only one speech notice per session");
    }
    assert!(!client.history.iter().any(|e| e.type_name() == "conversation.item.input_audio_transcription.completed"));
    assert!(call.audio_stats().heard_speech());
    peer.shutdown().await;
}
