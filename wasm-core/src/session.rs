//! The realtime session as the core sees it: server events, page results and typed text in;
//! actions out. Keeps the function-call bookkeeping: outputs go out in the order the calls
//! arrived, and exactly one `response.create` follows once every call of a finished response is
//! answered (and no other response is running), so the model always gets to speak again.

use hark_protocol::events::{ClientEvent, Item, ServerEvent, ServerEventKind};
use hark_protocol::prices::Price;
use hark_protocol::tools::ToolCall;
use serde_json::{json, Value};

use crate::action::{Action, UiError, UiState, UiUpdate};
use crate::calls::{self, Next, Output, Plan};
use crate::confirm::{self, Check, Decision, Pending};
use crate::errors;
use crate::few::{FewMap, FewSet};
use crate::idle::IdleWatch;
use crate::language;
use crate::meter::CostMeter;
use crate::page::{self, PageCommand, PageResult};
use crate::tree::Fields;

/// What the session host learned before the channel opened.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// `/api/status`'s `session_update`: a beta session to send in `session.update`.
    pub session_update: Option<Value>,
    /// `/api/status`'s `mode` is `local`: typed commands only.
    pub local_mode: bool,
    /// The person's voice and instructions from the options page (empty = companion default).
    pub voice: Option<String>,
    pub instructions: Option<String>,
    /// The person's language (ISO 639-1, e.g. `fr`; empty = automatic): see [`crate::language`].
    pub language: Option<String>,
    /// `/api/status`'s transcription model: a language for the transcription goes with it.
    pub transcription_model: Option<String>,
    /// Stop after this many minutes without use (`None`: the default; 0: never): see [`crate::idle`].
    pub idle_minutes: Option<f64>,
    /// Push-to-talk (the options page's talk mode "hold"): no turn detection; the person holds
    /// the overlay's Talk button while speaking and their turn is committed on release.
    pub push_to_talk: bool,
    /// `/api/status`'s model and its price (the cost meter): see [`crate::meter`].
    pub model: Option<String>,
    pub price: Option<Price>,
}

impl SessionOptions {
    /// The options as the session host writes them (JSON text; see [`crate::tree`]).
    pub fn from_json(text: &str) -> Result<SessionOptions, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let f = Fields::of(&value);
        if !f.is_object() {
            return Err("the options are not a JSON object".into());
        }
        let price = f.object("price");
        let rate = |key: &str| price.number(key);
        Ok(SessionOptions {
            session_update: f.value("session_update").cloned(),
            local_mode: f.flag("local_mode"),
            voice: f.text("voice"),
            instructions: f.text("instructions"),
            language: f.text("language"),
            transcription_model: f.text("transcription_model"),
            idle_minutes: f.number("idle_minutes"),
            push_to_talk: f.flag("push_to_talk"),
            model: f.text("model"),
            price: (|| {
                Some(Price {
                    text_in: rate("text_in")?,
                    text_in_cached: rate("text_in_cached")?,
                    text_out: rate("text_out")?,
                    audio_in: rate("audio_in")?,
                    audio_in_cached: rate("audio_in_cached")?,
                    audio_out: rate("audio_out")?,
                })
            })(),
        })
    }
}

#[derive(Debug)]
struct Call {
    call_id: String,
    name: String,
    response_id: String,
    output: Option<Output>,
    sent: bool,
}

/// A tap on the Talk button in push-to-talk mode.
pub const TALK_HINT: &str = "Hold the Talk button while you speak, and let go when you are done.";

/// Shown when the companion has no OpenAI key (it then runs the local peer).
pub const LOCAL_MODE_HINT: &str = "Local mode: the companion has no OpenAI key, so Hark cannot understand speech. \
Type commands in the box below, e.g. \"make the background navy\". Start hark-companion with OPENAI_API_KEY set for voice.";

#[derive(Debug, Default)]
pub struct Session {
    options: SessionOptions,
    calls: Vec<Call>,
    seen_calls: FewSet<String>,
    /// Page request id → (call id, what it waits for).
    requests: FewMap<u32, (String, Plan)>,
    next_request: u32,
    done_responses: FewSet<String>,
    /// Responses the server started and has not finished (`response.created`, no `response.done`
    /// yet): a new `response.create` waits until none runs.
    running: FewSet<String>,
    /// A `response.create` was sent and no `response.created` has come for it yet.
    requested: bool,
    response_wanted: bool,
    response_create_event: Option<String>,
    events_sent: u32,
    lines: FewMap<String, String>,
    typed: u32,
    speaking: bool,
    closed: bool,
    /// The document whose refs the model (and label matching) last saw.
    ref_doc: Option<String>,
    /// Commands sent that the executor may hold for the person's yes, by request id.
    holdable: FewMap<u32, PageCommand>,
    /// The question waiting for the person's answer.
    pending: Option<Pending<PageCommand, Plan>>,
    asks: u32,
    /// Requests running a command the person said yes to → (question, the command, how to word
    /// the result).
    confirmed_runs: FewMap<u32, (String, PageCommand, Plan)>,
    /// The last command the person said yes to, as the model asked for it (no confirmations),
    /// once it ran: the model often asks again after hearing "yes".
    last_allowed: Option<PageCommand>,
    idle: IdleWatch,
    meter: CostMeter,
    /// Push-to-talk: when the Talk button went down (the host's clock), while it is held.
    talk_since: Option<f64>,
}

/// A press shorter than this is a tap, not a turn: OpenAI refuses to commit under 100 ms of audio.
pub const MIN_TALK_MS: f64 = 250.0;

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Session {
    pub fn new(options: SessionOptions) -> Session {
        Session {
            idle: IdleWatch::new(options.idle_minutes),
            meter: CostMeter::new(options.price, options.model.clone()),
            options,
            ..Default::default()
        }
    }

    /// The host's clock ticks (a few times a second, once the channel is open) with whether the
    /// model is speaking: a session unused for the person's idle time ends, with words.
    pub fn on_tick(&mut self, now_ms: f64, speaking: bool) -> Vec<Action> {
        if self.closed {
            return vec![];
        }
        if speaking {
            self.idle.touch();
        }
        if !self.idle.on_tick(now_ms) {
            return vec![];
        }
        self.closed = true;
        let minutes = self.idle.minutes().unwrap_or_default();
        vec![Action::state(UiState::Error), Action::error(errors::idle_stop(minutes))]
    }

    pub fn on_channel_open(&mut self) -> Vec<Action> {
        let mut out = vec![Action::state(UiState::Listening)];
        if self.options.local_mode {
            out.push(Action::transcript("local-mode", "tool", LOCAL_MODE_HINT, true));
        }
        let voice = nonempty(&self.options.voice);
        let instructions = nonempty(&self.options.instructions);
        let language = match language::parse(self.options.language.as_deref().unwrap_or("")) {
            Ok(l) => l,
            Err(words) => {
                out.push(Action::error(UiError { title: "Language not set".into(), message: words, fatal: false }));
                None
            }
        };
        // The transcription's language goes with its model (OpenAI replaces the whole object).
        let transcription_model = nonempty(&self.options.transcription_model);
        let session = match &self.options.session_update {
            // Beta path: the companion could not configure the session upstream, so we do.
            Some(beta) => {
                let mut s = beta.clone();
                if let Some(v) = voice {
                    s["voice"] = json!(v);
                }
                if let Some(i) = instructions {
                    s["instructions"] = json!(i);
                }
                // The beta interface's transcription takes no language (OpenAI's beta schema): there
                // the model's note below is all the language does.
                if self.options.push_to_talk {
                    s["turn_detection"] = Value::Null;
                }
                Some(s)
            }
            None if voice.is_some()
                || instructions.is_some()
                || self.options.push_to_talk
                || (language.is_some() && transcription_model.is_some()) =>
            {
                let mut s = json!({"type": "realtime"});
                if let Some(i) = instructions {
                    s["instructions"] = json!(i);
                }
                if let Some(v) = voice {
                    s["audio"]["output"] = json!({"voice": v});
                }
                if let (Some(l), Some(m)) = (&language, transcription_model) {
                    s["audio"]["input"]["transcription"] = json!({"model": m, "language": l.code});
                }
                if self.options.push_to_talk {
                    s["audio"]["input"]["turn_detection"] = Value::Null;
                }
                Some(s)
            }
            None => None,
        };
        if let Some(session) = session {
            out.push(Action::send(&ClientEvent::SessionUpdate { event_id: None, session }));
        }
        if let Some(l) = &language {
            out.push(Action::send(&ClientEvent::system_text(l.note())));
        }
        if self.options.push_to_talk {
            // The microphone stays closed until the Talk button is held.
            out.push(Action::Mic { open: false });
            out.push(Action::Ui(UiUpdate { push_to_talk: Some(true), ..Default::default() }));
        }
        out
    }

    /// Push-to-talk: the Talk button went down (`pressed`) or up, at `now_ms` on the host's clock.
    /// Down: what the buffer holds so far is dropped and the microphone opens. Up: it closes, and
    /// the turn is committed and answered (one `response.create`, as for typed text). A tap is not
    /// a turn: nothing is committed, and the person is told to hold the button while speaking.
    pub fn on_talk(&mut self, pressed: bool, now_ms: f64) -> Vec<Action> {
        if self.closed || !self.options.push_to_talk {
            return vec![];
        }
        self.idle.touch();
        match (pressed, self.talk_since) {
            (true, None) => {
                self.talk_since = Some(now_ms);
                vec![
                    Action::send(&ClientEvent::InputAudioBufferClear { event_id: None }),
                    Action::Mic { open: true },
                    Action::state(UiState::Listening),
                ]
            }
            (false, Some(since)) => {
                self.talk_since = None;
                let mut out = vec![Action::Mic { open: false }];
                if now_ms - since < MIN_TALK_MS {
                    out.push(Action::send(&ClientEvent::InputAudioBufferClear { event_id: None }));
                    out.push(Action::transcript("talk-hint", "tool", TALK_HINT, true));
                    return out;
                }
                out.push(Action::send(&ClientEvent::InputAudioBufferCommit { event_id: None }));
                out.push(Action::state(UiState::Thinking));
                self.response_wanted = true;
                self.flush(&mut out);
                out
            }
            // A second down (a key repeating) or an up with no down: nothing new.
            _ => vec![],
        }
    }

    /// The companion's daily budget line, from its answer to the meter's report.
    pub fn on_budget(&mut self, summary: &str) -> Vec<Action> {
        vec![Action::usage(self.meter.set_budget(summary))]
    }

    pub fn on_channel_closed(&mut self, reason: &str) -> Vec<Action> {
        if self.closed {
            return vec![];
        }
        self.closed = true;
        vec![Action::state(UiState::Error), Action::error(errors::channel_closed(reason))]
    }

    pub fn on_user_text(&mut self, text: &str) -> Vec<Action> {
        let text = text.trim();
        if text.is_empty() || self.closed {
            return vec![];
        }
        self.typed += 1;
        self.idle.touch();
        let line = Action::transcript(format!("typed-{}", self.typed), "user", text, true);
        // A typed yes/no answers Hark's question; it is not a request for the model.
        if let Some(decision) = self.pending.as_ref().and(confirm::decision_in(text)) {
            let mut out = vec![line];
            self.decide(decision, &mut out);
            self.flush(&mut out);
            return out;
        }
        let mut out = vec![line, Action::send(&ClientEvent::user_text(text))];
        self.response_wanted = true;
        self.flush(&mut out);
        out
    }

    pub fn on_server_event(&mut self, text: &str) -> Vec<Action> {
        if self.closed {
            return vec![];
        }
        // Events Hark cannot parse are not worth stopping a conversation for; those it does not
        // act on are not read further than their type.
        let Ok(Some(event)) = ServerEvent::parse_where(text, acts_on) else {
            return vec![];
        };
        let mut out = Vec::new();
        match event {
            ServerEvent::Error { error, .. } => {
                let ours = error.event_id.is_some() && error.event_id == self.response_create_event;
                if error.code.as_deref() == Some("conversation_already_has_active_response") {
                    // Our response.create raced a response the server started itself: that one's
                    // response.done frees the slot (it stays marked busy until then); ask again.
                    self.response_wanted = true;
                } else {
                    if ours {
                        self.requested = false;
                    }
                    out.push(Action::error(UiError {
                        title: "The model reported an error".into(),
                        message: if error.message.is_empty() { error.kind.clone() } else { error.message.clone() },
                        fatal: false,
                    }));
                }
            }
            ServerEvent::SpeechStarted { .. } => {
                self.idle.touch();
                out.push(Action::state(UiState::Listening));
            }
            ServerEvent::InputTranscriptionDelta { item_id, delta, .. } => {
                let text = self.append_line(&item_id, &delta);
                out.push(Action::transcript(item_id, "user", text, false));
            }
            ServerEvent::InputTranscriptionCompleted { item_id, transcript, .. } => {
                self.lines.remove(&item_id);
                out.push(Action::transcript(item_id, "user", transcript.trim(), true));
                // The person's own speech (never the model's) may answer Hark's question.
                if let Some(decision) = self.pending.as_ref().and(confirm::decision_in(&transcript)) {
                    self.decide(decision, &mut out);
                }
            }
            ServerEvent::OutputAudioTranscriptDelta { item_id, delta, .. }
            | ServerEvent::OutputTextDelta { item_id, delta, .. } => {
                let text = self.append_line(&item_id, &delta);
                out.push(Action::transcript(item_id, "assistant", text, false));
            }
            ServerEvent::OutputAudioTranscriptDone { item_id, transcript: text, .. }
            | ServerEvent::OutputTextDone { item_id, text, .. } => {
                self.lines.remove(&item_id);
                out.push(Action::transcript(item_id, "assistant", text, true));
            }
            ServerEvent::ResponseCreated { response, .. } => {
                // The first response after ours is the one we asked for.
                self.requested = false;
                self.running.insert(response.id);
                // Audio of a previous response may still be playing.
                out.push(Action::state(if self.speaking { UiState::Speaking } else { UiState::Thinking }));
            }
            ServerEvent::OutputAudioBufferStarted { .. } => {
                self.idle.touch();
                self.speaking = true;
                out.push(Action::state(UiState::Speaking));
            }
            ServerEvent::OutputAudioBufferStopped { .. } | ServerEvent::OutputAudioBufferCleared { .. } => {
                self.speaking = false;
                out.push(Action::state(UiState::Listening));
            }
            ServerEvent::FunctionCallArgumentsDone { response_id, call_id, name, arguments, .. } => {
                self.start_call(&response_id, call_id, name, &arguments, &mut out);
            }
            ServerEvent::OutputItemDone {
                response_id,
                item: Item::FunctionCall { call_id, name, arguments, .. },
                ..
            } => {
                self.start_call(&response_id, call_id, name, &arguments, &mut out);
            }
            ServerEvent::ResponseDone { response, .. } => {
                if let Some(usage) = &response.usage {
                    out.push(Action::usage(self.meter.add(usage)));
                }
                for item in &response.output {
                    if let Item::FunctionCall { call_id, name, arguments, .. } = item {
                        self.start_call(&response.id, call_id.clone(), name.clone(), arguments, &mut out);
                    }
                }
                // A response.done without its response.created can only be the one we asked for.
                if !self.running.remove(&response.id) {
                    self.requested = false;
                }
                self.done_responses.insert(response.id);
                if !self.speaking {
                    out.push(Action::state(UiState::Listening));
                }
            }
            _ => {}
        }
        self.flush(&mut out);
        out
    }

    /// The person's click on the overlay's Allow/Deny for question `ask_id`.
    pub fn on_confirm(&mut self, ask_id: u32, allow: bool) -> Vec<Action> {
        if self.closed || self.pending.as_ref().map(|p| p.id) != Some(ask_id) {
            return vec![];
        }
        self.idle.touch();
        let mut out = Vec::new();
        self.decide(if allow { Decision::Allow } else { Decision::Deny }, &mut out);
        self.flush(&mut out);
        out
    }

    pub fn on_page_result(&mut self, request_id: u32, result: &str) -> Vec<Action> {
        let answer = PageResult::read(result);
        if let Some((question, command, plan)) = self.confirmed_runs.remove(&request_id) {
            let mut out = Vec::new();
            // The yes covered one check; the command met another: that is a question of its own.
            if let Some(held) =
                page::confirmation_request(&answer).filter(|h| !command.confirmations().contains(&h.kind))
            {
                self.ask(held.question.clone(), held.kind, command.confirmed(held.kind), plan, &mut out);
                self.tell_model(confirm::next_question_note(&question, &held.question), &mut out);
                self.flush(&mut out);
                return out;
            }
            self.last_allowed = Some(command.unconfirmed());
            let (ok, what) = match calls::on_answer(plan.as_confirmed(), answer) {
                Next::Done(o) => (o.ok, o.summary),
                Next::Page(..) => (false, "Hark lost track of it".to_string()),
            };
            self.tell_model(confirm::decided_note(&question, Decision::Allow, Some((ok, &what))), &mut out);
            self.flush(&mut out);
            return out;
        }
        let holdable = self.holdable.remove(&request_id);
        let Some((call_id, plan)) = self.requests.remove(&request_id) else {
            return vec![];
        };
        if let (Some(command), Some(held)) = (holdable, page::confirmation_request(&answer)) {
            let mut out = Vec::new();
            let asked = command.clone().unconfirmed();
            let waiting = |question: &str, reason: &str| Output {
                text: confirm::held_output(reason, question),
                ok: false,
                summary: format!("waiting for the person: {question}"),
            };
            let output = match &self.pending {
                // The same request again (the model repeating itself) keeps the question as it is.
                Some(p) if p.command.clone().unconfirmed() == asked => {
                    let reason = if p.kind == held.kind {
                        held.reason.as_str()
                    } else {
                        "this needs the person's own confirmation"
                    };
                    waiting(&p.question, reason)
                }
                _ if self.last_allowed.as_ref() == Some(&asked) => Output::error(format!(
                    "the person already said yes to \"{}\" and Hark did it; nothing more to do",
                    held.question
                )),
                _ => {
                    let output = waiting(&held.question, &held.reason);
                    self.ask(held.question, held.kind, command.confirmed(held.kind), plan, &mut out);
                    output
                }
            };
            self.advance(call_id, Next::Done(output), &mut out);
            self.flush(&mut out);
            return out;
        }
        if plan.awaits_collect() {
            if let Some(doc) = answer.as_ref().ok().and_then(|(r, _)| r.doc_id.clone()) {
                self.ref_doc = Some(doc);
            }
        }
        let mut out = Vec::new();
        let next = calls::on_answer(plan, answer);
        self.advance(call_id, next, &mut out);
        self.flush(&mut out);
        out
    }

    /// Show `question` in the overlay; a newer question replaces an unanswered one. A yes sends
    /// `command`, whose `confirmed` names `kind` (and what was said yes to before), nothing more.
    fn ask(&mut self, question: String, kind: Check, command: PageCommand, plan: Plan, out: &mut Vec<Action>) {
        if let Some(old) = self.pending.take() {
            out.push(Action::ask(old.id, &old.question, false));
        }
        self.asks += 1;
        out.push(Action::ask(self.asks, &question, true));
        self.pending = Some(Pending { id: self.asks, question, kind, command, plan });
    }

    fn decide(&mut self, decision: Decision, out: &mut Vec<Action>) {
        let Some(p) = self.pending.take() else { return };
        out.push(Action::ask(p.id, &p.question, false));
        let what = p.question.trim_start_matches("Allow: ");
        match decision {
            Decision::Allow => {
                out.push(Action::transcript(format!("ask-{}", p.id), "tool", format!("Allowed: {what}"), true));
                self.next_request += 1;
                self.confirmed_runs.insert(self.next_request, (p.question, p.command.clone(), p.plan));
                out.push(Action::page(self.next_request, p.command));
            }
            Decision::Deny => {
                out.push(Action::transcript(format!("ask-{}", p.id), "tool", format!("Denied: {what}"), true));
                self.tell_model(confirm::decided_note(&p.question, Decision::Deny, None), out);
            }
        }
    }

    /// A note from Hark to the model, who then gets to speak about it.
    fn tell_model(&mut self, note: String, out: &mut Vec<Action>) {
        out.push(Action::send(&ClientEvent::system_text(note)));
        self.response_wanted = true;
    }

    fn append_line(&mut self, id: &str, delta: &str) -> String {
        let line = self.lines.get_or_default(id.to_string());
        line.push_str(delta);
        line.clone()
    }

    fn start_call(&mut self, response_id: &str, call_id: String, name: String, arguments: &str, out: &mut Vec<Action>) {
        if !self.seen_calls.insert(call_id.clone()) {
            return; // the same call also arrives in output_item.done and response.done
        }
        self.calls.push(Call {
            call_id: call_id.clone(),
            name: name.clone(),
            response_id: response_id.to_string(),
            output: None,
            sent: false,
        });
        let next = match ToolCall::parse(&name, arguments) {
            Ok(call) => calls::start(call),
            Err(e) => Next::Done(Output::error(e.to_string())),
        };
        self.advance(call_id, next, out);
    }

    fn advance(&mut self, call_id: String, next: Next, out: &mut Vec<Action>) {
        match next {
            Next::Page(mut command, plan) => {
                command.set_ref_doc(self.ref_doc.as_deref());
                self.next_request += 1;
                let id = self.next_request;
                if page::may_need_confirmation(&command) {
                    self.holdable.insert(id, command.clone());
                }
                self.requests.insert(id, (call_id, plan));
                out.push(Action::page(id, command));
            }
            Next::Done(output) => {
                if let Some(c) = self.calls.iter_mut().find(|c| c.call_id == call_id) {
                    c.output = Some(output);
                }
            }
        }
    }

    fn flush(&mut self, out: &mut Vec<Action>) {
        // Outputs strictly in call order: a later call waits for an earlier slow one.
        for c in self.calls.iter_mut().filter(|c| !c.sent) {
            let Some(output) = &c.output else { break };
            out.push(Action::send(&ClientEvent::function_output(&c.call_id, &output.text)));
            let mark = if output.ok { "✓" } else { "✗" };
            out.push(Action::transcript(
                format!("tool-{}", c.call_id),
                "tool",
                format!("{mark} {}: {}", c.name, output.summary),
                true,
            ));
            c.sent = true;
        }
        let done = &self.done_responses;
        let finished: Vec<String> = self
            .calls
            .iter()
            .map(|c| c.response_id.clone())
            .filter(|r| done.contains(r) && self.calls.iter().filter(|c| &c.response_id == r).all(|c| c.sent))
            .collect();
        if !finished.is_empty() {
            self.response_wanted = true;
            self.calls.retain(|c| !finished.contains(&c.response_id));
        }
        if self.response_wanted && !self.requested && self.running.is_empty() && self.calls.iter().all(|c| c.sent) {
            self.events_sent += 1;
            let event_id = format!("hark_rc_{}", self.events_sent);
            out.push(Action::send(&ClientEvent::ResponseCreate { event_id: Some(event_id.clone()), response: None }));
            self.response_create_event = Some(event_id);
            self.requested = true;
            self.response_wanted = false;
        }
    }
}

/// The server events `on_server_event` acts on (its match arms): only these are read whole, so the
/// core carries parsing code for these alone. An event missing here is never seen by the session.
fn acts_on(kind: ServerEventKind) -> bool {
    use ServerEventKind as K;
    matches!(
        kind,
        K::Error
            | K::SpeechStarted
            | K::InputTranscriptionDelta
            | K::InputTranscriptionCompleted
            | K::OutputAudioTranscriptDelta
            | K::OutputTextDelta
            | K::OutputAudioTranscriptDone
            | K::OutputTextDone
            | K::ResponseCreated
            | K::OutputAudioBufferStarted
            | K::OutputAudioBufferStopped
            | K::OutputAudioBufferCleared
            | K::FunctionCallArgumentsDone
            | K::OutputItemDone
            | K::ResponseDone
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every option by the name session-host.js writes it with.
    #[test]
    fn every_option_is_read_by_its_session_host_name() {
        let o = SessionOptions::from_json(
            r#"{"session_update":{"type":"realtime"},"local_mode":true,"voice":"marin","instructions":"Be brief.",
                "language":"fr","transcription_model":"gpt-4o-transcribe","model":"gpt-realtime","push_to_talk":true,
                "idle_minutes":2.5,"price":{"text_in":4,"text_in_cached":0.4,"text_out":16,"audio_in":32,
                "audio_in_cached":0.4,"audio_out":64}}"#,
        )
        .unwrap();
        assert_eq!(o.session_update, Some(json!({"type": "realtime"})));
        assert!(o.local_mode && o.push_to_talk);
        assert_eq!((o.voice.as_deref(), o.instructions.as_deref()), (Some("marin"), Some("Be brief.")));
        assert_eq!((o.language.as_deref(), o.transcription_model.as_deref()), (Some("fr"), Some("gpt-4o-transcribe")));
        assert_eq!((o.model.as_deref(), o.idle_minutes), (Some("gpt-realtime"), Some(2.5)));
        assert_eq!(o.price.map(|p| (p.text_in, p.audio_out)), Some((4.0, 64.0)));
        // A price with a rate missing is no price; nulls are absent; text that is not an object is refused.
        let partial =
            SessionOptions::from_json(r#"{"price":{"text_in":4},"session_update":null,"voice":null}"#).unwrap();
        assert!(partial.price.is_none() && partial.session_update.is_none() && partial.voice.is_none());
        assert!(SessionOptions::from_json("[1]").is_err() && SessionOptions::from_json("{").is_err());
    }
    use crate::page::PageCommand;

    fn args_done(resp: &str, call: &str, name: &str, args: &str) -> String {
        json!({"type":"response.function_call_arguments.done","response_id":resp,"item_id":"i","output_index":0,
            "call_id":call,"name":name,"arguments":args})
        .to_string()
    }
    fn created(resp: &str) -> String {
        json!({"type":"response.created","response":{"id":resp,"status":"in_progress","output":[]}}).to_string()
    }
    fn done(resp: &str, calls: &[(&str, &str, &str)]) -> String {
        let output: Vec<Value> = calls
            .iter()
            .map(|(c, n, a)| json!({"type":"function_call","call_id":c,"name":n,"arguments":a,"status":"completed"}))
            .collect();
        json!({"type":"response.done","response":{"id":resp,"status":"completed","output":output}}).to_string()
    }

    /// The client events among `actions`, as (type, call_id or "").
    fn sent(actions: &[Action]) -> Vec<(String, String)> {
        actions
            .iter()
            .filter_map(Action::sent_event)
            .map(|event| {
                (
                    event["type"].as_str().unwrap().to_string(),
                    event["item"]["call_id"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }
    fn pages(actions: &[Action]) -> Vec<(u32, PageCommand)> {
        actions
            .iter()
            .filter_map(|a| if let Action::Page { id, command, .. } = a { Some((*id, command.clone())) } else { None })
            .collect()
    }
    fn output_of(actions: &[Action], call: &str) -> String {
        actions
            .iter()
            .filter_map(Action::sent_event)
            .find(|event| event["item"]["call_id"] == call)
            .map(|event| event["item"]["output"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no output for {call}"))
    }

    #[test]
    fn two_calls_answered_in_order_then_one_response_create_after_done() {
        let mut s = Session::new(SessionOptions::default());
        s.on_server_event(&created("r1"));
        let a1 = s.on_server_event(&args_done("r1", "c1", "changeBackgroundColor", r#"{"color":"navy"}"#));
        let a2 = s.on_server_event(&args_done("r1", "c2", "changeTextColor", r#"{"color":"white"}"#));
        let (id1, _) = pages(&a1)[0].clone();
        let (id2, _) = pages(&a2)[0].clone();
        // The second call's page answers first: nothing may be sent before c1's output.
        let b = s.on_page_result(id2, r#"{"ok":true,"changed":12}"#);
        assert!(sent(&b).is_empty());
        let c = s.on_page_result(id1, r#"{"ok":true,"changed":3}"#);
        assert_eq!(
            sent(&c),
            vec![("conversation.item.create".into(), "c1".into()), ("conversation.item.create".into(), "c2".into())]
        );
        // response.create only once the response is done.
        let d =
            s.on_server_event(&done("r1", &[("c1", "changeBackgroundColor", "{}"), ("c2", "changeTextColor", "{}")]));
        assert_eq!(sent(&d), vec![("response.create".into(), "".into())]);
        // Another response.done (or repeats) never produces a second response.create.
        assert!(sent(&s.on_server_event(&done("r1", &[]))).is_empty());
    }

    #[test]
    fn done_before_results_waits_for_every_output() {
        let mut s = Session::new(SessionOptions::default());
        s.on_server_event(&created("r1"));
        let a = s.on_server_event(&args_done("r1", "c1", "getPageHTML", "{}"));
        let (id, cmd) = pages(&a)[0].clone();
        assert!(matches!(cmd, PageCommand::Collect { buttons_only: false, .. }));
        assert!(sent(&s.on_server_event(&done("r1", &[("c1", "getPageHTML", "{}")]))).is_empty());
        let r = s.on_page_result(
            id,
            r#"{"ok":true,"title":"T","url":"u","nodes":[{"role":"heading","name":"Hello","level":1,"inView":true}]}"#,
        );
        assert_eq!(
            sent(&r),
            vec![("conversation.item.create".into(), "c1".into()), ("response.create".into(), "".into())]
        );
        assert!(output_of(&r, "c1").contains("# Hello"));
    }

    #[test]
    fn odd_arguments_and_unknown_functions_get_error_outputs_not_a_stuck_session() {
        let mut s = Session::new(SessionOptions::default());
        s.on_server_event(&created("r1"));
        let a = s.on_server_event(&args_done("r1", "c1", "changeBackgroundColor", r#"{"color":"blurple"}"#));
        assert!(pages(&a).is_empty(), "invalid color must not touch the page");
        assert!(output_of(&a, "c1").contains("is not a CSS color"));
        let b = s.on_server_event(&args_done("r1", "c2", "launchRockets", "{}"));
        assert!(output_of(&b, "c2").contains("unknown function"));
        let c = s.on_server_event(&args_done("r1", "c3", "changeTextColor", "{not json"));
        assert!(output_of(&c, "c3").contains("JSON object"));
        let d = s.on_server_event(&done("r1", &[]));
        assert_eq!(sent(&d), vec![("response.create".into(), "".into())]);
    }

    #[test]
    fn a_call_seen_only_in_response_done_still_runs() {
        let mut s = Session::new(SessionOptions::default());
        let a = s.on_server_event(&done("r9", &[("c9", "undo", "")]));
        let (id, cmd) = pages(&a)[0].clone();
        assert_eq!(cmd, PageCommand::Undo);
        let r = s.on_page_result(id, r#"{"ok":true,"undone":"changeBackgroundColor","remaining":0}"#);
        assert_eq!(sent(&r).len(), 2);
    }

    #[test]
    fn refs_are_tied_to_the_document_that_handed_them_out() {
        let mut s = Session::new(SessionOptions::default());
        let a = s.on_server_event(&args_done("r1", "c1", "getPageHTML", "{}"));
        let (id, _) = pages(&a)[0].clone();
        s.on_page_result(
            id,
            r#"{"docId":"d-1","ok":true,"nodes":[{"ref":"e3","role":"button","name":"Save","inView":true}]}"#,
        );
        let b = s.on_server_event(&args_done("r2", "c2", "changeButtonStyle", r#"{"target":"e3","size":"large"}"#));
        let (_, cmd) = pages(&b)[0].clone();
        assert!(matches!(cmd, PageCommand::StyleButtons { doc: Some(ref d), .. } if d == "d-1"), "{cmd:?}");
        // So are the actions.
        let b = s.on_server_event(&args_done("r2", "c4", "click", r#"{"target":"e3"}"#));
        let (_, cmd) = pages(&b)[0].clone();
        assert!(matches!(cmd, PageCommand::Click { doc: Some(ref d), .. } if d == "d-1"), "{cmd:?}");
        // And reading on from a ref.
        let b = s.on_server_event(&args_done("r2", "c5", "getPageHTML", r#"{"from":"e3"}"#));
        let (_, cmd) = pages(&b)[0].clone();
        assert!(matches!(cmd, PageCommand::Collect { doc: Some(ref d), .. } if d == "d-1"), "{cmd:?}");
        // Commands without refs are not tied to a document.
        let c = s.on_server_event(&args_done("r3", "c3", "changeTextColor", r#"{"color":"red"}"#));
        assert!(!serde_json::to_string(&pages(&c)[0].1).unwrap().contains("d-1"));
    }

    #[test]
    fn page_failure_is_an_error_output() {
        let mut s = Session::new(SessionOptions::default());
        let a = s.on_server_event(&args_done("r1", "c1", "changeButtonStyle", r#"{"size":"large"}"#));
        let (id, _) = pages(&a)[0].clone();
        let r = s.on_page_result(id, r#"{"ok":false,"error":"the page did not answer within 8 s"}"#);
        assert!(output_of(&r, "c1").contains("did not answer"));
    }

    #[test]
    fn typed_text_waits_for_a_running_response() {
        let mut s = Session::new(SessionOptions::default());
        s.on_server_event(&created("r1"));
        let a = s.on_user_text("make the background navy");
        assert_eq!(sent(&a), vec![("conversation.item.create".into(), "".into())]);
        let b = s.on_server_event(&done("r1", &[]));
        assert_eq!(sent(&b), vec![("response.create".into(), "".into())]);
        // Idle session: text and response.create go together.
        let mut s = Session::new(SessionOptions::default());
        assert_eq!(sent(&s.on_user_text("hi")).len(), 2);
    }

    #[test]
    fn rejected_response_create_is_retried_after_the_running_response() {
        let mut s = Session::new(SessionOptions::default());
        let a = s.on_user_text("hi");
        let Some(event) = a[2].sent_event() else { panic!("{a:?}") };
        let eid = event["event_id"].as_str().unwrap().to_string();
        let err = json!({"type":"error","error":{"type":"invalid_request_error","code":"conversation_already_has_active_response","message":"busy","event_id":eid}});
        let e = s.on_server_event(&err.to_string());
        assert!(sent(&e).is_empty());
        s.on_server_event(&created("r2"));
        assert_eq!(sent(&s.on_server_event(&done("r2", &[]))).len(), 1);
    }

    #[test]
    fn a_response_ending_while_ours_runs_does_not_start_another() {
        // Found by fuzzing (fuzz/tests/core.rs): ours (r2) started, another response (r1) started
        // and ended with a call; answering the call sent a second response.create while r2 ran.
        let mut s = Session::new(SessionOptions::default());
        assert_eq!(sent(&s.on_user_text("hi")).last().unwrap().0, "response.create");
        s.on_server_event(&created("r2"));
        s.on_server_event(&created("r1"));
        let a = s.on_server_event(&done("r1", &[("c1", "undo", "")]));
        let (id, _) = pages(&a)[0].clone();
        let r = s.on_page_result(id, r#"{"ok":true,"undone":"changeBackgroundColor","remaining":0}"#);
        assert_eq!(sent(&r), vec![("conversation.item.create".into(), "c1".into())], "r2 still runs");
        assert_eq!(sent(&s.on_server_event(&done("r2", &[]))), vec![("response.create".into(), "".into())]);
    }

    fn ui_error(actions: &[Action]) -> Option<UiError> {
        actions.iter().find_map(|a| if let Action::Ui(u) = a { u.error.clone() } else { None })
    }

    #[test]
    fn the_persons_language_goes_to_the_transcription_and_the_model() {
        let mut s = Session::new(SessionOptions {
            language: Some("fr".into()),
            transcription_model: Some("gpt-4o-mini-transcribe".into()),
            ..Default::default()
        });
        let events: Vec<Value> = s.on_channel_open().iter().filter_map(Action::sent_event).collect();
        let update = events.iter().find(|e| e["type"] == "session.update").expect("a session.update");
        assert_eq!(
            update["session"]["audio"]["input"]["transcription"],
            json!({"model": "gpt-4o-mini-transcribe", "language": "fr"})
        );
        assert!(update["session"].get("instructions").is_none(), "the instructions stay the companion's");
        let note = events.iter().find(|e| e["type"] == "conversation.item.create").expect("a note for the model");
        assert_eq!(note["item"]["role"], "system");
        assert!(note["item"]["content"][0]["text"].as_str().unwrap().contains("answer them in French"));
        // Automatic: nothing is sent.
        let mut s = Session::new(SessionOptions::default());
        assert!(s.on_channel_open().iter().all(|a| a.sent_event().is_none()));
        // Beta: its transcription takes no language (the beta schema); the model's note goes.
        let beta = json!({"voice":"marin","input_audio_transcription":{"model":"whisper-1"}});
        let mut s = Session::new(SessionOptions {
            session_update: Some(beta),
            language: Some("de-AT".into()),
            ..Default::default()
        });
        let events: Vec<Value> = s.on_channel_open().iter().filter_map(Action::sent_event).collect();
        let update = events.iter().find(|e| e["type"] == "session.update").unwrap();
        assert_eq!(update["session"]["input_audio_transcription"], json!({"model":"whisper-1"}));
        assert!(events.iter().any(|e| e["item"]["content"][0]["text"].as_str().is_some_and(|t| t.contains("German"))));
    }

    #[test]
    fn a_language_that_is_not_a_code_is_said_and_nothing_is_sent_for_it() {
        let mut s = Session::new(SessionOptions {
            language: Some("Klingon".into()),
            transcription_model: Some("gpt-4o-mini-transcribe".into()),
            ..Default::default()
        });
        let a = s.on_channel_open();
        let e = ui_error(&a).expect("words for the person");
        assert!(!e.fatal && e.message.contains("Klingon") && e.message.contains("ISO 639-1"), "{e:?}");
        assert!(a.iter().all(|a| a.sent_event().is_none()), "{a:?}");
    }

    fn mic(actions: &[Action]) -> Option<bool> {
        actions.iter().rev().find_map(|a| if let Action::Mic { open } = a { Some(*open) } else { None })
    }

    #[test]
    fn push_to_talk_commits_the_held_turn_and_asks_for_one_answer() {
        let mut s = Session::new(SessionOptions { push_to_talk: true, ..Default::default() });
        let open = s.on_channel_open();
        let update = open.iter().filter_map(Action::sent_event).find(|e| e["type"] == "session.update").unwrap();
        assert_eq!(update["session"]["audio"]["input"]["turn_detection"], Value::Null);
        assert!(update["session"]["audio"]["input"].as_object().unwrap().contains_key("turn_detection"));
        assert_eq!(mic(&open), Some(false), "the microphone starts closed");
        // Held for a second: the buffer is cleared on the way down, committed on the way up.
        let down = s.on_talk(true, 1000.0);
        assert_eq!(sent(&down), vec![("input_audio_buffer.clear".into(), "".into())]);
        assert_eq!(mic(&down), Some(true));
        assert!(s.on_talk(true, 1100.0).is_empty(), "a repeating key is one press");
        let up = s.on_talk(false, 2000.0);
        assert_eq!(mic(&up), Some(false));
        assert_eq!(
            sent(&up),
            vec![("input_audio_buffer.commit".into(), "".into()), ("response.create".into(), "".into())]
        );
        // While a response runs, the next turn's answer waits for it.
        s.on_server_event(&created("r1"));
        s.on_talk(true, 3000.0);
        let up = s.on_talk(false, 4000.0);
        assert_eq!(sent(&up), vec![("input_audio_buffer.commit".into(), "".into())]);
        assert_eq!(sent(&s.on_server_event(&done("r1", &[]))), vec![("response.create".into(), "".into())]);
        // A tap commits nothing and says how to talk.
        s.on_talk(true, 5000.0);
        let tap = s.on_talk(false, 5100.0);
        assert_eq!(sent(&tap), vec![("input_audio_buffer.clear".into(), "".into())]);
        assert!(format!("{tap:?}").contains(TALK_HINT));
        // Open microphone mode: the button does nothing, and nothing changes on open.
        let mut s = Session::new(SessionOptions::default());
        assert_eq!(mic(&s.on_channel_open()), None);
        assert!(s.on_talk(true, 0.0).is_empty());
    }

    #[test]
    fn an_unused_session_stops_after_the_idle_time_and_says_so() {
        let mut s = Session::new(SessionOptions { idle_minutes: Some(1.0), ..Default::default() });
        s.on_channel_open();
        assert!(s.on_tick(0.0, false).is_empty());
        assert!(s.on_tick(50_000.0, false).is_empty());
        // Typing, the person's speech and the model speaking each count as use.
        s.on_user_text("make the background navy");
        assert!(s.on_tick(55_000.0, false).is_empty());
        assert!(s.on_tick(110_000.0, false).is_empty());
        s.on_server_event(r#"{"type":"input_audio_buffer.speech_started","audio_start_ms":0,"item_id":"i"}"#);
        assert!(s.on_tick(111_000.0, false).is_empty());
        assert!(s.on_tick(170_000.0, true).is_empty(), "the model speaking");
        let stop = s.on_tick(230_001.0, false);
        let e = ui_error(&stop).expect("words");
        assert!(e.fatal && e.title.contains("1 minute"), "{e:?}");
        assert!(s.on_tick(400_000.0, false).is_empty(), "said once");
        // 0 means never.
        let mut s = Session::new(SessionOptions { idle_minutes: Some(0.0), ..Default::default() });
        s.on_tick(0.0, false);
        assert!(s.on_tick(1e9, false).is_empty());
    }

    #[test]
    fn beta_session_update_is_sent_with_the_persons_voice() {
        let mut s = Session::new(SessionOptions {
            session_update: Some(json!({"modalities":["audio","text"],"voice":"marin"})),
            voice: Some("cedar".into()),
            ..Default::default()
        });
        let a = s.on_channel_open();
        let Some(event) = a[1].sent_event() else { panic!() };
        assert_eq!(event["type"], "session.update");
        assert_eq!(event["session"]["voice"], "cedar");
        assert_eq!(Session::new(SessionOptions::default()).on_channel_open().len(), 1);
    }

    #[test]
    fn transcripts_accumulate_and_errors_have_words() {
        let mut s = Session::new(SessionOptions::default());
        s.on_server_event(r#"{"type":"response.output_audio_transcript.delta","item_id":"a1","delta":"Hel"}"#);
        let a = s.on_server_event(r#"{"type":"response.output_audio_transcript.delta","item_id":"a1","delta":"lo"}"#);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json[0]["transcript"]["text"], "Hello");
        assert_eq!(json[0]["kind"], "ui");
        let e = s.on_server_event(r#"{"type":"error","error":{"type":"server_error","message":"Upstream hiccup"}}"#);
        assert_eq!(serde_json::to_value(&e).unwrap()[0]["error"]["message"], "Upstream hiccup");
        let c = s.on_channel_closed("");
        assert!(serde_json::to_value(&c).unwrap()[1]["error"]["message"].as_str().unwrap().contains("closed"));
        assert!(s.on_server_event(&created("r5")).is_empty());
    }

    /// A typeText into a password field: held by the executor, asked, then answered by `answer`.
    fn held_password(s: &mut Session) -> Vec<Action> {
        s.on_server_event(&created("r1"));
        let a = s.on_server_event(&args_done("r1", "c1", "typeText", r#"{"target":"e3","text":"hunter2"}"#));
        let (id, _) = pages(&a)[0].clone();
        s.on_server_event(&done("r1", &[("c1", "typeText", "{}")]));
        let a = s.on_page_result(id, r#"{"ok":false,"needsConfirmation":true,"kind":"sensitiveField","question":"Allow: type into Password?","error":"typing into \"Password\" needs the person's own confirmation"}"#);
        // The model answers the output ("please say yes to…") in a response of its own.
        s.on_server_event(&created("r2"));
        s.on_server_event(&done("r2", &[]));
        a
    }
    fn asks(actions: &[Action]) -> Vec<Value> {
        serde_json::to_value(actions)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a.get("ask").is_some())
            .map(|a| a["ask"].clone())
            .collect()
    }
    fn notes(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(Action::sent_event)
            .filter(|e| e["item"]["role"] == "system")
            .map(|e| e["item"]["content"][0]["text"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn held_action_is_asked_and_the_model_told_to_wait() {
        let mut s = Session::new(SessionOptions::default());
        let a = held_password(&mut s);
        let out = output_of(&a, "c1");
        assert!(
            out.contains("needsConfirmation") && out.contains("Do not call this again") && !out.contains("hunter2"),
            "{out}"
        );
        assert_eq!(asks(&a), vec![json!({"id":1,"open":true,"question":"Allow: type into Password?"})]);
        // The model's own "yes" (its speech transcript) answers nothing.
        let m =
            s.on_server_event(r#"{"type":"response.output_audio_transcript.done","item_id":"a9","transcript":"Yes."}"#);
        assert!(pages(&m).is_empty() && asks(&m).is_empty());
        // A click on a question that is no longer shown answers nothing either.
        assert!(s.on_confirm(7, true).is_empty());
    }

    #[test]
    fn spoken_yes_runs_the_held_command_and_tells_the_model() {
        let mut s = Session::new(SessionOptions::default());
        held_password(&mut s);
        let a = s.on_server_event(r#"{"type":"conversation.item.input_audio_transcription.completed","item_id":"u1","content_index":0,"transcript":"Yes, go ahead."}"#);
        let p = pages(&a);
        assert_eq!(p.len(), 1, "{a:?}");
        assert_eq!(
            serde_json::to_value(&p[0].1).unwrap(),
            json!({"op":"typeText","ref":"e3","text":"hunter2","submit":false,"confirmed":["sensitiveField"]})
        );
        assert_eq!(asks(&a)[0]["open"], false);
        let r = s.on_page_result(p[0].0, r#"{"ok":true,"label":"Password","role":"textbox"}"#);
        let n = notes(&r);
        assert!(n.len() == 1 && n[0].contains("said yes") && n[0].contains("Typed 7 characters"), "{n:?}");
        assert!(!n[0].contains("hunter2"));
        assert_eq!(sent(&r).last().unwrap().0, "response.create");
        // Answered once: a second yes is just speech.
        let again = s.on_server_event(r#"{"type":"conversation.item.input_audio_transcription.completed","item_id":"u2","content_index":0,"transcript":"yes"}"#);
        assert!(pages(&again).is_empty());
    }

    #[test]
    fn typed_no_or_deny_click_drops_it_and_tells_the_model() {
        let mut s = Session::new(SessionOptions::default());
        held_password(&mut s);
        let a = s.on_user_text("no");
        assert!(pages(&a).is_empty());
        assert!(notes(&a)[0].contains("said no"), "{a:?}");
        assert!(!sent(&a).iter().any(|(t, _)| t == "conversation.item.create" && notes(&a).is_empty()));
        let mut s = Session::new(SessionOptions::default());
        held_password(&mut s);
        // Other typed text goes to the model and leaves the question open.
        let b = s.on_user_text("make the background navy");
        assert!(pages(&b).is_empty() && asks(&b).is_empty());
        let c = s.on_confirm(1, false);
        assert!(notes(&c)[0].contains("said no"));
        assert!(s.on_confirm(1, true).is_empty(), "answered twice");
    }

    #[test]
    fn allow_click_runs_it_even_when_it_then_fails() {
        let mut s = Session::new(SessionOptions::default());
        held_password(&mut s);
        let a = s.on_confirm(1, true);
        let (id, cmd) = pages(&a)[0].clone();
        assert!(matches!(cmd, PageCommand::TypeText { confirmed, .. } if confirmed == [Check::SensitiveField]));
        let r = s.on_page_result(id, r#"{"ok":false,"error":"ref e3 is stale: call getPageHTML again"}"#);
        assert!(notes(&r)[0].contains("could not be done") && notes(&r)[0].contains("stale"), "{r:?}");
    }

    /// A yes covers that action on that element: when the page replaced the element a label
    /// matched before the confirmed command reached it, the model hears so; Hark does not list the
    /// page and act on the new element unasked (unconfirmed, a replaced element is listed again).
    #[test]
    fn a_confirmed_action_on_a_label_is_not_listed_again() {
        let mut s = Session::new(SessionOptions::default());
        s.on_server_event(&created("r1"));
        let r = s.on_server_event(&args_done("r1", "c1", "typeText", r#"{"target":"Password","text":"hunter2"}"#));
        let (id, cmd) = pages(&r)[0].clone();
        assert!(matches!(cmd, PageCommand::Collect { .. }), "{cmd:?}");
        let listing =
            r#"{"ok":true,"docId":"d1","nodes":[{"ref":"e3","role":"textbox","name":"Password","sensitive":true}]}"#;
        let r = s.on_page_result(id, listing);
        let (id, _) = pages(&r)[0].clone();
        let held = r#"{"ok":false,"needsConfirmation":true,"kind":"sensitiveField","question":"Allow: type into Password?","error":"needs the person's own confirmation"}"#;
        assert_eq!(asks(&s.on_page_result(id, held)).len(), 1);
        let (id, _) = pages(&s.on_confirm(1, true))[0].clone();
        let stale = r#"{"ok":false,"stale":true,"error":"ref e3 is stale: that element is no longer on the page."}"#;
        let r = s.on_page_result(id, stale);
        assert!(pages(&r).is_empty(), "listed again after a yes: {r:?}");
        assert!(notes(&r)[0].contains("could not be done") && notes(&r)[0].contains("stale"), "{r:?}");
    }

    #[test]
    fn the_model_repeating_a_held_call_asks_once_and_never_reruns_an_answered_one() {
        let mut s = Session::new(SessionOptions::default());
        held_password(&mut s);
        let held = r#"{"ok":false,"needsConfirmation":true,"kind":"sensitiveField","question":"Allow: type into Password?","error":"needs the person's own confirmation"}"#;
        let a = s.on_server_event(&args_done("r3", "c3", "typeText", r#"{"target":"e3","text":"hunter2"}"#));
        let r = s.on_page_result(pages(&a)[0].0, held);
        assert!(asks(&r).is_empty(), "asked twice: {r:?}");
        let y = s.on_confirm(1, true);
        s.on_page_result(pages(&y)[0].0, r#"{"ok":true,"label":"Password","role":"textbox"}"#);
        // After the yes, the model asks again (it heard "yes" too): nothing is asked or re-run.
        let a = s.on_server_event(&args_done("r4", "c4", "typeText", r#"{"target":"e3","text":"hunter2"}"#));
        let r = s.on_page_result(pages(&a)[0].0, held);
        assert!(asks(&r).is_empty() && pages(&r).is_empty());
        assert!(output_of(&r, "c4").contains("already said yes"), "{r:?}");
        // A different text is a new request: asked again.
        let a = s.on_server_event(&args_done("r5", "c5", "typeText", r#"{"target":"e3","text":"other"}"#));
        let r = s.on_page_result(pages(&a)[0].0, held);
        assert_eq!(asks(&r).len(), 1);
    }

    const HELD_SEND: &str = r#"{"ok":false,"needsConfirmation":true,"kind":"crossOriginForm","question":"Allow: send this form to https://partner.example?","error":"Typed the text into \"Password\", but sending this form to another site needs the person's own confirmation"}"#;

    /// typeText {submit} into a password field of a form that posts to another site: the yes to
    /// "type into Password?" covers the typing only; sending the form is a question of its own.
    fn held_password_then_send(s: &mut Session) -> Vec<Action> {
        s.on_server_event(&created("r1"));
        let a =
            s.on_server_event(&args_done("r1", "c1", "typeText", r#"{"target":"e3","text":"hunter2","submit":true}"#));
        let (id, _) = pages(&a)[0].clone();
        s.on_server_event(&done("r1", &[("c1", "typeText", "{}")]));
        s.on_page_result(id, r#"{"ok":false,"needsConfirmation":true,"kind":"sensitiveField","question":"Allow: type into Password?","error":"needs the person's own confirmation"}"#);
        s.on_server_event(&created("r2"));
        s.on_server_event(&done("r2", &[]));
        let y = s.on_user_text("yes");
        let p = pages(&y);
        assert_eq!(
            serde_json::to_value(&p[0].1).unwrap()["confirmed"],
            json!(["sensitiveField"]),
            "the yes covers the typing only"
        );
        s.on_page_result(p[0].0, HELD_SEND)
    }

    #[test]
    fn a_yes_covers_only_its_question_and_the_next_check_is_asked_again() {
        let mut s = Session::new(SessionOptions::default());
        let a = held_password_then_send(&mut s);
        assert!(pages(&a).is_empty(), "nothing more runs on the first yes: {a:?}");
        assert_eq!(
            asks(&a),
            vec![json!({"id":2,"open":true,"question":"Allow: send this form to https://partner.example?"})]
        );
        let n = notes(&a);
        assert!(
            n.len() == 1
                && n[0].contains("covers only that")
                && n[0].contains("send this form to https://partner.example"),
            "{n:?}"
        );
        assert!(!n[0].contains("hunter2"));
        // The model repeating its call keeps the second question as it is.
        s.on_server_event(&created("r3"));
        let r =
            s.on_server_event(&args_done("r3", "c3", "typeText", r#"{"target":"e3","text":"hunter2","submit":true}"#));
        let again = s.on_page_result(pages(&r)[0].0, r#"{"ok":false,"needsConfirmation":true,"kind":"sensitiveField","question":"Allow: type into Password?","error":"needs the person's own confirmation"}"#);
        assert!(asks(&again).is_empty() && pages(&again).is_empty(), "{again:?}");
        // The second yes covers both, and only now is the form sent.
        let y = s.on_confirm(2, true);
        let p = pages(&y);
        assert_eq!(serde_json::to_value(&p[0].1).unwrap()["confirmed"], json!(["sensitiveField", "crossOriginForm"]));
        let r = s.on_page_result(p[0].0, r#"{"ok":true,"label":"Password","role":"textbox","navigating":true}"#);
        let n = notes(&r);
        assert!(n.len() == 1 && n[0].contains("said yes to \"send this form") && n[0].contains("Hark did it"), "{n:?}");
    }

    #[test]
    fn no_to_the_second_question_sends_nothing() {
        let mut s = Session::new(SessionOptions::default());
        held_password_then_send(&mut s);
        let n = s.on_user_text("no");
        assert!(pages(&n).is_empty() && notes(&n)[0].contains("said no to \"send this form"), "{n:?}");
        // The model asking again is asked again: the person never said yes to sending it.
        s.on_server_event(&created("r3"));
        let r =
            s.on_server_event(&args_done("r3", "c3", "typeText", r#"{"target":"e3","text":"hunter2","submit":true}"#));
        let a = s.on_page_result(pages(&r)[0].0, r#"{"ok":false,"needsConfirmation":true,"kind":"sensitiveField","question":"Allow: type into Password?","error":"needs the person's own confirmation"}"#);
        assert_eq!(asks(&a).len(), 1, "{a:?}");
    }

    #[test]
    fn a_check_said_yes_to_that_holds_again_or_none_named_is_a_failure_not_a_question() {
        // The executor holding a command for a check its `confirmed` already names: no loop of questions.
        let mut s = Session::new(SessionOptions::default());
        held_password(&mut s);
        let y = s.on_confirm(1, true);
        let r = s.on_page_result(pages(&y)[0].0, r#"{"ok":false,"needsConfirmation":true,"kind":"sensitiveField","question":"Allow: type into Password?","error":"needs the person's own confirmation"}"#);
        assert!(asks(&r).is_empty() && notes(&r)[0].contains("could not be done"), "{r:?}");
        // A held answer that names no known check cannot be said yes to: the call fails.
        for result in [
            r#"{"ok":false,"needsConfirmation":true,"question":"Allow: type into Password?","error":"needs the person's own confirmation"}"#,
            r#"{"ok":false,"needsConfirmation":true,"kind":"everything","question":"Allow: anything?","error":"needs the person's own confirmation"}"#,
        ] {
            let mut s = Session::new(SessionOptions::default());
            s.on_server_event(&created("r1"));
            let a = s.on_server_event(&args_done("r1", "c1", "typeText", r#"{"target":"e3","text":"hunter2"}"#));
            s.on_server_event(&done("r1", &[("c1", "typeText", "{}")]));
            let r = s.on_page_result(pages(&a)[0].0, result);
            assert!(asks(&r).is_empty() && pages(&r).is_empty(), "{r:?}");
            let out = output_of(&r, "c1");
            assert!(out.contains("\"ok\":false") && !out.contains("Hark is asking"), "{out}");
        }
    }
}
