//! Memory-pressure eviction on `evictionHard` `memory.available`, as upstream's eviction manager: every
//! [`MONITOR_PERIOD`] the node's available memory (`MemAvailable`) is compared with the threshold; below
//! it the node reports MemoryPressure, new BestEffort pods are rejected, and one pod per period is evicted:
//! first those using more memory than they request, then the lower priority, then the larger use above the
//! request. Static pods are critical and never evicted. An evicted pod is stopped at once (hard
//! threshold: no grace) and Failed with reason `Evicted` and upstream's message.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;

use crate::podconfig::{self, POD_UID_LABEL};
use crate::pods::PodManager;

/// Upstream's evictionMonitoringPeriod (housekeeping interval).
pub const MONITOR_PERIOD: Duration = Duration::from_secs(10);

/// The message of a pod rejected under memory pressure.
pub const REJECTED_MESSAGE: &str = "Pod was rejected: The node had condition: [MemoryPressure]. ";

fn memory_request(pod: &Pod) -> u64 {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .filter_map(|c| c.resources.as_ref()?.requests.as_ref()?.get("memory"))
        .filter_map(|q| ferrokube_apimachinery::quantity::Quantity::parse(&q.0).ok())
        .map(|q| q.value().max(0) as u64)
        .sum()
}

fn priority(pod: &Pod) -> i32 {
    pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0)
}

/// `n` bytes as upstream prints memory amounts in messages (`123Ki`).
fn ki(n: u64) -> String {
    format!("{}Ki", n / 1024)
}

/// The pod to evict first among `pods` (with their memory use in bytes), upstream's ranking.
pub fn victim(pods: &[(Pod, u64)]) -> Option<&(Pod, u64)> {
    pods.iter()
        .filter(|(p, _)| !crate::static_pods::is_static(p))
        .max_by_key(|(p, used)| {
            let request = memory_request(p);
            let exceeds = *used > request;
            (exceeds, std::cmp::Reverse(priority(p)), used.saturating_sub(request))
        })
}

/// Upstream's eviction message for memory.
pub fn message(threshold: &str, available: u64, pod: &Pod, usage: &HashMap<String, u64>) -> String {
    let mut m = format!(
        "The node was low on resource: memory. Threshold quantity: {threshold}, available: {}. ",
        ki(available)
    );
    for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
        let used = usage.get(&c.name).copied().unwrap_or(0);
        let request = c
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref()?.get("memory"))
            .map(|q| q.0.clone())
            .unwrap_or_else(|| "0".into());
        let request_bytes = ferrokube_apimachinery::quantity::Quantity::parse(&request)
            .map(|q| q.value().max(0) as u64)
            .unwrap_or(0);
        if used > request_bytes {
            m.push_str(&format!(
                "Container {} was using {}, request is {request}, has larger consumption of memory. ",
                c.name,
                ki(used)
            ));
        }
    }
    m
}

/// Watches memory until the task is dropped. `threshold` is `memory.available` as written and in bytes.
pub async fn run(mgr: Arc<PodManager>, threshold: String, threshold_bytes: u64) {
    if threshold_bytes == 0 {
        return;
    }
    let mut ticker = tokio::time::interval(MONITOR_PERIOD);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let (_, _, available) = crate::stats::meminfo(&std::fs::read_to_string("/proc/meminfo").unwrap_or_default());
        let pressure = available < threshold_bytes;
        if pressure != mgr.memory_pressure.swap(pressure, Ordering::Relaxed) {
            tracing::warn!(pressure, available = %ki(available), %threshold, "memory pressure changed");
        }
        if !pressure {
            continue;
        }
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
            let ws = s
                .memory
                .as_ref()
                .and_then(|m| m.working_set_bytes.as_ref())
                .map(|v| v.value)
                .unwrap_or(0);
            *per_pod.entry(uid.clone()).or_default().entry(name.clone()).or_default() += ws;
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
        if let Some((pod, _)) = victim(&candidates) {
            let uid = podconfig::uid(pod).to_string();
            let msg = message(&threshold, available, pod, per_pod.get(&uid).unwrap_or(&HashMap::new()));
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
        assert_eq!(victim(&pods).unwrap().0.metadata.name.as_deref(), Some("small-over"));
        // Both over: the lower priority first; then the larger use above the request.
        let pods = vec![(pod("high", None, 1000), 500 * mib), (pod("low", None, 0), mib)];
        assert_eq!(victim(&pods).unwrap().0.metadata.name.as_deref(), Some("low"));
        let pods = vec![
            (pod("a", Some("10Mi"), 0), 20 * mib),
            (pod("b", Some("10Mi"), 0), 50 * mib),
        ];
        assert_eq!(victim(&pods).unwrap().0.metadata.name.as_deref(), Some("b"));
        // Static pods are never chosen.
        let mut s = pod("static", None, 0);
        s.metadata.annotations = Some([("kubernetes.io/config.source".to_string(), "file".to_string())].into());
        assert!(victim(&[(s, mib)]).is_none());
    }

    #[test]
    fn messages_name_the_threshold_and_the_containers() {
        let p = pod("web", Some("1Mi"), 0);
        let usage: HashMap<String, u64> = [("c".to_string(), 4 * 1024 * 1024)].into();
        assert_eq!(
            message("100Mi", 50 * 1024 * 1024, &p, &usage),
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. \
             Container c was using 4096Ki, request is 1Mi, has larger consumption of memory. "
        );
    }
}
