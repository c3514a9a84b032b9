//! What to run and how hard: the resolved settings of one benchmark run.

use std::{fmt, time::Duration};

use clap::ValueEnum;
use serde::Serialize;

use crate::BenchArgs;

/// A benchmark phase; each starts its own fresh server(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Put throughput and latency at several concurrency levels.
    Put,
    /// Full-prefix Range over 10k keys.
    Range,
    /// Watch delivery latency with many watchers.
    Watch,
    /// RSS idle and after loading many keys.
    Memory,
    /// Data dir size under steady updates with auto compaction.
    Disk,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Phase::Put => "put",
            Phase::Range => "range",
            Phase::Watch => "watch",
            Phase::Memory => "memory",
            Phase::Disk => "disk",
        };
        f.write_str(s)
    }
}

/// `--only`: run a single backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Only {
    Etcd,
    Shim,
}

/// Size of every value written, bytes.
pub const VALUE_SIZE: usize = 1024;

/// Settings of one run, derived from the flags (`--quick` shortens them).
#[derive(Debug, Clone, Serialize)]
pub struct BenchConfig {
    pub quick: bool,
    pub phases: Vec<Phase>,
    pub value_size: usize,

    /// Put: concurrency levels (in-flight requests), measured each on a fresh server.
    pub put_concurrency: Vec<usize>,
    /// Put: at most this many client connections; tasks round-robin over them.
    pub put_max_clients: usize,
    /// Put: distinct keys the writers pick from at random.
    pub put_keyspace: usize,
    #[serde(serialize_with = "secs")]
    pub put_warmup: Duration,
    #[serde(serialize_with = "secs")]
    pub put_duration: Duration,

    /// Range: keys loaded under the prefix, and timed full-prefix requests.
    pub range_keys: usize,
    pub range_requests: usize,

    /// Watch: watchers on one prefix, spread over this many connections.
    pub watchers: usize,
    pub watch_connections: usize,
    /// Watch: writer puts per second, for `watch_duration`.
    pub watch_rate: u32,
    #[serde(serialize_with = "secs")]
    pub watch_duration: Duration,

    /// Memory: keys loaded before the second RSS reading.
    pub memory_keys: usize,
    /// Memory: how long the server idles before each RSS reading.
    #[serde(serialize_with = "secs")]
    pub memory_settle: Duration,

    /// Disk: live keys updated at `disk_rate` per second for `disk_duration`.
    pub disk_keys: usize,
    pub disk_rate: u32,
    #[serde(serialize_with = "secs")]
    pub disk_duration: Duration,
    #[serde(serialize_with = "secs")]
    pub disk_sample_every: Duration,
    /// Disk: flags given to both servers (auto compaction).
    pub disk_server_args: Vec<String>,
}

impl BenchConfig {
    pub fn from_args(args: &BenchArgs) -> Self {
        let quick = args.quick;
        let disk_secs = args.disk_secs.unwrap_or(if quick { 20 } else { 600 });
        let mut phases = Vec::new();
        for p in &args.phases {
            if !phases.contains(p) {
                phases.push(*p);
            }
        }
        BenchConfig {
            quick,
            phases,
            value_size: VALUE_SIZE,
            put_concurrency: vec![1, 16, 64],
            put_max_clients: 8,
            put_keyspace: 10_000,
            put_warmup: Duration::from_secs(if quick { 1 } else { 2 }),
            put_duration: Duration::from_secs(if quick { 3 } else { 10 }),
            range_keys: 10_000,
            range_requests: 30,
            watchers: 100,
            watch_connections: 10,
            watch_rate: 200,
            watch_duration: Duration::from_secs(if quick { 3 } else { 10 }),
            memory_keys: if quick { 20_000 } else { 100_000 },
            memory_settle: Duration::from_secs(2),
            disk_keys: 1000,
            disk_rate: args.disk_rate.max(1),
            disk_duration: Duration::from_secs(disk_secs.max(1)),
            disk_sample_every: Duration::from_secs(10),
            disk_server_args: disk_server_args(disk_secs),
        }
    }

    /// Bytes of live data in the disk phase (keys × value size).
    pub fn disk_live_bytes(&self) -> u64 {
        (self.disk_keys * self.value_size) as u64
    }
}

/// Periodic auto compaction keeping a window of a tenth of the run, between
/// 5 s and 60 s: etcd 3.4 then compacts once per window (revision mode would
/// only look every 5 minutes), so a 600 s run compacts ~10 times and a 20 s
/// quick run ~4 times.
fn disk_server_args(disk_secs: u64) -> Vec<String> {
    let retention = (disk_secs / 10).clamp(5, 60);
    vec![
        "--auto-compaction-mode=periodic".to_string(),
        format!("--auto-compaction-retention={retention}s"),
    ]
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
