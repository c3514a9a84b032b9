//! Bulk loading: writes N distinct keys under a prefix with a fixed number of
//! requests in flight.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use etcd_client::Client;
use serde::Serialize;

use crate::conn;

/// What a load did.
#[derive(Debug, Clone, Serialize)]
pub struct Loaded {
    pub keys: usize,
    pub concurrency: usize,
    pub secs: f64,
    pub keys_per_sec: f64,
}

/// The key of index `i` under `prefix` (fixed width, so keys sort by index).
pub fn key(prefix: &str, i: usize) -> String {
    format!("{prefix}{i:06}")
}

/// Puts `keys` keys `key(prefix, 0..keys)` with `value`, `concurrency` at a
/// time, tasks round-robin over `clients`. Fails on the first failed put.
pub async fn load(
    clients: &[Client],
    prefix: &str,
    keys: usize,
    value: &[u8],
    concurrency: usize,
) -> anyhow::Result<Loaded> {
    anyhow::ensure!(!clients.is_empty(), "load needs at least one client");
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..concurrency.max(1) {
        let mut client = clients[t % clients.len()].clone();
        let next = next.clone();
        let prefix = prefix.to_string();
        let value = value.to_vec();
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= keys {
                    return Ok::<_, anyhow::Error>(());
                }
                conn::put(&mut client, key(&prefix, i), value.clone()).await?;
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(Loaded {
        keys,
        concurrency,
        secs,
        keys_per_sec: keys as f64 / secs,
    })
}
