//! The smaller groups: policy (PodDisruptionBudget), scheduling (PriorityClass), storage
//! (StorageClass, CSIDriver), coordination (Lease), certificates (CSR), events.k8s.io (Event),
//! discovery (EndpointSlice), node (RuntimeClass) and flowcontrol names.

use ferrokube_apimachinery::status::field::{self, Error, Path};
use ferrokube_apimachinery::validation::is_dns1123_label;
use serde_json::{Value, json};

use crate::formats::{NameRule, is_qualified_name, is_valid_percent};
use crate::meta::{self, bad, nonnegative, validate_label_selector, validate_object_meta};
use crate::value::{at, child, default, each, i64_at, semantic_eq, str_at};

/// Defaults an object of `group` and `kind`.
pub fn defaults(group: &str, kind: &str, obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else { return };
    match (group, kind) {
        ("scheduling.k8s.io", "PriorityClass") => default(o, "preemptionPolicy", json!("PreemptLowerPriority")),
        ("storage.k8s.io", "StorageClass") => {
            default(o, "reclaimPolicy", json!("Delete"));
            default(o, "volumeBindingMode", json!("Immediate"));
        }
        ("storage.k8s.io", "CSIDriver") => {
            if let Some(spec) = child(o, "spec") {
                default(spec, "attachRequired", json!(true));
                default(spec, "podInfoOnMount", json!(false));
                default(spec, "storageCapacity", json!(false));
                default(spec, "fsGroupPolicy", json!("ReadWriteOnceWithFSType"));
                default(spec, "requiresRepublish", json!(false));
                default(spec, "volumeLifecycleModes", json!(["Persistent"]));
                default(spec, "seLinuxMount", json!(false));
            }
        }
        ("discovery.k8s.io", "EndpointSlice") => each(o, "ports", |p| {
            default(p, "protocol", json!("TCP"));
            default(p, "name", json!(""));
        }),
        _ => {}
    }
}

fn name_rule(group: &str) -> NameRule {
    match group {
        "flowcontrol.apiserver.k8s.io" => NameRule::PathSegment,
        "certificates.k8s.io" => NameRule::Any,
        _ => NameRule::Subdomain,
    }
}

/// Create-time validation; `None` for kinds without specific rules.
pub fn validate_create(group: &str, kind: &str, obj: &Value) -> Option<Vec<Error>> {
    let namespaced = crate::namespaced(group, kind);
    let mut errs = match (group, kind) {
        ("flowcontrol.apiserver.k8s.io", _) | ("certificates.k8s.io", "CertificateSigningRequest") => {
            validate_object_meta(obj, namespaced, name_rule(group))
        }
        ("policy", "PodDisruptionBudget")
        | ("scheduling.k8s.io", "PriorityClass")
        | ("storage.k8s.io", "StorageClass")
        | ("coordination.k8s.io", "Lease")
        | ("events.k8s.io", "Event")
        | ("discovery.k8s.io", "EndpointSlice")
        | ("node.k8s.io", "RuntimeClass") => validate_object_meta(obj, namespaced, NameRule::Subdomain),
        _ => return None,
    };
    errs.extend(validate_body(group, kind, obj));
    Some(errs)
}

fn validate_body(group: &str, kind: &str, obj: &Value) -> Vec<Error> {
    let mut errs = Vec::new();
    let sp = Path::new("spec");
    match (group, kind) {
        ("policy", "PodDisruptionBudget") => {
            let min = at(obj, &["spec", "minAvailable"]);
            let max = at(obj, &["spec", "maxUnavailable"]);
            if min.is_some() && max.is_some() {
                errs.push(field::invalid(
                    &sp,
                    bad(at(obj, &["spec"])),
                    "minAvailable and maxUnavailable cannot be both set",
                ));
            }
            for (key, v) in [("minAvailable", min), ("maxUnavailable", max)] {
                let p = sp.child(key);
                match v {
                    Some(Value::String(s)) => {
                        errs.extend(
                            is_valid_percent(s)
                                .into_iter()
                                .map(|m| field::invalid(&p, s.as_str(), m)),
                        );
                        if s.trim_end_matches('%').parse::<i64>().is_ok_and(|n| n > 100) {
                            errs.push(field::invalid(&p, s.as_str(), "must not be greater than 100%"));
                        }
                    }
                    Some(v) => errs.extend(nonnegative(v.as_i64().unwrap_or(0), &p)),
                    None => {}
                }
            }
            if let Some(sel) = at(obj, &["spec", "selector"]) {
                errs.extend(validate_label_selector(sel, &sp.child("selector")));
            }
            if let Some(policy) = at(obj, &["spec", "unhealthyPodEvictionPolicy"]).and_then(Value::as_str) {
                let valid = ["AlwaysAllow", "IfHealthyBudget"];
                if !valid.contains(&policy) {
                    errs.push(field::not_supported(
                        &sp.child("unhealthyPodEvictionPolicy"),
                        policy,
                        &valid,
                    ));
                }
            }
        }
        ("scheduling.k8s.io", "PriorityClass") => {
            let name = str_at(obj, &["metadata", "name"]);
            let system = ["system-node-critical", "system-cluster-critical"];
            if name.starts_with("system-") && !system.contains(&name) {
                errs.push(field::forbidden(
                    &Path::new("metadata").child("name"),
                    "priority class names with 'system-' prefix are reserved",
                ));
            }
            let value = i64_at(obj, &["value"]).unwrap_or(0);
            if value > 1_000_000_000 && !system.contains(&name) {
                errs.push(field::forbidden(
                    &Path::new("value"),
                    "maximum allowed value of a user defined priority is 1000000000",
                ));
            }
            if let Some(p) = at(obj, &["preemptionPolicy"]).and_then(Value::as_str)
                && p != "PreemptLowerPriority"
                && p != "Never"
            {
                errs.push(field::not_supported(
                    &Path::new("preemptionPolicy"),
                    p,
                    &["Never", "PreemptLowerPriority"],
                ));
            }
        }
        ("storage.k8s.io", "StorageClass") => {
            let provisioner = str_at(obj, &["provisioner"]);
            let pp = Path::new("provisioner");
            if provisioner.is_empty() {
                errs.push(field::required(&pp, ""));
            } else {
                errs.extend(
                    is_qualified_name(&provisioner.to_lowercase())
                        .into_iter()
                        .map(|m| field::invalid(&pp, provisioner, m)),
                );
            }
            if let Some(p) = at(obj, &["reclaimPolicy"]).and_then(Value::as_str)
                && p != "Delete"
                && p != "Retain"
            {
                errs.push(field::not_supported(
                    &Path::new("reclaimPolicy"),
                    p,
                    &["Delete", "Retain"],
                ));
            }
            if let Some(m) = at(obj, &["volumeBindingMode"]).and_then(Value::as_str)
                && m != "Immediate"
                && m != "WaitForFirstConsumer"
            {
                errs.push(field::not_supported(
                    &Path::new("volumeBindingMode"),
                    m,
                    &["Immediate", "WaitForFirstConsumer"],
                ));
            }
        }
        ("coordination.k8s.io", "Lease") => {
            if let Some(d) = i64_at(obj, &["spec", "leaseDurationSeconds"])
                && d <= 0
            {
                errs.push(field::invalid(
                    &sp.child("leaseDurationSeconds"),
                    d,
                    "must be greater than 0",
                ));
            }
            if let Some(t) = i64_at(obj, &["spec", "leaseTransitions"]) {
                errs.extend(nonnegative(t, &sp.child("leaseTransitions")));
            }
        }
        ("certificates.k8s.io", "CertificateSigningRequest") => {
            if str_at(obj, &["spec", "request"]).is_empty() {
                errs.push(field::invalid(
                    &sp.child("request"),
                    "",
                    "PEM block type must be CERTIFICATE REQUEST",
                ));
            }
            let signer = str_at(obj, &["spec", "signerName"]);
            if signer.is_empty() {
                errs.push(field::required(&sp.child("signerName"), ""));
            } else if !signer.contains('/') {
                errs.push(field::invalid(
                    &sp.child("signerName"),
                    signer,
                    "must be a fully qualified domain and path of the form 'example.com/signer-name'",
                ));
            }
            if let Some(e) = i64_at(obj, &["spec", "expirationSeconds"])
                && e < 600
            {
                errs.push(field::invalid(
                    &sp.child("expirationSeconds"),
                    e,
                    "may not specify a duration less than 600 seconds (10 minutes)",
                ));
            }
        }
        ("events.k8s.io", "Event") => {
            for key in [
                "eventTime",
                "reportingController",
                "reportingInstance",
                "action",
                "reason",
            ] {
                if at(obj, &[key]).is_none_or(|v| v.as_str() == Some("")) {
                    errs.push(field::required(&Path::new(key), ""));
                }
            }
            let t = str_at(obj, &["type"]);
            if t != "Normal" && t != "Warning" {
                errs.push(field::invalid(
                    &Path::new("type"),
                    t,
                    "has invalid value: must be one of Normal, Warning",
                ));
            }
        }
        ("discovery.k8s.io", "EndpointSlice") => {
            let t = str_at(obj, &["addressType"]);
            let valid = ["FQDN", "IPv4", "IPv6"];
            if t.is_empty() {
                errs.push(field::required(&Path::new("addressType"), ""));
            } else if !valid.contains(&t) {
                errs.push(field::not_supported(&Path::new("addressType"), t, &valid));
            }
        }
        ("node.k8s.io", "RuntimeClass") => {
            let handler = str_at(obj, &["handler"]);
            let hp = Path::new("handler");
            if handler.is_empty() {
                errs.push(field::required(&hp, ""));
            } else {
                errs.extend(
                    is_dns1123_label(handler)
                        .into_iter()
                        .map(|m| field::invalid(&hp, handler, m)),
                );
            }
        }
        _ => {}
    }
    errs
}

/// Update-time validation; `None` for kinds without specific rules.
pub fn validate_update(group: &str, kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    validate_create(group, kind, new)?;
    let mut errs = meta::validate_object_meta_update(new, old);
    errs.extend(validate_body(group, kind, new));
    match (group, kind) {
        ("scheduling.k8s.io", "PriorityClass") => {
            if !semantic_eq(at(new, &["value"]), at(old, &["value"])) {
                errs.push(field::forbidden(
                    &Path::new("value"),
                    "may not be changed in an update.",
                ));
            }
            errs.extend(meta::immutable(
                at(new, &["preemptionPolicy"]),
                at(old, &["preemptionPolicy"]),
                &Path::new("preemptionPolicy"),
            ));
        }
        ("storage.k8s.io", "StorageClass") => {
            for (key, msg) in [
                ("parameters", "updates to parameters are forbidden."),
                ("provisioner", "updates to provisioner are forbidden."),
                ("reclaimPolicy", "updates to reclaimPolicy are forbidden."),
            ] {
                if !semantic_eq(at(new, &[key]), at(old, &[key])) {
                    errs.push(field::forbidden(&Path::new(key), msg));
                }
            }
            errs.extend(meta::immutable(
                at(new, &["volumeBindingMode"]),
                at(old, &["volumeBindingMode"]),
                &Path::new("volumeBindingMode"),
            ));
        }
        ("discovery.k8s.io", "EndpointSlice") => {
            errs.extend(meta::immutable(
                at(new, &["addressType"]),
                at(old, &["addressType"]),
                &Path::new("addressType"),
            ));
        }
        ("node.k8s.io", "RuntimeClass") => {
            errs.extend(meta::immutable(
                at(new, &["handler"]),
                at(old, &["handler"]),
                &Path::new("handler"),
            ));
        }
        _ => {}
    }
    Some(errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn storage_class_defaults_and_immutable_parameters() {
        let mut sc = json!({"metadata": {"name": "fast", "resourceVersion": "1"}, "provisioner": "example.com/disk", "parameters": {"type": "ssd"}});
        defaults("storage.k8s.io", "StorageClass", &mut sc);
        assert_eq!(sc["reclaimPolicy"], "Delete");
        assert_eq!(sc["volumeBindingMode"], "Immediate");
        assert_eq!(validate_create("storage.k8s.io", "StorageClass", &sc), Some(vec![]));
        let mut new = sc.clone();
        new["parameters"]["type"] = json!("hdd");
        assert_eq!(
            render(&validate_update("storage.k8s.io", "StorageClass", &new, &sc).unwrap_or_default()),
            vec!["parameters: Forbidden: updates to parameters are forbidden."]
        );
        let mut no_provisioner = sc.clone();
        no_provisioner.as_object_mut().map(|o| o.remove("provisioner"));
        assert_eq!(
            render(&validate_create("storage.k8s.io", "StorageClass", &no_provisioner).unwrap_or_default()),
            vec!["provisioner: Required value"]
        );
    }

    #[test]
    fn pdb_and_priority_class() {
        let pdb =
            json!({"metadata": {"name": "p", "namespace": "d"}, "spec": {"minAvailable": 1, "maxUnavailable": "150%"}});
        let r = render(&validate_create("policy", "PodDisruptionBudget", &pdb).unwrap_or_default());
        assert!(r[0].ends_with("minAvailable and maxUnavailable cannot be both set"));
        assert_eq!(
            r[1],
            "spec.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"
        );
        let mut pc = json!({"metadata": {"name": "high"}, "value": 1000});
        defaults("scheduling.k8s.io", "PriorityClass", &mut pc);
        assert_eq!(pc["preemptionPolicy"], "PreemptLowerPriority");
        assert_eq!(validate_create("scheduling.k8s.io", "PriorityClass", &pc), Some(vec![]));
    }
}
