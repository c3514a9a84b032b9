//! Resource usage for `/stats/summary` (upstream's `stats/v1alpha1` Summary) and `/metrics/resource`
//! (upstream's resource metrics, what metrics-server scrapes): the node's from `/proc` and the root
//! directory's filesystem, containers' from the runtime (CRI ListContainerStats, aggregated per pod by the
//! pod labels the kubelet puts on its containers).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use ferrokube_proto::runtime::v1 as api;
use k8s_openapi::api::core::v1::Pod;
use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::cri::Runtime;
use crate::podconfig::{CONTAINER_NAME_LABEL, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL};

/// Linux's USER_HZ: `/proc/stat` counts in hundredths of a second.
const CLOCK_TICKS: u64 = 100;

/// The node's CPU time so far (ns), from the first line of `/proc/stat`.
pub fn node_cpu_nanos(stat: &str) -> Option<u64> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let f: Vec<u64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    let busy =
        f.first()? + f.get(1)? + f.get(2)? + f.get(5).unwrap_or(&0) + f.get(6).unwrap_or(&0) + f.get(7).unwrap_or(&0);
    Some(busy * (1_000_000_000 / CLOCK_TICKS))
}

/// `MemTotal`, `MemFree` and `MemAvailable` of `/proc/meminfo`, in bytes.
pub fn meminfo(text: &str) -> (u64, u64, u64) {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (field("MemTotal:"), field("MemFree:"), field("MemAvailable:"))
}

fn rfc3339_nanos(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let base = ferrokube_apimachinery::time::rfc3339(secs, None);
    if frac == 0 {
        base
    } else {
        let digits = format!("{frac:09}");
        format!("{}.{}Z", base.trim_end_matches('Z'), digits.trim_end_matches('0'))
    }
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

fn value(v: &Option<api::UInt64Value>) -> Option<u64> {
    v.as_ref().map(|v| v.value)
}

/// Keeps the last node CPU sample, for the usage rate (`usageNanoCores`).
#[derive(Debug, Default)]
pub struct Sampler {
    last: Mutex<Option<(i64, u64)>>,
}

/// One collection: the node and every container the runtime reports.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub time: i64,
    pub node_cpu_nanos: u64,
    pub node_nano_cores: Option<u64>,
    pub mem_total: u64,
    pub mem_free: u64,
    pub mem_available: u64,
    pub boot_time: i64,
    pub fs: Value,
    pub image_fs: Value,
    pub containers: Vec<api::ContainerStats>,
    pub started: BTreeMap<String, i64>,
}

impl Sampler {
    pub async fn collect(&self, runtime: &Runtime, root_dir: &Path) -> Snapshot {
        let time = now_nanos();
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let cpu = node_cpu_nanos(&stat).unwrap_or(0);
        let boot_time = stat
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0);
        let rate = {
            let mut last = self.last.lock();
            let rate = last.and_then(|(t, c)| {
                let dt = time.checked_sub(t).filter(|d| *d > 0)? as u64;
                Some(cpu.saturating_sub(c).saturating_mul(1_000_000_000) / dt)
            });
            *last = Some((time, cpu));
            rate
        };
        let (mem_total, mem_free, mem_available) =
            meminfo(&std::fs::read_to_string("/proc/meminfo").unwrap_or_default());
        let fs = match rustix::fs::statvfs(root_dir) {
            Ok(s) => json!({
                "time": rfc3339_nanos(time),
                "availableBytes": s.f_bavail * s.f_frsize,
                "capacityBytes": s.f_blocks * s.f_frsize,
                "usedBytes": (s.f_blocks - s.f_bfree) * s.f_frsize,
                "inodesFree": s.f_ffree,
                "inodes": s.f_files,
                "inodesUsed": s.f_files - s.f_ffree,
            }),
            Err(_) => json!({"time": rfc3339_nanos(time)}),
        };
        let image_fs = match runtime.image_fs_info().await {
            Ok(info) => match info.image_filesystems.first() {
                Some(f) => json!({
                    "time": rfc3339_nanos(f.timestamp),
                    "usedBytes": value(&f.used_bytes),
                    "inodesUsed": value(&f.inodes_used),
                }),
                None => Value::Null,
            },
            Err(_) => Value::Null,
        };
        let containers = runtime.list_container_stats(None).await.unwrap_or_default();
        let started = runtime
            .list_containers(None)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.id, c.created_at))
            .collect();
        Snapshot {
            time,
            node_cpu_nanos: cpu,
            node_nano_cores: rate,
            mem_total,
            mem_free,
            mem_available,
            boot_time,
            fs,
            image_fs,
            containers,
            started,
        }
    }
}

fn cpu_json(c: Option<&api::CpuUsage>) -> Value {
    match c {
        Some(c) => json!({
            "time": rfc3339_nanos(c.timestamp),
            "usageNanoCores": value(&c.usage_nano_cores),
            "usageCoreNanoSeconds": value(&c.usage_core_nano_seconds),
        }),
        None => Value::Null,
    }
}

fn memory_json(m: Option<&api::MemoryUsage>) -> Value {
    match m {
        Some(m) => json!({
            "time": rfc3339_nanos(m.timestamp),
            "availableBytes": value(&m.available_bytes),
            "usageBytes": value(&m.usage_bytes),
            "workingSetBytes": value(&m.working_set_bytes),
            "rssBytes": value(&m.rss_bytes),
            "pageFaults": value(&m.page_faults),
            "majorPageFaults": value(&m.major_page_faults),
        }),
        None => Value::Null,
    }
}

/// Drops `null` members, as Go's `omitempty` pointers do.
fn compact(mut v: Value) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.retain(|_, x| !x.is_null());
        for x in m.values_mut() {
            *x = compact(x.take());
        }
    } else if let Some(a) = v.as_array_mut() {
        for x in a.iter_mut() {
            *x = compact(x.take());
        }
    }
    v
}

fn label<'a>(s: &'a api::ContainerStats, key: &str) -> &'a str {
    s.attributes
        .as_ref()
        .and_then(|a| a.labels.get(key))
        .map(String::as_str)
        .unwrap_or("")
}

/// Containers of the pods this kubelet runs, grouped by pod uid.
fn by_pod<'a>(snap: &'a Snapshot, pods: &[Pod]) -> BTreeMap<String, (&'a str, &'a str, Vec<&'a api::ContainerStats>)> {
    let known: std::collections::HashSet<&str> = pods.iter().filter_map(|p| p.metadata.uid.as_deref()).collect();
    let mut out: BTreeMap<String, (&str, &str, Vec<&api::ContainerStats>)> = BTreeMap::new();
    for s in &snap.containers {
        let uid = label(s, POD_UID_LABEL);
        if !known.contains(uid) {
            continue;
        }
        out.entry(uid.to_string())
            .or_insert((label(s, POD_NAMESPACE_LABEL), label(s, POD_NAME_LABEL), Vec::new()))
            .2
            .push(s);
    }
    out
}

/// The `/stats/summary` document.
pub fn summary(snap: &Snapshot, node_name: &str, pods: &[Pod]) -> Value {
    let t = rfc3339_nanos(snap.time);
    let node = json!({
        "nodeName": node_name,
        "startTime": ferrokube_apimachinery::time::rfc3339(snap.boot_time, None),
        "cpu": {"time": t, "usageNanoCores": snap.node_nano_cores, "usageCoreNanoSeconds": snap.node_cpu_nanos},
        "memory": {
            "time": t,
            "availableBytes": snap.mem_available,
            "usageBytes": snap.mem_total - snap.mem_free,
            "workingSetBytes": snap.mem_total.saturating_sub(snap.mem_available),
        },
        "fs": snap.fs,
        "runtime": {"imageFs": snap.image_fs},
    });
    let start_times: BTreeMap<&str, Option<String>> = pods
        .iter()
        .map(|p| {
            (
                p.metadata.uid.as_deref().unwrap_or(""),
                p.status
                    .as_ref()
                    .and_then(|s| s.start_time.as_ref())
                    .and_then(|t| serde_json::to_value(t).ok())
                    .and_then(|v| v.as_str().map(str::to_string)),
            )
        })
        .collect();
    let pods_json: Vec<Value> = by_pod(snap, pods)
        .into_iter()
        .map(|(uid, (ns, name, containers))| {
            let mut cpu_nanos = 0u64;
            let mut nano_cores = 0u64;
            let mut working_set = 0u64;
            let mut used = 0u64;
            let items: Vec<Value> = containers
                .iter()
                .map(|s| {
                    cpu_nanos += s
                        .cpu
                        .as_ref()
                        .and_then(|c| value(&c.usage_core_nano_seconds))
                        .unwrap_or(0);
                    nano_cores += s.cpu.as_ref().and_then(|c| value(&c.usage_nano_cores)).unwrap_or(0);
                    working_set += s.memory.as_ref().and_then(|m| value(&m.working_set_bytes)).unwrap_or(0);
                    used += s
                        .writable_layer
                        .as_ref()
                        .and_then(|f| value(&f.used_bytes))
                        .unwrap_or(0);
                    let id = s.attributes.as_ref().map(|a| a.id.as_str()).unwrap_or("");
                    json!({
                        "name": label(s, CONTAINER_NAME_LABEL),
                        "startTime": snap.started.get(id).map(|n| rfc3339_nanos(*n)),
                        "cpu": cpu_json(s.cpu.as_ref()),
                        "memory": memory_json(s.memory.as_ref()),
                        "rootfs": s.writable_layer.as_ref().map(|f| json!({
                            "time": rfc3339_nanos(f.timestamp),
                            "usedBytes": value(&f.used_bytes),
                            "inodesUsed": value(&f.inodes_used),
                        })),
                    })
                })
                .collect();
            json!({
                "podRef": {"name": name, "namespace": ns, "uid": uid},
                "startTime": start_times.get(uid.as_str()).cloned().flatten(),
                "containers": items,
                "cpu": {"time": t, "usageNanoCores": nano_cores, "usageCoreNanoSeconds": cpu_nanos},
                "memory": {"time": t, "workingSetBytes": working_set},
                "ephemeral-storage": {"time": t, "usedBytes": used},
            })
        })
        .collect();
    compact(json!({"node": node, "pods": pods_json}))
}

/// The `/metrics/resource` text: upstream's stable resource metrics, with sample timestamps (ms).
pub fn resource_metrics(snap: &Snapshot, pods: &[Pod]) -> String {
    let ms = snap.time / 1_000_000;
    let mut out = String::new();
    let mut family = |name: &str, help: &str, kind: &str, samples: &[(String, f64, i64)]| {
        let _ = writeln!(out, "# HELP {name} [STABLE] {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, v, t) in samples {
            let _ = writeln!(out, "{name}{labels} {v} {t}");
        }
    };
    let grouped = by_pod(snap, pods);
    let mut c_cpu = Vec::new();
    let mut c_mem = Vec::new();
    let mut c_start = Vec::new();
    let mut p_cpu = Vec::new();
    let mut p_mem = Vec::new();
    for (ns, name, containers) in grouped.values() {
        let (mut cpu, mut mem) = (0f64, 0f64);
        for s in containers {
            let labels = format!(
                "{{container=\"{}\",namespace=\"{ns}\",pod=\"{name}\"}}",
                label(s, CONTAINER_NAME_LABEL)
            );
            let cpu_s = s
                .cpu
                .as_ref()
                .and_then(|c| value(&c.usage_core_nano_seconds))
                .unwrap_or(0) as f64
                / 1e9;
            let cpu_t = s.cpu.as_ref().map(|c| c.timestamp / 1_000_000).unwrap_or(ms);
            let ws = s.memory.as_ref().and_then(|m| value(&m.working_set_bytes)).unwrap_or(0) as f64;
            let ws_t = s.memory.as_ref().map(|m| m.timestamp / 1_000_000).unwrap_or(ms);
            cpu += cpu_s;
            mem += ws;
            c_cpu.push((labels.clone(), cpu_s, cpu_t));
            c_mem.push((labels.clone(), ws, ws_t));
            let id = s.attributes.as_ref().map(|a| a.id.as_str()).unwrap_or("");
            if let Some(started) = snap.started.get(id) {
                c_start.push((labels, *started as f64 / 1e9, ms));
            }
        }
        let labels = format!("{{namespace=\"{ns}\",pod=\"{name}\"}}");
        p_cpu.push((labels.clone(), cpu, ms));
        p_mem.push((labels, mem, ms));
    }
    family(
        "container_cpu_usage_seconds_total",
        "Cumulative cpu time consumed by the container in core-seconds",
        "counter",
        &c_cpu,
    );
    family(
        "container_memory_working_set_bytes",
        "Current working set of the container in bytes",
        "gauge",
        &c_mem,
    );
    family(
        "container_start_time_seconds",
        "Start time of the container since unix epoch in seconds",
        "gauge",
        &c_start,
    );
    family(
        "node_cpu_usage_seconds_total",
        "Cumulative cpu time consumed by the node in core-seconds",
        "counter",
        &[(String::new(), snap.node_cpu_nanos as f64 / 1e9, ms)],
    );
    family(
        "node_memory_working_set_bytes",
        "Current working set of the node in bytes",
        "gauge",
        &[(
            String::new(),
            snap.mem_total.saturating_sub(snap.mem_available) as f64,
            ms,
        )],
    );
    family(
        "pod_cpu_usage_seconds_total",
        "Cumulative cpu time consumed by the pod in core-seconds",
        "counter",
        &p_cpu,
    );
    family(
        "pod_memory_working_set_bytes",
        "Current working set of the pod in bytes",
        "gauge",
        &p_mem,
    );
    let _ = writeln!(
        out,
        "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise"
    );
    let _ = writeln!(out, "# TYPE resource_scrape_error gauge");
    let _ = writeln!(out, "resource_scrape_error 0");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_parse() {
        let stat = "cpu  100 5 50 1000 20 3 2 0 0 0\ncpu0 1 1 1 1\nbtime 1700000000\n";
        assert_eq!(node_cpu_nanos(stat), Some(160 * 10_000_000));
        assert_eq!(node_cpu_nanos("garbage"), None);
        let mem = "MemTotal:        8000 kB\nMemFree:         1000 kB\nMemAvailable:    3000 kB\n";
        assert_eq!(meminfo(mem), (8_192_000, 1_024_000, 3_072_000));
        assert_eq!(rfc3339_nanos(1_500_000_000), "1970-01-01T00:00:01.5Z");
        assert_eq!(rfc3339_nanos(2_000_000_000), "1970-01-01T00:00:02Z");
    }

    #[test]
    fn pods_aggregate_their_containers() {
        let stats = |id: &str, uid: &str, name: &str, cpu: u64, mem: u64| api::ContainerStats {
            attributes: Some(api::ContainerAttributes {
                id: id.into(),
                labels: [
                    (POD_UID_LABEL.to_string(), uid.to_string()),
                    (POD_NAME_LABEL.to_string(), "web".to_string()),
                    (POD_NAMESPACE_LABEL.to_string(), "default".to_string()),
                    (CONTAINER_NAME_LABEL.to_string(), name.to_string()),
                ]
                .into(),
                ..Default::default()
            }),
            cpu: Some(api::CpuUsage {
                timestamp: 3_000_000_000,
                usage_core_nano_seconds: Some(api::UInt64Value { value: cpu }),
                ..Default::default()
            }),
            memory: Some(api::MemoryUsage {
                timestamp: 3_000_000_000,
                working_set_bytes: Some(api::UInt64Value { value: mem }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let snap = Snapshot {
            time: 4_000_000_000,
            node_cpu_nanos: 9_000_000_000,
            node_nano_cores: None,
            mem_total: 100,
            mem_free: 10,
            mem_available: 40,
            boot_time: 0,
            fs: Value::Null,
            image_fs: Value::Null,
            containers: vec![
                stats("a", "u1", "app", 2_000_000_000, 30),
                stats("b", "u1", "side", 1_000_000_000, 12),
                stats("c", "other", "x", 5, 5),
            ],
            started: [("a".to_string(), 1_000_000_000i64)].into(),
        };
        let pod: Pod =
            serde_json::from_value(json!({"metadata": {"name": "web", "namespace": "default", "uid": "u1"}})).unwrap();
        let s = summary(&snap, "n1", std::slice::from_ref(&pod));
        assert_eq!(s["node"]["memory"]["workingSetBytes"], 60);
        assert_eq!(s["pods"].as_array().unwrap().len(), 1, "only this kubelet's pods");
        assert_eq!(s["pods"][0]["cpu"]["usageCoreNanoSeconds"], 3_000_000_000u64);
        assert_eq!(s["pods"][0]["memory"]["workingSetBytes"], 42);
        assert_eq!(s["pods"][0]["containers"][0]["startTime"], "1970-01-01T00:00:01Z");
        assert!(s["node"].get("fs").is_none(), "nulls are left out");
        let text = resource_metrics(&snap, &[pod]);
        assert!(
            text.contains(
                "container_cpu_usage_seconds_total{container=\"app\",namespace=\"default\",pod=\"web\"} 2 3000"
            ),
            "{text}"
        );
        assert!(
            text.contains("pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} 42 4000"),
            "{text}"
        );
        assert!(text.contains("node_cpu_usage_seconds_total 9 4000"), "{text}");
        assert!(text.contains("resource_scrape_error 0"));
    }
}
