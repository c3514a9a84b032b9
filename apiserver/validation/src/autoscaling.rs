//! The `autoscaling` group: HorizontalPodAutoscaler defaulting and validation (v1 and v2 shapes,
//! told apart by the object's `apiVersion`).

use ferrokube_apimachinery::status::field::{self, Error, Path};
use serde_json::{Value, json};

use crate::formats::{NameRule, is_path_segment_name};
use crate::meta::{self, validate_object_meta};
use crate::value::{Obj, arr_at, at, child, default, default_str, existing, i64_at, str_at};

/// Defaults an HPA: `minReplicas` 1; in v2 also the 80% CPU metric and behavior policies.
pub fn defaults(kind: &str, obj: &mut Value) {
    if kind != "HorizontalPodAutoscaler" {
        return;
    }
    let v1 = str_at(obj, &["apiVersion"]) == "autoscaling/v1";
    let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) else {
        return;
    };
    default(spec, "minReplicas", json!(1));
    if v1 {
        return;
    }
    if spec.get("metrics").and_then(Value::as_array).is_none_or(Vec::is_empty) {
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
        );
    }
    if let Some(behavior) = existing(spec, "behavior") {
        if let Some(up) = child(behavior, "scaleUp") {
            default_rules(
                up,
                0,
                json!([{"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]),
            );
        }
        if let Some(down) = child(behavior, "scaleDown") {
            default_rules(
                down,
                300,
                json!([{"type": "Percent", "value": 100, "periodSeconds": 15}]),
            );
        }
    }
}

fn default_rules(rules: &mut Obj, window: i64, policies: Value) {
    default(rules, "stabilizationWindowSeconds", json!(window));
    default_str(rules, "selectPolicy", "Max");
    if rules
        .get("policies")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        rules.insert("policies".into(), policies);
    }
}

/// Create-time validation of an HPA; `None` for other kinds.
pub fn validate_create(kind: &str, obj: &Value) -> Option<Vec<Error>> {
    if kind != "HorizontalPodAutoscaler" {
        return None;
    }
    let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
    errs.extend(validate_spec(obj));
    Some(errs)
}

fn validate_spec(obj: &Value) -> Vec<Error> {
    let sp = Path::new("spec");
    let mut errs = Vec::new();
    let tp = sp.child("scaleTargetRef");
    for key in ["kind", "name"] {
        let v = str_at(obj, &["spec", "scaleTargetRef", key]);
        if v.is_empty() {
            errs.push(field::required(&tp.child(key), ""));
        } else {
            errs.extend(
                is_path_segment_name(v)
                    .into_iter()
                    .map(|m| field::invalid(&tp.child(key), v, m)),
            );
        }
    }
    let min = i64_at(obj, &["spec", "minReplicas"]);
    if let Some(min) = min
        && min < 1
    {
        errs.push(field::invalid(
            &sp.child("minReplicas"),
            min,
            "must be greater than or equal to 1",
        ));
    }
    let max = i64_at(obj, &["spec", "maxReplicas"]).unwrap_or(0);
    if max < 1 {
        errs.push(field::invalid(&sp.child("maxReplicas"), max, "must be greater than 0"));
    }
    if let Some(min) = min
        && max < min
    {
        errs.push(field::invalid(
            &sp.child("maxReplicas"),
            max,
            "must be greater than or equal to `minReplicas`",
        ));
    }
    if let Some(t) = i64_at(obj, &["spec", "targetCPUUtilizationPercentage"])
        && t < 1
    {
        errs.push(field::invalid(
            &sp.child("targetCPUUtilizationPercentage"),
            t,
            "must be greater than 0",
        ));
    }
    let types = ["ContainerResource", "External", "Object", "Pods", "Resource"];
    for (i, m) in arr_at(obj, &["spec", "metrics"]).iter().enumerate() {
        let mp = sp.child("metrics").index(i);
        let t = str_at(m, &["type"]);
        if t.is_empty() {
            errs.push(field::required(&mp.child("type"), "must specify a metric source type"));
        } else if !types.contains(&t) {
            errs.push(field::not_supported(&mp.child("type"), t, &types));
        }
        if let Some(target) = at(m, &["resource", "target"]) {
            let target_path = mp.child("resource").child("target");
            if let Some(u) = i64_at(target, &["averageUtilization"])
                && u < 1
            {
                errs.push(field::invalid(
                    &target_path.child("averageUtilization"),
                    u,
                    "must be greater than 0",
                ));
            }
        }
    }
    errs
}

/// Update-time validation of an HPA; `None` for other kinds.
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    if kind != "HorizontalPodAutoscaler" {
        return None;
    }
    let mut errs = meta::validate_object_meta_update(new, old);
    errs.extend(validate_spec(new));
    Some(errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hpa_defaults_and_validation() {
        let mut h = json!({"apiVersion": "autoscaling/v2", "metadata": {"name": "h", "namespace": "d"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 5}});
        defaults("HorizontalPodAutoscaler", &mut h);
        assert_eq!(h["spec"]["minReplicas"], 1);
        assert_eq!(h["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 80);
        assert_eq!(validate_create("HorizontalPodAutoscaler", &h), Some(vec![]));
        h["spec"]["maxReplicas"] = json!(0);
        let errs = validate_create("HorizontalPodAutoscaler", &h).unwrap_or_default();
        assert_eq!(
            errs[0].to_string(),
            "spec.maxReplicas: Invalid value: 0: must be greater than 0"
        );
    }
}
