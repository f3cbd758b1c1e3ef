//! Local mode's typed-command grammar: turns what a person typed into tool calls from the
//! catalogue ("make the background dark blue", "make the Save button green", "undo", ...), and
//! words the answer after the calls ran. No speech recognition: that needs an OpenAI key.

use hark_protocol::color::CssColor;
use hark_protocol::tools::{self, ButtonSize};
use serde_json::{json, Map, Value};

/// One tool call the grammar wants made.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    pub name: &'static str,
    pub arguments: Value,
}

/// What a typed command means.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Calls(Vec<PlannedCall>),
    /// Not understood; the string says why, in words for the person.
    NotUnderstood(String),
}

pub const EXAMPLES: &str = "\"make the background dark blue\", \"background #123456\", \"text color white\", \
\"make the buttons bigger\", \"make the Save button green\", \"show numbers\", \"click 12\", \"click Login\", \
\"type ada@example.org into Email\", \"find opening hours\", \"read the selection\", \"read the Installation section\", \
\"scroll down\", \"go back\", \"read the page\", \"undo\" or \"reset\"";

pub const SPEECH_NEEDS_KEY: &str = "Speech recognition needs an OpenAI key: in local mode, type your command instead.";

/// Interpret one typed message. Several commands can be joined with "then" or ";".
pub fn interpret(text: &str) -> Intent {
    let mut calls = Vec::new();
    let lowered = text.to_lowercase();
    let mut parts: Vec<&str> = vec![text];
    for sep in [";", " and then ", ", then ", " then "] {
        if lowered.contains(sep) {
            parts = parts.iter().flat_map(|p| split_ci(p, sep)).collect();
        }
    }
    for part in parts {
        match interpret_one(part) {
            Ok(call) => calls.push(call),
            Err(why) => return Intent::NotUnderstood(why),
        }
    }
    if calls.is_empty() {
        return Intent::NotUnderstood(not_understood(text));
    }
    Intent::Calls(calls)
}

fn split_ci<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let lower = s.to_lowercase();
    if lower.len() != s.len() {
        return vec![s];
    }
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in lower.match_indices(sep) {
        out.push(&s[start..i]);
        start = i + sep.len();
    }
    out.push(&s[start..]);
    out.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

fn not_understood(text: &str) -> String {
    format!(
        "Sorry, I didn't understand \"{}\". In local mode I understand typed commands like {EXAMPLES}. {SPEECH_NEEDS_KEY}",
        text.trim()
    )
}

/// Words that carry no meaning in a command.
const FILLER: &[&str] = &[
    "please", "can", "could", "would", "you", "make", "change", "set", "turn", "paint", "the", "page's", "page", "a",
    "to", "be", "into", "color", "colour", "of", "all", "should", "is", "now", "hark", "just", "it",
];

fn words(s: &str) -> Vec<String> {
    s.split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '!' | '?' | ',' | ':' | '"' | '\'')).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn strip_filler(ws: &[String]) -> Vec<String> {
    ws.iter().filter(|w| !FILLER.contains(&w.to_lowercase().as_str())).cloned().collect()
}

fn color_of(ws: &[String]) -> Option<String> {
    let rest = strip_filler(ws).join(" ");
    if rest.is_empty() {
        return None;
    }
    CssColor::parse(&rest).ok().map(|_| rest)
}

fn interpret_one(text: &str) -> Result<PlannedCall, String> {
    let ws = words(text);
    let lower: Vec<String> = ws.iter().map(|w| w.to_lowercase()).collect();
    let joined = lower.join(" ");
    let has = |w: &str| lower.iter().any(|x| x == w);
    let call = |name: &'static str, arguments: Value| Ok(PlannedCall { name, arguments });

    if matches!(joined.as_str(), "undo" | "undo that" | "undo it" | "undo the last change" | "revert")
        || ((has("undo") || has("revert")) && lower.len() <= 5)
    {
        return call(tools::UNDO, json!({}));
    }
    if let Some(planned) = action_call(&ws, &lower) {
        return planned;
    }
    if has("reset") || has("restore") || joined.contains("start over") || joined.contains("original page") {
        return call(tools::RESET_PAGE, json!({}));
    }
    let about_page = ["page", "site", "website", "screen"].iter().any(|w| has(w));
    let reading =
        ["read", "describe", "summarize", "summarise", "say", "about", "contain", "contains"].iter().any(|w| has(w));
    if joined == "read" || joined.contains("what's on") || joined.contains("what is on") || (about_page && reading) {
        return call(tools::GET_PAGE_HTML, json!({}));
    }
    // Views: "dark mode", "make the page sepia", "high contrast", "more spacing", "stop the animations".
    let theme = ["dark", "light", "sepia"]
        .into_iter()
        .find(|t| has(t))
        .or(joined.contains("high contrast").then_some("high-contrast"));
    let view_words = ["mode", "theme", "page", "view"].iter().any(|w| has(w)) || lower.len() <= 2;
    let spacing = has("spacing") || joined.contains("space out");
    let motion = has("motion") || has("animations") || has("animation");
    if (theme.is_some() && view_words && !has("background") && !has("text")) || spacing || motion {
        let mut args = json!({});
        if let Some(t) = theme {
            args["theme"] = json!(t);
        }
        if spacing {
            args["textSpacing"] = json!(true);
        }
        if motion {
            args["reducedMotion"] = json!(true);
        }
        return call(tools::CHANGE_PAGE_VIEW, args);
    }
    if let Some(i) = lower.iter().position(|w| w == "background" || w == "bg") {
        let after = &ws[i + 1..];
        let before = &ws[..i];
        let color = color_of(after).or_else(|| color_of(before));
        return match color {
            Some(c) => call(tools::CHANGE_BACKGROUND_COLOR, json!({ "color": c })),
            None => Err(color_problem(after, text)),
        };
    }
    if let Some(i) = lower.iter().position(|w| w == "button" || w == "buttons") {
        return button_call(&ws, &lower, i)
            .map(|arguments| PlannedCall { name: tools::CHANGE_BUTTON_STYLE, arguments });
    }
    if let Some(i) = lower.iter().position(|w| w == "text" || w == "font" || w == "writing") {
        let after = &ws[i + 1..];
        return match color_of(after).or_else(|| color_of(&ws[..i])) {
            Some(c) => call(tools::CHANGE_TEXT_COLOR, json!({ "color": c })),
            None => Err(color_problem(after, text)),
        };
    }
    Err(not_understood(text))
}

/// Page actions: labels, click, type, find, read aloud, scroll, history. `None`: not one of them.
fn action_call(ws: &[String], lower: &[String]) -> Option<Result<PlannedCall, String>> {
    let call = |name: &'static str, arguments: Value| Some(Ok(PlannedCall { name, arguments }));
    let joined = lower.join(" ");
    let first = lower.first().map(String::as_str).unwrap_or("");
    let rest = |n: usize| ws[n.min(ws.len())..].join(" ");
    let numbers = ["labels", "numbers", "number", "label"].iter().any(|w| lower.iter().any(|x| x == w));
    if numbers && matches!(first, "show" | "number") || joined == "number the elements" {
        return call(tools::SHOW_LABELS, json!({ "show": true }));
    }
    if numbers && matches!(first, "hide" | "remove" | "clear") {
        return call(tools::SHOW_LABELS, json!({ "show": false }));
    }
    if matches!(first, "click" | "press" | "tap" | "open")
        && ws.len() > 1
        && !(first == "press" && ws.len() == 2 && tools::Key::parse(&ws[1]).is_ok())
    {
        let target = rest(1);
        let target = target.trim_start_matches("on ").trim_start_matches("the ").trim();
        return call(tools::CLICK, json!({ "target": target }));
    }
    if first == "press" && ws.len() == 2 {
        return call(tools::PRESS_KEY, json!({ "key": ws[1] }));
    }
    if first == "type" {
        // "type <text> into|in <field>"
        let split = lower.iter().rposition(|w| w == "into" || w == "in")?;
        if split < 2 || split + 1 >= ws.len() {
            return Some(Err("Say what to type and where, e.g. \"type ada@example.org into Email\".".into()));
        }
        let field = ws[split + 1..].join(" ");
        let field = field.trim_start_matches("the ").trim_end_matches(" field").to_string();
        return call(tools::TYPE_TEXT, json!({ "target": field, "text": ws[1..split].join(" ") }));
    }
    if matches!(first, "find" | "search" | "highlight") {
        let skip = if lower.get(1).map(String::as_str) == Some("for") { 2 } else { 1 };
        let what = rest(skip);
        let what = what.trim_end_matches(" on the page").trim_end_matches(" on this page").trim_matches('"');
        return call(tools::FIND_TEXT, json!({ "text": what }));
    }
    if first == "read"
        && (joined.contains("selection") || joined.contains("selected") || joined == "read this" || joined == "read it")
    {
        return call(tools::READ_TEXT, json!({}));
    }
    if first == "read" && lower.iter().any(|w| w == "section" || w == "part") {
        let name: Vec<&String> = ws[1..]
            .iter()
            .zip(&lower[1..])
            .filter(|(_, l)| !matches!(l.as_str(), "the" | "section" | "part" | "aloud" | "out" | "to" | "me"))
            .map(|(w, _)| w)
            .collect();
        let name = name.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(" ");
        return call(tools::READ_TEXT, json!({ "target": name }));
    }
    if first == "scroll" {
        let direction =
            ["up", "down", "top", "bottom"].into_iter().find(|d| lower.iter().any(|w| w == d)).unwrap_or("down");
        return call(tools::SCROLL, json!({ "direction": direction }));
    }
    if matches!(joined.as_str(), "go back" | "back" | "previous page" | "go to the previous page") {
        return call(tools::NAVIGATE, json!({ "to": "back" }));
    }
    if matches!(joined.as_str(), "go forward" | "forward" | "next page") {
        return call(tools::NAVIGATE, json!({ "to": "forward" }));
    }
    None
}

fn color_problem(after: &[String], text: &str) -> String {
    let rest = strip_filler(after).join(" ");
    if rest.is_empty() {
        format!("Which color? For example: \"{} dark blue\".", text.trim())
    } else {
        format!("\"{rest}\" is not a color I know. Try a name like navy, a hex like #1e90ff, or rgb(30, 144, 255).")
    }
}

const SIZE_WORDS: &[&str] =
    &["bigger", "larger", "smaller", "large", "big", "small", "medium", "huge", "x-large", "normal", "default"];

fn button_call(ws: &[String], lower: &[String], i: usize) -> Result<Value, String> {
    // A label before "button": "make the Save button green" / "make the 'Sign in' button bigger".
    let label: Vec<String> = strip_filler(&ws[..i]);
    let mut args = Map::new();
    if !label.is_empty() {
        args.insert("target".into(), json!(label.join(" ")));
    }
    let mut size = None;
    let mut color_words = Vec::new();
    for (w, l) in ws[i + 1..].iter().zip(&lower[i + 1..]) {
        if SIZE_WORDS.contains(&l.as_str()) || (size.is_none() && l.ends_with("px") && ButtonSize::parse(l).is_ok()) {
            size = Some(l.clone());
        } else if !matches!(l.as_str(), "and" | "size" | "with" | "bit" | "little" | "much" | "more" | "text") {
            color_words.push(w.clone());
        }
    }
    if let Some(s) = size {
        args.insert("size".into(), json!(s));
    }
    if let Some(c) = color_of(&color_words) {
        args.insert("color".into(), json!(c));
    } else if !strip_filler(&color_words).is_empty() {
        return Err(color_problem(&color_words, &ws.join(" ")));
    }
    if !args.contains_key("size") && !args.contains_key("color") {
        return Err(format!(
            "What should change about the buttons? Say a size (bigger, smaller, large) or a color, e.g. \"make the buttons bigger\". {}",
            ""
        )
        .trim()
        .to_string());
    }
    Ok(Value::Object(args))
}

/// One finished call: what was asked and what the page said.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    pub name: String,
    pub arguments: Value,
    pub output: String,
}

/// The spoken/text answer after the calls ran.
pub fn summarise(results: &[CallResult]) -> String {
    let mut sentences = Vec::new();
    for r in results {
        sentences.push(describe(r));
    }
    if sentences.is_empty() {
        return "Done.".into();
    }
    sentences.join(" ")
}

fn failure_of(output: &str) -> Option<String> {
    let v: Value = serde_json::from_str(output).ok()?;
    let err = v.get("error").filter(|e| !e.is_null());
    let failed = v.get("ok") == Some(&Value::Bool(false)) || v.get("success") == Some(&Value::Bool(false));
    if err.is_none() && !failed {
        return None;
    }
    let msg = match err {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o.get("message").and_then(Value::as_str).unwrap_or("it failed").to_string(),
        _ => v.get("message").and_then(Value::as_str).unwrap_or("it failed").to_string(),
    };
    Some(msg)
}

fn describe(r: &CallResult) -> String {
    let arg = |k: &str| r.arguments.get(k).and_then(Value::as_str).map(str::to_string);
    let what = match r.name.as_str() {
        tools::CHANGE_BACKGROUND_COLOR => format!("change the background to {}", arg("color").unwrap_or_default()),
        tools::CHANGE_TEXT_COLOR => format!("change the text color to {}", arg("color").unwrap_or_default()),
        tools::CHANGE_BUTTON_STYLE => {
            let who = arg("target").map(|t| format!("the {t} button")).unwrap_or_else(|| "the buttons".into());
            let mut how = Vec::new();
            if let Some(s) = arg("size") {
                how.push(s);
            }
            if let Some(c) = arg("color") {
                how.push(c);
            }
            format!("make {who} {}", how.join(" and "))
        }
        tools::GET_PAGE_HTML => "read the page".into(),
        tools::UNDO => "undo the last change".into(),
        tools::RESET_PAGE => "reset the page".into(),
        tools::CLICK => format!("click {}", arg("target").unwrap_or_default()),
        tools::TYPE_TEXT => format!("type into {}", arg("target").unwrap_or_default()),
        tools::FIND_TEXT => format!("find \"{}\"", arg("text").unwrap_or_default()),
        tools::READ_TEXT => "read that".into(),
        tools::SHOW_LABELS => "show the numbers".into(),
        other => format!("run {other}"),
    };
    if let Some(why) = failure_of(&r.output) {
        return format!("I couldn't {what}: {why}.");
    }
    // The action tools word their own result (the core's message) or return text to read.
    if let Ok(v) = serde_json::from_str::<Value>(&r.output) {
        if let Some(t) = v.get("text").and_then(Value::as_str).filter(|_| r.name == tools::READ_TEXT) {
            return t.to_string();
        }
        if let Some(m) = v.get("message").and_then(Value::as_str).filter(|_| {
            !matches!(
                r.name.as_str(),
                tools::CHANGE_BACKGROUND_COLOR
                    | tools::CHANGE_TEXT_COLOR
                    | tools::CHANGE_BUTTON_STYLE
                    | tools::UNDO
                    | tools::RESET_PAGE
            )
        }) {
            return m.to_string();
        }
    }
    if r.name == tools::GET_PAGE_HTML {
        let text: String = page_text(&r.output);
        let short: String = text.chars().take(240).collect();
        let ell = if text.chars().count() > 240 { "…" } else { "" };
        return format!("I read the page: {short}{ell}");
    }
    // "change" -> "changed", "make" -> "made", ...
    let past = what
        .replacen("change ", "changed ", 1)
        .replacen("make ", "made ", 1)
        .replacen("undo ", "undid ", 1)
        .replacen("run ", "ran ", 1);
    format!("I {past}.")
}

fn page_text(output: &str) -> String {
    let raw = match serde_json::from_str::<Value>(output) {
        Ok(Value::Object(o)) => ["snapshot", "outline", "text", "html", "content"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| output.to_string()),
        Ok(Value::String(s)) => s,
        _ => output.to_string(),
    };
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_protocol::tools::ToolCall;

    fn one(text: &str) -> PlannedCall {
        match interpret(text) {
            Intent::Calls(c) if c.len() == 1 => c.into_iter().next().unwrap(),
            other => panic!("{text}: {other:?}"),
        }
    }

    /// Every planned call must be one the client accepts.
    fn valid(c: &PlannedCall) -> ToolCall {
        ToolCall::parse(c.name, &c.arguments.to_string()).unwrap_or_else(|e| panic!("{c:?}: {e}"))
    }

    #[test]
    fn background_colors_in_the_ways_people_type_them() {
        for (text, hex) in [
            ("make the background dark blue", "#00008b"),
            ("background #123456", "#123456"),
            ("Change the background color to navy.", "#000080"),
            ("set the page background to rgb(30, 144, 255)", "#1e90ff"),
            ("dark blue background please", "#00008b"),
        ] {
            let c = one(text);
            assert_eq!(c.name, tools::CHANGE_BACKGROUND_COLOR, "{text}");
            let ToolCall::ChangeBackgroundColor { color, .. } = valid(&c) else { panic!() };
            assert_eq!(color.hex(), hex, "{text}");
        }
    }

    #[test]
    fn page_views_in_the_ways_people_type_them() {
        for (text, want) in [
            (
                "dark mode",
                ToolCall::ChangePageView {
                    theme: Some(tools::Theme::Dark),
                    text_spacing: false,
                    reduced_motion: false,
                },
            ),
            (
                "make the page sepia",
                ToolCall::ChangePageView {
                    theme: Some(tools::Theme::Sepia),
                    text_spacing: false,
                    reduced_motion: false,
                },
            ),
            (
                "high contrast view",
                ToolCall::ChangePageView {
                    theme: Some(tools::Theme::HighContrast),
                    text_spacing: false,
                    reduced_motion: false,
                },
            ),
            ("more text spacing", ToolCall::ChangePageView { theme: None, text_spacing: true, reduced_motion: false }),
            (
                "stop the animations",
                ToolCall::ChangePageView { theme: None, text_spacing: false, reduced_motion: true },
            ),
        ] {
            assert_eq!(valid(&one(text)), want, "{text}");
        }
        // Colors that name a shade stay color changes.
        assert_eq!(one("make the background dark blue").name, tools::CHANGE_BACKGROUND_COLOR);
        assert_eq!(one("make the text light gray").name, tools::CHANGE_TEXT_COLOR);
    }

    #[test]
    fn text_colors() {
        let c = one("text color white");
        let ToolCall::ChangeTextColor { color, .. } = valid(&c) else { panic!("{c:?}") };
        assert_eq!(color.hex(), "#ffffff");
        assert_eq!(one("make the text light sea green").name, tools::CHANGE_TEXT_COLOR);
    }

    #[test]
    fn buttons_size_color_and_label() {
        for (text, want_size) in [("make the buttons bigger", "bigger"), ("make the buttons large", "large")] {
            let c = one(text);
            assert_eq!(c.arguments, json!({ "size": want_size }), "{text}");
            valid(&c);
        }
        let c = one("make the buttons red");
        assert_eq!(c.arguments, json!({ "color": "red" }));
        let c = one("make the Save button green");
        assert_eq!(c.arguments, json!({ "target": "Save", "color": "green" }));
        let ToolCall::ChangeButtonStyle { target, .. } = valid(&c) else { panic!() };
        assert_eq!(target, hark_protocol::tools::Target::Label("Save".into()));
        let c = one("change the color of the buttons to blue");
        assert_eq!(c.arguments, json!({ "color": "blue" }));
        let c = one("make the 'Sign in' button red");
        assert_eq!(c.arguments, json!({ "target": "Sign in", "color": "red" }));
        let c = one("set background to light gray");
        assert_eq!(c.name, tools::CHANGE_BACKGROUND_COLOR);
        valid(&c);
        let c = one("make the buttons bigger and dark red");
        assert_eq!(c.arguments, json!({ "size": "bigger", "color": "dark red" }));
        valid(&c);
    }

    #[test]
    fn reading_undo_and_reset() {
        assert_eq!(one("read the page").name, tools::GET_PAGE_HTML);
        assert_eq!(one("What's on this page?").name, tools::GET_PAGE_HTML);
        assert_eq!(one("undo").name, tools::UNDO);
        assert_eq!(one("Undo that").name, tools::UNDO);
        assert_eq!(one("reset").name, tools::RESET_PAGE);
        assert_eq!(one("reset the page").name, tools::RESET_PAGE);
        assert_eq!(one("restore everything").name, tools::RESET_PAGE);
        assert_eq!(one("revert that").name, tools::UNDO);
        for text in [
            "what does this page say",
            "summarize the page",
            "what is this page about",
            "read the page to me",
            "describe this site",
        ] {
            assert_eq!(one(text).name, tools::GET_PAGE_HTML, "{text}");
        }
    }

    #[test]
    fn page_actions_people_type() {
        let cases = [
            ("show numbers", tools::SHOW_LABELS, json!({"show": true})),
            ("show labels", tools::SHOW_LABELS, json!({"show": true})),
            ("hide the numbers", tools::SHOW_LABELS, json!({"show": false})),
            ("click 12", tools::CLICK, json!({"target": "12"})),
            ("click on the Login button", tools::CLICK, json!({"target": "Login button"})),
            ("press Enter", tools::PRESS_KEY, json!({"key": "Enter"})),
            (
                "type ada@example.org into the Email field",
                tools::TYPE_TEXT,
                json!({"target": "Email", "text": "ada@example.org"}),
            ),
            ("find opening hours", tools::FIND_TEXT, json!({"text": "opening hours"})),
            ("search for prices on the page", tools::FIND_TEXT, json!({"text": "prices"})),
            ("read the selection", tools::READ_TEXT, json!({})),
            ("read the Installation section", tools::READ_TEXT, json!({"target": "Installation"})),
            ("scroll down", tools::SCROLL, json!({"direction": "down"})),
            ("go back", tools::NAVIGATE, json!({"to": "back"})),
        ];
        for (text, name, args) in cases {
            let c = one(text);
            assert_eq!((c.name, &c.arguments), (name, &args), "{text}");
            valid(&c);
        }
    }

    #[test]
    fn several_commands_in_one_message() {
        let Intent::Calls(calls) = interpret("background navy then text color white") else { panic!() };
        assert_eq!(
            calls.iter().map(|c| c.name).collect::<Vec<_>>(),
            [tools::CHANGE_BACKGROUND_COLOR, tools::CHANGE_TEXT_COLOR]
        );
    }

    #[test]
    fn what_is_not_understood_is_said_plainly_with_the_key_hint() {
        let Intent::NotUnderstood(why) = interpret("order me a pizza") else { panic!() };
        assert!(why.contains("didn't understand \"order me a pizza\""), "{why}");
        assert!(why.contains("needs an OpenAI key"), "{why}");
        let Intent::NotUnderstood(why) = interpret("make the background blurple") else { panic!() };
        assert!(why.contains("\"blurple\" is not a color"), "{why}");
        assert!(matches!(interpret("make the buttons"), Intent::NotUnderstood(_)));
        assert!(matches!(interpret(""), Intent::NotUnderstood(_)));
    }

    #[test]
    fn answers_say_what_happened() {
        let r =
            |name: &str, args: Value, out: &str| CallResult { name: name.into(), arguments: args, output: out.into() };
        assert_eq!(
            summarise(&[r(tools::CHANGE_BACKGROUND_COLOR, json!({"color":"dark blue"}), r#"{"ok":true}"#)]),
            "I changed the background to dark blue."
        );
        assert_eq!(
            summarise(&[r(tools::CHANGE_BUTTON_STYLE, json!({"target":"Save","color":"green"}), r#"{"ok":true}"#)]),
            "I made the Save button green."
        );
        let s = summarise(&[r(
            tools::CHANGE_BUTTON_STYLE,
            json!({"target":"Save","color":"green"}),
            r#"{"ok":false,"error":"no button labelled Save"}"#,
        )]);
        assert_eq!(s, "I couldn't make the Save button green: no button labelled Save.");
        let s = summarise(&[r(tools::GET_PAGE_HTML, json!({}), "# Welcome\n[e1] button \"Save\"")]);
        assert!(s.starts_with("I read the page: # Welcome [e1] button \"Save\""), "{s}");
        assert_eq!(summarise(&[r(tools::UNDO, json!({}), "ok")]), "I undid the last change.");
    }
}
