//! The pod every phase creates: what a Deployment's ReplicaSet would create for a small web service (one
//! container with ports, env, resources and probes; the usual labels; an owner reference), as JSON.

use serde_json::{Value, json};

/// The namespace every phase works in.
pub const NAMESPACE: &str = "bench";

/// The annotation the watch phase stamps on each pod: `<seq>/<µs since the run's base instant>`.
pub const SENT_ANNOTATION: &str = "bench.ferrokube.io/sent";

/// The collection URL of pods in the bench namespace.
pub fn collection_path() -> String {
    format!("/api/v1/namespaces/{NAMESPACE}/pods")
}

/// The URL of one pod.
pub fn pod_path(name: &str) -> String {
    format!("/api/v1/namespaces/{NAMESPACE}/pods/{name}")
}

/// The pod named `name` as a JSON object, optionally with the watch phase's send stamp.
pub fn pod(name: &str, sent: Option<&str>) -> Value {
    let mut metadata = json!({
        "name": name,
        "namespace": NAMESPACE,
        "labels": {
            "app.kubernetes.io/name": "bench-web",
            "app.kubernetes.io/component": "frontend",
            "pod-template-hash": "7d9f8c6b5",
            "tier": "web",
        },
        "ownerReferences": [{
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "bench-web-7d9f8c6b5",
            "uid": "6f1c2b8e-3d4a-4e5f-9a7b-1c2d3e4f5a6b",
            "controller": true,
            "blockOwnerDeletion": true,
        }],
    });
    if let Some(sent) = sent {
        metadata["annotations"] = json!({ SENT_ANNOTATION: sent });
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {
            "containers": [{
                "name": "web",
                "image": "registry.k8s.io/e2e-test-images/agnhost:2.52",
                "args": ["netexec", "--http-port=8080"],
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "CACHE_SIZE_MB", "value": "64"},
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                ],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                },
                "readinessProbe": {
                    "httpGet": {"path": "/healthz", "port": "http"},
                    "periodSeconds": 5,
                },
                "livenessProbe": {
                    "httpGet": {"path": "/healthz", "port": "http"},
                    "initialDelaySeconds": 10,
                    "periodSeconds": 10,
                },
            }],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
        },
    })
}

/// [`pod`] serialized.
pub fn pod_body(name: &str, sent: Option<&str>) -> Vec<u8> {
    serde_json::to_vec(&pod(name, sent)).unwrap_or_default()
}

/// A pod name of fixed width, so every stored pod of a phase has the same size.
pub fn name(prefix: &str, worker: usize, seq: usize) -> String {
    format!("{prefix}-{worker:03}-{seq:08}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_is_namespaced_and_stamped_only_when_asked() {
        let p = pod("web-000-00000001", Some("7/1234"));
        assert_eq!(p["metadata"]["namespace"], NAMESPACE);
        assert_eq!(p["metadata"]["annotations"][SENT_ANNOTATION], "7/1234");
        assert!(pod("x", None)["metadata"].get("annotations").is_none());
        assert_eq!(name("c", 3, 42), "c-003-00000042");
        assert_eq!(name("c", 3, 42).len(), name("c", 999, 99_999_999).len());
    }
}
