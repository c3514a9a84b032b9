//! Prometheus metrics under etcd's names, plus the shim's own group-commit
//! histogram (`etcd_shim_batch_requests`).

use prometheus_client::metrics::{counter::Counter, gauge::Gauge, histogram::Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone)]
pub struct Metrics {
    pub put_total: Counter,
    pub delete_total: Counter,
    pub range_total: Counter,
    pub txn_total: Counter,
    pub compaction_keys: Counter,
    pub leases_granted: Counter,
    pub leases_revoked: Counter,
    pub watch_catch_ups: Counter,
    pub keys: Gauge,
    pub watchers: Gauge,
    pub watch_streams: Gauge,
    pub slow_watchers: Gauge,
    pub current_revision: Gauge,
    pub compact_revision: Gauge,
    pub db_total_size: Gauge,
    pub db_size_in_use: Gauge,
    pub backend_commit: Histogram,
    pub batch_requests: Histogram,
}

impl Metrics {
    /// Creates the metrics and registers them (counters get `_total` appended).
    pub fn new(registry: &mut Registry) -> Metrics {
        let m = Metrics {
            put_total: Counter::default(),
            delete_total: Counter::default(),
            range_total: Counter::default(),
            txn_total: Counter::default(),
            compaction_keys: Counter::default(),
            leases_granted: Counter::default(),
            leases_revoked: Counter::default(),
            watch_catch_ups: Counter::default(),
            keys: Gauge::default(),
            watchers: Gauge::default(),
            watch_streams: Gauge::default(),
            slow_watchers: Gauge::default(),
            current_revision: Gauge::default(),
            compact_revision: Gauge::default(),
            db_total_size: Gauge::default(),
            db_size_in_use: Gauge::default(),
            backend_commit: Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
                0.0001, 2.0, 16,
            )),
            batch_requests: Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(1.0, 2.0, 11)),
        };
        let has_leader = Gauge::<i64>::default();
        has_leader.set(1);
        registry.register(
            "etcd_server_has_leader",
            "Whether a leader exists (always 1: a single member)",
            has_leader,
        );
        registry.register("etcd_mvcc_put", "Puts applied", m.put_total.clone());
        registry.register("etcd_mvcc_delete", "Keys deleted", m.delete_total.clone());
        registry.register("etcd_mvcc_range", "Ranges served", m.range_total.clone());
        registry.register("etcd_mvcc_txn", "Transactions applied", m.txn_total.clone());
        registry.register(
            "etcd_debugging_mvcc_db_compaction_keys",
            "Revisions removed by compaction",
            m.compaction_keys.clone(),
        );
        registry.register(
            "etcd_debugging_lease_granted",
            "Leases granted",
            m.leases_granted.clone(),
        );
        registry.register(
            "etcd_debugging_lease_revoked",
            "Leases revoked or expired",
            m.leases_revoked.clone(),
        );
        registry.register("etcd_debugging_mvcc_keys_total", "Live keys", m.keys.clone());
        registry.register(
            "etcd_shim_watch_catch_ups",
            "Times a watch stream fell behind the in-memory event buffer and caught up from disk",
            m.watch_catch_ups.clone(),
        );
        registry.register(
            "etcd_debugging_mvcc_watcher_total",
            "Active watchers",
            m.watchers.clone(),
        );
        registry.register(
            "etcd_debugging_mvcc_watch_stream_total",
            "Open watch streams",
            m.watch_streams.clone(),
        );
        registry.register(
            "etcd_debugging_mvcc_slow_watcher_total",
            "Watch streams catching up from disk",
            m.slow_watchers.clone(),
        );
        registry.register(
            "etcd_debugging_mvcc_current_revision",
            "Current store revision",
            m.current_revision.clone(),
        );
        registry.register(
            "etcd_debugging_mvcc_compact_revision",
            "Last compaction revision",
            m.compact_revision.clone(),
        );
        registry.register(
            "etcd_mvcc_db_total_size_in_bytes",
            "Backend file size",
            m.db_total_size.clone(),
        );
        registry.register(
            "etcd_mvcc_db_total_size_in_use_in_bytes",
            "Backend bytes in use",
            m.db_size_in_use.clone(),
        );
        registry.register(
            "etcd_disk_backend_commit_duration_seconds",
            "Durable commit (fsync) latency of one write batch",
            m.backend_commit.clone(),
        );
        registry.register(
            "etcd_shim_batch_requests",
            "Write requests per durable commit (group commit)",
            m.batch_requests.clone(),
        );
        m
    }
}
