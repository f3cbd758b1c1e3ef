//! Realtime server events: seeds as OpenAI sends them (GA names, beta aliases, the fields each
//! event carries) and the text of mutated, reshaped and random events.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::{json as j, mutate};

/// Every server event type Hark names, the beta aliases, and some it does not act on.
pub const EVENT_TYPES: &[&str] = &[
    "error",
    "session.created",
    "session.updated",
    "conversation.item.added",
    "conversation.item.done",
    "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped",
    "input_audio_buffer.committed",
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.failed",
    "response.created",
    "response.done",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.text.delta",
    "response.text.done",
    "response.output_audio_transcript.delta",
    "response.output_audio_transcript.done",
    "response.audio_transcript.delta",
    "response.audio_transcript.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "output_audio_buffer.started",
    "output_audio_buffer.stopped",
    "output_audio_buffer.cleared",
    "rate_limits.updated",
    "response.output_audio.delta",
    "response.mcp_call.in_progress",
    "conversation.item.truncated",
    "Unknown",
];

/// Keys and values the event parser looks at.
pub const WORDS: &[&str] = &[
    "type",
    "event_id",
    "response_id",
    "item_id",
    "call_id",
    "previous_item_id",
    "output_index",
    "content_index",
    "audio_start_ms",
    "audio_end_ms",
    "name",
    "arguments",
    "delta",
    "transcript",
    "text",
    "audio",
    "response",
    "item",
    "part",
    "error",
    "session",
    "output",
    "usage",
    "status",
    "status_details",
    "object",
    "id",
    "role",
    "content",
    "code",
    "message",
    "param",
    "rate_limits",
    "total_tokens",
    "input_tokens",
    "output_tokens",
    "message",
    "function_call",
    "function_call_output",
    "input_text",
    "input_audio",
    "output_text",
    "output_audio",
    "user",
    "assistant",
    "system",
    "completed",
    "in_progress",
    "cancelled",
    "failed",
    "incomplete",
    "realtime.response",
    "resp_1",
    "call_1",
    "item_1",
    "getPageHTML",
    "changeBackgroundColor",
    "click",
    "{}",
    "{\"color\":\"navy\"}",
    "conversation_already_has_active_response",
    "invalid_request_error",
    "server_error",
    // the event types too, so a mutation can turn one event into another
    "error",
    "response.done",
    "response.created",
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.text.delta",
    "conversation.item.input_audio_transcription.completed",
    "session.created",
];

fn response(id: &str, status: &str, output: Value) -> Value {
    json!({"object":"realtime.response","id":id,"status":status,"status_details":null,"output":output,
        "conversation_id":"conv_1","output_modalities":["audio"],"max_output_tokens":"inf",
        "audio":{"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"marin"}},
        "usage":{"total_tokens":253,"input_tokens":132,"output_tokens":121,
            "input_token_details":{"text_tokens":119,"audio_tokens":13,"image_tokens":0,"cached_tokens":64},
            "output_token_details":{"text_tokens":30,"audio_tokens":91}},"metadata":null})
}

fn call_item(call_id: &str, name: &str, arguments: &str) -> Value {
    json!({"id":"item_C1","type":"function_call","object":"realtime.item","status":"completed",
        "name":name,"call_id":call_id,"arguments":arguments})
}

/// Realistic events, one or more of every kind the core reads.
pub fn seeds() -> Vec<Value> {
    let session = json!({"type":"realtime","object":"realtime.session","id":"sess_C9","model":"gpt-realtime",
        "output_modalities":["audio"],"instructions":"Hark.","tools":[{"type":"function","name":"click","parameters":{}}],
        "tool_choice":"auto","max_output_tokens":"inf","tracing":null,"prompt":null,"expires_at":0,
        "audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"transcription":{"model":"gpt-4o-mini-transcribe"},
            "noise_reduction":null,"turn_detection":{"type":"server_vad","threshold":0.5,"prefix_padding_ms":300,
            "silence_duration_ms":200,"idle_timeout_ms":null,"create_response":true,"interrupt_response":true}},
            "output":{"format":{"type":"audio/pcm","rate":24000},"voice":"marin","speed":1.0}},"include":null});
    let message = json!({"id":"item_U1","type":"message","object":"realtime.item","status":"completed","role":"user",
        "content":[{"type":"input_audio","transcript":null},{"type":"input_text","text":"make it navy"}]});
    let answer = json!({"id":"item_A1","type":"message","object":"realtime.item","status":"completed","role":"assistant",
        "content":[{"type":"output_audio","transcript":"Done, it's navy now."},{"type":"output_text","text":"Done"}]});
    vec![
        json!({"type":"session.created","event_id":"event_1","session":session.clone()}),
        json!({"type":"session.updated","event_id":"event_2","session":session}),
        json!({"type":"input_audio_buffer.speech_started","event_id":"event_3","audio_start_ms":1000,"item_id":"item_U1"}),
        json!({"type":"input_audio_buffer.speech_stopped","event_id":"event_4","audio_end_ms":2000,"item_id":"item_U1"}),
        json!({"type":"input_audio_buffer.committed","event_id":"event_5","previous_item_id":null,"item_id":"item_U1"}),
        json!({"type":"conversation.item.added","event_id":"event_6","previous_item_id":null,"item":message.clone()}),
        json!({"type":"conversation.item.done","event_id":"event_7","previous_item_id":"item_0","item":message}),
        json!({"type":"conversation.item.input_audio_transcription.delta","event_id":"event_8","item_id":"item_U1","content_index":0,"delta":"make it","logprobs":null}),
        json!({"type":"conversation.item.input_audio_transcription.completed","event_id":"event_9","item_id":"item_U1","content_index":0,"transcript":"Yes, go ahead.","usage":{"type":"tokens","total_tokens":22}}),
        json!({"type":"conversation.item.input_audio_transcription.failed","event_id":"event_10","item_id":"item_U1","content_index":0,
            "error":{"type":"transcription_error","code":"audio_unintelligible","message":"The audio could not be transcribed.","param":null}}),
        json!({"type":"response.created","event_id":"event_11","response":response("resp_1","in_progress",json!([]))}),
        json!({"type":"response.output_item.added","event_id":"event_12","response_id":"resp_1","output_index":0,"item":call_item("call_1","changeBackgroundColor","")}),
        json!({"type":"response.function_call_arguments.delta","event_id":"event_13","response_id":"resp_1","item_id":"item_C1","output_index":0,"call_id":"call_1","delta":"{\"color\":"}),
        json!({"type":"response.function_call_arguments.done","event_id":"event_14","response_id":"resp_1","item_id":"item_C1","output_index":0,"call_id":"call_1","name":"changeBackgroundColor","arguments":"{\"color\":\"navy\"}"}),
        json!({"type":"response.output_item.done","event_id":"event_15","response_id":"resp_1","output_index":0,"item":call_item("call_1","changeBackgroundColor","{\"color\":\"navy\"}")}),
        json!({"type":"response.done","event_id":"event_16","response":response("resp_1","completed",json!([call_item("call_1","changeBackgroundColor","{\"color\":\"navy\"}"), call_item("call_2","getPageHTML","{}")]))}),
        json!({"type":"response.content_part.added","event_id":"event_17","response_id":"resp_2","item_id":"item_A1","output_index":0,"content_index":0,"part":{"type":"output_audio","transcript":""}}),
        json!({"type":"response.content_part.done","event_id":"event_18","response_id":"resp_2","item_id":"item_A1","output_index":0,"content_index":0,"part":{"type":"audio","transcript":"Done."}}),
        json!({"type":"response.output_audio_transcript.delta","event_id":"event_19","response_id":"resp_2","item_id":"item_A1","output_index":0,"content_index":0,"delta":"Done, "}),
        json!({"type":"response.output_audio_transcript.done","event_id":"event_20","response_id":"resp_2","item_id":"item_A1","output_index":0,"content_index":0,"transcript":"Done, it's navy now."}),
        json!({"type":"response.audio_transcript.delta","event_id":"event_21","response_id":"resp_2","item_id":"item_A1","output_index":0,"content_index":0,"delta":"Hi"}),
        json!({"type":"response.output_text.delta","event_id":"event_22","response_id":"resp_2","item_id":"item_A1","output_index":0,"content_index":1,"delta":"Do"}),
        json!({"type":"response.text.done","event_id":"event_23","response_id":"resp_2","item_id":"item_A1","output_index":0,"content_index":1,"text":"Done"}),
        json!({"type":"response.output_item.done","event_id":"event_24","response_id":"resp_2","output_index":0,"item":answer.clone()}),
        json!({"type":"response.done","event_id":"event_25","response":response("resp_2","completed",json!([answer]))}),
        json!({"type":"response.done","event_id":"event_26","response":response("resp_3","cancelled",json!([]))}),
        json!({"type":"output_audio_buffer.started","event_id":"event_27","response_id":"resp_2"}),
        json!({"type":"output_audio_buffer.stopped","event_id":"event_28","response_id":"resp_2"}),
        json!({"type":"output_audio_buffer.cleared","event_id":"event_29","response_id":"resp_2"}),
        json!({"type":"rate_limits.updated","event_id":"event_30","rate_limits":[{"name":"requests","limit":1000,"remaining":999,"reset_seconds":60},{"name":"tokens","limit":50000,"remaining":49000,"reset_seconds":0.5}]}),
        json!({"type":"error","event_id":"event_31","error":{"type":"invalid_request_error","code":"conversation_already_has_active_response",
            "message":"Conversation already has an active response in progress: resp_1.","param":null,"event_id":"hark_rc_1"}}),
        json!({"type":"error","event_id":"event_32","error":{"type":"server_error","code":null,"message":"The server had an error.","param":null,"event_id":null}}),
        json!({"type":"response.output_audio.delta","event_id":"event_33","response_id":"resp_2","item_id":"item_A1","output_index":0,"content_index":0,"delta":"AAAA"}),
        json!({"type":"conversation.item.added","event_id":"event_34","item":{"type":"function_call_output","call_id":"call_1","output":"{\"ok\":true}"}}),
    ]
}

/// The text of a server event: a mutated seed, an event of a known type with random fields, or
/// random text.
pub fn event_text() -> BoxedStrategy<String> {
    prop_oneof![
        12 => j::mutated_text(seeds(), WORDS, 4),
        3 => (proptest::sample::select(EVENT_TYPES), j::any_json(WORDS, 3)).prop_map(|(t, v)| {
            let mut v = if v.is_object() { v } else { json!({ "payload": v }) };
            v["type"] = json!(t);
            v.to_string()
        }),
        1 => j::any_json(WORDS, 3).prop_map(|v| v.to_string()),
        1 => mutate::odd_string(),
    ]
    .boxed()
}
