//! Static pods: pod manifests in `staticPodPath` that the kubelet runs on its own, with or without an
//! apiserver (kubeadm's control plane starts this way). As upstream's file source does, each file holds one
//! pod; files whose names start with `.` are ignored; the pod is named `<name>-<node>`, defaults to the
//! `default` namespace, gets the node's name, a toleration of every NoExecute taint, and a UID hashed from
//! the manifest and the node (so an edited manifest is a new pod: the old one is stopped, the new one
//! started). Its annotations `kubernetes.io/config.hash`/`.source`/`.seen` say where it came from.
//!
//! Once the apiserver answers, each static pod is mirrored into the API as a *mirror pod* (annotation
//! `kubernetes.io/config.mirror` = the config hash, owned by the Node), which carries the status; a mirror
//! pod of an older manifest, or of a manifest that is gone, is deleted.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use k8s_openapi::api::core::v1::{Pod, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

pub const CONFIG_HASH_ANNOTATION: &str = "kubernetes.io/config.hash";
pub const CONFIG_SOURCE_ANNOTATION: &str = "kubernetes.io/config.source";
pub const CONFIG_SEEN_ANNOTATION: &str = "kubernetes.io/config.seen";
pub const CONFIG_MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// Whether a pod from the API is a mirror pod (the kubelet runs its static original, not it).
pub fn is_mirror(pod: &Pod) -> bool {
    pod.metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(CONFIG_MIRROR_ANNOTATION))
}

/// Whether a pod this kubelet runs came from a manifest file.
pub fn is_static(pod: &Pod) -> bool {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(CONFIG_SOURCE_ANNOTATION))
        .is_some_and(|s| s == "file")
}

/// A manifest that could not be used, and why (logged; the other files still run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadManifest {
    pub file: String,
    pub reason: String,
}

/// A 128-bit FNV-1a hash as 32 hex digits: the length of upstream's (MD5) config hashes.
fn hash_hex(parts: &[&[u8]]) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for part in parts {
        for b in part.iter().chain(&[0u8]) {
            h ^= u128::from(*b);
            h = h.wrapping_mul(0x0000000001000000000000000000013B);
        }
    }
    format!("{h:032x}")
}

/// Reads every manifest in `dir`: the pods, keyed by their UIDs, and the files that were refused.
pub fn load(dir: &Path, node: &str, seen: &str) -> (BTreeMap<String, Pod>, Vec<BadManifest>) {
    let mut pods = BTreeMap::new();
    let mut bad = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (pods, bad);
    };
    let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let file = path.display().to_string();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || !path.is_file() {
            continue;
        }
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) => {
                bad.push(BadManifest {
                    file,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        match manifest_pod(&text, node, seen) {
            Ok(pod) => {
                let uid = pod.metadata.uid.clone().unwrap_or_default();
                pods.insert(uid, pod);
            }
            Err(reason) => bad.push(BadManifest { file, reason }),
        }
    }
    (pods, bad)
}

/// The pod a manifest describes, as the kubelet runs it.
pub fn manifest_pod(text: &[u8], node: &str, seen: &str) -> Result<Pod, String> {
    let text = std::str::from_utf8(text).map_err(|_| "the manifest is not UTF-8".to_string())?;
    let value: serde_json::Value = serde_saphyr::from_str(text).map_err(|e| format!("invalid pod manifest: {e}"))?;
    if value["kind"].as_str() != Some("Pod") || value["apiVersion"].as_str() != Some("v1") {
        return Err(format!(
            "expected apiVersion v1, kind Pod; found apiVersion {}, kind {}",
            value["apiVersion"], value["kind"]
        ));
    }
    let mut pod: Pod = serde_json::from_value(value).map_err(|e| format!("invalid pod manifest: {e}"))?;
    let name = pod.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        return Err("metadata.name is required".into());
    }
    let spec = pod.spec.as_mut().ok_or("spec is required")?;
    if spec.containers.is_empty() {
        return Err("spec.containers: at least one container is required".into());
    }
    if spec.volumes.iter().flatten().any(|v| {
        v.secret.is_some() || v.config_map.is_some() || v.persistent_volume_claim.is_some() || v.projected.is_some()
    }) {
        return Err("static pods may not use secret, configMap, projected or persistentVolumeClaim volumes".into());
    }
    let uid = hash_hex(&[text.as_bytes(), node.as_bytes(), b"file"]);
    pod.metadata.name = Some(format!("{name}-{node}"));
    if pod.metadata.namespace.as_deref().unwrap_or("").is_empty() {
        pod.metadata.namespace = Some("default".into());
    }
    pod.metadata.uid = Some(uid.clone());
    pod.metadata.self_link = None;
    let annotations = pod.metadata.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert(CONFIG_HASH_ANNOTATION.into(), uid);
    annotations.insert(CONFIG_SOURCE_ANNOTATION.into(), "file".into());
    annotations.insert(CONFIG_SEEN_ANNOTATION.into(), seen.into());
    spec.node_name = Some(node.into());
    spec.tolerations.get_or_insert_with(Vec::new).push(Toleration {
        operator: Some("Exists".into()),
        effect: Some("NoExecute".into()),
        ..Default::default()
    });
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.scheduler_name.get_or_insert_with(|| "default-scheduler".into());
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        let latest = c
            .image
            .as_deref()
            .map(|i| {
                let last = i.rsplit('/').next().unwrap_or(i);
                !last.contains(':') && !i.contains('@') || last.ends_with(":latest")
            })
            .unwrap_or(false);
        c.image_pull_policy
            .get_or_insert_with(|| if latest { "Always" } else { "IfNotPresent" }.into());
        c.termination_message_path
            .get_or_insert_with(|| "/dev/termination-log".into());
        c.termination_message_policy.get_or_insert_with(|| "File".into());
    }
    pod.status = None;
    Ok(pod)
}

/// The mirror pod of a static pod: the same pod in the API, marked with its config hash and owned by the
/// node (when the Node exists).
pub fn mirror_of(pod: &Pod, node_uid: Option<&str>) -> Pod {
    let mut mirror = pod.clone();
    mirror.metadata.uid = None;
    mirror.metadata.resource_version = None;
    mirror.status = None;
    let hash = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(CONFIG_HASH_ANNOTATION))
        .cloned()
        .unwrap_or_default();
    mirror
        .metadata
        .annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(CONFIG_MIRROR_ANNOTATION.into(), hash);
    if let Some(uid) = node_uid {
        mirror.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "v1".into(),
            kind: "Node".into(),
            name: pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default(),
            uid: uid.into(),
            controller: None,
            block_owner_deletion: None,
        }]);
    }
    mirror
}

/// What to do in the API for the static pods `wanted` (by `namespace/name`), given the mirror pods
/// `existing` there (by `namespace/name`: their config.mirror hash and UID): mirrors to create, and
/// mirrors to delete (stale hash or no static pod), as (namespace, name, uid).
pub fn mirror_plan<'a>(
    wanted: &'a BTreeMap<String, Pod>,
    existing: &HashMap<(String, String), (String, String, bool)>,
) -> (Vec<&'a Pod>, Vec<(String, String, String)>) {
    let mut create = Vec::new();
    let mut delete = Vec::new();
    let mut keep = std::collections::HashSet::new();
    for pod in wanted.values() {
        let key = (
            pod.metadata.namespace.clone().unwrap_or_default(),
            pod.metadata.name.clone().unwrap_or_default(),
        );
        let hash = pod.metadata.uid.clone().unwrap_or_default();
        match existing.get(&key) {
            Some((h, _, deleting)) if *h == hash && !deleting => {
                keep.insert(key);
            }
            Some((_, uid, _)) => {
                delete.push((key.0.clone(), key.1.clone(), uid.clone()));
                keep.insert(key);
                create.push(pod);
            }
            None => {
                keep.insert(key);
                create.push(pod);
            }
        }
    }
    for ((ns, name), (_, uid, _)) in existing {
        if !keep.contains(&(ns.clone(), name.clone())) {
            delete.push((ns.clone(), name.clone(), uid.clone()));
        }
    }
    (create, delete)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n  namespace: kube-system\n\
                            spec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:3.5\n";

    #[test]
    fn manifests_become_node_pods_with_stable_hashes() {
        let pod = manifest_pod(MANIFEST.as_bytes(), "n1", "2026-01-01T00:00:00Z").unwrap();
        assert_eq!(pod.metadata.name.as_deref(), Some("etcd-n1"));
        assert_eq!(pod.metadata.namespace.as_deref(), Some("kube-system"));
        let uid = pod.metadata.uid.clone().unwrap();
        assert_eq!(uid.len(), 32);
        let a = pod.metadata.annotations.as_ref().unwrap();
        assert_eq!(a[CONFIG_HASH_ANNOTATION], uid);
        assert_eq!(a[CONFIG_SOURCE_ANNOTATION], "file");
        assert!(is_static(&pod) && !is_mirror(&pod));
        let spec = pod.spec.as_ref().unwrap();
        assert_eq!(spec.node_name.as_deref(), Some("n1"));
        assert_eq!(spec.containers[0].image_pull_policy.as_deref(), Some("IfNotPresent"));
        assert_eq!(
            spec.tolerations.as_ref().unwrap()[0].effect.as_deref(),
            Some("NoExecute")
        );
        // Same manifest, same node: same UID; edited or elsewhere: another.
        let again = manifest_pod(MANIFEST.as_bytes(), "n1", "later").unwrap();
        assert_eq!(again.metadata.uid.as_deref(), Some(uid.as_str()));
        let other = manifest_pod(MANIFEST.as_bytes(), "n2", "x").unwrap();
        assert_ne!(other.metadata.uid.as_deref(), Some(uid.as_str()));
        let edited = manifest_pod(MANIFEST.replace("3.5", "3.6").as_bytes(), "n1", "x").unwrap();
        assert_ne!(edited.metadata.uid.as_deref(), Some(uid.as_str()));

        let mirror = mirror_of(&pod, Some("node-uid"));
        assert!(is_mirror(&mirror));
        assert_eq!(
            mirror.metadata.annotations.as_ref().unwrap()[CONFIG_MIRROR_ANNOTATION],
            uid
        );
        assert_eq!(mirror.metadata.owner_references.as_ref().unwrap()[0].kind, "Node");
        assert!(mirror.metadata.uid.is_none());
    }

    #[test]
    fn bad_manifests_are_refused_with_reasons() {
        assert!(
            manifest_pod(b"kind: Service\napiVersion: v1\n", "n", "")
                .unwrap_err()
                .contains("kind Pod")
        );
        assert!(manifest_pod(b": : :", "n", "").is_err());
        let no_name = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: a, image: b}]\n";
        assert!(
            manifest_pod(no_name.as_bytes(), "n", "")
                .unwrap_err()
                .contains("metadata.name")
        );
        let secret = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b}]\n  volumes: [{name: s, secret: {secretName: x}}]\n";
        assert!(manifest_pod(secret.as_bytes(), "n", "").unwrap_err().contains("secret"));
        let latest =
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: busybox}]\n";
        let pod = manifest_pod(latest.as_bytes(), "n", "").unwrap();
        assert_eq!(
            pod.spec.unwrap().containers[0].image_pull_policy.as_deref(),
            Some("Always")
        );
    }

    #[test]
    fn directories_skip_hidden_files_and_report_bad_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("etcd.yaml"), MANIFEST).unwrap();
        std::fs::write(dir.path().join(".swap.yaml"), MANIFEST).unwrap();
        std::fs::write(dir.path().join("broken.yaml"), "kind: Pod").unwrap();
        let (pods, bad) = load(dir.path(), "n1", "");
        assert_eq!(pods.len(), 1);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].file.ends_with("broken.yaml"));
        assert!(load(&dir.path().join("missing"), "n1", "").0.is_empty());
    }

    #[test]
    fn mirror_plans_create_replace_and_remove() {
        let pod = manifest_pod(MANIFEST.as_bytes(), "n1", "").unwrap();
        let hash = pod.metadata.uid.clone().unwrap();
        let wanted: BTreeMap<String, Pod> = [(hash.clone(), pod)].into();
        let key = ("kube-system".to_string(), "etcd-n1".to_string());
        let (create, delete) = mirror_plan(&wanted, &HashMap::new());
        assert_eq!((create.len(), delete.len()), (1, 0));
        let current: HashMap<_, _> = [(key.clone(), (hash.clone(), "m1".to_string(), false))].into();
        let (create, delete) = mirror_plan(&wanted, &current);
        assert_eq!((create.len(), delete.len()), (0, 0));
        let stale: HashMap<_, _> = [(key.clone(), ("old".to_string(), "m1".to_string(), false))].into();
        let (create, delete) = mirror_plan(&wanted, &stale);
        assert_eq!(create.len(), 1);
        assert_eq!(delete, [(key.0.clone(), key.1.clone(), "m1".to_string())]);
        let none = BTreeMap::new();
        let (create, delete) = mirror_plan(&none, &current);
        assert_eq!((create.len(), delete.len()), (0, 1));
    }
}
