//! The `networking.k8s.io` group: NetworkPolicy, Ingress and IngressClass defaulting and validation.

use std::collections::BTreeSet;

use ferrokube_apimachinery::status::field::{self, Error, Path};
use ferrokube_apimachinery::validation::is_dns1123_subdomain;
use serde_json::{Value, json};

use crate::core::pod::validate_port_num_or_name;
use crate::formats::{NameRule, is_dns1035_label, is_ip, is_valid_port_name};
use crate::meta::{self, bad, validate_label_selector, validate_object_meta};
use crate::value::{arr_at, at, child, default_str, each, i64_at, str_at};

const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

/// Defaults a `networking.k8s.io` object of `kind`.
pub fn defaults(kind: &str, obj: &mut Value) {
    if kind != "NetworkPolicy" {
        return;
    }
    let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) else {
        return;
    };
    for direction in ["ingress", "egress"] {
        each(spec, direction, |rule| {
            each(rule, "ports", |p| default_str(p, "protocol", "TCP"))
        });
    }
    if spec
        .get("policyTypes")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        let mut types = vec![json!("Ingress")];
        if spec
            .get("egress")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty())
        {
            types.push(json!("Egress"));
        }
        spec.insert("policyTypes".into(), Value::Array(types));
    }
}

/// Create-time validation of a `networking.k8s.io` object; `None` for kinds without specific rules.
pub fn validate_create(kind: &str, obj: &Value) -> Option<Vec<Error>> {
    Some(match kind {
        "NetworkPolicy" => {
            let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
            errs.extend(validate_network_policy_spec(obj));
            errs
        }
        "Ingress" => {
            let mut errs = validate_object_meta(obj, true, NameRule::Subdomain);
            errs.extend(validate_ingress_spec(obj));
            errs
        }
        "IngressClass" => {
            let mut errs = validate_object_meta(obj, false, NameRule::Subdomain);
            errs.extend(validate_ingress_class_spec(obj));
            errs
        }
        _ => return None,
    })
}

/// Update-time validation of a `networking.k8s.io` object; `None` for kinds without specific rules.
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    let mut errs = meta::validate_object_meta_update(new, old);
    match kind {
        "NetworkPolicy" => errs.extend(validate_network_policy_spec(new)),
        "Ingress" => errs.extend(validate_ingress_spec(new)),
        "IngressClass" => {
            errs.extend(validate_ingress_class_spec(new));
            let p = Path::new("spec").child("controller");
            errs.extend(meta::immutable(
                at(new, &["spec", "controller"]),
                at(old, &["spec", "controller"]),
                &p,
            ));
        }
        _ => return None,
    }
    Some(errs)
}

fn validate_network_policy_spec(obj: &Value) -> Vec<Error> {
    let sp = Path::new("spec");
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    let mut errs = validate_label_selector(at(spec, &["podSelector"]).unwrap_or(&empty), &sp.child("podSelector"));
    for (direction, peers_key) in [("ingress", "from"), ("egress", "to")] {
        for (i, rule) in arr_at(spec, &[direction]).iter().enumerate() {
            let rp = sp.child(direction).index(i);
            for (j, port) in arr_at(rule, &["ports"]).iter().enumerate() {
                let pp = rp.child("ports").index(j);
                let protocol = str_at(port, &["protocol"]);
                if !protocol.is_empty() && !PROTOCOLS.contains(&protocol) {
                    errs.push(field::not_supported(&pp.child("protocol"), protocol, &PROTOCOLS));
                }
                if let Some(p) = at(port, &["port"]) {
                    errs.extend(validate_port_num_or_name(p, &pp.child("port")));
                }
                if let Some(end) = i64_at(port, &["endPort"]) {
                    match at(port, &["port"]) {
                        Some(Value::Number(n)) if n.as_i64().is_some_and(|start| end < start) => errs.push(
                            field::invalid(&pp.child("endPort"), end, "must be greater than or equal to `port`"),
                        ),
                        Some(Value::String(_)) => errs.push(field::forbidden(
                            &pp.child("endPort"),
                            "may not be specified when `port` is non-numeric",
                        )),
                        None => errs.push(field::required(
                            &pp.child("port"),
                            "must be specified when `endPort` is specified",
                        )),
                        _ => {}
                    }
                }
            }
            for (j, peer) in arr_at(rule, &[peers_key]).iter().enumerate() {
                let pp = rp.child(peers_key).index(j);
                let selectors = ["podSelector", "namespaceSelector", "ipBlock"];
                let count = selectors.iter().filter(|s| at(peer, &[s]).is_some()).count();
                if count == 0 {
                    errs.push(field::required(&pp, "must specify a peer"));
                } else if at(peer, &["ipBlock"]).is_some() && count > 1 {
                    errs.push(field::forbidden(&pp, "may not specify both ipBlock and another peer"));
                }
                for s in ["podSelector", "namespaceSelector"] {
                    if let Some(sel) = at(peer, &[s]) {
                        errs.extend(validate_label_selector(sel, &pp.child(s)));
                    }
                }
                if let Some(block) = at(peer, &["ipBlock"]) {
                    let cidr = str_at(block, &["cidr"]);
                    let bp = pp.child("ipBlock");
                    if cidr.is_empty() {
                        errs.push(field::required(&bp.child("cidr"), ""));
                    } else if !is_cidr(cidr) {
                        errs.push(field::invalid(
                            &bp.child("cidr"),
                            cidr,
                            "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                        ));
                    }
                }
            }
        }
    }
    let types = arr_at(spec, &["policyTypes"]);
    for (i, t) in types.iter().enumerate() {
        let t = t.as_str().unwrap_or("");
        if t != "Ingress" && t != "Egress" {
            errs.push(field::not_supported(
                &sp.child("policyTypes").index(i),
                t,
                &["Ingress", "Egress"],
            ));
        }
    }
    if types.len() > 2 {
        errs.push(field::invalid(
            &sp.child("policyTypes"),
            Value::from(types.to_vec()),
            "may not specify more than two policyTypes",
        ));
    }
    errs
}

fn is_cidr(s: &str) -> bool {
    let Some((ip, bits)) = s.split_once('/') else {
        return false;
    };
    let Ok(bits) = bits.parse::<u8>() else { return false };
    is_ip(ip) && bits <= if ip.contains(':') { 128 } else { 32 }
}

const PATH_TYPES: [&str; 3] = ["Exact", "ImplementationSpecific", "Prefix"];

fn validate_ingress_spec(obj: &Value) -> Vec<Error> {
    let sp = Path::new("spec");
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    let mut errs = Vec::new();
    let rules = arr_at(spec, &["rules"]);
    match at(spec, &["defaultBackend"]) {
        Some(b) => errs.extend(validate_backend(b, &sp.child("defaultBackend"))),
        None if rules.is_empty() => errs.push(field::invalid(
            &sp.child("rules"),
            Value::from(rules.to_vec()),
            "either `defaultBackend` or `rules` must be specified",
        )),
        None => {}
    }
    for (i, rule) in rules.iter().enumerate() {
        let rp = sp.child("rules").index(i);
        let host = str_at(rule, &["host"]);
        if !host.is_empty() {
            errs.extend(validate_host(host, &rp.child("host")));
        }
        let Some(http) = at(rule, &["http"]) else { continue };
        let hp = rp.child("http");
        let paths = arr_at(http, &["paths"]);
        if paths.is_empty() {
            errs.push(field::required(&hp.child("paths"), ""));
        }
        for (j, path) in paths.iter().enumerate() {
            let pp = hp.child("paths").index(j);
            let p = str_at(path, &["path"]);
            match str_at(path, &["pathType"]) {
                "" => errs.push(field::required(&pp.child("pathType"), "pathType must be specified")),
                "Exact" | "Prefix" => {
                    if !p.starts_with('/') {
                        errs.push(field::invalid(&pp.child("path"), p, "must be an absolute path"));
                    }
                    for bad_seq in ["//", "/./", "/../", "%2f", "%2F"] {
                        if p.contains(bad_seq) {
                            errs.push(field::invalid(
                                &pp.child("path"),
                                p,
                                format!("must not contain '{bad_seq}'"),
                            ));
                        }
                    }
                    for suffix in ["/..", "/."] {
                        if p.ends_with(suffix) {
                            errs.push(field::invalid(
                                &pp.child("path"),
                                p,
                                format!("cannot end with '{suffix}'"),
                            ));
                        }
                    }
                }
                "ImplementationSpecific" => {
                    if !p.is_empty() && !p.starts_with('/') {
                        errs.push(field::invalid(&pp.child("path"), p, "must be an absolute path"));
                    }
                }
                other => errs.push(field::not_supported(&pp.child("pathType"), other, &PATH_TYPES)),
            }
            match at(path, &["backend"]) {
                Some(b) => errs.extend(validate_backend(b, &pp.child("backend"))),
                None => errs.push(field::required(&pp.child("backend"), "")),
            }
        }
    }
    for (i, tls) in arr_at(spec, &["tls"]).iter().enumerate() {
        for (j, host) in arr_at(tls, &["hosts"]).iter().enumerate() {
            let host = host.as_str().unwrap_or("");
            errs.extend(validate_host(host, &sp.child("tls").index(i).child("hosts").index(j)));
        }
    }
    if let Some(class) = at(spec, &["ingressClassName"]).and_then(Value::as_str) {
        let p = sp.child("ingressClassName");
        errs.extend(
            is_dns1123_subdomain(class)
                .into_iter()
                .map(|m| field::invalid(&p, class, m)),
        );
    }
    errs
}

fn validate_host(host: &str, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    if is_ip(host) {
        errs.push(field::invalid(path, host, "must be a DNS name, not an IP address"));
    }
    let check = host.strip_prefix("*.").unwrap_or(host);
    if host.contains('*') && !host.starts_with("*.") || check.contains('*') {
        errs.push(field::invalid(
            path,
            host,
            "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ));
    } else {
        errs.extend(
            is_dns1123_subdomain(check)
                .into_iter()
                .map(|m| field::invalid(path, host, m)),
        );
    }
    errs
}

fn validate_backend(b: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    match (at(b, &["service"]), at(b, &["resource"])) {
        (Some(_), Some(_)) => {
            errs.push(field::invalid(
                path,
                "",
                "cannot set both resource and service backends",
            ));
        }
        (Some(svc), None) => {
            let sp = path.child("service");
            let name = str_at(svc, &["name"]);
            if name.is_empty() {
                errs.push(field::required(&sp.child("name"), ""));
            } else {
                errs.extend(
                    is_dns1035_label(name)
                        .into_iter()
                        .map(|m| field::invalid(&sp.child("name"), name, m)),
                );
            }
            let port_name = str_at(svc, &["port", "name"]);
            let number = i64_at(svc, &["port", "number"]).unwrap_or(0);
            let pp = sp.child("port");
            if !port_name.is_empty() && number != 0 {
                errs.push(field::invalid(
                    &pp,
                    bad(at(svc, &["port"])),
                    "cannot set both port name & port number",
                ));
            } else if !port_name.is_empty() {
                let np = pp.child("name");
                errs.extend(
                    is_valid_port_name(port_name)
                        .into_iter()
                        .map(|m| field::invalid(&np, port_name, m)),
                );
            } else if number != 0 {
                let np = pp.child("number");
                errs.extend(
                    crate::formats::is_valid_port_num(number)
                        .into_iter()
                        .map(|m| field::invalid(&np, number, m)),
                );
            } else {
                errs.push(field::required(&pp, "port name or number is required"));
            }
        }
        (None, Some(r)) => {
            let rp = path.child("resource");
            for key in ["kind", "name"] {
                if str_at(r, &[key]).is_empty() {
                    errs.push(field::required(&rp.child(key), ""));
                }
            }
        }
        (None, None) => errs.push(field::invalid(path, "", "resource or service backend is required")),
    }
    errs
}

fn validate_ingress_class_spec(obj: &Value) -> Vec<Error> {
    let sp = Path::new("spec");
    let mut errs = Vec::new();
    let controller = str_at(obj, &["spec", "controller"]);
    let cp = sp.child("controller");
    if controller.is_empty() {
        errs.push(field::required(&cp, ""));
    } else if controller.len() > 250 {
        errs.push(field::too_long(&cp, 250));
    }
    let mut seen = BTreeSet::new();
    if let Some(params) = at(obj, &["spec", "parameters"]) {
        let pp = sp.child("parameters");
        for key in ["kind", "name"] {
            if str_at(params, &[key]).is_empty() {
                errs.push(field::required(&pp.child(key), ""));
            }
        }
        seen.insert(str_at(params, &["kind"]));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn network_policy_defaults() {
        let mut np = json!({"metadata": {"name": "n", "namespace": "d"}, "spec": {"podSelector": {},
            "egress": [{"ports": [{"port": 53}]}]}});
        defaults("NetworkPolicy", &mut np);
        assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        assert_eq!(np["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
        assert_eq!(validate_create("NetworkPolicy", &np), Some(vec![]));
    }

    #[test]
    fn ingress_path_type_required() {
        let ing = json!({"metadata": {"name": "i", "namespace": "d"}, "spec": {"rules": [{"host": "example.com",
            "http": {"paths": [{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}});
        assert_eq!(
            render(&validate_create("Ingress", &ing).unwrap_or_default()),
            vec!["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"]
        );
        let mut ok = ing.clone();
        ok["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = json!("Prefix");
        assert_eq!(validate_create("Ingress", &ok), Some(vec![]));
        ok["spec"]["rules"][0]["http"]["paths"][0]["path"] = json!("api");
        assert_eq!(
            render(&validate_create("Ingress", &ok).unwrap_or_default()),
            vec!["spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path"]
        );
    }
}
