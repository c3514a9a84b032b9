//! The machine-readable record of a run: one JSON document, written as `apiserver-<timestamp>.json` and
//! `apiserver-latest.json`.

use std::{
    path::{Path, PathBuf},
    time::SystemTime,
};

use serde::Serialize;

use crate::{config::BenchConfig, machine::Machine, report::Row, results::DatastoreResults};

#[derive(Debug, Serialize)]
pub struct Document<'a> {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub timestamp: String,
    #[serde(skip)]
    stamp: String,
    /// `git describe`-like commit of the working tree the run was started in (`-dirty` if it had changes).
    pub commit: Option<String>,
    pub machine: &'a Machine,
    /// `/proc/loadavg` when the run started and when it ended: other work on the machine skews every figure.
    pub loadavg_start: String,
    pub loadavg_end: String,
    pub apiserver_bin: String,
    pub config: &'a BenchConfig,
    #[serde(rename = "etcd-shim")]
    pub shim: Option<&'a DatastoreResults>,
    pub etcd: Option<&'a DatastoreResults>,
    pub table: &'a [Row],
}

impl<'a> Document<'a> {
    pub fn new(
        machine: &'a Machine,
        loadavg_start: String,
        apiserver_bin: &Path,
        config: &'a BenchConfig,
        shim: Option<&'a DatastoreResults>,
        etcd: Option<&'a DatastoreResults>,
        table: &'a [Row],
    ) -> Self {
        let (timestamp, stamp) = utc(SystemTime::now());
        Document {
            timestamp,
            stamp,
            commit: commit(),
            machine,
            loadavg_start,
            loadavg_end: loadavg(),
            apiserver_bin: apiserver_bin.display().to_string(),
            config,
            shim,
            etcd,
            table,
        }
    }
}

/// Writes `doc` to `<out>/apiserver-<timestamp>.json` and `<out>/apiserver-latest.json`.
pub fn write_json(out: &Path, doc: &Document<'_>) -> anyhow::Result<Vec<PathBuf>> {
    ferrokube_e2e::benchkit::write_results(out, "apiserver", &doc.stamp, &serde_json::to_string_pretty(doc)?)
}

pub use ferrokube_e2e::benchkit::loadavg;
use ferrokube_e2e::benchkit::utc;

/// The short commit hash of the current directory's repository, `-dirty` when it has uncommitted changes.
fn commit() -> Option<String> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let hash = git(&["rev-parse", "--short", "HEAD"])?;
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{hash}-dirty") } else { hash })
}
