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
pub const CLICK: &str = "click";
pub const TYPE_TEXT: &str = "typeText";
pub const PRESS_KEY: &str = "pressKey";
pub const SELECT_OPTION: &str = "selectOption";
pub const SET_CHECKED: &str = "setChecked";
pub const SCROLL: &str = "scroll";
pub const NAVIGATE: &str = "navigate";
pub const ZOOM_TEXT: &str = "zoomText";
pub const CHANGE_PAGE_VIEW: &str = "changePageView";
pub const SHOW_LABELS: &str = "showLabels";
pub const FIND_TEXT: &str = "findText";
pub const READ_TEXT: &str = "readText";

/// Default and ceiling of `readText`'s answer, in o200k tokens.
pub const DEFAULT_READ_TOKENS: u32 = 1_000;

/// Text zoom limits, in percent of the page's own size.
pub const MIN_ZOOM_PERCENT: u32 = 50;
pub const MAX_ZOOM_PERCENT: u32 = 300;

/// Default and ceiling of the page snapshot's size, in o200k tokens.
pub const DEFAULT_SNAPSHOT_TOKENS: u32 = 1_500;
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
        "description": "Which element: a ref from getPageHTML like \"e12\", its visible label like \"Save\", or the number showLabels put on it like \"12\"." });
    vec![
        def(
            GET_PAGE_HTML,
            "Read the page the person sees: a compact outline of headings, text and every interactive \
             element with a ref like [e12] that the other tools accept. What is in view comes first; \
             text is previewed and text out of view only counted (readText reads it). Pass `ref` or \
             `selector` to read one element's HTML.",
            json!({
                "ref": { "type": "string", "description": "Read just this element (a ref like \"e12\")." },
                "selector": { "type": "string", "description": "Read just the first element matching this CSS selector." },
                "maxTokens": { "type": "integer", "minimum": 200, "maximum": MAX_SNAPSHOT_TOKENS,
                    "description": format!("Size budget of the answer in tokens (default {DEFAULT_SNAPSHOT_TOKENS}).") },
                "from": { "type": "string",
                    "description": "Read on: the outline from this ref on, in page order (a cut outline names the ref to pass)." }
            }),
            &[],
        ),
        def(
            CHANGE_BACKGROUND_COLOR,
            "Change the background color of the page the person sees. Text it would leave hard to read is recolored to stay readable (and the answer says which).",
            json!({ "color": { "type": "string", "description": "Any CSS color: a name, #hex, rgb() or hsl()." },
                    "keepExactColors": { "type": "boolean",
                "description": "Only when the person asks to keep exactly these colors: Hark then leaves text its colors make hard to read as it is (by default it recolors that text so it stays readable)." } }),
            &["color"],
        ),
        def(
            CHANGE_TEXT_COLOR,
            "Change the color of the page's text: body text, headings and links. Text the color would leave hard to read on its background is given the nearest readable shade.",
            json!({ "color": { "type": "string", "description": "Any CSS color: a name, #hex, rgb() or hsl()." },
                    "keepExactColors": { "type": "boolean",
                "description": "Only when the person asks to keep exactly these colors: Hark then leaves text its colors make hard to read as it is (by default it recolors that text so it stays readable)." } }),
            &["color"],
        ),
        def(
            CHANGE_BUTTON_STYLE,
            "Change the size and/or color of one button (by ref or label) or of all buttons when no target is given.",
            json!({
                "target": target,
                "size": { "type": "string",
                    "description": "small, medium, large, x-large, bigger, smaller, or a CSS size like \"20px\"." },
                "color": { "type": "string", "description": "Button background color: any CSS color." },
                "keepExactColors": { "type": "boolean",
                "description": "Only when the person asks to keep exactly these colors: Hark then leaves text its colors make hard to read as it is (by default it recolors that text so it stays readable)." }
            }),
            &[],
        ),
        def(
            CLICK,
            "Click a link, button or other element, as the person would.",
            json!({ "target": target }),
            &["target"],
        ),
        def(
            TYPE_TEXT,
            "Type text into a field (replacing what is there). Password and card fields need the person's \
             confirmation in Hark's overlay; Hark asks them.",
            json!({
                "target": target,
                "text": { "type": "string", "description": "The text to put in the field." },
                "submit": { "type": "boolean", "description": "Press Enter afterwards (submits the form). Default false." }
            }),
            &["target", "text"],
        ),
        def(
            PRESS_KEY,
            "Press a key: Enter, Escape, Tab, Space, Backspace, ArrowUp, ArrowDown, ArrowLeft, ArrowRight, \
             PageUp, PageDown, Home or End; on an element or on whatever has focus.",
            json!({
                "key": { "type": "string", "description": "The key's name, e.g. \"Enter\" or \"Escape\"." },
                "target": target
            }),
            &["key"],
        ),
        def(
            SELECT_OPTION,
            "Choose an option in a drop-down list (by the option's visible text or value).",
            json!({
                "target": target,
                "option": { "type": "string", "description": "The option's visible text (or its value)." }
            }),
            &["target", "option"],
        ),
        def(
            SET_CHECKED,
            "Check or uncheck a checkbox or switch, or pick a radio button.",
            json!({
                "target": target,
                "checked": { "type": "boolean", "description": "true to check, false to uncheck." }
            }),
            &["target", "checked"],
        ),
        def(
            SCROLL,
            "Scroll the page (or one scrollable element) up or down by screens, or to its top or bottom. \
             With only a target, scroll until that element is in view.",
            json!({
                "direction": { "type": "string", "enum": ["up", "down", "top", "bottom"] },
                "screens": { "type": "number", "minimum": 0.1, "maximum": 20, "description": "How far, in screen heights (default 1)." },
                "target": { "type": "string",
                    "description": "An element (ref like \"e12\" or label): scroll inside it, or with no direction, scroll it into view." }
            }),
            &[],
        ),
        def(
            NAVIGATE,
            "Go back, go forward, or open a URL in this tab.",
            json!({ "to": { "type": "string",
                "description": "\"back\", \"forward\", \"reload\", a full http(s) URL, or a path on this site starting with /." } }),
            &["to"],
        ),
        def(
            ZOOM_TEXT,
            "Make the page's text bigger or smaller (100 = the page's own size). Undo or resetPage restore it.",
            json!({ "percent": { "type": "integer", "minimum": MIN_ZOOM_PERCENT, "maximum": MAX_ZOOM_PERCENT,
                "description": "Text size in percent of the page's own, e.g. 150." } }),
            &["percent"],
        ),
        def(
            CHANGE_PAGE_VIEW,
            "Change how the whole page looks, for reading it: a theme (text stays readable; images and video \
             are left as they are), WCAG text spacing, and/or reduced motion. Undo or resetPage restore the page.",
            json!({
                "theme": { "type": "string", "enum": ["dark", "light", "high-contrast", "sepia"] },
                "textSpacing": { "type": "boolean",
                    "description": "true: line height 1.5, paragraph spacing 2×, letter spacing 0.12em, word spacing 0.16em." },
                "reducedMotion": { "type": "boolean",
                    "description": "true: animations and transitions off, autoplaying video and audio paused." }
            }),
            &[],
        ),
        def(
            SHOW_LABELS,
            "Show (or hide) a number on every interactive element in view, so the person can say \"click 12\": \
             then pass the number as `target` to click and the other tools. The numbers go away when the page changes.",
            json!({ "show": { "type": "boolean", "description": "true to show the numbers (default), false to hide them." } }),
            &[],
        ),
        def(
            FIND_TEXT,
            "Find text on the page the person sees: highlights every match and scrolls to one. \
             An empty text removes the highlights.",
            json!({
                "text": { "type": "string", "description": "The words to find (case does not matter)." },
                "occurrence": { "type": "integer", "minimum": 1, "description": "Which match to scroll to, 1 = the first (default); use 2, 3… for \"next\"." }
            }),
            &["text"],
        ),
        def(
            READ_TEXT,
            "Get the text to read aloud: what the person selected, one section (a heading's name or ref: \
             the text under it), one element, or the page's main text. Read the returned text to them.",
            json!({
                "target": { "type": "string",
                    "description": "\"selection\" (default), \"page\", a heading's text like \"Installation\", or a ref/label/number of an element." },
                "maxTokens": { "type": "integer", "minimum": 100, "maximum": MAX_SNAPSHOT_TOKENS, "description": "Size budget of the text (default 1000)." }
            }),
            &[],
        ),
        def(UNDO, "Undo the last change Hark made to the page.", json!({}), &[]),
        def(RESET_PAGE, "Undo every change Hark made to the page, restoring it exactly.", json!({}), &[]),
    ]
}

/// The names of every tool in [`catalogue`], in its order (a test holds them equal). A list of its
/// own: the wasm core names the tools in errors and must not carry the catalogue's schemas and
/// descriptions for that (some 30 KB).
pub const NAMES: &[&str] = &[
    GET_PAGE_HTML,
    CHANGE_BACKGROUND_COLOR,
    CHANGE_TEXT_COLOR,
    CHANGE_BUTTON_STYLE,
    CLICK,
    TYPE_TEXT,
    PRESS_KEY,
    SELECT_OPTION,
    SET_CHECKED,
    SCROLL,
    NAVIGATE,
    ZOOM_TEXT,
    CHANGE_PAGE_VIEW,
    SHOW_LABELS,
    FIND_TEXT,
    READ_TEXT,
    UNDO,
    RESET_PAGE,
];

/// The names of every tool in [`catalogue`].
pub fn names() -> Vec<String> {
    NAMES.iter().map(|n| n.to_string()).collect()
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
    #[error(
        "size '{0}' is not understood; use small, medium, large, x-large, bigger, smaller, or a CSS size like 20px"
    )]
    Size(String),
    #[error("give a size or a color (or both)")]
    NothingToChange,
    #[error("'target' must name one element (a ref like e12 or its visible label), not all of them")]
    OneTarget,
    #[error("key '{0}' is not supported; use Enter, Escape, Tab, Space, Backspace, ArrowUp, ArrowDown, ArrowLeft, ArrowRight, PageUp, PageDown, Home or End")]
    Key(String),
    #[error("direction '{0}' is not understood; use up, down, top or bottom")]
    Direction(String),
    #[error("give a direction (up, down, top, bottom) or a target to scroll to")]
    NothingToScroll,
    #[error(
        "'{0}' cannot be opened; use back, forward, reload, a full http(s) URL, or a path on this site starting with /"
    )]
    Url(String),
    #[error("percent must be between {MIN_ZOOM_PERCENT} and {MAX_ZOOM_PERCENT} (100 = the page's own size); got {0}")]
    Percent(u32),
    #[error("screens must be a number between 0.1 and 20")]
    Screens,
    #[error("occurrence must be 1 or more (1 = the first match)")]
    Occurrence,
    #[error("theme '{0}' is not one Hark has; use dark, light, high-contrast or sepia")]
    Theme(String),
    #[error("give a theme, textSpacing: true or reducedMotion: true (to go back to the page's own look, call undo or resetPage)")]
    NoView,
}

/// A page theme (`changePageView`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
    HighContrast,
    Sepia,
}

impl Theme {
    /// The names people and models use: "dark", "dark mode", "night", "high contrast", ...
    pub fn parse(input: &str) -> Result<Self, ArgError> {
        let s = input.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let s = s.trim_end_matches("-mode").trim_end_matches("-theme");
        Ok(match s {
            "dark" | "night" | "black" => Theme::Dark,
            "light" | "day" | "white" | "bright" => Theme::Light,
            "high-contrast" | "contrast" | "highcontrast" | "hc" => Theme::HighContrast,
            "sepia" | "reading" | "paper" | "warm" => Theme::Sepia,
            _ => return Err(ArgError::Theme(input.chars().take(40).collect())),
        })
    }

    /// As the page command and the words say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::HighContrast => "high-contrast",
            Theme::Sepia => "sepia",
        }
    }
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
                    number(v.trim()).ok_or_else(err).and_then(px)
                } else if let Some(v) = s.strip_suffix("rem").or_else(|| s.strip_suffix("em")) {
                    number(v.trim()).ok_or_else(err).and_then(|v| px(v * 16.0))
                } else if let Some(v) = s.strip_suffix('%') {
                    number(v.trim()).ok_or_else(err).and_then(|v| {
                        if (10.0..=1000.0).contains(&v) {
                            Ok(ButtonSize::Scale(v / 100.0))
                        } else {
                            Err(err())
                        }
                    })
                } else if let Some(v) = s.strip_suffix('x') {
                    number(v.trim()).filter(|v| (0.1..=10.0).contains(v)).map(ButtonSize::Scale).ok_or_else(err)
                } else {
                    number(&s).ok_or_else(err).and_then(px)
                }
            }
        }
    }
}

/// A size number in words, as `f32`.
fn number(text: &str) -> Option<f32> {
    crate::number::parse(text).map(|v| v as f32)
}

/// Keys `pressKey` can press (named as in `KeyboardEvent.key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Enter,
    Escape,
    Tab,
    Space,
    Backspace,
    ArrowUp,
    ArrowDown,
    ArrowLeft,
    ArrowRight,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Key {
    pub fn parse(input: &str) -> Result<Key, ArgError> {
        let s: String = input.trim().to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let s = s.strip_suffix("key").unwrap_or(&s);
        Ok(match s {
            "enter" | "return" => Key::Enter,
            "escape" | "esc" => Key::Escape,
            "tab" => Key::Tab,
            "space" | "spacebar" => Key::Space,
            "backspace" => Key::Backspace,
            "arrowup" | "up" | "uparrow" => Key::ArrowUp,
            "arrowdown" | "down" | "downarrow" => Key::ArrowDown,
            "arrowleft" | "left" | "leftarrow" => Key::ArrowLeft,
            "arrowright" | "right" | "rightarrow" => Key::ArrowRight,
            "pageup" => Key::PageUp,
            "pagedown" => Key::PageDown,
            "home" => Key::Home,
            "end" => Key::End,
            _ => return Err(ArgError::Key(input.to_string())),
        })
    }
    /// `KeyboardEvent.key`.
    pub fn name(self) -> &'static str {
        match self {
            Key::Enter => "Enter",
            Key::Escape => "Escape",
            Key::Tab => "Tab",
            Key::Space => " ",
            Key::Backspace => "Backspace",
            Key::ArrowUp => "ArrowUp",
            Key::ArrowDown => "ArrowDown",
            Key::ArrowLeft => "ArrowLeft",
            Key::ArrowRight => "ArrowRight",
            Key::PageUp => "PageUp",
            Key::PageDown => "PageDown",
            Key::Home => "Home",
            Key::End => "End",
        }
    }
    /// `KeyboardEvent.code`.
    pub fn code(self) -> &'static str {
        match self {
            Key::Space => "Space",
            k => k.name(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrollDirection {
    Up,
    Down,
    Top,
    Bottom,
}

impl ScrollDirection {
    pub fn parse(input: &str) -> Result<ScrollDirection, ArgError> {
        Ok(match input.trim().to_ascii_lowercase().as_str() {
            "up" => ScrollDirection::Up,
            "down" => ScrollDirection::Down,
            "top" | "to top" | "start" => ScrollDirection::Top,
            "bottom" | "to bottom" | "end" => ScrollDirection::Bottom,
            _ => return Err(ArgError::Direction(input.to_string())),
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            ScrollDirection::Up => "up",
            ScrollDirection::Down => "down",
            ScrollDirection::Top => "top",
            ScrollDirection::Bottom => "bottom",
        }
    }
}

/// Where `navigate` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NavigateTo {
    Back,
    Forward,
    Reload,
    /// An absolute http(s) URL, or a path/query/fragment the page resolves against its own URL.
    Url(String),
}

impl NavigateTo {
    pub fn parse(input: &str) -> Result<NavigateTo, ArgError> {
        let s = input.trim();
        let err = || ArgError::Url(input.to_string());
        match s.to_ascii_lowercase().as_str() {
            "" => return Err(err()),
            "back" | "go back" | "previous" | "previous page" => return Ok(NavigateTo::Back),
            "forward" | "go forward" | "next page" => return Ok(NavigateTo::Forward),
            "reload" | "refresh" => return Ok(NavigateTo::Reload),
            _ => {}
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        if s.starts_with("//") {
            return Ok(NavigateTo::Url(format!("https:{s}")));
        }
        if s.starts_with(['/', '?', '#']) || s.starts_with("./") || s.starts_with("../") {
            return Ok(NavigateTo::Url(s.to_string()));
        }
        // A scheme: only the web's own.
        if let Some((scheme, _)) = s.split_once(':') {
            let is_scheme = !scheme.is_empty()
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if is_scheme && !scheme.contains('.') {
                let lower = scheme.to_ascii_lowercase();
                return if (lower == "http" || lower == "https")
                    && s[scheme.len() + 1..].starts_with("//")
                    && s.len() > scheme.len() + 3
                {
                    Ok(NavigateTo::Url(s.to_string()))
                } else {
                    Err(err())
                };
            }
        }
        // "example.org/page": a host; "page.html": a file next to this one.
        let first = s.split(['/', '?', '#']).next().unwrap_or("");
        let host = first.split(':').next().unwrap_or("");
        let tld = host.rsplit('.').next().unwrap_or("");
        let file_ext = ["html", "htm", "php", "asp", "aspx", "jsp", "cgi", "xml", "json", "txt"];
        if host.contains('.')
            && tld.len() >= 2
            && tld.chars().all(|c| c.is_ascii_alphabetic())
            && !file_ext.contains(&tld.to_ascii_lowercase().as_str())
        {
            Ok(NavigateTo::Url(format!("https://{s}")))
        } else if s.split_once(':').is_some_and(|(scheme, _)| {
            scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }) {
            // Not a host, yet a browser reads what comes before the colon as a scheme ("a.:").
            Err(err())
        } else {
            Ok(NavigateTo::Url(s.to_string()))
        }
    }
}

/// Which element(s) a call is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    All,
    /// A snapshot ref like `e12`.
    Ref(String),
    /// The number `showLabels` put on an element ("click 12").
    Number(u32),
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
                if is_ref(r) {
                    Target::Ref(r.to_string())
                } else if let Some(n) = label_number(r) {
                    Target::Number(n)
                } else {
                    Target::Label(s.to_string())
                }
            }
        }
    }

    /// How the executor names the element: a ref, or `#12` for a shown number.
    pub fn element_ref(&self) -> Option<String> {
        match self {
            Target::Ref(r) => Some(r.clone()),
            Target::Number(n) => Some(format!("#{n}")),
            _ => None,
        }
    }
}

/// "12", "#12", "number 12", "label 12", "no. 12": a number shown by `showLabels`.
fn label_number(s: &str) -> Option<u32> {
    let l = s.trim().to_ascii_lowercase();
    let mut rest = l.as_str();
    for prefix in ["number", "label", "no.", "no", "item", "#"] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim_start();
            break;
        }
    }
    let rest = rest.trim_start_matches('#');
    (!rest.is_empty() && rest.len() <= 4 && rest.bytes().all(|b| b.is_ascii_digit()))
        .then(|| rest.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

/// What `readText` reads.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadWhat {
    Selection,
    Page,
    /// A heading (its section) or any element.
    Element(Target),
}

/// Snapshot refs are `e` followed by digits.
pub fn is_ref(s: &str) -> bool {
    s.len() > 1 && s.starts_with('e') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// A validated call, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolCall {
    /// `from`: the outline from this ref on (paging through a page too big for one answer).
    GetPageHtml {
        target: Option<Target>,
        selector: Option<String>,
        max_tokens: u32,
        from: Option<String>,
    },
    /// `keep_exact`: the person asked for exactly these colors; text they leave hard to read
    /// is not recolored.
    ChangeBackgroundColor {
        color: CssColor,
        keep_exact: bool,
    },
    ChangeTextColor {
        color: CssColor,
        keep_exact: bool,
    },
    ChangeButtonStyle {
        target: Target,
        size: Option<ButtonSize>,
        color: Option<CssColor>,
        keep_exact: bool,
    },
    Click {
        target: Target,
    },
    TypeText {
        target: Target,
        text: String,
        submit: bool,
    },
    PressKey {
        key: Key,
        target: Option<Target>,
    },
    SelectOption {
        target: Target,
        option: String,
    },
    SetChecked {
        target: Target,
        checked: bool,
    },
    Scroll {
        direction: Option<ScrollDirection>,
        screens: f32,
        target: Option<Target>,
    },
    Navigate {
        to: NavigateTo,
    },
    ZoomText {
        percent: u32,
    },
    /// At least one of the three is set.
    ChangePageView {
        theme: Option<Theme>,
        text_spacing: bool,
        reduced_motion: bool,
    },
    ShowLabels {
        show: bool,
    },
    FindText {
        text: String,
        occurrence: u32,
    },
    ReadText {
        what: ReadWhat,
        max_tokens: u32,
    },
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
    /// One element: a ref or a label (never "all").
    fn one_target(&self) -> Result<Target, ArgError> {
        let t = self.opt_str("target")?.or(self.opt_str("ref")?).or(self.opt_str("label")?);
        match t.map(str::trim) {
            None | Some("") => Err(ArgError::Missing("target")),
            Some(s) => match Target::parse(Some(s)) {
                Target::All => Err(ArgError::OneTarget),
                t => Ok(t),
            },
        }
    }
    fn opt_target(&self) -> Result<Option<Target>, ArgError> {
        let t = self.opt_str("target")?.or(self.opt_str("ref")?).or(self.opt_str("label")?);
        match t.map(str::trim) {
            None | Some("") => Ok(None),
            Some(_) => self.one_target().map(Some),
        }
    }
    fn opt_bool(&self, name: &'static str) -> Result<Option<bool>, ArgError> {
        let wrong = ArgError::WrongType { name, expected: "true or false" };
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "checked" => Ok(Some(true)),
                "false" | "no" | "off" | "unchecked" => Ok(Some(false)),
                _ => Err(wrong),
            },
            Some(_) => Err(wrong),
        }
    }
    fn opt_f64(&self, name: &'static str) -> Result<Option<f64>, ArgError> {
        let wrong = ArgError::WrongType { name, expected: "a number" };
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(wrong),
            Some(Value::String(s)) => {
                crate::number::parse(s.trim().trim_end_matches('%').trim()).map(Some).ok_or(wrong)
            }
            Some(_) => Err(wrong),
        }
    }
    fn opt_u32(&self, name: &'static str) -> Result<Option<u32>, ArgError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|v| *v >= 0.0)
                .map(|v| Some(v as u32))
                .ok_or(ArgError::WrongType { name, expected: "a positive integer" }),
            Some(Value::String(s)) => s
                .trim()
                .parse::<u32>()
                .map(Some)
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
                from: match a.opt_str("from")?.map(|f| f.trim().trim_start_matches('[').trim_end_matches(']')) {
                    None | Some("") => None,
                    Some(f) if is_ref(f) => Some(f.to_string()),
                    Some(_) => return Err(ArgError::WrongType { name: "from", expected: "a ref like \"e120\"" }),
                },
            },
            CHANGE_BACKGROUND_COLOR => ToolCall::ChangeBackgroundColor {
                color: CssColor::parse(a.str("color")?)?,
                keep_exact: a.opt_bool("keepExactColors")?.unwrap_or(false),
            },
            CHANGE_TEXT_COLOR => ToolCall::ChangeTextColor {
                color: CssColor::parse(a.str("color")?)?,
                keep_exact: a.opt_bool("keepExactColors")?.unwrap_or(false),
            },
            CHANGE_BUTTON_STYLE => {
                let size = a.opt_str("size")?.map(ButtonSize::parse).transpose()?;
                let color = a.opt_str("color")?.map(CssColor::parse).transpose()?;
                if size.is_none() && color.is_none() {
                    return Err(ArgError::NothingToChange);
                }
                let target = a.opt_str("target")?.or(a.opt_str("ref")?).or(a.opt_str("label")?);
                let keep_exact = a.opt_bool("keepExactColors")?.unwrap_or(false);
                ToolCall::ChangeButtonStyle { target: Target::parse(target), size, color, keep_exact }
            }
            CLICK => ToolCall::Click { target: a.one_target()? },
            TYPE_TEXT => {
                let text = match a.0.get("text") {
                    Some(Value::Number(n)) => n.to_string(),
                    _ => a.str("text")?.to_string(),
                };
                ToolCall::TypeText { target: a.one_target()?, text, submit: a.opt_bool("submit")?.unwrap_or(false) }
            }
            PRESS_KEY => ToolCall::PressKey { key: Key::parse(a.str("key")?)?, target: a.opt_target()? },
            SELECT_OPTION => {
                let option = match a.0.get("option") {
                    Some(Value::Number(n)) => n.to_string(),
                    _ => a.opt_str("option")?.or(a.opt_str("value")?).ok_or(ArgError::Missing("option"))?.to_string(),
                };
                ToolCall::SelectOption { target: a.one_target()?, option }
            }
            SET_CHECKED => ToolCall::SetChecked {
                target: a.one_target()?,
                checked: a.opt_bool("checked")?.ok_or(ArgError::Missing("checked"))?,
            },
            SCROLL => {
                let direction = a.opt_str("direction")?.map(ScrollDirection::parse).transpose()?;
                let target = a.opt_target()?;
                if direction.is_none() && target.is_none() {
                    return Err(ArgError::NothingToScroll);
                }
                let screens = match a.opt_f64("screens")? {
                    None => 1.0,
                    Some(v) if (0.1..=20.0).contains(&v) => v as f32,
                    Some(_) => return Err(ArgError::Screens),
                };
                ToolCall::Scroll { direction, screens, target }
            }
            NAVIGATE => ToolCall::Navigate {
                to: NavigateTo::parse(a.opt_str("to")?.or(a.opt_str("url")?).ok_or(ArgError::Missing("to"))?)?,
            },
            ZOOM_TEXT => {
                let p = a.opt_f64("percent")?.ok_or(ArgError::Missing("percent"))?;
                let p = if p.is_finite() && p >= 0.0 { p.round() as u32 } else { 0 };
                if !(MIN_ZOOM_PERCENT..=MAX_ZOOM_PERCENT).contains(&p) {
                    return Err(ArgError::Percent(p));
                }
                ToolCall::ZoomText { percent: p }
            }
            CHANGE_PAGE_VIEW => {
                let theme = a.opt_str("theme")?.map(Theme::parse).transpose()?;
                let text_spacing = a.opt_bool("textSpacing")?.unwrap_or(false);
                let reduced_motion = a.opt_bool("reducedMotion")?.unwrap_or(false);
                if theme.is_none() && !text_spacing && !reduced_motion {
                    return Err(ArgError::NoView);
                }
                ToolCall::ChangePageView { theme, text_spacing, reduced_motion }
            }
            SHOW_LABELS => ToolCall::ShowLabels { show: a.opt_bool("show")?.unwrap_or(true) },
            FIND_TEXT => {
                let text = match a.0.get("text") {
                    Some(Value::Number(n)) => n.to_string(),
                    _ => {
                        a.opt_str("text")?.or(a.opt_str("query")?).ok_or(ArgError::Missing("text"))?.trim().to_string()
                    }
                };
                let occurrence = match a.opt_f64("occurrence")? {
                    None => 1,
                    Some(v) if v >= 1.0 && v.fract() == 0.0 && v <= 10_000.0 => v as u32,
                    Some(_) => return Err(ArgError::Occurrence),
                };
                ToolCall::FindText { text, occurrence }
            }
            READ_TEXT => {
                let what = match a.opt_str("target")?.map(str::trim) {
                    None | Some("") => ReadWhat::Selection,
                    Some(t) => match t.to_ascii_lowercase().trim_start_matches("the ") {
                        "selection" | "selected text" | "selected" | "highlighted text" => ReadWhat::Selection,
                        "page" | "main" | "main text" | "article" | "whole page" | "all" => ReadWhat::Page,
                        _ => ReadWhat::Element(Target::parse(Some(t))),
                    },
                };
                ToolCall::ReadText {
                    what,
                    max_tokens: a.opt_u32("maxTokens")?.unwrap_or(DEFAULT_READ_TOKENS).clamp(100, MAX_SNAPSHOT_TOKENS),
                }
            }
            UNDO => ToolCall::Undo,
            RESET_PAGE => ToolCall::ResetPage,
            other => return Err(ArgError::UnknownFunction(other.to_string(), NAMES.join(", "))),
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
    fn page_views_take_the_names_people_use_and_need_something_to_do() {
        let view = |args: &str| ToolCall::parse(CHANGE_PAGE_VIEW, args);
        assert_eq!(
            view(r#"{"theme":"Dark mode"}"#).unwrap(),
            ToolCall::ChangePageView { theme: Some(Theme::Dark), text_spacing: false, reduced_motion: false }
        );
        assert_eq!(
            view(r#"{"theme":"high contrast","textSpacing":"yes","reducedMotion":true}"#).unwrap(),
            ToolCall::ChangePageView { theme: Some(Theme::HighContrast), text_spacing: true, reduced_motion: true }
        );
        assert!(matches!(
            view(r#"{"theme":"sepia_theme"}"#),
            Ok(ToolCall::ChangePageView { theme: Some(Theme::Sepia), .. })
        ));
        assert!(view(r#"{"theme":"plaid"}"#).unwrap_err().to_string().contains("dark, light, high-contrast or sepia"));
        assert!(view(r#"{"textSpacing":false}"#).unwrap_err().to_string().contains("undo"));
        assert!(matches!(view(r#"{"reducedMotion":3}"#), Err(ArgError::WrongType { .. })));
    }

    #[test]
    fn seed_calls_keep_working() {
        assert!(matches!(ToolCall::parse("getPageHTML", "{}"), Ok(ToolCall::GetPageHtml { target: None, .. })));
        assert!(matches!(
            ToolCall::parse("getPageHTML", ""),
            Ok(ToolCall::GetPageHtml { max_tokens: DEFAULT_SNAPSHOT_TOKENS, .. })
        ));
        let ToolCall::ChangeBackgroundColor { color, keep_exact: false } =
            ToolCall::parse("changeBackgroundColor", r#"{"color":"dark blue"}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(color.css(), "rgb(0, 0, 139)");
        let ToolCall::ChangeButtonStyle { target, size, color, .. } =
            ToolCall::parse("changeButtonStyle", r#"{"size":"large","color":"red"}"#).unwrap()
        else {
            panic!()
        };
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
    fn actions_parse_into_typed_calls() {
        assert_eq!(
            ToolCall::parse("click", r#"{"target":"e12"}"#).unwrap(),
            ToolCall::Click { target: Target::Ref("e12".into()) }
        );
        assert_eq!(
            ToolCall::parse("click", r#"{"target":"Login"}"#).unwrap(),
            ToolCall::Click { target: Target::Label("Login".into()) }
        );
        assert_eq!(
            ToolCall::parse("typeText", r#"{"target":"Email","text":"ada@example.test","submit":true}"#).unwrap(),
            ToolCall::TypeText { target: Target::Label("Email".into()), text: "ada@example.test".into(), submit: true }
        );
        assert_eq!(
            ToolCall::parse("typeText", r#"{"target":"e3","text":""}"#).unwrap(),
            ToolCall::TypeText { target: Target::Ref("e3".into()), text: "".into(), submit: false }
        );
        assert_eq!(
            ToolCall::parse("pressKey", r#"{"key":"esc"}"#).unwrap(),
            ToolCall::PressKey { key: Key::Escape, target: None }
        );
        assert_eq!(
            ToolCall::parse("pressKey", r#"{"key":"Arrow Down","target":"e4"}"#).unwrap(),
            ToolCall::PressKey { key: Key::ArrowDown, target: Some(Target::Ref("e4".into())) }
        );
        assert_eq!(Key::parse("Return").unwrap().name(), "Enter");
        assert_eq!(
            ToolCall::parse("selectOption", r#"{"target":"Country","option":"Norway"}"#).unwrap(),
            ToolCall::SelectOption { target: Target::Label("Country".into()), option: "Norway".into() }
        );
        assert_eq!(
            ToolCall::parse("setChecked", r#"{"target":"e5","checked":"false"}"#).unwrap(),
            ToolCall::SetChecked { target: Target::Ref("e5".into()), checked: false }
        );
        assert_eq!(
            ToolCall::parse("scroll", r#"{"direction":"down","screens":2}"#).unwrap(),
            ToolCall::Scroll { direction: Some(ScrollDirection::Down), screens: 2.0, target: None }
        );
        assert_eq!(
            ToolCall::parse("scroll", r#"{"target":"e9"}"#).unwrap(),
            ToolCall::Scroll { direction: None, screens: 1.0, target: Some(Target::Ref("e9".into())) }
        );
        assert_eq!(
            ToolCall::parse("navigate", r#"{"to":"back"}"#).unwrap(),
            ToolCall::Navigate { to: NavigateTo::Back }
        );
        assert_eq!(ToolCall::parse("zoomText", r#"{"percent":"150%"}"#).unwrap(), ToolCall::ZoomText { percent: 150 });
    }

    #[test]
    fn numbers_people_say_are_label_numbers() {
        for (input, n) in [("12", 12), ("#12", 12), ("number 7", 7), ("Label 3", 3), ("no. 40", 40), ("[#5]", 5)] {
            assert_eq!(Target::parse(Some(input)), Target::Number(n), "{input}");
        }
        for label in ["e12x", "12 Main Street", "0", "Page 2 of 3", "123456"] {
            assert!(!matches!(Target::parse(Some(label)), Target::Number(_)), "{label}");
        }
        assert_eq!(Target::Number(12).element_ref().as_deref(), Some("#12"));
        assert_eq!(
            ToolCall::parse("click", r#"{"target":"12"}"#).unwrap(),
            ToolCall::Click { target: Target::Number(12) }
        );
    }

    #[test]
    fn find_and_read_arguments() {
        assert_eq!(
            ToolCall::parse("findText", r#"{"text":" opening hours "}"#).unwrap(),
            ToolCall::FindText { text: "opening hours".into(), occurrence: 1 }
        );
        assert_eq!(
            ToolCall::parse("findText", r#"{"text":"x","occurrence":3}"#).unwrap(),
            ToolCall::FindText { text: "x".into(), occurrence: 3 }
        );
        assert!(ToolCall::parse("findText", r#"{"text":"x","occurrence":0}"#)
            .unwrap_err()
            .to_string()
            .contains("1 or more"));
        assert!(ToolCall::parse("findText", "{}").unwrap_err().to_string().contains("'text'"));
        assert_eq!(
            ToolCall::parse("readText", "{}").unwrap(),
            ToolCall::ReadText { what: ReadWhat::Selection, max_tokens: 1000 }
        );
        assert_eq!(
            ToolCall::parse("readText", r#"{"target":"the page"}"#).unwrap(),
            ToolCall::ReadText { what: ReadWhat::Page, max_tokens: 1000 }
        );
        assert_eq!(
            ToolCall::parse("readText", r#"{"target":"Installation","maxTokens":300}"#).unwrap(),
            ToolCall::ReadText { what: ReadWhat::Element(Target::Label("Installation".into())), max_tokens: 300 }
        );
        assert_eq!(ToolCall::parse("showLabels", "{}").unwrap(), ToolCall::ShowLabels { show: true });
        assert_eq!(ToolCall::parse("showLabels", r#"{"show":false}"#).unwrap(), ToolCall::ShowLabels { show: false });
    }

    #[test]
    fn urls_are_web_urls_or_paths() {
        let ok = [
            ("https://example.org/a?b=1", "https://example.org/a?b=1"),
            ("HTTP://example.org", "HTTP://example.org"),
            ("/t/form.html", "/t/form.html"),
            ("?page=2", "?page=2"),
            ("#top", "#top"),
            ("example.org/news", "https://example.org/news"),
            ("www.wikipedia.org", "https://www.wikipedia.org"),
            ("buttons.html", "buttons.html"),
            ("//cdn.example.org/x", "https://cdn.example.org/x"),
            ("example.org:8080/x", "https://example.org:8080/x"),
            ("page.html?a=b:c", "page.html?a=b:c"),
        ];
        for (input, want) in ok {
            assert_eq!(NavigateTo::parse(input).unwrap(), NavigateTo::Url(want.into()), "{input}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "chrome://settings",
            "about:blank",
            "https:",
            "http://",
            "",
            "two words",
            // Found by fuzzing: no host, and a browser reads "a." as a scheme.
            "a.:",
            "x.y1:alert(1)",
        ] {
            assert!(matches!(NavigateTo::parse(bad), Err(ArgError::Url(_))), "{bad} was accepted");
        }
    }

    #[test]
    fn odd_action_arguments_say_what_to_do() {
        let cases = [
            ("click", "{}", "missing required argument 'target'"),
            ("click", r#"{"target":"all"}"#, "must name one element"),
            ("click", r#"{"target":7}"#, "must be a string"),
            ("typeText", r#"{"target":"e1"}"#, "missing required argument 'text'"),
            ("typeText", r#"{"target":"e1","text":"x","submit":"maybe"}"#, "true or false"),
            ("pressKey", r#"{"key":"F13"}"#, "key 'F13' is not supported"),
            ("pressKey", "{}", "missing required argument 'key'"),
            ("selectOption", r#"{"target":"e1"}"#, "missing required argument 'option'"),
            ("setChecked", r#"{"target":"e1"}"#, "missing required argument 'checked'"),
            ("scroll", "{}", "give a direction"),
            ("scroll", r#"{"direction":"sideways"}"#, "use up, down, top or bottom"),
            ("scroll", r#"{"direction":"down","screens":500}"#, "between 0.1 and 20"),
            ("navigate", r#"{"to":"javascript:alert(1)"}"#, "cannot be opened"),
            ("navigate", "{}", "missing required argument 'to'"),
            ("zoomText", r#"{"percent":5000}"#, "between 50 and 300"),
            ("zoomText", r#"{"percent":"big"}"#, "must be a number"),
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
    fn the_name_list_is_the_catalogues() {
        let catalogued: Vec<String> = catalogue().into_iter().map(|t| t.name).collect();
        assert_eq!(catalogued, names());
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
