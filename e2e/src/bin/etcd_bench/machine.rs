//! A description of the machine and binaries under test, for the record.

use std::{path::Path, process::Command};

use anyhow::Context;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    pub mem_total_kib: u64,
    pub kernel: String,
    pub etcd_version: Option<String>,
    pub shim_bin: String,
    /// Modification time of the shim binary (seconds since the epoch), to spot stale builds.
    pub shim_modified_unix: Option<u64>,
    /// Build profile of etcd-bench itself (a debug client adds latency).
    pub bench_build: &'static str,
}

pub fn describe(shim_bin: &Path) -> Machine {
    Machine {
        nproc: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        cpu_model: proc_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".to_string()),
        mem_total_kib: proc_field("/proc/meminfo", "MemTotal")
            .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        etcd_version: etcd_version().ok(),
        shim_bin: shim_bin.display().to_string(),
        shim_modified_unix: std::fs::metadata(shim_bin)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs()),
        bench_build: if cfg!(debug_assertions) { "debug" } else { "release" },
    }
}

/// `etcd --version`'s version number, from the binary the harness runs
/// (`$ETCD_BIN` or `etcd` on PATH).
pub fn etcd_version() -> anyhow::Result<String> {
    let bin = std::env::var("ETCD_BIN").unwrap_or_else(|_| "etcd".to_string());
    let out = Command::new(&bin)
        .arg("--version")
        .output()
        .with_context(|| format!("running `{bin} --version`"))?;
    anyhow::ensure!(out.status.success(), "`{bin} --version` exited with {}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("etcd Version:"))
        .map(|v| v.trim().to_string())
        .ok_or_else(|| anyhow::anyhow!("`{bin} --version` printed no `etcd Version:` line"))
}

/// The value of the first `key: value` line in a /proc file.
fn proc_field(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}
