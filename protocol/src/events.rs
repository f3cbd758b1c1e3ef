//! Realtime API events on the `oai-events` data channel (GA names).
//!
//! Both directions are tagged by `type`. Parsing is forgiving where OpenAI may add fields (unknown
//! fields are ignored, unknown server event types become [`ServerEvent::Unknown`]) and strict where a
//! wrong shape would make Hark act wrongly (a function call without `call_id` does not parse).

use serde::{Deserialize, Serialize};
use serde_json::Value;

fn is_none<T>(v: &Option<T>) -> bool {
    v.is_none()
}

/// An enum tagged by `type` on the wire, from one list of variants: `"tag" | "alias" => Variant
/// { fields }`. Serializing is serde's internally tagged form. Reading takes `type` first and then
/// only that variant's fields (a struct per variant in the `$bodies` module), where serde's own
/// internally tagged reading buffers every event into its generic `Content` first: that machinery
/// was a third of the WASM core. Unknown tags are the `other` variant when there is one, else an
/// error; a document without a string `type` is an error.
macro_rules! typed_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($bodies:ident, $kind:ident) {
            $(
                $(#[$vmeta:meta])*
                $tag:literal $(| $alias:literal)* => $variant:ident {
                    $( $(#[$fmeta:meta])* $field:ident : $fty:ty ),* $(,)?
                }
            ),* $(,)?
            $( ; $(#[$ometa:meta])* other => $other:ident )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Serialize)]
        #[serde(tag = "type")]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $tag)]
                $variant { $( $(#[$fmeta])* $field: $fty ),* },
            )*
            $( $(#[$ometa])* $other, )?
        }

        /// Which variant, without its fields.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $kind {
            $( $variant, )*
        }

        mod $bodies {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[derive(Deserialize)]
                pub(super) struct $variant { $( $(#[$fmeta])* pub(super) $field: $fty ),* }
            )*
        }

        impl $name {
            /// Reads one from JSON text (through the one JSON tree, see [`crate::json`]); see
            /// [`Self::from_tree_where`].
            #[allow(dead_code)]
            #[inline(always)]
            fn from_text_where(text: &str, wanted: impl Fn($kind) -> bool) -> Result<Option<Self>, serde_json::Error> {
                Self::from_tree_where(&serde_json::from_str(text)?, wanted)
            }

            /// Its `type`, then, when `wanted` says so, that variant's fields; `Ok(None)` for a
            /// variant not wanted. Inlined with a `wanted` that is decided at compile time, the
            /// variants not wanted cost no code at all.
            #[inline(always)]
            fn from_tree_where(doc: &Value, wanted: impl Fn($kind) -> bool) -> Result<Option<Self>, serde_json::Error> {
                use serde::de::Error as _;
                let Some(fields) = doc.as_object() else {
                    return Err(serde_json::Error::custom(concat!("a ", stringify!($name), " is a JSON object")));
                };
                let tag = match fields.get("type") {
                    Some(Value::String(tag)) => tag.as_str(),
                    Some(_) => return Err(serde_json::Error::custom("`type` is not a string")),
                    None => return Err(serde_json::Error::missing_field("type")),
                };
                match tag {
                    $(
                        $tag $(| $alias)* => {
                            if !wanted($kind::$variant) {
                                return Ok(None);
                            }
                            let body: $bodies::$variant = crate::json::from_tree(doc)?;
                            Ok(Some($name::$variant { $( $field: body.$field ),* }))
                        }
                    )*
                    $( _ => Ok(Some($name::$other)), )?
                    #[allow(unreachable_patterns)]
                    other => Err(serde_json::Error::unknown_variant(other, &[$($tag),*])),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let doc = Value::deserialize(deserializer)?;
                match $name::from_tree_where(&doc, |_| true) {
                    Ok(Some(read)) => Ok(read),
                    Ok(None) => unreachable!("every variant is wanted"),
                    Err(e) => Err(D::Error::custom(e)),
                }
            }
        }
    };
}

typed_enum! {
    /// A content part of a message item.
    #[derive(Debug, Clone, PartialEq)]
    pub enum ContentPart (content_part_bodies, ContentPartKind) {
        "input_text" => InputText {
            text: String,
        },
        "input_audio" => InputAudio {
            #[serde(default, skip_serializing_if = "is_none")]
            audio: Option<String>,
            #[serde(default, skip_serializing_if = "is_none")]
            transcript: Option<String>,
        },
        "output_text" => OutputText {
            text: String,
        },
        "output_audio" => OutputAudio {
            #[serde(default, skip_serializing_if = "is_none")]
            audio: Option<String>,
            #[serde(default, skip_serializing_if = "is_none")]
            transcript: Option<String>,
        },
        /// `output_text` as the GA spec names it in `response.content_part.added`/`.done` (and as
        /// the beta interface named it everywhere). OpenAI's own examples use both spellings in both
        /// places, so both parse wherever a part may appear.
        "text" => Text {
            text: String,
        },
        /// `output_audio` as `response.content_part.*` (and the beta interface) name it.
        "audio" => Audio {
            #[serde(default, skip_serializing_if = "is_none")]
            audio: Option<String>,
            #[serde(default, skip_serializing_if = "is_none")]
            transcript: Option<String>,
        },
    }
}

typed_enum! {
    /// A conversation item.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Item (item_bodies, ItemKind) {
    "message" => Message {
        #[serde(default, skip_serializing_if = "is_none")]
        id: Option<String>,
        role: Role,
        content: Vec<ContentPart>,
        #[serde(default, skip_serializing_if = "is_none")]
        status: Option<String>,
    },
    "function_call" => FunctionCall {
        #[serde(default, skip_serializing_if = "is_none")]
        id: Option<String>,
        call_id: String,
        name: String,
        /// A JSON document as a string, exactly as the model wrote it.
        arguments: String,
        #[serde(default, skip_serializing_if = "is_none")]
        status: Option<String>,
    },
    "function_call_output" => FunctionCallOutput {
        #[serde(default, skip_serializing_if = "is_none")]
        id: Option<String>,
        call_id: String,
        /// Usually JSON, always a string.
        output: String,
    },
}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    System,
}

impl Item {
    pub fn user_text(text: impl Into<String>) -> Self {
        Item::Message {
            id: None,
            role: Role::User,
            content: vec![ContentPart::InputText { text: text.into() }],
            status: None,
        }
    }
    /// A note from Hark itself (not the person): e.g. what the person decided about an action.
    pub fn system_text(text: impl Into<String>) -> Self {
        Item::Message {
            id: None,
            role: Role::System,
            content: vec![ContentPart::InputText { text: text.into() }],
            status: None,
        }
    }
    pub fn function_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        Item::FunctionCallOutput { id: None, call_id: call_id.into(), output: output.into() }
    }
}

/// Events the client (the extension) sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ClientEvent {
    #[serde(rename = "session.update")]
    SessionUpdate {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
        session: Value,
    },
    #[serde(rename = "conversation.item.create")]
    ConversationItemCreate {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
        #[serde(default, skip_serializing_if = "is_none")]
        previous_item_id: Option<String>,
        item: Item,
    },
    #[serde(rename = "conversation.item.retrieve")]
    ConversationItemRetrieve {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
        item_id: String,
    },
    #[serde(rename = "conversation.item.truncate")]
    ConversationItemTruncate {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
        item_id: String,
        content_index: u32,
        audio_end_ms: u64,
    },
    #[serde(rename = "conversation.item.delete")]
    ConversationItemDelete {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
        item_id: String,
    },
    #[serde(rename = "response.create")]
    ResponseCreate {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
        #[serde(default, skip_serializing_if = "is_none")]
        response: Option<Value>,
    },
    #[serde(rename = "response.cancel")]
    ResponseCancel {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
        #[serde(default, skip_serializing_if = "is_none")]
        response_id: Option<String>,
    },
    #[serde(rename = "input_audio_buffer.commit")]
    InputAudioBufferCommit {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
    },
    #[serde(rename = "input_audio_buffer.clear")]
    InputAudioBufferClear {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
    },
    #[serde(rename = "output_audio_buffer.clear")]
    OutputAudioBufferClear {
        #[serde(default, skip_serializing_if = "is_none")]
        event_id: Option<String>,
    },
}

impl ClientEvent {
    pub fn function_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        ClientEvent::ConversationItemCreate {
            event_id: None,
            previous_item_id: None,
            item: Item::function_output(call_id, output),
        }
    }
    pub fn user_text(text: impl Into<String>) -> Self {
        ClientEvent::ConversationItemCreate { event_id: None, previous_item_id: None, item: Item::user_text(text) }
    }
    pub fn system_text(text: impl Into<String>) -> Self {
        ClientEvent::ConversationItemCreate { event_id: None, previous_item_id: None, item: Item::system_text(text) }
    }
    pub fn response_create() -> Self {
        ClientEvent::ResponseCreate { event_id: None, response: None }
    }
    pub fn event_id(&self) -> Option<&str> {
        match self {
            ClientEvent::SessionUpdate { event_id, .. }
            | ClientEvent::ConversationItemCreate { event_id, .. }
            | ClientEvent::ConversationItemRetrieve { event_id, .. }
            | ClientEvent::ConversationItemTruncate { event_id, .. }
            | ClientEvent::ConversationItemDelete { event_id, .. }
            | ClientEvent::ResponseCreate { event_id, .. }
            | ClientEvent::ResponseCancel { event_id, .. }
            | ClientEvent::InputAudioBufferCommit { event_id }
            | ClientEvent::InputAudioBufferClear { event_id }
            | ClientEvent::OutputAudioBufferClear { event_id } => event_id.as_deref(),
        }
    }
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client events always serialize")
    }
}

/// The body of an `error` event (and, nested under `error`, of OpenAI's HTTP error replies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ErrorBody {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub param: Option<String>,
    /// The client event this error refers to.
    #[serde(default)]
    pub event_id: Option<String>,
}

/// The `error` of `conversation.item.input_audio_transcription.failed`: unlike an `error` event's,
/// its fields are strings or absent (never null), and it names no client event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TranscriptionError {
    #[serde(rename = "type", default, skip_serializing_if = "is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub code: Option<String>,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "is_none")]
    pub param: Option<String>,
}

/// `{"error": {...}}`: OpenAI's HTTP error document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpErrorDoc {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Usage {
    #[serde(default)]
    pub total_tokens: u64,
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default, skip_serializing_if = "is_none")]
    pub input_token_details: Option<Value>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub output_token_details: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Response {
    #[serde(default)]
    pub id: String,
    #[serde(default = "response_object")]
    pub object: String,
    /// `in_progress`, `completed`, `cancelled`, `failed`, `incomplete`.
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "is_none")]
    pub status_details: Option<Value>,
    #[serde(default)]
    pub output: Vec<Item>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub usage: Option<Usage>,
}

fn response_object() -> String {
    "realtime.response".into()
}

typed_enum! {
    /// Events the server (OpenAI, or Hark's local peer) sends.
    #[derive(Debug, Clone, PartialEq)]
    pub enum ServerEvent (server_event_bodies, ServerEventKind) {
    "error" => Error {
        #[serde(default)]
        event_id: String,
        error: ErrorBody,
    },
    "session.created" => SessionCreated {
        #[serde(default)]
        event_id: String,
        session: Value,
    },
    "session.updated" => SessionUpdated {
        #[serde(default)]
        event_id: String,
        session: Value,
    },
    "conversation.item.added" => ConversationItemAdded {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        previous_item_id: Option<String>,
        item: Item,
    },
    "conversation.item.done" => ConversationItemDone {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        previous_item_id: Option<String>,
        item: Item,
    },
    "input_audio_buffer.speech_started" => SpeechStarted {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        audio_start_ms: u64,
        #[serde(default)]
        item_id: String,
    },
    "input_audio_buffer.speech_stopped" => SpeechStopped {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        audio_end_ms: u64,
        #[serde(default)]
        item_id: String,
    },
    "input_audio_buffer.committed" => InputAudioBufferCommitted {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        previous_item_id: Option<String>,
        #[serde(default)]
        item_id: String,
    },
    "conversation.item.input_audio_transcription.delta" => InputTranscriptionDelta {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        content_index: u32,
        delta: String,
    },
    "conversation.item.input_audio_transcription.completed" => InputTranscriptionCompleted {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        content_index: u32,
        transcript: String,
        /// What transcribing it cost: `{"type":"tokens",…}` or `{"type":"duration","seconds":…}`.
        /// The spec requires it; it is kept as JSON so a new kind of usage never loses the
        /// transcript (the person's spoken yes/no is read from it).
        #[serde(default, skip_serializing_if = "is_none")]
        usage: Option<Value>,
    },
    "conversation.item.input_audio_transcription.failed" => InputTranscriptionFailed {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        content_index: u32,
        error: TranscriptionError,
    },
    "response.created" => ResponseCreated {
        #[serde(default)]
        event_id: String,
        response: Response,
    },
    "response.done" => ResponseDone {
        #[serde(default)]
        event_id: String,
        response: Response,
    },
    "response.output_item.added" => OutputItemAdded {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        output_index: u32,
        item: Item,
    },
    "response.output_item.done" => OutputItemDone {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        output_index: u32,
        item: Item,
    },
    "response.content_part.added" => ContentPartAdded {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        output_index: u32,
        #[serde(default)]
        content_index: u32,
        part: ContentPart,
    },
    "response.content_part.done" => ContentPartDone {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        output_index: u32,
        #[serde(default)]
        content_index: u32,
        part: ContentPart,
    },
    "response.output_text.delta" | "response.text.delta" => OutputTextDelta {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        output_index: u32,
        #[serde(default)]
        content_index: u32,
        delta: String,
    },
    "response.output_text.done" | "response.text.done" => OutputTextDone {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        output_index: u32,
        #[serde(default)]
        content_index: u32,
        text: String,
    },
    "response.output_audio_transcript.delta" | "response.audio_transcript.delta" => OutputAudioTranscriptDelta {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        output_index: u32,
        #[serde(default)]
        content_index: u32,
        delta: String,
    },
    "response.output_audio_transcript.done" | "response.audio_transcript.done" => OutputAudioTranscriptDone {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        output_index: u32,
        #[serde(default)]
        content_index: u32,
        transcript: String,
    },
    "response.function_call_arguments.delta" => FunctionCallArgumentsDelta {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        output_index: u32,
        call_id: String,
        delta: String,
    },
    "response.function_call_arguments.done" => FunctionCallArgumentsDone {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
        #[serde(default)]
        item_id: String,
        #[serde(default)]
        output_index: u32,
        call_id: String,
        name: String,
        arguments: String,
    },
    "output_audio_buffer.started" => OutputAudioBufferStarted {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
    },
    "output_audio_buffer.stopped" => OutputAudioBufferStopped {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
    },
    "output_audio_buffer.cleared" => OutputAudioBufferCleared {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        response_id: String,
    },
    "rate_limits.updated" => RateLimitsUpdated {
        #[serde(default)]
        event_id: String,
        #[serde(default)]
        rate_limits: Vec<Value>,
    },
    ;
    /// Any event type Hark does not act on (OpenAI adds new ones over time).
    other => Unknown
}
}

impl ServerEvent {
    /// Any server event: the variant its `type` names, `Unknown` for a type Hark does not know.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        Ok(ServerEvent::from_text_where(text, |_| true)?.expect("every variant is wanted"))
    }
    /// Only the events `wanted` names are read whole; `Ok(None)` for the others (their `type` is
    /// still checked). A client that acts on a few events carries the code for those only.
    #[inline(always)]
    pub fn parse_where(
        text: &str,
        wanted: impl Fn(ServerEventKind) -> bool,
    ) -> Result<Option<Self>, serde_json::Error> {
        ServerEvent::from_text_where(text, wanted)
    }
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server events always serialize")
    }
    /// The event's `type` string, as on the wire.
    pub fn type_name(&self) -> String {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m.get("type").and_then(Value::as_str).unwrap_or("unknown").to_string(),
            _ => "unknown".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_wanted_events_are_read_whole_and_any_type_is_checked() {
        let done = r#"{"type":"response.function_call_arguments.done","call_id":"c1","name":"click","arguments":"{}"}"#;
        let wanted = |k| k == ServerEventKind::FunctionCallArgumentsDone;
        assert!(matches!(
            ServerEvent::parse_where(done, wanted),
            Ok(Some(ServerEvent::FunctionCallArgumentsDone { ref call_id, .. })) if call_id == "c1"
        ));
        // Not wanted: not read further, even with fields that would not parse.
        let created = r#"{"type":"session.created","session":{"id":"s"}}"#;
        assert!(matches!(ServerEvent::parse_where(created, wanted), Ok(None)));
        let odd = r#"{"type":"rate_limits.updated","rate_limits":"not a list"}"#;
        assert!(matches!(ServerEvent::parse_where(odd, wanted), Ok(None)));
        assert!(ServerEvent::parse(odd).is_err());
        // A wanted event with a field missing, a type Hark does not know, no type, not an object.
        assert!(
            ServerEvent::parse_where(r#"{"type":"response.function_call_arguments.done","name":"x"}"#, wanted).is_err()
        );
        assert_eq!(ServerEvent::parse(r#"{"type":"response.new_thing","x":1}"#).unwrap(), ServerEvent::Unknown);
        assert!(ServerEvent::parse(r#"{"call_id":"c1"}"#).is_err());
        assert!(ServerEvent::parse(r#"["response.done",{}]"#).is_err());
        assert!(ServerEvent::parse(r#"{"type":7}"#).is_err());
        // The generic reading (a JSON tree) agrees with the text one.
        let response = r#"{"type":"response.done","response":{"id":"r1","status":"completed","output":[{"type":"function_call","call_id":"c2","name":"undo","arguments":"{}"},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi"},{"type":"audio","transcript":"hi"}]}]}}"#;
        let by_text = ServerEvent::parse(response).unwrap();
        assert_eq!(serde_json::from_str::<ServerEvent>(response).unwrap(), by_text);
        assert_eq!(serde_json::from_value::<ServerEvent>(serde_json::to_value(&by_text).unwrap()).unwrap(), by_text);
        assert!(serde_json::from_str::<Item>(r#"{"type":"mystery"}"#).is_err());
    }

    #[test]
    fn function_call_done_parses_as_openai_sends_it() {
        let wire = r#"{"type":"response.function_call_arguments.done","event_id":"event_1","response_id":"resp_1",
            "item_id":"item_1","output_index":0,"call_id":"call_abc","name":"changeBackgroundColor",
            "arguments":"{\"color\":\"navy\"}"}"#;
        match ServerEvent::parse(wire).unwrap() {
            ServerEvent::FunctionCallArgumentsDone { call_id, name, arguments, .. } => {
                assert_eq!(call_id, "call_abc");
                assert_eq!(name, "changeBackgroundColor");
                assert_eq!(arguments, r#"{"color":"navy"}"#);
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn unknown_server_events_do_not_break_parsing() {
        let e = ServerEvent::parse(r#"{"type":"response.mcp_call.in_progress","event_id":"x"}"#).unwrap();
        assert_eq!(e, ServerEvent::Unknown);
    }

    #[test]
    fn only_objects_are_events() {
        // Found by fuzzing (fuzz/tests/protocol.rs): arrays parsed as events, fields by position.
        assert!(ServerEvent::parse(r#"["session.created","type",null]"#).is_err());
        assert!(
            ServerEvent::parse(r#"["response.function_call_arguments.done","e","r","i",0,"c","click","{}"]"#).is_err()
        );
        assert!(ServerEvent::parse(" \n{\"type\":\"error\",\"error\":{}}").is_ok());
    }

    #[test]
    fn beta_transcript_names_are_accepted() {
        let e = ServerEvent::parse(r#"{"type":"response.audio_transcript.delta","delta":"Hi"}"#).unwrap();
        assert!(matches!(e, ServerEvent::OutputAudioTranscriptDelta { ref delta, .. } if delta == "Hi"));
    }

    #[test]
    fn function_output_serializes_to_the_documented_shape() {
        let v: Value =
            serde_json::from_str(&ClientEvent::function_output("call_1", r#"{"ok":true}"#).to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"conversation.item.create",
                "item":{"type":"function_call_output","call_id":"call_1","output":"{\"ok\":true}"}})
        );
        assert_eq!(ClientEvent::response_create().to_json(), r#"{"type":"response.create"}"#);
    }

    #[test]
    fn content_parts_parse_in_both_spellings() {
        // The GA spec names parts `text`/`audio` in response.content_part.* and `output_text`/
        // `output_audio` in items; OpenAI's examples use both in both places.
        for (kind, want_audio) in [("text", false), ("output_text", false), ("audio", true), ("output_audio", true)] {
            let wire = format!(
                r#"{{"type":"response.content_part.added","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"part":{{"type":"{kind}","text":"","transcript":""}}}}"#
            );
            let ServerEvent::ContentPartAdded { part, .. } = ServerEvent::parse(&wire).unwrap() else {
                panic!("{kind}")
            };
            let is_audio = matches!(part, ContentPart::Audio { .. } | ContentPart::OutputAudio { .. });
            assert_eq!(is_audio, want_audio, "{kind}");
            let wire = format!(
                r#"{{"type":"response.output_item.done","response_id":"r","output_index":0,"item":{{"type":"message","role":"assistant","content":[{{"type":"{kind}","text":"Done.","transcript":"Done."}}]}}}}"#
            );
            assert!(matches!(ServerEvent::parse(&wire).unwrap(), ServerEvent::OutputItemDone { .. }), "{kind}");
        }
    }

    #[test]
    fn transcription_events_parse_with_or_without_usage() {
        let with = r#"{"type":"conversation.item.input_audio_transcription.completed","event_id":"e","item_id":"i","content_index":0,"transcript":"yes","usage":{"type":"duration","seconds":1.5}}"#;
        let without =
            r#"{"type":"conversation.item.input_audio_transcription.completed","item_id":"i","transcript":"yes"}"#;
        for wire in [with, without] {
            assert!(
                matches!(ServerEvent::parse(wire).unwrap(), ServerEvent::InputTranscriptionCompleted { ref transcript, .. } if transcript == "yes")
            );
        }
        let failed = r#"{"type":"conversation.item.input_audio_transcription.failed","item_id":"i","content_index":0,"error":{"type":"transcription_error","code":"audio_unintelligible","message":"no"}}"#;
        let e = ServerEvent::parse(failed).unwrap();
        assert!(!e.to_json().contains("null"), "{}", e.to_json());
    }

    #[test]
    fn error_event_round_trips() {
        let wire = r#"{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"unknown_event","message":"nope","param":null,"event_id":"c1"}}"#;
        let e = ServerEvent::parse(wire).unwrap();
        let ServerEvent::Error { error, .. } = &e else { panic!() };
        assert_eq!(error.event_id.as_deref(), Some("c1"));
        assert_eq!(ServerEvent::parse(&e.to_json()).unwrap(), e);
    }
}
