//! Eviction on `evictionHard`, as upstream's eviction manager: every [`MONITOR_PERIOD`] the node's
//! available memory (`MemAvailable`) is compared with `memory.available`, and the root directory's
//! filesystem with `nodefs.available`. Under memory pressure the node reports MemoryPressure and new
//! BestEffort pods are rejected; under disk pressure it reports DiskPressure and every new pod but static
//! ones is rejected. One pod per period is evicted: first those using more than they request (memory, or
//! ephemeral storage: the containers' writable layers), then the lower priority, then the larger use above
//! the request. Static pods are critical and never evicted. An evicted pod is stopped at once (hard
//! threshold: no grace) and Failed with reason `Evicted` and upstream's message.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;

use crate::podconfig::{self, POD_UID_LABEL};
use crate::pods::PodManager;

/// Upstream's evictionMonitoringPeriod (housekeeping interval).
pub const MONITOR_PERIOD: Duration = Duration::from_secs(10);

/// The node conditions the eviction manager sets.
#[derive(Debug, Default)]
pub struct Pressure {
    pub memory: AtomicBool,
    pub disk: AtomicBool,
}

impl Pressure {
    /// Why a pod that has not started is refused now, if it is: upstream's admission message.
    pub fn rejects(&self, pod: &Pod) -> Option<String> {
        if crate::static_pods::is_static(pod) {
            return None;
        }
        let memory = self.memory.load(Ordering::Relaxed) && podconfig::qos_class(pod) == "BestEffort";
        let disk = self.disk.load(Ordering::Relaxed);
        let conditions: Vec<&str> = [(memory, "MemoryPressure"), (disk, "DiskPressure")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        (!conditions.is_empty()).then(|| {
            format!(
                "Pod was rejected: The node had condition: [{}]. ",
                conditions.join(", ")
            )
        })
    }
}

/// What is reclaimed: the resource's name in messages and requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Memory,
    EphemeralStorage,
}

impl Resource {
    fn name(self) -> &'static str {
        match self {
            Resource::Memory => "memory",
            Resource::EphemeralStorage => "ephemeral-storage",
        }
    }
}

fn request_of(c: &k8s_openapi::api::core::v1::Container, resource: Resource) -> Option<String> {
    c.resources
        .as_ref()
        .and_then(|r| r.requests.as_ref()?.get(resource.name()))
        .map(|q| q.0.clone())
}

fn bytes_of(q: &str) -> u64 {
    ferrokube_apimachinery::quantity::Quantity::parse(q)
        .map(|q| q.value().max(0) as u64)
        .unwrap_or(0)
}

fn request(pod: &Pod, resource: Resource) -> u64 {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .filter_map(|c| request_of(c, resource))
        .map(|q| bytes_of(&q))
        .sum()
}

fn priority(pod: &Pod) -> i32 {
    pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0)
}

/// `n` bytes as upstream prints memory amounts in messages (`123Ki`).
fn ki(n: u64) -> String {
    format!("{}Ki", n / 1024)
}

/// The pod to evict first among `pods` (with their use of `resource` in bytes), upstream's ranking.
pub fn victim(pods: &[(Pod, u64)], resource: Resource) -> Option<&(Pod, u64)> {
    pods.iter()
        .filter(|(p, _)| !crate::static_pods::is_static(p))
        .max_by_key(|(p, used)| {
            let request = request(p, resource);
            let exceeds = *used > request;
            (exceeds, std::cmp::Reverse(priority(p)), used.saturating_sub(request))
        })
}

/// Upstream's eviction message.
pub fn message(resource: Resource, threshold: &str, available: u64, pod: &Pod, usage: &HashMap<String, u64>) -> String {
    let name = resource.name();
    let mut m = format!(
        "The node was low on resource: {name}. Threshold quantity: {threshold}, available: {}. ",
        ki(available)
    );
    for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
        let used = usage.get(&c.name).copied().unwrap_or(0);
        let request = request_of(c, resource).unwrap_or_else(|| "0".into());
        if used > bytes_of(&request) {
            m.push_str(&format!(
                "Container {} was using {}, request is {request}, has larger consumption of {name}. ",
                c.name,
                ki(used)
            ));
        }
    }
    m
}

/// `evictionHard` thresholds: the value as written, and its bytes for a total (a percentage of it, or
/// a quantity).
#[derive(Debug, Clone)]
pub struct Thresholds {
    pub memory_available: Option<String>,
    pub nodefs_available: Option<String>,
    pub memory_total: u64,
    pub root_dir: std::path::PathBuf,
}

/// Watches memory and the root filesystem until the task is dropped.
pub async fn run(mgr: Arc<PodManager>, t: Thresholds) {
    if t.memory_available.is_none() && t.nodefs_available.is_none() {
        return;
    }
    let memory_threshold = crate::node::threshold_bytes(t.memory_available.as_ref(), t.memory_total);
    let mut ticker = tokio::time::interval(MONITOR_PERIOD);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let (_, _, mem_available) =
            crate::stats::meminfo(&std::fs::read_to_string("/proc/meminfo").unwrap_or_default());
        let memory = memory_threshold > 0 && mem_available < memory_threshold;
        let (disk, disk_available) = match (&t.nodefs_available, rustix::fs::statvfs(&t.root_dir)) {
            (Some(threshold), Ok(st)) => {
                let available = st.f_bavail * st.f_frsize;
                let limit = crate::node::threshold_bytes(Some(threshold), st.f_blocks * st.f_frsize);
                (available < limit, available)
            }
            _ => (false, 0),
        };
        if memory != mgr.pressure.memory.swap(memory, Ordering::Relaxed) {
            tracing::warn!(pressure = memory, available = %ki(mem_available), "memory pressure changed");
        }
        if disk != mgr.pressure.disk.swap(disk, Ordering::Relaxed) {
            tracing::warn!(pressure = disk, available = %ki(disk_available), "disk pressure changed");
        }
        let (resource, threshold, available) = if memory {
            (
                Resource::Memory,
                t.memory_available.clone().unwrap_or_default(),
                mem_available,
            )
        } else if disk {
            (
                Resource::EphemeralStorage,
                t.nodefs_available.clone().unwrap_or_default(),
                disk_available,
            )
        } else {
            continue;
        };
        // Usage per pod and per container, from the runtime.
        let stats = mgr.runtime.list_container_stats(None).await.unwrap_or_default();
        let mut per_pod: HashMap<String, HashMap<String, u64>> = HashMap::new();
        for s in &stats {
            let Some(a) = s.attributes.as_ref() else { continue };
            let (Some(uid), Some(name)) = (
                a.labels.get(POD_UID_LABEL),
                a.labels.get(podconfig::CONTAINER_NAME_LABEL),
            ) else {
                continue;
            };
            let used = match resource {
                Resource::Memory => s.memory.as_ref().and_then(|m| m.working_set_bytes.as_ref()),
                Resource::EphemeralStorage => s.writable_layer.as_ref().and_then(|f| f.used_bytes.as_ref()),
            }
            .map(|v| v.value)
            .unwrap_or(0);
            *per_pod.entry(uid.clone()).or_default().entry(name.clone()).or_default() += used;
        }
        let candidates: Vec<(Pod, u64)> = mgr
            .pods()
            .into_iter()
            .filter(|p| {
                let phase = p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
                p.metadata.deletion_timestamp.is_none() && !matches!(phase, "Succeeded" | "Failed")
            })
            .filter(|p| !mgr.is_evicted(podconfig::uid(p)))
            .map(|p| {
                let used = per_pod.get(podconfig::uid(&p)).map(|c| c.values().sum()).unwrap_or(0);
                (p, used)
            })
            .collect();
        if let Some((pod, _)) = victim(&candidates, resource) {
            let uid = podconfig::uid(pod).to_string();
            let usage = per_pod.get(&uid).cloned().unwrap_or_default();
            let msg = message(resource, &threshold, available, pod, &usage);
            tracing::warn!(pod = %podconfig::log_dir_name(pod), %msg, "evicting");
            mgr.evict(&uid, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, request: Option<&str>, priority: i32) -> Pod {
        let resources = match request {
            Some(r) => json!({"requests": {"memory": r}}),
            None => json!({}),
        };
        serde_json::from_value(json!({
            "metadata": {"name": name, "uid": name},
            "spec": {"priority": priority, "containers": [{"name": "c", "image": "i", "resources": resources}]},
        }))
        .unwrap()
    }

    #[test]
    fn victims_rank_as_upstream() {
        let mib = 1024 * 1024;
        // Over its request beats under it, whatever the sizes.
        let pods = vec![
            (pod("big-within", Some("1Gi"), 0), 900 * mib),
            (pod("small-over", None, 0), mib),
        ];
        assert_eq!(
            victim(&pods, Resource::Memory).unwrap().0.metadata.name.as_deref(),
            Some("small-over")
        );
        // Both over: the lower priority first; then the larger use above the request.
        let pods = vec![(pod("high", None, 1000), 500 * mib), (pod("low", None, 0), mib)];
        assert_eq!(
            victim(&pods, Resource::Memory).unwrap().0.metadata.name.as_deref(),
            Some("low")
        );
        let pods = vec![
            (pod("a", Some("10Mi"), 0), 20 * mib),
            (pod("b", Some("10Mi"), 0), 50 * mib),
        ];
        assert_eq!(
            victim(&pods, Resource::Memory).unwrap().0.metadata.name.as_deref(),
            Some("b")
        );
        // Static pods are never chosen.
        let mut s = pod("static", None, 0);
        s.metadata.annotations = Some([("kubernetes.io/config.source".to_string(), "file".to_string())].into());
        assert!(victim(&[(s, mib)], Resource::Memory).is_none());
    }

    #[test]
    fn admission_refuses_by_condition_and_qos() {
        let p = Pressure::default();
        let besteffort = pod("be", None, 0);
        let burstable = pod("bu", Some("1Mi"), 0);
        assert_eq!(p.rejects(&besteffort), None);
        p.memory.store(true, Ordering::Relaxed);
        assert_eq!(
            p.rejects(&besteffort).as_deref(),
            Some("Pod was rejected: The node had condition: [MemoryPressure]. ")
        );
        assert_eq!(
            p.rejects(&burstable),
            None,
            "memory pressure only refuses BestEffort pods"
        );
        p.disk.store(true, Ordering::Relaxed);
        assert_eq!(
            p.rejects(&burstable).as_deref(),
            Some("Pod was rejected: The node had condition: [DiskPressure]. ")
        );
        assert_eq!(
            p.rejects(&besteffort).as_deref(),
            Some("Pod was rejected: The node had condition: [MemoryPressure, DiskPressure]. ")
        );
        let mut s = pod("static", None, 0);
        s.metadata.annotations = Some([("kubernetes.io/config.source".to_string(), "file".to_string())].into());
        assert_eq!(p.rejects(&s), None, "static pods are critical");
    }

    #[test]
    fn messages_name_the_threshold_and_the_containers() {
        let p = pod("web", Some("1Mi"), 0);
        let usage: HashMap<String, u64> = [("c".to_string(), 4 * 1024 * 1024)].into();
        assert_eq!(
            message(Resource::Memory, "100Mi", 50 * 1024 * 1024, &p, &usage),
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. \
             Container c was using 4096Ki, request is 1Mi, has larger consumption of memory. "
        );
    }
}
