//! Rows of workload resources: apps, batch, autoscaling and policy.

use serde_json::Value;

use crate::duration::human_duration;
use crate::format::{
    age, arr_at, at, container_cells, format_label_selector, format_labels, int_at, int_or_string, is_deleting,
    label_selector_string, name, opt_bool_at, opt_int_at, opt_str_at, quantity_ptr, str_at, string_map, time_at,
};
use crate::time::{Timestamp, since};

fn template_containers<'a>(obj: &'a Value, template: &[&str]) -> &'a [Value] {
    let mut path: Vec<&str> = template.to_vec();
    path.extend(["spec", "containers"]);
    arr_at(obj, &path)
}

pub fn deployment(obj: &Value, now: Timestamp) -> Vec<Value> {
    let selector = label_selector_string(at(obj, &["spec", "selector"])).unwrap_or_else(|_| "<invalid>".into());
    let (names, images) = container_cells(template_containers(obj, &["spec", "template"]));
    vec![
        name(obj).into(),
        format!(
            "{}/{}",
            int_at(obj, &["status", "readyReplicas"]),
            int_at(obj, &["spec", "replicas"])
        )
        .into(),
        int_at(obj, &["status", "updatedReplicas"]).into(),
        int_at(obj, &["status", "availableReplicas"]).into(),
        age(obj, now),
        names,
        images,
        selector.into(),
    ]
}

pub fn replica_set(obj: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(template_containers(obj, &["spec", "template"]));
    vec![
        name(obj).into(),
        int_at(obj, &["spec", "replicas"]).into(),
        int_at(obj, &["status", "replicas"]).into(),
        int_at(obj, &["status", "readyReplicas"]).into(),
        age(obj, now),
        names,
        images,
        format_label_selector(at(obj, &["spec", "selector"])).into(),
    ]
}

pub fn stateful_set(obj: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(template_containers(obj, &["spec", "template"]));
    vec![
        name(obj).into(),
        format!(
            "{}/{}",
            int_at(obj, &["status", "readyReplicas"]),
            int_at(obj, &["spec", "replicas"])
        )
        .into(),
        age(obj, now),
        names,
        images,
    ]
}

pub fn daemon_set(obj: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(template_containers(obj, &["spec", "template"]));
    vec![
        name(obj).into(),
        int_at(obj, &["status", "desiredNumberScheduled"]).into(),
        int_at(obj, &["status", "currentNumberScheduled"]).into(),
        int_at(obj, &["status", "numberReady"]).into(),
        int_at(obj, &["status", "updatedNumberScheduled"]).into(),
        int_at(obj, &["status", "numberAvailable"]).into(),
        format_labels(&string_map(obj, &["spec", "template", "spec", "nodeSelector"])).into(),
        age(obj, now),
        names,
        images,
        format_label_selector(at(obj, &["spec", "selector"])).into(),
    ]
}

/// The controller owner reference of an object (`ownerReferences[].controller == true`).
fn controller_of(obj: &Value) -> Option<&Value> {
    arr_at(obj, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| opt_bool_at(r, &["controller"]) == Some(true))
}

pub fn controller_revision(obj: &Value, now: Timestamp) -> Vec<Value> {
    let controller = match controller_of(obj) {
        None => "<none>".to_string(),
        Some(r) => {
            let api_version = str_at(r, &["apiVersion"]);
            let group = match api_version.split_once('/') {
                Some((g, _)) => g,
                None => "",
            };
            let kind = str_at(r, &["kind"]);
            let ref_name = str_at(r, &["name"]);
            if kind.is_empty() && group.is_empty() {
                ref_name.to_string()
            } else if group.is_empty() {
                format!("{}/{ref_name}", kind.to_lowercase())
            } else {
                format!("{}.{}/{ref_name}", kind.to_lowercase(), group.to_lowercase())
            }
        }
    };
    vec![
        name(obj).into(),
        controller.into(),
        int_at(obj, &["revision"]).into(),
        age(obj, now),
    ]
}

/// Whether the first condition of `type_` is `True` (upstream's `hasJobCondition`).
fn has_condition(obj: &Value, type_: &str) -> bool {
    arr_at(obj, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == type_)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

pub fn job(obj: &Value, now: Timestamp) -> Vec<Value> {
    let succeeded = int_at(obj, &["status", "succeeded"]);
    let completions = match opt_int_at(obj, &["spec", "completions"]) {
        Some(c) => format!("{succeeded}/{c}"),
        None => {
            let parallelism = int_at(obj, &["spec", "parallelism"]);
            if parallelism > 1 {
                format!("{succeeded}/1 of {parallelism}")
            } else {
                format!("{succeeded}/1")
            }
        }
    };
    let start = at(obj, &["status", "startTime"]).filter(|v| !v.is_null());
    let completion = at(obj, &["status", "completionTime"]).filter(|v| !v.is_null());
    let duration = match (start, completion) {
        (None, _) => String::new(),
        (Some(s), None) => human_duration(now.unix_nanos() - Timestamp::from_value(Some(s)).unix_nanos()),
        (Some(s), Some(c)) => {
            human_duration(Timestamp::from_value(Some(c)).unix_nanos() - Timestamp::from_value(Some(s)).unix_nanos())
        }
    };
    let status = if has_condition(obj, "Complete") {
        "Complete"
    } else if has_condition(obj, "Failed") {
        "Failed"
    } else if is_deleting(obj) {
        "Terminating"
    } else if has_condition(obj, "Suspended") {
        "Suspended"
    } else if has_condition(obj, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = container_cells(template_containers(obj, &["spec", "template"]));
    vec![
        name(obj).into(),
        status.into(),
        completions.into(),
        duration.into(),
        age(obj, now),
        names,
        images,
        format_label_selector(at(obj, &["spec", "selector"])).into(),
    ]
}

pub fn cron_job(obj: &Value, now: Timestamp) -> Vec<Value> {
    let last_schedule = match at(obj, &["status", "lastScheduleTime"]).filter(|v| !v.is_null()) {
        Some(_) => since(time_at(obj, &["status", "lastScheduleTime"]), now),
        None => "<none>".into(),
    };
    let suspend = match opt_bool_at(obj, &["spec", "suspend"]) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let (names, images) = container_cells(template_containers(obj, &["spec", "jobTemplate", "spec", "template"]));
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "schedule"]).into(),
        opt_str_at(obj, &["spec", "timeZone"]).unwrap_or("<none>").into(),
        suspend.into(),
        (arr_at(obj, &["status", "active"]).len() as i64).into(),
        last_schedule.into(),
        age(obj, now),
        names,
        images,
        format_label_selector(at(obj, &["spec", "jobTemplate", "spec", "selector"])).into(),
    ]
}

pub fn pod_disruption_budget(obj: &Value, now: Timestamp) -> Vec<Value> {
    let field = |f: &str| {
        at(obj, &["spec", f])
            .filter(|v| !v.is_null())
            .map_or_else(|| "N/A".to_string(), int_or_string)
    };
    vec![
        name(obj).into(),
        field("minAvailable").into(),
        field("maxUnavailable").into(),
        int_at(obj, &["status", "disruptionsAllowed"]).into(),
        age(obj, now),
    ]
}

/// `N%` of an optional utilization, or `default`.
fn percent(v: Option<i64>, default: &str) -> String {
    v.map_or_else(|| default.to_string(), |p| format!("{p}%"))
}

/// One metric of upstream's `formatHPAMetrics`, for `autoscaling/v2` JSON.
fn hpa_metric(spec: &Value, status: Option<&Value>) -> String {
    let source_status = |key: &str| status.and_then(|s| s.get(key)).filter(|v| v.is_object());
    match str_at(spec, &["type"]) {
        kind @ ("External" | "Object") => {
            let key = if kind == "External" { "external" } else { "object" };
            let target = at(spec, &[key, "target"]);
            let st = source_status(key);
            if let Some(avg) = target.and_then(|t| t.get("averageValue")).filter(|v| !v.is_null()) {
                let current = st
                    .and_then(|s| at(s, &["current", "averageValue"]))
                    .filter(|v| !v.is_null())
                    .map_or_else(|| "<unknown>".to_string(), |v| quantity_ptr(Some(v)));
                format!("{current}/{} (avg)", quantity_ptr(Some(avg)))
            } else {
                let current = st.map_or_else(
                    || "<unknown>".to_string(),
                    |s| quantity_ptr(at(s, &["current", "value"])),
                );
                format!("{current}/{}", quantity_ptr(target.and_then(|t| t.get("value"))))
            }
        }
        "Pods" => {
            let current = source_status("pods").map_or_else(
                || "<unknown>".to_string(),
                |s| quantity_ptr(at(s, &["current", "averageValue"])),
            );
            format!(
                "{current}/{}",
                quantity_ptr(at(spec, &["pods", "target", "averageValue"]))
            )
        }
        kind @ ("Resource" | "ContainerResource") => {
            let key = if kind == "Resource" {
                "resource"
            } else {
                "containerResource"
            };
            let resource = str_at(spec, &[key, "name"]);
            let target = at(spec, &[key, "target"]);
            let st = source_status(key);
            if let Some(avg) = target.and_then(|t| t.get("averageValue")).filter(|v| !v.is_null()) {
                let current = st.map_or_else(
                    || "<unknown>".to_string(),
                    |s| quantity_ptr(at(s, &["current", "averageValue"])),
                );
                format!("{resource}: {current}/{}", quantity_ptr(Some(avg)))
            } else {
                let current = percent(
                    st.and_then(|s| opt_int_at(s, &["current", "averageUtilization"])),
                    "<unknown>",
                );
                let target = percent(target.and_then(|t| opt_int_at(t, &["averageUtilization"])), "<auto>");
                format!("{resource}: {current}/{target}")
            }
        }
        _ => "<unknown type>".into(),
    }
}

/// The TARGETS cell. `autoscaling/v1` objects carry one CPU utilization target instead of metrics.
fn hpa_targets(obj: &Value) -> String {
    let specs = arr_at(obj, &["spec", "metrics"]);
    let statuses = arr_at(obj, &["status", "currentMetrics"]);
    let mut list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| hpa_metric(s, statuses.get(i)))
        .collect();
    if specs.is_empty() {
        match opt_int_at(obj, &["spec", "targetCPUUtilizationPercentage"]) {
            Some(target) => {
                let current = percent(
                    opt_int_at(obj, &["status", "currentCPUUtilizationPercentage"]),
                    "<unknown>",
                );
                list.push(format!("cpu: {current}/{target}%"));
            }
            None => return "<none>".into(),
        }
    }
    const MAX: usize = 2;
    let count = list.len();
    if count > MAX {
        list.truncate(MAX);
        return format!("{} + {} more...", list.join(", "), count - MAX);
    }
    list.join(", ")
}

pub fn horizontal_pod_autoscaler(obj: &Value, now: Timestamp) -> Vec<Value> {
    let reference = format!(
        "{}/{}",
        str_at(obj, &["spec", "scaleTargetRef", "kind"]),
        str_at(obj, &["spec", "scaleTargetRef", "name"])
    );
    let min_pods = opt_int_at(obj, &["spec", "minReplicas"]).map_or_else(|| "<unset>".to_string(), |m| m.to_string());
    vec![
        name(obj).into(),
        reference.into(),
        hpa_targets(obj).into(),
        min_pods.into(),
        int_at(obj, &["spec", "maxReplicas"]).into(),
        int_at(obj, &["status", "currentReplicas"]).into(),
        age(obj, now),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        Timestamp::parse("2024-03-01T12:00:00Z").unwrap()
    }

    fn meta(name: &str) -> Value {
        json!({"name": name, "creationTimestamp": "2024-03-01T11:00:00Z"})
    }

    fn template() -> Value {
        json!({"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
    }

    #[test]
    fn deployments() {
        let d = json!({"metadata": meta("web"), "spec": {"replicas": 3, "template": template(),
            "selector": {"matchLabels": {"app": "web"}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        assert_eq!(
            deployment(&d, now()),
            vec![
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("60m"),
                json!("nginx"),
                json!("nginx:1.27"),
                json!("app=web")
            ]
        );
        let bad = json!({"spec": {"selector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}});
        assert_eq!(deployment(&bad, now())[7], "<invalid>");
        assert_eq!(deployment(&json!({}), now())[7], "");
        assert_eq!(deployment(&json!({}), now())[1], "0/0");
    }

    #[test]
    fn replica_stateful_and_daemon_sets() {
        let rs = json!({"metadata": meta("web-1"), "spec": {"replicas": 2, "template": template(),
            "selector": {"matchLabels": {"app": "web", "pod-template-hash": "1"}}}, "status": {"replicas": 2, "readyReplicas": 1}});
        assert_eq!(
            replica_set(&rs, now()),
            vec![
                json!("web-1"),
                json!(2),
                json!(2),
                json!(1),
                json!("60m"),
                json!("nginx"),
                json!("nginx:1.27"),
                json!("app=web,pod-template-hash=1")
            ]
        );
        let sts = json!({"metadata": meta("db"), "spec": {"replicas": 3, "template": template()}, "status": {"readyReplicas": 3}});
        assert_eq!(
            stateful_set(&sts, now()),
            vec![
                json!("db"),
                json!("3/3"),
                json!("60m"),
                json!("nginx"),
                json!("nginx:1.27")
            ]
        );
        let ds = json!({"metadata": meta("proxy"), "spec": {"template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
            "containers": [{"name": "p", "image": "kp"}]}}, "selector": {"matchLabels": {"k": "p"}}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3,
                       "numberAvailable": 2}});
        assert_eq!(
            daemon_set(&ds, now()),
            vec![
                json!("proxy"),
                json!(3),
                json!(3),
                json!(2),
                json!(3),
                json!(2),
                json!("kubernetes.io/os=linux"),
                json!("60m"),
                json!("p"),
                json!("kp"),
                json!("k=p")
            ]
        );
    }

    #[test]
    fn jobs_status_completions_and_duration() {
        let done = json!({"metadata": meta("pi"), "spec": {"completions": 1, "template": template(),
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}}},
            "status": {"succeeded": 1, "startTime": "2024-03-01T11:00:00Z", "completionTime": "2024-03-01T11:00:42Z",
                "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}});
        assert_eq!(
            job(&done, now()),
            vec![
                json!("pi"),
                json!("Complete"),
                json!("1/1"),
                json!("42s"),
                json!("60m"),
                json!("nginx"),
                json!("nginx:1.27"),
                json!("batch.kubernetes.io/controller-uid=u")
            ]
        );
        let running =
            json!({"spec": {"parallelism": 3}, "status": {"startTime": "2024-03-01T11:55:00Z", "succeeded": 1}});
        let c = job(&running, now());
        assert_eq!(
            (c[1].clone(), c[2].clone(), c[3].clone()),
            (json!("Running"), json!("1/1 of 3"), json!("5m"))
        );
        let suspended =
            json!({"spec": {"parallelism": 1}, "status": {"conditions": [{"type": "Suspended", "status": "True"}]}});
        let c = job(&suspended, now());
        assert_eq!(
            (c[1].clone(), c[2].clone(), c[3].clone()),
            (json!("Suspended"), json!("0/1"), json!(""))
        );
        let deleting = json!({"metadata": {"deletionTimestamp": "2024-03-01T11:00:00Z"}, "status": {"conditions": [
            {"type": "FailureTarget", "status": "True"}]}});
        assert_eq!(job(&deleting, now())[1], "Terminating");
        let failing = json!({"status": {"conditions": [{"type": "FailureTarget", "status": "True"}]}});
        assert_eq!(job(&failing, now())[1], "FailureTarget");
        let failed = json!({"status": {"conditions": [{"type": "Failed", "status": "True"}]}});
        assert_eq!(job(&failed, now())[1], "Failed");
    }

    #[test]
    fn cron_jobs() {
        let cj = json!({"metadata": meta("nightly"), "spec": {"schedule": "0 2 * * *", "suspend": false,
            "jobTemplate": {"spec": {"template": template()}}},
            "status": {"active": [{"name": "j"}], "lastScheduleTime": "2024-03-01T02:00:00Z"}});
        assert_eq!(
            cron_job(&cj, now()),
            vec![
                json!("nightly"),
                json!("0 2 * * *"),
                json!("<none>"),
                json!("False"),
                json!(1),
                json!("10h"),
                json!("60m"),
                json!("nginx"),
                json!("nginx:1.27"),
                json!("<none>")
            ]
        );
        let minimal = cron_job(&json!({"spec": {"timeZone": "Etc/UTC"}}), now());
        assert_eq!(
            (minimal[2].clone(), minimal[3].clone(), minimal[5].clone()),
            (json!("Etc/UTC"), json!("<unset>"), json!("<none>"))
        );
    }

    #[test]
    fn pod_disruption_budgets() {
        let pdb =
            json!({"metadata": meta("pdb"), "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}});
        assert_eq!(
            pod_disruption_budget(&pdb, now()),
            vec![json!("pdb"), json!("50%"), json!("N/A"), json!(1), json!("60m")]
        );
        let pdb = json!({"spec": {"maxUnavailable": 1}});
        assert_eq!(pod_disruption_budget(&pdb, now())[1..3], [json!("N/A"), json!("1")]);
    }

    #[test]
    fn horizontal_pod_autoscalers() {
        let hpa = json!({"metadata": meta("web"), "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
        "minReplicas": 1, "maxReplicas": 10, "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
            {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}}
        ]},
        "status": {"currentReplicas": 2, "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 12, "averageValue": "12m"}}}
        ]}});
        assert_eq!(
            horizontal_pod_autoscaler(&hpa, now()),
            vec![
                json!("web"),
                json!("Deployment/web"),
                json!("cpu: 12%/80%, memory: <unknown>/100Mi + 1 more..."),
                json!("1"),
                json!(10),
                json!(2),
                json!("60m")
            ]
        );
        let v1 = json!({"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d"}, "maxReplicas": 3,
            "targetCPUUtilizationPercentage": 50}});
        let c = horizontal_pod_autoscaler(&v1, now());
        assert_eq!(
            (c[2].clone(), c[3].clone()),
            (json!("cpu: <unknown>/50%"), json!("<unset>"))
        );
        assert_eq!(horizontal_pod_autoscaler(&json!({}), now())[2], "<none>");
        let ext = json!({"spec": {"metrics": [{"type": "External", "external": {"metric": {"name": "q"},
            "target": {"type": "Value", "value": "5"}}}]}, "status": {"currentMetrics": [{"type": "External",
            "external": {"current": {"value": "3"}}}]}});
        assert_eq!(horizontal_pod_autoscaler(&ext, now())[2], "3/5");
    }

    #[test]
    fn controller_revisions_name_their_controller() {
        let cr = json!({"metadata": {"name": "web-7d9", "creationTimestamp": "2024-03-01T11:00:00Z", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": true}]}, "revision": 2});
        assert_eq!(
            controller_revision(&cr, now()),
            vec![json!("web-7d9"), json!("statefulset.apps/web"), json!(2), json!("60m")]
        );
        assert_eq!(controller_revision(&json!({}), now())[1], "<none>");
    }
}
