//! A map and a set for the few entries a session keeps at a time (page requests in flight,
//! responses running, call ids seen): a `Vec` searched in order. The standard `HashMap` and
//! `HashSet` carried 13 KB (raw) of hash-table code, a copy per key and value type, into the WASM core
//! (issue 11 asks for ≤ 150 KB), to index maps that hold a handful of entries.

use std::borrow::Borrow;

#[derive(Debug, Clone)]
pub struct FewMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for FewMap<K, V> {
    fn default() -> Self {
        FewMap(Vec::new())
    }
}

impl<K: PartialEq, V> FewMap<K, V> {
    fn position<Q: PartialEq + ?Sized>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        self.0.iter().position(|(k, _)| k.borrow() == key)
    }

    /// Sets `key` to `value`; the value it had before, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    pub fn remove<Q: PartialEq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.position(key).map(|i| self.0.swap_remove(i).1)
    }

    /// The value at `key`, made with `Default` first if there is none.
    pub fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = self.position(&key).unwrap_or_else(|| {
            self.0.push((key, V::default()));
            self.0.len() - 1
        });
        &mut self.0[i].1
    }
}

#[derive(Debug, Clone)]
pub struct FewSet<K>(Vec<K>);

impl<K> Default for FewSet<K> {
    fn default() -> Self {
        FewSet(Vec::new())
    }
}

impl<K: PartialEq> FewSet<K> {
    /// Adds `key`; false if it was there already.
    pub fn insert(&mut self, key: K) -> bool {
        let new = !self.0.contains(&key);
        if new {
            self.0.push(key);
        }
        new
    }

    /// Takes `key` out; false if it was not there.
    pub fn remove<Q: PartialEq + ?Sized>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        match self.0.iter().position(|k| k.borrow() == key) {
            Some(i) => {
                self.0.swap_remove(i);
                true
            }
            None => false,
        }
    }

    pub fn contains<Q: PartialEq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.iter().any(|k| k.borrow() == key)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_and_set_keep_one_entry_per_key() {
        let mut m = FewMap::default();
        assert_eq!(m.insert(1, "a"), None);
        assert_eq!(m.insert(2, "b"), None);
        assert_eq!(m.insert(1, "c"), Some("a"));
        assert_eq!(m.remove(&1), Some("c"));
        assert_eq!(m.remove(&1), None);
        let mut lines: FewMap<String, String> = FewMap::default();
        lines.get_or_default("x".into()).push_str("he");
        lines.get_or_default("x".into()).push_str("llo");
        assert_eq!(lines.remove("x").as_deref(), Some("hello"));

        let mut s = FewSet::default();
        assert!(s.is_empty());
        assert!(s.insert("r1".to_string()) && !s.insert("r1".to_string()));
        assert!(s.contains("r1") && !s.contains("r2"));
        assert!(s.remove("r1") && !s.remove("r1") && s.is_empty());
    }
}
