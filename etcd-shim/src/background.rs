//! Background duties: automatic compaction and lease expiry.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::args::AutoCompaction;
use crate::store::Store;
use crate::store::writer::Write;

/// How often expired leases are looked for.
const LEASE_TICK: Duration = Duration::from_millis(250);
/// How often revision-mode compaction checks the history length.
const REVISION_TICK: Duration = Duration::from_secs(10);

/// Revokes leases whose deadline passed (the writer re-checks before revoking).
pub async fn expire_leases(store: Store) {
    let mut tick = tokio::time::interval(LEASE_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let expired = store.shared.leases.lock().expired(Instant::now());
        for id in expired {
            store.expire_lease(id);
        }
    }
}

/// Compacts history according to `policy`; returns at once when it is off.
pub async fn auto_compact(store: Store, policy: AutoCompaction) {
    match policy {
        AutoCompaction::Off => {}
        AutoCompaction::Periodic(retention) => periodic(store, retention).await,
        AutoCompaction::Revision(keep) => loop {
            tokio::time::sleep(REVISION_TICK).await;
            let target = store.shared.committed() - keep;
            if target > store.shared.compacted() {
                compact(&store, target).await;
            }
        },
    }
}

/// Keeps `retention` of history: samples the revision every tenth of the window
/// and compacts to the newest sample at least `retention` old.
async fn periodic(store: Store, retention: Duration) {
    let tick = (retention / 10).clamp(Duration::from_secs(1), Duration::from_secs(3600));
    let mut samples: VecDeque<(Instant, i64)> = VecDeque::new();
    loop {
        tokio::time::sleep(tick).await;
        let now = Instant::now();
        samples.push_back((now, store.shared.committed()));
        while samples.len() >= 2 && now.duration_since(samples[1].0) >= retention {
            samples.pop_front();
        }
        if let Some(&(at, rev)) = samples.front()
            && now.duration_since(at) >= retention
            && rev > store.shared.compacted()
        {
            compact(&store, rev).await;
        }
    }
}

async fn compact(store: &Store, rev: i64) {
    match store
        .write(|reply| Write::Compact {
            rev,
            physical: false,
            reply,
        })
        .await
    {
        Ok(_) => tracing::info!(rev, "automatic compaction"),
        Err(e) => tracing::debug!(rev, "automatic compaction skipped: {e}"),
    }
}
