//! The core (`""`) group: defaulting and validation of Pods, Services, ConfigMaps, Secrets,
//! Namespaces, Nodes, ServiceAccounts, PersistentVolumes and claims, Events and the rest.

pub mod config;
pub mod pod;
pub mod pod_defaults;
pub mod service;

use ferrokube_apimachinery::status::field::{self, Error, Path};
use serde_json::{Value, json};

use crate::formats::NameRule;
use crate::meta::{self, nonnegative_at, validate_object_meta};
use crate::value::{Obj, arr_at, at, child, default, default_str, each, existing, str_at};

/// Defaults a core-group object of `kind`.
pub fn defaults(kind: &str, obj: &mut Value) {
    match kind {
        "Pod" => pod_defaults::default_pod(obj),
        "PodTemplate" => {
            if let Some(t) = obj.as_object_mut().and_then(|o| child(o, "template")) {
                pod_defaults::default_pod_template(t);
            }
        }
        "ReplicationController" => default_replication_controller(obj),
        "Service" => service::default_service(obj),
        "Secret" => config::default_secret(obj),
        "Namespace" => default_namespace(obj),
        "PersistentVolumeClaim" => {
            let Some(o) = obj.as_object_mut() else { return };
            if let Some(spec) = child(o, "spec") {
                default_pvc_spec(spec);
            }
            if let Some(status) = child(o, "status") {
                default_str(status, "phase", "Pending");
            }
        }
        "PersistentVolume" => {
            let Some(o) = obj.as_object_mut() else { return };
            if let Some(spec) = child(o, "spec") {
                default_str(spec, "persistentVolumeReclaimPolicy", "Retain");
                default(spec, "volumeMode", json!("Filesystem"));
            }
            if let Some(status) = child(o, "status") {
                default_str(status, "phase", "Pending");
            }
        }
        "Node" => {
            let Some(status) = obj.as_object_mut().and_then(|o| existing(o, "status")) else {
                return;
            };
            if status.get("allocatable").is_none_or(Value::is_null)
                && let Some(capacity) = status.get("capacity").cloned()
            {
                status.insert("allocatable".into(), capacity);
            }
        }
        "Endpoints" => {
            let Some(o) = obj.as_object_mut() else { return };
            each(o, "subsets", |s| {
                each(s, "ports", |p| default_str(p, "protocol", "TCP"))
            });
        }
        "LimitRange" => default_limit_range(obj),
        _ => {}
    }
}

/// `SetDefaults_PersistentVolumeClaimSpec`.
pub fn default_pvc_spec(spec: &mut Obj) {
    default(spec, "volumeMode", json!("Filesystem"));
}

fn default_namespace(obj: &mut Value) {
    let name = str_at(obj, &["metadata", "name"]).to_string();
    let Some(o) = obj.as_object_mut() else { return };
    if !name.is_empty()
        && let Some(labels) = child(o, "metadata").and_then(|m| child(m, "labels"))
    {
        labels.insert("kubernetes.io/metadata.name".into(), json!(name));
    }
    if let Some(status) = existing(o, "status") {
        default_str(status, "phase", "Active");
    }
}

fn default_replication_controller(obj: &mut Value) {
    let template_labels = at(obj, &["spec", "template", "metadata", "labels"]).cloned();
    let Some(o) = obj.as_object_mut() else { return };
    if let Some(labels) = template_labels
        .as_ref()
        .and_then(Value::as_object)
        .filter(|l| !l.is_empty())
    {
        if let Some(spec) = child(o, "spec")
            && spec
                .get("selector")
                .and_then(Value::as_object)
                .is_none_or(Obj::is_empty)
        {
            spec.insert("selector".into(), Value::Object(labels.clone()));
        }
        if let Some(m) = child(o, "metadata")
            && m.get("labels").and_then(Value::as_object).is_none_or(Obj::is_empty)
        {
            m.insert("labels".into(), Value::Object(labels.clone()));
        }
    }
    if let Some(spec) = child(o, "spec") {
        default(spec, "replicas", json!(1));
        if let Some(t) = existing(spec, "template") {
            pod_defaults::default_pod_template(t);
        }
    }
}

fn default_limit_range(obj: &mut Value) {
    let Some(spec) = obj.as_object_mut().and_then(|o| existing(o, "spec")) else {
        return;
    };
    each(spec, "limits", |item| {
        if item.get("type").and_then(Value::as_str) != Some("Container") {
            return;
        }
        let max = item.get("max").and_then(Value::as_object).cloned().unwrap_or_default();
        if let Some(d) = child(item, "default") {
            for (k, v) in &max {
                d.entry(k.clone()).or_insert(v.clone());
            }
        }
        let defaults = item
            .get("default")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let min = item.get("min").and_then(Value::as_object).cloned().unwrap_or_default();
        if let Some(dr) = child(item, "defaultRequest") {
            for (k, v) in defaults.iter().chain(min.iter()) {
                dr.entry(k.clone()).or_insert(v.clone());
            }
        }
    });
}

/// Create-time validation of a core-group object; `None` for kinds without specific rules.
pub fn validate_create(kind: &str, obj: &Value) -> Option<Vec<Error>> {
    Some(match kind {
        "Pod" => pod::validate_pod_create(obj),
        "PodTemplate" => {
            let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
            let empty = Value::Null;
            errs.extend(pod::validate_pod_template(
                at(obj, &["template"]).unwrap_or(&empty),
                &Path::new("template"),
                &[],
            ));
            errs
        }
        "ReplicationController" => validate_replication_controller(obj),
        "Service" => service::validate_service(obj),
        "ConfigMap" => config::validate_config_map(obj),
        "Secret" => config::validate_secret(obj),
        "Namespace" => validate_namespace(obj),
        "ServiceAccount" => {
            let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
            for (i, s) in arr_at(obj, &["imagePullSecrets"]).iter().enumerate() {
                if str_at(s, &["name"]).is_empty() {
                    errs.push(field::required(
                        &Path::new("imagePullSecrets").index(i).child("name"),
                        "",
                    ));
                }
            }
            errs
        }
        "Node" => validate_node(obj),
        "PersistentVolumeClaim" => validate_pvc(obj),
        "PersistentVolume" => validate_pv(obj),
        "Event" => validate_event(obj),
        "Endpoints" => validate_object_meta(obj, true, NameRule::Subdomain),
        "ResourceQuota" | "LimitRange" => validate_object_meta(obj, true, NameRule::Subdomain),
        _ => return None,
    })
}

/// Update-time validation of a core-group object; `None` for kinds without specific rules.
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    Some(match kind {
        "Pod" => pod::validate_pod_update(new, old),
        "Service" => service::validate_service_update(new, old),
        "ConfigMap" => config::validate_config_map_update(new, old),
        "Secret" => config::validate_secret_update(new, old),
        "Namespace" => meta::validate_object_meta_update(new, old),
        "PersistentVolumeClaim" => {
            let mut errs = meta::validate_object_meta_update(new, old);
            errs.extend(validate_pvc_spec_update(new, old));
            errs.extend(
                validate_pvc(new)
                    .into_iter()
                    .filter(|e| !e.field.starts_with("metadata.")),
            );
            errs
        }
        "PersistentVolume" => {
            let mut errs = meta::validate_object_meta_update(new, old);
            errs.extend(
                validate_pv(new)
                    .into_iter()
                    .filter(|e| !e.field.starts_with("metadata.")),
            );
            if at(old, &["spec", "volumeMode"]).is_some() {
                errs.extend(meta::immutable(
                    at(new, &["spec", "volumeMode"]),
                    at(old, &["spec", "volumeMode"]),
                    &Path::new("volumeMode"),
                ));
            }
            errs
        }
        "Node" => {
            let mut errs = meta::validate_object_meta_update(new, old);
            errs.extend(
                validate_node(new)
                    .into_iter()
                    .filter(|e| !e.field.starts_with("metadata.")),
            );
            let (n, o) = (at(new, &["spec", "podCIDRs"]), at(old, &["spec", "podCIDRs"]));
            if o.and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
                errs.extend(meta::immutable(n, o, &Path::new("spec").child("podCIDRs")));
            }
            errs
        }
        "Event" => {
            let mut errs = meta::validate_object_meta_update(new, old);
            errs.extend(
                validate_event(new)
                    .into_iter()
                    .filter(|e| !e.field.starts_with("metadata.")),
            );
            errs
        }
        "ReplicationController" => {
            let mut errs = meta::validate_object_meta_update(new, old);
            errs.extend(
                validate_replication_controller(new)
                    .into_iter()
                    .filter(|e| !e.field.starts_with("metadata.")),
            );
            errs
        }
        _ => return None,
    })
}

/// Status-update validation of a core-group object; `None` for kinds without specific rules.
pub fn validate_status_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    Some(match kind {
        "Pod" => pod::validate_pod_status_update(new, old),
        "Namespace" => {
            let mut errs = meta::validate_object_meta_update(new, old);
            if at(new, &["metadata", "deletionTimestamp"]).is_none() && str_at(new, &["status", "phase"]) != "Active" {
                errs.push(field::invalid(
                    &Path::new("status").child("Phase"),
                    str_at(new, &["status", "phase"]),
                    "may only be 'Active' if `deletionTimestamp` is empty",
                ));
            }
            errs
        }
        _ => return None,
    })
}

fn validate_namespace(obj: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(obj, false, NameRule::Label);
    for f in arr_at(obj, &["spec", "finalizers"]) {
        let p = Path::new("spec").child("finalizers");
        errs.extend(meta::validate_kube_finalizer_name(f.as_str().unwrap_or(""), &p));
    }
    errs
}

fn validate_replication_controller(obj: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
    let sp = Path::new("spec");
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    errs.extend(nonnegative_at(spec, "replicas", &sp));
    errs.extend(nonnegative_at(spec, "minReadySeconds", &sp));
    let selector = crate::value::str_map(at(spec, &["selector"]));
    if selector.is_empty() {
        errs.push(field::required(&sp.child("selector"), ""));
    } else {
        errs.extend(meta::validate_labels(at(spec, &["selector"]), &sp.child("selector")));
    }
    match at(spec, &["template"]) {
        None => errs.push(field::required(&sp.child("template"), "")),
        Some(t) => {
            let labels = meta::labels_of(t);
            if !selector.is_empty()
                && !selector
                    .iter()
                    .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
            {
                errs.push(field::invalid(
                    &sp.child("template").child("metadata").child("labels"),
                    meta::bad(at(t, &["metadata", "labels"])),
                    "`selector` does not match template `labels`",
                ));
            }
            errs.extend(pod::validate_pod_template(t, &sp.child("template"), &[]));
            let rp = str_at(t, &["spec", "restartPolicy"]);
            if rp != "Always" {
                errs.push(field::not_supported(
                    &sp.child("template").child("spec").child("restartPolicy"),
                    rp,
                    &["Always"],
                ));
            }
        }
    }
    errs
}

fn validate_node(obj: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(obj, false, NameRule::Subdomain);
    for (i, t) in arr_at(obj, &["spec", "taints"]).iter().enumerate() {
        let p = Path::new("spec").child("taints").index(i);
        let key = str_at(t, &["key"]);
        errs.extend(
            crate::formats::is_qualified_name(key)
                .into_iter()
                .map(|m| field::invalid(&p.child("key"), key, m)),
        );
        let effect = str_at(t, &["effect"]);
        let valid = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
        if effect.is_empty() {
            errs.push(field::required(&p.child("effect"), ""));
        } else if !valid.contains(&effect) {
            errs.push(field::not_supported(&p.child("effect"), effect, &valid));
        }
    }
    errs
}

const ACCESS_MODES: [&str; 4] = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

fn validate_access_modes(spec: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let modes = arr_at(spec, &["accessModes"]);
    if modes.is_empty() {
        errs.push(field::required(
            &path.child("accessModes"),
            "at least 1 access mode is required",
        ));
    }
    for m in modes {
        let m = m.as_str().unwrap_or("");
        if !ACCESS_MODES.contains(&m) {
            errs.push(field::not_supported(&path.child("accessModes"), m, &ACCESS_MODES));
        }
    }
    errs
}

fn validate_pvc(obj: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
    let empty = Value::Null;
    errs.extend(validate_pvc_spec(
        at(obj, &["spec"]).unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errs
}

/// `ValidatePersistentVolumeClaimSpec` (access modes, storage request, volume mode).
pub fn validate_pvc_spec(spec: &Value, path: &Path) -> Vec<Error> {
    let mut errs = validate_access_modes(spec, path);
    let storage = path.child("resources").key("storage");
    match at(spec, &["resources", "requests", "storage"]) {
        None => errs.push(field::required(&storage, "")),
        Some(q) => match pod::quantity_of(q) {
            Some(q) if q.sign() <= 0 => errs.push(field::invalid(&storage, q.to_string(), "must be greater than zero")),
            Some(_) => {}
            None => errs.push(field::invalid(&storage, meta::bad(Some(q)), "must be a quantity")),
        },
    }
    if let Some(mode) = at(spec, &["volumeMode"]).and_then(Value::as_str)
        && mode != "Block"
        && mode != "Filesystem"
    {
        errs.push(field::not_supported(
            &path.child("volumeMode"),
            mode,
            &["Block", "Filesystem"],
        ));
    }
    if let Some(sel) = at(spec, &["selector"]) {
        errs.extend(meta::validate_label_selector(sel, &path.child("selector")));
    }
    errs
}

fn validate_pvc_spec_update(new: &Value, old: &Value) -> Vec<Error> {
    let mut errs = Vec::new();
    let (n, o) = (at(new, &["spec"]), at(old, &["spec"]));
    let mut munged_new = n.cloned().unwrap_or(json!({}));
    let mut munged_old = o.cloned().unwrap_or(json!({}));
    for m in [&mut munged_new, &mut munged_old] {
        if let Some(spec) = m.as_object_mut() {
            spec.remove("resources");
            spec.remove("volumeAttributesClassName");
            if o.is_some_and(|o| str_at(o, &["volumeName"]).is_empty()) {
                spec.remove("volumeName");
            }
        }
    }
    if !crate::value::semantic_eq(Some(&munged_new), Some(&munged_old)) {
        errs.push(field::forbidden(
            &Path::new("spec"),
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        ));
    }
    errs
}

fn validate_pv(obj: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(obj, false, NameRule::Subdomain);
    let sp = Path::new("spec");
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    errs.extend(validate_access_modes(spec, &sp));
    let cap = sp.child("capacity");
    if at(spec, &["capacity", "storage"]).is_none() {
        errs.push(field::required(&cap, ""));
    }
    let policy = str_at(spec, &["persistentVolumeReclaimPolicy"]);
    let valid = ["Delete", "Recycle", "Retain"];
    if !policy.is_empty() && !valid.contains(&policy) {
        errs.push(field::not_supported(
            &sp.child("persistentVolumeReclaimPolicy"),
            policy,
            &valid,
        ));
    }
    errs
}

fn validate_event(obj: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
    let ns = str_at(obj, &["metadata", "namespace"]);
    let involved_ns = str_at(obj, &["involvedObject", "namespace"]);
    if !involved_ns.is_empty() && involved_ns != ns {
        errs.push(field::invalid(
            &Path::new("involvedObject").child("namespace"),
            involved_ns,
            "does not match event.namespace",
        ));
    }
    let t = str_at(obj, &["type"]);
    if !t.is_empty() && t != "Normal" && t != "Warning" {
        errs.push(field::not_supported(&Path::new("type"), t, &["Normal", "Warning"]));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_defaults_and_name() {
        let mut ns = json!({"metadata": {"name": "team-a"}});
        defaults("Namespace", &mut ns);
        assert_eq!(
            ns["metadata"]["labels"],
            json!({"kubernetes.io/metadata.name": "team-a"})
        );
        let bad = json!({"metadata": {"name": "team.a"}});
        let errs = validate_create("Namespace", &bad).unwrap_or_default();
        assert!(
            errs[0]
                .to_string()
                .starts_with("metadata.name: Invalid value: \"team.a\": a lowercase RFC 1123 label")
        );
    }

    #[test]
    fn pvc_defaults_and_validation() {
        let mut pvc = json!({"metadata": {"name": "c", "namespace": "d"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
        defaults("PersistentVolumeClaim", &mut pvc);
        assert_eq!(pvc["spec"]["volumeMode"], "Filesystem");
        assert_eq!(pvc["status"], json!({"phase": "Pending"}));
        assert_eq!(validate_create("PersistentVolumeClaim", &pvc), Some(vec![]));
        let mut pv = json!({"metadata": {"name": "v"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/x"}}});
        defaults("PersistentVolume", &mut pv);
        assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
        assert_eq!(validate_create("PersistentVolume", &pv), Some(vec![]));
    }

    #[test]
    fn replication_controller_defaults_selector_from_template() {
        let mut rc = json!({"metadata": {"name": "r", "namespace": "d"}, "spec": {"template": {
            "metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        defaults("ReplicationController", &mut rc);
        assert_eq!(rc["spec"]["selector"], json!({"app": "x"}));
        assert_eq!(rc["spec"]["replicas"], 1);
        assert_eq!(validate_create("ReplicationController", &rc), Some(vec![]));
    }
}
