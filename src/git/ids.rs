//! Maps and sets of object ids for the walks over the whole history.
//!
//! They key by the id's bytes, compared in place (`git2::Oid` compares through a call into
//! libgit2), and hash by the first eight of them, which an object id already spreads
//! evenly. With the standard map, hashing with SipHash and comparing through libgit2 took
//! about a tenth of a cold walk's serial time on 100,000 commits.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// An object id's bytes: SHA-1's twenty.
type Bytes = [u8; 20];

fn bytes_of(id: &git2::Oid) -> Bytes {
    let mut out = [0; 20];
    let raw = id.as_bytes();
    let n = raw.len().min(out.len());
    out[..n].copy_from_slice(&raw[..n]);
    out
}

/// Hashes an object id's bytes by their first eight.
#[derive(Default)]
pub(crate) struct FirstBytes(u64);

impl Hasher for FirstBytes {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // The array's bytes come in one call; a length written before them comes through
        // `write_usize` and changes nothing.
        for chunk in bytes.chunks(8).take(1) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(word);
        }
    }

    fn write_usize(&mut self, _: usize) {}
}

/// A map from object ids.
pub(crate) struct IdMap<V>(HashMap<Bytes, V, BuildHasherDefault<FirstBytes>>);

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap(HashMap::default())
    }
}

impl<V> IdMap<V> {
    pub fn get(&self, id: &git2::Oid) -> Option<&V> {
        self.0.get(&bytes_of(id))
    }

    pub fn insert(&mut self, id: git2::Oid, value: V) -> Option<V> {
        self.0.insert(bytes_of(&id), value)
    }
}

impl<V> FromIterator<(git2::Oid, V)> for IdMap<V> {
    fn from_iter<I: IntoIterator<Item = (git2::Oid, V)>>(items: I) -> Self {
        let items = items.into_iter();
        let mut map = HashMap::with_capacity_and_hasher(items.size_hint().0, Default::default());
        map.extend(items.map(|(id, v)| (bytes_of(&id), v)));
        IdMap(map)
    }
}

/// A set of object ids.
#[derive(Default)]
pub(crate) struct IdSet(IdMap<()>);

impl IdSet {
    /// Adds `id`; whether it was not there yet.
    pub fn insert(&mut self, id: git2::Oid) -> bool {
        self.0.insert(id, ()).is_none()
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: git2::Oid) -> bool {
        self.0.get(&id).is_some()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_that_share_their_first_bytes_stay_apart() {
        // Same first eight bytes: one bucket, told apart by the whole id.
        let a = git2::Oid::from_str("0123456789abcdef000000000000000000000001").unwrap();
        let b = git2::Oid::from_str("0123456789abcdef000000000000000000000002").unwrap();
        let mut map: IdMap<u32> = [(a, 1)].into_iter().collect();
        assert_eq!(map.get(&b), None);
        assert_eq!(map.insert(b, 2), None);
        assert_eq!((map.get(&a), map.get(&b)), (Some(&1), Some(&2)));
        assert_eq!(map.insert(a, 3), Some(1));
        let mut set = IdSet::default();
        assert!(set.insert(a) && set.insert(b));
        assert!(!set.insert(a));
    }
}
