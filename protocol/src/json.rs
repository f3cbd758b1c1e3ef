//! Reading JSON text into a type, the one way the WASM core does it: text to a `serde_json::Value`
//! tree, then the tree to the type through [`Tree`].
//!
//! serde generates a parser per (type, input) pair, so the input decides the code size:
//! - reading some types straight from text and others from a tree carried two parsers per type;
//!   one path carries one;
//! - serde_json's own tree input also reads a struct from a JSON array (`[1, "x"]` for `{a, b}`),
//!   a form no Realtime event uses, and that path was 17 KB (raw) of the WASM core (issue 11). [`Tree`]
//!   reads structs from objects only.
//!
//! The tree costs an allocation per node, which is nothing at the rate events and answers come.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Error as _, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Value};

/// `text` as a `T`, through a tree.
pub fn read<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    let tree: Value = serde_json::from_str(text)?;
    from_tree(&tree)
}

/// A tree already read, as a `T` (the tree is kept: callers may read more from it).
pub fn from_tree<T: DeserializeOwned>(tree: &Value) -> serde_json::Result<T> {
    T::deserialize(Tree(tree))
}

/// A `serde_json::Value` as serde input, structs from objects only.
#[derive(Clone, Copy)]
pub struct Tree<'a>(pub &'a Value);

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> de::Deserializer<'de> for Tree<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.deserialize_any(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(map) => visitor.visit_map(Fields { fields: map.iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Fields { fields: map.iter(), value: None }),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    /// Enums of names only (`"user"`, `"assistant"`): the ones Hark's events use.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            other => Err(Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> de::SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|item| seed.deserialize(Tree(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields<'a> {
    fields: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> de::MapAccess<'de> for Fields<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.fields.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Tree(value)),
            None => Err(Error::custom("a value was read before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pair {
        a: u32,
        #[serde(default)]
        b: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Role {
        User,
        Assistant,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Whole {
        pairs: Vec<Pair>,
        role: Role,
        #[serde(default)]
        big: Option<u64>,
        signed: i32,
        ratio: f64,
        any: Value,
        #[serde(default)]
        missing: Vec<String>,
    }

    #[test]
    fn reads_through_the_tree_with_the_same_errors_as_text() {
        assert_eq!(read::<Pair>(r#"{"a":1,"b":"x"}"#).unwrap(), Pair { a: 1, b: Some("x".into()) });
        assert_eq!(read::<Pair>(r#"{"a":2,"b":null,"extra":[1]}"#).unwrap(), Pair { a: 2, b: None });
        assert!(read::<Pair>(r#"{"b":"x"}"#).unwrap_err().to_string().contains("missing field `a`"));
        assert!(read::<Pair>(r#"{"a":-1}"#).unwrap_err().to_string().contains("invalid value: integer `-1`"));
        assert!(read::<Pair>(r#"{"a":"1"}"#).unwrap_err().to_string().contains("invalid type: string \"1\""));
        assert!(read::<Pair>("{").unwrap_err().is_eof());
        let text = r#"{"pairs":[{"a":1},{"a":2,"b":"y"}],"role":"assistant","big":18446744073709551615,
            "signed":-7,"ratio":1.5,"any":{"k":[true,null,"s",2.5]}}"#;
        let whole: Whole = read(text).unwrap();
        assert_eq!(whole.pairs, [Pair { a: 1, b: None }, Pair { a: 2, b: Some("y".into()) }]);
        assert_eq!((whole.role, whole.big, whole.signed, whole.ratio), (Role::Assistant, Some(u64::MAX), -7, 1.5));
        assert_eq!(whole.any, serde_json::json!({"k": [true, null, "s", 2.5]}));
        assert!(whole.missing.is_empty());
        assert!(read::<Whole>(&text.replace("assistant", "robot"))
            .unwrap_err()
            .to_string()
            .contains("unknown variant"));
    }

    #[test]
    fn structs_come_from_objects_only() {
        let err = read::<Pair>(r#"[1, "x"]"#).unwrap_err().to_string();
        assert!(err.contains("invalid type: sequence, expected struct Pair"), "{err}");
    }
}
