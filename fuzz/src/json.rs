//! JSON inputs: arbitrary documents over a dictionary of the words the parsers look for, and
//! structural mutations of realistic seed documents (a value replaced, retyped or removed, a key
//! added), optionally followed by byte edits of the text.

use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Map, Value};

use crate::mutate;

/// Numbers that break conversions: limits, negatives, fractions, huge and tiny floats.
pub fn odd_number() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (-3i64..300).prop_map(Value::from),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        2 => any::<f64>().prop_filter_map("finite", |f| f.is_finite().then(|| json!(f))),
        2 => select(&[0.0, -0.0, 0.05, 0.1, 0.5, 1.5, 2.5, 19.99, 20.0, 20.01, 49.5, 50.0, 299.5, 300.0, 1e9, 4294967295.0,
            4294967296.0, -1.0, -4294967296.0, 1e300, -1e300, 5e-324, f64::MAX, f64::MIN][..]).prop_map(|f| json!(f)),
        1 => select(&[u32::MAX as u64, u32::MAX as u64 + 1, u64::MAX, i64::MAX as u64][..]).prop_map(Value::from),
    ]
    .boxed()
}

/// A string: one of `words`, or an odd one.
pub fn word(words: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![3 => select(words).prop_map(str::to_string), 1 => mutate::odd_string()].boxed()
}

/// Any JSON value, at most `depth` deep, with keys and strings mostly from `words`.
pub fn any_json(words: &'static [&'static str], depth: u32) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => odd_number(),
        4 => word(words).prop_map(Value::String),
    ];
    leaf.prop_recursive(depth, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((word(words), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
    .boxed()
}

/// A structural edit of a document; nodes are numbered in pre-order.
#[derive(Debug, Clone)]
pub enum JsonEdit {
    Replace {
        node: Index,
        with: Value,
    },
    /// Remove one child of an array or object node.
    Remove {
        node: Index,
        child: Index,
    },
    /// Add (or overwrite) a key of an object node.
    Set {
        node: Index,
        key: String,
        value: Value,
    },
    /// The same content as another type: `"12"` ↔ `12`, `true` ↔ `"true"`, `x` ↔ `[x]`, …
    Retype {
        node: Index,
        how: u8,
    },
    /// Duplicate one child of an array node.
    DuplicateChild {
        node: Index,
        child: Index,
    },
    /// Nest the node `depth` arrays deep.
    Nest {
        node: Index,
        depth: u8,
    },
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

fn nth_mut<'a>(v: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
    if *n == 0 {
        return Some(v);
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().find_map(|x| nth_mut(x, n)),
        Value::Object(m) => m.values_mut().find_map(|x| nth_mut(x, n)),
        _ => None,
    }
}

fn node<'a>(root: &'a mut Value, at: &Index) -> &'a mut Value {
    let mut n = at.index(count(root));
    // `n` < count, so the node exists.
    nth_mut(root, &mut n).expect("node index within the document")
}

fn retype(v: &Value, how: u8) -> Value {
    match (v, how % 4) {
        (Value::String(s), 0) => {
            s.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| json!(f)).unwrap_or(Value::Null)
        }
        (Value::String(s), 1) => Value::Bool(!s.is_empty()),
        (Value::Number(n), 0) => Value::String(n.to_string()),
        (Value::Number(n), 1) => Value::String(format!("{n}%")),
        (Value::Bool(b), 0) => Value::String(b.to_string()),
        (Value::Bool(b), 1) => json!(*b as u8),
        (Value::Null, _) => Value::String(String::new()),
        (v, 2) => Value::Array(vec![v.clone()]),
        (v, 3) => json!({ "value": v }),
        (v, _) => Value::String(v.to_string()),
    }
}

pub fn apply(root: &mut Value, edits: &[JsonEdit]) {
    for e in edits {
        match e {
            JsonEdit::Replace { node: at, with } => *node(root, at) = with.clone(),
            JsonEdit::Remove { node: at, child } => match node(root, at) {
                Value::Array(a) if !a.is_empty() => {
                    let i = child.index(a.len());
                    a.remove(i);
                }
                Value::Object(m) if !m.is_empty() => {
                    let k = m.keys().nth(child.index(m.len())).cloned().unwrap_or_default();
                    m.remove(&k);
                }
                _ => {}
            },
            JsonEdit::Set { node: at, key, value } => {
                if let Value::Object(m) = node(root, at) {
                    m.insert(key.clone(), value.clone());
                }
            }
            JsonEdit::Retype { node: at, how } => {
                let n = node(root, at);
                *n = retype(n, *how);
            }
            JsonEdit::DuplicateChild { node: at, child } => {
                if let Value::Array(a) = node(root, at) {
                    if !a.is_empty() && a.len() < 10_000 {
                        let x = a[child.index(a.len())].clone();
                        a.push(x);
                    }
                }
            }
            JsonEdit::Nest { node: at, depth } => {
                let n = node(root, at);
                for _ in 0..*depth {
                    *n = Value::Array(vec![n.take()]);
                }
            }
        }
    }
}

pub fn edits(words: &'static [&'static str], max: usize) -> BoxedStrategy<Vec<JsonEdit>> {
    let value = any_json(words, 2);
    let e = prop_oneof![
        4 => (any::<Index>(), value.clone()).prop_map(|(node, with)| JsonEdit::Replace { node, with }),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(node, child)| JsonEdit::Remove { node, child }),
        3 => (any::<Index>(), word(words), value).prop_map(|(node, key, value)| JsonEdit::Set { node, key, value }),
        3 => (any::<Index>(), any::<u8>()).prop_map(|(node, how)| JsonEdit::Retype { node, how }),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(node, child)| JsonEdit::DuplicateChild { node, child }),
        1 => (any::<Index>(), prop_oneof![1u8..4, 100u8..=255]).prop_map(|(node, depth)| JsonEdit::Nest { node, depth }),
    ];
    proptest::collection::vec(e, 0..=max).boxed()
}

/// The text of a seed document after up to `max_edits` structural edits and, one time in four,
/// up to 3 byte edits (which mostly make it invalid JSON, or valid JSON of another shape).
pub fn mutated_text(seeds: Vec<Value>, words: &'static [&'static str], max_edits: usize) -> BoxedStrategy<String> {
    let dict: Vec<Vec<u8>> =
        words.iter().map(|w| w.as_bytes().to_vec()).chain(JSON_TOKENS.iter().map(|t| t.as_bytes().to_vec())).collect();
    (any::<Index>(), edits(words, max_edits), prop_oneof![3 => Just(Vec::new()), 1 => mutate::edits(3)])
        .prop_map(move |(which, edits, bytes)| {
            let mut doc = seeds[which.index(seeds.len())].clone();
            apply(&mut doc, &edits);
            let text = doc.to_string();
            if bytes.is_empty() {
                return text;
            }
            let d: Vec<&[u8]> = dict.iter().map(Vec::as_slice).collect();
            String::from_utf8_lossy(&mutate::apply(text.as_bytes(), &bytes, &d, &[], 1 << 20)).into_owned()
        })
        .boxed()
}

/// Tokens that turn JSON text into other JSON (or almost JSON).
pub const JSON_TOKENS: &[&str] = &[
    "\"",
    ",",
    ":",
    "{",
    "}",
    "[",
    "]",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e999",
    "\\u0000",
    "\\ud800",
    "\\\"",
    "\"\":",
    " ",
    "\n",
    "\u{feff}",
    "NaN",
    "Infinity",
    "1.0e+2",
    "18446744073709551616",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structural_edits_keep_valid_json() {
        let seed = json!({"type":"x","a":[1,{"b":null}],"c":"d"});
        crate::fuzz("self-test-json-edits", 300, edits(&["type", "a"], 6), |edits| {
            let mut d = seed.clone();
            apply(&mut d, &edits);
            if let Err(e) = serde_json::from_str::<Value>(&d.to_string()) {
                prop_assert!(e.to_string().contains("recursion limit"), "{e}");
            }
            Ok(())
        });
    }
}
