//! The results table: one row per metric with the value on each datastore and, where the metric has a target,
//! a PASS/FAIL verdict for each.

use serde::Serialize;

use crate::{config::BenchConfig, results::DatastoreResults};

/// A goal for a metric's value.
#[derive(Debug, Clone, Copy)]
enum Target {
    AtLeast(f64),
    AtMost(f64),
    /// Shown but not judged in this run (a --quick run measures smaller sizes).
    NotJudged(&'static str),
}

impl Target {
    fn describe(&self, unit: &str) -> String {
        let unit = if unit == "×" {
            String::from("×")
        } else {
            format!(" {unit}")
        };
        match *self {
            Target::AtLeast(x) => format!("≥ {x}{unit}").trim_end().to_string(),
            Target::AtMost(x) => format!("≤ {x}{unit}").trim_end().to_string(),
            Target::NotJudged(why) => why.to_string(),
        }
    }

    fn judge(&self, v: Option<f64>) -> Option<Verdict> {
        let pass = match *self {
            Target::AtLeast(x) => v? >= x,
            Target::AtMost(x) => v? <= x,
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
    #[serde(rename = "etcd-shim")]
    pub shim: Option<f64>,
    pub etcd: Option<f64>,
    pub target: Option<String>,
    pub shim_verdict: Option<Verdict>,
    pub etcd_verdict: Option<Verdict>,
}

type Extract = Box<dyn Fn(&DatastoreResults) -> Option<f64>>;

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
    get: impl Fn(&DatastoreResults) -> Option<f64> + 'static,
) -> Metric {
    Metric {
        name: name.into(),
        unit,
        get: Box::new(get),
        target,
    }
}

/// `target` when the run measured the size the target is about, else a note that it is not judged.
fn full_size(full: bool, target: Target) -> Option<Target> {
    Some(if full {
        target
    } else {
        Target::NotJudged("(quick: not judged)")
    })
}

/// Every metric of the table, in order.
fn metrics(cfg: &BenchConfig) -> Vec<Metric> {
    let c = cfg.create_concurrency;
    let mut m = vec![
        metric(
            format!("raw etcd put c={c}, stored-pod-sized value"),
            "ops/s",
            None,
            |r| r.create.as_ref().map(|x| x.raw_put.ops_per_sec),
        ),
        metric("stored pod size (protobuf)", "B", None, |r| {
            r.create.as_ref().map(|x| x.stored_bytes as f64)
        }),
        metric(format!("pod create c={c}"), "ops/s", None, |r| {
            r.create.as_ref().map(|x| x.create.ops_per_sec)
        }),
        metric("pod create / raw put", "×", Some(Target::AtLeast(0.4)), |r| {
            r.create.as_ref().map(|x| x.create_to_raw_put)
        }),
        metric(format!("pod create c={c} p50"), "ms", None, |r| {
            r.create.as_ref().map(|x| x.create.latency.p50_ms)
        }),
        metric(format!("pod create c={c} p99"), "ms", None, |r| {
            r.create.as_ref().map(|x| x.create.latency.p99_ms)
        }),
        metric(format!("raw put c={c} p99"), "ms", None, |r| {
            r.create.as_ref().map(|x| x.raw_put.latency.p99_ms)
        }),
        metric("apiserver CPU per create", "µs", None, |r| {
            r.create.as_ref().and_then(|x| x.cpu_per_create.apiserver_us)
        }),
        metric("datastore CPU per create", "µs", None, |r| {
            r.create.as_ref().and_then(|x| x.cpu_per_create.datastore_us)
        }),
        metric("bench client CPU per create", "µs", None, |r| {
            r.create.as_ref().and_then(|x| x.cpu_per_create.client_us)
        }),
        metric("datastore CPU per raw put", "µs", None, |r| {
            r.create.as_ref().and_then(|x| x.cpu_per_raw_put.datastore_us)
        }),
        metric("bench client CPU per raw put", "µs", None, |r| {
            r.create.as_ref().and_then(|x| x.cpu_per_raw_put.client_us)
        }),
        metric(format!("pod create at {}/s open-loop p50", cfg.rate), "ms", None, |r| {
            r.rate.as_ref().map(|x| x.latency.p50_ms)
        }),
        metric(
            format!("pod create at {}/s open-loop p99", cfg.rate),
            "ms",
            Some(Target::AtMost(25.0)),
            |r| r.rate.as_ref().map(|x| x.latency.p99_ms),
        ),
    ];
    for &gc in &cfg.get_concurrency {
        m.push(metric(format!("GET pod c={gc} throughput"), "ops/s", None, move |r| {
            r.read.as_ref().and_then(|x| x.get_at(gc)).map(|l| l.ops_per_sec)
        }));
        m.push(metric(
            format!("GET pod c={gc} p99"),
            "ms",
            Some(Target::AtMost(5.0)),
            move |r| r.read.as_ref().and_then(|x| x.get_at(gc)).map(|l| l.latency.p99_ms),
        ));
        m.push(metric(
            format!("raw datastore range c={gc} p99 (same keys)"),
            "ms",
            None,
            move |r| r.read.as_ref().and_then(|x| x.raw_get_at(gc)).map(|l| l.latency.p99_ms),
        ));
    }
    let n = cfg.read_pods;
    let full_list = n >= 10_000;
    m.push(metric(
        format!("LIST {n} pods, resourceVersion=0, p50"),
        "ms",
        None,
        |r| r.read.as_ref().map(|x| x.list_cached.latency.p50_ms),
    ));
    m.push(metric(
        format!("LIST {n} pods, resourceVersion=0, p99"),
        "ms",
        full_size(full_list, Target::AtMost(150.0)),
        |r| r.read.as_ref().map(|x| x.list_cached.latency.p99_ms),
    ));
    m.push(metric(format!("LIST {n} pods, consistent, p50"), "ms", None, |r| {
        r.read.as_ref().map(|x| x.list_consistent.latency.p50_ms)
    }));
    m.push(metric(
        format!("LIST {n} pods, consistent, p99"),
        "ms",
        full_size(full_list, Target::AtMost(150.0)),
        |r| r.read.as_ref().map(|x| x.list_consistent.latency.p99_ms),
    ));
    m.push(metric(format!("LIST {n} pods response"), "MiB", None, |r| {
        r.read
            .as_ref()
            .map(|x| x.list_cached.response_bytes as f64 / (1 << 20) as f64)
    }));
    let w = cfg.watchers;
    let full_watch = w >= 500;
    m.push(metric(
        format!("watch, {w} watchers, delivery p50 (from send)"),
        "ms",
        None,
        |r| r.watch.as_ref().map(|x| x.latency.p50_ms),
    ));
    m.push(metric(
        format!("watch, {w} watchers, delivery p99 (from send)"),
        "ms",
        full_size(full_watch, Target::AtMost(50.0)),
        |r| r.watch.as_ref().map(|x| x.latency.p99_ms),
    ));
    m.push(metric(
        format!("watch, {w} watchers, delivery p99 (from ack)"),
        "ms",
        None,
        |r| r.watch.as_ref().map(|x| x.latency_from_ack.p99_ms),
    ));
    m.push(metric("watch missed events", "", Some(Target::AtMost(0.0)), |r| {
        r.watch.as_ref().map(|x| (x.missed + x.watcher_errors as u64) as f64)
    }));
    m.push(metric("watch writes achieved", "/s", None, |r| {
        r.watch.as_ref().map(|x| x.rate)
    }));
    m.push(metric("apiserver CPU during watch", "cores", None, |r| {
        r.watch.as_ref().and_then(|x| x.apiserver_cpu_secs_per_sec)
    }));
    m.push(metric("bench client CPU during watch", "cores", None, |r| {
        r.watch.as_ref().and_then(|x| x.client_cpu_secs_per_sec)
    }));
    m.push(metric(format!("apiserver RSS with {w} watchers"), "MiB", None, |r| {
        r.watch.as_ref().map(|x| x.apiserver_rss_kib as f64 / 1024.0)
    }));
    m.push(metric("apiserver RSS idle", "MiB", Some(Target::AtMost(40.0)), |r| {
        r.memory.as_ref().map(|x| x.idle_rss_kib as f64 / 1024.0)
    }));
    let p = cfg.memory_pods;
    m.push(metric(
        format!("apiserver RSS holding {}k pods", p / 1000),
        "MiB",
        full_size(p >= 50_000, Target::AtMost(400.0)),
        |r| r.memory.as_ref().map(|x| x.loaded_rss_kib as f64 / 1024.0),
    ));
    m.push(metric(
        format!("datastore RSS holding {}k pods", p / 1000),
        "MiB",
        None,
        |r| r.memory.as_ref().map(|x| x.datastore_loaded_rss_kib as f64 / 1024.0),
    ));
    m.push(metric(
        format!("bulk load c={}", cfg.load_concurrency),
        "pods/s",
        None,
        |r| r.memory.as_ref().map(|x| x.load.pods_per_sec),
    ));
    m
}

/// The table rows for whichever datastores ran.
pub fn rows(shim: Option<&DatastoreResults>, etcd: Option<&DatastoreResults>, cfg: &BenchConfig) -> Vec<Row> {
    metrics(cfg)
        .into_iter()
        .map(|m| {
            let s = shim.and_then(|r| (m.get)(r));
            let e = etcd.and_then(|r| (m.get)(r));
            Row {
                metric: m.name,
                unit: m.unit,
                shim: s,
                etcd: e,
                target: m.target.map(|t| t.describe(m.unit)),
                shim_verdict: m.target.and_then(|t| t.judge(s)),
                etcd_verdict: m.target.and_then(|t| t.judge(e)),
            }
        })
        .filter(|r| r.shim.is_some() || r.etcd.is_some())
        .collect()
}

/// The rows as an aligned text table.
pub fn render(rows: &[Row]) -> String {
    let header = ["metric", "on etcd-shim", "on etcd", "target", "shim", "etcd"].map(String::from);
    let mut cells: Vec<[String; 6]> = vec![header];
    for r in rows {
        let metric = if r.unit.is_empty() {
            r.metric.clone()
        } else {
            format!("{} ({})", r.metric, r.unit)
        };
        cells.push([
            metric,
            fmt_num(r.shim),
            fmt_num(r.etcd),
            r.target.clone().unwrap_or_default(),
            verdict(r.shim_verdict, r.target.is_some()),
            verdict(r.etcd_verdict, r.target.is_some()),
        ]);
    }
    ferrokube_e2e::benchkit::render_table(&cells, |col| col == 1 || col == 2)
}

fn verdict(v: Option<Verdict>, has_target: bool) -> String {
    match v {
        Some(Verdict::Pass) => "PASS".into(),
        Some(Verdict::Fail) => "FAIL".into(),
        None if has_target => "n/a".into(),
        None => String::new(),
    }
}

fn fmt_num(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(v) if v.fract() == 0.0 || v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_judge_each_datastore() {
        assert_eq!(Target::AtLeast(0.4).judge(Some(0.5)), Some(Verdict::Pass));
        assert_eq!(Target::AtMost(25.0).judge(Some(25.1)), Some(Verdict::Fail));
        assert_eq!(Target::AtMost(25.0).judge(None), None);
        assert_eq!(Target::NotJudged("x").judge(Some(1.0)), None);
        assert_eq!(Target::AtLeast(0.4).describe("×"), "≥ 0.4×");
        assert_eq!(Target::AtMost(0.0).describe(""), "≤ 0");
        assert_eq!(Target::AtMost(5.0).describe("ms"), "≤ 5 ms");
    }

    #[test]
    fn table_aligns_columns() {
        let rows = vec![Row {
            metric: "apiserver RSS idle".into(),
            unit: "MiB",
            shim: Some(20.0),
            etcd: Some(41.0),
            target: Some("≤ 40 MiB".into()),
            shim_verdict: Some(Verdict::Pass),
            etcd_verdict: Some(Verdict::Fail),
        }];
        let t = render(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with("PASS | FAIL"));
        assert_eq!(lines[0].find('|'), lines[2].find('|'));
    }
}
