//! The page side: random page trees (flattened into the executor's node list, as `collect`
//! answers), pages cut from real corpus captures, and the executor's results for every command
//! (successes with each command's fields, failures, questions for the person, garbage).

use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Value};

use hark_core::snapshot::{RawNode, RawPage, Viewport};

use crate::{json as j, mutate};

/// Roles the executor reports, plus a few it should not.
pub const ROLES: &[&str] = &[
    "text",
    "text",
    "text",
    "heading",
    "heading",
    "link",
    "link",
    "button",
    "button",
    "textbox",
    "searchbox",
    "combobox",
    "listbox",
    "checkbox",
    "radio",
    "switch",
    "slider",
    "spinbutton",
    "menuitem",
    "menuitemcheckbox",
    "menuitemradio",
    "tab",
    "img",
    "banner",
    "navigation",
    "main",
    "contentinfo",
    "complementary",
    "search",
    "form",
    "region",
    "dialog",
    "",
    "generic",
    "TEXT",
];

/// Words element names are made of (and labels are said with).
pub const NAME_WORDS: &[&str] = &[
    "Save",
    "save",
    "changes",
    "Cancel",
    "Log",
    "out",
    "Login",
    "Register",
    "Email",
    "Password",
    "Search",
    "Home",
    "Next",
    "Previous",
    "page",
    "Submit",
    "the",
    "button",
    "Country",
    "Norway",
    "Remember",
    "me",
    "Installation",
    "Read",
    "more",
    "Menu",
    "Settings",
    "Primary",
    "Secondary",
    "Delete",
    "account",
    "12",
    "e3",
    "Ω",
    "İ",
    "中文",
    "a",
    "an",
    "link",
    "field",
    "-",
    "…",
    "\"",
    "'s",
];

fn name() -> BoxedStrategy<String> {
    prop_oneof![
        24 => proptest::collection::vec(select(NAME_WORDS), 0..5).prop_map(|w| w.join(" ")),
        4 => mutate::odd_string(),
        1 => (proptest::collection::vec(select(NAME_WORDS), 1..6), 1usize..300).prop_map(|(w, n)| (w.join(" ") + " ").repeat(n)),
    ]
    .boxed()
}

fn element_ref() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        2 => Just(None),
        5 => (0u32..60).prop_map(|n| Some(format!("e{n}"))),
        1 => select(&["", "e", "e12x", "#3", "e99999999999", "[e1]"][..]).prop_map(|s| Some(s.to_string())),
    ]
    .boxed()
}

pub fn node() -> BoxedStrategy<RawNode> {
    (
        (element_ref(), select(ROLES), name(), proptest::option::weighted(0.5, any::<u8>()), any::<bool>()),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            any::<bool>(),
        ),
        (
            proptest::option::weighted(0.3, name()),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.3),
            proptest::option::weighted(0.2, element_ref().prop_map(Option::unwrap_or_default)),
        ),
    )
        .prop_map(
            |(
                (element_ref, role, name, level, in_view),
                (checked, expanded, selected, disabled),
                (value, sensitive, button, section_ref),
            )| RawNode {
                element_ref,
                role: role.to_string(),
                name,
                level,
                in_view,
                checked,
                expanded,
                selected,
                disabled,
                value,
                sensitive,
                button,
                section_ref,
            },
        )
        .boxed()
}

/// A page's nodes in document order: a random tree (landmarks and headings holding the rest),
/// flattened as the executor walks it.
pub fn nodes() -> BoxedStrategy<Vec<RawNode>> {
    let leaf = node().prop_map(|n| vec![n]);
    leaf.prop_recursive(4, 160, 8, |inner| {
        (node(), proptest::collection::vec(inner, 0..8)).prop_map(|(head, children)| {
            let mut out = vec![head];
            out.extend(children.into_iter().flatten());
            out
        })
    })
    .boxed()
}

fn finite() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => 0.0f64..5000.0,
        1 => select(&[0.0, -0.0, -1.0, 1.0, 1e308, -1e308, 5e-324, 720.0, 3000.0][..]),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()),
    ]
    .boxed()
}

/// The corpus pages captured from real sites (`wasm-core/tests/fixtures`), small ones first.
pub fn corpus() -> Vec<RawPage> {
    [
        include_str!("../../wasm-core/tests/fixtures/sb-admin-2__login.json"),
        include_str!("../../wasm-core/tests/fixtures/sb-admin-2__index.json"),
        include_str!("../../wasm-core/tests/fixtures/sb-admin-2__buttons.json"),
        include_str!("../../wasm-core/tests/fixtures/readability__medium-2.json"),
        include_str!("../../wasm-core/tests/fixtures/sb-admin-2__tables.json"),
        include_str!("../../wasm-core/tests/fixtures/readability__guardian-1.json"),
        include_str!("../../wasm-core/tests/fixtures/readability__wikipedia.json"),
    ]
    .iter()
    .map(|t| RawPage::from_json(t).expect("corpus page"))
    .collect()
}

/// A page: a random tree, or a window of a real page with some nodes replaced.
pub fn page() -> BoxedStrategy<RawPage> {
    let corpus = std::sync::Arc::new(corpus());
    let random = (
        name(),
        name(),
        (finite(), finite(), finite(), finite()),
        nodes(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(name()),
    )
        .prop_map(
            |(title, url, (width, height, scroll_y, scroll_height), nodes, truncated, from_found, more_from)| RawPage {
                url,
                title,
                viewport: Viewport { width, height },
                scroll_y,
                scroll_height,
                nodes,
                truncated,
                from_found,
                more_from,
            },
        );
    let real = (
        any::<Index>(),
        any::<Index>(),
        0usize..400,
        proptest::collection::vec((any::<Index>(), node()), 0..6),
        any::<bool>(),
        finite(),
    )
        .prop_map(move |(which, start, len, replace, truncated, scroll_y)| {
            // A window of the real page (cloning only what is kept).
            let real = &corpus[which.index(corpus.len())];
            let s = start.index(real.nodes.len().max(1)).min(real.nodes.len());
            let e = (s + len).min(real.nodes.len());
            let mut p = RawPage {
                nodes: real.nodes[s..e].to_vec(),
                url: real.url.clone(),
                title: real.title.clone(),
                viewport: real.viewport,
                scroll_height: real.scroll_height,
                truncated: real.truncated,
                ..RawPage::default()
            };
            for (at, n) in replace {
                if !p.nodes.is_empty() {
                    let i = at.index(p.nodes.len());
                    p.nodes[i] = n;
                }
            }
            p.truncated |= truncated;
            p.scroll_y = scroll_y;
            p
        });
    prop_oneof![2 => random, 1 => real].boxed()
}

/// A successful result with any of the fields the executor's commands answer.
pub fn ok_fields() -> BoxedStrategy<Value> {
    let numbered = proptest::collection::vec((0u32..100, element_ref(), select(ROLES), name()), 0..5).prop_map(|v| {
        Value::Array(
            v.into_iter().map(|(n, r, role, name)| json!({"n": n, "ref": r, "role": role, "name": name})).collect(),
        )
    });
    (
        (
            proptest::option::of(0u32..50),
            proptest::option::of(select(&["rgb(255, 255, 255)", "rgba(0, 0, 0, 0)", ""][..])),
            proptest::collection::vec(name(), 0..3),
            proptest::option::of(select(&["changeBackgroundColor", "zoomText", ""][..])),
        ),
        (
            proptest::option::of(0u32..5),
            proptest::option::of(0u32..50),
            proptest::option::of(name()),
            any::<bool>(),
            proptest::option::of(0u32..1_000_000),
        ),
        (
            proptest::option::of(name()),
            proptest::option::of(select(ROLES)),
            proptest::option::of(name()),
            proptest::option::of(any::<bool>()),
            any::<bool>(),
        ),
        (
            proptest::option::of(finite()),
            proptest::option::of(finite()),
            proptest::option::of(name()),
            proptest::option::of(name()),
        ),
        (
            numbered,
            proptest::option::of(0u32..30),
            proptest::option::of(0u32..30),
            proptest::collection::vec(name(), 0..3),
        ),
        (
            proptest::option::of(name()),
            proptest::option::of(select(&["selection", "section", "element", "page", ""][..])),
            proptest::option::weighted(0.2, 0u32..4),
            proptest::option::of(select(&["d-1", "d-2", ""][..])),
        ),
    )
        .prop_map(|(a, b, c, d, e, f)| {
            let mut v = json!({"ok": true});
            let mut put = |k: &str, x: Value| {
                if !x.is_null() {
                    v[k] = x;
                }
            };
            put("changed", json!(a.0));
            put("from", json!(a.1));
            put("labels", json!(a.2));
            put("undone", json!(a.3));
            put("remaining", json!(b.0));
            put("restored", json!(b.1));
            put("html", json!(b.2));
            put("truncated", json!(b.3));
            put("totalChars", json!(b.4));
            put("label", json!(c.0));
            put("role", json!(c.1));
            put("option", json!(c.2));
            put("checked", json!(c.3));
            put("navigating", json!(c.4));
            put("scrollY", json!(d.0));
            put("scrollHeight", json!(d.1));
            put("url", json!(d.2));
            put("effect", json!(d.3));
            put("numbered", e.0);
            put("count", json!(e.1));
            put("index", json!(e.2));
            put("snippets", json!(e.3));
            put("text", json!(f.0));
            put("source", json!(f.1));
            put("pageUndid", json!(f.2));
            put("docId", json!(f.3));
            v
        })
        .boxed()
}

/// What the executor answers a command: a page (as `collect` does), a success, a failure, a
/// question for the person, or a document of the wrong shape.
pub fn result() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (page(), proptest::option::of(select(&["d-1", "d-2"][..]))).prop_map(|(p, doc)| {
            let mut v = serde_json::to_value(p).expect("pages serialize");
            v["ok"] = json!(true);
            if let Some(d) = doc {
                v["docId"] = json!(d);
            }
            v
        }),
        4 => ok_fields(),
        2 => proptest::option::of(mutate::odd_string()).prop_map(|e| json!({"ok": false, "error": e})),
        2 => (select(&["Allow: type into Password?", "Allow: send the form to other.example?", "", " "][..]), proptest::option::of(mutate::odd_string()))
            .prop_flat_map(|(q, e)| select(&["sensitiveField", "crossOriginForm", "dataInUrl", "all"][..])
                .prop_map(move |kind| json!({"ok": false, "needsConfirmation": true, "question": q, "kind": kind, "error": e}))),
        1 => j::any_json(RESULT_WORDS, 3),
    ]
    .boxed()
}

/// Keys and values of executor results, for mutation.
pub const RESULT_WORDS: &[&str] = &[
    "ok",
    "error",
    "changed",
    "from",
    "labels",
    "undone",
    "remaining",
    "restored",
    "html",
    "truncated",
    "totalChars",
    "label",
    "role",
    "option",
    "checked",
    "navigating",
    "scrollY",
    "scrollHeight",
    "url",
    "effect",
    "numbered",
    "n",
    "ref",
    "name",
    "count",
    "index",
    "snippets",
    "text",
    "source",
    "needsConfirmation",
    "question",
    "pageUndid",
    "docId",
    "kind",
    "sensitiveField",
    "left",
    "nodes",
    "viewport",
    "title",
    "inView",
    "level",
    "sectionRef",
    "fromFound",
    "value",
    "sensitive",
    "button",
];

/// The text of a result: [`result`], sometimes mutated.
pub fn result_text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => result().prop_map(|v| v.to_string()),
        2 => result().prop_flat_map(|v| j::mutated_text(vec![v], RESULT_WORDS, 3)),
        1 => mutate::odd_string(),
    ]
    .boxed()
}
