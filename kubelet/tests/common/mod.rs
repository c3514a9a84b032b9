//! The one-node cluster the kubelet tests run on (etcd-shim, kube-apiserver, containerd, this kubelet).

pub use ferrokube_e2e::kubelet::NodeCluster as Cluster;
