//! Put phase: closed-loop writers at a fixed concurrency, each level on a
//! fresh server; throughput and latency percentiles after a warm-up.

use std::time::{Duration, Instant};

use etcd_client::Client;
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde::Serialize;

use crate::{config::BenchConfig, conn, stats::LatencySummary};

const KEY_PREFIX: &str = "/bench/put/";

/// One concurrency level.
#[derive(Debug, Clone, Serialize)]
pub struct PutLevel {
    /// Requests in flight (one task each).
    pub concurrency: usize,
    /// Client connections the tasks share round-robin.
    pub clients: usize,
    /// Puts completed in the measured window (after warm-up).
    pub ops: usize,
    pub errors: usize,
    pub secs: f64,
    pub ops_per_sec: f64,
    pub latency: LatencySummary,
}

/// Measures every level of `cfg.put_concurrency`, appending each to `out` as
/// it completes (so a later failure keeps the earlier levels).
pub async fn run(backend: &Backend, cfg: &BenchConfig, out: &mut Vec<PutLevel>) -> anyhow::Result<()> {
    for &c in &cfg.put_concurrency {
        let server = EtcdServer::start(backend.clone(), &[]).await?;
        let level = run_level(&server, c, cfg).await?;
        println!(
            "   put {backend} c={c:<3} {:>8.0} ops/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} clients, {} ops, {} errors)",
            level.ops_per_sec, level.latency.p50_ms, level.latency.p99_ms, level.clients, level.ops, level.errors
        );
        out.push(level);
    }
    Ok(())
}

async fn run_level(server: &EtcdServer, concurrency: usize, cfg: &BenchConfig) -> anyhow::Result<PutLevel> {
    let n_clients = concurrency.min(cfg.put_max_clients).max(1);
    let clients = conn::connect(server, n_clients).await?;
    let value = conn::payload(cfg.value_size, 1);
    let warm_end = Instant::now() + cfg.put_warmup;
    let end = warm_end + cfg.put_duration;

    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..concurrency {
        let writer = Writer {
            client: clients[t % n_clients].clone(),
            rng: fastrand::Rng::with_seed(t as u64),
            keyspace: cfg.put_keyspace,
            value: value.clone(),
        };
        tasks.spawn(writer.run(warm_end, end));
    }
    let mut samples = Vec::new();
    let mut errors = 0;
    while let Some(tally) = tasks.join_next().await {
        let tally = tally?;
        samples.extend(tally.samples);
        errors += tally.errors;
    }
    // Every recorded put started after `warm_end` and finished before now.
    let secs = warm_end.elapsed().as_secs_f64();
    let ops = samples.len();
    let latency = LatencySummary::of(samples)
        .ok_or_else(|| anyhow::anyhow!("no put succeeded at concurrency {concurrency} ({errors} errors)"))?;
    Ok(PutLevel {
        concurrency,
        clients: n_clients,
        ops,
        errors,
        secs,
        ops_per_sec: ops as f64 / secs,
        latency,
    })
}

/// One closed-loop writer task: puts back to back to random keys.
struct Writer {
    client: Client,
    rng: fastrand::Rng,
    keyspace: usize,
    value: Vec<u8>,
}

#[derive(Default)]
struct Tally {
    samples: Vec<Duration>,
    errors: usize,
}

impl Writer {
    /// Puts until `end`, recording the latency of puts started after `warm_end`.
    async fn run(mut self, warm_end: Instant, end: Instant) -> Tally {
        let mut tally = Tally::default();
        loop {
            let start = Instant::now();
            if start >= end {
                return tally;
            }
            let key = format!("{KEY_PREFIX}{:05}", self.rng.usize(..self.keyspace));
            let ok = conn::put(&mut self.client, key, self.value.clone()).await.is_ok();
            if start < warm_end {
                continue;
            }
            if ok {
                tally.samples.push(start.elapsed());
            } else {
                tally.errors += 1;
                // Don't spin on a dead server; the deadline still bounds the loop.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}
