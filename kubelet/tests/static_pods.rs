//! Static pods on a real containerd: a manifest in `staticPodPath` runs while the apiserver is down, gets
//! its mirror pod (status included, its logs through kubectl) once the apiserver is back, without a
//! restart; an edited manifest replaces the pod and its mirror; a deleted mirror pod comes back; a
//! removed manifest stops the pod and deletes the mirror.

mod common;

use std::time::Duration;

use ferrokube_images::BUSYBOX_IMAGE;
use ferrokube_kubelet::cri::Runtime;
use ferrokube_kubelet::podconfig::POD_NAME_LABEL;
use ferrokube_kubelet::static_pods::CONFIG_MIRROR_ANNOTATION;
use ferrokube_proto::runtime::v1 as api;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::DeleteParams;

fn manifest(sleep: u32) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\n  labels: {{tier: control-plane}}\nspec:\n  \
         terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: {BUSYBOX_IMAGE}\n    \
         command: [sh, -c, \"echo static-hello; exec sleep {sleep}\"]\n"
    )
}

/// The running containers of pod `name`: their ids.
async fn running(rt: &Runtime, name: &str) -> Vec<String> {
    let filter = api::ContainerFilter {
        label_selector: [(POD_NAME_LABEL.to_string(), name.to_string())].into(),
        state: Some(api::ContainerStateValue {
            state: api::ContainerState::ContainerRunning as i32,
        }),
        ..Default::default()
    };
    rt.list_containers(Some(filter))
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

fn mirror_hash(p: &Pod) -> String {
    p.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(CONFIG_MIRROR_ANNOTATION))
        .cloned()
        .unwrap_or_default()
}

fn phase(p: &Pod) -> &str {
    p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_pods_run_without_an_apiserver_and_are_mirrored() {
    let manifests = tempfile::tempdir().unwrap();
    let mut c = common::Cluster::start(&format!("staticPodPath: {}\n", manifests.path().display()), &[]).await;
    let rt = common::cri(&c).await;
    let name = format!("static-web-{}", c.name);

    // No apiserver: the kubelet starts anyway and runs the manifest.
    c.kill_kubelet();
    c.api.kill9();
    std::fs::write(manifests.path().join("web.yaml"), manifest(3600)).unwrap();
    std::fs::write(manifests.path().join(".web.yaml.swp"), "not a pod").unwrap();
    c.start_kubelet();
    let first = c
        .wait(
            Duration::from_secs(30),
            "the static pod runs without an apiserver",
            || async {
                let ids = running(&rt, &name).await;
                (ids.len() == 1).then(|| ids[0].clone())
            },
        )
        .await;

    // The apiserver comes up: the mirror pod appears with the static pod's status; nothing restarts.
    c.api.restart().await.unwrap();
    let pods: Api<Pod> = Api::namespaced(c.api.client().await.unwrap(), "default");
    let mirror = c
        .wait(Duration::from_secs(40), "the mirror pod, Running", || async {
            pods.get_opt(&name)
                .await
                .ok()
                .flatten()
                .filter(|p| phase(p) == "Running")
        })
        .await;
    let hash = mirror_hash(&mirror);
    assert_eq!(hash.len(), 32, "config.mirror is the config hash");
    let owner = &mirror.metadata.owner_references.as_ref().expect("owned by the node")[0];
    assert_eq!((owner.kind.as_str(), owner.name.as_str()), ("Node", c.name.as_str()));
    assert_eq!(mirror.metadata.labels.as_ref().unwrap()["tier"], "control-plane");
    assert_eq!(
        running(&rt, &name).await,
        std::slice::from_ref(&first),
        "adopted, not restarted"
    );
    // `kubectl logs` of the mirror pod reads the static pod's container.
    let logs = std::process::Command::new("/usr/bin/kubectl")
        .env("KUBECONFIG", &c.api.kubeconfig)
        .args(["logs", &name])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&logs.stdout),
        "static-hello\n",
        "{}",
        String::from_utf8_lossy(&logs.stderr)
    );

    // A mirror pod deleted through the API comes back; the static pod keeps running.
    pods.delete(&name, &DeleteParams::default()).await.unwrap();
    c.wait(Duration::from_secs(20), "the mirror pod recreated", || async {
        pods.get_opt(&name)
            .await
            .ok()
            .flatten()
            .filter(|p| p.metadata.uid != mirror.metadata.uid && p.metadata.deletion_timestamp.is_none())
    })
    .await;
    assert_eq!(running(&rt, &name).await, std::slice::from_ref(&first));

    // An edited manifest is a new pod: the old container goes, a new one runs, the mirror follows.
    std::fs::write(manifests.path().join("web.yaml"), manifest(3601)).unwrap();
    let second = c
        .wait(
            Duration::from_secs(30),
            "the edited static pod replaces the old one",
            || async {
                let ids = running(&rt, &name).await;
                (ids.len() == 1 && ids[0] != first).then(|| ids[0].clone())
            },
        )
        .await;
    c.wait(
        Duration::from_secs(30),
        "the mirror pod of the edited manifest",
        || async {
            pods.get_opt(&name)
                .await
                .ok()
                .flatten()
                .filter(|p| !mirror_hash(p).is_empty() && mirror_hash(p) != hash && phase(p) == "Running")
        },
    )
    .await;
    assert_ne!(second, first);

    // The manifest goes: the pod stops and its mirror is deleted.
    std::fs::remove_file(manifests.path().join("web.yaml")).unwrap();
    c.wait(
        Duration::from_secs(30),
        "the static pod stopped and its mirror deleted",
        || async {
            let gone = running(&rt, &name).await.is_empty() && pods.get_opt(&name).await.ok()?.is_none();
            gone.then_some(())
        },
    )
    .await;
}
