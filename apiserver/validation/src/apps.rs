//! The `apps` group: Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision
//! defaulting and validation (`pkg/apis/apps/v1/defaults.go`, `pkg/apis/apps/validation`).

use ferrokube_apimachinery::status::field::{self, Error, Path};
use serde_json::{Value, json};

use crate::core::pod::validate_pod_template;
use crate::core::pod_defaults::default_pod_template;
use crate::core::{default_pvc_spec, validate_pvc_spec};
use crate::formats::{NameRule, is_valid_percent};
use crate::meta::{
    self, bad, immutable, labels_of, nonnegative, nonnegative_at, selector_is_empty, selector_of,
    validate_label_selector, validate_object_meta,
};
use crate::value::{Obj, arr_at, at, child, default, default_str, each, existing, i64_at, semantic_eq, str_at};

/// Defaults an `apps` object of `kind`.
pub fn defaults(kind: &str, obj: &mut Value) {
    let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) else {
        return;
    };
    match kind {
        "Deployment" => {
            default(spec, "replicas", json!(1));
            if let Some(strategy) = child(spec, "strategy") {
                default_str(strategy, "type", "RollingUpdate");
                if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
                    && let Some(ru) = child(strategy, "rollingUpdate")
                {
                    default(ru, "maxUnavailable", json!("25%"));
                    default(ru, "maxSurge", json!("25%"));
                }
            }
            default(spec, "revisionHistoryLimit", json!(10));
            default(spec, "progressDeadlineSeconds", json!(600));
        }
        "ReplicaSet" => default(spec, "replicas", json!(1)),
        "StatefulSet" => {
            default_str(spec, "podManagementPolicy", "OrderedReady");
            if let Some(strategy) = child(spec, "updateStrategy") {
                if strategy.get("type").and_then(Value::as_str).unwrap_or("").is_empty() {
                    strategy.insert("type".into(), json!("RollingUpdate"));
                    default(strategy, "rollingUpdate", json!({}));
                }
                if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
                    && let Some(ru) = existing(strategy, "rollingUpdate")
                {
                    default(ru, "partition", json!(0));
                }
            }
            if let Some(policy) = child(spec, "persistentVolumeClaimRetentionPolicy") {
                default_str(policy, "whenDeleted", "Retain");
                default_str(policy, "whenScaled", "Retain");
            }
            default(spec, "replicas", json!(1));
            default(spec, "revisionHistoryLimit", json!(10));
            each(spec, "volumeClaimTemplates", |t| {
                if let Some(s) = child(t, "spec") {
                    default_pvc_spec(s);
                }
                if let Some(status) = child(t, "status") {
                    default_str(status, "phase", "Pending");
                }
            });
        }
        "DaemonSet" => {
            if let Some(strategy) = child(spec, "updateStrategy") {
                default_str(strategy, "type", "RollingUpdate");
                if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate")
                    && let Some(ru) = child(strategy, "rollingUpdate")
                {
                    default(ru, "maxUnavailable", json!(1));
                    default(ru, "maxSurge", json!(0));
                }
            }
            default(spec, "revisionHistoryLimit", json!(10));
        }
        _ => return,
    }
    if let Some(t) = child(spec, "template") {
        default_pod_template(t);
    }
}

fn name_rule(kind: &str) -> NameRule {
    if kind == "StatefulSet" {
        NameRule::Label
    } else {
        NameRule::Subdomain
    }
}

/// Create-time validation of an `apps` object; `None` for kinds without specific rules.
pub fn validate_create(kind: &str, obj: &Value) -> Option<Vec<Error>> {
    if !matches!(
        kind,
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "ControllerRevision"
    ) {
        return None;
    }
    let mut errs = validate_object_meta(obj, true, name_rule(kind));
    errs.extend(validate_spec(kind, obj));
    Some(errs)
}

fn validate_spec(kind: &str, obj: &Value) -> Vec<Error> {
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    let sp = Path::new("spec");
    match kind {
        "Deployment" => validate_deployment_spec(spec, &sp),
        "ReplicaSet" => validate_replica_set_spec(spec, &sp),
        "StatefulSet" => validate_stateful_set_spec(spec, &sp),
        "DaemonSet" => validate_daemon_set_spec(spec, &sp),
        "ControllerRevision" => {
            let mut errs = Vec::new();
            if at(obj, &["data"]).is_none() {
                errs.push(field::required(&Path::new("data"), "data is mandatory"));
            }
            errs.extend(nonnegative(
                i64_at(obj, &["revision"]).unwrap_or(0),
                &Path::new("revision"),
            ));
            errs
        }
        _ => Vec::new(),
    }
}

fn validate_selector(spec: &Value, sp: &Path, what: &str, errs: &mut Vec<Error>) {
    match at(spec, &["selector"]) {
        None => errs.push(field::required(&sp.child("selector"), "")),
        Some(sel) => {
            errs.extend(validate_label_selector(sel, &sp.child("selector")));
            if selector_is_empty(sel) {
                errs.push(field::invalid(
                    &sp.child("selector"),
                    bad(Some(sel)),
                    format!("empty selector is invalid for {what}"),
                ));
            }
        }
    }
}

/// `ValidatePodTemplateSpecForReplicaSet` and its siblings: the selector matches the template
/// labels, the template is a valid pod template, restartPolicy is Always and no activeDeadlineSeconds.
fn validate_workload_template(spec: &Value, sp: &Path, kind_name: &str, extra_volumes: &[String]) -> Vec<Error> {
    let mut errs = Vec::new();
    let tp = sp.child("template");
    let Some(template) = at(spec, &["template"]) else {
        errs.push(field::required(&tp, ""));
        return errs;
    };
    match at(spec, &["selector"]).map(selector_of) {
        Some(Some(sel))
            if !selector_is_empty(at(spec, &["selector"]).unwrap_or(&Value::Null))
                && !sel.matches(&labels_of(template)) =>
        {
            errs.push(field::invalid(
                &tp.child("metadata").child("labels"),
                bad(at(template, &["metadata", "labels"])),
                "`selector` does not match template `labels`",
            ));
        }
        Some(None) => errs.push(field::invalid(
            &sp.child("selector"),
            bad(at(spec, &["selector"])),
            "invalid label selector",
        )),
        _ => {}
    }
    errs.extend(validate_pod_template(template, &tp, extra_volumes));
    let rp = str_at(template, &["spec", "restartPolicy"]);
    if rp != "Always" {
        errs.push(field::not_supported(
            &tp.child("spec").child("restartPolicy"),
            rp,
            &["Always"],
        ));
    }
    if at(template, &["spec", "activeDeadlineSeconds"]).is_some() {
        errs.push(field::forbidden(
            &tp.child("spec").child("activeDeadlineSeconds"),
            format!("activeDeadlineSeconds in {kind_name} is not Supported"),
        ));
    }
    errs
}

fn int_or_percent(v: Option<&Value>) -> (i64, bool) {
    match v {
        Some(Value::String(s)) => (s.trim_end_matches('%').parse().unwrap_or(0), true),
        Some(v) => (v.as_i64().unwrap_or(0), false),
        None => (0, false),
    }
}

/// `ValidatePositiveIntOrPercent`.
fn positive_int_or_percent(v: Option<&Value>, path: &Path) -> Vec<Error> {
    match v {
        Some(Value::String(s)) => is_valid_percent(s)
            .into_iter()
            .map(|m| field::invalid(path, s.as_str(), m))
            .collect(),
        Some(v) => nonnegative(v.as_i64().unwrap_or(0), path),
        None => Vec::new(),
    }
}

/// `IsNotMoreThan100Percent`.
fn not_more_than_100_percent(v: Option<&Value>, path: &Path) -> Vec<Error> {
    match (v, int_or_percent(v)) {
        (Some(raw), (n, true)) if n > 100 => {
            vec![field::invalid(path, bad(Some(raw)), "must not be greater than 100%")]
        }
        _ => Vec::new(),
    }
}

fn validate_deployment_spec(spec: &Value, sp: &Path) -> Vec<Error> {
    let mut errs = nonnegative(i64_at(spec, &["replicas"]).unwrap_or(0), &sp.child("replicas"));
    validate_selector(spec, sp, "deployment", &mut errs);
    errs.extend(validate_workload_template(spec, sp, "ReplicaSet", &[]));
    let stp = sp.child("strategy");
    let ru = at(spec, &["strategy", "rollingUpdate"]);
    match str_at(spec, &["strategy", "type"]) {
        "Recreate" => {
            if ru.is_some() {
                errs.push(field::forbidden(
                    &stp.child("rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => match ru {
            None => errs.push(field::required(
                &stp.child("rollingUpdate"),
                "this should be defaulted and never be nil",
            )),
            Some(ru) => {
                let rp = stp.child("rollingUpdate");
                let (mu, ms) = (at(ru, &["maxUnavailable"]), at(ru, &["maxSurge"]));
                errs.extend(positive_int_or_percent(mu, &rp.child("maxUnavailable")));
                errs.extend(positive_int_or_percent(ms, &rp.child("maxSurge")));
                if int_or_percent(mu).0 == 0 && int_or_percent(ms).0 == 0 {
                    errs.push(field::invalid(
                        &rp.child("maxUnavailable"),
                        bad(mu),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
                errs.extend(not_more_than_100_percent(mu, &rp.child("maxUnavailable")));
            }
        },
        _ => errs.push(field::not_supported(
            &stp,
            bad(at(spec, &["strategy"])),
            &["Recreate", "RollingUpdate"],
        )),
    }
    errs.extend(nonnegative_at(spec, "minReadySeconds", sp));
    errs.extend(nonnegative_at(spec, "revisionHistoryLimit", sp));
    if let Some(pds) = i64_at(spec, &["progressDeadlineSeconds"]) {
        errs.extend(nonnegative(pds, &sp.child("progressDeadlineSeconds")));
        if pds <= i64_at(spec, &["minReadySeconds"]).unwrap_or(0) {
            errs.push(field::invalid(
                &sp.child("progressDeadlineSeconds"),
                pds,
                "must be greater than minReadySeconds",
            ));
        }
    }
    errs
}

fn validate_replica_set_spec(spec: &Value, sp: &Path) -> Vec<Error> {
    let mut errs = nonnegative(i64_at(spec, &["replicas"]).unwrap_or(0), &sp.child("replicas"));
    errs.extend(nonnegative_at(spec, "minReadySeconds", sp));
    validate_selector(spec, sp, "deployment", &mut errs);
    errs.extend(validate_workload_template(spec, sp, "ReplicaSet", &[]));
    errs
}

fn validate_stateful_set_spec(spec: &Value, sp: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    match str_at(spec, &["podManagementPolicy"]) {
        "" => errs.push(field::required(&sp.child("podManagementPolicy"), "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(field::invalid(
            &sp.child("podManagementPolicy"),
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let up = sp.child("updateStrategy");
    let ru = at(spec, &["updateStrategy", "rollingUpdate"]);
    match str_at(spec, &["updateStrategy", "type"]) {
        "" => errs.push(field::required(&up, "")),
        "OnDelete" => {
            if ru.is_some() {
                errs.push(field::invalid(
                    &up.child("rollingUpdate"),
                    bad(ru),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = ru {
                let rp = up.child("rollingUpdate");
                errs.extend(nonnegative_at(ru, "partition", &rp));
                if let Some(mu) = at(ru, &["maxUnavailable"]) {
                    errs.extend(positive_int_or_percent(Some(mu), &rp.child("maxUnavailable")));
                    if int_or_percent(Some(mu)).0 == 0 {
                        errs.push(field::invalid(
                            &rp.child("maxUnavailable"),
                            bad(Some(mu)),
                            "cannot be 0",
                        ));
                    }
                    errs.extend(not_more_than_100_percent(Some(mu), &rp.child("maxUnavailable")));
                }
            }
        }
        _ => errs.push(field::invalid(
            &up,
            bad(at(spec, &["updateStrategy"])),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    errs.extend(nonnegative_at(spec, "revisionHistoryLimit", sp));
    errs.extend(nonnegative(
        i64_at(spec, &["replicas"]).unwrap_or(0),
        &sp.child("replicas"),
    ));
    errs.extend(nonnegative_at(spec, "minReadySeconds", sp));
    if let Some(start) = i64_at(spec, &["ordinals", "start"]) {
        errs.extend(nonnegative(start, &sp.child("ordinals").child("start")));
    }
    validate_selector(spec, sp, "statefulset", &mut errs);
    let mut claims = Vec::new();
    for (i, t) in arr_at(spec, &["volumeClaimTemplates"]).iter().enumerate() {
        let tp = sp.child("volumeClaimTemplates").index(i);
        let name = str_at(t, &["metadata", "name"]);
        claims.push(name.to_string());
        let empty = Value::Null;
        errs.extend(validate_pvc_spec(at(t, &["spec"]).unwrap_or(&empty), &tp.child("spec")));
    }
    errs.extend(validate_workload_template(spec, sp, "StatefulSet", &claims));
    let policy_path = sp.child("persistentVolumeClaimRetentionPolicy");
    for key in ["whenDeleted", "whenScaled"] {
        let v = str_at(spec, &["persistentVolumeClaimRetentionPolicy", key]);
        if !v.is_empty() && v != "Retain" && v != "Delete" {
            errs.push(field::not_supported(&policy_path.child(key), v, &["Retain", "Delete"]));
        }
    }
    errs
}

fn validate_daemon_set_spec(spec: &Value, sp: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    validate_selector(spec, sp, "daemonset", &mut errs);
    errs.extend(validate_workload_template(spec, sp, "DaemonSet", &[]));
    errs.extend(nonnegative_at(spec, "minReadySeconds", sp));
    let up = sp.child("updateStrategy");
    match str_at(spec, &["updateStrategy", "type"]) {
        "OnDelete" => {}
        "RollingUpdate" => match at(spec, &["updateStrategy", "rollingUpdate"]) {
            None => errs.push(field::required(&up.child("rollingUpdate"), "")),
            Some(ru) => {
                let rp = up.child("rollingUpdate");
                let (mu, ms) = (at(ru, &["maxUnavailable"]), at(ru, &["maxSurge"]));
                errs.extend(positive_int_or_percent(mu, &rp.child("maxUnavailable")));
                errs.extend(positive_int_or_percent(ms, &rp.child("maxSurge")));
                errs.extend(not_more_than_100_percent(mu, &rp.child("maxUnavailable")));
                errs.extend(not_more_than_100_percent(ms, &rp.child("maxSurge")));
                let (has_u, has_s) = (int_or_percent(mu).0 != 0, int_or_percent(ms).0 != 0);
                if has_u && has_s {
                    errs.push(field::invalid(
                        &rp.child("maxSurge"),
                        bad(ms),
                        "may not be set when maxUnavailable is non-zero",
                    ));
                } else if !has_u && !has_s {
                    errs.push(field::required(
                        &rp.child("maxUnavailable"),
                        "cannot be 0 when maxSurge is 0",
                    ));
                }
            }
        },
        _ => errs.push(field::not_supported(
            &up,
            bad(at(spec, &["updateStrategy"])),
            &["RollingUpdate", "OnDelete"],
        )),
    }
    errs.extend(nonnegative_at(spec, "revisionHistoryLimit", sp));
    errs
}

/// Update-time validation of an `apps` object; `None` for kinds without specific rules.
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    if !matches!(
        kind,
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "ControllerRevision"
    ) {
        return None;
    }
    let mut errs = meta::validate_object_meta_update(new, old);
    errs.extend(validate_spec(kind, new));
    let sel = Path::new("spec").child("selector");
    match kind {
        "Deployment" | "ReplicaSet" | "DaemonSet" => {
            errs.extend(immutable(
                at(new, &["spec", "selector"]),
                at(old, &["spec", "selector"]),
                &sel,
            ));
        }
        "StatefulSet" => {
            let mut n = at(new, &["spec"]).cloned().unwrap_or(json!({}));
            let o = at(old, &["spec"]).cloned().unwrap_or(json!({}));
            if let (Some(nm), Some(om)) = (n.as_object_mut(), o.as_object()) {
                for key in [
                    "replicas",
                    "template",
                    "updateStrategy",
                    "minReadySeconds",
                    "ordinals",
                    "revisionHistoryLimit",
                    "persistentVolumeClaimRetentionPolicy",
                ] {
                    copy_field(nm, om, key);
                }
            }
            if !semantic_eq(Some(&n), Some(&o)) {
                errs.push(field::forbidden(
                    &Path::new("spec"),
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                ));
            }
        }
        "ControllerRevision" => {
            errs.extend(immutable(at(new, &["data"]), at(old, &["data"]), &Path::new("data")));
        }
        _ => {}
    }
    Some(errs)
}

fn copy_field(new: &mut Obj, old: &Obj, key: &str) {
    match old.get(key) {
        Some(v) => new.insert(key.to_string(), v.clone()),
        None => new.remove(key),
    };
}

/// Status-update validation of an `apps` object.
pub fn validate_status_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    if !matches!(kind, "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") {
        return None;
    }
    let mut errs = meta::validate_object_meta_update(new, old);
    let sp = Path::new("status");
    let empty = Value::Null;
    let status = at(new, &["status"]).unwrap_or(&empty);
    for key in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
        "unavailableReplicas",
        "fullyLabeledReplicas",
        "currentReplicas",
        "observedGeneration",
        "currentNumberScheduled",
        "numberMisscheduled",
        "desiredNumberScheduled",
        "numberReady",
        "updatedNumberScheduled",
        "numberAvailable",
        "numberUnavailable",
        "terminatingReplicas",
    ] {
        errs.extend(nonnegative_at(status, key, &sp));
    }
    Some(errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})
    }

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn deployment_defaults() {
        let mut d = deployment();
        defaults("Deployment", &mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        assert_eq!(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "Always"
        );
        assert_eq!(validate_create("Deployment", &d), Some(vec![]));
    }

    #[test]
    fn selector_mismatch() {
        let mut d = deployment();
        d["spec"]["template"]["metadata"]["labels"]["app"] = json!("api");
        defaults("Deployment", &mut d);
        assert_eq!(
            render(&validate_create("Deployment", &d).unwrap_or_default()),
            vec![
                "spec.template.metadata.labels: Invalid value: {\"app\":\"api\"}: `selector` does not match template `labels`"
            ]
        );
    }

    #[test]
    fn selector_is_immutable_and_required() {
        let mut old = deployment();
        defaults("Deployment", &mut old);
        old["metadata"]["resourceVersion"] = json!("1");
        let mut new = old.clone();
        new["spec"]["selector"]["matchLabels"]["tier"] = json!("x");
        new["spec"]["template"]["metadata"]["labels"]["tier"] = json!("x");
        let errs = validate_update("Deployment", &new, &old).unwrap_or_default();
        assert_eq!(
            render(&errs),
            vec![
                "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"tier\":\"x\"}}: field is immutable"
            ]
        );
        let mut d = deployment();
        d["spec"].as_object_mut().map(|s| s.remove("selector"));
        defaults("Deployment", &mut d);
        assert_eq!(
            render(&validate_create("Deployment", &d).unwrap_or_default()),
            vec!["spec.selector: Required value"]
        );
    }

    #[test]
    fn recreate_with_rolling_update_is_forbidden() {
        let mut d = deployment();
        defaults("Deployment", &mut d);
        d["spec"]["strategy"]["type"] = json!("Recreate");
        assert_eq!(
            render(&validate_create("Deployment", &d).unwrap_or_default()),
            vec!["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]
        );
    }

    #[test]
    fn statefulset_and_daemonset_defaults() {
        let mut s = json!({"metadata": {"name": "db", "namespace": "d"}, "spec": {"serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "i",
                "volumeMounts": [{"name": "data", "mountPath": "/d"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}}}}]}});
        defaults("StatefulSet", &mut s);
        assert_eq!(s["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            s["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
        assert_eq!(
            s["spec"]["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        assert_eq!(
            s["spec"]["volumeClaimTemplates"][0]["status"],
            json!({"phase": "Pending"})
        );
        assert_eq!(validate_create("StatefulSet", &s), Some(vec![]));
        let mut d = json!({"metadata": {"name": "ds", "namespace": "d"}, "spec": {"selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        defaults("DaemonSet", &mut d);
        assert_eq!(
            d["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
        );
        assert_eq!(validate_create("DaemonSet", &d), Some(vec![]));
    }

    #[test]
    fn statefulset_spec_update_forbidden() {
        let mut old = json!({"metadata": {"name": "db", "namespace": "d", "resourceVersion": "1"}, "spec": {"serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        defaults("StatefulSet", &mut old);
        let mut new = old.clone();
        new["spec"]["serviceName"] = json!("other");
        let errs = validate_update("StatefulSet", &new, &old).unwrap_or_default();
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0]
                .to_string()
                .starts_with("spec: Forbidden: updates to statefulset spec for fields other than 'replicas'")
        );
    }
}
