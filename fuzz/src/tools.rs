//! Tool calls as the model makes them: a tool's name (mostly one of the catalogue's) and its
//! arguments built from the tool's own JSON schema — typical values, the odd ones models send
//! (numbers as strings, "150%", "true" as a string, nulls, wrong types, alias keys, extra keys) —
//! then sometimes mutated as text.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};

use hark_protocol::tools::catalogue;

use crate::{json as j, mutate};

/// Values the model has been seen to put in string arguments, by argument name.
fn words_for(prop: &str) -> &'static [&'static str] {
    match prop {
        "color" => &[
            "navy",
            "dark blue",
            "Light Sea Green",
            "#1e90ff",
            "#fff",
            "#12",
            "rgb(30, 144, 255)",
            "rgba(0,0,0,0.5)",
            "hsl(120, 100%, 25%)",
            "hwb(120 0% 0%)",
            "transparent",
            "blurple",
            "red; position:fixed",
            "url(javascript:alert(1))",
            "rgb(300, -4, 1e9)",
            "hsl(nan, 1%, 1%)",
            "#ffffffff",
            "currentColor",
            "inherit",
        ],
        "size" => &[
            "small",
            "medium",
            "large",
            "x-large",
            "bigger",
            "smaller",
            "huge",
            "20px",
            "1.5em",
            "2rem",
            "200%",
            "2x",
            "18",
            "9000px",
            "0px",
            "-3px",
            "nanpx",
            "infx",
            "1e40%",
            "0.0001x",
            "px",
            "%",
            "x",
            "em",
            "enormous-ish",
        ],
        "key" => &[
            "Enter",
            "Escape",
            "esc",
            "Tab",
            "Space",
            " ",
            "Backspace",
            "ArrowUp",
            "Arrow Down",
            "left arrow",
            "PageUp",
            "page down",
            "Home",
            "End",
            "Return",
            "F13",
            "key",
            "Enterkey",
            "ctrl+a",
            "",
        ],
        "direction" => &["up", "down", "top", "bottom", "to top", "end", "start", "sideways", "UP ", ""],
        "to" | "url" => &[
            "back",
            "forward",
            "reload",
            "refresh",
            "go back",
            "https://example.org/a?b=1",
            "HTTP://example.org",
            "/t/form.html",
            "?page=2",
            "#top",
            "example.org/news",
            "www.wikipedia.org",
            "buttons.html",
            "//cdn.example.org/x",
            "./a",
            "../b",
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
            "http://a",
            "https://",
            "ex.am.ple:80/x",
            "a:b",
            "1.2.3.4:8080",
            "localhost:3000/x",
            "mailto:a@b.c",
            "\u{0}",
            "é.example",
        ],
        "target" | "ref" | "label" | "from" => &[
            "e12",
            "[e7]",
            "e",
            "e0",
            "e99999999999999999999",
            "Save",
            "the Save button",
            "Save changes",
            "12",
            "#12",
            "number 7",
            "Label 3",
            "no. 40",
            "[#5]",
            "0",
            "123456",
            "all",
            "all buttons",
            "All",
            "Email",
            "selection",
            "page",
            "the page",
            "Installation",
            "",
            " ",
            "[]",
            "[[e1]]",
            "item 9999",
            "#",
            "no.",
            "e12x",
            "12 Main Street",
        ],
        "text" | "query" | "option" | "value" => {
            &["ada@example.test", "", " opening hours ", "hunter2", "Norway", "x", "42", "\n", "é", "中文"]
        }
        "selector" => &["#main", "button.primary", "div > a[href]", ":not(", "", "*"],
        _ => &["x", "", "yes"],
    }
}

/// What a model puts in an argument whose schema type is `kind` (and, sometimes, what it should
/// not have put there).
fn value_for(prop: &str, kind: &str) -> BoxedStrategy<Value> {
    let words = words_for(prop);
    let odd = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        j::odd_number(),
        j::word(words).prop_map(Value::String),
        Just(json!([])),
        Just(json!(["e1"])),
        Just(json!({})),
    ];
    let typical: BoxedStrategy<Value> = match kind {
        "string" => j::word(words).prop_map(Value::String).boxed(),
        "boolean" => prop_oneof![
            3 => any::<bool>().prop_map(Value::Bool),
            1 => select(&["true", "false", "yes", "no", "on", "off", "checked", "unchecked", " TRUE ", "maybe", ""][..]).prop_map(|s| json!(s)),
        ]
        .boxed(),
        _ => prop_oneof![
            3 => j::odd_number(),
            1 => select(&["150", "150%", " 2 ", "1.5", "lots", "", "-1", "1e3", "NaN", "inf", "4294967296", "0x10"][..]).prop_map(|s| json!(s)),
        ]
        .boxed(),
    };
    prop_oneof![6 => typical, 1 => odd].boxed()
}

/// Argument documents for the tool `name` (as JSON values).
fn arguments_for(name: &str) -> BoxedStrategy<Value> {
    let tool = catalogue().into_iter().find(|t| t.name == name).expect("a catalogue tool");
    let props: Vec<(String, String)> = tool.parameters["properties"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v["type"].as_str().unwrap_or("string").to_string())).collect())
        .unwrap_or_default();
    // Each schema property present or not; then alias and unknown keys now and then.
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = props
        .into_iter()
        .map(|(k, kind)| {
            proptest::option::weighted(0.7, value_for(&k, &kind).prop_map(move |v| (k.clone(), v))).boxed()
        })
        .collect();
    let extra = proptest::collection::vec(
        (
            select(&["ref", "label", "url", "query", "value", "type", "target", "unknown", ""][..]),
            value_for("target", "string"),
        ),
        0..2,
    );
    (fields, extra)
        .prop_map(|(fields, extra)| {
            let mut m = Map::new();
            for (k, v) in fields.into_iter().flatten() {
                m.insert(k, v);
            }
            for (k, v) in extra {
                m.insert(k.to_string(), v);
            }
            Value::Object(m)
        })
        .boxed()
}

/// One tool call: (name, arguments text).
pub fn call() -> BoxedStrategy<(String, String)> {
    let names: Vec<String> = catalogue().into_iter().map(|t| t.name).collect();
    let by_tool: Vec<BoxedStrategy<(String, String)>> = names
        .iter()
        .map(|n| {
            let name = n.clone();
            let args = arguments_for(n);
            prop_oneof![
                12 => args.clone().prop_map(|a| a.to_string()),
                3 => args.prop_flat_map(|a| j::mutated_text(vec![a], ARG_WORDS, 2)),
                1 => select(&["", " ", "{}", "null", "[]", "\"{}\"", "{\"", "{}{}", "1"][..]).prop_map(str::to_string),
            ]
            .prop_map(move |a| (name.clone(), a))
            .boxed()
        })
        .collect();
    prop_oneof![
        12 => proptest::strategy::Union::new(by_tool),
        1 => (mutate::odd_string(), j::any_json(ARG_WORDS, 2)).prop_map(|(n, a)| (n, a.to_string())),
        1 => (select(names).prop_map(|n| n.to_uppercase()), Just("{}".to_string())),
    ]
    .boxed()
}

/// Keys and values for mutating argument documents.
pub const ARG_WORDS: &[&str] = &[
    "color",
    "size",
    "target",
    "ref",
    "label",
    "text",
    "submit",
    "key",
    "option",
    "value",
    "checked",
    "direction",
    "screens",
    "to",
    "url",
    "percent",
    "show",
    "query",
    "occurrence",
    "maxTokens",
    "from",
    "selector",
    "navy",
    "e12",
    "Save",
    "12",
    "true",
    "150%",
    "back",
    "down",
];
