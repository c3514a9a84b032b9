//! Rows of the remaining API groups: networking, storage, RBAC, scheduling, coordination,
//! certificates, admission, flow control, node, discovery, DRA and aggregation.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::duration::human_duration;
use crate::format::{
    age, arr_at, at, bool_at, format_label_selector, int_at, is_deleting, list_with_more, name, opt_bool_at,
    opt_str_at, quantity_ptr, str_at, string_map,
};
use crate::time::Timestamp;

/// `<none>` for empty strings.
fn or_none(s: &str) -> &str {
    if s.is_empty() { "<none>" } else { s }
}

pub fn ingress(obj: &Value, now: Timestamp) -> Vec<Value> {
    const MAX: usize = 3;
    let rules = arr_at(obj, &["spec", "rules"]);
    let mut hosts: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if hosts.len() == MAX {
            more = true;
        }
        let host = str_at(rule, &["host"]);
        if !more && !host.is_empty() {
            hosts.push(host);
        }
    }
    let hosts = if hosts.is_empty() {
        "*".to_string()
    } else if more {
        format!("{} + {} more...", hosts.join(","), rules.len() - MAX)
    } else {
        hosts.join(",")
    };
    let address: BTreeSet<&str> = arr_at(obj, &["status", "loadBalancer", "ingress"])
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
    let ports = if arr_at(obj, &["spec", "tls"]).is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        name(obj).into(),
        opt_str_at(obj, &["spec", "ingressClassName"])
            .unwrap_or("<none>")
            .into(),
        hosts.into(),
        address.into_iter().collect::<Vec<_>>().join(",").into(),
        ports.into(),
        age(obj, now),
    ]
}

pub fn ingress_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    let parameters = match at(obj, &["spec", "parameters"]).filter(|v| v.is_object()) {
        None => "<none>".to_string(),
        Some(p) => {
            let mut s = str_at(p, &["kind"]).to_string();
            if let Some(group) = opt_str_at(p, &["apiGroup"]) {
                s = format!("{s}.{group}");
            }
            format!("{s}/{}", str_at(p, &["name"]))
        }
    };
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "controller"]).into(),
        parameters.into(),
        age(obj, now),
    ]
}

pub fn network_policy(obj: &Value, now: Timestamp) -> Vec<Value> {
    // `podSelector` is a struct upstream, so an absent one is the empty selector.
    let selector = at(obj, &["spec", "podSelector"])
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    vec![
        name(obj).into(),
        format_label_selector(Some(&selector)).into(),
        age(obj, now),
    ]
}

pub fn endpoint_slice(obj: &Value, now: Timestamp) -> Vec<Value> {
    let ports: Vec<String> = arr_at(obj, &["ports"])
        .iter()
        .map(
            |p| match (p.get("port").and_then(Value::as_i64), opt_str_at(p, &["name"])) {
                (Some(port), _) => port.to_string(),
                (None, Some(n)) => n.to_string(),
                (None, None) => "*".to_string(),
            },
        )
        .collect();
    let addresses: Vec<String> = arr_at(obj, &["endpoints"])
        .iter()
        .flat_map(|e| {
            arr_at(e, &["addresses"])
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    vec![
        name(obj).into(),
        str_at(obj, &["addressType"]).into(),
        list_with_more(&ports, 3).into(),
        list_with_more(&addresses, 3).into(),
        age(obj, now),
    ]
}

pub fn service_cidr(obj: &Value, now: Timestamp) -> Vec<Value> {
    let cidrs: Vec<&str> = arr_at(obj, &["spec", "cidrs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    vec![name(obj).into(), cidrs.join(",").into(), age(obj, now)]
}

pub fn ip_address(obj: &Value, now: Timestamp) -> Vec<Value> {
    let parent = match at(obj, &["spec", "parentRef"]).filter(|v| v.is_object()) {
        None => "<none>".to_string(),
        Some(r) => {
            let group = str_at(r, &["group"]);
            let resource = str_at(r, &["resource"]);
            let mut s = if group.is_empty() {
                resource.to_lowercase()
            } else {
                format!("{resource}.{group}").to_lowercase()
            };
            let ns = str_at(r, &["namespace"]);
            if !ns.is_empty() {
                s = format!("{s}/{ns}");
            }
            format!("{s}/{}", str_at(r, &["name"]))
        }
    };
    vec![name(obj).into(), parent.into(), age(obj, now)]
}

/// The storage class default annotations (GA and beta).
fn is_default_class(obj: &Value, keys: &[&str]) -> bool {
    keys.iter()
        .any(|k| at(obj, &["metadata", "annotations", k]).and_then(Value::as_str) == Some("true"))
}

pub fn storage_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut n = name(obj).to_string();
    if is_default_class(
        obj,
        &[
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        ],
    ) {
        n.push_str(" (default)");
    }
    vec![
        n.into(),
        str_at(obj, &["provisioner"]).into(),
        opt_str_at(obj, &["reclaimPolicy"]).unwrap_or("Delete").into(),
        opt_str_at(obj, &["volumeBindingMode"]).unwrap_or("Immediate").into(),
        bool_at(obj, &["allowVolumeExpansion"]).into(),
        age(obj, now),
    ]
}

pub fn volume_attributes_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut n = name(obj).to_string();
    if is_default_class(obj, &["storage.kubernetes.io/is-default-class"]) {
        n.push_str(" (default)");
    }
    vec![n.into(), str_at(obj, &["driverName"]).into(), age(obj, now)]
}

pub fn volume_attachment(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "attacher"]).into(),
        str_at(obj, &["spec", "source", "persistentVolumeName"]).into(),
        str_at(obj, &["spec", "nodeName"]).into(),
        bool_at(obj, &["status", "attached"]).into(),
        age(obj, now),
    ]
}

pub fn csi_node(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        (arr_at(obj, &["spec", "drivers"]).len() as i64).into(),
        age(obj, now),
    ]
}

pub fn csi_driver(obj: &Value, now: Timestamp) -> Vec<Value> {
    let modes: Vec<&str> = arr_at(obj, &["spec", "volumeLifecycleModes"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let token_requests = match at(obj, &["spec", "tokenRequests"]).and_then(Value::as_array) {
        None => "<unset>".to_string(),
        Some(list) => list
            .iter()
            .map(|t| str_at(t, &["audience"]))
            .collect::<Vec<_>>()
            .join(","),
    };
    vec![
        name(obj).into(),
        opt_bool_at(obj, &["spec", "attachRequired"]).unwrap_or(true).into(),
        bool_at(obj, &["spec", "podInfoOnMount"]).into(),
        bool_at(obj, &["spec", "storageCapacity"]).into(),
        token_requests.into(),
        bool_at(obj, &["spec", "requiresRepublish"]).into(),
        or_none(&modes.join(",")).into(),
        age(obj, now),
    ]
}

pub fn csi_storage_capacity(obj: &Value, _now: Timestamp) -> Vec<Value> {
    let capacity = match at(obj, &["capacity"]).filter(|v| !v.is_null()) {
        None => "<unset>".to_string(),
        Some(q) => quantity_ptr(Some(q)),
    };
    vec![
        name(obj).into(),
        str_at(obj, &["storageClassName"]).into(),
        capacity.into(),
    ]
}

/// Upstream's `rbac.SubjectsStrings` joined by `", "`: users, groups and service accounts.
fn subjects(obj: &Value) -> (String, String, String) {
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for s in arr_at(obj, &["subjects"]) {
        let n = str_at(s, &["name"]);
        match str_at(s, &["kind"]) {
            "ServiceAccount" => sas.push(format!("{}/{n}", str_at(s, &["namespace"]))),
            "User" => users.push(n.to_string()),
            "Group" => groups.push(n.to_string()),
            _ => {}
        }
    }
    (users.join(", "), groups.join(", "), sas.join(", "))
}

pub fn role_binding(obj: &Value, now: Timestamp) -> Vec<Value> {
    let role = format!(
        "{}/{}",
        str_at(obj, &["roleRef", "kind"]),
        str_at(obj, &["roleRef", "name"])
    );
    let (users, groups, sas) = subjects(obj);
    vec![
        name(obj).into(),
        role.into(),
        age(obj, now),
        users.into(),
        groups.into(),
        sas.into(),
    ]
}

pub fn priority_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        int_at(obj, &["value"]).into(),
        bool_at(obj, &["globalDefault"]).into(),
        age(obj, now),
        str_at(obj, &["preemptionPolicy"]).into(),
    ]
}

pub fn runtime_class(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![name(obj).into(), str_at(obj, &["handler"]).into(), age(obj, now)]
}

pub fn lease(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "holderIdentity"]).into(),
        age(obj, now),
    ]
}

pub fn lease_candidate(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "leaseName"]).into(),
        str_at(obj, &["spec", "binaryVersion"]).into(),
        str_at(obj, &["spec", "emulationVersion"]).into(),
        age(obj, now),
    ]
}

/// Upstream's `extractCSRStatus`: Denied/Approved/Pending, then `,Failed` and `,Issued`.
fn csr_status(obj: &Value) -> String {
    let has = |t: &str| {
        arr_at(obj, &["status", "conditions"])
            .iter()
            .any(|c| str_at(c, &["type"]) == t)
    };
    let mut status = if has("Denied") {
        "Denied".to_string()
    } else if has("Approved") {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if has("Failed") {
        status.push_str(",Failed");
    }
    if !str_at(obj, &["status", "certificate"]).is_empty() {
        status.push_str(",Issued");
    }
    status
}

pub fn certificate_signing_request(obj: &Value, now: Timestamp) -> Vec<Value> {
    let requested = match at(obj, &["spec", "expirationSeconds"]).and_then(Value::as_i64) {
        Some(secs) => human_duration(i128::from(secs) * 1_000_000_000),
        None => "<none>".to_string(),
    };
    vec![
        name(obj).into(),
        age(obj, now),
        or_none(str_at(obj, &["spec", "signerName"])).into(),
        str_at(obj, &["spec", "username"]).into(),
        requested.into(),
        csr_status(obj).into(),
    ]
}

pub fn cluster_trust_bundle(obj: &Value, _now: Timestamp) -> Vec<Value> {
    vec![name(obj).into(), or_none(str_at(obj, &["spec", "signerName"])).into()]
}

pub fn webhook_configuration(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        (arr_at(obj, &["webhooks"]).len() as i64).into(),
        age(obj, now),
    ]
}

fn param_kind(obj: &Value) -> String {
    match at(obj, &["spec", "paramKind"]).filter(|v| v.is_object()) {
        None => "<unset>".into(),
        Some(k) => format!("{}/{}", str_at(k, &["apiVersion"]), str_at(k, &["kind"])),
    }
}

pub fn validating_admission_policy(obj: &Value, now: Timestamp) -> Vec<Value> {
    let rules = arr_at(obj, &["spec", "validations"]).len() as i64;
    vec![name(obj).into(), rules.into(), param_kind(obj).into(), age(obj, now)]
}

pub fn mutating_admission_policy(obj: &Value, now: Timestamp) -> Vec<Value> {
    let rules = arr_at(obj, &["spec", "mutations"]).len() as i64;
    vec![name(obj).into(), rules.into(), param_kind(obj).into(), age(obj, now)]
}

/// Go's generated `String()` of a `*metav1.LabelSelector`, which upstream prints for selector
/// param references.
fn go_label_selector_string(sel: &Value) -> String {
    let labels = string_map(sel, &["matchLabels"]);
    let mut out = String::from("&LabelSelector{MatchLabels:map[string]string{");
    for (k, v) in &labels {
        out.push_str(&format!("{k}: {v},"));
    }
    out.push_str("},MatchExpressions:[]LabelSelectorRequirement{");
    for e in arr_at(sel, &["matchExpressions"]) {
        let values: Vec<&str> = arr_at(e, &["values"]).iter().filter_map(Value::as_str).collect();
        out.push_str(&format!(
            "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
            str_at(e, &["key"]),
            str_at(e, &["operator"]),
            values.join(" ")
        ));
    }
    out.push_str("},}");
    out
}

pub fn admission_policy_binding(obj: &Value, now: Timestamp) -> Vec<Value> {
    let param = match at(obj, &["spec", "paramRef"]).filter(|v| v.is_object()) {
        None => "<unset>".to_string(),
        Some(r) => {
            let n = str_at(r, &["name"]);
            let ns = str_at(r, &["namespace"]);
            if !n.is_empty() {
                if ns.is_empty() {
                    format!("*/{n}")
                } else {
                    format!("{ns}/{n}")
                }
            } else if let Some(sel) = at(r, &["selector"]).filter(|v| v.is_object()) {
                go_label_selector_string(sel)
            } else {
                "<unset>".to_string()
            }
        }
    };
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "policyName"]).into(),
        param.into(),
        age(obj, now),
    ]
}

pub fn flow_schema(obj: &Value, now: Timestamp) -> Vec<Value> {
    let distinguisher = opt_str_at(obj, &["spec", "distinguisherMethod", "type"]).unwrap_or("<none>");
    let missing = arr_at(obj, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Dangling")
        .map_or("?", |c| str_at(c, &["status"]));
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "priorityLevelConfiguration", "name"]).into(),
        int_at(obj, &["spec", "matchingPrecedence"]).into(),
        distinguisher.into(),
        age(obj, now),
        missing.into(),
    ]
}

pub fn priority_level_configuration(obj: &Value, now: Timestamp) -> Vec<Value> {
    let none = || Value::from("<none>");
    let (mut shares, mut queues, mut hand, mut limit) = (none(), none(), none(), none());
    if let Some(limited) = at(obj, &["spec", "limited"]).filter(|v| v.is_object()) {
        shares = int_at(limited, &["nominalConcurrencyShares"]).into();
        if let Some(q) = at(limited, &["limitResponse", "queuing"]).filter(|v| v.is_object()) {
            queues = int_at(q, &["queues"]).into();
            hand = int_at(q, &["handSize"]).into();
            limit = int_at(q, &["queueLengthLimit"]).into();
        }
    }
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "type"]).into(),
        shares,
        queues,
        hand,
        limit,
        age(obj, now),
    ]
}

pub fn storage_version(obj: &Value, now: Timestamp) -> Vec<Value> {
    let versions: Vec<String> = arr_at(obj, &["status", "storageVersions"])
        .iter()
        .map(|v| format!("{}={}", str_at(v, &["apiServerID"]), str_at(v, &["encodingVersion"])))
        .collect();
    vec![
        name(obj).into(),
        opt_str_at(obj, &["status", "commonEncodingVersion"])
            .unwrap_or("<unset>")
            .into(),
        list_with_more(&versions, 3).into(),
        age(obj, now),
    ]
}

pub fn storage_version_migration(obj: &Value, _now: Timestamp) -> Vec<Value> {
    let resource = str_at(obj, &["spec", "resource", "resource"]);
    let version = str_at(obj, &["spec", "resource", "version"]);
    let group = str_at(obj, &["spec", "resource", "group"]);
    let gvr = if version.is_empty() {
        format!("{resource}.{group}")
    } else {
        format!("{resource}.{version}.{group}")
    };
    vec![name(obj).into(), gvr.into()]
}

pub fn name_age(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![name(obj).into(), age(obj, now)]
}

pub fn resource_claim(obj: &Value, now: Timestamp) -> Vec<Value> {
    let mut states = Vec::new();
    let deleting = is_deleting(obj);
    if deleting {
        states.push("deleted");
    }
    if at(obj, &["status", "allocation"]).filter(|v| !v.is_null()).is_none() {
        if !deleting {
            states.push("pending");
        }
    } else {
        states.push("allocated");
        if !arr_at(obj, &["status", "reservedFor"]).is_empty() {
            states.push("reserved");
        }
    }
    vec![name(obj).into(), states.join(",").into(), age(obj, now)]
}

pub fn resource_slice(obj: &Value, now: Timestamp) -> Vec<Value> {
    vec![
        name(obj).into(),
        str_at(obj, &["spec", "nodeName"]).into(),
        str_at(obj, &["spec", "driver"]).into(),
        str_at(obj, &["spec", "pool", "name"]).into(),
        age(obj, now),
    ]
}

/// kube-aggregator's APIService row: the backing service (or `Local`) and the Available condition.
pub fn api_service(obj: &Value, now: Timestamp) -> Vec<Value> {
    let service = match at(obj, &["spec", "service"]).filter(|v| v.is_object()) {
        None => "Local".to_string(),
        Some(s) => format!("{}/{}", str_at(s, &["namespace"]), str_at(s, &["name"])),
    };
    let available = match arr_at(obj, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == "Available")
    {
        None => "Unknown".to_string(),
        Some(c) => {
            let status = str_at(c, &["status"]);
            let reason = str_at(c, &["reason"]);
            if status != "True" && !reason.is_empty() {
                format!("{status} ({reason})")
            } else {
                status.to_string()
            }
        }
    };
    vec![name(obj).into(), service.into(), available.into(), age(obj, now)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        Timestamp::parse("2024-03-01T12:00:00Z").unwrap()
    }

    fn meta(name: &str) -> Value {
        json!({"name": name, "creationTimestamp": "2024-03-01T11:59:00Z"})
    }

    #[test]
    fn ingresses() {
        let ing = json!({"metadata": meta("web"), "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a"]}],
            "rules": [{"host": "a.example"}, {"host": "b.example"}, {}, {"host": "c.example"}, {"host": "d.example"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}, {"hostname": "lb.example"}]}}});
        assert_eq!(
            ingress(&ing, now()),
            vec![
                json!("web"),
                json!("nginx"),
                json!("a.example,b.example,c.example + 2 more..."),
                json!("10.0.0.1,10.0.0.2,lb.example"),
                json!("80, 443"),
                json!("60s")
            ]
        );
        let bare = ingress(&json!({}), now());
        assert_eq!(bare[1..5], [json!("<none>"), json!("*"), json!(""), json!("80")]);
        let class = json!({"metadata": meta("nginx"), "spec": {"controller": "k8s.io/ingress-nginx",
            "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "p"}}});
        assert_eq!(
            ingress_class(&class, now()),
            vec![
                json!("nginx"),
                json!("k8s.io/ingress-nginx"),
                json!("IngressParameters.k8s.example.com/p"),
                json!("60s")
            ]
        );
    }

    #[test]
    fn endpoint_slices() {
        let es = json!({"metadata": meta("web-abc"), "addressType": "IPv4",
            "ports": [{"port": 80, "name": "http"}, {"name": "named"}, {}, {"port": 9090}],
            "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2", "10.0.0.3"]}]});
        assert_eq!(
            endpoint_slice(&es, now()),
            vec![
                json!("web-abc"),
                json!("IPv4"),
                json!("80,named,* + 1 more..."),
                json!("10.0.0.1,10.0.0.2,10.0.0.3"),
                json!("60s")
            ]
        );
        assert_eq!(
            endpoint_slice(&json!({}), now())[2..4],
            [json!("<unset>"), json!("<unset>")]
        );
    }

    #[test]
    fn network_policies() {
        let np = json!({"metadata": meta("deny"), "spec": {"podSelector": {}}});
        assert_eq!(
            network_policy(&np, now()),
            vec![json!("deny"), json!("<none>"), json!("60s")]
        );
        let np = json!({"spec": {"podSelector": {"matchLabels": {"role": "db"}}}});
        assert_eq!(network_policy(&np, now())[1], "role=db");
    }

    #[test]
    fn storage_classes_and_drivers() {
        let sc = json!({"metadata": {"name": "standard", "creationTimestamp": "2024-03-01T11:59:00Z",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "rancher.io/local-path",
            "volumeBindingMode": "WaitForFirstConsumer"});
        assert_eq!(
            storage_class(&sc, now()),
            vec![
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false),
                json!("60s")
            ]
        );
        let d = json!({"metadata": meta("csi.example.com"), "spec": {"podInfoOnMount": true,
            "volumeLifecycleModes": ["Persistent", "Ephemeral"], "tokenRequests": [{"audience": "a"}, {"audience": "b"}]}});
        assert_eq!(
            csi_driver(&d, now()),
            vec![
                json!("csi.example.com"),
                json!(true),
                json!(true),
                json!(false),
                json!("a,b"),
                json!(false),
                json!("Persistent,Ephemeral"),
                json!("60s")
            ]
        );
        let bare = csi_driver(&json!({}), now());
        assert_eq!((bare[4].clone(), bare[6].clone()), (json!("<unset>"), json!("<none>")));
        let va = json!({"metadata": meta("csi-1"), "spec": {"attacher": "csi.example.com", "nodeName": "n1",
            "source": {"persistentVolumeName": "pv1"}}, "status": {"attached": true}});
        assert_eq!(
            volume_attachment(&va, now()),
            vec![
                json!("csi-1"),
                json!("csi.example.com"),
                json!("pv1"),
                json!("n1"),
                json!(true),
                json!("60s")
            ]
        );
        let cn = json!({"metadata": meta("n1"), "spec": {"drivers": [{"name": "a"}]}});
        assert_eq!(csi_node(&cn, now()), vec![json!("n1"), json!(1), json!("60s")]);
    }

    #[test]
    fn rbac_bindings() {
        let rb = json!({"metadata": meta("rb"), "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [
            {"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"}, {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "namespace": "ns", "name": "sa"}]});
        assert_eq!(
            role_binding(&rb, now()),
            vec![
                json!("rb"),
                json!("ClusterRole/view"),
                json!("60s"),
                json!("alice, bob"),
                json!("devs"),
                json!("ns/sa")
            ]
        );
    }

    #[test]
    fn certificate_signing_requests() {
        let csr = json!({"metadata": meta("csr-1"), "spec": {"signerName": "kubernetes.io/kube-apiserver-client",
            "username": "alice", "expirationSeconds": 86400},
            "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0t"}});
        assert_eq!(
            certificate_signing_request(&csr, now()),
            vec![
                json!("csr-1"),
                json!("60s"),
                json!("kubernetes.io/kube-apiserver-client"),
                json!("alice"),
                json!("24h"),
                json!("Approved,Issued")
            ]
        );
        let c = certificate_signing_request(
            &json!({"status": {"conditions": [{"type": "Denied"}, {"type": "Failed"}]}}),
            now(),
        );
        assert_eq!(
            (c[2].clone(), c[4].clone(), c[5].clone()),
            (json!("<none>"), json!("<none>"), json!("Denied,Failed"))
        );
    }

    #[test]
    fn flow_control() {
        let fs = json!({"metadata": meta("exempt"), "spec": {"priorityLevelConfiguration": {"name": "exempt"},
            "matchingPrecedence": 1}, "status": {"conditions": [{"type": "Dangling", "status": "False"}]}});
        assert_eq!(
            flow_schema(&fs, now()),
            vec![
                json!("exempt"),
                json!("exempt"),
                json!(1),
                json!("<none>"),
                json!("60s"),
                json!("False")
            ]
        );
        assert_eq!(flow_schema(&json!({}), now())[5], "?");
        let pl = json!({"metadata": meta("workload-low"), "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 100,
            "limitResponse": {"type": "Queue", "queuing": {"queues": 128, "handSize": 6, "queueLengthLimit": 50}}}}});
        assert_eq!(
            priority_level_configuration(&pl, now()),
            vec![
                json!("workload-low"),
                json!("Limited"),
                json!(100),
                json!(128),
                json!(6),
                json!(50),
                json!("60s")
            ]
        );
        let exempt = json!({"spec": {"type": "Exempt"}});
        assert_eq!(
            priority_level_configuration(&exempt, now())[2..6],
            [json!("<none>"), json!("<none>"), json!("<none>"), json!("<none>")]
        );
    }

    #[test]
    fn admission_policies_and_bindings() {
        let vap = json!({"metadata": meta("p"), "spec": {"validations": [{}, {}], "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"}}});
        assert_eq!(
            validating_admission_policy(&vap, now()),
            vec![json!("p"), json!(2), json!("v1/ConfigMap"), json!("60s")]
        );
        let b = json!({"metadata": meta("b"), "spec": {"policyName": "p", "paramRef": {"name": "cfg"}}});
        assert_eq!(
            admission_policy_binding(&b, now()),
            vec![json!("b"), json!("p"), json!("*/cfg"), json!("60s")]
        );
        let b = json!({"spec": {"paramRef": {"selector": {"matchLabels": {"a": "b"}}}}});
        assert_eq!(
            admission_policy_binding(&b, now())[2],
            "&LabelSelector{MatchLabels:map[string]string{a: b,},MatchExpressions:[]LabelSelectorRequirement{},}"
        );
        let wh = json!({"metadata": meta("w"), "webhooks": [{}]});
        assert_eq!(
            webhook_configuration(&wh, now()),
            vec![json!("w"), json!(1), json!("60s")]
        );
    }

    #[test]
    fn misc_cluster_resources() {
        let pc = json!({"metadata": meta("high"), "value": 1000, "globalDefault": true, "preemptionPolicy": "Never"});
        assert_eq!(
            priority_class(&pc, now()),
            vec![json!("high"), json!(1000), json!(true), json!("60s"), json!("Never")]
        );
        let l = json!({"metadata": meta("kube-scheduler"), "spec": {"holderIdentity": "node1_abc"}});
        assert_eq!(
            lease(&l, now()),
            vec![json!("kube-scheduler"), json!("node1_abc"), json!("60s")]
        );
        let rc = json!({"metadata": meta("gvisor"), "handler": "runsc"});
        assert_eq!(
            runtime_class(&rc, now()),
            vec![json!("gvisor"), json!("runsc"), json!("60s")]
        );
        let claim = json!({"metadata": meta("c"), "status": {"allocation": {}, "reservedFor": [{}]}});
        assert_eq!(resource_claim(&claim, now())[1], "allocated,reserved");
        let mut pending = json!({"metadata": meta("c")});
        assert_eq!(resource_claim(&pending, now())[1], "pending");
        pending["metadata"]["deletionTimestamp"] = json!("2024-03-01T11:59:00Z");
        assert_eq!(resource_claim(&pending, now())[1], "deleted");
        let svc = json!({"metadata": meta("v1beta1.metrics.k8s.io"), "spec": {"service": {"namespace": "kube-system", "name": "metrics-server"}},
            "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints"}]}});
        assert_eq!(
            api_service(&svc, now()),
            vec![
                json!("v1beta1.metrics.k8s.io"),
                json!("kube-system/metrics-server"),
                json!("False (MissingEndpoints)"),
                json!("60s")
            ]
        );
        let local = json!({"metadata": meta("v1."), "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Local"}]}});
        assert_eq!(api_service(&local, now())[1..3], [json!("Local"), json!("True")]);
        let ip = json!({"metadata": meta("10.96.0.1"), "spec": {"parentRef": {"group": "", "resource": "services", "namespace": "default", "name": "kubernetes"}}});
        assert_eq!(ip_address(&ip, now())[1], "services/default/kubernetes");
    }
}
