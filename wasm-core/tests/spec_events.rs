//! Every client event the core sends, checked against OpenAI's published Realtime schemas
//! (`hark_protocol::schema_check`: the schema named by the event's `type`, objects closed).
//! The core is driven through realistic sessions: server events as OpenAI sends them (themselves
//! checked against the server schemas, so the inputs are real too), the page answering each page
//! command as the executor would, typed text, and the person's answers to held actions.

use hark_core::page::PageCommand;
use hark_core::{Action, Session, SessionOptions};
use hark_protocol::schema_check::{Interface, Sender, Tally};
use hark_protocol::session::{SessionConfig, SessionSettings};
use serde_json::{json, Value};

/// A session under test: what it sent, what it was fed.
struct Run {
    session: Session,
    interface: Interface,
    sent: Tally,
    fed: Tally,
    /// Every client event sent, parsed (to assert what was covered).
    events: Vec<Value>,
    n: u32,
}

impl Run {
    fn new(options: SessionOptions, interface: Interface) -> Run {
        let mut run = Run {
            session: Session::new(options),
            interface,
            sent: Tally::default(),
            fed: Tally::default(),
            events: Vec::new(),
            n: 0,
        };
        let actions = run.session.on_channel_open();
        run.take(actions);
        run
    }

    fn id(&mut self, prefix: &str) -> String {
        self.n += 1;
        format!("{prefix}_{:04}", self.n)
    }

    /// Check what the core sent; answer its page commands like the executor does.
    fn take(&mut self, actions: Vec<Action>) {
        let mut queue = vec![actions];
        while let Some(actions) = queue.pop() {
            for a in actions {
                match a {
                    Action::Send { text, .. } => {
                        self.sent.event(self.interface, Sender::Client, &text);
                        self.events.push(serde_json::from_str(&text).unwrap());
                    }
                    Action::Page { id, command, .. } => {
                        let result = page_answer(&command);
                        queue.push(self.session.on_page_result(id, &result));
                    }
                    Action::Ui(_) | Action::Mic { .. } => {}
                }
            }
        }
    }

    /// Feed one server event (its `event_id` is added here).
    fn feed(&mut self, mut event: Value) {
        event["event_id"] = json!(self.id("event"));
        let text = event.to_string();
        self.fed.server(&text);
        let actions = self.session.on_server_event(&text);
        self.take(actions);
    }

    fn typed(&mut self, text: &str) {
        let actions = self.session.on_user_text(text);
        self.take(actions);
    }

    /// Push-to-talk: the Talk button held from `at_ms` for `held_ms`.
    fn holds_talk(&mut self, at_ms: f64, held_ms: f64) {
        let actions = self.session.on_talk(true, at_ms);
        self.take(actions);
        let actions = self.session.on_talk(false, at_ms + held_ms);
        self.take(actions);
    }

    fn click(&mut self, ask_id: u32, allow: bool) {
        let actions = self.session.on_confirm(ask_id, allow);
        self.take(actions);
    }

    /// A response holding these function calls, with every event OpenAI sends for it.
    fn calls(&mut self, calls: &[(&str, Value)]) {
        let rid = self.id("resp");
        self.feed(json!({"type":"response.created",
            "response":{"id":rid,"object":"realtime.response","status":"in_progress","output":[]}}));
        let mut output = Vec::new();
        for (i, (name, args)) in calls.iter().enumerate() {
            let (item_id, call_id, args) = (self.id("item"), self.id("call"), args.to_string());
            let item = |status: &str, arguments: &str| {
                json!({"id":item_id,"object":"realtime.item","type":"function_call",
                "status":status,"call_id":call_id,"name":name,"arguments":arguments})
            };
            self.feed(json!({"type":"response.output_item.added","response_id":rid,
                "output_index":i,"item":item("in_progress","")}));
            self.feed(json!({"type":"conversation.item.added","previous_item_id":null,
                "item":item("in_progress","")}));
            self.feed(json!({"type":"response.function_call_arguments.delta",
                "response_id":rid,"item_id":item_id,"output_index":i,"call_id":call_id,"delta":args}));
            self.feed(json!({"type":"response.function_call_arguments.done",
                "response_id":rid,"item_id":item_id,"output_index":i,"call_id":call_id,"name":name,"arguments":args}));
            self.feed(json!({"type":"response.output_item.done","response_id":rid,
                "output_index":i,"item":item("completed",&args)}));
            self.feed(json!({"type":"conversation.item.done",
                "item":item("completed",&args)}));
            output.push(item("completed", &args));
        }
        self.done(&rid, output);
    }

    /// A spoken answer, as OpenAI streams it.
    fn says(&mut self, text: &str) {
        let rid = self.id("resp");
        let item_id = self.id("item");
        self.feed(json!({"type":"response.created",
            "response":{"id":rid,"object":"realtime.response","status":"in_progress","output":[]}}));
        self.feed(json!({"type":"response.output_item.added","response_id":rid,"output_index":0,
            "item":{"id":item_id,"object":"realtime.item","type":"message","role":"assistant","status":"in_progress","content":[]}}));
        self.feed(json!({"type":"response.content_part.added","response_id":rid,"item_id":item_id,
            "output_index":0,"content_index":0,"part":{"type":"audio","transcript":""}}));
        self.feed(json!({"type":"output_audio_buffer.started","response_id":rid}));
        for w in text.split_inclusive(' ') {
            self.feed(json!({"type":"response.output_audio_transcript.delta","response_id":rid,
                "item_id":item_id,"output_index":0,"content_index":0,"delta":w}));
        }
        self.feed(json!({"type":"response.output_audio_transcript.done","response_id":rid,
            "item_id":item_id,"output_index":0,"content_index":0,"transcript":text}));
        let part = json!({"type":"audio","transcript":text});
        self.feed(json!({"type":"response.content_part.done","response_id":rid,"item_id":item_id,
            "output_index":0,"content_index":0,"part":part}));
        let item = json!({"id":item_id,"object":"realtime.item","type":"message","role":"assistant","status":"completed",
            "content":[{"type":"output_audio","transcript":text}]});
        self.feed(json!({"type":"response.output_item.done","response_id":rid,"output_index":0,"item":item}));
        self.done(&rid, vec![item]);
        self.feed(json!({"type":"output_audio_buffer.stopped","response_id":rid}));
    }

    fn done(&mut self, rid: &str, output: Vec<Value>) {
        self.feed(json!({"type":"response.done","response":{"id":rid,"object":"realtime.response",
            "status":"completed","output":output,"output_modalities":["audio"],
            "usage":{"total_tokens":420,"input_tokens":400,"output_tokens":20,
                     "input_token_details":{"text_tokens":380,"audio_tokens":20,"cached_tokens":0},
                     "output_token_details":{"text_tokens":5,"audio_tokens":15}}}}));
        self.feed(json!({"type":"rate_limits.updated","rate_limits":[
            {"name":"requests","limit":5000,"remaining":4999,"reset_seconds":0.012},
            {"name":"tokens","limit":400000,"remaining":399580,"reset_seconds":0.063}]}));
    }

    /// The person speaks; OpenAI's turn detection and transcription report it.
    fn speaks(&mut self, transcript: &str) {
        let item_id = self.id("item");
        self.feed(json!({"type":"input_audio_buffer.speech_started","audio_start_ms":1000,"item_id":item_id}));
        self.feed(json!({"type":"input_audio_buffer.speech_stopped","audio_end_ms":2200,"item_id":item_id}));
        self.feed(json!({"type":"input_audio_buffer.committed","previous_item_id":null,"item_id":item_id}));
        self.feed(json!({"type":"conversation.item.added","previous_item_id":null,
            "item":{"id":item_id,"object":"realtime.item","type":"message","status":"completed","role":"user","content":[{"type":"input_audio"}]}}));
        self.feed(json!({"type":"conversation.item.input_audio_transcription.delta",
            "item_id":item_id,"content_index":0,"delta":transcript}));
        self.feed(json!({"type":"conversation.item.input_audio_transcription.completed",
            "item_id":item_id,"content_index":0,"transcript":transcript,
            "usage":{"type":"tokens","input_tokens":12,"input_token_details":{"text_tokens":0,"audio_tokens":12},"output_tokens":3,"total_tokens":15}}));
    }
}

/// What the executor answers (`extension/content/page.js`), for a small login page.
fn page_answer(command: &PageCommand) -> String {
    let v = serde_json::to_value(command).unwrap();
    let confirmed = v["confirmed"].as_array().is_some_and(|c| c.contains(&json!("sensitiveField")));
    match v["op"].as_str().unwrap_or("") {
        "collect" => json!({"ok":true,"docId":"d1","title":"Sign in","url":"https://shop.example/login","nodes":[
            {"ref":"e1","role":"heading","name":"Sign in","level":1,"inView":true},
            {"ref":"e2","role":"textbox","name":"Email","inView":true},
            {"ref":"e3","role":"textbox","name":"Password","inView":true,"sensitive":true},
            {"ref":"e4","role":"button","name":"Login","inView":true,"button":true}]})
        .to_string(),
        "typeText" if !confirmed && v["ref"] == "e3" => json!({"ok":false,"needsConfirmation":true,"kind":"sensitiveField",
            "question":"Allow: type into Password?","error":"typing into \"Password\" needs the person's own confirmation"})
        .to_string(),
        "typeText" => json!({"ok":true,"label":"Password","role":"textbox"}).to_string(),
        "click" => json!({"ok":true,"label":"Login","role":"button"}).to_string(),
        _ => json!({"ok":true,"changed":4,"from":"rgb(255, 255, 255)"}).to_string(),
    }
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| match (e["type"].as_str().unwrap(), e["item"]["type"].as_str(), e["item"]["role"].as_str()) {
            (t, Some(it), Some(role)) => format!("{t} {it} {role}"),
            (t, Some(it), None) => format!("{t} {it}"),
            (t, _, _) => t.to_string(),
        })
        .collect()
}

/// Hark's usual session (GA; the companion configured it), with the person's voice and
/// instructions from the options page: typed and spoken commands, tool calls and their outputs,
/// held actions answered by voice, by typing and by clicks, bad calls, a busy server.
fn ga_session() -> Run {
    let mut run = Run::new(
        SessionOptions {
            voice: Some("cedar".into()),
            instructions: Some("Answer in French.".into()),
            language: Some("fr".into()),
            transcription_model: Some("gpt-4o-mini-transcribe".into()),
            ..Default::default()
        },
        Interface::Ga,
    );
    run.typed("make the background navy");
    run.calls(&[("changeBackgroundColor", json!({"color":"navy"}))]);
    run.says("I made the background navy.");

    run.speaks("Sign me in, my password is hunter2.");
    run.calls(&[("getPageHTML", json!({})), ("typeText", json!({"target":"e2","text":"me@example.com"}))]);
    run.calls(&[("typeText", json!({"target":"e3","text":"hunter2"}))]);
    run.says("Please confirm typing your password.");
    run.speaks("Yes, go ahead.");
    run.says("Done.");

    run.calls(&[("click", json!({"target":"Login"})), ("typeText", json!({"target":"e3","text":"hunter3"}))]);
    run.click(2, false);
    run.says("OK, I did not type it.");
    run.calls(&[("typeText", json!({"target":"e3","text":"hunter4"}))]);
    run.typed("no");
    run.calls(&[("typeText", json!({"target":"e3","text":"hunter5"}))]);
    run.click(4, true);

    run.calls(&[
        ("changeTextColor", json!({"color":"blurple"})),
        ("launchRockets", json!({})),
        ("zoomText", json!({"percent":150})),
    ]);
    run.calls(&[("undo", json!({})), ("resetPage", json!({}))]);

    // Our response.create raced one the server started: an error, then a retry after it.
    run.typed("make the text bigger");
    let rc = run.events.iter().rev().find(|e| e["type"] == "response.create").unwrap()["event_id"].clone();
    run.feed(json!({"type":"error","error":{"type":"invalid_request_error",
        "code":"conversation_already_has_active_response","message":"Conversation already has an active response in progress.","param":null,"event_id":rc}}));
    run.says("One moment.");
    run.feed(json!({"type":"error","error":{"type":"server_error","code":null,
        "message":"The server had an error while processing your request.","param":null,"event_id":null}}));
    run
}

/// The companion's `legacy` upstream: the core configures the (beta) session itself.
fn beta_session() -> Run {
    let beta = SessionConfig::new(&SessionSettings::default()).to_beta_session();
    let mut run = Run::new(
        SessionOptions {
            session_update: Some(beta),
            voice: Some("marin".into()),
            language: Some("de".into()),
            ..Default::default()
        },
        Interface::Beta,
    );
    run.typed("scroll down");
    run.calls(&[("scroll", json!({"direction":"down"}))]);
    run
}

/// Push-to-talk on the GA interface: turn detection off, each held turn cleared, committed and
/// answered; a tap only cleared.
fn push_to_talk_session() -> Run {
    let mut run = Run::new(SessionOptions { push_to_talk: true, ..Default::default() }, Interface::Ga);
    run.holds_talk(1000.0, 1500.0);
    run.says("I made the background navy.");
    run.holds_talk(5000.0, 100.0);
    run
}

/// Local mode: nothing is configured on open; typed commands only.
fn local_session() -> Run {
    let mut run = Run::new(SessionOptions { local_mode: true, ..Default::default() }, Interface::Ga);
    run.typed("make the Login button green");
    run.calls(&[("changeButtonStyle", json!({"target":"Login","color":"green"}))]);
    run.says("I made the Login button green.");
    run
}

#[test]
fn every_client_event_the_core_sends_is_on_spec() {
    let mut sent = Tally::default();
    let mut fed = Tally::default();
    let mut all = Vec::new();
    for run in [ga_session(), beta_session(), local_session(), push_to_talk_session()] {
        sent.add(run.sent);
        fed.add(run.fed);
        all.extend(run.events);
    }
    println!("fed to the core (OpenAI's side):");
    fed.assert_valid();
    println!("sent by the core:");
    sent.assert_valid();
    let seen = types(&all);
    for kind in [
        "session.update",
        "conversation.item.create message user",
        "conversation.item.create message system",
        "conversation.item.create function_call_output",
        "response.create",
    ] {
        assert!(seen.iter().any(|t| t == kind), "never sent, so never checked: {kind} (sent: {seen:?})");
    }
    // Each kind of held-action answer told the model something.
    let notes = all.iter().filter(|e| e["item"]["role"] == "system").count();
    assert!(notes >= 4, "{notes} system notes");
    assert!(all.iter().all(|e| !e.to_string().contains("hunter")), "typed secrets never reach the model");
}
