//! Leases in memory: TTLs, expiry deadlines and attached keys. Grants and
//! revocations are made durable by the writer; deadlines are not persisted
//! (as in etcd, a restart gives every lease its full TTL again).

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// Shortest TTL etcd grants with its default election timeout (1 s): 1.5 s rounded up.
pub const MIN_TTL: i64 = 2;
/// Longest TTL etcd accepts.
pub const MAX_TTL: i64 = 9_000_000_000;

#[derive(Debug)]
pub struct Lease {
    pub ttl: i64,
    pub expiry: Instant,
    pub keys: BTreeSet<Vec<u8>>,
}

#[derive(Debug, Default)]
pub struct Leases {
    map: HashMap<i64, Lease>,
}

fn deadline(now: Instant, ttl: i64) -> Instant {
    now + Duration::from_secs(ttl.max(0) as u64)
}

impl Leases {
    pub fn contains(&self, id: i64) -> bool {
        self.map.contains_key(&id)
    }

    pub fn insert(&mut self, id: i64, ttl: i64, now: Instant) {
        self.map.insert(
            id,
            Lease {
                ttl,
                expiry: deadline(now, ttl),
                keys: BTreeSet::new(),
            },
        );
    }

    pub fn remove(&mut self, id: i64) -> Option<Lease> {
        self.map.remove(&id)
    }

    /// Extends the lease by its TTL; returns the TTL, or `None` if there is no such lease.
    pub fn keep_alive(&mut self, id: i64, now: Instant) -> Option<i64> {
        let l = self.map.get_mut(&id)?;
        l.expiry = deadline(now, l.ttl);
        Some(l.ttl)
    }

    /// (remaining seconds, granted TTL, attached keys).
    pub fn time_to_live(&self, id: i64, now: Instant) -> Option<(i64, i64, Vec<Vec<u8>>)> {
        let l = self.map.get(&id)?;
        let remaining = l.expiry.saturating_duration_since(now).as_secs() as i64;
        Some((remaining, l.ttl, l.keys.iter().cloned().collect()))
    }

    pub fn attach(&mut self, id: i64, key: &[u8]) {
        if let Some(l) = self.map.get_mut(&id) {
            l.keys.insert(key.to_vec());
        }
    }

    pub fn detach(&mut self, id: i64, key: &[u8]) {
        if let Some(l) = self.map.get_mut(&id) {
            l.keys.remove(key);
        }
    }

    pub fn is_expired(&self, id: i64, now: Instant) -> bool {
        self.map.get(&id).is_some_and(|l| l.expiry <= now)
    }

    pub fn expired(&self, now: Instant) -> Vec<i64> {
        self.map
            .iter()
            .filter(|(_, l)| l.expiry <= now)
            .map(|(id, _)| *id)
            .collect()
    }

    pub fn ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.map.keys().copied().collect();
        ids.sort_unstable();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_keepalive() {
        let t0 = Instant::now();
        let mut ls = Leases::default();
        ls.insert(7, 5, t0);
        ls.attach(7, b"k");
        assert!(ls.expired(t0 + Duration::from_secs(4)).is_empty());
        assert_eq!(ls.expired(t0 + Duration::from_secs(5)), vec![7]);
        assert_eq!(ls.keep_alive(7, t0 + Duration::from_secs(4)), Some(5));
        assert!(!ls.is_expired(7, t0 + Duration::from_secs(8)));
        let (rem, granted, keys) = ls.time_to_live(7, t0 + Duration::from_millis(5500)).unwrap();
        assert_eq!((rem, granted, keys), (3, 5, vec![b"k".to_vec()]));
        ls.detach(7, b"k");
        assert!(ls.time_to_live(7, t0).unwrap().2.is_empty());
        assert_eq!(ls.keep_alive(8, t0), None);
    }
}
