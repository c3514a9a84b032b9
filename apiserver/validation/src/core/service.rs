//! Service defaulting, validation (`ValidateService`, `ValidateServiceUpdate`) and the update-time
//! carry-over of allocated values (cluster IPs, node ports) that upstream's REST layer performs.

use std::collections::BTreeSet;

use ferrokube_apimachinery::status::field::{self, Error, Path};
use ferrokube_apimachinery::validation::{is_dns1123_label, is_dns1123_subdomain};
use serde_json::{Value, json};

use crate::core::pod::validate_port_num_or_name;
use crate::formats::{NameRule, is_ip, is_qualified_name, is_valid_port_num};
use crate::meta::{self, validate_labels, validate_object_meta};
use crate::value::{Obj, arr_at, at, child, default, default_str, each, i64_at, str_at};

const TYPES: [&str; 4] = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

/// `SetDefaults_Service`.
pub fn default_service(obj: &mut Value) {
    let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) else {
        return;
    };
    default_str(spec, "sessionAffinity", "None");
    match spec.get("sessionAffinity").and_then(Value::as_str) {
        Some("None") => {
            spec.remove("sessionAffinityConfig");
        }
        Some("ClientIP") => {
            let timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| at(c, &["clientIP", "timeoutSeconds"]));
            if timeout.is_none() {
                spec.insert(
                    "sessionAffinityConfig".into(),
                    json!({"clientIP": {"timeoutSeconds": 10800}}),
                );
            }
        }
        _ => {}
    }
    default_str(spec, "type", "ClusterIP");
    each(spec, "ports", |p| {
        default_str(p, "protocol", "TCP");
        let unset = match p.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(v) => v.as_i64() == Some(0),
        };
        if unset {
            let port = p.get("port").cloned().unwrap_or(json!(0));
            p.insert("targetPort".into(), port);
        }
    });
    let svc_type = spec.get("type").and_then(Value::as_str).unwrap_or("").to_string();
    let has_external_ips = spec
        .get("externalIPs")
        .and_then(Value::as_array)
        .is_some_and(|ips| !ips.is_empty());
    if svc_type == "NodePort" || svc_type == "LoadBalancer" || (svc_type == "ClusterIP" && has_external_ips) {
        default_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(svc_type.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP") {
        default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if svc_type == "LoadBalancer" {
        default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
}

fn is_headless(spec: &Value) -> bool {
    str_at(spec, &["clusterIP"]) == "None"
}

/// Fills `spec.ipFamilyPolicy` and `spec.ipFamilies` as upstream's allocator does for a
/// single-stack or dual-stack cluster whose primary family is `cluster_families[0]`
/// (`"IPv4"`/`"IPv6"`). ExternalName services get neither.
pub fn default_ip_families(obj: &mut Value, cluster_families: &[&str]) {
    let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) else {
        return;
    };
    if spec.get("type").and_then(Value::as_str) == Some("ExternalName") || cluster_families.is_empty() {
        return;
    }
    let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
    let selectorless = spec
        .get("selector")
        .and_then(Value::as_object)
        .is_none_or(Obj::is_empty);
    let policy = if headless && selectorless && cluster_families.len() > 1 {
        "RequireDualStack"
    } else {
        "SingleStack"
    };
    default(spec, "ipFamilyPolicy", json!(policy));
    let policy = spec
        .get("ipFamilyPolicy")
        .and_then(Value::as_str)
        .unwrap_or("SingleStack")
        .to_string();
    let families = spec
        .get("ipFamilies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if families.is_empty() {
        let mut fams: Vec<Value> = Vec::new();
        let from_ips: Vec<&str> = spec
            .get("clusterIPs")
            .and_then(Value::as_array)
            .map(|ips| ips.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for ip in from_ips.iter().filter(|ip| **ip != "None") {
            fams.push(json!(if ip.contains(':') { "IPv6" } else { "IPv4" }));
        }
        if fams.is_empty() {
            fams.push(json!(cluster_families[0]));
        }
        if policy != "SingleStack"
            && fams.len() == 1
            && let Some(other) = cluster_families.iter().find(|f| json!(f) != fams[0])
        {
            fams.push(json!(other));
        }
        spec.insert("ipFamilies".into(), Value::Array(fams));
    }
}

/// `ValidateService`.
pub fn validate_service(svc: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(svc, true, NameRule::Dns1035);
    let sp = Path::new("spec");
    let empty = Value::Null;
    let spec = at(svc, &["spec"]).unwrap_or(&empty);
    let svc_type = str_at(spec, &["type"]);
    let ports = arr_at(spec, &["ports"]);
    if ports.is_empty() && !is_headless(spec) && svc_type != "ExternalName" {
        errs.push(field::required(&sp.child("ports"), ""));
    }
    match svc_type {
        "LoadBalancer" | "NodePort" => {
            if is_headless(spec) {
                errs.push(field::invalid(
                    &sp.child("clusterIPs").index(0),
                    "None",
                    format!("may not be set to 'None' for {svc_type} services"),
                ));
            }
            if svc_type == "LoadBalancer" {
                for (i, p) in ports.iter().enumerate() {
                    if i64_at(p, &["port"]) == Some(10250) {
                        errs.push(field::invalid(
                            &sp.child("ports").index(i),
                            10250,
                            "may not expose port 10250 externally since it is used by kubelet",
                        ));
                    }
                }
            }
        }
        "ExternalName" => {
            if !arr_at(spec, &["clusterIPs"]).is_empty() {
                errs.push(field::forbidden(
                    &sp.child("clusterIPs"),
                    "may not be set for ExternalName services",
                ));
            }
            if !arr_at(spec, &["ipFamilies"]).is_empty() {
                errs.push(field::forbidden(
                    &sp.child("ipFamilies"),
                    "may not be set for ExternalName services",
                ));
            }
            if at(spec, &["ipFamilyPolicy"]).is_some() {
                errs.push(field::forbidden(
                    &sp.child("ipFamilyPolicy"),
                    "may not be set for ExternalName services",
                ));
            }
            let cname = str_at(spec, &["externalName"]);
            let cname = cname.strip_suffix('.').unwrap_or(cname);
            if cname.is_empty() {
                errs.push(field::required(&sp.child("externalName"), ""));
            } else {
                let p = sp.child("externalName");
                errs.extend(
                    is_dns1123_subdomain(cname)
                        .into_iter()
                        .map(|m| field::invalid(&p, cname, m)),
                );
            }
        }
        _ => {}
    }
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        errs.extend(validate_service_port(
            port,
            ports.len() > 1,
            &mut names,
            &sp.child("ports").index(i),
        ));
    }
    if at(spec, &["selector"]).is_some() {
        errs.extend(validate_labels(at(spec, &["selector"]), &sp.child("selector")));
    }
    let affinity = str_at(spec, &["sessionAffinity"]);
    if affinity.is_empty() {
        errs.push(field::required(&sp.child("sessionAffinity"), ""));
    } else if affinity != "ClientIP" && affinity != "None" {
        errs.push(field::not_supported(
            &sp.child("sessionAffinity"),
            affinity,
            &["ClientIP", "None"],
        ));
    }
    if affinity == "ClientIP" {
        let p = sp
            .child("sessionAffinityConfig")
            .child("clientIP")
            .child("timeoutSeconds");
        match i64_at(spec, &["sessionAffinityConfig", "clientIP", "timeoutSeconds"]) {
            None => errs.push(field::required(&p, "")),
            Some(t) if !(1..=86400).contains(&t) => {
                errs.push(field::invalid(&p, t, "must be greater than 0 and less than 86400"))
            }
            _ => {}
        }
    } else if affinity == "None" && at(spec, &["sessionAffinityConfig"]).is_some() {
        errs.push(field::forbidden(
            &sp.child("sessionAffinityConfig"),
            "must not be set when session affinity is None",
        ));
    }
    errs.extend(validate_cluster_ips(spec, &sp));
    for (i, ip) in arr_at(spec, &["externalIPs"]).iter().enumerate() {
        let ip = ip.as_str().unwrap_or("");
        if !is_ip(ip) {
            errs.push(field::invalid(
                &sp.child("externalIPs").index(i),
                ip,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ));
        }
    }
    if svc_type.is_empty() {
        errs.push(field::required(&sp.child("type"), ""));
    } else if !TYPES.contains(&svc_type) {
        errs.push(field::not_supported(&sp.child("type"), svc_type, &TYPES));
    }
    if svc_type == "ClusterIP" {
        for (i, p) in ports.iter().enumerate() {
            if i64_at(p, &["nodePort"]).unwrap_or(0) != 0 {
                errs.push(field::forbidden(
                    &sp.child("ports").index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let np = i64_at(p, &["nodePort"]).unwrap_or(0);
        if np != 0 && !node_ports.insert((str_at(p, &["protocol"]).to_string(), np)) {
            errs.push(field::duplicate(&sp.child("ports").index(i).child("nodePort"), np));
        }
    }
    let mut seen = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let key = (str_at(p, &["protocol"]).to_string(), i64_at(p, &["port"]).unwrap_or(0));
        if !seen.insert(key.clone()) {
            errs.push(field::duplicate(
                &sp.child("ports").index(i),
                json!({"port": key.1, "protocol": key.0}),
            ));
        }
    }
    errs.extend(validate_traffic_policies(spec, svc_type, &sp));
    errs
}

fn validate_service_port(port: &Value, require_name: bool, names: &mut BTreeSet<String>, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let name = str_at(port, &["name"]);
    if require_name && name.is_empty() {
        errs.push(field::required(&path.child("name"), ""));
    } else if !name.is_empty() {
        let p = path.child("name");
        errs.extend(is_dns1123_label(name).into_iter().map(|m| field::invalid(&p, name, m)));
        if !names.insert(name.to_string()) {
            errs.push(field::duplicate(&p, name));
        }
    }
    let n = i64_at(port, &["port"]).unwrap_or(0);
    errs.extend(
        is_valid_port_num(n)
            .into_iter()
            .map(|m| field::invalid(&path.child("port"), n, m)),
    );
    let protocol = str_at(port, &["protocol"]);
    if protocol.is_empty() {
        errs.push(field::required(&path.child("protocol"), ""));
    } else if !PROTOCOLS.contains(&protocol) {
        errs.push(field::not_supported(&path.child("protocol"), protocol, &PROTOCOLS));
    }
    if let Some(t) = at(port, &["targetPort"]) {
        errs.extend(validate_port_num_or_name(t, &path.child("targetPort")));
    }
    if let Some(app) = at(port, &["appProtocol"]).and_then(Value::as_str) {
        let p = path.child("appProtocol");
        errs.extend(is_qualified_name(app).into_iter().map(|m| field::invalid(&p, app, m)));
    }
    errs
}

fn validate_cluster_ips(spec: &Value, sp: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let cluster_ip = str_at(spec, &["clusterIP"]);
    let ips: Vec<&str> = arr_at(spec, &["clusterIPs"])
        .iter()
        .map(|v| v.as_str().unwrap_or(""))
        .collect();
    if !cluster_ip.is_empty() && ips.first().is_some_and(|first| *first != cluster_ip) {
        errs.push(field::invalid(
            &sp.child("clusterIPs"),
            ips_value(&ips),
            "first value must match `clusterIP`",
        ));
    }
    for (i, ip) in ips.iter().enumerate() {
        if *ip == "None" && i == 0 {
            continue;
        }
        if !is_ip(ip) {
            errs.push(field::invalid(
                &sp.child("clusterIPs").index(i),
                *ip,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ));
        }
    }
    if let Some(policy) = at(spec, &["ipFamilyPolicy"]).and_then(Value::as_str) {
        let valid = ["PreferDualStack", "RequireDualStack", "SingleStack"];
        if !valid.contains(&policy) {
            errs.push(field::not_supported(&sp.child("ipFamilyPolicy"), policy, &valid));
        }
    }
    let mut families = BTreeSet::new();
    for (i, f) in arr_at(spec, &["ipFamilies"]).iter().enumerate() {
        let f = f.as_str().unwrap_or("");
        let p = sp.child("ipFamilies").index(i);
        if f != "IPv4" && f != "IPv6" {
            errs.push(field::not_supported(&p, f, &["IPv4", "IPv6"]));
        } else if !families.insert(f) {
            errs.push(field::duplicate(&p, f));
        }
    }
    errs
}

fn ips_value(ips: &[&str]) -> Vec<String> {
    ips.iter().map(|s| s.to_string()).collect()
}

fn validate_traffic_policies(spec: &Value, svc_type: &str, sp: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let external = svc_type == "LoadBalancer"
        || svc_type == "NodePort"
        || (svc_type == "ClusterIP" && !arr_at(spec, &["externalIPs"]).is_empty());
    let etp = str_at(spec, &["externalTrafficPolicy"]);
    if !external {
        if !etp.is_empty() {
            errs.push(field::invalid(
                &sp.child("externalTrafficPolicy"),
                etp,
                "may only be set for externally-accessible services",
            ));
        }
    } else if etp.is_empty() {
        errs.push(field::required(&sp.child("externalTrafficPolicy"), ""));
    } else if etp != "Cluster" && etp != "Local" {
        errs.push(field::not_supported(
            &sp.child("externalTrafficPolicy"),
            etp,
            &["Cluster", "Local"],
        ));
    }
    let hc = i64_at(spec, &["healthCheckNodePort"]).unwrap_or(0);
    if !(svc_type == "LoadBalancer" && etp == "Local") && hc != 0 {
        errs.push(field::invalid(
            &sp.child("healthCheckNodePort"),
            hc,
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ));
    }
    match at(spec, &["internalTrafficPolicy"]).and_then(Value::as_str) {
        None if matches!(svc_type, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            errs.push(field::required(&sp.child("internalTrafficPolicy"), ""))
        }
        Some(p) if p != "Cluster" && p != "Local" => errs.push(field::not_supported(
            &sp.child("internalTrafficPolicy"),
            p,
            &["Cluster", "Local"],
        )),
        _ => {}
    }
    errs
}

/// `ValidateServiceUpdate`: metadata rules, cluster IPs and families fixed once set (except
/// to or from ExternalName), then the full create-time validation.
pub fn validate_service_update(new: &Value, old: &Value) -> Vec<Error> {
    let mut errs = meta::validate_object_meta_update(new, old);
    let (nt, ot) = (str_at(new, &["spec", "type"]), str_at(old, &["spec", "type"]));
    if nt != "ExternalName" && ot != "ExternalName" {
        let n_ips: Vec<&str> = arr_at(new, &["spec", "clusterIPs"])
            .iter()
            .map(|v| v.as_str().unwrap_or(""))
            .collect();
        let o_ips: Vec<&str> = arr_at(old, &["spec", "clusterIPs"])
            .iter()
            .map(|v| v.as_str().unwrap_or(""))
            .collect();
        if !o_ips.is_empty() && n_ips.first() != o_ips.first() {
            errs.push(field::invalid(
                &Path::new("spec").child("clusterIPs").index(0),
                ips_value(&n_ips),
                "may not change once set",
            ));
        }
        let n_f = arr_at(new, &["spec", "ipFamilies"]);
        let o_f = arr_at(old, &["spec", "ipFamilies"]);
        if !o_f.is_empty() && !n_f.is_empty() && n_f.first() != o_f.first() {
            errs.push(field::invalid(
                &Path::new("spec").child("ipFamilies").index(0),
                meta::bad(n_f.first()),
                "may not change once set",
            ));
        }
    }
    let lbc = Path::new("spec").child("loadBalancerClass");
    if nt == "LoadBalancer" && ot == "LoadBalancer" {
        errs.extend(meta::immutable(
            at(new, &["spec", "loadBalancerClass"]),
            at(old, &["spec", "loadBalancerClass"]),
            &lbc,
        ));
    }
    errs.extend(validate_service(new));
    errs
}

/// What upstream's service REST update does before validating: an update that leaves the
/// allocated cluster IPs, IP families, node ports or health-check node port unset keeps the old ones.
pub fn carry_over_allocated(new: &mut Value, old: &Value) {
    let (nt, ot) = (
        str_at(new, &["spec", "type"]).to_string(),
        str_at(old, &["spec", "type"]),
    );
    let Some(spec) = new.as_object_mut().and_then(|o| child(o, "spec")) else {
        return;
    };
    if nt != "ExternalName" && ot != "ExternalName" {
        if spec.get("clusterIP").and_then(Value::as_str).unwrap_or("").is_empty()
            && let Some(ip) = at(old, &["spec", "clusterIP"])
        {
            spec.insert("clusterIP".into(), ip.clone());
        }
        if spec
            .get("clusterIPs")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
            && spec.get("clusterIP").and_then(Value::as_str) == str_at(old, &["spec", "clusterIP"]).into()
            && let Some(ips) = at(old, &["spec", "clusterIPs"])
        {
            spec.insert("clusterIPs".into(), ips.clone());
        }
        for key in ["ipFamilies", "ipFamilyPolicy"] {
            if let Some(v) = at(old, &["spec", key]) {
                default(spec, key, v.clone());
            }
        }
    }
    let needs_node_ports = |t: &str| t == "NodePort" || t == "LoadBalancer";
    if needs_node_ports(&nt) && needs_node_ports(ot) {
        let old_ports = arr_at(old, &["spec", "ports"]).to_vec();
        each(spec, "ports", |p| {
            if p.get("nodePort").and_then(Value::as_i64).unwrap_or(0) != 0 {
                return;
            }
            let matching = old_ports.iter().find(|o| {
                o.get("port") == p.get("port")
                    && str_at(o, &["protocol"]) == p.get("protocol").and_then(Value::as_str).unwrap_or("")
            });
            if let Some(np) = matching.and_then(|o| at(o, &["nodePort"])) {
                p.insert("nodePort".into(), np.clone());
            }
        });
        if spec.get("externalTrafficPolicy").and_then(Value::as_str) == Some("Local")
            && spec.get("healthCheckNodePort").and_then(Value::as_i64).unwrap_or(0) == 0
            && let Some(hc) = at(old, &["spec", "healthCheckNodePort"])
        {
            spec.insert("healthCheckNodePort".into(), hc.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(spec: Value) -> Value {
        let mut s = json!({"metadata": {"name": "web", "namespace": "default"}, "spec": spec});
        default_service(&mut s);
        s
    }

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn defaults() {
        let s = svc(json!({"selector": {"app": "web"}, "ports": [{"port": 80}]}));
        assert_eq!(
            s["spec"],
            json!({"selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                "sessionAffinity": "None", "type": "ClusterIP", "internalTrafficPolicy": "Cluster"})
        );
        let s = svc(json!({"type": "NodePort", "ports": [{"port": 80, "targetPort": "http"}]}));
        assert_eq!(s["spec"]["externalTrafficPolicy"], "Cluster");
        assert_eq!(s["spec"]["ports"][0]["targetPort"], "http");
        let mut s = svc(json!({"ports": [{"port": 80}]}));
        default_ip_families(&mut s, &["IPv4"]);
        assert_eq!(s["spec"]["ipFamilyPolicy"], "SingleStack");
        assert_eq!(s["spec"]["ipFamilies"], json!(["IPv4"]));
    }

    #[test]
    fn validation() {
        assert!(validate_service(&svc(json!({"ports": [{"port": 80}]}))).is_empty());
        let errs = validate_service(&svc(json!({})));
        assert_eq!(render(&errs), vec!["spec.ports: Required value"]);
        let errs = validate_service(&svc(json!({"ports": [{"port": 80}, {"port": 443}]})));
        assert_eq!(
            render(&errs),
            vec![
                "spec.ports[0].name: Required value",
                "spec.ports[1].name: Required value"
            ]
        );
        let errs = validate_service(&svc(json!({"type": "Magic", "ports": [{"port": 0}]})));
        assert_eq!(
            render(&errs),
            vec![
                "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
            ]
        );
        let mut bad_name = svc(json!({"ports": [{"port": 80}]}));
        bad_name["metadata"]["name"] = json!("1web");
        assert!(render(&validate_service(&bad_name))[0].contains("a DNS-1035 label must consist of"));
    }

    #[test]
    fn cluster_ip_is_immutable() {
        let mut old = svc(json!({"ports": [{"port": 80}], "clusterIP": "10.0.0.5", "clusterIPs": ["10.0.0.5"]}));
        old["metadata"]["resourceVersion"] = json!("1");
        let mut new = old.clone();
        new["spec"]["clusterIP"] = json!("10.0.0.6");
        new["spec"]["clusterIPs"] = json!(["10.0.0.6"]);
        assert_eq!(
            render(&validate_service_update(&new, &old)),
            vec!["spec.clusterIPs[0]: Invalid value: [\"10.0.0.6\"]: may not change once set"]
        );
        let mut unset = old.clone();
        unset["spec"].as_object_mut().map(|s| {
            s.remove("clusterIP");
            s.remove("clusterIPs")
        });
        carry_over_allocated(&mut unset, &old);
        assert_eq!(unset["spec"]["clusterIPs"], json!(["10.0.0.5"]));
    }
}
