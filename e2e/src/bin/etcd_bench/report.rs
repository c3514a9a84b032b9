//! The comparison table: one row per metric with both backends' values, their
//! ratio and the shim's target, judged PASS/FAIL.

use serde::Serialize;

use crate::{config::BenchConfig, results::BackendResults};

/// A goal for the shim's value of a metric.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// shim / etcd ≥ x.
    RatioAtLeast(f64),
    /// shim / etcd ≤ x.
    RatioAtMost(f64),
    /// shim ≤ x (in the row's unit).
    AtMost(f64),
    /// Shown but not judged in this run, for the given reason.
    NotJudged(&'static str),
}

impl Target {
    fn describe(&self, unit: &str) -> String {
        match *self {
            Target::RatioAtLeast(1.0) => "shim ≥ etcd".to_string(),
            Target::RatioAtLeast(x) => format!("shim ≥ {x}× etcd"),
            Target::RatioAtMost(x) => format!("shim ≤ {x}× etcd"),
            Target::AtMost(0.0) => "= 0".to_string(),
            Target::AtMost(x) if unit == "×" => format!("≤ {x}×"),
            Target::AtMost(x) => format!("≤ {x} {unit}").trim_end().to_string(),
            Target::NotJudged(why) => why.to_string(),
        }
    }

    /// PASS/FAIL, or `None` when a value it needs is missing.
    fn judge(&self, shim: Option<f64>, ratio: Option<f64>) -> Option<Verdict> {
        let pass = match *self {
            Target::RatioAtLeast(x) => ratio? >= x,
            Target::RatioAtMost(x) => ratio? <= x,
            Target::AtMost(x) => shim? <= x,
            Target::NotJudged(_) => return None,
        };
        Some(if pass { Verdict::Pass } else { Verdict::Fail })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Fail,
}

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub metric: String,
    pub unit: &'static str,
    pub etcd: Option<f64>,
    pub shim: Option<f64>,
    /// shim / etcd.
    pub ratio: Option<f64>,
    pub target: Option<String>,
    pub verdict: Option<Verdict>,
}

type Extract = Box<dyn Fn(&BackendResults) -> Option<f64>>;

/// A metric: how to read it from a backend's results, and its target if any.
struct Metric {
    name: String,
    unit: &'static str,
    get: Extract,
    target: Option<Target>,
}

fn metric(
    name: impl Into<String>,
    unit: &'static str,
    target: Option<Target>,
    get: impl Fn(&BackendResults) -> Option<f64> + 'static,
) -> Metric {
    Metric {
        name: name.into(),
        unit,
        get: Box::new(get),
        target,
    }
}

const MIB: f64 = (1 << 20) as f64;

/// Every metric of the table, in order.
fn metrics(cfg: &BenchConfig) -> Vec<Metric> {
    let mut m = Vec::new();
    for &c in &cfg.put_concurrency {
        let top = c == 64;
        m.push(metric(
            format!("put c={c} throughput"),
            "ops/s",
            top.then_some(Target::RatioAtLeast(1.0)),
            move |r| r.put_at(c).map(|l| l.ops_per_sec),
        ));
        m.push(metric(format!("put c={c} p50"), "ms", None, move |r| {
            r.put_at(c).map(|l| l.latency.p50_ms)
        }));
        m.push(metric(
            format!("put c={c} p99"),
            "ms",
            top.then_some(Target::RatioAtMost(1.5)),
            move |r| r.put_at(c).map(|l| l.latency.p99_ms),
        ));
    }
    let keys = cfg.range_keys;
    m.push(metric(format!("range {keys} keys p50"), "ms", None, |r| {
        r.range.as_ref().map(|x| x.latency.p50_ms)
    }));
    m.push(metric(format!("range {keys} keys p99"), "ms", None, |r| {
        r.range.as_ref().map(|x| x.latency.p99_ms)
    }));

    m.push(metric("watch delivery p50", "ms", None, |r| {
        r.watch.as_ref().map(|w| w.latency.p50_ms)
    }));
    m.push(metric("watch delivery p99", "ms", None, |r| {
        r.watch.as_ref().map(|w| w.latency.p99_ms)
    }));
    m.push(metric("watch missed events", "", Some(Target::AtMost(0.0)), |r| {
        r.watch.as_ref().map(|w| w.missed as f64)
    }));

    m.push(metric("RSS idle", "MiB", Some(Target::AtMost(15.0)), |r| {
        r.memory.as_ref().map(|x| x.idle_rss_kib as f64 / 1024.0)
    }));
    let loaded_target = if cfg.memory_keys >= 100_000 {
        Target::AtMost(100.0)
    } else {
        Target::NotJudged("≤ 100 MiB at 100k keys (not judged)")
    };
    let loaded_name = if cfg.quick {
        format!("RSS after {}k keys (quick)", cfg.memory_keys / 1000)
    } else {
        format!("RSS after {}k keys", cfg.memory_keys / 1000)
    };
    m.push(metric(loaded_name, "MiB", Some(loaded_target), |r| {
        r.memory.as_ref().map(|x| x.loaded_rss_kib as f64 / 1024.0)
    }));
    m.push(metric("bulk load (c=64)", "keys/s", None, |r| {
        r.memory.as_ref().map(|x| x.load.keys_per_sec)
    }));

    m.push(metric("disk peak data dir", "MiB", None, |r| {
        r.disk.as_ref().map(|d| d.peak_dir_bytes as f64 / MIB)
    }));
    m.push(metric("disk data dir after compact", "MiB", None, |r| {
        r.disk.as_ref().map(|d| d.final_dir_bytes as f64 / MIB)
    }));
    m.push(metric(
        "disk after compact / live data",
        "×",
        Some(Target::AtMost(2.0)),
        |r| r.disk.as_ref().map(|d| d.final_to_live),
    ));
    m.push(metric("disk db size after compact", "MiB", None, |r| {
        r.disk.as_ref().map(|d| d.final_db_bytes as f64 / MIB)
    }));
    m.push(metric("disk data dir after defragment (etcd only)", "MiB", None, |r| {
        r.disk
            .as_ref()
            .and_then(|d| d.defragmented_dir_bytes)
            .map(|b| b as f64 / MIB)
    }));
    m.push(metric("disk updates achieved", "/s", None, |r| {
        r.disk.as_ref().map(|d| d.rate)
    }));
    m
}

/// The table rows for whichever backends ran.
pub fn rows(etcd: Option<&BackendResults>, shim: Option<&BackendResults>, cfg: &BenchConfig) -> Vec<Row> {
    metrics(cfg)
        .into_iter()
        .map(|m| {
            let e = etcd.and_then(|r| (m.get)(r));
            let s = shim.and_then(|r| (m.get)(r));
            let ratio = match (e, s) {
                (Some(e), Some(s)) if e != 0.0 => Some(s / e),
                _ => None,
            };
            Row {
                metric: m.name,
                unit: m.unit,
                etcd: e,
                shim: s,
                ratio,
                target: m.target.map(|t| t.describe(m.unit)),
                verdict: m.target.and_then(|t| t.judge(s, ratio)),
            }
        })
        .filter(|r| r.etcd.is_some() || r.shim.is_some())
        .collect()
}

/// The rows as an aligned text table.
pub fn render(rows: &[Row]) -> String {
    let header = ["metric", "etcd", "etcd-shim", "shim/etcd", "target"].map(String::from);
    let mut cells: Vec<[String; 5]> = vec![header];
    for r in rows {
        let metric = if r.unit.is_empty() {
            r.metric.clone()
        } else {
            format!("{} ({})", r.metric, r.unit)
        };
        let target = match (&r.target, r.verdict) {
            (Some(t), Some(Verdict::Pass)) => format!("PASS  {t}"),
            (Some(t), Some(Verdict::Fail)) => format!("FAIL  {t}"),
            (Some(t), None) => format!("n/a   {t}"),
            (None, _) => String::new(),
        };
        cells.push([
            metric,
            fmt_num(r.etcd),
            fmt_num(r.shim),
            r.ratio.map(|x| format!("{x:.2}×")).unwrap_or_else(|| "-".into()),
            target,
        ]);
    }
    ferrokube_e2e::benchkit::render_table(&cells, |col| col != 0 && col != 4)
}

fn fmt_num(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_judge_the_shim() {
        assert_eq!(
            Target::RatioAtLeast(1.0).judge(Some(5.0), Some(1.2)),
            Some(Verdict::Pass)
        );
        assert_eq!(
            Target::RatioAtMost(1.5).judge(Some(5.0), Some(1.6)),
            Some(Verdict::Fail)
        );
        assert_eq!(Target::AtMost(15.0).judge(Some(14.0), None), Some(Verdict::Pass));
        assert_eq!(Target::RatioAtLeast(1.0).judge(Some(5.0), None), None);
        assert_eq!(Target::NotJudged("x").judge(Some(1.0), Some(1.0)), None);
    }

    #[test]
    fn table_aligns_columns() {
        let rows = vec![Row {
            metric: "RSS idle".into(),
            unit: "MiB",
            etcd: Some(20.0),
            shim: Some(10.0),
            ratio: Some(0.5),
            target: Some("≤ 15 MiB".into()),
            verdict: Some(Verdict::Pass),
        }];
        let t = render(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].contains("PASS  ≤ 15 MiB"));
        assert_eq!(lines[0].find('|'), lines[2].find('|'));
    }
}
