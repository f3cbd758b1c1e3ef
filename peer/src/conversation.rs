//! The event protocol of one call, as pure logic: client events (text from the `oai-events`
//! channel) and audio levels in, server events and audio cues out. No I/O here; `rtc` runs it.

use std::collections::{HashMap, VecDeque};

use hark_protocol::events::{
    ClientEvent, ContentPart, ErrorBody, Item, Response, Role, ServerEvent, TranscriptionError, Usage,
};
use serde_json::{json, Value};

use crate::audio::VOICE_THRESHOLD_DBFS;
use crate::grammar::{self, CallResult, Intent};
use crate::session::{self, Flavour};

/// What the call task must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Send(ServerEvent),
    /// Queue an audio clip of `ms` for this response; when the queue has played out, call
    /// [`Conversation::audio_done`].
    Speak {
        response_id: String,
        ms: u64,
    },
    /// After `ms`, call [`Conversation::generation_done`] (the model "finishes generating"
    /// while its audio is still playing, as OpenAI does: `response.done` comes before
    /// `output_audio_buffer.stopped`).
    FinishLater {
        response_id: String,
        ms: u64,
    },
    /// Stop the clip now playing.
    StopAudio,
    /// The client returned the output of a call.
    Output {
        call_id: String,
        output: String,
    },
}

const CLIENT_TYPES: &[&str] = &[
    "session.update",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "output_audio_buffer.clear",
];

/// New ids shaped like OpenAI's (`resp_…`, `item_…`, `call_…`).
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let s: String = (0..20).map(|_| ALPHABET[rand::random::<usize>() % ALPHABET.len()] as char).collect();
    format!("{prefix}_{s}")
}

/// `rate_limits.updated`, as OpenAI sends after each response (generous, fixed figures).
fn rate_limits() -> Action {
    Action::Send(ServerEvent::RateLimitsUpdated {
        event_id: new_id("event"),
        rate_limits: vec![
            json!({"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012}),
            json!({"name": "tokens", "limit": 400000, "remaining": 399000, "reset_seconds": 0.15}),
        ],
    })
}

struct Active {
    response: Response,
    item_id: String,
    transcript: String,
    input_tokens: u64,
}

#[derive(Default)]
struct Vad {
    ms: u64,
    voiced_run: u32,
    quiet_run: u32,
    speaking: Option<String>,
    /// Where the turn being spoken started (ms of received audio).
    start_ms: u64,
}

/// The state of one conversation.
pub struct Conversation {
    local_mode: bool,
    flavour: Flavour,
    session: Value,
    last_item_id: Option<String>,
    pending_text: Option<String>,
    calls: HashMap<String, (String, Value)>,
    results: Vec<CallResult>,
    active: Option<Active>,
    speech_notice_sent: bool,
    /// The response whose audio is playing (the output audio buffer is not empty).
    playing: Option<String>,
    vad: Vad,
    transcripts: VecDeque<String>,
    input_chars: u64,
    item_ids: std::collections::HashSet<String>,
}

fn tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4).max(1)
}

/// What transcribing a turn costs, shaped like a `gpt-4o-*-transcribe` model's usage: audio in
/// (about 10 tokens a second; a heard turn without audio is timed by its words), text out.
fn transcription_usage(spoken_ms: u64, transcript: &str) -> Value {
    let ms = spoken_ms.max(transcript.split_whitespace().count() as u64 * 400);
    let audio = ms.div_ceil(100).max(1);
    let text = tokens(transcript.len());
    json!({
        "type": "tokens",
        "input_tokens": audio,
        "input_token_details": {"text_tokens": 0, "audio_tokens": audio},
        "output_tokens": text,
        "total_tokens": audio + text,
    })
}

fn chunks(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    words.chunks(3).map(|c| c.concat()).collect()
}

impl Conversation {
    pub fn new(session: Value, flavour: Flavour, local_mode: bool) -> Self {
        Conversation {
            local_mode,
            flavour,
            session: session::with_ids(session, &new_id("sess")),
            last_item_id: None,
            pending_text: None,
            calls: HashMap::new(),
            results: Vec::new(),
            active: None,
            speech_notice_sent: false,
            playing: None,
            vad: Vad::default(),
            transcripts: VecDeque::new(),
            input_chars: 0,
            item_ids: Default::default(),
        }
    }

    pub fn session(&self) -> &Value {
        &self.session
    }

    pub fn response_in_progress(&self) -> Option<&str> {
        self.active.as_ref().map(|a| a.response.id.as_str())
    }

    /// Transcripts to report for the next spoken turns (scripted tests; never guessed).
    pub fn queue_transcript(&mut self, text: String) {
        self.transcripts.push_back(text);
    }

    /// A whole user turn transcribed as `text`, now (see `CallHandle::hear`).
    pub fn hear(&mut self, text: String) -> Vec<Action> {
        self.transcripts.push_front(text);
        let mut out = Vec::new();
        if self.vad.speaking.is_none() {
            let item_id = new_id("item");
            self.vad.speaking = Some(item_id.clone());
            self.vad.start_ms = self.vad.ms;
            out.push(Action::Send(ServerEvent::SpeechStarted {
                event_id: new_id("event"),
                audio_start_ms: self.vad.ms,
                item_id,
            }));
        }
        out.extend(self.end_of_speech());
        out
    }

    /// The channel opened.
    pub fn opened(&mut self) -> Vec<Action> {
        vec![Action::Send(ServerEvent::SessionCreated { event_id: new_id("event"), session: self.session.clone() })]
    }

    fn error(&self, mut body: ErrorBody, client_event_id: Option<&str>) -> Action {
        body.event_id = client_event_id.map(str::to_string);
        Action::Send(ServerEvent::Error { event_id: new_id("event"), error: body })
    }

    /// A text message from the client.
    pub fn on_client_text(&mut self, text: &str) -> Vec<Action> {
        let raw: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return vec![self
                    .error(session::invalid("invalid_json", format!("The event is not valid JSON: {e}."), None), None)]
            }
        };
        let event_id = raw.get("event_id").and_then(Value::as_str).map(str::to_string);
        let eid = event_id.as_deref();
        let Some(kind) = raw.get("type").and_then(Value::as_str) else {
            return vec![self.error(
                session::invalid("missing_required_parameter", "Missing required parameter: 'type'.", Some("type")),
                eid,
            )];
        };
        if !CLIENT_TYPES.contains(&kind) {
            let list = CLIENT_TYPES.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
            return vec![self.error(
                session::invalid(
                    "invalid_value",
                    format!("Invalid value: '{kind}'. Supported values are: {list}."),
                    Some("type"),
                ),
                eid,
            )];
        }
        if kind == "input_audio_buffer.append" {
            return vec![self.error(
                session::invalid(
                    "invalid_value",
                    "input_audio_buffer.append is not used over WebRTC: audio travels on the media track.",
                    Some("type"),
                ),
                eid,
            )];
        }
        match serde_json::from_value::<ClientEvent>(raw.clone()) {
            Ok(ev) => self.on_client_event(ev),
            Err(e) => {
                vec![self.error(session::invalid("invalid_value", format!("Invalid '{kind}' event: {e}."), None), eid)]
            }
        }
    }

    pub fn on_client_event(&mut self, ev: ClientEvent) -> Vec<Action> {
        let eid = ev.event_id().map(str::to_string);
        let eid = eid.as_deref();
        match ev {
            ClientEvent::SessionUpdate { session: update, .. } => {
                if let Err(e) = session::check_session(&update, self.flavour) {
                    return vec![self.error(e, eid)];
                }
                session::merge(&mut self.session, &update);
                vec![Action::Send(ServerEvent::SessionUpdated {
                    event_id: new_id("event"),
                    session: self.session.clone(),
                })]
            }
            ClientEvent::ConversationItemCreate { item, previous_item_id, .. } => {
                self.item_create(item, previous_item_id, eid)
            }
            ClientEvent::ResponseCreate { .. } => self.response_create(eid),
            ClientEvent::ResponseCancel { response_id, .. } => match &self.active {
                Some(a) if response_id.as_deref().is_none_or(|r| r == a.response.id) => {
                    let mut out = self.finish_active("cancelled");
                    if let Some(rid) = self.playing.take() {
                        out.insert(0, Action::StopAudio);
                        out.push(Action::Send(ServerEvent::OutputAudioBufferCleared {
                            event_id: new_id("event"),
                            response_id: rid,
                        }));
                    }
                    out
                }
                _ => vec![self.error(
                    session::invalid(
                        "response_cancel_not_active",
                        "Cancellation failed: no active response found.",
                        None,
                    ),
                    eid,
                )],
            },
            ClientEvent::OutputAudioBufferClear { .. } => {
                let response_id = self.playing.take().unwrap_or_default();
                vec![
                    Action::StopAudio,
                    Action::Send(ServerEvent::OutputAudioBufferCleared { event_id: new_id("event"), response_id }),
                ]
            }
            ClientEvent::InputAudioBufferCommit { .. } => {
                // OpenAI refuses to commit less than 100 ms of audio.
                let buffered_ms = self.vad.ms.saturating_sub(self.vad.start_ms);
                if self.vad.speaking.is_none() || (!self.turn_detection_on() && buffered_ms < 100) {
                    return vec![self.error(
                        session::invalid(
                            "input_audio_buffer_commit_empty",
                            "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio.",
                            None,
                        ),
                        eid,
                    )];
                }
                self.end_of_speech()
            }
            ClientEvent::InputAudioBufferClear { .. } => {
                self.vad.speaking = None;
                vec![]
            }
            ClientEvent::ConversationItemRetrieve { item_id, .. }
            | ClientEvent::ConversationItemTruncate { item_id, .. }
            | ClientEvent::ConversationItemDelete { item_id, .. } => {
                if !self.item_ids.contains(&item_id) {
                    return vec![self.error(
                        session::invalid(
                            "item_not_found",
                            format!("Item with item_id not found: {item_id}"),
                            Some("item_id"),
                        ),
                        eid,
                    )];
                }
                // Known item: accepted. (hark-protocol has no retrieved/truncated/deleted events.)
                vec![]
            }
        }
    }

    fn add_item(&mut self, item: Item) -> Vec<Action> {
        let prev = self.last_item_id.clone();
        let id = match &item {
            Item::Message { id, .. } | Item::FunctionCall { id, .. } | Item::FunctionCallOutput { id, .. } => {
                id.clone()
            }
        };
        if let Some(id) = &id {
            self.item_ids.insert(id.clone());
        }
        self.last_item_id = id;
        vec![
            Action::Send(ServerEvent::ConversationItemAdded {
                event_id: new_id("event"),
                previous_item_id: prev.clone(),
                item: item.clone(),
            }),
            Action::Send(ServerEvent::ConversationItemDone { event_id: new_id("event"), previous_item_id: prev, item }),
        ]
    }

    fn item_create(&mut self, item: Item, _previous: Option<String>, eid: Option<&str>) -> Vec<Action> {
        let mut item = item;
        match &mut item {
            Item::FunctionCallOutput { id, call_id, output } => {
                let Some((name, arguments)) = self.calls.get(call_id.as_str()).cloned() else {
                    return vec![self.error(
                        session::invalid(
                            "invalid_tool_call_id",
                            format!("Tool call ID '{call_id}' not found in conversation."),
                            None,
                        ),
                        eid,
                    )];
                };
                id.get_or_insert_with(|| new_id("item"));
                self.input_chars += output.len() as u64;
                self.results.push(CallResult { name, arguments, output: output.clone() });
                let (call_id, output) = (call_id.clone(), output.clone());
                let mut out = self.add_item(item);
                out.push(Action::Output { call_id, output });
                out
            }
            Item::Message { id, role, content, status } => {
                if content.is_empty() {
                    return vec![self.error(
                        session::invalid(
                            "missing_required_parameter",
                            "Missing required parameter: 'item.content'.",
                            Some("item.content"),
                        ),
                        eid,
                    )];
                }
                id.get_or_insert_with(|| new_id("item"));
                *status = Some("completed".into());
                if *role == Role::User {
                    let text: Vec<&str> = content
                        .iter()
                        .filter_map(|p| match p {
                            ContentPart::InputText { text } => Some(text.as_str()),
                            _ => None,
                        })
                        .collect();
                    if !text.is_empty() {
                        let t = text.join(" ");
                        self.input_chars += t.len() as u64;
                        self.pending_text = Some(t);
                    }
                }
                self.add_item(item)
            }
            Item::FunctionCall { id, call_id, name, arguments, status } => {
                id.get_or_insert_with(|| new_id("item"));
                *status = Some("completed".into());
                let args = serde_json::from_str(arguments).unwrap_or(Value::Null);
                self.calls.insert(call_id.clone(), (name.clone(), args));
                self.add_item(item)
            }
        }
    }

    fn busy_error(&self, eid: Option<&str>) -> Option<Action> {
        let a = self.active.as_ref()?;
        Some(self.error(
            session::invalid(
                "conversation_already_has_active_response",
                format!(
                    "Conversation already has an active response in progress: {}. Wait until the response is finished before creating a new one.",
                    a.response.id
                ),
                None,
            ),
            eid,
        ))
    }

    fn response_create(&mut self, eid: Option<&str>) -> Vec<Action> {
        if let Some(e) = self.busy_error(eid) {
            return vec![e];
        }
        if let Some(text) = self.pending_text.take() {
            if self.local_mode {
                self.results.clear();
                return match grammar::interpret(&text) {
                    Intent::Calls(calls) => {
                        self.function_calls(calls.into_iter().map(|c| (c.name.to_string(), c.arguments)).collect()).0
                    }
                    Intent::NotUnderstood(why) => self.speak(&why),
                };
            }
            if self.results.is_empty() {
                return self.speak(&format!("You wrote: {text}"));
            }
        }
        if !self.results.is_empty() {
            let summary = grammar::summarise(&self.results);
            self.results.clear();
            return self.speak(&summary);
        }
        if self.local_mode {
            self.speak(&format!(
                "Hark is running in local mode. Type a command like {}. {}",
                grammar::EXAMPLES,
                grammar::SPEECH_NEEDS_KEY
            ))
        } else {
            self.speak("OK.")
        }
    }

    fn usage(&self, output_chars: usize) -> Usage {
        let input = tokens(self.input_chars as usize + 200);
        let output = tokens(output_chars);
        Usage {
            total_tokens: input + output,
            input_tokens: input,
            output_tokens: output,
            input_token_details: Some(json!({"text_tokens": input, "audio_tokens": 0, "cached_tokens": 0})),
            output_token_details: Some(json!({"text_tokens": output, "audio_tokens": 0})),
        }
    }

    fn new_response(&self) -> Response {
        Response {
            id: new_id("resp"),
            object: "realtime.response".into(),
            status: "in_progress".into(),
            ..Default::default()
        }
    }

    /// A response made of function calls (one per entry). Returns the call ids.
    pub fn function_calls(&mut self, calls: Vec<(String, Value)>) -> (Vec<Action>, Vec<String>) {
        // A scripted call while a response is generating: that one finishes first (never two at once).
        let mut out = self.finish_active("completed");
        let mut response = self.new_response();
        let rid = response.id.clone();
        out.push(Action::Send(ServerEvent::ResponseCreated { event_id: new_id("event"), response: response.clone() }));
        let mut ids = Vec::new();
        let mut chars = 0;
        for (i, (name, args)) in calls.into_iter().enumerate() {
            let call_id = new_id("call");
            let item_id = new_id("item");
            let arguments = args.to_string();
            chars += arguments.len() + name.len();
            let item = |arguments: &str, status: &str| Item::FunctionCall {
                id: Some(item_id.clone()),
                call_id: call_id.clone(),
                name: name.clone(),
                arguments: arguments.to_string(),
                status: Some(status.into()),
            };
            let idx = i as u32;
            out.push(Action::Send(ServerEvent::OutputItemAdded {
                event_id: new_id("event"),
                response_id: rid.clone(),
                output_index: idx,
                item: item("", "in_progress"),
            }));
            out.push(Action::Send(ServerEvent::ConversationItemAdded {
                event_id: new_id("event"),
                previous_item_id: self.last_item_id.clone(),
                item: item("", "in_progress"),
            }));
            let half = arguments.char_indices().nth(arguments.chars().count() / 2).map(|(b, _)| b).unwrap_or(0);
            for delta in [&arguments[..half], &arguments[half..]] {
                if !delta.is_empty() {
                    out.push(Action::Send(ServerEvent::FunctionCallArgumentsDelta {
                        event_id: new_id("event"),
                        response_id: rid.clone(),
                        item_id: item_id.clone(),
                        output_index: idx,
                        call_id: call_id.clone(),
                        delta: delta.to_string(),
                    }));
                }
            }
            out.push(Action::Send(ServerEvent::FunctionCallArgumentsDone {
                event_id: new_id("event"),
                response_id: rid.clone(),
                item_id: item_id.clone(),
                output_index: idx,
                call_id: call_id.clone(),
                name: name.clone(),
                arguments: arguments.clone(),
            }));
            let done = item(&arguments, "completed");
            out.push(Action::Send(ServerEvent::OutputItemDone {
                event_id: new_id("event"),
                response_id: rid.clone(),
                output_index: idx,
                item: done.clone(),
            }));
            out.push(Action::Send(ServerEvent::ConversationItemDone {
                event_id: new_id("event"),
                previous_item_id: self.last_item_id.clone(),
                item: done.clone(),
            }));
            self.last_item_id = Some(item_id.clone());
            self.item_ids.insert(item_id.clone());
            response.output.push(done);
            self.calls.insert(call_id.clone(), (name, args));
            ids.push(call_id);
        }
        response.status = "completed".into();
        response.usage = Some(self.usage(chars));
        out.push(Action::Send(ServerEvent::ResponseDone { event_id: new_id("event"), response }));
        out.push(rate_limits());
        (out, ids)
    }

    /// A spoken (and written) answer. With audio output it stays in progress for a quarter of
    /// the clip's length ("generation"); the clip plays in real time and outlasts it.
    pub fn speak(&mut self, text: &str) -> Vec<Action> {
        if self.active.is_some() {
            // A scripted `say` during a response: that one finishes generating first.
            let mut out = self.finish_active("completed");
            out.extend(self.speak(text));
            return out;
        }
        let response = self.new_response();
        let rid = response.id.clone();
        let item_id = new_id("item");
        let ev = || new_id("event");
        let text_only = session::text_only(&self.session);
        let in_progress = Item::Message {
            id: Some(item_id.clone()),
            role: Role::Assistant,
            content: vec![],
            status: Some("in_progress".into()),
        };
        let mut out = vec![
            Action::Send(ServerEvent::ResponseCreated { event_id: ev(), response: response.clone() }),
            Action::Send(ServerEvent::OutputItemAdded {
                event_id: ev(),
                response_id: rid.clone(),
                output_index: 0,
                item: in_progress.clone(),
            }),
            Action::Send(ServerEvent::ConversationItemAdded {
                event_id: ev(),
                previous_item_id: self.last_item_id.clone(),
                item: in_progress,
            }),
        ];
        self.last_item_id = Some(item_id.clone());
        self.item_ids.insert(item_id.clone());
        // Part 0: the text.
        let part = |c: u32, p: ContentPart, added: bool| {
            let (event_id, response_id, item_id) = (ev(), rid.clone(), item_id.clone());
            if added {
                ServerEvent::ContentPartAdded {
                    event_id,
                    response_id,
                    item_id,
                    output_index: 0,
                    content_index: c,
                    part: p,
                }
            } else {
                ServerEvent::ContentPartDone {
                    event_id,
                    response_id,
                    item_id,
                    output_index: 0,
                    content_index: c,
                    part: p,
                }
            }
        };
        // Parts are `text`/`audio` in response.content_part.* (the spec's names there), and
        // `output_text`/`output_audio` in items.
        out.push(Action::Send(part(0, ContentPart::Text { text: String::new() }, true)));
        for delta in chunks(text) {
            out.push(Action::Send(ServerEvent::OutputTextDelta {
                event_id: ev(),
                response_id: rid.clone(),
                item_id: item_id.clone(),
                output_index: 0,
                content_index: 0,
                delta,
            }));
        }
        out.push(Action::Send(ServerEvent::OutputTextDone {
            event_id: ev(),
            response_id: rid.clone(),
            item_id: item_id.clone(),
            output_index: 0,
            content_index: 0,
            text: text.to_string(),
        }));
        out.push(Action::Send(part(0, ContentPart::Text { text: text.to_string() }, false)));
        self.active =
            Some(Active { response, item_id: item_id.clone(), transcript: text.to_string(), input_tokens: 0 });
        if text_only {
            out.extend(self.finish_active("completed"));
            return out;
        }
        // Part 1: the audio and its transcript, streamed while the clip plays.
        out.push(Action::Send(part(1, ContentPart::Audio { audio: None, transcript: Some(String::new()) }, true)));
        for delta in chunks(text) {
            out.push(Action::Send(ServerEvent::OutputAudioTranscriptDelta {
                event_id: ev(),
                response_id: rid.clone(),
                item_id: item_id.clone(),
                output_index: 0,
                content_index: 1,
                delta,
            }));
        }
        if self.playing.is_none() {
            out.push(Action::Send(ServerEvent::OutputAudioBufferStarted { event_id: ev(), response_id: rid.clone() }));
        }
        self.playing = Some(rid.clone());
        let ms = crate::audio::clip_ms_for(text);
        out.push(Action::Speak { response_id: rid.clone(), ms });
        out.push(Action::FinishLater { response_id: rid, ms: (ms / 4).max(150) });
        out
    }

    /// The response has finished generating (its audio may still be playing).
    pub fn generation_done(&mut self, response_id: &str) -> Vec<Action> {
        if self.response_in_progress() != Some(response_id) {
            return vec![];
        }
        self.finish_active("completed")
    }

    /// The output audio has played out.
    pub fn audio_done(&mut self, response_id: &str) -> Vec<Action> {
        let mut out = Vec::new();
        if self.response_in_progress() == Some(response_id) {
            out.extend(self.finish_active("completed"));
        }
        if let Some(rid) = self.playing.take() {
            out.push(Action::Send(ServerEvent::OutputAudioBufferStopped {
                event_id: new_id("event"),
                response_id: rid,
            }));
        }
        out
    }

    fn finish_active(&mut self, status: &str) -> Vec<Action> {
        let Some(mut a) = self.active.take() else {
            return vec![];
        };
        let _ = a.input_tokens;
        let rid = a.response.id.clone();
        let text_only = session::text_only(&self.session);
        let mut content = vec![ContentPart::OutputText { text: a.transcript.clone() }];
        let mut out = Vec::new();
        if !text_only {
            let audio_part = ContentPart::OutputAudio { audio: None, transcript: Some(a.transcript.clone()) };
            out.push(Action::Send(ServerEvent::OutputAudioTranscriptDone {
                event_id: new_id("event"),
                response_id: rid.clone(),
                item_id: a.item_id.clone(),
                output_index: 0,
                content_index: 1,
                transcript: a.transcript.clone(),
            }));
            out.push(Action::Send(ServerEvent::ContentPartDone {
                event_id: new_id("event"),
                response_id: rid.clone(),
                item_id: a.item_id.clone(),
                output_index: 0,
                content_index: 1,
                part: ContentPart::Audio { audio: None, transcript: Some(a.transcript.clone()) },
            }));
            content.push(audio_part);
        }
        let item_status = if status == "completed" { "completed" } else { "incomplete" };
        let item = Item::Message {
            id: Some(a.item_id.clone()),
            role: Role::Assistant,
            content,
            status: Some(item_status.into()),
        };
        out.push(Action::Send(ServerEvent::OutputItemDone {
            event_id: new_id("event"),
            response_id: rid.clone(),
            output_index: 0,
            item: item.clone(),
        }));
        out.push(Action::Send(ServerEvent::ConversationItemDone {
            event_id: new_id("event"),
            previous_item_id: None,
            item: item.clone(),
        }));
        a.response.status = status.into();
        if status == "cancelled" {
            a.response.status_details = Some(json!({"type": "cancelled", "reason": "client_cancelled"}));
        }
        a.response.output = vec![item];
        a.response.usage = Some(self.usage(a.transcript.len()));
        out.push(Action::Send(ServerEvent::ResponseDone { event_id: new_id("event"), response: a.response }));
        out.push(rate_limits());
        out
    }

    fn transcription_on(&self) -> bool {
        let t = self
            .session
            .pointer("/audio/input/transcription")
            .or_else(|| self.session.get("input_audio_transcription"));
        t.is_some_and(|t| !t.is_null())
    }

    fn turn_detection_on(&self) -> bool {
        let td = self.session.pointer("/audio/input/turn_detection").or_else(|| self.session.get("turn_detection"));
        td.is_some_and(|t| !t.is_null())
    }

    /// One decoded 20 ms frame of the person's audio, by level.
    pub fn on_audio_frame(&mut self, level_dbfs: f32) -> Vec<Action> {
        self.vad.ms += crate::audio::FRAME_MS;
        if !self.turn_detection_on() {
            // No turn detection: every frame goes into the input buffer, which the client commits
            // (input_audio_buffer.commit) or clears. No speech events are sent.
            if self.vad.speaking.is_none() {
                self.vad.speaking = Some(new_id("item"));
                self.vad.start_ms = self.vad.ms.saturating_sub(crate::audio::FRAME_MS);
            }
            return vec![];
        }
        let voiced = level_dbfs > VOICE_THRESHOLD_DBFS;
        if voiced {
            self.vad.voiced_run += 1;
            self.vad.quiet_run = 0;
        } else {
            self.vad.quiet_run += 1;
            self.vad.voiced_run = 0;
        }
        if self.vad.speaking.is_none() && self.vad.voiced_run >= 5 {
            let item_id = new_id("item");
            self.vad.speaking = Some(item_id.clone());
            let audio_start_ms = self.vad.ms.saturating_sub(100);
            self.vad.start_ms = audio_start_ms;
            return vec![Action::Send(ServerEvent::SpeechStarted {
                event_id: new_id("event"),
                audio_start_ms,
                item_id,
            })];
        }
        if self.vad.speaking.is_some() && self.vad.quiet_run >= 25 {
            return self.end_of_speech();
        }
        vec![]
    }

    fn end_of_speech(&mut self) -> Vec<Action> {
        let Some(item_id) = self.vad.speaking.take() else {
            return vec![];
        };
        let ev = || new_id("event");
        // Turn detection ends a turn after 300 ms of quiet; a client's commit ends it now.
        let vad = self.turn_detection_on();
        let audio_end_ms = if vad { self.vad.ms.saturating_sub(300) } else { self.vad.ms };
        let spoken_ms = audio_end_ms.saturating_sub(self.vad.start_ms);
        let mut out = Vec::new();
        if vad {
            out.push(Action::Send(ServerEvent::SpeechStopped {
                event_id: ev(),
                audio_end_ms,
                item_id: item_id.clone(),
            }));
        }
        out.push(Action::Send(ServerEvent::InputAudioBufferCommitted {
            event_id: ev(),
            previous_item_id: self.last_item_id.clone(),
            item_id: item_id.clone(),
        }));
        let scripted = self.transcripts.pop_front();
        let item = Item::Message {
            id: Some(item_id.clone()),
            role: Role::User,
            content: vec![ContentPart::InputAudio { audio: None, transcript: scripted.clone() }],
            status: Some("completed".into()),
        };
        out.extend(self.add_item(item));
        match scripted {
            Some(t) => {
                out.push(Action::Send(ServerEvent::InputTranscriptionDelta {
                    event_id: ev(),
                    item_id: item_id.clone(),
                    content_index: 0,
                    delta: t.clone(),
                }));
                out.push(Action::Send(ServerEvent::InputTranscriptionCompleted {
                    event_id: ev(),
                    item_id,
                    content_index: 0,
                    transcript: t.clone(),
                    usage: Some(transcription_usage(spoken_ms, &t)),
                }));
                if self.local_mode {
                    self.pending_text = Some(t);
                    if self.active.is_none() {
                        out.extend(self.response_create(None));
                    }
                }
            }
            None if self.local_mode => {
                if self.transcription_on() {
                    out.push(Action::Send(ServerEvent::InputTranscriptionFailed {
                        event_id: ev(),
                        item_id,
                        content_index: 0,
                        error: TranscriptionError {
                            kind: Some("transcription_error".into()),
                            code: Some("speech_needs_openai_key".into()),
                            message: grammar::SPEECH_NEEDS_KEY.into(),
                            param: None,
                        },
                    }));
                }
                if !self.speech_notice_sent && self.active.is_none() {
                    self.speech_notice_sent = true;
                    out.extend(self.speak(&format!(
                        "I heard you speak, but I can't understand speech here. {}",
                        grammar::SPEECH_NEEDS_KEY
                    )));
                }
            }
            None => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_protocol::session::{SessionConfig, SessionSettings};
    use hark_protocol::tools;

    fn conv(local: bool) -> Conversation {
        let s = serde_json::to_value(SessionConfig::new(&SessionSettings::default())).unwrap();
        Conversation::new(s, Flavour::Ga, local)
    }

    fn events(actions: &[Action]) -> Vec<ServerEvent> {
        actions.iter().filter_map(|a| if let Action::Send(e) = a { Some(e.clone()) } else { None }).collect()
    }

    fn types(actions: &[Action]) -> Vec<String> {
        events(actions).iter().map(|e| e.type_name()).collect()
    }

    fn error_of(actions: &[Action]) -> ErrorBody {
        match events(actions).as_slice() {
            [ServerEvent::Error { error, .. }] => error.clone(),
            other => panic!("expected one error, got {other:?}"),
        }
    }

    #[test]
    fn session_created_carries_the_config_with_ids() {
        let mut c = conv(true);
        let ev = events(&c.opened());
        let ServerEvent::SessionCreated { session, .. } = &ev[0] else { panic!() };
        assert!(session["id"].as_str().unwrap().starts_with("sess_"));
        assert_eq!(session["audio"]["output"]["voice"], "marin");
    }

    #[test]
    fn malformed_and_unknown_events_get_openai_errors_naming_the_client_event() {
        let mut c = conv(true);
        assert_eq!(error_of(&c.on_client_text("{not json")).code.as_deref(), Some("invalid_json"));
        let e = error_of(&c.on_client_text(r#"{"type":"session.explode","event_id":"ev_1"}"#));
        assert_eq!(e.code.as_deref(), Some("invalid_value"));
        assert_eq!(e.event_id.as_deref(), Some("ev_1"));
        assert_eq!(e.param.as_deref(), Some("type"));
        let e = error_of(&c.on_client_text(r#"{"type":"conversation.item.create","event_id":"ev_2","item":{"type":"function_call_output","call_id":"call_nope","output":"{}"}}"#));
        assert!(e.message.contains("call_nope"), "{e:?}");
        assert_eq!(e.code.as_deref(), Some("invalid_tool_call_id"));
        assert_eq!(e.event_id.as_deref(), Some("ev_2"));
        let e = error_of(&c.on_client_text(r#"{"type":"session.update","event_id":"ev_3","session":{"type":"realtime","audio":{"output":{"voice":"darth"}}}}"#));
        assert_eq!(e.param.as_deref(), Some("session.audio.output.voice"));
        let e = error_of(
            &c.on_client_text(r#"{"type":"conversation.item.delete","event_id":"ev_5","item_id":"item_nope"}"#),
        );
        assert_eq!((e.code.as_deref(), e.event_id.as_deref()), (Some("item_not_found"), Some("ev_5")));
        let added = c.on_client_event(ClientEvent::user_text("hi"));
        let Some(ServerEvent::ConversationItemAdded { item: Item::Message { id: Some(id), .. }, .. }) =
            events(&added).into_iter().next()
        else {
            panic!()
        };
        assert!(
            events(&c.on_client_text(&format!(r#"{{"type":"conversation.item.delete","item_id":"{id}"}}"#))).is_empty()
        );
        let e = error_of(&c.on_client_text(r#"{"type":"response.cancel","event_id":"ev_4"}"#));
        assert_eq!(e.code.as_deref(), Some("response_cancel_not_active"));
    }

    #[test]
    fn typed_command_round_trip_in_local_mode() {
        let mut c = conv(true);
        c.on_client_event(ClientEvent::user_text("make the background dark blue"));
        let a = c.on_client_event(ClientEvent::response_create());
        let t = types(&a);
        assert_eq!(t.first().unwrap(), "response.created");
        assert_eq!(&t[t.len() - 2..], ["response.done", "rate_limits.updated"]);
        let done = events(&a).into_iter().find_map(|e| match e {
            ServerEvent::FunctionCallArgumentsDone { call_id, name, arguments, .. } => Some((call_id, name, arguments)),
            _ => None,
        });
        let (call_id, name, arguments) = done.unwrap();
        assert_eq!(name, tools::CHANGE_BACKGROUND_COLOR);
        assert_eq!(arguments, r#"{"color":"dark blue"}"#);
        let a = c.on_client_event(ClientEvent::function_output(&call_id, r#"{"ok":true}"#));
        assert!(a.contains(&Action::Output { call_id: call_id.clone(), output: r#"{"ok":true}"#.into() }));
        let a = c.on_client_event(ClientEvent::response_create());
        let text = events(&a).into_iter().find_map(|e| match e {
            ServerEvent::OutputTextDone { text, .. } => Some(text),
            _ => None,
        });
        assert_eq!(text.unwrap(), "I changed the background to dark blue.");
        let Some(Action::Speak { response_id, .. }) = a.iter().find(|a| matches!(a, Action::Speak { .. })).cloned()
        else {
            panic!()
        };
        assert!(a.iter().any(|a| matches!(a, Action::FinishLater { .. })));
        // Still generating: another response.create is refused, as OpenAI does.
        let e =
            error_of(&c.on_client_event(ClientEvent::ResponseCreate { event_id: Some("ev_9".into()), response: None }));
        assert_eq!(e.code.as_deref(), Some("conversation_already_has_active_response"));
        assert_eq!(e.event_id.as_deref(), Some("ev_9"));
        let t = types(&c.generation_done(&response_id));
        assert_eq!(&t[t.len() - 2..], ["response.done", "rate_limits.updated"]);
        assert!(c.response_in_progress().is_none());
        // The audio plays on; when it has played, the buffer stops.
        assert_eq!(types(&c.audio_done(&response_id)), ["output_audio_buffer.stopped"]);
    }

    #[test]
    fn a_heard_turn_is_the_whole_spoken_turn_with_its_transcript() {
        let mut c = conv(false);
        let t = types(&c.hear("Yes, go ahead.".into()));
        assert_eq!(
            t,
            [
                "input_audio_buffer.speech_started",
                "input_audio_buffer.speech_stopped",
                "input_audio_buffer.committed",
                "conversation.item.added",
                "conversation.item.done",
                "conversation.item.input_audio_transcription.delta",
                "conversation.item.input_audio_transcription.completed"
            ]
        );
    }

    #[test]
    fn without_transcription_configured_no_transcription_events_are_sent() {
        let mut s = serde_json::to_value(SessionConfig::new(&SessionSettings {
            transcription_model: None,
            ..Default::default()
        }))
        .unwrap();
        s["audio"]["input"].as_object_mut().unwrap().remove("transcription");
        let mut c = Conversation::new(s, Flavour::Ga, true);
        let mut all = Vec::new();
        for level in [-20.0; 30].into_iter().chain([-120.0; 30]) {
            all.extend(c.on_audio_frame(level));
        }
        let t = types(&all);
        assert!(t.contains(&"input_audio_buffer.committed".to_string()));
        assert!(!t.iter().any(|t| t.contains("transcription")), "{t:?}");
        assert!(t.contains(&"response.created".to_string()), "the key notice is still spoken");
    }

    #[test]
    fn speech_in_local_mode_is_answered_once_with_the_key_hint() {
        let mut c = conv(true);
        let mut all = Vec::new();
        for _ in 0..2 {
            for _ in 0..30 {
                all.extend(c.on_audio_frame(-20.0));
            }
            for _ in 0..30 {
                all.extend(c.on_audio_frame(-120.0));
            }
            if let Some(Action::Speak { response_id, .. }) =
                all.iter().find(|a| matches!(a, Action::Speak { .. })).cloned()
            {
                all.extend(c.generation_done(&response_id));
                all.extend(c.audio_done(&response_id));
            }
        }
        let t = types(&all);
        assert_eq!(t.iter().filter(|t| *t == "input_audio_buffer.speech_started").count(), 2);
        assert_eq!(t.iter().filter(|t| *t == "conversation.item.input_audio_transcription.failed").count(), 2);
        assert_eq!(t.iter().filter(|t| *t == "response.created").count(), 1, "{t:?}");
        let said: Vec<String> = events(&all)
            .into_iter()
            .filter_map(|e| match e {
                ServerEvent::OutputAudioTranscriptDone { transcript, .. } => Some(transcript),
                _ => None,
            })
            .collect();
        assert!(said[0].contains("needs an OpenAI key"), "{said:?}");
    }
}
