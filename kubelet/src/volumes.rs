//! Pod volumes on the node, under `<root-dir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>` as
//! upstream lays them out, and the CRI mounts that put them into containers.
//!
//! - `emptyDir`: a directory; `medium: Memory` is a tmpfs sized by `sizeLimit` (else half the node's
//!   memory, as upstream's default).
//! - `hostPath`: the path itself, checked by `type` (`DirectoryOrCreate` and `FileOrCreate` create it).
//! - `configMap`, `secret`, `downwardAPI`, `projected`: files written by the atomic writer: the payload
//!   goes into a fresh `..<timestamp>` directory, `..data` is switched to it by renaming a symlink, and
//!   each top-level name is a symlink through `..data`, so a reader never sees half an update. They are
//!   written again on every sync, and only change on disk when the payload did.
//!   `serviceAccountToken` projections are skipped with a warning (no TokenRequest API yet).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ferrokube_proto::runtime::v1 as api;
use k8s_openapi::api::core::v1::{ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, Pod, Secret, Volume};
use kube::Api;

use crate::podconfig::{self, NodeContext};

const DEFAULT_MODE: u32 = 0o644;

/// A file of a volume's payload: its path under the volume, contents and mode.
type Payload = BTreeMap<String, (Vec<u8>, u32)>;

/// The pod's directory under the kubelet's root.
pub fn pod_dir(root: &Path, uid: &str) -> PathBuf {
    root.join("pods").join(uid)
}

fn volume_dir(root: &Path, uid: &str, plugin: &str, name: &str) -> PathBuf {
    pod_dir(root, uid)
        .join("volumes")
        .join(format!("kubernetes.io~{plugin}"))
        .join(name)
}

/// Sets up every volume of the pod; the host path of each, by volume name. An error is the message of
/// the container's `CreateContainerConfigError`.
pub async fn prepare(
    client: &kube::Client,
    node: &NodeContext,
    pod: &Pod,
    pod_ip: &str,
) -> Result<BTreeMap<String, PathBuf>, String> {
    let root = &node.root_dir;
    let uid = podconfig::uid(pod);
    let ns = podconfig::namespace(pod);
    let mut out = BTreeMap::new();
    for v in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
        // hostPath volumes (direct or through a PersistentVolume) keep their owner, as upstream's hostPath
        // plugin does not manage ownership.
        let mut owned = v.host_path.is_none();
        let path = if let Some(e) = &v.empty_dir {
            let dir = volume_dir(root, uid, "empty-dir", &v.name);
            std::fs::create_dir_all(&dir).map_err(|e| format!("emptyDir {}: {e}", v.name))?;
            set_mode(&dir, 0o777);
            if e.medium.as_deref() == Some("Memory") && !is_mount_point(&dir) {
                let size = e
                    .size_limit
                    .as_ref()
                    .and_then(|q| ferrokube_apimachinery::quantity::Quantity::parse(&q.0).ok())
                    .map(|q| q.value().to_string())
                    .unwrap_or_else(|| "50%".to_string());
                let status = std::process::Command::new("mount")
                    .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0777"), "tmpfs"])
                    .arg(&dir)
                    .status()
                    .map_err(|e| format!("emptyDir {}: mounting tmpfs: {e}", v.name))?;
                if !status.success() {
                    return Err(format!("emptyDir {}: mounting tmpfs failed", v.name));
                }
            }
            dir
        } else if let Some(h) = &v.host_path {
            host_path(&h.path, h.type_.as_deref().unwrap_or(""))?;
            PathBuf::from(&h.path)
        } else if v.config_map.is_some() || v.secret.is_some() || v.downward_api.is_some() || v.projected.is_some() {
            let (plugin, payload) = payload(client, ns, pod, node, pod_ip, v).await?;
            let dir = volume_dir(root, uid, plugin, &v.name);
            write_atomically(&dir, &payload).map_err(|e| format!("volume {}: writing files: {e}", v.name))?;
            dir
        } else if let Some(claim) = &v.persistent_volume_claim {
            let (path, host) = claimed_path(client, ns, &claim.claim_name).await?;
            owned = !host;
            path
        } else {
            return Err(format!(
                "volume {}: this volume type is not supported by this kubelet",
                v.name
            ));
        };
        // fsGroup owns the volumes the kubelet makes (not hostPath), group-writable, setgid on
        // directories, as upstream's SetVolumeOwnership does.
        if let Some(group) = pod
            .spec
            .as_ref()
            .and_then(|s| s.security_context.as_ref())
            .and_then(|s| s.fs_group)
            && owned
        {
            set_ownership(&path, group as u32);
        }
        out.insert(v.name.clone(), path);
    }
    Ok(out)
}

/// The directory a PersistentVolumeClaim stands for: the claim must be Bound to a PersistentVolume that
/// claims it back, of type hostPath (checked by its type) or local (which must exist). The flag says
/// whether it is a hostPath.
async fn claimed_path(client: &kube::Client, ns: &str, claim: &str) -> Result<(PathBuf, bool), String> {
    use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
    let pvc = kube::Api::<PersistentVolumeClaim>::namespaced(client.clone(), ns)
        .get_opt(claim)
        .await
        .map_err(|e| format!("error reading persistentvolumeclaim {ns}/{claim}: {e}"))?
        .ok_or_else(|| format!("persistentvolumeclaim \"{claim}\" not found"))?;
    let volume = pvc
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.clone())
        .unwrap_or_default();
    let bound = pvc.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
    if volume.is_empty() || !bound {
        return Err(format!("PVC {ns}/{claim} is not bound"));
    }
    let pv = kube::Api::<PersistentVolume>::all(client.clone())
        .get_opt(&volume)
        .await
        .map_err(|e| format!("error reading persistentvolume {volume}: {e}"))?
        .ok_or_else(|| format!("persistentvolume \"{volume}\" not found"))?;
    let claim_ref = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
    let matches = claim_ref.is_some_and(|r| {
        r.name.as_deref() == Some(claim)
            && r.namespace.as_deref() == Some(ns)
            && r.uid.as_ref().is_none_or(|u| Some(u) == pvc.metadata.uid.as_ref())
    });
    if !matches {
        return Err(format!(
            "persistentvolume {volume} is not bound to claim {ns}/{claim} (its claimRef names another)"
        ));
    }
    let spec = pv.spec.unwrap_or_default();
    if let Some(h) = &spec.host_path {
        host_path(&h.path, h.type_.as_deref().unwrap_or(""))?;
        return Ok((PathBuf::from(&h.path), true));
    }
    if let Some(l) = &spec.local {
        let path = PathBuf::from(&l.path);
        if !path.exists() {
            return Err(format!("local volume {volume}: path {:?} does not exist", l.path));
        }
        return Ok((path, false));
    }
    Err(format!(
        "persistentvolume {volume}: only hostPath and local volumes are supported by this kubelet"
    ))
}

/// Checks (and for the `...OrCreate` types, creates) a hostPath by its type, with upstream's messages.
fn host_path(path: &str, kind: &str) -> Result<(), String> {
    let p = Path::new(path);
    let meta = std::fs::metadata(p).ok();
    use std::os::unix::fs::FileTypeExt;
    let ok = match kind {
        "" => true,
        "DirectoryOrCreate" => {
            if meta.is_none() {
                std::fs::create_dir_all(p).map_err(|e| format!("hostPath {path}: {e}"))?;
                set_mode(p, 0o755);
            }
            std::fs::metadata(p).is_ok_and(|m| m.is_dir())
        }
        "Directory" => meta.is_some_and(|m| m.is_dir()),
        "FileOrCreate" => {
            if meta.is_none() {
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| format!("hostPath {path}: {e}"))?;
                }
                std::fs::write(p, b"").map_err(|e| format!("hostPath {path}: {e}"))?;
                set_mode(p, 0o644);
            }
            std::fs::metadata(p).is_ok_and(|m| m.is_file())
        }
        "File" => meta.is_some_and(|m| m.is_file()),
        "Socket" => meta.is_some_and(|m| m.file_type().is_socket()),
        "CharDevice" => meta.is_some_and(|m| m.file_type().is_char_device()),
        "BlockDevice" => meta.is_some_and(|m| m.file_type().is_block_device()),
        other => return Err(format!("hostPath type {other:?} is not valid")),
    };
    if ok {
        Ok(())
    } else {
        let what = match kind {
            "Directory" | "DirectoryOrCreate" => "directory",
            "File" | "FileOrCreate" => "file",
            "Socket" => "socket",
            "CharDevice" => "character device",
            _ => "block device",
        };
        Err(format!("hostPath type check failed: {path} is not a {what}"))
    }
}

/// Gives `group` every file under `dir` (symlinks not followed), adds group read/write (and setgid on
/// directories).
fn set_ownership(dir: &Path, group: u32) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return;
    };
    if meta.file_type().is_symlink() {
        let _ = std::os::unix::fs::lchown(dir, None, Some(group));
        return;
    }
    let _ = std::os::unix::fs::chown(dir, None, Some(group));
    let mode = meta.mode() & 0o7777;
    let wanted = if meta.is_dir() { mode | 0o2070 } else { mode | 0o060 };
    if wanted != mode {
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(wanted));
    }
    if meta.is_dir()
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        for e in entries.flatten() {
            set_ownership(&e.path(), group);
        }
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}

fn is_mount_point(dir: &Path) -> bool {
    let target = dir.to_string_lossy();
    std::fs::read_to_string("/proc/self/mountinfo")
        .map(|m| m.lines().any(|l| l.split(' ').nth(4) == Some(&*target)))
        .unwrap_or(false)
}

/// Files of `data` picked by `items` (all keys when there are none), with modes.
fn select(
    what: &str,
    data: BTreeMap<String, Vec<u8>>,
    items: Option<&Vec<KeyToPath>>,
    default_mode: Option<i32>,
    optional: bool,
) -> Result<Payload, String> {
    let default_mode = default_mode.map(|m| m as u32).unwrap_or(DEFAULT_MODE);
    let mut out = Payload::new();
    match items {
        None => {
            for (k, v) in data {
                out.insert(k, (v, default_mode));
            }
        }
        Some(items) => {
            for item in items {
                match data.get(&item.key) {
                    Some(v) => {
                        out.insert(
                            item.path.clone(),
                            (v.clone(), item.mode.map(|m| m as u32).unwrap_or(default_mode)),
                        );
                    }
                    None if optional => {}
                    None => return Err(format!("configuration error: {what} has no key {:?}", item.key)),
                }
            }
        }
    }
    Ok(out)
}

/// The files of a ConfigMap (data and binaryData) or, with `secret`, a Secret, picked by `items`; an
/// optional source that does not exist gives none.
async fn source_files(
    client: &kube::Client,
    ns: &str,
    secret: bool,
    name: &str,
    items: Option<&Vec<KeyToPath>>,
    mode: Option<i32>,
    optional: bool,
) -> Result<Payload, String> {
    let kind = if secret { "secret" } else { "configmap" };
    let data: Option<BTreeMap<String, Vec<u8>>> = if secret {
        let api: Api<Secret> = Api::namespaced(client.clone(), ns);
        api.get_opt(name).await.map_err(|e| e.to_string())?.map(|s| {
            s.data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.0))
                .chain(
                    s.string_data
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| (k, v.into_bytes())),
                )
                .collect()
        })
    } else {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        api.get_opt(name).await.map_err(|e| e.to_string())?.map(|cm| {
            cm.data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.into_bytes()))
                .chain(cm.binary_data.unwrap_or_default().into_iter().map(|(k, v)| (k, v.0)))
                .collect()
        })
    };
    match data {
        Some(data) => select(&format!("{kind} {name:?}"), data, items, mode, optional),
        None if optional => Ok(Payload::new()),
        None => Err(format!("{kind} \"{name}\" not found")),
    }
}

fn downward_files(
    pod: &Pod,
    node: &NodeContext,
    pod_ip: &str,
    items: &[DownwardAPIVolumeFile],
    mode: Option<i32>,
) -> Payload {
    let default_mode = mode.map(|m| m as u32).unwrap_or(DEFAULT_MODE);
    let mut out = Payload::new();
    for item in items {
        let value = if let Some(f) = &item.field_ref {
            match f.field_path.as_str() {
                // Whole maps as `key="value"` lines, sorted, as upstream writes them.
                "metadata.labels" | "metadata.annotations" => {
                    let map = if f.field_path == "metadata.labels" {
                        pod.metadata.labels.clone()
                    } else {
                        pod.metadata.annotations.clone()
                    };
                    map.unwrap_or_default()
                        .iter()
                        .map(|(k, v)| format!("{k}={}", ferrokube_apimachinery::status::go_quote(v)))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                path => podconfig::field_ref(pod, node, pod_ip, path).unwrap_or_default(),
            }
        } else if let Some(r) = &item.resource_field_ref {
            let container = pod
                .spec
                .iter()
                .flat_map(|s| s.containers.iter())
                .find(|c| Some(c.name.as_str()) == r.container_name.as_deref());
            match container {
                Some(c) => podconfig::resource_field(c, &r.resource, r.divisor.as_ref().map(|d| d.0.as_str())),
                None => String::new(),
            }
        } else {
            String::new()
        };
        out.insert(
            item.path.clone(),
            (value.into_bytes(), item.mode.map(|m| m as u32).unwrap_or(default_mode)),
        );
    }
    out
}

/// The files of a configMap, secret, downwardAPI or projected volume; the plugin name for its directory.
async fn payload(
    client: &kube::Client,
    ns: &str,
    pod: &Pod,
    node: &NodeContext,
    pod_ip: &str,
    v: &Volume,
) -> Result<(&'static str, Payload), String> {
    if let Some(cm) = &v.config_map {
        let files = source_files(
            client,
            ns,
            false,
            &cm.name,
            cm.items.as_ref(),
            cm.default_mode,
            cm.optional == Some(true),
        )
        .await?;
        return Ok(("configmap", files));
    }
    if let Some(s) = &v.secret {
        let name = s.secret_name.clone().unwrap_or_default();
        let files = source_files(
            client,
            ns,
            true,
            &name,
            s.items.as_ref(),
            s.default_mode,
            s.optional == Some(true),
        )
        .await?;
        return Ok(("secret", files));
    }
    if let Some(d) = &v.downward_api {
        return Ok((
            "downward-api",
            downward_files(pod, node, pod_ip, d.items.as_deref().unwrap_or(&[]), d.default_mode),
        ));
    }
    let mut out = Payload::new();
    if let Some(p) = &v.projected {
        for source in p.sources.iter().flatten() {
            let files = if let Some(cm) = &source.config_map {
                source_files(
                    client,
                    ns,
                    false,
                    &cm.name,
                    cm.items.as_ref(),
                    p.default_mode,
                    cm.optional == Some(true),
                )
                .await?
            } else if let Some(s) = &source.secret {
                source_files(
                    client,
                    ns,
                    true,
                    &s.name,
                    s.items.as_ref(),
                    p.default_mode,
                    s.optional == Some(true),
                )
                .await?
            } else if let Some(d) = &source.downward_api {
                downward_files(pod, node, pod_ip, d.items.as_deref().unwrap_or(&[]), p.default_mode)
            } else {
                if source.service_account_token.is_some() {
                    tracing::warn!(
                        pod = %podconfig::log_dir_name(pod),
                        volume = %v.name,
                        "serviceAccountToken projection skipped: this cluster has no TokenRequest API yet"
                    );
                }
                Payload::new()
            };
            out.extend(files);
        }
    }
    Ok(("projected", out))
}

/// Writes `payload` into `dir` the way upstream's atomic writer does; nothing changes on disk when the
/// payload is what `..data` already holds.
pub fn write_atomically(dir: &Path, payload: &Payload) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    let data_link = dir.join("..data");
    if let Ok(current) = std::fs::read_link(&data_link)
        && same_payload(&dir.join(&current), payload)
    {
        return Ok(());
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let version = format!("..{stamp}");
    let staging = dir.join(&version);
    std::fs::create_dir_all(&staging)?;
    for (path, (bytes, mode)) in payload {
        let file = staging.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, bytes)?;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(*mode))?;
    }
    let tmp_link = dir.join("..data_tmp");
    let _ = std::fs::remove_file(&tmp_link);
    std::os::unix::fs::symlink(&version, &tmp_link)?;
    let old = std::fs::read_link(&data_link).ok();
    std::fs::rename(&tmp_link, &data_link)?;
    // Top-level names point through ..data; names no longer in the payload go.
    let tops: std::collections::BTreeSet<String> = payload
        .keys()
        .map(|p| p.split('/').next().unwrap_or(p).to_string())
        .collect();
    for top in &tops {
        let link = dir.join(top);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(Path::new("..data").join(top), &link)?;
        }
    }
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("..") && !tops.contains(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    if let Some(old) = old {
        let _ = std::fs::remove_dir_all(dir.join(old));
    }
    Ok(())
}

fn same_payload(current: &Path, payload: &Payload) -> bool {
    let mut count = 0;
    fn walk(base: &Path, dir: &Path, count: &mut usize, payload: &Payload) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !walk(base, &p, count, payload) {
                    return false;
                }
                continue;
            }
            let rel = p
                .strip_prefix(base)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_default();
            *count += 1;
            match payload.get(&rel) {
                Some((bytes, _)) if std::fs::read(&p).is_ok_and(|b| &b == bytes) => {}
                _ => return false,
            }
        }
        true
    }
    walk(current, current, &mut count, payload) && count == payload.len()
}

/// The CRI mounts of `container`'s volumeMounts.
pub fn mounts(container: &Container, volumes: &BTreeMap<String, PathBuf>) -> Result<Vec<api::Mount>, String> {
    let mut out = Vec::new();
    for m in container.volume_mounts.iter().flatten() {
        let host = volumes
            .get(&m.name)
            .ok_or_else(|| format!("unable to find volume {:?} for the mount at {}", m.name, m.mount_path))?;
        let mut host = host.clone();
        if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
            if sub.split('/').any(|p| p == "..") || sub.starts_with('/') {
                return Err(format!("subPath {sub:?} must be a relative path without '..'"));
            }
            host = host.join(sub);
            if std::fs::symlink_metadata(&host).is_err() {
                let _ = std::fs::create_dir_all(&host);
            }
        }
        let propagation = match m.mount_propagation.as_deref() {
            Some("HostToContainer") => api::MountPropagation::PropagationHostToContainer,
            Some("Bidirectional") => api::MountPropagation::PropagationBidirectional,
            _ => api::MountPropagation::PropagationPrivate,
        };
        out.push(api::Mount {
            container_path: m.mount_path.clone(),
            host_path: host.to_string_lossy().into_owned(),
            readonly: m.read_only.unwrap_or(false),
            propagation: propagation as i32,
            ..Default::default()
        });
    }
    Ok(out)
}

/// Removes the pod's directory, detaching tmpfs volumes first.
pub fn cleanup(root: &Path, uid: &str) {
    let dir = pod_dir(root, uid);
    if let Ok(mounts) = std::fs::read_to_string("/proc/self/mountinfo") {
        let prefix = dir.to_string_lossy().into_owned();
        for point in mounts
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .filter(|p| p.starts_with(&prefix))
        {
            let _ = std::process::Command::new("umount").args(["-l", point]).status();
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(files: &[(&str, &str)]) -> Payload {
        files
            .iter()
            .map(|(k, v)| (k.to_string(), (v.as_bytes().to_vec(), 0o644)))
            .collect()
    }

    #[test]
    fn the_atomic_writer_swaps_data_and_keeps_links() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("vol");
        write_atomically(&d, &payload(&[("a", "1"), ("sub/b", "2")])).unwrap();
        assert_eq!(std::fs::read_to_string(d.join("a")).unwrap(), "1");
        assert_eq!(std::fs::read_to_string(d.join("sub/b")).unwrap(), "2");
        assert_eq!(std::fs::read_link(d.join("a")).unwrap(), Path::new("..data/a"));
        let first = std::fs::read_link(d.join("..data")).unwrap();
        // Same payload: nothing changes.
        write_atomically(&d, &payload(&[("a", "1"), ("sub/b", "2")])).unwrap();
        assert_eq!(std::fs::read_link(d.join("..data")).unwrap(), first);
        // New payload: a new version, the old one and the dropped name gone.
        write_atomically(&d, &payload(&[("a", "3")])).unwrap();
        assert_eq!(std::fs::read_to_string(d.join("a")).unwrap(), "3");
        assert!(std::fs::symlink_metadata(d.join("sub")).is_err());
        assert!(!d.join(&first).exists());
    }

    #[test]
    fn host_path_types_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new/dir");
        host_path(p.to_str().unwrap(), "DirectoryOrCreate").unwrap();
        assert!(p.is_dir());
        let f = dir.path().join("f");
        host_path(f.to_str().unwrap(), "FileOrCreate").unwrap();
        assert!(f.is_file());
        let e = host_path(f.to_str().unwrap(), "Directory").unwrap_err();
        assert!(e.contains("is not a directory"), "{e}");
        assert!(host_path("/nonexistent", "File").is_err());
        assert!(host_path("/nonexistent", "").is_ok());
    }

    #[test]
    fn items_pick_keys_and_modes() {
        let data = BTreeMap::from([("k".to_string(), b"v".to_vec()), ("x".to_string(), b"y".to_vec())]);
        let items = vec![KeyToPath {
            key: "k".into(),
            path: "dir/file".into(),
            mode: Some(0o400),
            user: None,
        }];
        let p = select("configmap", data.clone(), Some(&items), None, false).unwrap();
        assert_eq!(p["dir/file"], (b"v".to_vec(), 0o400));
        assert_eq!(p.len(), 1);
        let missing = vec![KeyToPath {
            key: "nope".into(),
            path: "p".into(),
            mode: None,
            user: None,
        }];
        assert!(select("configmap", data.clone(), Some(&missing), None, false).is_err());
        assert!(
            select("configmap", data, Some(&missing), None, true)
                .unwrap()
                .is_empty()
        );
    }
}
