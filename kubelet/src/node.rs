//! The node's lifecycle in the API: registration, the status the kubelet reports (capacity and
//! allocatable, addresses, system info, images, daemon endpoints, conditions), and the heartbeat Lease in
//! `kube-node-lease`.
//!
//! As upstream: the status is computed every `nodeStatusUpdateFrequency` (10 s) and sent when it changed
//! or `nodeStatusReportFrequency` (5 min) has passed since the last report; the Lease is renewed every
//! quarter of `nodeLeaseDurationSeconds` (10 s of 40). Ready is true only when the runtime reports both
//! RuntimeReady and NetworkReady.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use ferrokube_apimachinery::quantity::Quantity as ParsedQuantity;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{
    ContainerImage, DaemonEndpoint, Node, NodeAddress, NodeCondition, NodeDaemonEndpoints, NodeSpec, NodeStatus,
    NodeSystemInfo, Taint,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams, PostParams};

use crate::config::Config;
use crate::cri::Runtime;

/// The Kubernetes version this kubelet reports.
pub const KUBELET_VERSION: &str = "v1.37.0";
pub const LEASE_NAMESPACE: &str = "kube-node-lease";

/// Facts about the machine, read once at start (boot id and capacity do not change while it runs).
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpus: u64,
    pub memory_bytes: u64,
    pub storage_bytes: u64,
    pub machine_id: String,
    pub system_uuid: String,
    pub boot_id: String,
    pub kernel_version: String,
    pub os_image: String,
    pub hostname: String,
}

fn read_trimmed(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

impl Machine {
    /// Reads the machine's facts; `root_dir` is where the kubelet keeps its files (its filesystem is the
    /// node's `ephemeral-storage`).
    pub fn probe(root_dir: &Path) -> Machine {
        let memory_kib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .unwrap_or(0);
        let mut dir = root_dir.to_path_buf();
        while !dir.exists() && dir.pop() {}
        let storage_bytes = rustix::fs::statvfs(&dir).map(|s| s.f_blocks * s.f_frsize).unwrap_or(0);
        let os_image = std::fs::read_to_string("/etc/os-release")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim_matches('"').to_string())
            })
            .unwrap_or_else(|| "Linux".to_string());
        Machine {
            cpus: std::thread::available_parallelism()
                .map(|n| n.get() as u64)
                .unwrap_or(1),
            memory_bytes: memory_kib * 1024,
            storage_bytes,
            machine_id: read_trimmed("/etc/machine-id"),
            system_uuid: read_trimmed("/sys/class/dmi/id/product_uuid"),
            boot_id: read_trimmed("/proc/sys/kernel/random/boot_id"),
            kernel_version: read_trimmed("/proc/sys/kernel/osrelease"),
            os_image,
            hostname: read_trimmed("/proc/sys/kernel/hostname"),
        }
    }
}

/// An eviction threshold as an amount of `total`: a quantity (`100Mi`) or a percentage (`10%`).
pub fn threshold_bytes(threshold: Option<&String>, total: u64) -> u64 {
    let Some(t) = threshold else { return 0 };
    if let Some(p) = t.strip_suffix('%') {
        return p.parse::<f64>().map(|p| (total as f64 * p / 100.0) as u64).unwrap_or(0);
    }
    ParsedQuantity::parse(t).map(|q| q.value().max(0) as u64).unwrap_or(0)
}

fn condition(kind: &str, status: bool, reason: &str, message: &str, now: &Timestamp) -> NodeCondition {
    NodeCondition {
        type_: kind.to_string(),
        status: if status { "True" } else { "False" }.to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_heartbeat_time: Some(Time(*now)),
        last_transition_time: Some(Time(*now)),
    }
}

/// The node's name, address and the API it reports to.
pub struct NodeAgent {
    pub config: Arc<Config>,
    pub client: kube::Client,
    pub runtime: Runtime,
    pub machine: Machine,
    pub ip: IpAddr,
    /// The runtime's name and version as `nodeInfo.containerRuntimeVersion` shows them (`containerd://1.6.20`).
    pub runtime_version: String,
    /// Set by the eviction manager.
    pub pressure: Arc<crate::eviction::Pressure>,
}

impl NodeAgent {
    fn labels(&self) -> BTreeMap<String, String> {
        let mut labels: BTreeMap<String, String> = [
            ("kubernetes.io/hostname", self.config.node_name.as_str()),
            ("kubernetes.io/os", "linux"),
            ("kubernetes.io/arch", "amd64"),
            ("beta.kubernetes.io/os", "linux"),
            ("beta.kubernetes.io/arch", "amd64"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        labels.extend(self.config.node_labels.clone());
        labels
    }

    /// The Node this kubelet registers.
    pub fn initial_node(&self) -> Node {
        let taints: Vec<Taint> = self
            .config
            .register_with_taints
            .iter()
            .map(|t| Taint {
                key: t.key.clone(),
                value: (!t.value.is_empty()).then(|| t.value.clone()),
                effect: t.effect.clone(),
                time_added: None,
            })
            .collect();
        Node {
            metadata: ObjectMeta {
                name: Some(self.config.node_name.clone()),
                labels: Some(self.labels()),
                annotations: Some(BTreeMap::from([(
                    "volumes.kubernetes.io/controller-managed-attach-detach".to_string(),
                    "true".to_string(),
                )])),
                ..Default::default()
            },
            spec: Some(NodeSpec {
                pod_cidr: self.config.pod_cidr.clone(),
                pod_cidrs: self.config.pod_cidr.clone().map(|c| vec![c]),
                taints: (!taints.is_empty()).then_some(taints),
                ..Default::default()
            }),
            status: Some(self.status(Err("kubelet is starting".into()), Vec::new(), None, &Timestamp::now())),
        }
    }

    /// The node's status now. `ready` is the runtime's verdict; `previous` conditions keep their
    /// transition times while their status does not change.
    pub fn status(
        &self,
        ready: Result<(), String>,
        images: Vec<ContainerImage>,
        previous: Option<&[NodeCondition]>,
        now: &Timestamp,
    ) -> NodeStatus {
        let m = &self.machine;
        let memory_available = threshold_bytes(self.config.eviction_hard.get("memory.available"), m.memory_bytes);
        let nodefs_available = threshold_bytes(self.config.eviction_hard.get("nodefs.available"), m.storage_bytes);
        let q = |s: String| Quantity(s);
        let mut capacity = BTreeMap::from([
            ("cpu".to_string(), q(m.cpus.to_string())),
            ("memory".to_string(), q(format!("{}Ki", m.memory_bytes / 1024))),
            (
                "ephemeral-storage".to_string(),
                q(format!("{}Ki", m.storage_bytes / 1024)),
            ),
            ("pods".to_string(), q(self.config.max_pods.to_string())),
            ("hugepages-1Gi".to_string(), q("0".into())),
            ("hugepages-2Mi".to_string(), q("0".into())),
        ]);
        let mut allocatable = capacity.clone();
        allocatable.insert(
            "memory".into(),
            q(format!("{}Ki", m.memory_bytes.saturating_sub(memory_available) / 1024)),
        );
        allocatable.insert(
            "ephemeral-storage".into(),
            q(m.storage_bytes.saturating_sub(nodefs_available).to_string()),
        );
        if m.storage_bytes == 0 {
            capacity.remove("ephemeral-storage");
            allocatable.remove("ephemeral-storage");
        }
        let (is_ready, reason, message) = match &ready {
            Ok(()) => (true, "KubeletReady", "kubelet is posting ready status".to_string()),
            Err(why) => (false, "KubeletNotReady", why.clone()),
        };
        let memory_pressure = self.pressure.memory.load(std::sync::atomic::Ordering::Relaxed);
        let disk_pressure = self.pressure.disk.load(std::sync::atomic::Ordering::Relaxed);
        let mut conditions = vec![
            if memory_pressure {
                condition(
                    "MemoryPressure",
                    true,
                    "KubeletHasInsufficientMemory",
                    "kubelet has insufficient memory available",
                    now,
                )
            } else {
                condition(
                    "MemoryPressure",
                    false,
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                    now,
                )
            },
            if disk_pressure {
                condition(
                    "DiskPressure",
                    true,
                    "KubeletHasDiskPressure",
                    "kubelet has disk pressure",
                    now,
                )
            } else {
                condition(
                    "DiskPressure",
                    false,
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                    now,
                )
            },
            condition(
                "PIDPressure",
                false,
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
                now,
            ),
            condition("Ready", is_ready, reason, &message, now),
        ];
        for c in &mut conditions {
            if let Some(before) = previous.and_then(|p| p.iter().find(|b| b.type_ == c.type_))
                && before.status == c.status
            {
                c.last_transition_time = before.last_transition_time.clone();
            }
        }
        NodeStatus {
            capacity: Some(capacity),
            allocatable: Some(allocatable),
            conditions: Some(conditions),
            addresses: Some(vec![
                NodeAddress {
                    type_: "InternalIP".into(),
                    address: self.ip.to_string(),
                },
                NodeAddress {
                    type_: "Hostname".into(),
                    address: self.config.node_name.clone(),
                },
            ]),
            daemon_endpoints: Some(NodeDaemonEndpoints {
                kubelet_endpoint: Some(DaemonEndpoint {
                    port: i32::from(self.config.port),
                }),
            }),
            node_info: Some(NodeSystemInfo {
                architecture: "amd64".into(),
                boot_id: m.boot_id.clone(),
                container_runtime_version: self.runtime_version.clone(),
                kernel_version: m.kernel_version.clone(),
                kube_proxy_version: String::new(),
                kubelet_version: KUBELET_VERSION.into(),
                machine_id: m.machine_id.clone(),
                operating_system: "linux".into(),
                os_image: m.os_image.clone(),
                system_uuid: m.system_uuid.clone(),
                ..Default::default()
            }),
            images: (!images.is_empty()).then_some(images),
            ..Default::default()
        }
    }

    /// Whether the runtime says pods can run: RuntimeReady and NetworkReady, with upstream's message when
    /// not.
    pub async fn runtime_ready(&self) -> Result<(), String> {
        let status = self
            .runtime
            .status(false)
            .await
            .map_err(|e| format!("container runtime is down: {e}"))?;
        let conditions = status.status.map(|s| s.conditions).unwrap_or_default();
        let find = |t: &str| conditions.iter().find(|c| c.r#type == t);
        match find("RuntimeReady") {
            Some(c) if c.status => {}
            Some(c) => {
                return Err(format!(
                    "container runtime not ready: RuntimeReady=false reason:{} message:{}",
                    c.reason, c.message
                ));
            }
            None => return Err("container runtime not ready: RuntimeReady is missing".into()),
        }
        match find("NetworkReady") {
            Some(c) if c.status => Ok(()),
            Some(c) => Err(format!(
                "container runtime network not ready: NetworkReady=false reason:{} message:{}",
                c.reason, c.message
            )),
            None => Err("container runtime network not ready: NetworkReady is missing".into()),
        }
    }

    /// The images the runtime holds, as `status.images` lists them (largest first, at most 50).
    pub async fn images(&self) -> Vec<ContainerImage> {
        let mut images: Vec<ContainerImage> = match self.runtime.list_images(None).await {
            Ok(list) => list
                .into_iter()
                .map(|i| ContainerImage {
                    names: Some(i.repo_digests.into_iter().chain(i.repo_tags).collect()),
                    size_bytes: Some(i.size as i64),
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot list images");
                Vec::new()
            }
        };
        images.sort_by_key(|i| std::cmp::Reverse(i.size_bytes.unwrap_or(0)));
        images.truncate(50);
        images
    }

    /// Registers the node, retrying until the apiserver takes it; an existing Node of the same name gets
    /// this kubelet's default labels back. The Node as stored.
    pub async fn register(&self) -> Node {
        let nodes: Api<Node> = Api::all(self.client.clone());
        let mut delay = Duration::from_millis(100);
        loop {
            match self.try_register(&nodes).await {
                Ok(node) => {
                    tracing::info!(node = %self.config.node_name, "node registered");
                    return node;
                }
                Err(e) => {
                    tracing::warn!(node = %self.config.node_name, error = %format!("{e:#}"), "unable to register node; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(7));
                }
            }
        }
    }

    async fn try_register(&self, nodes: &Api<Node>) -> anyhow::Result<Node> {
        match nodes.create(&PostParams::default(), &self.initial_node()).await {
            Ok(node) => Ok(node),
            Err(kube::Error::Api(s)) if s.is_already_exists() => {
                let mut existing = nodes
                    .get(&self.config.node_name)
                    .await
                    .context("reading the existing node")?;
                let labels = existing.metadata.labels.get_or_insert_with(BTreeMap::new);
                let mut changed = false;
                for (k, v) in self.labels() {
                    if labels.get(&k) != Some(&v) {
                        labels.insert(k, v);
                        changed = true;
                    }
                }
                if changed {
                    existing = nodes
                        .replace(&self.config.node_name, &PostParams::default(), &existing)
                        .await
                        .context("updating the existing node's labels")?;
                }
                Ok(existing)
            }
            Err(e) => Err(e).context("creating the node"),
        }
    }

    /// Computes the status every `nodeStatusUpdateFrequency` and patches it when it changed or the report
    /// frequency has passed. Runs until the task is dropped.
    pub async fn run_status(self: Arc<Self>) {
        let nodes: Api<Node> = Api::all(self.client.clone());
        let mut last_sent: Option<(NodeStatus, Instant)> = None;
        let mut conditions: Option<Vec<NodeCondition>> = None;
        let mut ticker = tokio::time::interval(self.config.node_status_update_frequency);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let ready = self.runtime_ready().await;
            let images = self.images().await;
            let now = Timestamp::now();
            let status = self.status(ready, images, conditions.as_deref(), &now);
            let due = match &last_sent {
                None => true,
                Some((sent, at)) => {
                    at.elapsed() >= self.config.node_status_report_frequency || !same_status(sent, &status)
                }
            };
            if !due {
                continue;
            }
            let patch = serde_json::json!({"status": status});
            match nodes
                .patch_status(
                    &self.config.node_name,
                    &PatchParams::default(),
                    &Patch::Strategic(patch),
                )
                .await
            {
                Ok(_) => {
                    conditions = status.conditions.clone();
                    last_sent = Some((status, Instant::now()));
                }
                Err(e) => tracing::warn!(error = %e, "error updating node status; will retry"),
            }
        }
    }

    /// Keeps the node's Lease renewed. Runs until the task is dropped.
    pub async fn run_lease(self: Arc<Self>, node_uid: String) {
        let leases: Api<Lease> = Api::namespaced(self.client.clone(), LEASE_NAMESPACE);
        let interval = self.config.lease_renew_interval();
        loop {
            if let Err(e) = self.renew_lease(&leases, &node_uid).await {
                tracing::warn!(error = %format!("{e:#}"), "failed to renew the node lease; will retry");
                // Upstream retries a failed renewal sooner (200 ms doubling up to 7 s); keep it simple:
                tokio::time::sleep(Duration::from_millis(500).min(interval)).await;
                continue;
            }
            tokio::time::sleep(interval).await;
        }
    }

    async fn renew_lease(&self, leases: &Api<Lease>, node_uid: &str) -> anyhow::Result<()> {
        let name = &self.config.node_name;
        let spec = LeaseSpec {
            holder_identity: Some(name.clone()),
            lease_duration_seconds: Some(self.config.node_lease_duration_seconds as i32),
            renew_time: Some(MicroTime(Timestamp::now())),
            ..Default::default()
        };
        match leases.get_opt(name).await.context("reading the lease")? {
            Some(mut lease) => {
                lease.spec = Some(LeaseSpec {
                    lease_transitions: lease.spec.as_ref().and_then(|s| s.lease_transitions),
                    acquire_time: lease.spec.as_ref().and_then(|s| s.acquire_time.clone()),
                    ..spec
                });
                leases
                    .replace(name, &PostParams::default(), &lease)
                    .await
                    .context("updating the lease")?;
            }
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(name.clone()),
                        namespace: Some(LEASE_NAMESPACE.into()),
                        owner_references: Some(vec![OwnerReference {
                            api_version: "v1".into(),
                            kind: "Node".into(),
                            name: name.clone(),
                            uid: node_uid.to_string(),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    },
                    spec: Some(spec),
                };
                leases
                    .create(&PostParams::default(), &lease)
                    .await
                    .context("creating the lease")?;
            }
        }
        Ok(())
    }
}

/// Whether two statuses differ only in heartbeat times.
fn same_status(a: &NodeStatus, b: &NodeStatus) -> bool {
    let strip = |s: &NodeStatus| {
        let mut s = s.clone();
        for c in s.conditions.iter_mut().flatten() {
            c.last_heartbeat_time = None;
        }
        s
    };
    strip(a) == strip(b)
}

/// The node's InternalIP: `--node-ip`, or the source address of the route to the outside world (the
/// address the host would use), or loopback on a machine without one.
pub fn node_ip(config: &Config) -> IpAddr {
    if let Some(ip) = config.node_ip {
        return ip;
    }
    std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| {
            s.connect("192.0.2.1:9")?;
            s.local_addr()
        })
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_quantities_or_percentages() {
        assert_eq!(threshold_bytes(Some(&"100Mi".to_string()), 1 << 40), 100 << 20);
        assert_eq!(threshold_bytes(Some(&"10%".to_string()), 1000), 100);
        assert_eq!(threshold_bytes(None, 1000), 0);
        assert_eq!(threshold_bytes(Some(&"junk".to_string()), 1000), 0);
    }

    #[test]
    fn heartbeat_times_alone_are_no_change() {
        let t1 = Timestamp::from_second(1_000).unwrap();
        let t2 = Timestamp::from_second(2_000).unwrap();
        let mut a = NodeStatus {
            conditions: Some(vec![condition("Ready", true, "KubeletReady", "m", &t1)]),
            ..Default::default()
        };
        let mut b = a.clone();
        b.conditions.as_mut().unwrap()[0].last_heartbeat_time = Some(Time(t2));
        assert!(same_status(&a, &b));
        a.conditions.as_mut().unwrap()[0].status = "False".into();
        assert!(!same_status(&a, &b));
    }

    #[test]
    fn machine_facts_come_from_the_host() {
        let m = Machine::probe(Path::new("/nonexistent/kubelet"));
        assert!(m.cpus >= 1);
        assert!(m.memory_bytes > 0);
        assert!(m.storage_bytes > 0, "the nearest existing parent's filesystem");
        assert!(!m.kernel_version.is_empty());
        assert_eq!(m.boot_id.len(), 36);
    }
}
