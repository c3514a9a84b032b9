//! Eviction on a real containerd. With `evictionHard` `memory.available: 1Pi` (always under pressure):
//! the node reports MemoryPressure, a new BestEffort pod is rejected, and a running Burstable pod is
//! evicted with upstream's reason, message and DisruptionTarget condition. With `nodefs.available: 100%`:
//! DiskPressure, and every new pod is rejected.

mod common;

use std::time::Duration;

use ferrokube_images::BUSYBOX_IMAGE;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::PostParams;
use serde_json::json;

fn status_of(p: &Pod) -> (String, String, String) {
    let s = p.status.clone().unwrap_or_default();
    (
        s.phase.unwrap_or_default(),
        s.reason.unwrap_or_default(),
        s.message.unwrap_or_default(),
    )
}

/// Waits until the node reports condition `kind` True with `reason`.
async fn wait_condition(c: &common::Cluster, kind: &str, reason: &str) {
    let nodes: Api<Node> = Api::all(c.client.clone());
    c.wait(Duration::from_secs(30), &format!("the node reports {kind}"), || async {
        nodes.get_opt(&c.name).await.ok().flatten().filter(|n| {
            n.status.as_ref().and_then(|s| s.conditions.as_ref()).is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.type_ == kind && c.status == "True" && c.reason.as_deref() == Some(reason))
            })
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_pressure_rejects_and_evicts_pods() {
    let c = common::Cluster::start("evictionHard:\n  memory.available: 1Pi\n", &[]).await;
    wait_condition(&c, "MemoryPressure", "KubeletHasInsufficientMemory").await;

    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    let pod = |name: &str, resources: serde_json::Value| -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"nodeName": c.name, "terminationGracePeriodSeconds": 1, "containers": [{
                "name": "main", "image": BUSYBOX_IMAGE, "command": ["sleep", "3600"], "resources": resources,
            }]},
        }))
        .unwrap()
    };
    pods.create(&PostParams::default(), &pod("besteffort", json!({})))
        .await
        .unwrap();
    let rejected = c
        .wait(Duration::from_secs(30), "the BestEffort pod rejected", || async {
            pods.get_opt("besteffort")
                .await
                .ok()
                .flatten()
                .filter(|p| status_of(p).0 == "Failed")
        })
        .await;
    assert_eq!(
        status_of(&rejected),
        (
            "Failed".to_string(),
            "Evicted".to_string(),
            "Pod was rejected: The node had condition: [MemoryPressure]. ".to_string()
        )
    );

    pods.create(
        &PostParams::default(),
        &pod("burstable", json!({"requests": {"memory": "1Ki"}})),
    )
    .await
    .unwrap();
    let evicted = c
        .wait(Duration::from_secs(40), "the Burstable pod evicted", || async {
            pods.get_opt("burstable")
                .await
                .ok()
                .flatten()
                .filter(|p| status_of(p).0 == "Failed")
        })
        .await;
    let (_, reason, message) = status_of(&evicted);
    assert_eq!(reason, "Evicted");
    assert!(
        message.starts_with("The node was low on resource: memory. Threshold quantity: 1Pi, available: "),
        "{message}"
    );
    let conditions = evicted.status.unwrap().conditions.unwrap_or_default();
    let target = conditions
        .iter()
        .find(|c| c.type_ == "DisruptionTarget")
        .expect("DisruptionTarget");
    assert_eq!(
        (target.status.as_str(), target.reason.as_deref()),
        ("True", Some("TerminationByKubelet"))
    );
}

/// With `nodefs.available: 100%` the root filesystem is always short: DiskPressure, and every new pod
/// but static ones is rejected (upstream's admission), whatever its QoS class.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_pressure_rejects_new_pods() {
    let c = common::Cluster::start("evictionHard:\n  nodefs.available: \"100%\"\n", &[]).await;
    wait_condition(&c, "DiskPressure", "KubeletHasDiskPressure").await;
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    pods.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": {"name": "guaranteed"},
            "spec": {"nodeName": c.name, "containers": [{
                "name": "main", "image": BUSYBOX_IMAGE, "command": ["sleep", "3600"],
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "10m", "memory": "16Mi"}},
            }]},
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    let rejected = c
        .wait(Duration::from_secs(30), "the pod rejected", || async {
            pods.get_opt("guaranteed")
                .await
                .ok()
                .flatten()
                .filter(|p| status_of(p).0 == "Failed")
        })
        .await;
    assert_eq!(
        status_of(&rejected),
        (
            "Failed".to_string(),
            "Evicted".to_string(),
            "Pod was rejected: The node had condition: [DiskPressure]. ".to_string()
        )
    );
}
