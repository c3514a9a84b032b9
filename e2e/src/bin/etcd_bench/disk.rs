//! Disk phase: steady updates to a small live set under auto compaction, the
//! data dir sampled as it goes, then a physical compaction to the current
//! revision (and, for etcd, a defragmentation) to see what space comes back.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use etcd_client::{Client, CompactionOptions, GetOptions};
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde::Serialize;

use crate::{config::BenchConfig, conn, load};

const KEY_PREFIX: &str = "/bench/disk/";
const WRITERS: usize = 8;
/// Pause after the final compaction before measuring, for background work
/// (checkpoints, freeing pages) to land.
const SETTLE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Serialize)]
pub struct DiskResult {
    pub server_args: Vec<String>,
    pub live_bytes: u64,
    pub updates: u64,
    pub update_errors: u64,
    /// Achieved update rate, per second.
    pub rate: f64,
    pub samples: Vec<DiskSample>,
    pub peak_dir_bytes: u64,
    /// Whether the revision before the updates had been compacted away by the
    /// server's auto compaction when the updates ended.
    pub auto_compaction_observed: bool,
    /// After a physical compaction to the current revision.
    pub final_dir_bytes: u64,
    pub final_db_bytes: i64,
    pub final_to_live: f64,
    /// etcd only: after a Defragment (bbolt never shrinks its file otherwise).
    pub defragmented_dir_bytes: Option<u64>,
    pub defragmented_db_bytes: Option<i64>,
}

/// One reading taken during the updates.
#[derive(Debug, Clone, Serialize)]
pub struct DiskSample {
    pub secs: f64,
    pub updates: u64,
    pub dir_bytes: u64,
    /// The server's own database size (Maintenance.Status `dbSize`).
    pub db_bytes: Option<i64>,
}

pub async fn run(backend: &Backend, cfg: &BenchConfig) -> anyhow::Result<DiskResult> {
    let args: Vec<&str> = cfg.disk_server_args.iter().map(String::as_str).collect();
    let server = EtcdServer::start(backend.clone(), &args).await?;
    println!("   disk {backend}: server flags {}", args.join(" "));
    let clients = conn::connect(&server, WRITERS).await?;
    let mut admin = clients[0].clone();
    let value = conn::payload(cfg.value_size, 5);
    load::load(&clients, KEY_PREFIX, cfg.disk_keys, &value, WRITERS).await?;
    let start_rev = current_revision(&mut admin).await?;

    let (samples, updates, update_errors, secs) = update_and_sample(&server, &clients, &value, cfg).await?;
    let peak_dir_bytes = samples.iter().map(|s| s.dir_bytes).max().unwrap_or(0);
    let auto_compaction_observed = is_compacted(&mut admin, start_rev).await?;

    let rev = current_revision(&mut admin).await?;
    conn::bounded(
        "compact",
        admin.compact(rev, Some(CompactionOptions::new().with_physical())),
    )
    .await?;
    tokio::time::sleep(SETTLE).await;
    let final_dir_bytes = ferrokube_e2e::dir_size(server.data_dir());
    let final_db_bytes = db_size(&mut admin).await?;
    let live_bytes = cfg.disk_live_bytes();
    println!(
        "   disk {backend}: {updates} updates; peak {}, after compacting to rev {rev}: data dir {} (db {}), {:.1}× live; auto compaction observed: {auto_compaction_observed}",
        fmt_mib(peak_dir_bytes),
        fmt_mib(final_dir_bytes),
        fmt_mib(final_db_bytes as u64),
        final_dir_bytes as f64 / live_bytes as f64,
    );

    let (defragmented_dir_bytes, defragmented_db_bytes) = if *backend == Backend::Etcd {
        conn::bounded("defragment", admin.defragment()).await?;
        tokio::time::sleep(SETTLE).await;
        let dir = ferrokube_e2e::dir_size(server.data_dir());
        let db = db_size(&mut admin).await?;
        println!(
            "   disk {backend}: after defragment: data dir {} (db {})",
            fmt_mib(dir),
            fmt_mib(db as u64)
        );
        (Some(dir), Some(db))
    } else {
        (None, None)
    };

    Ok(DiskResult {
        server_args: cfg.disk_server_args.clone(),
        live_bytes,
        updates,
        update_errors,
        rate: updates as f64 / secs,
        samples,
        peak_dir_bytes,
        auto_compaction_observed,
        final_dir_bytes,
        final_db_bytes,
        final_to_live: final_dir_bytes as f64 / live_bytes as f64,
        defragmented_dir_bytes,
        defragmented_db_bytes,
    })
}

/// Runs the writers for `cfg.disk_duration`, sampling sizes every
/// `cfg.disk_sample_every` (and at both ends) with a progress line each.
/// Returns the samples, updates done, failed updates and elapsed seconds.
async fn update_and_sample(
    server: &EtcdServer,
    clients: &[Client],
    value: &[u8],
    cfg: &BenchConfig,
) -> anyhow::Result<(Vec<DiskSample>, u64, u64, f64)> {
    let start = Instant::now();
    let end = start + cfg.disk_duration;
    let per_writer = Duration::from_secs_f64(WRITERS as f64 / f64::from(cfg.disk_rate));
    let mut tasks = tokio::task::JoinSet::new();
    let counter = Arc::new(AtomicU64::new(0));
    for w in 0..WRITERS {
        let writer = Updater {
            client: clients[w % clients.len()].clone(),
            rng: fastrand::Rng::with_seed(100 + w as u64),
            keys: cfg.disk_keys,
            value: value.to_vec(),
            done: counter.clone(),
        };
        tasks.spawn(writer.run(per_writer, end));
    }

    let mut admin = clients[0].clone();
    let mut samples = vec![sample(server, &mut admin, start, 0).await];
    let mut next = start + cfg.disk_sample_every;
    while next < end {
        tokio::time::sleep_until(next.into()).await;
        let s = sample(server, &mut admin, start, counter.load(Ordering::Relaxed)).await;
        println!(
            "   disk {}: {:>4.0}/{} s, {} updates ({:.0}/s), data dir {}, db {}",
            server.backend(),
            s.secs,
            cfg.disk_duration.as_secs(),
            s.updates,
            s.updates as f64 / s.secs,
            fmt_mib(s.dir_bytes),
            s.db_bytes.map(|b| fmt_mib(b as u64)).unwrap_or_else(|| "?".to_string()),
        );
        samples.push(s);
        next += cfg.disk_sample_every;
    }
    let mut errors = 0;
    while let Some(r) = tasks.join_next().await {
        errors += r?;
    }
    let secs = start.elapsed().as_secs_f64();
    let updates = counter.load(Ordering::Relaxed);
    samples.push(sample(server, &mut admin, start, updates).await);
    Ok((samples, updates, errors, secs))
}

/// One writer: updates random live keys at a fixed rate, one at a time
/// (ticks it cannot keep up with are skipped, not bunched).
struct Updater {
    client: Client,
    rng: fastrand::Rng,
    keys: usize,
    value: Vec<u8>,
    done: Arc<AtomicU64>,
}

impl Updater {
    /// Updates until `end`; returns the number of failed updates.
    async fn run(mut self, every: Duration, end: Instant) -> u64 {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut errors = 0;
        loop {
            ticker.tick().await;
            if Instant::now() >= end {
                return errors;
            }
            let key = load::key(KEY_PREFIX, self.rng.usize(..self.keys));
            match conn::put(&mut self.client, key, self.value.clone()).await {
                Ok(_) => {
                    self.done.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => errors += 1,
            }
        }
    }
}

async fn sample(server: &EtcdServer, admin: &mut Client, start: Instant, updates: u64) -> DiskSample {
    DiskSample {
        secs: start.elapsed().as_secs_f64(),
        updates,
        dir_bytes: ferrokube_e2e::dir_size(server.data_dir()),
        db_bytes: db_size(admin).await.ok(),
    }
}

async fn current_revision(client: &mut Client) -> anyhow::Result<i64> {
    let resp = conn::bounded(
        "get revision",
        client.get(KEY_PREFIX, Some(GetOptions::new().with_prefix().with_count_only())),
    )
    .await?;
    resp.header()
        .map(|h| h.revision())
        .ok_or_else(|| anyhow::anyhow!("range response without a header"))
}

async fn db_size(client: &mut Client) -> anyhow::Result<i64> {
    Ok(conn::bounded("status", client.status()).await?.db_size())
}

/// Whether reading at `rev` fails because it has been compacted.
async fn is_compacted(client: &mut Client, rev: i64) -> anyhow::Result<bool> {
    let get = GetOptions::new().with_prefix().with_count_only().with_revision(rev);
    match tokio::time::timeout(conn::REQUEST_TIMEOUT, client.get(KEY_PREFIX, Some(get))).await {
        Ok(Ok(_)) => Ok(false),
        Ok(Err(e)) if e.to_string().contains("compacted") => Ok(true),
        Ok(Err(e)) => Err(anyhow::Error::new(e).context("get at the starting revision")),
        Err(_) => anyhow::bail!("get at the starting revision timed out"),
    }
}

fn fmt_mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}
