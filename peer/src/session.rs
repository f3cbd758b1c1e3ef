//! Session configuration checks, the way OpenAI checks them (unknown model, bad voice, malformed
//! tools, unknown parameters), and the session objects the peer reports.

use hark_protocol::events::ErrorBody;
use hark_protocol::session::{SessionConfig, SessionSettings, KNOWN_MODELS, VOICES};
use serde_json::{json, Map, Value};

/// Which API shape a call uses: GA (`/v1/realtime/calls`) or beta (`/v1/realtime?model=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Ga,
    Beta,
}

const GA_KEYS: &[&str] = &[
    "type",
    "model",
    "instructions",
    "output_modalities",
    "audio",
    "tools",
    "tool_choice",
    "max_output_tokens",
    "tracing",
    "truncation",
    "prompt",
    "include",
    "id",
    "object",
    "expires_at",
];

/// An OpenAI-shaped `invalid_request_error`.
pub fn invalid(code: &str, message: impl Into<String>, param: Option<&str>) -> ErrorBody {
    ErrorBody {
        kind: "invalid_request_error".into(),
        code: Some(code.into()),
        message: message.into(),
        param: param.map(str::to_string),
        event_id: None,
    }
}

fn supported(values: &[&str]) -> String {
    values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")
}

pub fn check_model(model: &str, param: Option<&str>) -> Result<(), ErrorBody> {
    if KNOWN_MODELS.contains(&model) {
        Ok(())
    } else {
        Err(ErrorBody {
            kind: "invalid_request_error".into(),
            code: Some("model_not_found".into()),
            message: format!("The model `{model}` does not exist or you do not have access to it."),
            param: param.map(str::to_string),
            event_id: None,
        })
    }
}

fn check_voice(v: &Value, param: &str) -> Result<(), ErrorBody> {
    match v.as_str() {
        Some(s) if VOICES.contains(&s) => Ok(()),
        Some(s) => Err(invalid(
            "invalid_value",
            format!("Invalid value: '{s}'. Supported values are: {}.", supported(VOICES)),
            Some(param),
        )),
        None => Err(invalid("invalid_type", format!("Invalid type for '{param}': expected a string."), Some(param))),
    }
}

fn check_tools(tools: &Value) -> Result<(), ErrorBody> {
    let Some(list) = tools.as_array() else {
        return Err(invalid(
            "invalid_type",
            "Invalid type for 'session.tools': expected an array.",
            Some("session.tools"),
        ));
    };
    for (i, t) in list.iter().enumerate() {
        let p = |f: &str| format!("session.tools[{i}]{f}");
        let Some(obj) = t.as_object() else {
            return Err(invalid(
                "invalid_type",
                format!("Invalid type for '{}': expected an object.", p("")),
                Some(&p("")),
            ));
        };
        match obj.get("type").and_then(Value::as_str) {
            Some("function") | Some("mcp") => {}
            Some(other) => {
                return Err(invalid(
                    "invalid_value",
                    format!("Invalid value: '{other}'. Supported values are: 'function' and 'mcp'."),
                    Some(&p(".type")),
                ))
            }
            None => {
                return Err(invalid(
                    "missing_required_parameter",
                    format!("Missing required parameter: '{}'.", p(".type")),
                    Some(&p(".type")),
                ))
            }
        }
        if obj.get("type").and_then(Value::as_str) != Some("function") {
            continue;
        }
        match obj.get("name") {
            None => {
                return Err(invalid(
                    "missing_required_parameter",
                    format!("Missing required parameter: '{}'.", p(".name")),
                    Some(&p(".name")),
                ))
            }
            Some(Value::String(n)) => {
                let ok = !n.is_empty()
                    && n.len() <= 64
                    && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !ok {
                    return Err(invalid(
                        "invalid_value",
                        format!("Invalid '{}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{{1,64}}$'.", p(".name")),
                        Some(&p(".name")),
                    ));
                }
            }
            Some(_) => {
                return Err(invalid(
                    "invalid_type",
                    format!("Invalid type for '{}': expected a string.", p(".name")),
                    Some(&p(".name")),
                ))
            }
        }
        if let Some(params) = obj.get("parameters") {
            let is_object_schema = params.as_object().is_some_and(|o| o.get("type").is_none_or(|t| t == "object"));
            if !is_object_schema {
                return Err(invalid(
                    "invalid_function_parameters",
                    format!(
                        "Invalid schema for function '{}': schema must be a JSON Schema of 'type: \"object\"'.",
                        obj["name"].as_str().unwrap_or("")
                    ),
                    Some(&p(".parameters")),
                ));
            }
        }
    }
    Ok(())
}

/// Check a session object (from the HTTP `session` field or a `session.update`).
pub fn check_session(session: &Value, flavour: Flavour) -> Result<(), ErrorBody> {
    let Some(obj) = session.as_object() else {
        return Err(invalid("invalid_type", "Invalid type for 'session': expected an object.", Some("session")));
    };
    if flavour == Flavour::Ga {
        for k in obj.keys() {
            if !GA_KEYS.contains(&k.as_str()) {
                return Err(invalid(
                    "unknown_parameter",
                    format!("Unknown parameter: 'session.{k}'."),
                    Some(&format!("session.{k}")),
                ));
            }
        }
        match obj.get("type").and_then(Value::as_str) {
            Some("realtime") => {}
            Some(other) => {
                return Err(invalid(
                    "invalid_value",
                    format!("Invalid value: '{other}'. Supported values are: 'realtime' and 'transcription'."),
                    Some("session.type"),
                ))
            }
            None => {
                return Err(invalid(
                    "missing_required_parameter",
                    "Missing required parameter: 'session.type'.",
                    Some("session.type"),
                ))
            }
        }
        if let Some(v) = obj.get("audio").and_then(|a| a.get("output")).and_then(|o| o.get("voice")) {
            check_voice(v, "session.audio.output.voice")?;
        }
        if let Some(m) = obj.get("output_modalities") {
            let ok = m.as_array().is_some_and(|a| a.len() == 1 && a.iter().all(|x| x == "audio" || x == "text"));
            if !ok {
                return Err(invalid(
                    "invalid_value",
                    "Invalid value for 'session.output_modalities': use [\"audio\"] or [\"text\"].",
                    Some("session.output_modalities"),
                ));
            }
        }
    } else if let Some(v) = obj.get("voice") {
        check_voice(v, "session.voice")?;
    }
    if let Some(m) = obj.get("model") {
        match m.as_str() {
            Some(m) => check_model(m, Some("session.model"))?,
            None => {
                return Err(invalid(
                    "invalid_type",
                    "Invalid type for 'session.model': expected a string.",
                    Some("session.model"),
                ))
            }
        }
    }
    if let Some(t) = obj.get("tools") {
        check_tools(t)?;
    }
    if let Some(tc) = obj.get("tool_choice") {
        let ok = match tc {
            Value::String(s) => matches!(s.as_str(), "auto" | "none" | "required"),
            Value::Object(_) => true,
            _ => false,
        };
        if !ok {
            return Err(invalid(
                "invalid_value",
                "Invalid value for 'session.tool_choice': use 'auto', 'none', 'required' or a function.",
                Some("session.tool_choice"),
            ));
        }
    }
    Ok(())
}

/// The session a `/v1/realtime?model=` call starts with (OpenAI's defaults: no tools).
pub fn default_session(model: &str) -> Value {
    let mut cfg = SessionConfig::new(&SessionSettings { model: model.into(), ..SessionSettings::default() });
    cfg.tools.clear();
    cfg.instructions = String::new();
    serde_json::to_value(cfg).expect("session config serializes")
}

/// Add the ids OpenAI reports on a session.
pub fn with_ids(mut session: Value, id: &str) -> Value {
    if let Value::Object(o) = &mut session {
        o.insert("id".into(), json!(id));
        o.insert("object".into(), json!("realtime.session"));
        o.entry("expires_at").or_insert(json!(unix_now() + 3600));
    }
    session
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Apply a `session.update` on top of the current session (objects merge, other values replace).
pub fn merge(current: &mut Value, update: &Value) {
    match (current, update) {
        (Value::Object(c), Value::Object(u)) => {
            for (k, v) in u {
                if k == "tools" || !v.is_object() {
                    c.insert(k.clone(), v.clone());
                } else {
                    merge(c.entry(k.clone()).or_insert(Value::Object(Map::new())), v);
                }
            }
        }
        (c, u) => *c = u.clone(),
    }
}

/// The voice of a session, in either shape.
pub fn voice_of(session: &Value) -> Option<&str> {
    session.pointer("/audio/output/voice").or_else(|| session.get("voice")).and_then(Value::as_str)
}

/// True when the session asks for text-only answers.
pub fn text_only(session: &Value) -> bool {
    let m = session.get("output_modalities").or_else(|| session.get("modalities"));
    m.and_then(Value::as_array).is_some_and(|a| !a.iter().any(|x| x == "audio"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ga() -> Value {
        serde_json::to_value(SessionConfig::new(&SessionSettings::default())).unwrap()
    }

    #[test]
    fn hark_sessions_pass_in_both_shapes() {
        check_session(&ga(), Flavour::Ga).unwrap();
        check_session(&SessionConfig::new(&SessionSettings::default()).to_beta_session(), Flavour::Beta).unwrap();
    }

    #[test]
    fn each_defect_gets_openai_code_and_param() {
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"model": "gpt-9"}), "model_not_found", "session.model"),
            (json!({"audio": {"output": {"voice": "darth"}}}), "invalid_value", "session.audio.output.voice"),
            (json!({"tools": [{"type": "function"}]}), "missing_required_parameter", "session.tools[0].name"),
            (json!({"tools": [{"type": "function", "name": "has space"}]}), "invalid_value", "session.tools[0].name"),
            (
                json!({"tools": [{"type": "function", "name": "f", "parameters": []}]}),
                "invalid_function_parameters",
                "session.tools[0].parameters",
            ),
            (json!({"tools": {"name": "x"}}), "invalid_type", "session.tools"),
            (json!({"modalities": ["audio"]}), "unknown_parameter", "session.modalities"),
            (json!({"tool_choice": "sometimes"}), "invalid_value", "session.tool_choice"),
        ];
        for (patch, code, param) in cases {
            let mut s = ga();
            merge(&mut s, &patch);
            let e = check_session(&s, Flavour::Ga).unwrap_err();
            assert_eq!(e.code.as_deref(), Some(code), "{patch}: {e:?}");
            assert_eq!(e.param.as_deref(), Some(param), "{patch}");
            assert_eq!(e.kind, "invalid_request_error");
        }
        let mut s = ga();
        s.as_object_mut().unwrap().remove("type");
        assert_eq!(check_session(&s, Flavour::Ga).unwrap_err().code.as_deref(), Some("missing_required_parameter"));
        assert_eq!(
            check_session(&json!({"voice":"nope"}), Flavour::Beta).unwrap_err().param.as_deref(),
            Some("session.voice")
        );
    }

    #[test]
    fn updates_merge_nested_objects() {
        let mut s = ga();
        merge(&mut s, &json!({"audio": {"output": {"voice": "cedar"}}, "instructions": "x"}));
        assert_eq!(voice_of(&s), Some("cedar"));
        assert_eq!(s["audio"]["input"]["turn_detection"]["type"], "server_vad");
        assert_eq!(s["instructions"], "x");
        assert!(!text_only(&s));
        merge(&mut s, &json!({"output_modalities": ["text"]}));
        assert!(text_only(&s));
    }
}
