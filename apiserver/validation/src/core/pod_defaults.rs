//! Pod defaulting (`SetDefaults_Pod`, `SetDefaults_PodSpec`, containers, probes, volumes), also
//! applied to every pod template inside workloads.

use serde_json::{Value, json};

use crate::value::{Obj, child, default, default_int, default_str, each, existing};

/// Defaults a whole Pod object: the pod spec defaults plus what upstream's `SetDefaults_Pod`
/// adds only to Pods (requests copied from limits, `enableServiceLinks`, host-network ports).
pub fn default_pod(obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else { return };
    let Some(spec) = child(o, "spec") else { return };
    default_pod_spec(spec);
    for key in ["containers", "initContainers"] {
        each(spec, key, |c| {
            if let Some(resources) = existing(c, "resources") {
                default_requests_from_limits(resources);
            }
        });
    }
    default(spec, "enableServiceLinks", Value::Bool(true));
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for key in ["containers", "initContainers"] {
            each(spec, key, |c| {
                each(c, "ports", |p| {
                    let container_port = p.get("containerPort").and_then(Value::as_i64).unwrap_or(0);
                    default_int(p, "hostPort", container_port);
                })
            });
        }
    }
}

/// Defaults a pod template (`PodTemplateSpec`), as the generated defaulters of workloads do:
/// only the pod spec defaults, none of the Pod-only ones.
pub fn default_pod_template(template: &mut Obj) {
    if let Some(spec) = child(template, "spec") {
        default_pod_spec(spec);
    }
}

/// Defaults a `PodSpec` (`SetDefaults_PodSpec` and the defaults of everything inside it).
pub fn default_pod_spec(spec: &mut Obj) {
    default_str(spec, "dnsPolicy", "ClusterFirst");
    default_str(spec, "restartPolicy", "Always");
    default(spec, "securityContext", json!({}));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default_str(spec, "schedulerName", "default-scheduler");
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        each(spec, key, default_container);
    }
    each(spec, "volumes", default_volume);
}

fn default_container(c: &mut Obj) {
    if c.get("imagePullPolicy")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        let policy = if image_tag(image).as_deref() == Some("latest") {
            "Always"
        } else {
            "IfNotPresent"
        };
        c.insert("imagePullPolicy".into(), json!(policy));
    }
    default_str(c, "terminationMessagePath", "/dev/termination-log");
    default_str(c, "terminationMessagePolicy", "File");
    default(c, "resources", json!({}));
    each(c, "ports", |p| default_str(p, "protocol", "TCP"));
    each(c, "env", |e| {
        if let Some(field_ref) = existing(e, "valueFrom").and_then(|vf| existing(vf, "fieldRef")) {
            default_str(field_ref, "apiVersion", "v1");
        }
    });
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = existing(c, probe) {
            default_probe(p);
        }
    }
    if let Some(lifecycle) = existing(c, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(h) = existing(lifecycle, hook) {
                default_handler(h);
            }
        }
    }
}

/// `SetDefaults_Probe` plus its handler's defaults.
fn default_probe(p: &mut Obj) {
    default_int(p, "timeoutSeconds", 1);
    default_int(p, "periodSeconds", 10);
    default_int(p, "successThreshold", 1);
    default_int(p, "failureThreshold", 3);
    default_handler(p);
}

fn default_handler(h: &mut Obj) {
    if let Some(http) = existing(h, "httpGet") {
        default_str(http, "path", "/");
        default_str(http, "scheme", "HTTP");
    }
    if let Some(grpc) = existing(h, "grpc") {
        default(grpc, "service", json!(""));
    }
}

/// `SetDefaults_Pod`'s copy of limits into unset requests.
fn default_requests_from_limits(resources: &mut Obj) {
    let Some(limits) = resources.get("limits").and_then(Value::as_object).cloned() else {
        return;
    };
    if limits.is_empty() {
        return;
    }
    if let Some(requests) = child(resources, "requests") {
        for (k, v) in limits {
            requests.entry(k).or_insert(v);
        }
    }
}

const VOLUME_SOURCES: [&str; 30] = [
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

/// `SetDefaults_Volume` and the volume sources' defaulters.
fn default_volume(v: &mut Obj) {
    if !VOLUME_SOURCES.iter().any(|s| v.get(*s).is_some_and(|x| !x.is_null())) {
        v.insert("emptyDir".into(), json!({}));
    }
    for key in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(src) = existing(v, key) {
            default(src, "defaultMode", json!(420));
        }
    }
    if let Some(items) = existing(v, "downwardAPI") {
        each(items, "items", default_downward_item);
    }
    if let Some(projected) = existing(v, "projected") {
        each(projected, "sources", |s| {
            if let Some(t) = existing(s, "serviceAccountToken") {
                default(t, "expirationSeconds", json!(3600));
            }
            if let Some(d) = existing(s, "downwardAPI") {
                each(d, "items", default_downward_item);
            }
        });
    }
    if let Some(image) = existing(v, "image")
        && image.get("pullPolicy").and_then(Value::as_str).unwrap_or("").is_empty()
    {
        let reference = image.get("reference").and_then(Value::as_str).unwrap_or("");
        let policy = if image_tag(reference).as_deref() == Some("latest") {
            "Always"
        } else {
            "IfNotPresent"
        };
        image.insert("pullPolicy".into(), json!(policy));
    }
    if let Some(hp) = existing(v, "hostPath") {
        default(hp, "type", json!(""));
    }
    if let Some(iscsi) = existing(v, "iscsi") {
        default_str(iscsi, "iscsiInterface", "default");
    }
    if let Some(rbd) = existing(v, "rbd") {
        default_str(rbd, "pool", "rbd");
        default_str(rbd, "user", "admin");
        default_str(rbd, "keyring", "/etc/ceph/keyring");
    }
    if let Some(disk) = existing(v, "azureDisk") {
        default(disk, "cachingMode", json!("ReadWrite"));
        default(disk, "kind", json!("Shared"));
        default(disk, "fsType", json!("ext4"));
        default(disk, "readOnly", json!(false));
    }
    if let Some(sio) = existing(v, "scaleIO") {
        default_str(sio, "storageMode", "ThinProvisioned");
        default_str(sio, "fsType", "xfs");
    }
    if let Some(eph) = existing(v, "ephemeral")
        && let Some(spec) = existing(eph, "volumeClaimTemplate").and_then(|t| existing(t, "spec"))
    {
        super::default_pvc_spec(spec);
    }
}

fn default_downward_item(item: &mut Obj) {
    if let Some(fr) = existing(item, "fieldRef") {
        default_str(fr, "apiVersion", "v1");
    }
}

/// The tag of an image reference as upstream's `ParseImageName` reports it: `latest` when the
/// reference has neither tag nor digest, `None` for a digest-only or unparsable reference.
pub fn image_tag(image: &str) -> Option<String> {
    if image.is_empty() {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let tag = name[last_slash..].split_once(':').map(|(_, t)| t.to_string());
    match (tag, digest) {
        (Some(t), _) => Some(t),
        (None, Some(_)) => None,
        (None, None) => Some("latest".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags() {
        assert_eq!(image_tag("nginx").as_deref(), Some("latest"));
        assert_eq!(image_tag("nginx:1.25").as_deref(), Some("1.25"));
        assert_eq!(image_tag("localhost:5000/app").as_deref(), Some("latest"));
        assert_eq!(image_tag("localhost:5000/app:v1").as_deref(), Some("v1"));
        assert_eq!(image_tag("nginx@sha256:abc"), None);
        assert_eq!(image_tag(""), None);
    }

    #[test]
    fn minimal_pod_gets_upstream_defaults() {
        let mut pod = json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "nginx",
                "ports": [{"containerPort": 80}],
                "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                "livenessProbe": {"httpGet": {"port": 80}},
                "resources": {"limits": {"cpu": "1"}}}],
                "volumes": [{"name": "v"}, {"name": "s", "secret": {"secretName": "x"}}]}
        });
        default_pod(&mut pod);
        assert_eq!(
            pod["spec"],
            json!({
                "containers": [{"name": "c", "image": "nginx",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name", "apiVersion": "v1"}}}],
                    "livenessProbe": {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                        "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                    "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}},
                    "imagePullPolicy": "Always", "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File"}],
                "volumes": [{"name": "v", "emptyDir": {}}, {"name": "s", "secret": {"secretName": "x", "defaultMode": 420}}],
                "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
                "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler", "enableServiceLinks": true
            })
        );
    }

    #[test]
    fn tagged_images_default_to_if_not_present() {
        let mut pod = json!({"spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}});
        default_pod(&mut pod);
        assert_eq!(pod["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
        assert_eq!(pod["spec"]["containers"][0]["resources"], json!({}));
    }

    #[test]
    fn templates_get_only_pod_spec_defaults() {
        let mut t =
            json!({"spec": {"containers": [{"name": "c", "image": "x", "resources": {"limits": {"cpu": "1"}}}]}})
                .as_object()
                .cloned()
                .unwrap_or_default();
        default_pod_template(&mut t);
        assert!(t["spec"].get("enableServiceLinks").is_none());
        assert!(t["spec"]["containers"][0]["resources"].get("requests").is_none());
        assert_eq!(t["spec"]["restartPolicy"], "Always");
    }

    #[test]
    fn host_network_ports_get_host_ports() {
        let mut pod = json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 53}]}]}});
        default_pod(&mut pod);
        assert_eq!(pod["spec"]["containers"][0]["ports"][0]["hostPort"], 53);
    }
}
