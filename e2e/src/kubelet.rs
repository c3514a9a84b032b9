//! A one-node cluster for kubelet tests and benchmarks: etcd-shim, kube-apiserver, a private containerd,
//! and the `kubelet` binary (from the target directory) with its own node certificate, on free ports and
//! in temporary directories.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Node;
use kube::Api;

use crate::apiserver::{ApiserverProcess, target_bin};
use crate::containerd::Containerd;
use crate::etcd::{Backend, EtcdServer};

pub struct NodeCluster {
    pub kubelet: Option<Child>,
    /// The kubelet's command line after the binary.
    pub args: Vec<String>,
    pub name: String,
    pub healthz: u16,
    pub client: kube::Client,
    pub dir: tempfile::TempDir,
    pub runtime: Containerd,
    pub api: ApiserverProcess,
    pub etcd: EtcdServer,
}

impl Drop for NodeCluster {
    fn drop(&mut self) {
        self.kill_kubelet();
    }
}

impl NodeCluster {
    /// Starts everything and waits until the node is Ready. `extra` is appended to the kubelet's config
    /// file; `flags` to its command line.
    pub async fn start(extra: &str, flags: &[&str]) -> NodeCluster {
        let etcd = EtcdServer::start(Backend::Shim(target_bin("etcd-shim")), &[])
            .await
            .unwrap();
        let api = ApiserverProcess::start(&etcd.endpoint(), &[]).await.unwrap();
        let runtime = Containerd::start(&target_bin("pause")).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let healthz = crate::free_port();
        let name = format!("node-{healthz}");
        let config = dir.path().join("config.yaml");
        std::fs::write(
            &config,
            format!(
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
                 healthzPort: {healthz}\nport: {}\nnodeLeaseDurationSeconds: 4\nnodeStatusUpdateFrequency: 1s\n\
                 cgroupRoot: {}\npodLogsDir: {}\nauthentication:\n  x509:\n    clientCAFile: {}\n{extra}",
                crate::free_port(),
                runtime.cgroup_root(),
                dir.path().join("logs").display(),
                api.pki.ca_cert.display(),
            ),
        )
        .unwrap();
        // The kubelet's own identity, as upstream's node authorizer expects: system:node:<name> in system:nodes.
        let kubeconfig = dir.path().join("kubelet.kubeconfig");
        api.pki.write_node_kubeconfig(&kubeconfig, &api.url(), &name).unwrap();
        let mut args: Vec<String> = vec![
            "--config".into(),
            config.display().to_string(),
            "--kubeconfig".into(),
            kubeconfig.display().to_string(),
            "--container-runtime-endpoint".into(),
            runtime.endpoint(),
            "--node-ip".into(),
            "127.0.0.1".into(),
            // Upper case on purpose: the kubelet lower-cases its node name as upstream does.
            "--hostname-override".into(),
            name.to_uppercase(),
            "--root-dir".into(),
            dir.path().join("root").display().to_string(),
        ];
        args.extend(flags.iter().map(|s| s.to_string()));
        let client = api.client().await.unwrap();
        let mut c = NodeCluster {
            kubelet: None,
            args,
            name,
            healthz,
            client,
            dir,
            runtime,
            api,
            etcd,
        };
        c.start_kubelet();
        c.wait_ready().await;
        c
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("kubelet.log")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn start_kubelet(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        self.kubelet = Some(
            Command::new(target_bin("kubelet"))
                .args(&self.args)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
    }

    /// SIGKILL, as a crash would.
    pub fn kill_kubelet(&mut self) {
        if let Some(mut k) = self.kubelet.take() {
            let _ = k.kill();
            let _ = k.wait();
        }
    }

    pub async fn wait_ready(&self) -> Node {
        let nodes: Api<Node> = Api::all(self.client.clone());
        self.wait(Duration::from_secs(30), "node Ready", || async {
            nodes.get_opt(&self.name).await.ok().flatten().filter(|n| {
                n.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
                    .is_some_and(|c| c.status == "True")
            })
        })
        .await
    }

    /// Polls `check` every 100 ms until it gives a value; fails with the kubelet's log after `limit`.
    pub async fn wait<T, F, Fut>(&self, limit: Duration, what: &str, check: F) -> T
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = check().await {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {limit:?}; kubelet log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
