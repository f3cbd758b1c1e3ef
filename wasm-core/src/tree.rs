//! Reading Hark's own JSON shapes (the page executor's answers, the session host's options) by
//! field name from a `serde_json::Value` tree.
//!
//! Why not `#[derive(Deserialize)]`: serde generates a parser per type, and the page answer's
//! ~40 fields alone carried ~30 KB of it into the WASM core (issue 11 asks for ≤ 150 KB
//! gzipped). These shapes are written by Hark's own scripts, so a lenient reader is enough: a
//! field that is absent or of another type reads as absent. OpenAI's events, which Hark does not
//! write, keep their typed serde definitions in `hark_protocol`.

use serde_json::{Map, Value};

/// The fields of one JSON object (none, if the value is not an object).
#[derive(Clone, Copy)]
pub struct Fields<'a>(Option<&'a Map<String, Value>>);

impl<'a> Fields<'a> {
    pub fn of(value: &'a Value) -> Fields<'a> {
        Fields(value.as_object())
    }

    pub fn is_object(&self) -> bool {
        self.0.is_some()
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0?.get(key)
    }

    /// A string field.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key)?.as_str().map(str::to_string)
    }

    /// A string field, empty when absent.
    pub fn text_or_empty(&self, key: &str) -> String {
        self.text(key).unwrap_or_default()
    }

    /// A boolean field.
    pub fn boolean(&self, key: &str) -> Option<bool> {
        self.get(key)?.as_bool()
    }

    /// A boolean field that is true only when it says so.
    pub fn flag(&self, key: &str) -> bool {
        self.boolean(key) == Some(true)
    }

    /// A whole number field that fits a `u32`.
    pub fn count(&self, key: &str) -> Option<u32> {
        self.get(key)?.as_u64().and_then(|n| u32::try_from(n).ok())
    }

    /// Any number field.
    pub fn number(&self, key: &str) -> Option<f64> {
        self.get(key)?.as_f64()
    }

    /// A list of strings (other items are skipped).
    pub fn texts(&self, key: &str) -> Vec<String> {
        self.list(key).filter_map(|v| v.as_str().map(str::to_string)).collect()
    }

    /// A list field's items (none when absent or not a list).
    pub fn list(&self, key: &str) -> impl Iterator<Item = &'a Value> {
        self.get(key).and_then(Value::as_array).into_iter().flatten()
    }

    /// An object field (no fields when absent).
    pub fn object(&self, key: &str) -> Fields<'a> {
        Fields(self.get(key).and_then(Value::as_object))
    }

    /// Any field, as it is.
    pub fn value(&self, key: &str) -> Option<&'a Value> {
        self.get(key).filter(|v| !v.is_null())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_of_another_type_read_as_absent() {
        let v = json!({"s": "x", "n": 3, "big": 5_000_000_000u64, "f": 1.5, "b": true, "l": ["a", 1, "b"], "o": {"k": "v"}});
        let f = Fields::of(&v);
        assert_eq!(f.text("s").as_deref(), Some("x"));
        assert_eq!(f.text("n"), None);
        assert_eq!(f.count("n"), Some(3));
        assert_eq!(f.count("big"), None);
        assert_eq!(f.count("f"), None);
        assert_eq!(f.number("f"), Some(1.5));
        assert!(f.flag("b") && !f.flag("s") && !f.flag("missing"));
        assert_eq!(f.texts("l"), ["a", "b"]);
        assert_eq!(f.object("o").text("k").as_deref(), Some("v"));
        assert!(!f.object("s").is_object());
        assert!(!Fields::of(&json!([1])).is_object());
        assert_eq!(Fields::of(&json!(null)).list("l").count(), 0);
    }
}
