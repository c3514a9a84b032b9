//! Range phase: full-prefix Range requests over 10k keys of 1 KiB.

use std::time::Instant;

use etcd_client::GetOptions;
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde::Serialize;

use crate::{
    config::BenchConfig,
    conn,
    load::{self, Loaded},
    stats::LatencySummary,
};

const KEY_PREFIX: &str = "/bench/range/";
/// Untimed requests before the timed ones.
const WARMUP_REQUESTS: usize = 2;
/// A full response is ~11 MiB; the client's default limit is 4 MiB.
const MAX_RESPONSE_BYTES: usize = 256 << 20;

#[derive(Debug, Clone, Serialize)]
pub struct RangeResult {
    pub load: Loaded,
    /// Keys each response returned (checked against the loaded count).
    pub keys_per_response: usize,
    pub latency: LatencySummary,
}

/// Loads the keys, then times sequential full-prefix Range requests.
pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<RangeResult> {
    let server = EtcdServer::start(backend.clone(), &[]).await?;
    let clients = conn::connect(&server, 8).await?;
    let value = conn::payload(cfg.value_size, 2);
    let loaded = load::load(&clients, KEY_PREFIX, cfg.range_keys, &value, 16).await?;
    println!(
        "   range {backend}: loaded {} keys in {:.1} s",
        loaded.keys, loaded.secs
    );

    let mut kv = clients[0].kv_client().max_decoding_message_size(MAX_RESPONSE_BYTES);
    let mut samples = Vec::with_capacity(cfg.range_requests);
    for i in 0..WARMUP_REQUESTS + cfg.range_requests {
        let start = Instant::now();
        let resp = conn::bounded("range", kv.get(KEY_PREFIX, Some(GetOptions::new().with_prefix()))).await?;
        let took = start.elapsed();
        let n = resp.kvs().len();
        anyhow::ensure!(
            n == cfg.range_keys,
            "range returned {n} keys, expected {}",
            cfg.range_keys
        );
        if i >= WARMUP_REQUESTS {
            samples.push(took);
        }
    }
    let latency = LatencySummary::of(samples).ok_or_else(|| anyhow::anyhow!("no range requests were timed"))?;
    println!(
        "   range {backend}: {} × {} keys   p50 {:.1} ms   p99 {:.1} ms",
        latency.count, cfg.range_keys, latency.p50_ms, latency.p99_ms
    );
    Ok(RangeResult {
        load: loaded,
        keys_per_response: cfg.range_keys,
        latency,
    })
}
