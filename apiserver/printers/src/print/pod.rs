//! The pod row: READY, the aggregate STATUS reason, RESTARTS with the last restart's age.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::format::{arr_at, at, bool_at, int_at, is_deleting, name, opt_bool_at, opt_str_at, str_at, time_at};
use crate::time::{Timestamp, since};

/// The reason the node lifecycle controller sets on pods of unreachable nodes.
const NODE_UNREACHABLE_REASON: &str = "NodeLost";

/// Whether an init container is a sidecar (`restartPolicy: Always`).
fn is_restartable(container: Option<&&Value>) -> bool {
    container.is_some_and(|c| str_at(c, &["restartPolicy"]) == "Always")
}

/// Whether the pod has a condition of `type_` with status `True`, looking only at the first match.
fn first_condition_true(pod: &Value, type_: &str) -> bool {
    arr_at(pod, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == type_)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

/// Whether any `Ready` condition is `True`.
fn has_ready_condition(pod: &Value) -> bool {
    arr_at(pod, &["status", "conditions"])
        .iter()
        .any(|c| str_at(c, &["type"]) == "Ready" && str_at(c, &["status"]) == "True")
}

/// `lastState.terminated.finishedAt` of a container status, if it has a last termination.
fn last_terminated_at(status: &Value) -> Option<Timestamp> {
    let terminated = at(status, &["lastState", "terminated"]).filter(|v| v.is_object())?;
    Some(time_at(terminated, &["finishedAt"]))
}

/// The terminated state of a container status, if set.
fn terminated(status: &Value) -> Option<&Value> {
    at(status, &["state", "terminated"]).filter(|v| v.is_object())
}

/// The waiting state of a container status, if set.
fn waiting(status: &Value) -> Option<&Value> {
    at(status, &["state", "waiting"]).filter(|v| v.is_object())
}

/// `Signal:N` / `ExitCode:N` for a terminated state without a reason.
fn exit_reason(term: &Value) -> String {
    let signal = int_at(term, &["signal"]);
    if signal != 0 {
        format!("Signal:{signal}")
    } else {
        format!("ExitCode:{}", int_at(term, &["exitCode"]))
    }
}

/// The pod's cells: name, ready, status, restarts, age, IP, node, nominated node, readiness gates.
pub fn cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let init_specs = arr_at(pod, &["spec", "initContainers"]);
    let init_by_name: HashMap<&str, &Value> = init_specs.iter().map(|c| (str_at(c, &["name"]), c)).collect();
    let mut total = arr_at(pod, &["spec", "containers"]).len();
    total += init_specs
        .iter()
        .filter(|c| str_at(c, &["restartPolicy"]) == "Always")
        .count();

    let phase = str_at(pod, &["status", "phase"]);
    let mut reason = match str_at(pod, &["status", "reason"]) {
        "" => phase.to_string(),
        r => r.to_string(),
    };
    if arr_at(pod, &["status", "conditions"])
        .iter()
        .any(|c| str_at(c, &["type"]) == "PodScheduled" && str_at(c, &["reason"]) == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }

    let mut restarts: i64 = 0;
    let mut sidecar_restarts: i64 = 0;
    let mut ready: i64 = 0;
    let mut last_restart = Timestamp::zero();
    let mut last_sidecar_restart = Timestamp::zero();
    let mut initializing = false;

    for (i, status) in arr_at(pod, &["status", "initContainerStatuses"]).iter().enumerate() {
        let restart_count = int_at(status, &["restartCount"]);
        restarts += restart_count;
        if let Some(t) = last_terminated_at(status) {
            last_restart = last_restart.max(t);
        }
        let sidecar = is_restartable(init_by_name.get(str_at(status, &["name"])));
        if sidecar {
            sidecar_restarts += restart_count;
            if let Some(t) = last_terminated_at(status) {
                last_sidecar_restart = last_sidecar_restart.max(t);
            }
        }
        let term = terminated(status);
        if term.is_some_and(|t| int_at(t, &["exitCode"]) == 0) {
            continue;
        }
        if sidecar && opt_bool_at(status, &["started"]) == Some(true) {
            if bool_at(status, &["ready"]) {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = term {
            reason = match str_at(t, &["reason"]) {
                "" => format!("Init:{}", exit_reason(t)),
                r => format!("Init:{r}"),
            };
        } else if let Some(r) = waiting(status)
            .map(|w| str_at(w, &["reason"]))
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || first_condition_true(pod, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for status in arr_at(pod, &["status", "containerStatuses"]).iter().rev() {
            restarts += int_at(status, &["restartCount"]);
            if let Some(t) = last_terminated_at(status) {
                last_restart = last_restart.max(t);
            }
            let waiting_reason = waiting(status).map(|w| str_at(w, &["reason"])).unwrap_or("");
            let term = terminated(status);
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = term {
                reason = match str_at(t, &["reason"]) {
                    "" => exit_reason(t),
                    r => r.to_string(),
                };
            } else if bool_at(status, &["ready"]) && at(status, &["state", "running"]).is_some_and(Value::is_object) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if has_ready_condition(pod) {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }

    if is_deleting(pod) && str_at(pod, &["status", "reason"]) == NODE_UNREACHABLE_REASON {
        reason = "Unknown".into();
    } else if is_deleting(pod) && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    let restarts_cell = if restarts != 0 && !last_restart.is_zero() {
        format!("{restarts} ({} ago)", since(last_restart, now))
    } else {
        restarts.to_string()
    };

    let pod_ip = arr_at(pod, &["status", "podIPs"])
        .first()
        .map(|ip| str_at(ip, &["ip"]))
        .or_else(|| opt_str_at(pod, &["status", "podIP"]))
        .filter(|s| !s.is_empty())
        .unwrap_or("<none>");
    let node = Some(str_at(pod, &["spec", "nodeName"]))
        .filter(|s| !s.is_empty())
        .unwrap_or("<none>");
    let nominated = Some(str_at(pod, &["status", "nominatedNodeName"]))
        .filter(|s| !s.is_empty())
        .unwrap_or("<none>");
    let gates = arr_at(pod, &["spec", "readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let true_count = gates
            .iter()
            .filter(|g| first_condition_true(pod, str_at(g, &["conditionType"])))
            .count();
        format!("{true_count}/{}", gates.len())
    };

    vec![
        name(pod).into(),
        format!("{ready}/{total}").into(),
        reason.into(),
        restarts_cell.into(),
        crate::format::age(pod, now),
        pod_ip.into(),
        node.into(),
        nominated.into(),
        readiness_gates.into(),
    ]
}

/// Row conditions: a `Completed` condition for pods that succeeded or failed.
pub fn conditions(pod: &Value) -> Vec<Value> {
    let (reason, message) = match str_at(pod, &["status", "phase"]) {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return Vec::new(),
    };
    let mut m = Map::new();
    m.insert("type".into(), "Completed".into());
    m.insert("status".into(), "True".into());
    m.insert("reason".into(), reason.into());
    m.insert("message".into(), message.into());
    vec![Value::Object(m)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        Timestamp::parse("2024-03-01T12:00:00Z").unwrap()
    }

    fn pod(spec: Value, status: Value) -> Value {
        json!({"metadata": {"name": "p", "creationTimestamp": "2024-03-01T11:00:00Z"}, "spec": spec, "status": status})
    }

    fn two_containers() -> Value {
        json!({"containers": [{"name": "a"}, {"name": "b"}]})
    }

    fn status_cells(p: &Value) -> (String, String, String) {
        let c = cells(p, now());
        (
            c[1].as_str().unwrap().into(),
            c[2].as_str().unwrap().into(),
            c[3].as_str().unwrap().into(),
        )
    }

    #[test]
    fn running_pod_with_restarts_and_last_restart_age() {
        let p = pod(
            two_containers(),
            json!({"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 3, "state": {"running": {}},
                 "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-03-01T11:55:00Z"}}},
                {"name": "b", "ready": true, "restartCount": 0, "state": {"running": {}}}
            ]}),
        );
        assert_eq!(status_cells(&p), ("2/2".into(), "Running".into(), "3 (5m ago)".into()));
        let c = cells(&p, now());
        assert_eq!(c[4], "60m");
        assert_eq!(
            c[5..],
            [json!("<none>"), json!("<none>"), json!("<none>"), json!("<none>")]
        );
    }

    #[test]
    fn crash_loop_back_off_comes_from_waiting_reason() {
        let p = pod(
            two_containers(),
            json!({"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 6, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                {"name": "b", "ready": true, "restartCount": 0, "state": {"running": {}}}
            ]}),
        );
        assert_eq!(status_cells(&p), ("1/2".into(), "CrashLoopBackOff".into(), "6".into()));
    }

    #[test]
    fn terminated_without_reason_shows_signal_or_exit_code() {
        let p = pod(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Running", "containerStatuses": [
                {"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}),
        );
        assert_eq!(status_cells(&p).1, "Signal:9");
        let p = pod(
            json!({"containers": [{"name": "a"}]}),
            json!({"phase": "Running", "containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 2}}}]}),
        );
        assert_eq!(status_cells(&p).1, "ExitCode:2");
    }

    #[test]
    fn init_container_progress_and_failures() {
        let spec = json!({"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]});
        let p = pod(
            spec.clone(),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "i2", "state": {"running": {}}}
            ]}),
        );
        assert_eq!(status_cells(&p), ("0/1".into(), "Init:1/2".into(), "0".into()));

        let p = pod(
            spec.clone(),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}),
        );
        assert_eq!(
            status_cells(&p),
            ("0/1".into(), "Init:CrashLoopBackOff".into(), "4".into())
        );

        let p = pod(
            spec.clone(),
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}),
        );
        assert_eq!(status_cells(&p).1, "Init:Error");

        let p = pod(
            spec,
            json!({"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "state": {"terminated": {"exitCode": 3}}}]}),
        );
        assert_eq!(status_cells(&p).1, "Init:ExitCode:3");
    }

    #[test]
    fn sidecar_init_containers_count_as_containers() {
        let spec =
            json!({"initContainers": [{"name": "side", "restartPolicy": "Always"}], "containers": [{"name": "a"}]});
        let p = pod(
            spec,
            json!({"phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
                "initContainerStatuses": [{"name": "side", "started": true, "ready": true, "restartCount": 2,
                    "state": {"running": {}}, "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-03-01T11:00:00Z"}}}],
                "containerStatuses": [{"name": "a", "ready": true, "restartCount": 1, "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-03-01T11:50:00Z"}}}]}),
        );
        assert_eq!(status_cells(&p), ("2/2".into(), "Running".into(), "3 (10m ago)".into()));
    }

    #[test]
    fn completed_containers_with_one_running_show_running_or_not_ready() {
        let status = json!({"phase": "Running", "containerStatuses": [
            {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "b", "ready": true, "state": {"running": {}}}
        ]});
        let p = pod(two_containers(), status.clone());
        assert_eq!(status_cells(&p).1, "NotReady");
        let mut with_ready = status;
        with_ready["conditions"] = json!([{"type": "Ready", "status": "True"}]);
        let p = pod(two_containers(), with_ready);
        assert_eq!(status_cells(&p).1, "Running");
    }

    #[test]
    fn deletion_gives_terminating_or_unknown_for_lost_nodes() {
        let mut p = pod(two_containers(), json!({"phase": "Running"}));
        p["metadata"]["deletionTimestamp"] = json!("2024-03-01T11:59:00Z");
        assert_eq!(status_cells(&p).1, "Terminating");
        p["status"]["reason"] = json!("NodeLost");
        assert_eq!(status_cells(&p).1, "Unknown");
        let mut done = pod(two_containers(), json!({"phase": "Succeeded"}));
        done["metadata"]["deletionTimestamp"] = json!("2024-03-01T11:59:00Z");
        assert_eq!(status_cells(&done).1, "Succeeded");
    }

    #[test]
    fn status_reason_and_scheduling_gates() {
        let p = pod(two_containers(), json!({"phase": "Failed", "reason": "Evicted"}));
        assert_eq!(status_cells(&p).1, "Evicted");
        let p = pod(
            two_containers(),
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
        );
        assert_eq!(status_cells(&p).1, "SchedulingGated");
    }

    #[test]
    fn wide_cells_ip_node_nominated_and_readiness_gates() {
        let p = pod(
            json!({"containers": [{"name": "a"}], "nodeName": "n1",
                   "readinessGates": [{"conditionType": "g1"}, {"conditionType": "g2"}]}),
            json!({"phase": "Running", "podIP": "10.0.0.9", "podIPs": [{"ip": "10.0.0.9"}, {"ip": "fd00::9"}],
                   "nominatedNodeName": "n2", "conditions": [{"type": "g1", "status": "True"}, {"type": "g2", "status": "False"}]}),
        );
        let c = cells(&p, now());
        assert_eq!(c[5..], [json!("10.0.0.9"), json!("n1"), json!("n2"), json!("1/2")]);
    }

    #[test]
    fn minimal_pod_does_not_panic() {
        let c = cells(&json!({}), now());
        assert_eq!(
            c,
            vec![
                json!(""),
                json!("0/0"),
                json!(""),
                json!("0"),
                json!("<unknown>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn completed_pods_carry_a_row_condition() {
        let p = pod(two_containers(), json!({"phase": "Succeeded"}));
        assert_eq!(
            conditions(&p),
            vec![
                json!({"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."})
            ]
        );
        assert!(conditions(&pod(two_containers(), json!({"phase": "Running"}))).is_empty());
    }
}
