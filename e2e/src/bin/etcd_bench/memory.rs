//! Memory phase: resident memory of a fresh idle server, then after loading
//! many 1 KiB keys and idling again.

use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde::Serialize;

use crate::{
    config::BenchConfig,
    conn,
    load::{self, Loaded},
};

const KEY_PREFIX: &str = "/bench/memory/";
const LOAD_CONNECTIONS: usize = 8;
const LOAD_CONCURRENCY: usize = 64;

#[derive(Debug, Clone, Serialize)]
pub struct MemoryResult {
    /// RSS of the fresh server after idling.
    pub idle_rss_kib: u64,
    pub load: Loaded,
    /// RSS after the load and another idle period.
    pub loaded_rss_kib: u64,
    pub loaded_data_dir_bytes: u64,
}

pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<MemoryResult> {
    let server = EtcdServer::start(backend.clone(), &[]).await?;
    tokio::time::sleep(cfg.memory_settle).await;
    let idle_rss_kib = rss(&server)?;
    println!("   memory {backend}: idle RSS {:.1} MiB", mib(idle_rss_kib));

    let value = conn::payload(cfg.value_size, 4);
    let load = {
        let clients = conn::connect(&server, LOAD_CONNECTIONS).await?;
        load::load(&clients, KEY_PREFIX, cfg.memory_keys, &value, LOAD_CONCURRENCY).await?
        // clients dropped here: their connections don't count against the idle server.
    };
    tokio::time::sleep(cfg.memory_settle).await;
    let loaded_rss_kib = rss(&server)?;
    let loaded_data_dir_bytes = ferrokube_e2e::dir_size(server.data_dir());
    println!(
        "   memory {backend}: loaded {} keys in {:.1} s ({:.0}/s); RSS {:.1} MiB, data dir {:.1} MiB",
        load.keys,
        load.secs,
        load.keys_per_sec,
        mib(loaded_rss_kib),
        loaded_data_dir_bytes as f64 / (1 << 20) as f64
    );
    Ok(MemoryResult {
        idle_rss_kib,
        load,
        loaded_rss_kib,
        loaded_data_dir_bytes,
    })
}

fn rss(server: &EtcdServer) -> anyhow::Result<u64> {
    server
        .rss_kib()
        .ok_or_else(|| anyhow::anyhow!("cannot read the RSS of {server:?} (has it exited?)"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
