//! Read phase: loads pods, then times GETs of single pods (closed-loop, per concurrency level) and LISTs of the
//! whole namespace, served from the watch cache (`resourceVersion=0`) and consistently (`resourceVersion` unset).

use std::time::{Duration, Instant};

use anyhow::Context;
use ferrokube_e2e::etcd::Backend;
use serde::Serialize;

use crate::{
    config::BenchConfig,
    load::{self, Level, Loaded, Window},
    pod,
    stack::{self, Stack},
    stats::LatencySummary,
};

const PREFIX: &str = "g";

#[derive(Debug, Clone, Serialize)]
pub struct ReadResult {
    pub load: Loaded,
    pub get: Vec<Level>,
    /// The same reads as etcd Ranges of the pods' keys, on the same datastore with the apiserver idle: the
    /// floor under the GET latencies at each concurrency.
    pub raw_get: Vec<Level>,
    /// LIST with `resourceVersion=0`.
    pub list_cached: ListResult,
    /// LIST without `resourceVersion` (consistent read).
    pub list_consistent: ListResult,
}

impl ReadResult {
    pub fn get_at(&self, c: usize) -> Option<&Level> {
        self.get.iter().find(|l| l.concurrency == c)
    }

    pub fn raw_get_at(&self, c: usize) -> Option<&Level> {
        self.raw_get.iter().find(|l| l.concurrency == c)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ListResult {
    pub query: String,
    pub items: usize,
    pub response_bytes: usize,
    pub latency: LatencySummary,
}

pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<ReadResult> {
    let stack = Stack::start(backend, cfg.clients).await?;
    let load = load::load_pods(&stack, PREFIX, cfg.read_pods, cfg.load_concurrency).await?;
    println!(
        "   read {backend}: loaded {} pods in {:.1} s ({:.0}/s)",
        load.pods, load.secs, load.pods_per_sec
    );
    let mut get = Vec::new();
    for &c in &cfg.get_concurrency {
        let window = Window::starting_now(Duration::from_millis(500), cfg.get_duration);
        let clients = stack.clients.clone();
        let n = cfg.read_pods;
        let measured = load::closed_loop(c, window, move |t, seq| {
            let client = clients[t % clients.len()].clone();
            // A different pod each time, spread over the whole set.
            let i = (t * 7919 + seq * 104_729) % n;
            let path = pod::pod_path(&pod::name(PREFIX, 0, i));
            async move { stack::send(&client, stack::get(&path)?).await.map(drop) }
        });
        let label = format!("get-c{c}-{}", stack::label(backend));
        let observed = load::observe(&stack, window, cfg, &label);
        let (level, _) = tokio::join!(measured, observed);
        let level = level?;
        println!(
            "   get {backend} c={c:<3} {:>7.0} gets/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} errors)",
            level.ops_per_sec, level.latency.p50_ms, level.latency.p99_ms, level.errors
        );
        get.push(level);
    }
    let raw_get = raw_gets(&stack, backend, cfg).await?;
    let list_cached = list(&stack, backend, cfg, "resourceVersion=0").await?;
    let list_consistent = list(&stack, backend, cfg, "").await?;
    Ok(ReadResult {
        load,
        get,
        raw_get,
        list_cached,
        list_consistent,
    })
}

/// Linearizable etcd Ranges of single pod keys, the same key sequence as the GETs, closed-loop at each GET
/// concurrency (`min(c, raw_put_connections)` connections).
async fn raw_gets(stack: &Stack, backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<Vec<Level>> {
    let mut levels = Vec::new();
    for &c in &cfg.get_concurrency {
        let mut clients = Vec::new();
        for _ in 0..c.clamp(1, cfg.raw_put_connections.max(1)) {
            clients.push(stack.etcd.client().await?);
        }
        let n = cfg.read_pods;
        let window = Window::starting_now(Duration::from_millis(500), cfg.get_duration);
        let level = load::closed_loop(c, window, move |t, seq| {
            let mut client = clients[t % clients.len()].clone();
            let i = (t * 7919 + seq * 104_729) % n;
            let key = format!("/registry/pods/{}/{}", pod::NAMESPACE, pod::name(PREFIX, 0, i));
            async move {
                let resp = tokio::time::timeout(stack::REQUEST_TIMEOUT, client.get(key.as_str(), None))
                    .await
                    .map_err(|_| anyhow::anyhow!("range of {key} timed out"))?
                    .with_context(|| format!("range of {key}"))?;
                anyhow::ensure!(resp.kvs().len() == 1, "{key} is not in etcd");
                Ok(())
            }
        })
        .await?;
        println!(
            "   raw get {backend} c={c:<3} {:>7.0} ranges/s p50 {:>6.2} ms   p99 {:>6.2} ms   ({} errors)",
            level.ops_per_sec, level.latency.p50_ms, level.latency.p99_ms, level.errors
        );
        levels.push(level);
    }
    Ok(levels)
}

/// One untimed LIST that checks the item count, then `cfg.list_requests` timed ones in sequence.
async fn list(stack: &Stack, backend: &Backend, cfg: &BenchConfig, query: &str) -> anyhow::Result<ListResult> {
    let path = if query.is_empty() {
        pod::collection_path()
    } else {
        format!("{}?{query}", pod::collection_path())
    };
    let client = stack.client(0);
    let first = stack::send(&client, stack::get(&path)?).await?;
    let parsed: serde_json::Value = serde_json::from_str(&first).with_context(|| format!("LIST {path}: not JSON"))?;
    let items = parsed["items"].as_array().map(Vec::len).unwrap_or(0);
    anyhow::ensure!(
        items == cfg.read_pods,
        "LIST {path} returned {items} pods, expected {}",
        cfg.read_pods
    );
    let response_bytes = first.len();
    drop((first, parsed));

    let label = format!(
        "list-{}-{}",
        if query.is_empty() { "consistent" } else { "rv0" },
        stack::label(backend)
    );
    let prof = crate::profile::start(cfg.perf_dir.as_deref(), &label, stack.apiserver.pid());
    let mut samples = Vec::with_capacity(cfg.list_requests);
    for _ in 0..cfg.list_requests {
        let start = Instant::now();
        let body = stack::send(&client, stack::get(&path)?).await?;
        samples.push(start.elapsed());
        anyhow::ensure!(
            body.len() + 64 >= response_bytes,
            "LIST {path} shrank to {} bytes",
            body.len()
        );
    }
    if let Some(p) = prof {
        p.stop().await;
    }
    let latency = LatencySummary::of(samples).ok_or_else(|| anyhow::anyhow!("no LIST was timed"))?;
    let shown = if query.is_empty() {
        "resourceVersion unset"
    } else {
        query
    };
    println!(
        "   list {backend} {items} pods ({shown}): p50 {:>6.1} ms   p99 {:>6.1} ms   ({:.1} MiB JSON)",
        latency.p50_ms,
        latency.p99_ms,
        response_bytes as f64 / (1 << 20) as f64
    );
    Ok(ListResult {
        query: shown.to_string(),
        items,
        response_bytes,
        latency,
    })
}
