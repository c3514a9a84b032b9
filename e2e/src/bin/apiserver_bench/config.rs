//! What to run and how hard: the resolved settings of one apiserver benchmark run.

use std::{fmt, time::Duration};

use clap::ValueEnum;
use serde::Serialize;

use crate::BenchArgs;

/// A benchmark phase; each starts its own fresh datastore and apiserver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Closed-loop pod creates at a fixed concurrency, alternating with raw etcd puts of the same size on a second datastore.
    Create,
    /// Open-loop pod creates at a fixed rate: latency without queueing in the client.
    Rate,
    /// GET of single pods and LIST of many pods from the watch cache.
    Read,
    /// Many watchers on pods while a writer creates pods at a fixed rate.
    Watch,
    /// apiserver RSS idle and holding many pods.
    Memory,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Phase::Create => "create",
            Phase::Rate => "rate",
            Phase::Read => "read",
            Phase::Watch => "watch",
            Phase::Memory => "memory",
        };
        f.write_str(s)
    }
}

/// `--only`: run on a single datastore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Only {
    Etcd,
    Shim,
}

/// Settings of one run, derived from the flags (`--quick` shortens them).
#[derive(Debug, Clone, Serialize)]
pub struct BenchConfig {
    pub quick: bool,
    pub phases: Vec<Phase>,
    /// kube-rs clients (each its own connection pool) that load-generating tasks share round-robin.
    pub clients: usize,

    /// Create: requests in flight, for the pod creates and for the raw etcd puts alike.
    pub create_concurrency: usize,
    /// Create: connections of the raw etcd put baseline (the etcd benchmark's `min(c, 8)`).
    pub raw_put_connections: usize,
    #[serde(serialize_with = "secs")]
    pub create_warmup: Duration,
    #[serde(serialize_with = "secs")]
    pub create_duration: Duration,

    /// Rate: creates per second, each sent at its scheduled time whatever the earlier ones are doing.
    pub rate: u32,
    #[serde(serialize_with = "secs")]
    pub rate_warmup: Duration,
    #[serde(serialize_with = "secs")]
    pub rate_duration: Duration,

    /// Read: pods loaded before GETs and LISTs.
    pub read_pods: usize,
    /// Read: GET concurrency levels, each closed-loop for `get_duration`.
    pub get_concurrency: Vec<usize>,
    #[serde(serialize_with = "secs")]
    pub get_duration: Duration,
    /// Read: sequential LISTs of the whole namespace per variant (after one untimed LIST that checks the count).
    pub list_requests: usize,

    /// Watch: watch requests on pods in the bench namespace.
    pub watchers: usize,
    /// Watch: pod creates per second, for `watch_duration`.
    pub watch_rate: u32,
    #[serde(serialize_with = "secs")]
    pub watch_duration: Duration,

    /// Memory: pods loaded before the second RSS reading.
    pub memory_pods: usize,
    /// Memory: how long the servers idle before each RSS reading.
    #[serde(serialize_with = "secs")]
    pub memory_settle: Duration,

    /// Bulk loads (read and memory phases): creates in flight.
    pub load_concurrency: usize,

    /// Record a CPU profile of the apiserver with `perf` during each measured window, into this directory.
    pub perf_dir: Option<String>,
}

impl BenchConfig {
    pub fn from_args(args: &BenchArgs) -> Self {
        let quick = args.quick;
        let mut phases = Vec::new();
        for p in &args.phases {
            if !phases.contains(p) {
                phases.push(*p);
            }
        }
        BenchConfig {
            quick,
            phases,
            clients: 4,
            create_concurrency: 64,
            raw_put_connections: 8,
            create_warmup: Duration::from_secs(if quick { 1 } else { 2 }),
            create_duration: Duration::from_secs(if quick { 3 } else { 10 }),
            rate: 200,
            rate_warmup: Duration::from_secs(if quick { 1 } else { 2 }),
            rate_duration: Duration::from_secs(if quick { 4 } else { 20 }),
            read_pods: if quick { 2_000 } else { 10_000 },
            get_concurrency: vec![1, 16],
            get_duration: Duration::from_secs(if quick { 2 } else { 5 }),
            list_requests: if quick { 5 } else { 30 },
            watchers: if quick { 100 } else { 500 },
            watch_rate: 200,
            watch_duration: Duration::from_secs(if quick { 3 } else { 10 }),
            memory_pods: if quick { 5_000 } else { 50_000 },
            memory_settle: Duration::from_secs(3),
            load_concurrency: 64,
            perf_dir: args.perf.as_ref().map(|p| p.display().to_string()),
        }
    }
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
