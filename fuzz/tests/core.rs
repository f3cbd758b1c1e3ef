//! Fuzz targets in hark-core: the session over random event sequences, page result handling,
//! snapshot formatting over random page trees, label matching.

use std::collections::{BTreeSet, HashMap, HashSet};

use hark_core::action::{to_json, Action, UiUpdate};
use hark_core::calls::{self, Next, Plan};
use hark_core::labels;
use hark_core::page::{self, PageCommand, PageResult};
use hark_core::snapshot::{self, RawNode};
use hark_core::{Session, SessionOptions};
use hark_fuzz::proptest::prelude::*;
use hark_fuzz::proptest::sample::{select, Index};
use hark_fuzz::{events, fuzz, mutate, page as pages, tools};
use hark_protocol::events::{Item, ServerEvent};
use hark_protocol::tools::ToolCall;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// The session

/// What the server sends, with ids from small pools so that responses and calls meet again.
#[derive(Debug, Clone)]
enum Ev {
    Created {
        resp: u8,
    },
    Done {
        resp: u8,
        calls: Vec<(u8, String, String)>,
    },
    ArgsDone {
        resp: u8,
        call: u8,
        name: String,
        args: String,
    },
    ItemDone {
        resp: u8,
        call: u8,
        name: String,
        args: String,
    },
    /// An error about the session's last `response.create` (`busy`: the server already runs one).
    ErrorForOurs {
        busy: bool,
    },
    Error {
        code: Option<String>,
        event_id: Option<String>,
    },
    /// The person's own speech, transcribed.
    Heard(String),
    /// The model's speech.
    Said(String),
    SpeechStarted,
    AudioStarted,
    AudioStopped,
    /// Any text: a mutated, reshaped or random event.
    Raw(String),
}

#[derive(Debug, Clone)]
enum Op {
    Event(Ev),
    /// Answer one of the page requests waiting (picked by index) with a result of this kind.
    Answer {
        pick: Index,
        result: Answer,
    },
    /// A result for a request id the session never gave out (or already got).
    StrayResult {
        id: u32,
        result: String,
    },
    Typed(String),
    /// A click on Allow/Deny: on the question shown last, or on any id.
    Click {
        latest: bool,
        id: u32,
        allow: bool,
    },
    Open,
    Close,
    /// Push-to-talk: the Talk button goes down or up, this many ms after the last step.
    Talk {
        pressed: bool,
        after_ms: f64,
    },
    /// The host's clock moves on by this many ms (the model speaking or not).
    Tick {
        ms: f64,
        speaking: bool,
    },
}

/// How the page answers.
#[derive(Debug, Clone)]
enum Answer {
    /// The right kind of success for the command (a page for `collect`, …).
    Fitting {
        labels_from_call: bool,
        nodes: Vec<RawNode>,
        doc: Option<u8>,
        extra: Value,
    },
    /// The executor holds it for the person's yes.
    NeedsYes {
        question: String,
        kind: Option<&'static str>,
    },
    Fails(String),
    /// Any result text.
    Text(String),
}

fn call_name_and_args() -> BoxedStrategy<(String, String)> {
    tools::call()
}

fn ev() -> impl Strategy<Value = Ev> {
    let call = (0u8..4, 0u8..10, call_name_and_args());
    prop_oneof![
        4 => (0u8..4).prop_map(|resp| Ev::Created { resp }),
        4 => (0u8..4, proptest::collection::vec((0u8..10, call_name_and_args()), 0..3))
            .prop_map(|(resp, calls)| Ev::Done { resp, calls: calls.into_iter().map(|(c, (n, a))| (c, n, a)).collect() }),
        6 => call.clone().prop_map(|(resp, call, (name, args))| Ev::ArgsDone { resp, call, name, args }),
        2 => call.prop_map(|(resp, call, (name, args))| Ev::ItemDone { resp, call, name, args }),
        2 => any::<bool>().prop_map(|busy| Ev::ErrorForOurs { busy }),
        1 => (proptest::option::of(select(&["conversation_already_has_active_response", "server_error", ""][..]).prop_map(str::to_string)),
            proptest::option::of(select(&["hark_rc_1", "hark_rc_2", "x"][..]).prop_map(str::to_string)))
            .prop_map(|(code, event_id)| Ev::Error { code, event_id }),
        3 => prop_oneof![
            select(&["yes", "Yes, go ahead.", "no", "No thanks", "allow", "cancel", "yes but not that", "make it navy"][..]).prop_map(str::to_string),
            mutate::odd_string(),
        ].prop_map(Ev::Heard),
        1 => select(&["Yes.", "No.", "Done."][..]).prop_map(|s| Ev::Said(s.to_string())),
        1 => Just(Ev::SpeechStarted),
        1 => Just(Ev::AudioStarted),
        1 => Just(Ev::AudioStopped),
        2 => events::event_text().prop_map(Ev::Raw),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        8 => (prop::bool::weighted(0.7), proptest::collection::vec(pages::node(), 0..12), proptest::option::of(0u8..3), pages::ok_fields())
            .prop_map(|(labels_from_call, nodes, doc, extra)| Answer::Fitting { labels_from_call, nodes, doc, extra }),
        3 => (
            select(&["Allow: type into Password?", "Allow: send the form to other.example?", "Allow: open other.example?", ""][..]),
            proptest::option::weighted(0.9, select(&["sensitiveField", "crossOriginForm", "dataInUrl", "all"][..])),
        )
            .prop_map(|(q, kind)| Answer::NeedsYes { question: q.to_string(), kind }),
        1 => mutate::odd_string().prop_map(Answer::Fails),
        1 => pages::result_text().prop_map(Answer::Text),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => ev().prop_map(Op::Event),
        10 => (any::<Index>(), answer()).prop_map(|(pick, result)| Op::Answer { pick, result }),
        1 => (0u32..50, pages::result_text()).prop_map(|(id, result)| Op::StrayResult { id, result }),
        2 => prop_oneof![
            select(&["yes", "no", "Yes please", "don't", "make the background navy", "click Save", ""][..]).prop_map(str::to_string),
            mutate::odd_string(),
        ].prop_map(Op::Typed),
        2 => (prop::bool::weighted(0.8), 0u32..6, any::<bool>()).prop_map(|(latest, id, allow)| Op::Click { latest, id, allow }),
        1 => Just(Op::Open),
        1 => prop::bool::weighted(0.1).prop_map(|close| if close { Op::Close } else { Op::Open }),
        2 => (prop_oneof![Just(250.0), 0.0..400_000.0f64], prop::bool::weighted(0.2))
            .prop_map(|(ms, speaking)| Op::Tick { ms, speaking }),
        2 => (any::<bool>(), prop_oneof![Just(50.0), 0.0..5_000.0f64])
            .prop_map(|(pressed, after_ms)| Op::Talk { pressed, after_ms }),
    ]
}

fn options() -> impl Strategy<Value = SessionOptions> {
    (
        proptest::option::weighted(0.2, Just(json!({"modalities":["audio","text"],"voice":"marin"}))),
        any::<bool>(),
        proptest::option::of(select(&["cedar", "", " "][..]).prop_map(str::to_string)),
        proptest::option::of(mutate::odd_string()),
        proptest::option::of(prop_oneof![
            select(&["fr", "pt-BR", "qu", "", "French"][..]).prop_map(str::to_string),
            mutate::odd_string(),
        ]),
        proptest::option::of(select(&["gpt-4o-mini-transcribe", ""][..]).prop_map(str::to_string)),
        proptest::option::of(prop_oneof![Just(0.0), Just(f64::NAN), Just(-1.0), Just(f64::INFINITY), 0.001..30.0f64]),
        prop::bool::weighted(0.5),
    )
        .prop_map(
            |(
                session_update,
                local_mode,
                voice,
                instructions,
                language,
                transcription_model,
                idle_minutes,
                push_to_talk,
            )| {
                SessionOptions {
                    session_update,
                    local_mode,
                    voice,
                    instructions,
                    language,
                    transcription_model,
                    idle_minutes,
                    push_to_talk,
                    // Odd usage in response.done (fuzzed events) is priced with a real rate.
                    model: Some("gpt-realtime".into()),
                    price: hark_protocol::prices::price_of("gpt-realtime"),
                }
            },
        )
}

/// The label a call names (its `target`), for pages whose elements should match it.
fn label_of(args: &str) -> Option<String> {
    let v: Value = serde_json::from_str(args).ok()?;
    ["target", "ref", "label"].iter().find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
}

/// Roles a page command's label plan looks among, for a fitting page.
fn role_for(name: &str) -> &'static str {
    match name {
        "typeText" => "textbox",
        "selectOption" => "combobox",
        "setChecked" => "checkbox",
        _ => "button",
    }
}

/// The session under test and what the fuzzer knows about it: the spec's bookkeeping.
struct Driver {
    s: Session,
    open: bool,
    /// Page requests given out and not answered yet: id → (command, the call's name and args).
    waiting: Vec<(u32, PageCommand)>,
    given_out: HashSet<u32>,
    /// The call that led to each request (for fitting pages): request id → label.
    label_for: HashMap<u32, (String, String)>,
    /// Calls the session was told about while the channel was open, in order of arrival.
    calls: Vec<String>,
    call_names: HashMap<String, (String, String)>,
    outputs: HashMap<String, u32>,
    output_order: Vec<String>,
    /// The `response.create` the session sent and the server has not finished or refused:
    /// `Some(None)` before its `response.created`, `Some(Some(id))` after.
    in_flight: Option<Option<String>>,
    last_create: Option<String>,
    asks_open: BTreeSet<u32>,
    last_ask: u32,
    steps: u32,
    clock: f64,
    /// Tokens the cost meter showed last.
    metered: u64,
    /// Push-to-talk: the microphone as the session last set it.
    mic_open: bool,
    /// The session ended itself (the idle stop): it must stay quiet from then on.
    stopped: bool,
}

impl Driver {
    fn new(options: SessionOptions) -> Driver {
        Driver {
            s: Session::new(options),
            open: true,
            waiting: Vec::new(),
            given_out: HashSet::new(),
            label_for: HashMap::new(),
            calls: Vec::new(),
            call_names: HashMap::new(),
            outputs: HashMap::new(),
            output_order: Vec::new(),
            in_flight: None,
            last_create: None,
            asks_open: BTreeSet::new(),
            last_ask: 0,
            steps: 0,
            clock: 0.0,
            metered: 0,
            mic_open: false,
            stopped: false,
        }
    }

    /// Checks what the session did against the spec, and records it.
    fn took(&mut self, actions: Vec<Action>, cause: &str) -> Result<(), TestCaseError> {
        self.steps += 1;
        let _ = to_json(&actions);
        for a in actions {
            match a {
                Action::Send { text, output_of } => {
                    let e: Value = serde_json::from_str(&text)
                        .map_err(|e| TestCaseError::fail(format!("sent text is not JSON ({e}): {text}")))?;
                    match e["type"].as_str().unwrap_or("") {
                        "response.create" => {
                            prop_assert!(
                                self.in_flight.is_none(),
                                "a second response.create while {:?} is in flight (after {})",
                                self.in_flight,
                                cause
                            );
                            self.in_flight = Some(None);
                            self.last_create = e["event_id"].as_str().map(str::to_string);
                        }
                        "conversation.item.create" if e["item"]["type"] == "function_call_output" => {
                            let id = e["item"]["call_id"].as_str().unwrap_or("").to_string();
                            prop_assert_eq!(output_of.as_deref(), Some(id.as_str()));
                            prop_assert!(
                                self.call_names.contains_key(&id),
                                "output for a call never made: {} (after {})",
                                id,
                                cause
                            );
                            let n = self.outputs.entry(id.clone()).or_default();
                            *n += 1;
                            prop_assert!(*n == 1, "call {} answered {} times (after {})", id, n, cause);
                            self.output_order.push(id);
                        }
                        "conversation.item.create"
                        | "session.update"
                        | "input_audio_buffer.clear"
                        | "input_audio_buffer.commit" => {}
                        other => prop_assert!(false, "sent a {} event", other),
                    }
                }
                Action::Page { id, command, rereadable } => {
                    prop_assert!(self.given_out.insert(id), "request id {} given out twice", id);
                    prop_assert_eq!(rereadable, command.only_reads());
                    self.waiting.push((id, command));
                }
                Action::Ui(UiUpdate { ask: Some(ask), .. }) => {
                    if ask.open {
                        prop_assert!(!ask.question.trim().is_empty());
                        prop_assert!(self.asks_open.is_empty(), "two questions open at once");
                        self.asks_open.insert(ask.id);
                        self.last_ask = ask.id;
                    } else {
                        prop_assert!(self.asks_open.remove(&ask.id), "closed question {} was not open", ask.id);
                    }
                }
                Action::Ui(UiUpdate { usage: Some(m), .. }) => {
                    prop_assert!(m.cost_usd.is_some_and(|c| c.is_finite() && c >= 0.0), "the meter shows {:?}", m);
                    prop_assert!(m.tokens >= self.metered, "the meter went back from {} to {}", self.metered, m.tokens);
                    self.metered = m.tokens;
                }
                Action::Ui(_) => {}
                Action::Mic { open } => self.mic_open = open,
            }
        }
        Ok(())
    }

    /// Feeds one server event's text; tracks the calls it names and what it does to the response
    /// in flight, as the Realtime API defines them.
    fn event(&mut self, text: &str) -> Result<(), TestCaseError> {
        if self.open {
            match ServerEvent::parse(text) {
                Ok(ServerEvent::FunctionCallArgumentsDone { call_id, name, arguments, .. })
                | Ok(ServerEvent::OutputItemDone {
                    item: Item::FunctionCall { call_id, name, arguments, .. }, ..
                }) => self.call(call_id, name, arguments),
                Ok(ServerEvent::ResponseDone { response, .. }) => {
                    for item in &response.output {
                        if let Item::FunctionCall { call_id, name, arguments, .. } = item {
                            self.call(call_id.clone(), name.clone(), arguments.clone());
                        }
                    }
                    if matches!(&self.in_flight, Some(None)) || self.in_flight == Some(Some(response.id.clone())) {
                        self.in_flight = None;
                    }
                }
                // The first response after the request is the one it asked for.
                Ok(ServerEvent::ResponseCreated { response, .. }) if self.in_flight == Some(None) => {
                    self.in_flight = Some(Some(response.id));
                }
                // Refused.
                Ok(ServerEvent::Error { error, .. })
                    if error.event_id.is_some()
                        && error.event_id == self.last_create
                        && self.in_flight == Some(None) =>
                {
                    self.in_flight = None;
                }
                _ => {}
            }
        }
        let actions = self.s.on_server_event(text);
        if !self.open {
            prop_assert!(actions.is_empty(), "acted on an event after the channel closed");
        }
        self.took(actions, text)
    }

    fn call(&mut self, id: String, name: String, args: String) {
        if !self.call_names.contains_key(&id) {
            self.calls.push(id.clone());
            self.call_names.insert(id, (name, args));
        }
    }

    /// A fitting result for `command` (a collect page has an element named as the call said).
    fn fitting(
        &self,
        id: u32,
        command: &PageCommand,
        labels_from_call: bool,
        mut nodes: Vec<RawNode>,
        doc: Option<u8>,
        extra: Value,
    ) -> String {
        match command {
            PageCommand::Collect { .. } => {
                if let (true, Some((name, label))) = (labels_from_call, self.label_for.get(&id)) {
                    nodes.push(RawNode {
                        element_ref: Some(format!("e{}", nodes.len() + 1)),
                        role: role_for(name).into(),
                        name: label.clone(),
                        in_view: true,
                        button: true,
                        section_ref: Some("e900".into()),
                        ..Default::default()
                    });
                }
                let mut v = json!({"ok": true, "title": "T", "url": "http://127.0.0.1/", "viewport": {"width": 1280, "height": 720},
                    "scrollHeight": 2000, "nodes": nodes});
                if let Some(d) = doc {
                    v["docId"] = json!(format!("d-{d}"));
                }
                v.to_string()
            }
            _ => {
                let mut v = if extra.is_object() { extra } else { json!({}) };
                v["ok"] = json!(true);
                v["changed"] = v.get("changed").cloned().filter(|c| c.is_u64()).unwrap_or(json!(1));
                v.to_string()
            }
        }
    }

    fn answer(&mut self, pick: &Index, result: &Answer) -> Result<(), TestCaseError> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        let (id, command) = self.waiting.remove(pick.index(self.waiting.len()));
        let text = match result {
            Answer::Fitting { labels_from_call, nodes, doc, extra } => {
                self.fitting(id, &command, *labels_from_call, nodes.clone(), *doc, extra.clone())
            }
            Answer::NeedsYes { question, kind } => {
                json!({"ok": false, "needsConfirmation": true, "question": question, "kind": kind,
                "error": format!("{question} needs the person's own confirmation")})
                .to_string()
            }
            Answer::Fails(why) => json!({"ok": false, "error": why}).to_string(),
            Answer::Text(t) => t.clone(),
        };
        let actions = self.s.on_page_result(id, &text);
        // The label plan's second step gets the call's label too.
        if let Some(l) = self.label_for.remove(&id) {
            for a in &actions {
                if let Action::Page { id: next, .. } = a {
                    self.label_for.insert(*next, l.clone());
                }
            }
        }
        self.took(actions, &text)
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Event(e) => {
                let before: HashSet<u32> = self.given_out.clone();
                let text = self.event_text(e);
                self.event(&text)?;
                // Remember the label a call named, for a page that has it.
                if let Ev::ArgsDone { name, args, .. } | Ev::ItemDone { name, args, .. } = e {
                    if let Some(label) = label_of(args) {
                        for id in self.given_out.difference(&before).copied().collect::<Vec<_>>() {
                            self.label_for.insert(id, (name.clone(), label.clone()));
                        }
                    }
                }
                Ok(())
            }
            Op::Answer { pick, result } => self.answer(pick, result),
            Op::StrayResult { id, result } => {
                let id = 1_000_000 + id;
                let actions = self.s.on_page_result(id, result);
                prop_assert!(
                    actions.is_empty(),
                    "a result for request {} nobody asked for did something: {:?}",
                    id,
                    actions
                );
                Ok(())
            }
            Op::Typed(t) => {
                let actions = self.s.on_user_text(t);
                self.took(actions, t)
            }
            Op::Click { latest, id, allow } => {
                let id = if *latest { self.last_ask } else { *id };
                let known = self.asks_open.contains(&id);
                let actions = self.s.on_confirm(id, *allow);
                if !known || !self.open {
                    prop_assert!(actions.is_empty(), "a click on question {} that is not open did something", id);
                }
                self.took(actions, "click")
            }
            Op::Open => {
                if self.open && self.steps == 0 {
                    let actions = self.s.on_channel_open();
                    self.took(actions, "open")?;
                }
                Ok(())
            }
            Op::Talk { pressed, after_ms } => {
                self.clock += after_ms;
                let actions = self.s.on_talk(*pressed, self.clock);
                if !self.open {
                    prop_assert!(actions.is_empty(), "a session that ended acted on the Talk button: {:?}", actions);
                }
                self.took(actions, "talk")?;
                // The microphone is open only while the button is held (a session that ended
                // stops its microphone as a whole).
                prop_assert!(
                    !self.open || !self.mic_open || *pressed,
                    "the microphone stayed open after the Talk button went up"
                );
                Ok(())
            }
            Op::Tick { ms, speaking } => {
                self.clock += ms;
                let actions = self.s.on_tick(self.clock, *speaking);
                if self.stopped || !self.open {
                    prop_assert!(actions.is_empty(), "a session that ended acted on a tick: {:?}", actions);
                }
                // The idle stop ends the session as a closed channel does.
                let ended =
                    actions.iter().any(|a| matches!(a, Action::Ui(u) if u.error.as_ref().is_some_and(|e| e.fatal)));
                self.took(actions, "tick")?;
                if ended {
                    self.stopped = true;
                    self.open = false;
                }
                Ok(())
            }
            Op::Close => {
                let actions = self.s.on_channel_closed("fuzz");
                if !self.open {
                    prop_assert!(actions.is_empty());
                }
                self.open = false;
                self.took(actions, "close")
            }
        }
    }

    fn event_text(&self, e: &Ev) -> String {
        let resp = |r: &u8| format!("resp_{r}");
        let call = |c: &u8| format!("call_{c}");
        match e {
            Ev::Created { resp: r } => json!({"type":"response.created","response":{"id":resp(r),"status":"in_progress","output":[]}}),
            Ev::Done { resp: r, calls } => {
                let output: Vec<Value> = calls
                    .iter()
                    .map(|(c, n, a)| json!({"type":"function_call","call_id":call(c),"name":n,"arguments":a,"status":"completed"}))
                    .collect();
                // Usage whose details do not add up (more cached audio than audio, totals near
                // u64::MAX): the cost meter must neither panic nor go negative.
                let n = *r as u64;
                let usage = json!({"total_tokens": if n % 3 == 0 { u64::MAX - n } else { n * 1000 }, "input_tokens": n * 700,
                    "output_tokens": n * 300, "input_token_details": {"audio_tokens": n * 7, "cached_tokens": n,
                    "cached_tokens_details": {"audio_tokens": n * 9}}, "output_token_details": {"audio_tokens": n * 500}});
                json!({"type":"response.done","response":{"id":resp(r),"status":"completed","output":output,"usage":usage}})
            }
            Ev::ArgsDone { resp: r, call: c, name, args } => json!({"type":"response.function_call_arguments.done","response_id":resp(r),
                "item_id":"item_1","output_index":0,"call_id":call(c),"name":name,"arguments":args}),
            Ev::ItemDone { resp: r, call: c, name, args } => json!({"type":"response.output_item.done","response_id":resp(r),"output_index":0,
                "item":{"type":"function_call","call_id":call(c),"name":name,"arguments":args,"status":"completed"}}),
            Ev::ErrorForOurs { busy } => json!({"type":"error","error":{"type":"invalid_request_error",
                "code": if *busy { "conversation_already_has_active_response" } else { "invalid_value" },
                "message":"refused","event_id": self.last_create}}),
            Ev::Error { code, event_id } => json!({"type":"error","error":{"type":"server_error","code":code,"message":"hiccup","event_id":event_id}}),
            Ev::Heard(t) => json!({"type":"conversation.item.input_audio_transcription.completed","item_id":"item_u","content_index":0,"transcript":t}),
            Ev::Said(t) => json!({"type":"response.output_audio_transcript.done","item_id":"item_a","transcript":t}),
            Ev::SpeechStarted => json!({"type":"input_audio_buffer.speech_started","audio_start_ms":10,"item_id":"item_u"}),
            Ev::AudioStarted => json!({"type":"output_audio_buffer.started","response_id":"resp_0"}),
            Ev::AudioStopped => json!({"type":"output_audio_buffer.stopped","response_id":"resp_0"}),
            Ev::Raw(t) => return t.clone(),
        }
        .to_string()
    }

    /// Answers every page request (and the requests those answers lead to), then checks that
    /// every call got exactly one output, in the order the calls came.
    fn drain(&mut self) -> Result<(), TestCaseError> {
        let mut rounds = 0;
        while let Some((id, command)) = self.waiting.first().cloned() {
            rounds += 1;
            prop_assert!(rounds < 1000, "page requests never end");
            self.waiting.remove(0);
            let text = self.fitting(id, &command, true, Vec::new(), None, json!({"ok": true}));
            let actions = self.s.on_page_result(id, &text);
            if let Some(l) = self.label_for.remove(&id) {
                for a in &actions {
                    if let Action::Page { id: next, .. } = a {
                        self.label_for.insert(*next, l.clone());
                    }
                }
            }
            self.took(actions, "drain")?;
        }
        for id in &self.calls {
            prop_assert_eq!(
                self.outputs.get(id).copied(),
                Some(1),
                "call {} ({:?}) was not answered once",
                id,
                self.call_names[id]
            );
        }
        prop_assert_eq!(&self.output_order, &self.calls, "outputs not in the order the calls came");
        Ok(())
    }
}

#[test]
fn fuzz_session_event_sequences() {
    let ops = proptest::collection::vec(op(), 0..40);
    fuzz("session over event sequences", 300, (options(), ops), |(options, ops)| {
        let mut d = Driver::new(options);
        for op in &ops {
            d.step(op)?;
        }
        d.drain()
    });
}

// ---------------------------------------------------------------------------------------------
// Page results

#[test]
fn fuzz_page_result_parsing() {
    fuzz(
        "page result parsing",
        500,
        (call_name_and_args(), pages::result_text(), pages::result_text()),
        |((name, args), first, second)| {
            // The plan of a call that reaches the page (parsing it is code under test too).
            let plan = match ToolCall::parse(&name, &args).map(calls::start) {
                Ok(Next::Page(_, plan)) => plan,
                _ => return Ok(()),
            };
            let _ = page::confirmation_request(&PageResult::read(&first));
            match PageResult::parse(&first) {
                Ok((r, _)) => prop_assert!(r.ok),
                Err(e) => prop_assert!(!e.is_empty()),
            }
            let mut next = calls::on_result(plan.clone(), &first);
            let mut plan_now = plan;
            // A label plan's second step, answered with the second result.
            for answer in [&second, &first] {
                match next {
                    Next::Done(out) => {
                        prop_assert!(!out.summary.is_empty() || out.ok, "an error without words");
                        if !out.ok {
                            let v: Value = serde_json::from_str(&out.text)
                                .map_err(|e| TestCaseError::fail(format!("error output is not JSON: {e}")))?;
                            prop_assert_eq!(&v["ok"], false);
                            prop_assert!(
                                v["error"].as_str().is_some_and(|e| !e.is_empty()),
                                "error output without a message: {}",
                                out.text
                            );
                        }
                        return Ok(());
                    }
                    Next::Page(command, plan) => {
                        prop_assert!(!matches!(plan_now, Plan::Finish { .. }), "a finished plan asked the page again");
                        let json = serde_json::to_string(&command).expect("commands serialize");
                        prop_assert!(json.contains("\"op\""));
                        plan_now = plan.clone();
                        next = calls::on_result(plan, answer);
                    }
                }
            }
            prop_assert!(matches!(next, Next::Done(_)), "a call took more than two page commands");
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Snapshot formatting

#[test]
fn fuzz_snapshot_formatting() {
    let budget = prop_oneof![4 => 200u32..3000, 1 => select(&[0u32, 1, 50, 199, 1500, 8000, u32::MAX][..])];
    let from = prop_oneof![any::<Index>().prop_map(Some), Just(None)];
    fuzz(
        "snapshot formatting",
        500,
        (pages::page(), budget, from, mutate::odd_string()),
        |(page, max_tokens, from, odd_from)| {
            let out = snapshot::format(&page, max_tokens);
            prop_assert!(out.ends_with('\n'));
            // Within budget when the budget can hold the head (title, address, closing lines).
            if max_tokens >= 200 && snapshot::estimate_tokens(&page.title) + snapshot::estimate_tokens(&page.url) < 40 {
                prop_assert!(
                    snapshot::estimate_tokens(&out) <= max_tokens as usize,
                    "{} tokens over a budget of {}",
                    snapshot::estimate_tokens(&out),
                    max_tokens
                );
            }
            for n in page.nodes.iter().filter(|n| n.sensitive) {
                if let Some(v) = n.value.as_deref().filter(|v| v.len() >= 8 && !v.contains(char::is_whitespace)) {
                    prop_assert!(
                        !out.contains(v)
                            || page.nodes.iter().any(|m| m.name.contains(v)
                                || m.role.contains(v)
                                || (!m.sensitive && m.value.as_deref().is_some_and(|x| x.contains(v))))
                            || page.title.contains(v)
                            || page.url.contains(v),
                        "a sensitive value is in the outline"
                    );
                }
            }
            let refs: Vec<&str> =
                page.nodes.iter().filter_map(|n| n.element_ref.as_deref().or(n.section_ref.as_deref())).collect();
            let from_ref = match (&from, refs.is_empty()) {
                (Some(i), false) => refs[i.index(refs.len())].to_string(),
                _ => odd_from,
            };
            match snapshot::format_from(&page, &from_ref, max_tokens) {
                Ok(text) => prop_assert!(
                    text.ends_with("(End of the page.)\n") || text.contains("More below: call getPageHTML with from=")
                ),
                Err(e) => prop_assert!(e.contains("not on the page now")),
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Label matching

/// The words a label is matched by: the matcher's own (lowercase alphanumerics, filler dropped).
use hark_core::labels::words;

#[test]
fn fuzz_label_matching() {
    let said = prop_oneof![
        // A candidate's own name, said loosely: case, filler words, punctuation, a part of it.
        4 => (any::<Index>(), select(&["", "the ", "click the ", "THE "][..]), select(&["", " button", "!", " link", "…"][..]), any::<bool>(), any::<bool>())
            .prop_map(|(i, pre, post, upper, part)| (Some(i), pre.to_string(), post.to_string(), upper, part)),
        1 => mutate::odd_string().prop_map(|s| (None, s, String::new(), false, false)),
    ];
    let candidates = proptest::collection::vec(pages::node(), 0..30);
    fuzz("label matching", 1000, (candidates, said), |(candidates, (pick, pre, post, upper, part))| {
        let label = match pick.filter(|_| !candidates.is_empty()) {
            Some(i) => {
                let name = &candidates[i.index(candidates.len())].name;
                let name = if part { name.split_whitespace().next().unwrap_or("").to_string() } else { name.clone() };
                let name = if upper { name.to_uppercase() } else { name };
                format!("{pre}{name}{post}")
            }
            None => pre,
        };
        match labels::best_match_of(&candidates, &label, "element", "elements") {
            Ok(n) => {
                prop_assert!(n.element_ref.is_some(), "matched an element without a ref");
                prop_assert!(candidates.iter().any(|c| std::ptr::eq(c, n)));
                let (got, want) = (words(&n.name), words(&label));
                prop_assert!(!want.is_empty() && !got.is_empty());
                // An element whose name says exactly the label wins over looser matches.
                if candidates.iter().any(|c| c.element_ref.is_some() && words(&c.name) == want) {
                    prop_assert_eq!(&got, &want, "an exact match was passed over");
                }
            }
            Err(e) => {
                prop_assert!(e.contains("no element labelled"), "{}", e);
                let want = words(&label);
                prop_assert!(
                    want.is_empty() || !candidates.iter().any(|c| c.element_ref.is_some() && words(&c.name) == want),
                    "no match although an element is named {:?}",
                    label
                );
            }
        }
        Ok(())
    });
}
