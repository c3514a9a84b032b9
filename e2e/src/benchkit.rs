//! Pieces the benchmark binaries share: the text table and the results files.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Renders rows (the first is the header) as a `|`-separated table with a rule under the header; columns
/// for which `right_aligned(col)` holds are padded on the left.
pub fn render_table<R: AsRef<[String]>>(cells: &[R], right_aligned: impl Fn(usize) -> bool) -> String {
    let columns = cells.iter().map(|r| r.as_ref().len()).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in cells {
        for (w, c) in widths.iter_mut().zip(row.as_ref()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for (i, row) in cells.iter().enumerate() {
        let line: Vec<String> = row
            .as_ref()
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(col, (c, &w))| {
                let pad = " ".repeat(w.saturating_sub(c.chars().count()));
                if right_aligned(col) {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        out.push_str(line.join(" | ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("-|-"));
            out.push('\n');
        }
    }
    out
}

/// Writes `json` to `<out>/<name>-<stamp>.json` and `<out>/<name>-latest.json`.
pub fn write_results(out: &Path, name: &str, stamp: &str, json: &str) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating the results dir {}", out.display()))?;
    let paths = vec![
        out.join(format!("{name}-{stamp}.json")),
        out.join(format!("{name}-latest.json")),
    ];
    for p in &paths {
        std::fs::write(p, json).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(paths)
}

/// The first three fields of `/proc/loadavg` (1, 5 and 15 minute load averages).
pub fn loadavg() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// A UTC instant as `2025-01-31T12:34:56Z` and, for file names, `20250131T123456Z`.
pub fn utc(t: std::time::SystemTime) -> (String, String) {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let iso = ferrokube_apimachinery::time::rfc3339(secs as i64, None);
    let compact = iso.replace(['-', ':'], "");
    (iso, compact)
}

/// User + system CPU seconds of a process, from `/proc/<pid>/stat` (clock ticks of 1/100 s).
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_cpu(&stat)
}

fn parse_stat_cpu(stat: &str) -> Option<f64> {
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis start at 3.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(951_782_400 + 3661); // 2000-02-29 01:01:01
        assert_eq!(
            utc(t),
            ("2000-02-29T01:01:01Z".to_string(), "20000229T010101Z".to_string())
        );
    }

    #[test]
    fn stat_cpu_fields_after_the_command_name() {
        let stat = "1234 (kube apiserver) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 1 1 1";
        assert_eq!(parse_stat_cpu(stat), Some(3.0));
        assert_eq!(parse_stat_cpu("garbage"), None);
    }

    #[test]
    fn table_pads_and_rules() {
        let cells = vec![
            vec!["metric".to_string(), "value".to_string()],
            vec!["put".to_string(), "12".to_string()],
        ];
        assert_eq!(
            render_table(&cells, |c| c == 1),
            "metric | value\n-------|------\nput    |    12\n"
        );
    }
}
