//! Memory phase: resident memory of a fresh idle apiserver, then after loading many pods and idling again.

use ferrokube_e2e::etcd::Backend;
use serde::Serialize;

use crate::{
    config::BenchConfig,
    load::{self, Loaded},
    stack::{Stack, mib},
};

#[derive(Debug, Clone, Serialize)]
pub struct MemoryResult {
    pub idle_rss_kib: u64,
    pub load: Loaded,
    pub loaded_rss_kib: u64,
    /// The datastore's RSS holding the same pods, for comparison.
    pub datastore_loaded_rss_kib: u64,
}

pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<MemoryResult> {
    let stack = Stack::start(backend, cfg.clients).await?;
    tokio::time::sleep(cfg.memory_settle).await;
    let idle_rss_kib = stack.apiserver_rss_kib()?;
    println!("   memory {backend}: apiserver idle RSS {:.1} MiB", mib(idle_rss_kib));
    let load = load::load_pods(&stack, "m", cfg.memory_pods, cfg.load_concurrency).await?;
    tokio::time::sleep(cfg.memory_settle).await;
    let loaded_rss_kib = stack.apiserver_rss_kib()?;
    let datastore_loaded_rss_kib = stack.datastore_rss_kib()?;
    println!(
        "   memory {backend}: loaded {} pods in {:.1} s ({:.0}/s); apiserver RSS {:.1} MiB, datastore RSS {:.1} MiB",
        load.pods,
        load.secs,
        load.pods_per_sec,
        mib(loaded_rss_kib),
        mib(datastore_loaded_rss_kib)
    );
    Ok(MemoryResult {
        idle_rss_kib,
        load,
        loaded_rss_kib,
        datastore_loaded_rss_kib,
    })
}
