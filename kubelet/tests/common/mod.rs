//! The one-node cluster the kubelet tests run on (etcd-shim, kube-apiserver, containerd, this kubelet).

pub use ferrokube_e2e::kubelet::NodeCluster as Cluster;

/// A CRI client to the cluster's containerd, for checking what runs there.
#[allow(dead_code)] // not every test binary looks at the runtime
pub async fn cri(c: &Cluster) -> ferrokube_kubelet::cri::Runtime {
    ferrokube_kubelet::cri::Runtime::connect(
        &c.runtime.endpoint(),
        std::time::Duration::from_secs(10),
        std::sync::Arc::new(ferrokube_kubelet::cri::CriMetrics::new()),
    )
    .await
    .unwrap()
}
