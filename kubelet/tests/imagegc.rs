//! Image garbage collection on a real containerd: with `imageGCHighThresholdPercent: 1` (always above
//! the threshold), `imageGCLowThresholdPercent: 0` and `imageMinimumGCAge: 0s`, the first pass removes an
//! image no container uses and keeps the one a running pod uses and the sandbox image.

mod common;

use std::time::Duration;

use ferrokube_images::{BUSYBOX_IMAGE, Image, PAUSE_IMAGE};
use ferrokube_kubelet::cri::Runtime;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::PostParams;
use serde_json::json;

const UNUSED: &str = "ferrokube.local/gc-probe:1";

async fn tags(rt: &Runtime) -> Vec<String> {
    rt.list_images(None)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|i| i.repo_tags)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_images_are_collected_above_the_threshold() {
    let c = common::Cluster::start(
        "imageGCHighThresholdPercent: 1\nimageGCLowThresholdPercent: 0\nimageMinimumGCAge: 0s\n",
        &[],
    )
    .await;
    let rt = common::cri(&c).await;
    // An image of its own digest that nothing uses.
    let mut probe = Image::new(UNUSED);
    probe.file("/probe", 0o644, b"collect me".to_vec());
    let archive = c.dir.path().join("probe.tar");
    std::fs::write(&archive, probe.oci_archive().unwrap()).unwrap();
    ferrokube_images::import(&c.runtime.address(), &archive).unwrap();
    assert!(tags(&rt).await.iter().any(|t| t == UNUSED));

    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    pods.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "user"}, "spec": {
            "nodeName": c.name, "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "main", "image": BUSYBOX_IMAGE, "command": ["sleep", "3600"]}],
        }}))
        .unwrap(),
    )
    .await
    .unwrap();
    let left = c
        .wait(Duration::from_secs(40), "the unused image collected", || async {
            let t = tags(&rt).await;
            (!t.iter().any(|t| t == UNUSED)).then_some(t)
        })
        .await;
    assert!(
        left.iter().any(|t| t == BUSYBOX_IMAGE),
        "the image in use stays: {left:?}"
    );
    assert!(
        left.iter().any(|t| t == PAUSE_IMAGE),
        "the sandbox image stays: {left:?}"
    );
    assert!(c.log().contains("removed an unused image"), "{}", c.log());
}
