//! The kubelet binary against a real kube-apiserver (on etcd-shim) and a real containerd: it registers its
//! Node with the flags' labels and taints, reports the machine's capacity and the runtime's images, goes
//! Ready, keeps its Lease in kube-node-lease renewed, and `kubectl get nodes` shows it Ready.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ferrokube_e2e::apiserver::{ApiserverProcess, target_bin};
use ferrokube_e2e::containerd::Containerd;
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Node;
use kube::Api;

struct Kubelet(Child);

impl Drop for Kubelet {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

fn ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_registers_goes_ready_and_heartbeats() {
    let etcd = EtcdServer::start(Backend::Shim(target_bin("etcd-shim")), &[]).await.unwrap();
    let api = ApiserverProcess::start(&etcd.endpoint(), &[]).await.unwrap();
    let runtime = Containerd::start(&target_bin("pause")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let healthz = ferrokube_e2e::free_port();
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
             healthzPort: {healthz}\nport: {}\nnodeLeaseDurationSeconds: 4\nnodeStatusUpdateFrequency: 1s\n",
            ferrokube_e2e::free_port()
        ),
    )
    .unwrap();
    let name = format!("node-{healthz}");
    // The kubelet's own identity, as upstream's node authorizer expects: system:node:<name> in system:nodes.
    let kubeconfig = dir.path().join("kubelet.kubeconfig");
    api.pki.write_node_kubeconfig(&kubeconfig, &api.url(), &name).unwrap();
    let log = std::fs::File::create(dir.path().join("kubelet.log")).unwrap();
    let _kubelet = Kubelet(
        Command::new(env!("CARGO_BIN_EXE_kubelet"))
            .arg("--config")
            .arg(&config)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["--container-runtime-endpoint", &runtime.endpoint()])
            .args(["--hostname-override", &name.to_uppercase()])
            .args(["--node-ip", "127.0.0.1"])
            .args(["--node-labels", "ferrokube.test/role=worker"])
            .args(["--register-with-taints", "dedicated=test:NoSchedule"])
            .arg("--root-dir")
            .arg(dir.path().join("root"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let client = api.client().await.unwrap();
    let nodes: Api<Node> = Api::all(client.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    let node = loop {
        if let Some(n) = nodes.get_opt(&name).await.unwrap()
            && ready(&n)
        {
            break n;
        }
        assert!(
            Instant::now() < deadline,
            "node {name} not Ready in 30 s; kubelet log:\n{}",
            std::fs::read_to_string(dir.path().join("kubelet.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

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
    assert!(status.allocatable.unwrap()["memory"].0 != capacity["memory"].0, "allocatable keeps the eviction threshold back");
    let info = status.node_info.unwrap();
    assert!(info.container_runtime_version.starts_with("containerd://"), "{}", info.container_runtime_version);
    assert_eq!(info.kubelet_version, "v1.37.0");
    let addresses = status.addresses.unwrap();
    assert!(addresses.iter().any(|a| a.type_ == "InternalIP" && a.address == "127.0.0.1"));
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
    assert_eq!((owner.kind.as_str(), owner.uid.as_str()), ("Node", node.metadata.uid.as_deref().unwrap()));
    assert_eq!(first.spec.as_ref().unwrap().holder_identity.as_deref(), Some(name.as_str()));
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
        text.lines().any(|l| l.starts_with(&name) && l.split_whitespace().nth(1) == Some("Ready")),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Health and CRI metrics on the healthz port.
    assert!(http_get(healthz, "/healthz").await.starts_with("HTTP/1.0 200"));
    let metrics = http_get(healthz, "/metrics").await;
    assert!(metrics.contains("kubelet_runtime_operations_total{operation_type=\"status\"}"), "{metrics}");
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
