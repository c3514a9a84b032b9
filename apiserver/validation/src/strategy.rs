//! Per-kind create and update preparation (`PrepareForCreate`, `PrepareForUpdate` of upstream's
//! registry strategies): status resets and carry-over, `metadata.generation`, and the kind-specific
//! touches (pod QoS class, namespace finalizers, job selectors, daemonset template generation).

use ferrokube_apimachinery::resources;
use serde_json::{Value, json};

use crate::core::{pod, service};
use crate::value::{Obj, arr_at, at, child, semantic_eq, str_at};

/// Kinds whose `metadata.generation` starts at 1 and is bumped when their spec changes.
const GENERATION_TRACKED: &[(&str, &str)] = &[
    ("", "Pod"),
    ("", "ReplicationController"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "IngressClass"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("resource.k8s.io", "DeviceClass"),
];

/// Whether upstream tracks `metadata.generation` for the kind (1 on create, +1 on spec change).
pub fn generation_tracked(group: &str, kind: &str) -> bool {
    GENERATION_TRACKED.contains(&(group, kind))
}

/// The status a kind's `PrepareForCreate` stores, as upstream serialises the reset status
/// (non-`omitempty` fields included); `None` when create keeps the client's status.
fn initial_status(group: &str, kind: &str, obj: &Value) -> Option<Value> {
    Some(match (group, kind) {
        ("", "Pod") => {
            let mut status = json!({"phase": "Pending"});
            if !arr_at(obj, &["spec", "schedulingGates"]).is_empty() {
                status["conditions"] = json!([{
                    "type": "PodScheduled", "status": "False", "lastProbeTime": null, "lastTransitionTime": null,
                    "reason": "SchedulingGated", "message": "Scheduling is blocked due to non-empty scheduling gates"
                }]);
            }
            status["qosClass"] = json!(pod::qos_class(obj));
            status
        }
        ("", "Service") | ("networking.k8s.io", "Ingress") => json!({"loadBalancer": {}}),
        ("", "Namespace") => json!({"phase": "Active"}),
        ("", "PersistentVolumeClaim") | ("", "PersistentVolume") => json!({"phase": "Pending"}),
        ("", "ReplicationController") | ("apps", "ReplicaSet") => json!({"replicas": 0}),
        ("", "ResourceQuota") => json!({}),
        ("apps", "Deployment") | ("batch", "Job") | ("batch", "CronJob") => json!({}),
        ("apps", "StatefulSet") => json!({"replicas": 0, "availableReplicas": 0}),
        ("apps", "DaemonSet") => json!({
            "currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0
        }),
        ("autoscaling", "HorizontalPodAutoscaler") => {
            if str_at(obj, &["apiVersion"]) == "autoscaling/v1" {
                json!({"currentReplicas": 0, "desiredReplicas": 0})
            } else {
                json!({"desiredReplicas": 0})
            }
        }
        ("policy", "PodDisruptionBudget") => {
            json!({"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0})
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            let stored: Vec<Value> = arr_at(obj, &["spec", "versions"])
                .iter()
                .filter(|v| at(v, &["storage"]).and_then(Value::as_bool) == Some(true))
                .take(1)
                .map(|v| json!(str_at(v, &["name"])))
                .collect();
            json!({"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": stored})
        }
        ("certificates.k8s.io", "CertificateSigningRequest") | ("apiregistration.k8s.io", "APIService") => json!({}),
        _ => return None,
    })
}

/// Whether the kind's `PrepareForCreate` replaces the client's status.
pub fn resets_status_on_create(group: &str, kind: &str) -> bool {
    initial_status(group, kind, &Value::Null).is_some()
}

fn has_status_subresource(group: &str, kind: &str) -> bool {
    resources::find_by_kind(group, kind).is_some_and(|r| r.subresource("status").is_some())
}

fn meta_mut(obj: &mut Value) -> Option<&mut Obj> {
    obj.as_object_mut().and_then(|o| child(o, "metadata"))
}

fn set_generation(obj: &mut Value, generation: i64) {
    if let Some(m) = meta_mut(obj) {
        if generation == 0 {
            m.remove("generation");
        } else {
            m.insert("generation".into(), json!(generation));
        }
    }
}

/// `PrepareForCreate`: resets status where upstream does, sets `metadata.generation` to 1 for
/// tracked kinds, and applies the kind's own preparation. Run after [`crate::defaults`] and
/// after the caller has set uid, creationTimestamp and a generated name.
pub fn prepare_for_create(group: &str, kind: &str, obj: &mut Value) {
    if let Some(m) = meta_mut(obj) {
        m.remove("deletionTimestamp");
        m.remove("deletionGracePeriodSeconds");
    }
    match (group, kind) {
        ("", "Namespace") => {
            if let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) {
                let finalizers = spec.entry("finalizers").or_insert(json!([]));
                if let Some(list) = finalizers.as_array_mut()
                    && !list.iter().any(|f| f == "kubernetes")
                {
                    list.push(json!("kubernetes"));
                } else if finalizers.is_null() {
                    *finalizers = json!(["kubernetes"]);
                }
            }
        }
        ("", "Service") => {
            let cluster_ip = at(obj, &["spec", "clusterIP"]).cloned();
            if let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec"))
                && let Some(ip) = cluster_ip.filter(|ip| ip.as_str().is_some_and(|s| !s.is_empty()))
                && spec
                    .get("clusterIPs")
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty)
            {
                spec.insert("clusterIPs".into(), json!([ip]));
            }
        }
        ("batch", "Job") if at(obj, &["spec", "manualSelector"]).and_then(Value::as_bool) != Some(true) => {
            generate_job_selector(obj);
        }
        ("apps", "DaemonSet") => {
            let key = "deprecated.daemonset.template.generation";
            let current = str_at(obj, &["metadata", "annotations", key])
                .parse::<i64>()
                .unwrap_or(0);
            if let Some(a) = meta_mut(obj).and_then(|m| child(m, "annotations")) {
                a.insert(key.into(), json!(current.max(1).to_string()));
            }
        }
        _ => {}
    }
    if let Some(status) = initial_status(group, kind, obj)
        && let Some(o) = obj.as_object_mut()
    {
        o.insert("status".into(), status);
    }
    if generation_tracked(group, kind) {
        set_generation(obj, 1);
    }
}

fn generate_job_selector(obj: &mut Value) {
    let name = str_at(obj, &["metadata", "name"]).to_string();
    let uid = str_at(obj, &["metadata", "uid"]).to_string();
    if uid.is_empty() {
        return;
    }
    let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) else {
        return;
    };
    if let Some(labels) = child(spec, "template")
        .and_then(|t| child(t, "metadata"))
        .and_then(|m| child(m, "labels"))
    {
        for key in [
            "batch.kubernetes.io/controller-uid",
            "batch.kubernetes.io/job-name",
            "controller-uid",
            "job-name",
        ] {
            let value = if key.ends_with("uid") { &uid } else { &name };
            labels.entry(key.to_string()).or_insert(json!(value));
        }
        labels.sort_keys();
    }
    if let Some(match_labels) = child(spec, "selector").and_then(|s| child(s, "matchLabels")) {
        match_labels
            .entry("batch.kubernetes.io/controller-uid".to_string())
            .or_insert(json!(uid));
    }
}

/// `PrepareForUpdate` of a main-resource update: the stored status is kept for kinds with a
/// status subresource, `metadata.generation` is set to the stored one (plus one for tracked kinds
/// whose spec changed — callers must not bump it again), and the kind's own carry-overs apply.
pub fn prepare_for_update(group: &str, kind: &str, new: &mut Value, old: &Value) {
    if has_status_subresource(group, kind)
        && let Some(o) = new.as_object_mut()
    {
        match at(old, &["status"]) {
            Some(s) => o.insert("status".into(), s.clone()),
            None => o.remove("status"),
        };
    }
    match (group, kind) {
        ("", "Namespace") => {
            let finalizers = at(old, &["spec", "finalizers"]).cloned();
            if let Some(spec) = new.as_object_mut().and_then(|o| child(o, "spec")) {
                match finalizers {
                    Some(f) => spec.insert("finalizers".into(), f),
                    None => spec.remove("finalizers"),
                };
            }
        }
        ("", "Service") => service::carry_over_allocated(new, old),
        ("apps", "DaemonSet") => {
            let key = "deprecated.daemonset.template.generation";
            let old_gen = str_at(old, &["metadata", "annotations", key])
                .parse::<i64>()
                .unwrap_or(1);
            let changed = !semantic_eq(at(new, &["spec", "template"]), at(old, &["spec", "template"]));
            let next = if changed { old_gen + 1 } else { old_gen };
            if let Some(a) = meta_mut(new).and_then(|m| child(m, "annotations")) {
                a.insert(key.into(), json!(next.to_string()));
            }
        }
        _ => {}
    }
    let old_gen = at(old, &["metadata", "generation"])
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let mut generation = old_gen;
    if generation_tracked(group, kind) {
        let spec_key = match kind {
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => "webhooks",
            _ => "spec",
        };
        let mut changed = !semantic_eq(at(new, &[spec_key]), at(old, &[spec_key]));
        if kind == "Deployment" {
            changed |= !semantic_eq(
                at(new, &["metadata", "annotations"]),
                at(old, &["metadata", "annotations"]),
            );
        }
        if changed {
            generation += 1;
        }
    }
    set_generation(new, generation);
}

/// `PrepareForUpdate` of a `/status` update: everything but `status` and `metadata` comes from
/// the stored object, and the kind's own metadata resets apply.
pub fn prepare_for_status_update(group: &str, kind: &str, new: &mut Value, old: &Value) {
    let (Some(n), Some(o)) = (new.as_object_mut(), old.as_object()) else {
        return;
    };
    n.retain(|k, _| k == "status" || k == "metadata" || k == "apiVersion" || k == "kind");
    for (k, v) in o {
        if k != "status" && k != "metadata" && k != "apiVersion" && k != "kind" {
            n.insert(k.clone(), v.clone());
        }
    }
    let keep: &[&str] = match (group, kind) {
        ("", "Pod") => &["ownerReferences", "deletionTimestamp"],
        ("apps", _) | ("", "ReplicationController") => &["labels"],
        _ => &[],
    };
    if let Some(m) = child(n, "metadata") {
        for key in keep {
            match at(old, &["metadata", key]) {
                Some(v) => m.insert((*key).to_string(), v.clone()),
                None => m.remove(*key),
            };
        }
    }
    let old_gen = at(old, &["metadata", "generation"])
        .and_then(Value::as_i64)
        .unwrap_or(0);
    set_generation(new, old_gen);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_create_resets_status_with_qos() {
        let mut p = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i",
            "resources": {"requests": {"cpu": "1"}}}]}, "status": {"phase": "Running"}});
        prepare_for_create("", "Pod", &mut p);
        assert_eq!(p["status"], json!({"phase": "Pending", "qosClass": "Burstable"}));
        assert_eq!(p["metadata"]["generation"], 1);
    }

    #[test]
    fn namespace_create_and_update() {
        let mut ns = json!({"metadata": {"name": "a"}});
        prepare_for_create("", "Namespace", &mut ns);
        assert_eq!(ns["spec"], json!({"finalizers": ["kubernetes"]}));
        assert_eq!(ns["status"], json!({"phase": "Active"}));
        assert!(ns["metadata"].get("generation").is_none());
        let mut new =
            json!({"metadata": {"name": "a"}, "spec": {"finalizers": []}, "status": {"phase": "Terminating"}});
        prepare_for_update("", "Namespace", &mut new, &ns);
        assert_eq!(new["spec"], ns["spec"]);
        assert_eq!(new["status"], ns["status"]);
    }

    #[test]
    fn deployment_generation_bumps_on_spec_change_only() {
        let old =
            json!({"metadata": {"name": "d", "generation": 3}, "spec": {"replicas": 1}, "status": {"replicas": 1}});
        let mut same = json!({"metadata": {"name": "d", "labels": {"a": "b"}}, "spec": {"replicas": 1}});
        prepare_for_update("apps", "Deployment", &mut same, &old);
        assert_eq!(same["metadata"]["generation"], 3);
        assert_eq!(same["status"], json!({"replicas": 1}));
        let mut scaled = json!({"metadata": {"name": "d"}, "spec": {"replicas": 2}});
        prepare_for_update("apps", "Deployment", &mut scaled, &old);
        assert_eq!(scaled["metadata"]["generation"], 4);
    }

    #[test]
    fn status_update_keeps_spec() {
        let old = json!({"metadata": {"name": "d", "generation": 2, "labels": {"a": "1"}}, "spec": {"replicas": 1}});
        let mut new = json!({"metadata": {"name": "d", "labels": {"a": "2"}}, "spec": {"replicas": 5}, "status": {"replicas": 1}});
        prepare_for_status_update("apps", "Deployment", &mut new, &old);
        assert_eq!(new["spec"]["replicas"], 1);
        assert_eq!(new["status"]["replicas"], 1);
        assert_eq!(new["metadata"]["labels"]["a"], "1");
        assert_eq!(new["metadata"]["generation"], 2);
    }

    #[test]
    fn job_selector_is_generated() {
        let mut job = json!({"metadata": {"name": "pi", "uid": "u1"}, "spec": {"template": {"spec": {}}}});
        prepare_for_create("batch", "Job", &mut job);
        assert_eq!(
            job["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}})
        );
        assert_eq!(job["spec"]["template"]["metadata"]["labels"]["job-name"], "pi");
        assert_eq!(job["status"], json!({}));
    }
}
