//! Every tool the model can call: its name, description and JSON schema (what the model sees), and
//! its typed arguments with validation (what Hark accepts). Defined once here; the companion puts
//! [`catalogue`] in the session config, the wasm core parses calls with [`ToolCall::parse`], and the
//! local peer and the tests build calls from the same names.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::color::{ColorError, CssColor};

/// A function tool as declared in the session config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDef {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

pub const GET_PAGE_HTML: &str = "getPageHTML";
pub const CHANGE_BACKGROUND_COLOR: &str = "changeBackgroundColor";
pub const CHANGE_TEXT_COLOR: &str = "changeTextColor";
pub const CHANGE_BUTTON_STYLE: &str = "changeButtonStyle";
pub const UNDO: &str = "undo";
pub const RESET_PAGE: &str = "resetPage";

/// Default and ceiling of the page snapshot's size, in o200k tokens.
pub const DEFAULT_SNAPSHOT_TOKENS: u32 = 2_000;
pub const MAX_SNAPSHOT_TOKENS: u32 = 8_000;

fn def(name: &str, description: &str, properties: Value, required: &[&str]) -> ToolDef {
    ToolDef {
        kind: "function".into(),
        name: name.into(),
        description: description.into(),
        parameters: json!({ "type": "object", "properties": properties, "required": required }),
    }
}

/// All tools, in the order the model sees them.
pub fn catalogue() -> Vec<ToolDef> {
    let target = json!({ "type": "string",
        "description": "Which element: a ref from getPageHTML like \"e12\", or its visible label like \"Save\"." });
    vec![
        def(
            GET_PAGE_HTML,
            "Read the page the person sees: a compact outline of headings, text and every interactive \
             element with a ref like [e12]. Pass `ref` or `selector` to read one element's HTML.",
            json!({
                "ref": { "type": "string", "description": "Read just this element (a ref like \"e12\")." },
                "selector": { "type": "string", "description": "Read just the first element matching this CSS selector." },
                "maxTokens": { "type": "integer", "minimum": 200, "maximum": MAX_SNAPSHOT_TOKENS,
                    "description": "Size budget of the answer in tokens (default 2000)." }
            }),
            &[],
        ),
        def(
            CHANGE_BACKGROUND_COLOR,
            "Change the background color of the page the person sees.",
            json!({ "color": { "type": "string", "description": "Any CSS color: a name, #hex, rgb() or hsl()." } }),
            &["color"],
        ),
        def(
            CHANGE_TEXT_COLOR,
            "Change the color of the page's text: body text, headings and links.",
            json!({ "color": { "type": "string", "description": "Any CSS color: a name, #hex, rgb() or hsl()." } }),
            &["color"],
        ),
        def(
            CHANGE_BUTTON_STYLE,
            "Change the size and/or color of one button (by ref or label) or of all buttons when no target is given.",
            json!({
                "target": target,
                "size": { "type": "string",
                    "description": "small, medium, large, x-large, bigger, smaller, or a CSS size like \"20px\"." },
                "color": { "type": "string", "description": "Button background color: any CSS color." }
            }),
            &[],
        ),
        def(UNDO, "Undo the last change Hark made to the page.", json!({}), &[]),
        def(RESET_PAGE, "Undo every change Hark made to the page, restoring it exactly.", json!({}), &[]),
    ]
}

/// The names of every tool in [`catalogue`].
pub fn names() -> Vec<String> {
    catalogue().into_iter().map(|t| t.name).collect()
}

/// Why a call from the model cannot be run. The message goes back to the model as the call's
/// output, so it says what to do instead.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ArgError {
    #[error("unknown function '{0}'; available: {1}")]
    UnknownFunction(String, String),
    #[error("arguments must be a JSON object: {0}")]
    NotAnObject(String),
    #[error("missing required argument '{0}'")]
    Missing(&'static str),
    #[error("argument '{name}' must be {expected}")]
    WrongType { name: &'static str, expected: &'static str },
    #[error(transparent)]
    Color(#[from] ColorError),
    #[error("size '{0}' is not understood; use small, medium, large, x-large, bigger, smaller, or a CSS size like 20px")]
    Size(String),
    #[error("give a size or a color (or both)")]
    NothingToChange,
}

/// How big a button should be.
#[derive(Debug, Clone, PartialEq)]
pub enum ButtonSize {
    /// A CSS font-size in px; padding scales with it.
    Px(f32),
    /// Relative to the button's current size.
    Scale(f32),
}

impl ButtonSize {
    pub fn parse(input: &str) -> Result<Self, ArgError> {
        let s = input.trim().to_ascii_lowercase();
        let err = || ArgError::Size(input.to_string());
        let px = |v: f32| if (4.0..=200.0).contains(&v) { Ok(ButtonSize::Px(v)) } else { Err(err()) };
        match s.as_str() {
            "small" | "smaller size" => px(12.0),
            "medium" | "normal" | "default" => px(16.0),
            "large" | "big" => px(22.0),
            "x-large" | "extra large" | "huge" | "very large" => px(30.0),
            "bigger" | "larger" => Ok(ButtonSize::Scale(1.5)),
            "smaller" => Ok(ButtonSize::Scale(0.75)),
            _ => {
                if let Some(v) = s.strip_suffix("px") {
                    v.trim().parse::<f32>().map_err(|_| err()).and_then(px)
                } else if let Some(v) = s.strip_suffix("rem").or_else(|| s.strip_suffix("em")) {
                    v.trim().parse::<f32>().map_err(|_| err()).and_then(|v| px(v * 16.0))
                } else if let Some(v) = s.strip_suffix('%') {
                    v.trim().parse::<f32>().map_err(|_| err()).and_then(|v| {
                        if (10.0..=1000.0).contains(&v) { Ok(ButtonSize::Scale(v / 100.0)) } else { Err(err()) }
                    })
                } else if let Some(v) = s.strip_suffix('x') {
                    v.trim().parse::<f32>().ok().filter(|v| (0.1..=10.0).contains(v)).map(ButtonSize::Scale).ok_or_else(err)
                } else {
                    s.parse::<f32>().map_err(|_| err()).and_then(px)
                }
            }
        }
    }
}

/// Which element(s) a call is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    All,
    /// A snapshot ref like `e12`.
    Ref(String),
    /// Visible text or accessible name, matched leniently.
    Label(String),
}

impl Target {
    pub fn parse(input: Option<&str>) -> Target {
        match input.map(str::trim) {
            None | Some("") => Target::All,
            Some(s) if s.eq_ignore_ascii_case("all") || s.eq_ignore_ascii_case("all buttons") => Target::All,
            Some(s) => {
                let r = s.trim_start_matches('[').trim_end_matches(']');
                if is_ref(r) { Target::Ref(r.to_string()) } else { Target::Label(s.to_string()) }
            }
        }
    }
}

/// Snapshot refs are `e` followed by digits.
pub fn is_ref(s: &str) -> bool {
    s.len() > 1 && s.starts_with('e') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// A validated call, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolCall {
    GetPageHtml { target: Option<Target>, selector: Option<String>, max_tokens: u32 },
    ChangeBackgroundColor { color: CssColor },
    ChangeTextColor { color: CssColor },
    ChangeButtonStyle { target: Target, size: Option<ButtonSize>, color: Option<CssColor> },
    Undo,
    ResetPage,
}

struct Args(Map<String, Value>);

impl Args {
    fn opt_str(&self, name: &'static str) -> Result<Option<&str>, ArgError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ArgError::WrongType { name, expected: "a string" }),
        }
    }
    fn str(&self, name: &'static str) -> Result<&str, ArgError> {
        self.opt_str(name)?.ok_or(ArgError::Missing(name))
    }
    fn opt_u32(&self, name: &'static str) -> Result<Option<u32>, ArgError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_f64().filter(|v| *v >= 0.0).map(|v| Some(v as u32))
                .ok_or(ArgError::WrongType { name, expected: "a positive integer" }),
            Some(Value::String(s)) => s.trim().parse::<u32>().map(Some)
                .map_err(|_| ArgError::WrongType { name, expected: "a positive integer" }),
            Some(_) => Err(ArgError::WrongType { name, expected: "a positive integer" }),
        }
    }
}

impl ToolCall {
    /// Parse the model's call: `arguments` is the JSON string from
    /// `response.function_call_arguments.done`. An empty string counts as `{}`.
    pub fn parse(name: &str, arguments: &str) -> Result<ToolCall, ArgError> {
        let value: Value = if arguments.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_str(arguments).map_err(|e| ArgError::NotAnObject(e.to_string()))?
        };
        let Value::Object(map) = value else {
            return Err(ArgError::NotAnObject(format!("got {}", kind_of(&value))));
        };
        let a = Args(map);
        Ok(match name {
            GET_PAGE_HTML => ToolCall::GetPageHtml {
                target: a.opt_str("ref")?.map(|r| Target::parse(Some(r))),
                selector: a.opt_str("selector")?.map(str::to_string),
                max_tokens: a.opt_u32("maxTokens")?.unwrap_or(DEFAULT_SNAPSHOT_TOKENS).clamp(200, MAX_SNAPSHOT_TOKENS),
            },
            CHANGE_BACKGROUND_COLOR => ToolCall::ChangeBackgroundColor { color: CssColor::parse(a.str("color")?)? },
            CHANGE_TEXT_COLOR => ToolCall::ChangeTextColor { color: CssColor::parse(a.str("color")?)? },
            CHANGE_BUTTON_STYLE => {
                let size = a.opt_str("size")?.map(ButtonSize::parse).transpose()?;
                let color = a.opt_str("color")?.map(CssColor::parse).transpose()?;
                if size.is_none() && color.is_none() {
                    return Err(ArgError::NothingToChange);
                }
                let target = a.opt_str("target")?.or(a.opt_str("ref")?).or(a.opt_str("label")?);
                ToolCall::ChangeButtonStyle { target: Target::parse(target), size, color }
            }
            UNDO => ToolCall::Undo,
            RESET_PAGE => ToolCall::ResetPage,
            other => return Err(ArgError::UnknownFunction(other.to_string(), names().join(", "))),
        })
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_calls_keep_working() {
        assert!(matches!(ToolCall::parse("getPageHTML", "{}"), Ok(ToolCall::GetPageHtml { target: None, .. })));
        assert!(matches!(ToolCall::parse("getPageHTML", ""), Ok(ToolCall::GetPageHtml { max_tokens: 2000, .. })));
        let ToolCall::ChangeBackgroundColor { color } = ToolCall::parse("changeBackgroundColor", r#"{"color":"dark blue"}"#).unwrap() else { panic!() };
        assert_eq!(color.css(), "rgb(0, 0, 139)");
        let ToolCall::ChangeButtonStyle { target, size, color } =
            ToolCall::parse("changeButtonStyle", r#"{"size":"large","color":"red"}"#).unwrap() else { panic!() };
        assert_eq!(target, Target::All);
        assert_eq!(size, Some(ButtonSize::Px(22.0)));
        assert_eq!(color.unwrap().hex(), "#ff0000");
    }

    #[test]
    fn targets_are_refs_or_labels() {
        assert_eq!(Target::parse(Some("e12")), Target::Ref("e12".into()));
        assert_eq!(Target::parse(Some("[e7]")), Target::Ref("e7".into()));
        assert_eq!(Target::parse(Some("Save changes")), Target::Label("Save changes".into()));
        assert_eq!(Target::parse(Some("email")), Target::Label("email".into()));
        assert_eq!(Target::parse(None), Target::All);
    }

    #[test]
    fn odd_arguments_get_errors_that_say_what_to_do() {
        let cases = [
            ("changeTextColor", "{}", "missing required argument 'color'"),
            ("changeTextColor", r#"{"color":42}"#, "must be a string"),
            ("changeTextColor", r#"{"color":"blurple"}"#, "is not a CSS color"),
            ("changeTextColor", "[1,2]", "must be a JSON object"),
            ("changeTextColor", "{\"color\":", "must be a JSON object"),
            ("changeButtonStyle", "{}", "give a size or a color"),
            ("changeButtonStyle", r#"{"size":"enormous-ish"}"#, "is not understood"),
            ("changeButtonStyle", r#"{"size":"9000px"}"#, "is not understood"),
            ("getPageHTML", r#"{"maxTokens":"lots"}"#, "positive integer"),
            ("deleteEverything", "{}", "unknown function 'deleteEverything'"),
        ];
        for (name, args, want) in cases {
            let err = ToolCall::parse(name, args).unwrap_err().to_string();
            assert!(err.contains(want), "{name}({args}) gave {err:?}, wanted {want:?}");
        }
    }

    #[test]
    fn sizes_people_say() {
        assert_eq!(ButtonSize::parse("20px").unwrap(), ButtonSize::Px(20.0));
        assert_eq!(ButtonSize::parse("1.5em").unwrap(), ButtonSize::Px(24.0));
        assert_eq!(ButtonSize::parse("200%").unwrap(), ButtonSize::Scale(2.0));
        assert_eq!(ButtonSize::parse("2x").unwrap(), ButtonSize::Scale(2.0));
        assert_eq!(ButtonSize::parse("bigger").unwrap(), ButtonSize::Scale(1.5));
        assert_eq!(ButtonSize::parse("18").unwrap(), ButtonSize::Px(18.0));
    }

    #[test]
    fn every_schema_is_an_object_schema_whose_required_fields_exist() {
        for t in catalogue() {
            assert_eq!(t.parameters["type"], "object", "{}", t.name);
            let props = t.parameters["properties"].as_object().unwrap();
            for r in t.parameters["required"].as_array().unwrap() {
                assert!(props.contains_key(r.as_str().unwrap()), "{}: {r}", t.name);
            }
            assert!(t.description.len() > 10);
        }
    }
}
