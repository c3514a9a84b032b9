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
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, mo, d) = civil_from_days(days as i64);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    Utc {
        iso: format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
        compact: format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
    }
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }
}
