//! Checks against OpenAI's published Realtime schemas (`protocol/schemas/`, vendored with its
//! licence; see the README there). For tests only: the `schema-check` feature (the peer's, the
//! core's and the companion's tests turn it on); never part of the WASM or the binaries.
//!
//! - The schemas are embedded at build time, so nothing reads a file at test or run time.
//! - An event's schema is picked by its `type`: `RealtimeServerEvent*` / `RealtimeClientEvent*`
//!   (GA), or `RealtimeBetaServerEvent*` / `RealtimeBetaClientEvent*` for the beta interface.
//! - The published schemas leave objects open (unknown properties pass). Here every object that
//!   lists `properties` is closed (`unevaluatedProperties: false`, added at load time), so a
//!   misspelled, beta-only or invented field fails. Under `allOf` the branches stay open and the
//!   object holding the `allOf` is closed instead (`unevaluatedProperties` sees through `allOf`
//!   and `$ref`); `anyOf`/`oneOf` branches are whole alternatives and are closed each.
//! - One correction is made to the published schemas (see [`correct`]).
//! - A failure names the event's type, its schema and the path of every violation in the event.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator, ValidatorMap};
use serde_json::{json, Map, Value};

/// The vendored document: `{"info": …, "components": {"schemas": {NAME: schema}}}`.
pub const SCHEMAS_JSON: &str = include_str!("../schemas/openai-realtime-schemas.json");

/// Which interface an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Interface {
    /// `/v1/realtime/calls` (what Hark uses).
    Ga,
    /// `/v1/realtime?model=` (retired by OpenAI; the companion's `legacy` upstream).
    Beta,
}

/// Who sends an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sender {
    Client,
    Server,
}

impl Interface {
    fn prefix(self, sender: Sender) -> &'static str {
        match (self, sender) {
            (Interface::Ga, Sender::Client) => "RealtimeClientEvent",
            (Interface::Ga, Sender::Server) => "RealtimeServerEvent",
            (Interface::Beta, Sender::Client) => "RealtimeBetaClientEvent",
            (Interface::Beta, Sender::Server) => "RealtimeBetaServerEvent",
        }
    }
}

/// The loaded, closed schemas and a validator for each.
pub struct Spec {
    /// `components.schemas`, closed.
    schemas: Map<String, Value>,
    validators: ValidatorMap,
    /// (interface, sender, event type) → schema name.
    events: BTreeMap<(Interface, Sender, String), String>,
}

/// The spec, loaded once per test process.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(Spec::load)
}

impl Spec {
    fn load() -> Spec {
        let doc: Value = serde_json::from_str(SCHEMAS_JSON).expect("the vendored schemas are JSON");
        let mut schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .expect("the vendored document has components.schemas");
        correct(&mut schemas);
        for (name, schema) in schemas.iter_mut() {
            close(schema, name);
        }
        // The schemas refer to each other as `#/components/schemas/NAME`; keep them there, under a
        // root that says which dialect they are.
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": {"schemas": schemas},
        });
        let mut events = BTreeMap::new();
        for (name, schema) in &schemas {
            for interface in [Interface::Ga, Interface::Beta] {
                for sender in [Sender::Client, Sender::Server] {
                    let Some(rest) = name.strip_prefix(interface.prefix(sender)) else { continue };
                    // `RealtimeServerEvent` itself is the union; `RealtimeClientEventX` must not be
                    // read as a beta one (the beta prefix is distinct, so no overlap there).
                    if rest.is_empty() {
                        continue;
                    }
                    let Some(kinds) = schema.pointer("/properties/type/enum").and_then(Value::as_array) else {
                        continue;
                    };
                    for kind in kinds.iter().filter_map(Value::as_str) {
                        events.insert((interface, sender, kind.to_string()), name.clone());
                    }
                }
            }
        }
        let validators = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build_map(&root)
            .unwrap_or_else(|e| panic!("the vendored schemas do not compile: {e}"));
        Spec { schemas, validators, events }
    }

    /// The (closed) schema called `name`.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.schemas.get(name)
    }

    fn validator(&self, name: &str) -> &Validator {
        self.validators
            .get(&format!("#/components/schemas/{name}"))
            .unwrap_or_else(|| panic!("no schema {name} in the vendored document"))
    }

    /// The schema name for an event `type`, if the spec has one.
    pub fn event_schema(&self, interface: Interface, sender: Sender, kind: &str) -> Option<&str> {
        self.events.get(&(interface, sender, kind.to_string())).map(String::as_str)
    }

    /// Check `instance` against the schema `name`: every violation, as `at PATH: what`.
    pub fn check(&self, name: &str, instance: &Value) -> Result<(), Vec<String>> {
        let errors: Vec<String> = self.validator(name).iter_errors(instance).flat_map(|e| explain(&e)).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Check one event (its JSON text) against the schema its `type` names. `Ok` is the schema
    /// name; `Err` says what is wrong, naming the event type, the schema and each violated path.
    pub fn check_event(&self, interface: Interface, sender: Sender, text: &str) -> Result<String, String> {
        let who = match sender {
            Sender::Client => "client",
            Sender::Server => "server",
        };
        let event: Value = serde_json::from_str(text).map_err(|e| format!("{who} event is not JSON ({e}): {text}"))?;
        let Some(kind) = event.get("type").and_then(Value::as_str) else {
            return Err(format!("{who} event has no string `type`: {text}"));
        };
        let Some(name) = self.event_schema(interface, sender, kind) else {
            return Err(format!("{who} event type '{kind}' is not in the spec ({interface:?} interface): {text}"));
        };
        match self.check(name, &event) {
            Ok(()) => Ok(name.to_string()),
            Err(errors) => {
                let mut m = format!("{who} event '{kind}' violates {name}:\n");
                for e in errors {
                    let _ = writeln!(m, "  {e}");
                }
                let _ = write!(m, "  event: {}", shorten(text));
                Err(m)
            }
        }
    }

    /// The realtime models the spec names (the enum of `RealtimeSessionCreateRequestGA.model`).
    pub fn realtime_models(&self) -> Vec<String> {
        let model = self
            .schema("RealtimeSessionCreateRequestGA")
            .and_then(|s| s.pointer("/properties/model"))
            .expect("RealtimeSessionCreateRequestGA.model");
        enum_values(model, "RealtimeSessionCreateRequestGA.model")
    }

    /// The voices the spec names (the enum of `VoiceIdsShared`).
    pub fn voices(&self) -> Vec<String> {
        enum_values(self.schema("VoiceIdsShared").expect("VoiceIdsShared"), "VoiceIdsShared")
    }
}

/// The one correction made to the published schemas: the beta `session.update` refers to
/// `RealtimeSessionCreateRequest`, which requires `client_secret` (the ephemeral key the API
/// *returns* when it creates a session). A client never sends one, and the spec's own example
/// of that event has none; the requirement is dropped so the rest of the beta session is checked.
fn correct(schemas: &mut Map<String, Value>) {
    let required = schemas
        .get_mut("RealtimeSessionCreateRequest")
        .and_then(|s| s.get_mut("required"))
        .and_then(Value::as_array_mut);
    if let Some(required) = required {
        required.retain(|r| r != "client_secret");
    }
}

/// The strings of the `enum` in a schema or in its `anyOf` branches (`anyOf: [string, enum]` is
/// how the spec says "one of these, or another string").
fn enum_values(schema: &Value, what: &str) -> Vec<String> {
    let branches = schema.get("anyOf").and_then(Value::as_array).cloned().unwrap_or_else(|| vec![schema.clone()]);
    let values: Vec<String> = branches
        .iter()
        .filter_map(|b| b.get("enum").and_then(Value::as_array))
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    assert!(!values.is_empty(), "{what} has no enum of strings in the vendored schemas");
    values
}

fn shorten(text: &str) -> String {
    const MAX: usize = 600;
    if text.len() <= MAX {
        return text.to_string();
    }
    let cut = (0..=MAX).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    format!("{}… ({} bytes)", &text[..cut], text.len())
}

fn path_of(e: &ValidationError) -> String {
    let p = e.instance_path().to_string();
    if p.is_empty() {
        "/".into()
    } else {
        p
    }
}

/// Words for one violation. For `anyOf`/`oneOf` (e.g. which kind of item an item is), the
/// alternative the instance meant (its `type` matched) is explained instead of "none matched".
fn explain(e: &ValidationError) -> Vec<String> {
    let context = match e.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => context,
        _ => return vec![format!("at {}: {e}", path_of(e))],
    };
    let here = e.instance_path().to_string();
    let type_path = format!("{here}/type");
    // An alternative whose `type` (the discriminator) is fine, with the fewest violations.
    let best = context
        .iter()
        .filter(|branch| !branch.is_empty())
        .filter(|branch| !branch.iter().any(|b| b.instance_path().to_string() == type_path))
        .min_by_key(|branch| branch.len());
    match best {
        Some(branch) if context.len() > 1 => {
            let mut out = Vec::new();
            for b in branch {
                out.extend(explain(b));
            }
            out
        }
        _ => vec![format!("at {}: {e}", path_of(e))],
    }
}

const SCHEMA_KEYS: &[&str] = &[
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
];
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
const SCHEMA_LISTS: &[&str] = &["anyOf", "oneOf", "prefixItems"];

/// Close every object schema that lists `properties` (see the module docs). `at` names where
/// the schema is, for the one case this cannot do soundly.
fn close(schema: &mut Value, at: &str) {
    close_inside(schema, at);
    let Value::Object(o) = schema else { return };
    let open = !o.contains_key("additionalProperties") && !o.contains_key("unevaluatedProperties");
    let inline_all_of =
        o.get("allOf").and_then(Value::as_array).is_some_and(|bs| bs.iter().any(|b| b.get("properties").is_some()));
    if open && (o.contains_key("properties") || inline_all_of) {
        o.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
}

/// Close the subschemas of `schema`, not `schema` itself.
fn close_inside(schema: &mut Value, at: &str) {
    let Value::Object(o) = schema else { return };
    for key in SCHEMA_KEYS {
        if let Some(s) = o.get_mut(*key) {
            close(s, &format!("{at}/{key}"));
        }
    }
    for key in SCHEMA_MAPS {
        if let Some(Value::Object(m)) = o.get_mut(*key) {
            for (k, s) in m.iter_mut() {
                close(s, &format!("{at}/{key}/{k}"));
            }
        }
    }
    for key in SCHEMA_LISTS {
        if let Some(Value::Array(list)) = o.get_mut(*key) {
            for (i, s) in list.iter_mut().enumerate() {
                close(s, &format!("{at}/{key}/{i}"));
            }
        }
    }
    if let Some(Value::Array(branches)) = o.get_mut("allOf") {
        // Each branch describes part of one object: a closed branch would refuse the others'
        // properties. Branches stay open (their insides are closed); the holder is closed.
        let refs = branches.iter().filter(|b| b.get("$ref").is_some()).count();
        let with_properties = branches.iter().filter(|b| b.get("properties").is_some()).count();
        assert!(
            refs == 0 || refs + with_properties <= 1,
            "{at}: an allOf of a $ref (a closed schema) and other properties cannot be closed soundly; \
             teach schema_check::close to open the referenced schema"
        );
        for (i, b) in branches.iter_mut().enumerate() {
            close_inside(b, &format!("{at}/allOf/{i}"));
        }
    }
}

/// Counts of events checked, by type, and the failures found.
#[derive(Debug, Default)]
pub struct Tally {
    /// "server response.done" → how many were checked.
    pub checked: BTreeMap<String, usize>,
    pub failures: Vec<String>,
}

impl Tally {
    /// Check one event and count it.
    pub fn event(&mut self, interface: Interface, sender: Sender, text: &str) {
        let kind = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "(no type)".into());
        let who = match (interface, sender) {
            (Interface::Ga, Sender::Client) => "client",
            (Interface::Ga, Sender::Server) => "server",
            (Interface::Beta, Sender::Client) => "beta client",
            (Interface::Beta, Sender::Server) => "beta server",
        };
        *self.checked.entry(format!("{who} {kind}")).or_default() += 1;
        if let Err(e) = spec().check_event(interface, sender, text) {
            self.failures.push(e);
        }
    }

    /// A GA server event (what OpenAI, or the local peer, sends).
    pub fn server(&mut self, text: &str) {
        self.event(Interface::Ga, Sender::Server, text);
    }

    /// A GA client event (what the extension sends).
    pub fn client(&mut self, text: &str) {
        self.event(Interface::Ga, Sender::Client, text);
    }

    /// Check a document against a named schema (e.g. the session the companion sends).
    pub fn document(&mut self, schema: &str, label: &str, value: &Value) {
        *self.checked.entry(format!("{schema} ({label})")).or_default() += 1;
        if let Err(errors) = spec().check(schema, value) {
            self.failures.push(format!("{label} violates {schema}:\n  {}", errors.join("\n  ")));
        }
    }

    pub fn add(&mut self, other: Tally) {
        for (k, n) in other.checked {
            *self.checked.entry(k).or_default() += n;
        }
        self.failures.extend(other.failures);
    }

    /// How many events (documents) were checked.
    pub fn total(&self) -> usize {
        self.checked.values().sum()
    }

    /// How many distinct event types (schemas) were checked.
    pub fn kinds(&self) -> usize {
        self.checked.len()
    }

    /// One line per type: how many were checked.
    pub fn summary(&self) -> String {
        let mut s = format!("{} checked against OpenAI's schemas, {} distinct types:\n", self.total(), self.kinds());
        for (k, n) in &self.checked {
            let _ = writeln!(s, "  {n:4}  {k}");
        }
        s
    }

    /// Panic with every failure (after the summary) if any event was off-spec.
    #[track_caller]
    pub fn assert_valid(&self) {
        println!("{}", self.summary());
        if !self.failures.is_empty() {
            panic!("{} of {} off-spec:\n\n{}", self.failures.len(), self.total(), self.failures.join("\n\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{ClientEvent, ContentPart, Item};
    use crate::session::{SessionConfig, SessionSettings, KNOWN_MODELS, VOICES};

    #[test]
    fn every_event_type_has_its_schema() {
        let s = spec();
        for kind in ["response.done", "response.content_part.added", "conversation.item.added", "error"] {
            assert!(s.event_schema(Interface::Ga, Sender::Server, kind).is_some(), "{kind}");
        }
        assert_eq!(
            s.event_schema(Interface::Ga, Sender::Client, "session.update"),
            Some("RealtimeClientEventSessionUpdate")
        );
        assert_eq!(
            s.event_schema(Interface::Beta, Sender::Client, "session.update"),
            Some("RealtimeBetaClientEventSessionUpdate")
        );
        assert!(
            s.event_schema(Interface::Ga, Sender::Server, "response.audio_transcript.delta").is_none(),
            "beta name"
        );
    }

    #[test]
    fn objects_are_closed_and_failures_name_type_and_path() {
        let s = spec();
        // Valid as published; a made-up field fails, naming where it is.
        let ok = r#"{"type":"response.create","event_id":"e1"}"#;
        s.check_event(Interface::Ga, Sender::Client, ok).unwrap();
        let bad = r#"{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"hi","colour":"red"}]}}"#;
        let e = s.check_event(Interface::Ga, Sender::Client, bad).unwrap_err();
        assert!(
            e.contains("'conversation.item.create'") && e.contains("RealtimeClientEventConversationItemCreate"),
            "{e}"
        );
        assert!(e.contains("/item/content/0") && e.contains("colour"), "{e}");
        // Enum values are checked, with the path.
        let bad = r#"{"type":"response.content_part.added","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"part":{"type":"output_audio","transcript":""}}"#;
        let e = s.check_event(Interface::Ga, Sender::Server, bad).unwrap_err();
        assert!(e.contains("/part/type") && e.contains("output_audio"), "{e}");
        // Closed through `oneOf` and `$ref`: a beta-only field in a GA session is named, in the
        // alternative the session meant (its `type` matched), not as "no alternative matched".
        let mut session = serde_json::to_value(SessionConfig::new(&SessionSettings::default())).unwrap();
        session["voice"] = json!("marin");
        let bad = json!({"type": "session.update", "session": session}).to_string();
        let e = s.check_event(Interface::Ga, Sender::Client, &bad).unwrap_err();
        assert!(e.contains("at /session: Unevaluated properties") && e.contains("'voice'"), "{e}");
        // Missing required fields are named.
        let bad = r#"{"type":"conversation.item.input_audio_transcription.completed","event_id":"e","item_id":"i","content_index":0,"transcript":"hi"}"#;
        let e = s.check_event(Interface::Ga, Sender::Server, bad).unwrap_err();
        assert!(e.contains("usage"), "{e}");
    }

    #[test]
    fn the_closing_keeps_alternatives_and_all_of_sound() {
        let mut schema = json!({"allOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]});
        close(&mut schema, "t");
        assert_eq!(schema["unevaluatedProperties"], false);
        assert!(schema["allOf"][0].get("unevaluatedProperties").is_none());
        let v = jsonschema::validator_for(&schema).unwrap();
        assert!(v.is_valid(&json!({"a": 1, "b": 2})));
        assert!(!v.is_valid(&json!({"a": 1, "c": 2})));
        let mut schema = json!({"anyOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]});
        close(&mut schema, "t");
        let v = jsonschema::validator_for(&schema).unwrap();
        assert!(v.is_valid(&json!({"a": 1})) && v.is_valid(&json!({"b": 1})));
        assert!(!v.is_valid(&json!({"a": 1, "b": 2})));
    }

    #[test]
    fn known_models_are_the_specs_realtime_models() {
        let spec_models = spec().realtime_models();
        let ours: Vec<String> = KNOWN_MODELS.iter().map(|m| m.to_string()).collect();
        assert_eq!(ours, spec_models, "KNOWN_MODELS must be the spec's list, in its order");
        let voices: Vec<String> = VOICES.iter().map(|v| v.to_string()).collect();
        assert_eq!(voices, spec().voices(), "VOICES must be the spec's list");
    }

    /// What the companion sends upstream: the GA session (`POST /v1/realtime/calls`' `session`),
    /// for each model and voice it can be configured with, and the beta session.update.
    #[test]
    fn the_companions_sessions_are_on_spec() {
        let mut tally = Tally::default();
        let mut settings =
            vec![SessionSettings::default(), SessionSettings { transcription_model: None, ..Default::default() }];
        settings.extend(KNOWN_MODELS.iter().map(|m| SessionSettings { model: m.to_string(), ..Default::default() }));
        settings.extend(VOICES.iter().map(|v| SessionSettings { voice: v.to_string(), ..Default::default() }));
        for s in &settings {
            let cfg = SessionConfig::new(s);
            let ga: Value = serde_json::from_str(&cfg.to_json()).unwrap();
            tally.document("RealtimeSessionCreateRequestGA", &format!("session for {} / {}", s.model, s.voice), &ga);
            tally.client(&ClientEvent::SessionUpdate { event_id: None, session: ga }.to_json());
            let beta = ClientEvent::SessionUpdate { event_id: Some("hark_su".into()), session: cfg.to_beta_session() };
            tally.event(Interface::Beta, Sender::Client, &beta.to_json());
        }
        tally.assert_valid();
        assert_eq!(tally.total(), settings.len() * 3);
    }

    /// The client events hark-protocol builds, one of each.
    #[test]
    fn client_event_constructors_are_on_spec() {
        let mut tally = Tally::default();
        for ev in [
            ClientEvent::user_text("make the background navy"),
            ClientEvent::system_text("The person said yes."),
            ClientEvent::function_output("call_1", r#"{"ok":true}"#),
            ClientEvent::response_create(),
            ClientEvent::ResponseCreate { event_id: Some("hark_rc_1".into()), response: None },
            ClientEvent::ResponseCancel { event_id: None, response_id: Some("resp_1".into()) },
            ClientEvent::InputAudioBufferCommit { event_id: None },
            ClientEvent::InputAudioBufferClear { event_id: None },
            ClientEvent::OutputAudioBufferClear { event_id: None },
            ClientEvent::ConversationItemRetrieve { event_id: None, item_id: "item_1".into() },
            ClientEvent::ConversationItemDelete { event_id: None, item_id: "item_1".into() },
            ClientEvent::ConversationItemTruncate {
                event_id: None,
                item_id: "item_1".into(),
                content_index: 0,
                audio_end_ms: 1500,
            },
            ClientEvent::ConversationItemCreate {
                event_id: Some("e".into()),
                previous_item_id: Some("item_0".into()),
                item: Item::Message {
                    id: None,
                    role: crate::events::Role::User,
                    content: vec![ContentPart::InputAudio { audio: Some("AAAA".into()), transcript: None }],
                    status: None,
                },
            },
        ] {
            tally.client(&ev.to_json());
        }
        tally.assert_valid();
    }
}
