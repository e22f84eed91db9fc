//! [`ByKey`]: the small map from a `u32` key to a value that the bridge, the socket table and
//! the timer table use.
//!
//! A vector sorted by key rather than a `BTreeMap` or `HashMap`: the keys of each table are
//! handed out by a counter, so an insert appends (a binary search finds the place once the
//! counter wraps), and a lookup is a binary search. It can be built in a `static` without a
//! lazy initialiser, needs no random hash seed, and keeps the browser build small: the release
//! echo of `ci/bench.sh` lost 8.8 KB of wasm when the bridge's `BTreeMap` went.

/// Values by `u32` key, kept sorted by key.
pub(crate) struct ByKey<V>(Vec<(u32, V)>);

impl<V> ByKey<V> {
    /// An empty table.
    pub(crate) const fn new() -> Self {
        ByKey(Vec::new())
    }

    fn find(&self, key: u32) -> Result<usize, usize> {
        self.0.binary_search_by_key(&key, |&(k, _)| k)
    }

    /// Put `value` under `key`; the value it replaces, if the key was taken.
    pub(crate) fn insert(&mut self, key: u32, value: V) -> Option<V> {
        if self.0.last().is_none_or(|&(last, _)| last < key) {
            self.0.push((key, value));
            return None;
        }
        match self.find(key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// Take `key`'s value out.
    pub(crate) fn remove(&mut self, key: u32) -> Option<V> {
        let i = self.find(key).ok()?;
        Some(self.0.remove(i).1)
    }

    /// `key`'s value.
    pub(crate) fn get(&self, key: u32) -> Option<&V> {
        let i = self.find(key).ok()?;
        Some(&self.0[i].1)
    }

    /// How many keys are taken.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

impl<V> Default for ByKey<V> {
    fn default() -> Self {
        ByKey::new()
    }
}

#[cfg(test)]
mod tests {
    use super::ByKey;

    #[test]
    fn in_order_out_of_order_and_replaced() {
        let mut t = ByKey::new();
        for k in [5, 7, 9] {
            assert_eq!(t.insert(k, k * 10), None);
        }
        // A key below the last one (the counter wrapped) goes to its place.
        assert_eq!(t.insert(1, 10), None);
        assert_eq!(t.insert(8, 80), None);
        assert_eq!(t.insert(7, 71), Some(70));
        assert_eq!(t.len(), 5);
        assert_eq!(t.get(8), Some(&80));
        assert_eq!(t.get(6), None);
        assert_eq!(t.remove(1), Some(10));
        assert_eq!(t.remove(1), None);
        let keys: Vec<u32> = t.0.iter().map(|&(k, _)| k).collect();
        assert_eq!(keys, [5, 7, 8, 9]);
    }
}
