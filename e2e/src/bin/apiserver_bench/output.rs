//! The machine-readable record of a run: one JSON document, written as `apiserver-<timestamp>.json` and
//! `apiserver-latest.json`.

use std::{
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
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

/// The first three fields of `/proc/loadavg` (1, 5 and 15 minute load averages).
pub fn loadavg() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

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

/// A UTC instant as `2025-01-31T12:34:56Z` and, for file names, `20250131T123456Z`.
fn utc(t: SystemTime) -> (String, String) {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, mo, d) = date_of_day(days as i64);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    (
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
        format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
    )
}

/// The Gregorian (year, month, day) of a count of days since 1970-01-01, counting in 400-year eras that start
/// on March 1st so the leap day falls at the end of each year.
fn date_of_day(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400 + 3661); // 2000-02-29 01:01:01
        assert_eq!(
            utc(t),
            ("2000-02-29T01:01:01Z".to_string(), "20000229T010101Z".to_string())
        );
        assert_eq!(date_of_day(0), (1970, 1, 1));
        assert_eq!(date_of_day(365), (1971, 1, 1));
    }
}
