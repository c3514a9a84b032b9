//! Rows of the core (`""` group) resources other than pods.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::format::{
    age, arr_at, at, container_cells, format_labels, int_at, is_deleting, join_host_port, map_len, name, opt_str_at,
    quantity_or_zero, str_at, string_map, time_at,
};
use crate::time::{Timestamp, since};

/// Label prefix whose suffix names a node role.
const NODE_ROLE_PREFIX: &str = "node-role.kubernetes.io/";
/// Legacy label whose value names a node role.
const NODE_ROLE_LABEL: &str = "kubernetes.io/role";

/// `<none>` for empty strings.
fn or_none(s: &str) -> &str {
    if s.is_empty() { "<none>" } else { s }
}

pub fn namespace(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        str_at(obj, &["status", "phase"]).into(),
        age(obj, now),
    ]
}

pub fn config_map(obj: &Value, now: Timestamp) -> Vec<Value> {
    let data = map_len(obj, &["data"]) + map_len(obj, &["binaryData"]);
    vec![name(obj).into(), (data as i64).into(), age(obj, now)]
}

pub fn secret(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        str_at(obj, &["type"]).into(),
        (map_len(obj, &["data"]) as i64).into(),
        age(obj, now),
    ]
}

pub fn service_account(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        (arr_at(obj, &["secrets"]).len() as i64).into(),
        age(obj, now),
    ]
}

pub fn pod_template(obj: &Value, _now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(arr_at(obj, &["template", "spec", "containers"]));
    let labels = format_labels(&string_map(obj, &["template", "metadata", "labels"]));
    vec![name(obj).into(), names, images, labels.into()]
}

pub fn replication_controller(obj: &Value, now: Timestamp) -> Vec<Value> {
    let (names, images) = container_cells(arr_at(obj, &["spec", "template", "spec", "containers"]));
    vec![
        name(obj).into(),
        int_at(obj, &["spec", "replicas"]).into(),
        int_at(obj, &["status", "replicas"]).into(),
        int_at(obj, &["status", "readyReplicas"]).into(),
        age(obj, now),
        names,
        images,
        format_labels(&string_map(obj, &["spec", "selector"])).into(),
    ]
}

/// Load-balancer ingress IPs (or hostnames), de-duplicated and sorted, comma-joined. The server
/// renders wide tables, so the value is never clipped.
fn load_balancer_ingress(obj: &Value) -> String {
    let set: BTreeSet<&str> = arr_at(obj, &["status", "loadBalancer", "ingress"])
        .iter()
        .filter_map(|i| {
            let ip = str_at(i, &["ip"]);
            let host = str_at(i, &["hostname"]);
            if !ip.is_empty() {
                Some(ip)
            } else if !host.is_empty() {
                Some(host)
            } else {
                None
            }
        })
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

fn service_external_ip(obj: &Value) -> String {
    let external: Vec<&str> = arr_at(obj, &["spec", "externalIPs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    match str_at(obj, &["spec", "type"]) {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".into()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = load_balancer_ingress(obj);
            if !external.is_empty() {
                let mut all: Vec<&str> = if lb.is_empty() {
                    Vec::new()
                } else {
                    lb.split(',').collect()
                };
                all.extend(external);
                return all.join(",");
            }
            if lb.is_empty() { "<pending>".into() } else { lb }
        }
        "ExternalName" => str_at(obj, &["spec", "externalName"]).into(),
        _ => "<unknown>".into(),
    }
}

fn service_ports(obj: &Value) -> String {
    let pieces: Vec<String> = arr_at(obj, &["spec", "ports"])
        .iter()
        .map(|p| {
            let port = int_at(p, &["port"]);
            let protocol = str_at(p, &["protocol"]);
            let node_port = int_at(p, &["nodePort"]);
            if node_port > 0 {
                format!("{port}:{node_port}/{protocol}")
            } else {
                format!("{port}/{protocol}")
            }
        })
        .collect();
    let joined = pieces.join(",");
    if joined.is_empty() { "<none>".into() } else { joined }
}

pub fn service(obj: &Value, now: Timestamp) -> Vec<Value> {
    let cluster_ip = arr_at(obj, &["spec", "clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .or_else(|| opt_str_at(obj, &["spec", "clusterIP"]).filter(|s| !s.is_empty()))
        .unwrap_or("<none>");
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "type"]).into(),
        cluster_ip.into(),
        service_external_ip(obj).into(),
        service_ports(obj).into(),
        age(obj, now),
        format_labels(&string_map(obj, &["spec", "selector"])).into(),
    ]
}

/// Upstream's `formatEndpoints` over all ports: up to three `ip:port` entries, then `+ N more...`.
fn format_endpoints(obj: &Value) -> String {
    let subsets = arr_at(obj, &["subsets"]);
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut count = 0usize;
    let mut more = false;
    for ss in subsets {
        let addresses = arr_at(ss, &["addresses"]);
        let ports = arr_at(ss, &["ports"]);
        if ports.is_empty() {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(str_at(a, &["ip"]).to_string());
            }
            continue;
        }
        for p in ports {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(str_at(a, &["ip"]), int_at(p, &["port"])));
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - MAX)
    } else {
        ret
    }
}

pub fn endpoints(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![name(obj).into(), format_endpoints(obj).into(), age(obj, now)]
}

fn node_roles(obj: &Value) -> String {
    let mut roles = BTreeSet::new();
    for (k, v) in string_map(obj, &["metadata", "labels"]) {
        if let Some(role) = k.strip_prefix(NODE_ROLE_PREFIX) {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if k == NODE_ROLE_LABEL && !v.is_empty() {
            roles.insert(v);
        }
    }
    let joined = roles.into_iter().collect::<Vec<_>>().join(",");
    or_none(&joined).to_string()
}

fn node_address(obj: &Value, type_: &str) -> String {
    arr_at(obj, &["status", "addresses"])
        .iter()
        .find(|a| str_at(a, &["type"]) == type_)
        .map_or_else(|| "<none>".to_string(), |a| str_at(a, &["address"]).to_string())
}

pub fn node(obj: &Value, now: Timestamp) -> Vec<Value> {
    // Upstream keeps the last condition of each type; only Ready is shown.
    let ready = arr_at(obj, &["status", "conditions"])
        .iter()
        .rev()
        .find(|c| str_at(c, &["type"]) == "Ready");
    let mut status: Vec<&str> = match ready {
        Some(c) if str_at(c, &["status"]) == "True" => vec!["Ready"],
        Some(_) => vec!["NotReady"],
        None => vec!["Unknown"],
    };
    if at(obj, &["spec", "unschedulable"])
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        status.push("SchedulingDisabled");
    }
    let info = |field: &str| {
        let v = str_at(obj, &["status", "nodeInfo", field]);
        if v.is_empty() {
            "<unknown>".to_string()
        } else {
            v.to_string()
        }
    };
    vec![
        name(obj).into(),
        status.join(",").into(),
        node_roles(obj).into(),
        age(obj, now),
        str_at(obj, &["status", "nodeInfo", "kubeletVersion"]).into(),
        node_address(obj, "InternalIP").into(),
        node_address(obj, "ExternalIP").into(),
        info("osImage").into(),
        info("kernelVersion").into(),
        info("containerRuntimeVersion").into(),
    ]
}

/// Upstream's `GetAccessModesAsString`: `RWO,ROX,RWX,RWOP` in that order, each once.
fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v.as_str() == Some(m));
    let mut out = Vec::new();
    for (mode, short) in [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ] {
        if has(mode) {
            out.push(short);
        }
    }
    out.join(",")
}

/// The class of a PV or PVC: the beta annotation wins over `spec.storageClassName`.
fn storage_class(obj: &Value) -> String {
    if let Some(class) = at(
        obj,
        &["metadata", "annotations", "volume.beta.kubernetes.io/storage-class"],
    )
    .and_then(Value::as_str)
    {
        return class.to_string();
    }
    str_at(obj, &["spec", "storageClassName"]).to_string()
}

pub fn persistent_volume(obj: &Value, now: Timestamp) -> Vec<Value> {
    let claim = match at(obj, &["spec", "claimRef"]).filter(|v| v.is_object()) {
        Some(r) => format!("{}/{}", str_at(r, &["namespace"]), str_at(r, &["name"])),
        None => String::new(),
    };
    let phase = if is_deleting(obj) {
        "Terminating"
    } else {
        str_at(obj, &["status", "phase"])
    };
    vec![
        name(obj).into(),
        quantity_or_zero(at(obj, &["spec", "capacity", "storage"])).into(),
        access_modes(arr_at(obj, &["spec", "accessModes"])).into(),
        str_at(obj, &["spec", "persistentVolumeReclaimPolicy"]).into(),
        phase.into(),
        claim.into(),
        storage_class(obj).into(),
        opt_str_at(obj, &["spec", "volumeAttributesClassName"])
            .unwrap_or("<unset>")
            .into(),
        str_at(obj, &["status", "reason"]).into(),
        age(obj, now),
        opt_str_at(obj, &["spec", "volumeMode"]).unwrap_or("<unset>").into(),
    ]
}

pub fn persistent_volume_claim(obj: &Value, now: Timestamp) -> Vec<Value> {
    let phase = if is_deleting(obj) {
        "Terminating"
    } else {
        str_at(obj, &["status", "phase"])
    };
    let volume = str_at(obj, &["spec", "volumeName"]);
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity_or_zero(at(obj, &["status", "capacity", "storage"])),
            access_modes(arr_at(obj, &["status", "accessModes"])),
        )
    };
    vec![
        name(obj).into(),
        phase.into(),
        volume.into(),
        capacity.into(),
        modes.into(),
        storage_class(obj).into(),
        opt_str_at(obj, &["spec", "volumeAttributesClassName"])
            .unwrap_or("<unset>")
            .into(),
        age(obj, now),
        opt_str_at(obj, &["spec", "volumeMode"]).unwrap_or("<unset>").into(),
    ]
}

pub fn component_status(obj: &Value, _now: Timestamp) -> Vec<Value> {
    let (mut status, mut message, mut error) = ("Unknown", "", "");
    if let Some(c) = arr_at(obj, &["conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Healthy")
    {
        status = if str_at(c, &["status"]) == "True" {
            "Healthy"
        } else {
            "Unhealthy"
        };
        message = str_at(c, &["message"]);
        error = str_at(c, &["error"]);
    }
    vec![name(obj).into(), status.into(), message.into(), error.into()]
}

/// Upstream's `SortableResourceNames` order is plain string order, which `BTreeMap` keys give.
pub fn resource_quota(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    if let Some(hard) = at(obj, &["status", "hard"]).and_then(Value::as_object) {
        let mut names: Vec<&String> = hard.keys().collect();
        names.sort();
        for resource in names {
            let used = quantity_or_zero(at(obj, &["status", "used", resource]));
            let limit = quantity_or_zero(hard.get(resource));
            let entry = format!("{resource}: {used}/{limit}");
            let mut pieces = resource.split('.');
            let first = pieces.next();
            if pieces.next().is_some() && first == Some("limits") {
                limits.push(entry);
            } else {
                requests.push(entry);
            }
        }
    }
    vec![
        name(obj).into(),
        requests.join(", ").into(),
        limits.join(", ").into(),
        age(obj, now),
    ]
}

/// The event fields a row needs, read from either `v1` or `events.k8s.io/v1` JSON.
struct EventFields<'a> {
    first: Timestamp,
    last: Timestamp,
    event_time: Timestamp,
    count: i64,
    series: Option<&'a Value>,
    kind: &'a str,
    object_name: &'a str,
    field_path: &'a str,
    component: &'a str,
    host: &'a str,
    reporting_controller: &'a str,
    reporting_instance: &'a str,
    type_: &'a str,
    reason: &'a str,
    message: &'a str,
}

fn event_row(obj: &Value, e: EventFields<'_>, now: Timestamp) -> Vec<Value> {
    let first = if e.first.is_zero() {
        since(e.event_time, now)
    } else {
        since(e.first, now)
    };
    let mut last = if e.last.is_zero() {
        first.clone()
    } else {
        since(e.last, now)
    };
    let mut count = e.count;
    if let Some(series) = e.series {
        last = since(time_at(series, &["lastObservedTime"]), now);
        count = int_at(series, &["count"]);
    } else if count == 0 {
        count = 1;
    }
    let kind = e.kind.to_lowercase();
    let target = if e.object_name.is_empty() {
        kind
    } else {
        format!("{kind}/{}", e.object_name)
    };
    let component = if e.component.is_empty() {
        e.reporting_controller
    } else {
        e.component
    };
    let instance = if e.host.is_empty() {
        e.reporting_instance
    } else {
        e.host
    };
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    vec![
        last.into(),
        e.type_.into(),
        e.reason.into(),
        target.into(),
        e.field_path.into(),
        source.into(),
        e.message.trim().into(),
        first.into(),
        count.into(),
        name(obj).into(),
    ]
}

/// A `v1` Event.
pub fn event(obj: &Value, now: Timestamp) -> Vec<Value> {
    let fields = EventFields {
        first: time_at(obj, &["firstTimestamp"]),
        last: time_at(obj, &["lastTimestamp"]),
        event_time: time_at(obj, &["eventTime"]),
        count: int_at(obj, &["count"]),
        series: at(obj, &["series"]).filter(|v| v.is_object()),
        kind: str_at(obj, &["involvedObject", "kind"]),
        object_name: str_at(obj, &["involvedObject", "name"]),
        field_path: str_at(obj, &["involvedObject", "fieldPath"]),
        component: str_at(obj, &["source", "component"]),
        host: str_at(obj, &["source", "host"]),
        reporting_controller: str_at(obj, &["reportingComponent"]),
        reporting_instance: str_at(obj, &["reportingInstance"]),
        type_: str_at(obj, &["type"]),
        reason: str_at(obj, &["reason"]),
        message: str_at(obj, &["message"]),
    };
    event_row(obj, fields, now)
}

/// An `events.k8s.io/v1` Event, shown through the same printer as `v1` Events.
pub fn events_v1(obj: &Value, now: Timestamp) -> Vec<Value> {
    let fields = EventFields {
        first: time_at(obj, &["deprecatedFirstTimestamp"]),
        last: time_at(obj, &["deprecatedLastTimestamp"]),
        event_time: time_at(obj, &["eventTime"]),
        count: int_at(obj, &["deprecatedCount"]),
        series: at(obj, &["series"]).filter(|v| v.is_object()),
        kind: str_at(obj, &["regarding", "kind"]),
        object_name: str_at(obj, &["regarding", "name"]),
        field_path: str_at(obj, &["regarding", "fieldPath"]),
        component: str_at(obj, &["deprecatedSource", "component"]),
        host: str_at(obj, &["deprecatedSource", "host"]),
        reporting_controller: str_at(obj, &["reportingController"]),
        reporting_instance: str_at(obj, &["reportingInstance"]),
        type_: str_at(obj, &["type"]),
        reason: str_at(obj, &["reason"]),
        message: str_at(obj, &["note"]),
    };
    event_row(obj, fields, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        Timestamp::parse("2024-03-01T12:00:00Z").unwrap()
    }

    fn meta(name: &str) -> Value {
        json!({"name": name, "creationTimestamp": "2024-03-01T11:58:00Z"})
    }

    #[test]
    fn services_of_each_type() {
        let svc = json!({"metadata": meta("web"), "spec": {"type": "NodePort", "clusterIP": "10.0.0.10",
            "clusterIPs": ["10.0.0.10"], "selector": {"app": "web"},
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}});
        assert_eq!(
            service(&svc, now()),
            vec![
                json!("web"),
                json!("NodePort"),
                json!("10.0.0.10"),
                json!("<none>"),
                json!("80:30080/TCP,53/UDP"),
                json!("2m"),
                json!("app=web")
            ]
        );
        let lb = json!({"metadata": meta("lb"), "spec": {"type": "LoadBalancer", "clusterIPs": ["10.0.0.11"],
            "externalIPs": ["5.6.7.8"]}, "status": {"loadBalancer": {"ingress": [{"ip": "2.3.4.5"}, {"hostname": "a.example"}]}}});
        let c = service(&lb, now());
        assert_eq!(c[3], "2.3.4.5,a.example,5.6.7.8");
        assert_eq!(c[4], "<none>");
        assert_eq!(c[6], "<none>");
        let pending = json!({"spec": {"type": "LoadBalancer"}});
        assert_eq!(service(&pending, now())[3], "<pending>");
        assert_eq!(service(&pending, now())[2], "<none>");
        let ext = json!({"spec": {"type": "ExternalName", "externalName": "db.example.com"}});
        assert_eq!(service(&ext, now())[3], "db.example.com");
        let headless =
            json!({"spec": {"type": "ClusterIP", "clusterIP": "None", "externalIPs": ["1.1.1.1", "2.2.2.2"]}});
        assert_eq!(service(&headless, now())[2], "None");
        assert_eq!(service(&headless, now())[3], "1.1.1.1,2.2.2.2");
    }

    #[test]
    fn nodes_status_roles_and_addresses() {
        let n = json!({"metadata": {"name": "n1", "creationTimestamp": "2024-02-20T12:00:00Z",
                "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/": "x",
                           "kubernetes.io/role": "master", "other": "y"}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "Hostname", "address": "n1"}, {"type": "InternalIP", "address": "192.168.0.2"}],
                "nodeInfo": {"kubeletVersion": "v1.37.0", "osImage": "Debian", "kernelVersion": "6.1.0",
                             "containerRuntimeVersion": "containerd://2.0.0"}}});
        assert_eq!(
            node(&n, now()),
            vec![
                json!("n1"),
                json!("Ready,SchedulingDisabled"),
                json!("control-plane,master"),
                json!("10d"),
                json!("v1.37.0"),
                json!("192.168.0.2"),
                json!("<none>"),
                json!("Debian"),
                json!("6.1.0"),
                json!("containerd://2.0.0")
            ]
        );
        let not_ready = json!({"status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}});
        let c = node(&not_ready, now());
        assert_eq!(c[1], "NotReady");
        assert_eq!(c[2], "<none>");
        assert_eq!(c[7], "<unknown>");
        assert_eq!(node(&json!({}), now())[1], "Unknown");
    }

    #[test]
    fn endpoints_truncate_after_three() {
        let ep = json!({"metadata": meta("e"), "subsets": [
            {"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 80}, {"port": 443}]},
            {"addresses": [{"ip": "fd00::1"}]}
        ]});
        assert_eq!(
            endpoints(&ep, now())[1],
            "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more..."
        );
        let small = json!({"subsets": [{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 8080}]}]});
        assert_eq!(endpoints(&small, now())[1], "[fd00::1]:8080");
        assert_eq!(endpoints(&json!({}), now())[1], "<none>");
    }

    #[test]
    fn data_counts() {
        let cm = json!({"metadata": meta("c"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
        assert_eq!(config_map(&cm, now()), vec![json!("c"), json!(3), json!("2m")]);
        let s = json!({"metadata": meta("s"), "type": "Opaque", "data": {"k": "dg=="}});
        assert_eq!(
            secret(&s, now()),
            vec![json!("s"), json!("Opaque"), json!(1), json!("2m")]
        );
        let sa = json!({"metadata": meta("default")});
        assert_eq!(
            service_account(&sa, now()),
            vec![json!("default"), json!(0), json!("2m")]
        );
        let ns = json!({"metadata": meta("kube-system"), "status": {"phase": "Active"}});
        assert_eq!(
            namespace(&ns, now()),
            vec![json!("kube-system"), json!("Active"), json!("2m")]
        );
    }

    #[test]
    fn core_events_and_series() {
        let e = json!({"metadata": meta("p.17a"), "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{a}"},
            "reason": "Pulled", "message": "  Pulled image  \n", "type": "Normal", "count": 3,
            "firstTimestamp": "2024-03-01T11:00:00Z", "lastTimestamp": "2024-03-01T11:59:00Z",
            "source": {"component": "kubelet", "host": "n1"}});
        assert_eq!(
            event(&e, now()),
            vec![
                json!("60s"),
                json!("Normal"),
                json!("Pulled"),
                json!("pod/p"),
                json!("spec.containers{a}"),
                json!("kubelet, n1"),
                json!("Pulled image"),
                json!("60m"),
                json!(3),
                json!("p.17a")
            ]
        );
        let new_style = json!({"metadata": meta("x"), "eventTime": "2024-03-01T11:59:30.000000Z",
            "involvedObject": {"kind": "Node"}, "reportingComponent": "scheduler", "type": "Warning"});
        let c = event(&new_style, now());
        assert_eq!(c[0], "30s");
        assert_eq!(c[3], "node");
        assert_eq!(c[5], "scheduler");
        assert_eq!(c[7], "30s");
        assert_eq!(c[8], 1);
        let series = json!({"eventTime": "2024-03-01T11:00:00.000000Z", "series": {"count": 7, "lastObservedTime": "2024-03-01T11:57:00.000000Z"}});
        let c = event(&series, now());
        assert_eq!((c[0].clone(), c[8].clone()), (json!("3m"), json!(7)));
    }

    #[test]
    fn events_k8s_io_fields_map_to_the_same_columns() {
        let e = json!({"metadata": meta("ev"), "eventTime": "2024-03-01T11:59:00.000000Z", "regarding": {"kind": "Deployment", "name": "d"},
            "note": "Scaled up", "reason": "ScalingReplicaSet", "type": "Normal", "reportingController": "deployment-controller",
            "reportingInstance": "cm-1"});
        assert_eq!(
            events_v1(&e, now()),
            vec![
                json!("60s"),
                json!("Normal"),
                json!("ScalingReplicaSet"),
                json!("deployment/d"),
                json!(""),
                json!("deployment-controller, cm-1"),
                json!("Scaled up"),
                json!("60s"),
                json!(1),
                json!("ev")
            ]
        );
    }

    #[test]
    fn persistent_volumes_and_claims() {
        let pv = json!({"metadata": meta("pv1"), "spec": {"capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Retain",
            "claimRef": {"namespace": "default", "name": "data"}, "storageClassName": "standard", "volumeMode": "Filesystem"},
            "status": {"phase": "Bound"}});
        assert_eq!(
            persistent_volume(&pv, now()),
            vec![
                json!("pv1"),
                json!("10Gi"),
                json!("RWO,RWX"),
                json!("Retain"),
                json!("Bound"),
                json!("default/data"),
                json!("standard"),
                json!("<unset>"),
                json!(""),
                json!("2m"),
                json!("Filesystem")
            ]
        );
        let pvc = json!({"metadata": meta("data"), "spec": {"volumeName": "pv1", "storageClassName": "standard",
            "resources": {"requests": {"storage": "5Gi"}}}, "status": {"phase": "Bound", "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteOnce"]}});
        assert_eq!(
            persistent_volume_claim(&pvc, now()),
            vec![
                json!("data"),
                json!("Bound"),
                json!("pv1"),
                json!("10Gi"),
                json!("RWO"),
                json!("standard"),
                json!("<unset>"),
                json!("2m"),
                json!("<unset>")
            ]
        );
        let mut pending = json!({"metadata": {"name": "p", "deletionTimestamp": "2024-03-01T11:00:00Z",
            "annotations": {"volume.beta.kubernetes.io/storage-class": "old"}}, "spec": {"storageClassName": "new"}});
        let c = persistent_volume_claim(&pending, now());
        assert_eq!(
            (c[1].clone(), c[3].clone(), c[5].clone()),
            (json!("Terminating"), json!(""), json!("old"))
        );
        pending["spec"]["volumeName"] = json!("pv2");
        assert_eq!(persistent_volume_claim(&pending, now())[3], "0");
    }

    #[test]
    fn resource_quota_splits_requests_and_limits() {
        let rq = json!({"metadata": meta("q"), "status": {
            "hard": {"pods": "10", "limits.cpu": "2", "requests.memory": "1Gi", "limits.memory": "2Gi"},
            "used": {"pods": "3", "limits.cpu": "500m", "requests.memory": "0"}}});
        assert_eq!(
            resource_quota(&rq, now()),
            vec![
                json!("q"),
                json!("pods: 3/10, requests.memory: 0/1Gi"),
                json!("limits.cpu: 500m/2, limits.memory: 0/2Gi"),
                json!("2m")
            ]
        );
    }

    #[test]
    fn replication_controllers_and_pod_templates() {
        let rc = json!({"metadata": meta("rc"), "spec": {"replicas": 3, "selector": {"app": "a"},
            "template": {"spec": {"containers": [{"name": "c1", "image": "i1"}, {"name": "c2", "image": "i2"}]}}},
            "status": {"replicas": 3, "readyReplicas": 2}});
        assert_eq!(
            replication_controller(&rc, now()),
            vec![
                json!("rc"),
                json!(3),
                json!(3),
                json!(2),
                json!("2m"),
                json!("c1,c2"),
                json!("i1,i2"),
                json!("app=a")
            ]
        );
        let pt = json!({"metadata": meta("t"), "template": {"metadata": {"labels": {"x": "1"}}, "spec": {"containers": [{"name": "c", "image": "img"}]}}});
        assert_eq!(
            pod_template(&pt, now()),
            vec![json!("t"), json!("c"), json!("img"), json!("x=1")]
        );
    }

    #[test]
    fn component_statuses() {
        let cs = json!({"metadata": {"name": "etcd-0"}, "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]});
        assert_eq!(
            component_status(&cs, now()),
            vec![json!("etcd-0"), json!("Healthy"), json!("ok"), json!("")]
        );
        assert_eq!(component_status(&json!({}), now())[1], "Unknown");
    }
}
