//! The in-memory MVCC index: for every key, the revisions it was written at since
//! the last compaction, with the metadata a Range, a Txn compare or a watch event
//! needs. Values live in the backend, addressed by [`Rev::id`].
//!
//! The single writer appends entries for revisions that are not committed yet;
//! readers ask for a revision no newer than the committed one, so they never see
//! them.

use std::collections::BTreeMap;
use std::ops::Bound;

/// A (main, sub) revision: `main` is the store revision of the write, `sub` the
/// position of the change inside that revision's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rev {
    pub main: i64,
    pub sub: i64,
}

/// Bits of a backend row id that hold `sub`: up to 16M changes in one revision.
const SUB_BITS: u32 = 24;

impl Rev {
    /// The backend row id: revisions sort the same way ids do.
    pub fn id(self) -> i64 {
        (self.main << SUB_BITS) | self.sub
    }

    pub fn from_id(id: i64) -> Rev {
        Rev {
            main: id >> SUB_BITS,
            sub: id & ((1 << SUB_BITS) - 1),
        }
    }

    /// The first id of main revision `main`.
    pub fn first_id(main: i64) -> i64 {
        main << SUB_BITS
    }

    /// The last possible id of main revision `main`.
    pub fn last_id(main: i64) -> i64 {
        (main << SUB_BITS) | Rev::MAX_SUB
    }

    /// Largest number of changes one revision may hold.
    pub const MAX_SUB: i64 = (1 << SUB_BITS) - 1;
}

/// One write of a key: a put, or a delete (tombstone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub rev: Rev,
    /// Revision of the put that created this generation of the key (0 for a tombstone).
    pub create: i64,
    /// Puts in this generation so far (0 for a tombstone).
    pub version: i64,
    pub lease: i64,
    pub tombstone: bool,
}

/// Lower and upper bounds of a key range, as `BTreeMap::range` takes them.
type KeyBounds<'a> = (Bound<&'a [u8]>, Bound<&'a [u8]>);

/// A key range as etcd spells it: `[key, end)`, a single key, or everything from `key` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRange {
    Single(Vec<u8>),
    /// `end == None` means unbounded (etcd's `range_end == "\0"`).
    Span {
        start: Vec<u8>,
        end: Option<Vec<u8>>,
    },
}

impl KeyRange {
    /// Interprets etcd's `(key, range_end)` pair.
    pub fn new(key: &[u8], range_end: &[u8]) -> KeyRange {
        match range_end {
            [] => KeyRange::Single(key.to_vec()),
            [0] => KeyRange::Span {
                start: key.to_vec(),
                end: None,
            },
            end => KeyRange::Span {
                start: key.to_vec(),
                end: Some(end.to_vec()),
            },
        }
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        match self {
            KeyRange::Single(k) => k.as_slice() == key,
            KeyRange::Span { start, end } => key >= start.as_slice() && end.as_deref().is_none_or(|e| key < e),
        }
    }

    /// Whether the two ranges share at least one key.
    pub fn overlaps(&self, other: &KeyRange) -> bool {
        let (a0, a1) = self.bounds();
        let (b0, b1) = other.bounds();
        let a_before_b_ends = b1.as_deref().is_none_or(|e| a0.as_slice() < e);
        let b_before_a_ends = a1.as_deref().is_none_or(|e| b0.as_slice() < e);
        a_before_b_ends && b_before_a_ends
    }

    /// `[start, end)` with `None` for unbounded.
    fn bounds(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        match self {
            KeyRange::Single(k) => {
                let mut end = k.clone();
                end.push(0);
                (k.clone(), Some(end))
            }
            KeyRange::Span { start, end } => (start.clone(), end.clone()),
        }
    }

    /// The `BTreeMap` bounds, or `None` when the range is empty (end <= start).
    fn btree_bounds(&self) -> Option<KeyBounds<'_>> {
        match self {
            KeyRange::Single(k) => Some((Bound::Included(k), Bound::Included(k))),
            KeyRange::Span { start, end: None } => Some((Bound::Included(start), Bound::Unbounded)),
            KeyRange::Span { start, end: Some(end) } if end > start => {
                Some((Bound::Included(start), Bound::Excluded(end)))
            }
            KeyRange::Span { .. } => None,
        }
    }
}

/// Every key's revision history since the last compaction.
#[derive(Debug, Default)]
pub struct Index {
    keys: BTreeMap<Vec<u8>, Vec<Entry>>,
    /// Keys whose newest entry (any revision) is a put.
    live_keys: usize,
}

impl Index {
    /// The newest entry of `key`, committed or not (the writer's view).
    pub fn latest(&self, key: &[u8]) -> Option<&Entry> {
        self.keys.get(key).and_then(|h| h.last())
    }

    /// The live (non-tombstone) entry of `key` as of revision `rev`.
    pub fn at(&self, key: &[u8], rev: i64) -> Option<&Entry> {
        self.keys.get(key).and_then(|h| live_at(h, rev))
    }

    /// Keys of `range` that are live at `rev`, in key order, with their entry.
    pub fn range_at<'a>(
        &'a self,
        range: &'a KeyRange,
        rev: i64,
    ) -> impl DoubleEndedIterator<Item = (&'a [u8], &'a Entry)> + 'a {
        let bounds = range.btree_bounds();
        let iter = bounds.map(|b| self.keys.range::<[u8], _>(b));
        iter.into_iter()
            .flatten()
            .filter_map(move |(k, h)| live_at(h, rev).map(|e| (k.as_slice(), e)))
    }

    /// Number of keys whose newest entry is a put.
    pub fn live_keys(&self) -> usize {
        self.live_keys
    }

    /// Records a write. Entries of a key arrive in revision order.
    pub fn push(&mut self, key: &[u8], entry: Entry) {
        let history = match self.keys.get_mut(key) {
            Some(h) => h,
            None => self.keys.entry(key.to_vec()).or_default(),
        };
        let was_live = history.last().is_some_and(|e| !e.tombstone);
        debug_assert!(
            history.last().is_none_or(|e| e.rev < entry.rev),
            "index entries out of order"
        );
        history.push(entry);
        match (was_live, entry.tombstone) {
            (false, false) => self.live_keys += 1,
            (true, true) => self.live_keys -= 1,
            _ => {}
        }
    }

    /// Drops every entry newer than main revision `rev` (undoes an uncommitted batch).
    pub fn rollback(&mut self, rev: i64) {
        let mut live = 0;
        self.keys.retain(|_, h| {
            h.retain(|e| e.rev.main <= rev);
            live += usize::from(h.last().is_some_and(|e| !e.tombstone));
            !h.is_empty()
        });
        self.live_keys = live;
    }

    /// Forgets history older than `rev`, as etcd does: for each key keeps the
    /// newest entry at or before `rev` when it is a put (the value as of `rev`) and
    /// everything after it. Returns the revisions removed, for the backend to delete.
    pub fn compact(&mut self, rev: i64) -> Vec<Rev> {
        let mut removed = Vec::new();
        self.keys.retain(|_, h| {
            // Entries h[..split] are at or before rev.
            let split = h.partition_point(|e| e.rev.main <= rev);
            if split == 0 {
                return true;
            }
            let keep_from = if h[split - 1].tombstone { split } else { split - 1 };
            removed.extend(h.drain(..keep_from).map(|e| e.rev));
            !h.is_empty()
        });
        removed
    }

    /// Number of entries (all keys, all revisions): the size of the history.
    #[cfg(test)]
    pub fn total_entries(&self) -> usize {
        self.keys.values().map(Vec::len).sum()
    }
}

fn live_at(history: &[Entry], rev: i64) -> Option<&Entry> {
    let i = history.partition_point(|e| e.rev.main <= rev);
    history[..i].last().filter(|e| !e.tombstone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(main: i64, sub: i64, create: i64, version: i64) -> Entry {
        Entry {
            rev: Rev { main, sub },
            create,
            version,
            lease: 0,
            tombstone: false,
        }
    }
    fn del(main: i64) -> Entry {
        Entry {
            rev: Rev { main, sub: 0 },
            create: 0,
            version: 0,
            lease: 0,
            tombstone: true,
        }
    }

    #[test]
    fn ids_round_trip_and_sort() {
        let a = Rev { main: 7, sub: 3 };
        assert_eq!(Rev::from_id(a.id()), a);
        assert!(
            Rev {
                main: 7,
                sub: Rev::MAX_SUB
            }
            .id()
                < Rev { main: 8, sub: 0 }.id()
        );
        assert_eq!(Rev::first_id(8), Rev { main: 8, sub: 0 }.id());
        assert_eq!(
            Rev::last_id(7),
            Rev {
                main: 7,
                sub: Rev::MAX_SUB
            }
            .id()
        );
    }

    #[test]
    fn reads_at_revisions() {
        let mut ix = Index::default();
        ix.push(b"a", put(2, 0, 2, 1));
        ix.push(b"a", put(3, 0, 2, 2));
        ix.push(b"a", del(4));
        ix.push(b"a", put(6, 0, 6, 1));
        assert!(ix.at(b"a", 1).is_none());
        assert_eq!(ix.at(b"a", 2).unwrap().version, 1);
        assert_eq!(ix.at(b"a", 3).unwrap().version, 2);
        assert!(ix.at(b"a", 4).is_none());
        assert!(ix.at(b"a", 5).is_none());
        assert_eq!(ix.at(b"a", 6).unwrap().create, 6);
        assert_eq!(ix.live_keys(), 1);
    }

    #[test]
    fn ranges() {
        let mut ix = Index::default();
        for (i, k) in [b"a", b"b", b"c", b"d"].iter().enumerate() {
            ix.push(*k, put(i as i64 + 2, 0, i as i64 + 2, 1));
        }
        let keys = |r: KeyRange, rev| ix.range_at(&r, rev).map(|(k, _)| k.to_vec()).collect::<Vec<_>>();
        assert_eq!(keys(KeyRange::new(b"b", b"d"), 10), vec![b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(keys(KeyRange::new(b"b", b"\0"), 10).len(), 3);
        assert_eq!(keys(KeyRange::new(b"c", b""), 10), vec![b"c".to_vec()]);
        assert_eq!(
            keys(KeyRange::new(b"d", b"b"), 10).len(),
            0,
            "end before start is empty, not a panic"
        );
        assert_eq!(keys(KeyRange::new(b"\0", b"\0"), 3).len(), 2);
    }

    #[test]
    fn overlap() {
        let r = |a: &[u8], b: &[u8]| KeyRange::new(a, b);
        assert!(r(b"a", b"").overlaps(&r(b"a", b"")));
        assert!(!r(b"a", b"").overlaps(&r(b"b", b"")));
        assert!(r(b"a", b"c").overlaps(&r(b"b", b"")));
        assert!(!r(b"a", b"b").overlaps(&r(b"b", b"")));
        assert!(r(b"x", b"\0").overlaps(&r(b"zzz", b"")));
        assert!(!r(b"x", b"\0").overlaps(&r(b"a", b"x")));
    }

    #[test]
    fn compaction_keeps_the_value_as_of_the_compact_revision() {
        let mut ix = Index::default();
        ix.push(b"a", put(2, 0, 2, 1));
        ix.push(b"a", put(3, 0, 2, 2));
        ix.push(b"a", put(5, 0, 2, 3));
        ix.push(b"b", put(2, 1, 2, 1));
        ix.push(b"b", del(4));
        let mut removed = ix.compact(4);
        removed.sort();
        // a keeps its put at 3; b's newest entry at or before 4 is a tombstone: all gone.
        assert_eq!(
            removed,
            vec![
                Rev { main: 2, sub: 0 },
                Rev { main: 2, sub: 1 },
                Rev { main: 4, sub: 0 }
            ]
        );
        assert_eq!(ix.at(b"a", 4).unwrap().version, 2);
        assert!(ix.latest(b"b").is_none());
        assert_eq!(ix.live_keys(), 1);
        assert_eq!(ix.compact(5), vec![Rev { main: 3, sub: 0 }]);
        assert_eq!(ix.total_entries(), 1);
    }

    #[test]
    fn rollback_restores_live_count() {
        let mut ix = Index::default();
        ix.push(b"a", put(2, 0, 2, 1));
        ix.push(b"b", put(3, 0, 3, 1));
        ix.push(b"a", del(3));
        ix.rollback(2);
        assert_eq!(ix.live_keys(), 1);
        assert!(ix.latest(b"b").is_none());
        assert!(!ix.latest(b"a").unwrap().tombstone);
    }
}
