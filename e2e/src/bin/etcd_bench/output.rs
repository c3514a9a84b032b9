//! The machine-readable record of a run: one JSON document, written under a
//! timestamped name and as `etcd-latest.json`.

use std::{
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use serde::Serialize;

use crate::{config::BenchConfig, machine::Machine, report::Row, results::BackendResults};

#[derive(Debug, Serialize)]
pub struct Document<'a> {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub timestamp: String,
    /// The same instant for file names, `YYYYMMDDTHHMMSSZ`.
    #[serde(skip)]
    stamp: String,
    pub machine: &'a Machine,
    pub config: &'a BenchConfig,
    pub etcd: Option<&'a BackendResults>,
    #[serde(rename = "etcd-shim")]
    pub shim: Option<&'a BackendResults>,
    pub table: &'a [Row],
}

impl<'a> Document<'a> {
    pub fn new(
        machine: &'a Machine,
        config: &'a BenchConfig,
        etcd: Option<&'a BackendResults>,
        shim: Option<&'a BackendResults>,
        table: &'a [Row],
    ) -> Self {
        let now = utc(SystemTime::now());
        Document {
            timestamp: now.iso,
            stamp: now.compact,
            machine,
            config,
            etcd,
            shim,
            table,
        }
    }
}

/// Writes `doc` to `<out>/etcd-<timestamp>.json` and `<out>/etcd-latest.json`.
pub fn write_json(out: &Path, doc: &Document<'_>) -> anyhow::Result<Vec<PathBuf>> {
    ferrokube_e2e::benchkit::write_results(out, "etcd", &doc.stamp, &serde_json::to_string_pretty(doc)?)
}

/// A UTC time in two spellings.
struct Utc {
    /// `2025-01-31T12:34:56Z`
    iso: String,
    /// `20250131T123456Z` (for file names)
    compact: String,
}

fn utc(t: SystemTime) -> Utc {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let iso = ferrokube_apimachinery::time::rfc3339(secs as i64, None);
    Utc {
        compact: iso.replace(['-', ':'], ""),
        iso,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400 + 3661); // 2000-02-29 01:01:01
        let u = utc(t);
        assert_eq!(u.iso, "2000-02-29T01:01:01Z");
        assert_eq!(u.compact, "20000229T010101Z");
    }
}
