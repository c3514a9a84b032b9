//! Times the protobuf codec on a typical pod: encode, decode into a JSON tree, write JSON directly, and
//! decode-then-serialize. A measurement to read, not a test: `cargo run --release -p ferrokube-apischema
//! --example codec_speed`.

use ferrokube_apischema::{GroupVersionKind, decode, encode};
use serde_json::json;

fn main() {
    let pod = json!({
        "kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": "web-1", "namespace": "default", "uid": "6b1c1d2e-0000-4000-8000-000000000001", "resourceVersion": "1",
            "creationTimestamp": "2025-01-02T03:04:05Z", "labels": {"app": "web", "tier": "fe"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "u", "controller": true, "blockOwnerDeletion": true}]},
        "spec": {"volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}], "defaultMode": 420}}],
            "containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m", "memory": "64Mi"}},
                "volumeMounts": [{"name": "kube-api-access", "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst", "serviceAccountName": "default",
            "serviceAccount": "default", "securityContext": {}, "schedulerName": "default-scheduler",
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
            "priority": 0, "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority"},
        "status": {"phase": "Pending", "qosClass": "Burstable"}
    });
    let gvk = GroupVersionKind::new("", "v1", "Pod");
    let bytes = encode(&gvk, &pod).unwrap();
    let _ = decode(&bytes).unwrap();
    let n = 2000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(encode(&gvk, std::hint::black_box(&pod)).unwrap());
    }
    let enc = start.elapsed() / n;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(decode(std::hint::black_box(&bytes)).unwrap());
    }
    let dec = start.elapsed() / n;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(ferrokube_apischema::to_json(std::hint::black_box(&bytes), Some("12345")).unwrap());
    }
    let write = start.elapsed() / n;
    let start = std::time::Instant::now();
    for _ in 0..n {
        let v = decode(std::hint::black_box(&bytes)).unwrap().1;
        std::hint::black_box(serde_json::to_vec(&v).unwrap());
    }
    let tree = start.elapsed() / n;
    println!(
        "pod: {} bytes, encode {enc:?}, decode {dec:?}, JSON written directly {write:?}, via a tree {tree:?}",
        bytes.len()
    );
}
