//! The kubelet binary against a real kube-apiserver (on etcd-shim) and a real containerd: it registers its
//! Node with the flags' labels and taints, reports the machine's capacity and the runtime's images, goes
//! Ready, keeps its Lease in kube-node-lease renewed, and `kubectl get nodes` shows it Ready.

mod common;

use std::process::Command;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;

async fn http_get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_registers_goes_ready_and_heartbeats() {
    let cluster = common::Cluster::start(
        "",
        &[
            "--node-labels",
            "ferrokube.test/role=worker",
            "--register-with-taints",
            "dedicated=test:NoSchedule",
        ],
    )
    .await;
    let name = cluster.name.clone();
    let healthz = cluster.healthz;
    let api = &cluster.api;
    let client = cluster.client.clone();
    let node = cluster.wait_ready().await;

    let labels = node.metadata.labels.clone().unwrap();
    assert_eq!(labels["kubernetes.io/hostname"], name, "the node name is lower-cased");
    assert_eq!(labels["kubernetes.io/os"], "linux");
    assert_eq!(labels["ferrokube.test/role"], "worker");
    let spec = node.spec.clone().unwrap();
    let taint = &spec.taints.unwrap()[0];
    assert_eq!((taint.key.as_str(), taint.effect.as_str()), ("dedicated", "NoSchedule"));
    let status = node.status.clone().unwrap();
    let capacity = status.capacity.unwrap();
    assert_eq!(capacity["pods"].0, "110");
    assert!(capacity["memory"].0.ends_with("Ki"));
    assert!(
        status.allocatable.unwrap()["memory"].0 != capacity["memory"].0,
        "allocatable keeps the eviction threshold back"
    );
    let info = status.node_info.unwrap();
    assert!(
        info.container_runtime_version.starts_with("containerd://"),
        "{}",
        info.container_runtime_version
    );
    assert_eq!(info.kubelet_version, "v1.37.0");
    let addresses = status.addresses.unwrap();
    assert!(
        addresses
            .iter()
            .any(|a| a.type_ == "InternalIP" && a.address == "127.0.0.1")
    );
    let images = status.images.unwrap_or_default();
    assert!(
        images
            .iter()
            .any(|i| i.names.iter().flatten().any(|n| n == ferrokube_images::BUSYBOX_IMAGE)),
        "{images:?}"
    );
    let conditions = status.conditions.unwrap();
    for (kind, reason) in [
        ("MemoryPressure", "KubeletHasSufficientMemory"),
        ("DiskPressure", "KubeletHasNoDiskPressure"),
        ("PIDPressure", "KubeletHasSufficientPID"),
        ("Ready", "KubeletReady"),
    ] {
        let c = conditions.iter().find(|c| c.type_ == kind).expect(kind);
        assert_eq!(c.reason.as_deref(), Some(reason));
    }

    // The Lease: owned by the Node, renewed every second (a quarter of 4 s).
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    let renew = |l: &Lease| l.spec.as_ref().and_then(|s| s.renew_time.clone()).map(|t| t.0);
    let first = leases.get(&name).await.unwrap();
    let owner = &first.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str()),
        ("Node", node.metadata.uid.as_deref().unwrap())
    );
    assert_eq!(
        first.spec.as_ref().unwrap().holder_identity.as_deref(),
        Some(name.as_str())
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = leases.get(&name).await.unwrap();
    assert!(renew(&later) > renew(&first), "the lease was renewed");

    // Real kubectl shows it.
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&api.kubeconfig)
        .args(["get", "nodes", "--no-headers"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with(&name) && l.split_whitespace().nth(1) == Some("Ready")),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Health and CRI metrics on the healthz port.
    assert!(http_get(healthz, "/healthz").await.starts_with("HTTP/1.0 200"));
    let metrics = http_get(healthz, "/metrics").await;
    assert!(
        metrics.contains("kubelet_runtime_operations_total{operation_type=\"status\"}"),
        "{metrics}"
    );
}

#[test]
fn bad_flags_and_configs_fail_with_a_message() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kubelet")).args(args).output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run(&["--no-such-flag"]).contains("--no-such-flag"));
    assert!(run(&[]).contains("--kubeconfig is required"));
    assert!(run(&["--kubeconfig", "/nonexistent"]).contains("/nonexistent does not exist"));
    assert!(run(&["--config", "/nonexistent.yaml"]).contains("/nonexistent.yaml"));
}
