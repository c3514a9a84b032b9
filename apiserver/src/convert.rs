//! Conversion between a resource's served versions and its storage version: autoscaling/v1 ↔ v2
//! HorizontalPodAutoscalers and events.k8s.io/v1 ↔ core/v1 Events. Every other resource has one version.

use serde_json::{Map, Value, json};

use crate::resource::ResourceSpec;

/// Stored object → the version the request was made in.
pub fn from_storage(spec: &ResourceSpec, obj: Value) -> Value {
    if spec.is_storage_version() {
        return obj;
    }
    if spec.crd.is_some() {
        // Custom resources convert with the `None` strategy: only apiVersion changes.
        return with_api_version(obj, &spec.info.api_version());
    }
    match (spec.info.group, spec.info.version, spec.info.kind) {
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => hpa_v2_to_v1(obj),
        ("events.k8s.io", "v1", "Event") => rename_fields(obj, CORE_TO_EVENTS, "events.k8s.io/v1"),
        _ => obj,
    }
}

/// An object in the request's version → the storage version.
pub fn to_storage(spec: &ResourceSpec, obj: Value) -> Value {
    if spec.is_storage_version() {
        return obj;
    }
    if spec.crd.is_some() {
        return with_api_version(obj, &spec.storage_api_version());
    }
    match (spec.info.group, spec.info.version, spec.info.kind) {
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => hpa_v1_to_v2(obj),
        ("events.k8s.io", "v1", "Event") => {
            let swapped: Vec<(&str, &str)> = CORE_TO_EVENTS.iter().map(|(a, b)| (*b, *a)).collect();
            rename_fields(obj, &swapped, "v1")
        }
        _ => obj,
    }
}

fn with_api_version(mut obj: Value, api_version: &str) -> Value {
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(api_version.to_string()));
    }
    obj
}

/// core/v1 Event field → events.k8s.io/v1 Event field.
const CORE_TO_EVENTS: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reportingComponent", "reportingController"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

fn rename_fields(obj: Value, renames: &[(&str, &str)], api_version: &str) -> Value {
    let Value::Object(map) = obj else { return obj };
    let mut out = Map::new();
    for (k, v) in map {
        let key = renames
            .iter()
            .find(|(from, _)| *from == k)
            .map(|(_, to)| to.to_string())
            .unwrap_or(k);
        out.insert(key, v);
    }
    out.insert("apiVersion".into(), Value::String(api_version.into()));
    Value::Object(out)
}

fn hpa_v2_to_v1(mut obj: Value) -> Value {
    let target_cpu = obj
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .and_then(|metrics| {
            metrics.iter().find_map(|m| {
                (m.pointer("/resource/name") == Some(&json!("cpu"))
                    && m.pointer("/resource/target/type") == Some(&json!("Utilization")))
                .then(|| m.pointer("/resource/target/averageUtilization").cloned())
                .flatten()
            })
        });
    let current_cpu = obj
        .pointer("/status/currentMetrics")
        .and_then(Value::as_array)
        .and_then(|metrics| {
            metrics.iter().find_map(|m| {
                (m.pointer("/resource/name") == Some(&json!("cpu")))
                    .then(|| m.pointer("/resource/current/averageUtilization").cloned())
                    .flatten()
            })
        });
    if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("metrics");
        spec.remove("behavior");
        if let Some(t) = target_cpu {
            spec.insert("targetCPUUtilizationPercentage".into(), t);
        }
    }
    if let Some(status) = obj.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("currentMetrics");
        status.remove("conditions");
        if let Some(c) = current_cpu {
            status.insert("currentCPUUtilizationPercentage".into(), c);
        }
    }
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), json!("autoscaling/v1"));
    }
    obj
}

fn hpa_v1_to_v2(mut obj: Value) -> Value {
    if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut)
        && let Some(t) = spec.remove("targetCPUUtilizationPercentage")
    {
        spec.insert(
                "metrics".into(),
                json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": t}}}]),
            );
    }
    if let Some(status) = obj.get_mut("status").and_then(Value::as_object_mut)
        && let Some(c) = status.remove("currentCPUUtilizationPercentage")
    {
        status.insert(
            "currentMetrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": c}}}]),
        );
    }
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), json!("autoscaling/v2"));
    }
    obj
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hpa_cpu_target_round_trips() {
        let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5, "targetCPUUtilizationPercentage": 70}});
        let v2 = hpa_v1_to_v2(v1.clone());
        assert_eq!(v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 70);
        assert_eq!(v2["apiVersion"], "autoscaling/v2");
        assert_eq!(hpa_v2_to_v1(v2), v1);
    }

    #[test]
    fn events_rename_both_ways() {
        let core =
            json!({"kind": "Event", "apiVersion": "v1", "involvedObject": {"name": "p"}, "message": "hi", "count": 2});
        let ev = rename_fields(core.clone(), CORE_TO_EVENTS, "events.k8s.io/v1");
        assert_eq!(ev["regarding"]["name"], "p");
        assert_eq!(ev["note"], "hi");
        assert_eq!(ev["deprecatedCount"], 2);
    }
}
