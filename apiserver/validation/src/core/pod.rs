//! Pod validation (`ValidatePodCreate`, `ValidatePodSpec`, `ValidatePodUpdate`,
//! `ValidatePodTemplateSpec`) and the QoS class computation (`GetPodQOS`).

use std::collections::{BTreeMap, BTreeSet};

use ferrokube_apimachinery::quantity::Quantity;
use ferrokube_apimachinery::status::field::{self, Error, Path};
use ferrokube_apimachinery::validation::{is_dns1123_label, is_dns1123_subdomain};
use serde_json::Value;

use crate::formats::{
    NameRule, inclusive_range_error, is_config_map_key, is_env_var_name, is_qualified_name, is_valid_port_name,
    is_valid_port_num,
};
use crate::meta::{self, IS_NEGATIVE, bad, validate_annotations, validate_labels, validate_object_meta};
use crate::value::{arr_at, at, i64_at, obj_at, semantic_eq, str_at};

const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];
const MAX_INT32: i64 = i32::MAX as i64;

fn dns_label(value: &str, path: &Path) -> Vec<Error> {
    is_dns1123_label(value)
        .into_iter()
        .map(|m| field::invalid(path, value, m))
        .collect()
}

/// `ValidatePodCreate`.
pub fn validate_pod_create(pod: &Value) -> Vec<Error> {
    let mut errs = validate_pod_metadata_and_spec(pod);
    let spec_path = Path::new("spec");
    if !arr_at(pod, &["spec", "ephemeralContainers"]).is_empty() {
        errs.push(field::forbidden(
            &spec_path.child("ephemeralContainers"),
            "cannot be set on create",
        ));
    }
    errs
}

fn validate_pod_metadata_and_spec(pod: &Value) -> Vec<Error> {
    let mut errs = validate_object_meta(pod, true, NameRule::Subdomain);
    let empty = Value::Null;
    let spec = at(pod, &["spec"]).unwrap_or(&empty);
    errs.extend(validate_pod_specific_annotations(
        pod,
        spec,
        &meta::meta_path().child("annotations"),
    ));
    errs.extend(validate_pod_spec(spec, &Path::new("spec"), &[]));
    errs
}

fn validate_pod_specific_annotations(obj: &Value, spec: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let key = "kubernetes.io/config.mirror";
    if let Some(v) = at(obj, &["metadata", "annotations", key]).and_then(Value::as_str)
        && str_at(spec, &["nodeName"]).is_empty()
    {
        errs.push(field::invalid(
            &path.key(key),
            v,
            "must set spec.nodeName if mirror pod annotation is set",
        ));
    }
    let cost = "controller.kubernetes.io/pod-deletion-cost";
    if let Some(v) = at(obj, &["metadata", "annotations", cost]).and_then(Value::as_str)
        && v.parse::<i32>().is_err()
    {
        errs.push(field::invalid(&path.key(cost), v, "must be a 32bit integer"));
    }
    errs
}

/// `ValidatePodTemplateSpec` at `path` (e.g. `spec.template`).
pub fn validate_pod_template(template: &Value, path: &Path, extra_volumes: &[String]) -> Vec<Error> {
    let mut errs = validate_labels(at(template, &["metadata", "labels"]), &path.child("labels"));
    errs.extend(validate_annotations(
        at(template, &["metadata", "annotations"]),
        &path.child("annotations"),
    ));
    let empty = Value::Null;
    let spec = at(template, &["spec"]).unwrap_or(&empty);
    errs.extend(validate_pod_specific_annotations(
        template,
        spec,
        &path.child("annotations"),
    ));
    errs.extend(validate_pod_spec(spec, &path.child("spec"), extra_volumes));
    if !arr_at(spec, &["ephemeralContainers"]).is_empty() {
        errs.push(field::forbidden(
            &path.child("spec").child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
    errs
}

/// `ValidatePodSpec`; `extra_volumes` are names that mounts may also refer to (StatefulSet claims).
pub fn validate_pod_spec(spec: &Value, path: &Path, extra_volumes: &[String]) -> Vec<Error> {
    let mut errs = Vec::new();
    let mut volumes: BTreeSet<String> = extra_volumes.iter().cloned().collect();
    errs.extend(validate_volumes(spec, &path.child("volumes"), &mut volumes));
    let restart_policy = str_at(spec, &["restartPolicy"]);
    errs.extend(validate_containers(spec, "containers", path, &volumes));
    errs.extend(validate_containers(spec, "initContainers", path, &volumes));
    errs.extend(enum_field(
        restart_policy,
        &path.child("restartPolicy"),
        &["Always", "OnFailure", "Never"],
    ));
    errs.extend(enum_field(
        str_at(spec, &["dnsPolicy"]),
        &path.child("dnsPolicy"),
        &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
    ));
    errs.extend(validate_labels(
        at(spec, &["nodeSelector"]),
        &path.child("nodeSelector"),
    ));
    for (i, s) in arr_at(spec, &["imagePullSecrets"]).iter().enumerate() {
        if str_at(s, &["name"]).is_empty() {
            errs.push(field::required(
                &path.child("imagePullSecrets").index(i).child("name"),
                "",
            ));
        }
    }
    for (i, g) in arr_at(spec, &["readinessGates"]).iter().enumerate() {
        let t = str_at(g, &["conditionType"]);
        let p = path.child("readinessGates").index(i).child("conditionType");
        errs.extend(is_qualified_name(t).into_iter().map(|m| field::invalid(&p, t, m)));
    }
    let mut gates = BTreeSet::new();
    for (i, g) in arr_at(spec, &["schedulingGates"]).iter().enumerate() {
        let name = str_at(g, &["name"]);
        let p = path.child("schedulingGates").index(i);
        errs.extend(
            is_qualified_name(name)
                .into_iter()
                .map(|m| field::invalid(&p.child("name"), name, m)),
        );
        if !gates.insert(name) {
            errs.push(field::duplicate(&p, name));
        }
    }
    for key in ["serviceAccountName", "nodeName", "priorityClassName"] {
        let v = str_at(spec, &[key]);
        if !v.is_empty() {
            let p = path.child(key);
            errs.extend(is_dns1123_subdomain(v).into_iter().map(|m| field::invalid(&p, v, m)));
        }
    }
    if let Some(v) = i64_at(spec, &["activeDeadlineSeconds"])
        && !(1..=MAX_INT32).contains(&v)
    {
        errs.push(field::invalid(
            &path.child("activeDeadlineSeconds"),
            v,
            inclusive_range_error(1, MAX_INT32),
        ));
    }
    for key in ["hostname", "subdomain"] {
        let v = str_at(spec, &[key]);
        if !v.is_empty() {
            errs.extend(dns_label(v, &path.child(key)));
        }
    }
    errs.extend(validate_tolerations(
        arr_at(spec, &["tolerations"]),
        &path.child("tolerations"),
    ));
    if let Some(p) = at(spec, &["preemptionPolicy"]).and_then(Value::as_str)
        && p != "PreemptLowerPriority"
        && p != "Never"
    {
        errs.push(field::not_supported(
            &path.child("preemptionPolicy"),
            p,
            &["Never", "PreemptLowerPriority"],
        ));
    }
    if let Some(os) = obj_at(spec, &["os"]) {
        let name = os.get("name").and_then(Value::as_str).unwrap_or("");
        let p = path.child("os").child("name");
        if name.is_empty() {
            errs.push(field::required(&p, ""));
        } else if name != "linux" && name != "windows" {
            errs.push(field::not_supported(&p, name, &["linux", "windows"]));
        }
    }
    errs
}

fn enum_field(value: &str, path: &Path, valid: &[&str]) -> Vec<Error> {
    if value.is_empty() {
        vec![field::required(path, "")]
    } else if !valid.contains(&value) {
        vec![field::not_supported(path, value, valid)]
    } else {
        Vec::new()
    }
}

const VOLUME_TYPES: [&str; 30] = [
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
];

fn validate_volumes(spec: &Value, path: &Path, names: &mut BTreeSet<String>) -> Vec<Error> {
    let mut errs = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, vol) in arr_at(spec, &["volumes"]).iter().enumerate() {
        let p = path.index(i);
        let name = str_at(vol, &["name"]);
        let mut el = validate_volume_source(vol, &p);
        if name.is_empty() {
            el.push(field::required(&p.child("name"), ""));
        } else {
            el.extend(dns_label(name, &p.child("name")));
        }
        if seen.contains(name) {
            el.push(field::duplicate(&p.child("name"), name));
        }
        if el.is_empty() {
            seen.insert(name.to_string());
            names.insert(name.to_string());
        } else {
            errs.extend(el);
        }
    }
    errs
}

fn validate_volume_source(vol: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let mut count = 0;
    for t in VOLUME_TYPES {
        let Some(src) = at(vol, &[t]) else { continue };
        // Upstream misspells this one path.
        let name = if t == "downwardAPI" { "downwarAPI" } else { t };
        if count > 0 {
            errs.push(field::forbidden(
                &path.child(name),
                "may not specify more than 1 volume type",
            ));
            continue;
        }
        count += 1;
        let p = path.child(t);
        match t {
            "hostPath" if str_at(src, &["path"]).is_empty() => errs.push(field::required(&p.child("path"), "")),
            "persistentVolumeClaim" if str_at(src, &["claimName"]).is_empty() => {
                errs.push(field::required(&p.child("claimName"), ""))
            }
            "nfs" => {
                if str_at(src, &["server"]).is_empty() {
                    errs.push(field::required(&p.child("server"), ""));
                }
                let np = str_at(src, &["path"]);
                if np.is_empty() {
                    errs.push(field::required(&p.child("path"), ""));
                } else if !np.starts_with('/') {
                    errs.push(field::invalid(&p.child("path"), np, "must be an absolute path"));
                }
            }
            "secret" | "configMap" | "downwardAPI" | "projected" => {
                if let Some(mode) = i64_at(src, &["defaultMode"])
                    && !(0..=0o777).contains(&mode)
                {
                    errs.push(field::invalid(
                        &p.child("defaultMode"),
                        mode,
                        "must be a number between 0 and 0777 (octal), both inclusive",
                    ));
                }
                for (j, item) in arr_at(src, &["items"]).iter().enumerate() {
                    let ip = p.child("items").index(j);
                    if t != "downwardAPI" && str_at(item, &["key"]).is_empty() {
                        errs.push(field::required(&ip.child("key"), ""));
                    }
                    let item_path = str_at(item, &["path"]);
                    if item_path.is_empty() {
                        errs.push(field::required(&ip.child("path"), ""));
                    } else {
                        errs.extend(validate_local_descending_path(item_path, &ip.child("path")));
                    }
                }
            }
            _ => {}
        }
    }
    if count == 0 {
        errs.push(field::required(path, "must specify a volume type"));
    }
    errs
}

fn validate_local_descending_path(target: &str, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    if target.starts_with('/') {
        errs.push(field::invalid(path, target, "must be a relative path"));
    }
    if target.split('/').any(|seg| seg == "..") {
        errs.push(field::invalid(path, target, "must not contain '..'"));
    }
    errs
}

fn validate_containers(spec: &Value, key: &'static str, spec_path: &Path, volumes: &BTreeSet<String>) -> Vec<Error> {
    let path = spec_path.child(key);
    let containers = arr_at(spec, &[key]);
    let mut errs = Vec::new();
    if key == "containers" && containers.is_empty() {
        errs.push(field::required(&path, ""));
    }
    let mut names = BTreeSet::new();
    for (i, c) in containers.iter().enumerate() {
        let p = path.index(i);
        errs.extend(validate_container_common(c, &p, volumes));
        let name = str_at(c, &["name"]);
        if !names.insert(name) {
            errs.push(field::duplicate(&p.child("name"), name));
        }
        if key == "containers" {
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                if let Some(pr) = at(c, &[probe]) {
                    errs.extend(validate_probe(pr, &p.child(probe), probe));
                }
            }
            if at(c, &["restartPolicy"]).is_some() {
                errs.push(field::forbidden(
                    &p.child("restartPolicy"),
                    "may not be set for non-init containers",
                ));
            }
        } else if let Some(rp) = at(c, &["restartPolicy"]).and_then(Value::as_str)
            && rp != "Always"
        {
            errs.push(field::not_supported(&p.child("restartPolicy"), rp, &["Always"]));
        }
    }
    if key == "containers" {
        errs.extend(check_host_port_conflicts(containers, &path));
    }
    errs
}

fn validate_probe(probe: &Value, path: &Path, kind: &str) -> Vec<Error> {
    let mut errs = Vec::new();
    for key in [
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ] {
        errs.extend(meta::nonnegative_at(probe, key, path));
    }
    if kind != "readinessProbe"
        && let Some(s) = i64_at(probe, &["successThreshold"])
        && s != 1
    {
        errs.push(field::invalid(&path.child("successThreshold"), s, "must be 1"));
    }
    let handlers = ["exec", "httpGet", "tcpSocket", "grpc"];
    let count = handlers.iter().filter(|h| at(probe, &[h]).is_some()).count();
    if count == 0 {
        errs.push(field::required(path, "must specify a handler type"));
    }
    if let Some(port) = at(probe, &["httpGet", "port"]) {
        errs.extend(validate_port_num_or_name(port, &path.child("httpGet").child("port")));
    }
    if let Some(port) = at(probe, &["tcpSocket", "port"]) {
        errs.extend(validate_port_num_or_name(port, &path.child("tcpSocket").child("port")));
    }
    errs
}

/// `ValidatePortNumOrName` for an int-or-string port.
pub fn validate_port_num_or_name(port: &Value, path: &Path) -> Vec<Error> {
    match port {
        Value::String(s) => is_valid_port_name(s)
            .into_iter()
            .map(|m| field::invalid(path, s.as_str(), m))
            .collect(),
        v => {
            let n = v.as_i64().unwrap_or(0);
            is_valid_port_num(n)
                .into_iter()
                .map(|m| field::invalid(path, n, m))
                .collect()
        }
    }
}

fn validate_container_common(c: &Value, path: &Path, volumes: &BTreeSet<String>) -> Vec<Error> {
    let mut errs = Vec::new();
    let name = str_at(c, &["name"]);
    if name.is_empty() {
        errs.push(field::required(&path.child("name"), ""));
    } else {
        errs.extend(dns_label(name, &path.child("name")));
    }
    if str_at(c, &["image"]).is_empty() {
        errs.push(field::required(&path.child("image"), ""));
    }
    errs.extend(enum_field(
        str_at(c, &["terminationMessagePolicy"]),
        &path.child("terminationMessagePolicy"),
        &["File", "FallbackToLogsOnError"],
    ));
    errs.extend(validate_container_ports(arr_at(c, &["ports"]), &path.child("ports")));
    errs.extend(validate_env(arr_at(c, &["env"]), &path.child("env")));
    errs.extend(validate_volume_mounts(
        arr_at(c, &["volumeMounts"]),
        &path.child("volumeMounts"),
        volumes,
    ));
    let policy = str_at(c, &["imagePullPolicy"]);
    errs.extend(enum_field(
        policy,
        &path.child("imagePullPolicy"),
        &["Always", "IfNotPresent", "Never"],
    ));
    if let Some(r) = at(c, &["resources"]) {
        errs.extend(validate_resources(r, &path.child("resources")));
    }
    errs
}

fn validate_container_ports(ports: &[Value], path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let p = path.index(i);
        let name = str_at(port, &["name"]);
        if !name.is_empty() {
            let msgs = is_valid_port_name(name);
            if !msgs.is_empty() {
                errs.extend(msgs.into_iter().map(|m| field::invalid(&p.child("name"), name, m)));
            } else if !names.insert(name) {
                errs.push(field::duplicate(&p.child("name"), name));
            }
        }
        match i64_at(port, &["containerPort"]).unwrap_or(0) {
            0 => errs.push(field::required(&p.child("containerPort"), "")),
            n => errs.extend(
                is_valid_port_num(n)
                    .into_iter()
                    .map(|m| field::invalid(&p.child("containerPort"), n, m)),
            ),
        }
        if let Some(h) = i64_at(port, &["hostPort"]).filter(|h| *h != 0) {
            errs.extend(
                is_valid_port_num(h)
                    .into_iter()
                    .map(|m| field::invalid(&p.child("hostPort"), h, m)),
            );
        }
        let protocol = str_at(port, &["protocol"]);
        if protocol.is_empty() {
            errs.push(field::required(&p.child("protocol"), ""));
        } else if !PROTOCOLS.contains(&protocol) {
            errs.push(field::not_supported(&p.child("protocol"), protocol, &PROTOCOLS));
        }
    }
    errs
}

fn check_host_port_conflicts(containers: &[Value], path: &Path) -> Vec<Error> {
    let mut seen = BTreeSet::new();
    let mut errs = Vec::new();
    for c in containers {
        for port in arr_at(c, &["ports"]) {
            let host_port = i64_at(port, &["hostPort"]).unwrap_or(0);
            if host_port == 0 {
                continue;
            }
            let key = format!(
                "{}/{}/{}",
                str_at(port, &["hostIP"]),
                host_port,
                str_at(port, &["protocol"])
            );
            if !seen.insert(key.clone()) {
                errs.push(field::duplicate(path, key));
            }
        }
    }
    errs
}

fn validate_env(env: &[Value], path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    for (i, e) in env.iter().enumerate() {
        let p = path.index(i);
        let name = str_at(e, &["name"]);
        if name.is_empty() {
            errs.push(field::required(&p.child("name"), ""));
        }
        errs.extend(
            is_env_var_name(name)
                .into_iter()
                .map(|m| field::invalid(&p.child("name"), name, m)),
        );
        let Some(from) = at(e, &["valueFrom"]) else { continue };
        let vp = p.child("valueFrom");
        let sources = [
            "fieldRef",
            "resourceFieldRef",
            "configMapKeyRef",
            "secretKeyRef",
            "fileKeyRef",
        ];
        let count = sources.iter().filter(|s| at(from, &[s]).is_some()).count();
        if let Some(fr) = at(from, &["fieldRef"]) {
            let fp = vp.child("fieldRef");
            if str_at(fr, &["apiVersion"]).is_empty() {
                errs.push(field::required(&fp.child("apiVersion"), ""));
            }
            if str_at(fr, &["fieldPath"]).is_empty() {
                errs.push(field::required(&fp.child("fieldPath"), ""));
            }
        }
        for key_ref in ["configMapKeyRef", "secretKeyRef"] {
            let Some(r) = at(from, &[key_ref]) else { continue };
            let rp = vp.child(key_ref);
            if str_at(r, &["name"]).is_empty() {
                errs.push(field::required(&rp.child("name"), ""));
            }
            let key = str_at(r, &["key"]);
            if key.is_empty() {
                errs.push(field::required(&rp.child("key"), ""));
            } else {
                errs.extend(
                    is_config_map_key(key)
                        .into_iter()
                        .map(|m| field::invalid(&rp.child("key"), key, m)),
                );
            }
        }
        if count == 0 {
            errs.push(field::invalid(
                &vp,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`",
            ));
        } else if !str_at(e, &["value"]).is_empty() {
            errs.push(field::invalid(
                &vp,
                "",
                "may not be specified when `value` is not empty",
            ));
        } else if count > 1 {
            errs.push(field::invalid(
                &vp,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errs
}

fn validate_volume_mounts(mounts: &[Value], path: &Path, volumes: &BTreeSet<String>) -> Vec<Error> {
    let mut errs = Vec::new();
    let mut points = BTreeSet::new();
    for (i, m) in mounts.iter().enumerate() {
        let p = path.index(i);
        let name = str_at(m, &["name"]);
        if name.is_empty() {
            errs.push(field::required(&p.child("name"), ""));
        }
        if !volumes.contains(name) {
            errs.push(field::not_found(&p.child("name"), name));
        }
        let mount_path = str_at(m, &["mountPath"]);
        if mount_path.is_empty() {
            errs.push(field::required(&p.child("mountPath"), ""));
        }
        if !points.insert(mount_path) {
            errs.push(field::invalid(&p.child("mountPath"), mount_path, "must be unique"));
        }
        let sub = str_at(m, &["subPath"]);
        if !sub.is_empty() {
            errs.extend(validate_local_descending_path(sub, &path.child("subPath")));
        }
    }
    errs
}

/// A quantity field's value: JSON strings and numbers both parse.
pub fn quantity_of(v: &Value) -> Option<Quantity> {
    match v {
        Value::String(s) => Quantity::parse(s).ok(),
        Value::Number(n) => Quantity::parse(&n.to_string()).ok(),
        _ => None,
    }
}

fn is_standard_container_resource(name: &str) -> bool {
    matches!(name, "cpu" | "memory" | "ephemeral-storage") || name.starts_with("hugepages-")
}

fn overcommit_allowed(name: &str) -> bool {
    is_standard_container_resource(name) && !name.starts_with("hugepages-")
        || name.starts_with("requests.")
        || name.starts_with("kubernetes.io/") && !name.contains("hugepages")
}

fn parse_resource_list(list: Option<&Value>, path: &Path, errs: &mut Vec<Error>) -> BTreeMap<String, Quantity> {
    let mut out = BTreeMap::new();
    let Some(map) = list.and_then(Value::as_object) else {
        return out;
    };
    for (name, raw) in map {
        let p = path.key(name.as_str());
        errs.extend(
            is_qualified_name(name)
                .into_iter()
                .map(|m| field::invalid(&p, name.as_str(), m)),
        );
        if !name.contains('/') {
            if !is_standard_container_resource(name) {
                errs.push(field::invalid(
                    &p,
                    name.as_str(),
                    "must be a standard resource for containers",
                ));
            }
        } else if !name.starts_with("kubernetes.io/") && name.starts_with("requests.") {
            errs.push(field::invalid(
                &p,
                name.as_str(),
                "doesn't follow extended resource name standard",
            ));
        }
        let Some(q) = quantity_of(raw) else {
            let message = match raw.as_str().map(Quantity::parse) {
                Some(Err(e)) => e.to_string(),
                _ => "must be a quantity".to_string(),
            };
            errs.push(field::invalid(&p, bad(Some(raw)), message));
            continue;
        };
        if q.sign() < 0 {
            errs.push(field::invalid(&p, q.to_string(), IS_NEGATIVE));
        }
        let integer = !is_standard_container_resource(name) || name.starts_with("hugepages-");
        if integer && name.contains('/') && q.milli_value() % 1000 != 0 {
            errs.push(field::invalid(&p, q.to_string(), "must be an integer"));
        }
        out.insert(name.clone(), q);
    }
    out
}

/// `ValidateContainerResourceRequirements`: names, quantities, and requests not above limits.
pub fn validate_resources(r: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let lim_path = path.child("limits");
    let req_path = path.child("requests");
    let limits = parse_resource_list(at(r, &["limits"]), &lim_path, &mut errs);
    let requests = parse_resource_list(at(r, &["requests"]), &req_path, &mut errs);
    for (name, q) in &requests {
        match limits.get(name) {
            Some(l) if q != l && !overcommit_allowed(name) => errs.push(field::invalid(
                &req_path,
                q.to_string(),
                format!("must be equal to {name} limit of {l}"),
            )),
            Some(l) if q > l => errs.push(field::invalid(
                &req_path,
                q.to_string(),
                format!("must be less than or equal to {name} limit of {l}"),
            )),
            None if !overcommit_allowed(name) => errs.push(field::required(
                &lim_path,
                "Limit must be set for non overcommitable resources",
            )),
            _ => {}
        }
    }
    errs
}

/// `ValidateTolerations`.
pub fn validate_tolerations(tolerations: &[Value], path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    for (i, t) in tolerations.iter().enumerate() {
        let p = path.index(i);
        let key = str_at(t, &["key"]);
        if !key.is_empty() {
            errs.extend(
                is_qualified_name(key)
                    .into_iter()
                    .map(|m| field::invalid(&p.child("key"), key, m)),
            );
        }
        let operator = str_at(t, &["operator"]);
        if key.is_empty() && operator != "Exists" {
            errs.push(field::invalid(
                &p.child("operator"),
                operator,
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if at(t, &["tolerationSeconds"]).is_some() && str_at(t, &["effect"]) != "NoExecute" {
            errs.push(field::invalid(
                &p.child("effect"),
                str_at(t, &["effect"]),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        let value = str_at(t, &["value"]);
        match operator {
            "" | "Equal" => {
                let vp = p.child("operator");
                let _ = vp;
                errs.extend(
                    crate::formats::is_valid_label_value(value)
                        .into_iter()
                        .map(|m| field::invalid(&p.child("value"), value, m)),
                );
            }
            "Exists" => {
                if !value.is_empty() {
                    errs.push(field::invalid(
                        &p.child("operator"),
                        bad(Some(t)),
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => errs.push(field::not_supported(&p.child("operator"), other, &["Equal", "Exists"])),
        }
        let effect = str_at(t, &["effect"]);
        if !effect.is_empty() && !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
            errs.push(field::not_supported(
                &p.child("effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
    errs
}

/// The fields a pod update may change, in upstream's words.
pub const POD_UPDATABLE_FIELDS: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// `ValidatePodUpdate`.
pub fn validate_pod_update(new: &Value, old: &Value) -> Vec<Error> {
    let mut errs = meta::validate_object_meta_update(new, old);
    errs.extend(validate_pod_metadata_and_spec(new));
    let spec_path = Path::new("spec");
    let empty = Value::Null;
    let ns = at(new, &["spec"]).unwrap_or(&empty);
    let os = at(old, &["spec"]).unwrap_or(&empty);
    for key in ["containers", "initContainers"] {
        let (nc, oc) = (arr_at(ns, &[key]), arr_at(os, &[key]));
        if nc.len() != oc.len() {
            errs.push(field::forbidden(
                &spec_path.child(key),
                "pod updates may not add or remove containers",
            ));
            return errs;
        }
        for (i, c) in nc.iter().enumerate() {
            if str_at(c, &["image"]).is_empty() {
                errs.push(field::required(&spec_path.child(key).index(i).child("image"), ""));
            }
        }
    }
    let ads = spec_path.child("activeDeadlineSeconds");
    match (
        i64_at(ns, &["activeDeadlineSeconds"]),
        i64_at(os, &["activeDeadlineSeconds"]),
    ) {
        (Some(n), _) if !(0..=MAX_INT32).contains(&n) => {
            errs.push(field::invalid(&ads, n, inclusive_range_error(0, MAX_INT32)));
            return errs;
        }
        (Some(n), Some(o)) if o < n => {
            errs.push(field::invalid(&ads, n, "must be less than or equal to previous value"));
            return errs;
        }
        (None, Some(_)) => errs.push(field::invalid(
            &ads,
            field::BadValue::Json(Value::Null),
            "must not update from a positive integer to nil value",
        )),
        _ => {}
    }
    for (i, t) in arr_at(os, &["tolerations"]).iter().enumerate() {
        let kept = arr_at(ns, &["tolerations"]).iter().any(|n| {
            semantic_eq(Some(n), Some(t))
                || (str_at(n, &["key"]) == str_at(t, &["key"])
                    && str_at(n, &["value"]) == str_at(t, &["value"])
                    && str_at(n, &["effect"]) == str_at(t, &["effect"])
                    && str_at(n, &["operator"]) == str_at(t, &["operator"])
                    && str_at(t, &["effect"]) == "NoExecute"
                    && i64_at(n, &["tolerationSeconds"])
                        .is_some_and(|s| i64_at(t, &["tolerationSeconds"]).is_some_and(|o| s <= o)))
        });
        if !kept {
            errs.push(field::forbidden(
                &spec_path.child("tolerations").index(i),
                format!(
                    "existing toleration can not be modified except its tolerationSeconds: {}",
                    bad(Some(t)).to_go()
                ),
            ));
        }
    }
    let old_gates = arr_at(os, &["schedulingGates"]);
    if arr_at(ns, &["schedulingGates"]).iter().any(|g| !old_gates.contains(g)) {
        errs.push(field::forbidden(
            &spec_path.child("schedulingGates"),
            "only deletion is allowed, but found new scheduling gate",
        ));
    }
    if semantic_eq(Some(ns), Some(os)) {
        return errs;
    }
    let mut munged = ns.clone();
    if let Some(m) = munged.as_object_mut() {
        for key in ["containers", "initContainers"] {
            if let Some(cs) = m.get_mut(key).and_then(Value::as_array_mut) {
                for (i, c) in cs.iter_mut().enumerate() {
                    if let Some(c) = c.as_object_mut() {
                        c.insert(
                            "image".into(),
                            arr_at(os, &[key])
                                .get(i)
                                .and_then(|o| o.get("image"))
                                .cloned()
                                .unwrap_or(Value::Null),
                        );
                    }
                }
            }
        }
        for key in ["activeDeadlineSeconds", "schedulingGates", "tolerations"] {
            match os.get(key) {
                Some(v) => m.insert(key.into(), v.clone()),
                None => m.remove(key),
            };
        }
        if i64_at(os, &["terminationGracePeriodSeconds"]).is_some_and(|g| g < 0)
            && i64_at(ns, &["terminationGracePeriodSeconds"]) == Some(1)
        {
            m.insert(
                "terminationGracePeriodSeconds".into(),
                os["terminationGracePeriodSeconds"].clone(),
            );
        }
    }
    if !semantic_eq(Some(&munged), Some(os)) {
        errs.push(field::forbidden(
            &spec_path,
            format!(
                "pod updates may not change fields other than {POD_UPDATABLE_FIELDS}\n{}",
                spec_diff(os, &munged)
            ),
        ));
    }
    errs
}

/// `ValidatePodEphemeralContainersUpdate`: ephemeral containers may only be added, each a valid container
/// without the fields an ephemeral one cannot have, named uniquely in the pod, targeting a container of it.
pub fn validate_ephemeral_containers_update(new: &Value, old: &Value) -> Vec<Error> {
    let mut errs = meta::validate_object_meta_update(new, old);
    let path = Path::new("spec").child("ephemeralContainers");
    let empty = Value::Null;
    let spec = at(new, &["spec"]).unwrap_or(&empty);
    let volumes: BTreeSet<String> = arr_at(spec, &["volumes"])
        .iter()
        .map(|v| str_at(v, &["name"]).to_string())
        .collect();
    let mut names: BTreeSet<&str> = arr_at(spec, &["containers"])
        .iter()
        .chain(arr_at(spec, &["initContainers"]))
        .map(|c| str_at(c, &["name"]))
        .collect();
    let targets = names.clone();
    let ephemeral = arr_at(spec, &["ephemeralContainers"]);
    for (i, c) in ephemeral.iter().enumerate() {
        let p = path.index(i);
        errs.extend(validate_container_common(c, &p, &volumes));
        let name = str_at(c, &["name"]);
        if !names.insert(name) {
            errs.push(field::duplicate(&p.child("name"), name));
        }
        for key in [
            "ports",
            "livenessProbe",
            "readinessProbe",
            "startupProbe",
            "lifecycle",
            "resources",
            "resizePolicy",
            "restartPolicy",
        ] {
            // Go compares the fields with their zero values: `{}` and `[]` are unset.
            let set = at(c, &[key]).is_some_and(|v| match v {
                Value::Null => false,
                Value::Object(m) => !m.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            });
            if set {
                errs.push(field::forbidden(
                    &p.child(key),
                    "cannot be set for an Ephemeral Container",
                ));
            }
        }
        let target = str_at(c, &["targetContainerName"]);
        if !target.is_empty() && !targets.contains(target) {
            errs.push(field::not_found(&p.child("targetContainerName"), target));
        }
    }
    for o in arr_at(old, &["spec", "ephemeralContainers"]) {
        let name = str_at(o, &["name"]);
        match ephemeral.iter().find(|c| str_at(c, &["name"]) == name) {
            None => errs.push(field::forbidden(
                &path,
                format!("existing ephemeral containers {name:?} may not be removed"),
            )),
            Some(c) if !semantic_eq(Some(c), Some(o)) => errs.push(field::forbidden(
                &path,
                format!("existing ephemeral containers {name:?} may not be changed"),
            )),
            Some(_) => {}
        }
    }
    errs
}

/// A short description of what changed between two specs, one `-`/`+` line pair per field
/// (upstream prints a Go struct diff here; clients only show it).
fn spec_diff(old: &Value, new: &Value) -> String {
    let mut lines = Vec::new();
    diff_into("spec", Some(old), Some(new), &mut lines);
    lines.join("\n")
}

fn diff_into(path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<String>) {
    if semantic_eq(old, new) {
        return;
    }
    match (old, new) {
        (Some(Value::Object(o)), Some(Value::Object(n))) => {
            let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
            for k in keys {
                diff_into(&format!("{path}.{k}"), o.get(k), n.get(k), out);
            }
        }
        (Some(Value::Array(o)), Some(Value::Array(n))) if o.len() == n.len() => {
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                diff_into(&format!("{path}[{i}]"), Some(a), Some(b), out);
            }
        }
        _ => {
            let show = |v: Option<&Value>| v.map_or_else(|| "null".to_string(), Value::to_string);
            out.push(format!("- {path}: {}", show(old)));
            out.push(format!("+ {path}: {}", show(new)));
        }
    }
}

/// `ValidatePodStatusUpdate` (metadata rules and the status' own basic checks).
pub fn validate_pod_status_update(new: &Value, old: &Value) -> Vec<Error> {
    let mut errs = meta::validate_object_meta_update(new, old);
    let old_node = str_at(old, &["spec", "nodeName"]);
    let new_node = str_at(new, &["spec", "nodeName"]);
    if !old_node.is_empty() && old_node != new_node {
        errs.push(field::forbidden(
            &Path::new("status").child("nodeName"),
            "may not be changed directly",
        ));
    }
    let phase = str_at(new, &["status", "phase"]);
    let old_phase = str_at(old, &["status", "phase"]);
    if (old_phase == "Succeeded" || old_phase == "Failed") && phase != old_phase {
        errs.push(field::forbidden(
            &Path::new("status").child("phase"),
            format!("cannot transition from terminal phase {old_phase} to {phase}"),
        ));
    }
    errs
}

/// `GetPodQOS`: `Guaranteed`, `Burstable` or `BestEffort` from the (defaulted) containers'
/// cpu and memory requests and limits, or from pod-level resources when those are set.
pub fn qos_class(pod: &Value) -> &'static str {
    // Only cpu (slot 0) and memory (slot 1) count.
    let slot = |name: &str| match name {
        "cpu" => Some(0),
        "memory" => Some(1),
        _ => None,
    };
    let mut requests: [Option<Quantity>; 2] = [None, None];
    let mut limits: [Option<Quantity>; 2] = [None, None];
    let mut guaranteed = true;
    let empty = Value::Null;
    let spec = at(pod, &["spec"]).unwrap_or(&empty);
    // Adds the list's positive cpu and memory into `into`; answers which of the two it had.
    let add = |into: &mut [Option<Quantity>; 2], list: Option<&Value>| -> [bool; 2] {
        let mut found = [false; 2];
        for (name, raw) in list.and_then(Value::as_object).into_iter().flatten() {
            let Some(i) = slot(name) else { continue };
            let Some(q) = quantity_of(raw) else { continue };
            if q.sign() <= 0 {
                continue;
            }
            found[i] = true;
            let sum = into[i].as_ref().and_then(|prev| prev.checked_add(&q)).unwrap_or(q);
            into[i] = Some(sum);
        }
        found
    };
    let pod_level = at(spec, &["resources"]);
    let pod_level_set = pod_level.is_some_and(|r| {
        [at(r, &["requests"]), at(r, &["limits"])]
            .iter()
            .flatten()
            .any(|l| l.as_object().is_some_and(|m| m.keys().any(|k| slot(k).is_some())))
    });
    if pod_level_set {
        let r = pod_level.unwrap_or(&empty);
        add(&mut requests, at(r, &["requests"]));
        if add(&mut limits, at(r, &["limits"])) != [true, true] {
            guaranteed = false;
        }
    } else {
        for key in ["initContainers", "containers"] {
            for c in arr_at(spec, &[key]) {
                add(&mut requests, at(c, &["resources", "requests"]));
                if add(&mut limits, at(c, &["resources", "limits"])) != [true, true] {
                    guaranteed = false;
                }
            }
        }
    }
    let count = |l: &[Option<Quantity>; 2]| l.iter().flatten().count();
    if count(&requests) == 0 && count(&limits) == 0 {
        return "BestEffort";
    }
    if guaranteed && requests.iter().zip(&limits).any(|(r, l)| r.is_some() && r != l) {
        guaranteed = false;
    }
    if guaranteed && count(&requests) == count(&limits) {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

trait GoRender {
    fn to_go(&self) -> String;
}

impl GoRender for field::BadValue {
    fn to_go(&self) -> String {
        match self {
            field::BadValue::Json(v) => v.to_string(),
            field::BadValue::String(s) => s.clone(),
            other => format!("{other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::pod_defaults::default_pod;
    use serde_json::json;

    #[test]
    fn ephemeral_containers_are_added_only_and_checked() {
        let old = json!({"metadata": {"name": "p", "namespace": "d", "resourceVersion": "1"},
            "spec": {"containers": [{"name": "main", "image": "x"}]}});
        let with = |ecs: Value| {
            let mut p = old.clone();
            p["spec"]["ephemeralContainers"] = ecs;
            default_pod(&mut p);
            p
        };
        let ok = with(json!([{"name": "dbg", "image": "busybox", "targetContainerName": "main", "resources": {}}]));
        assert_eq!(validate_ephemeral_containers_update(&ok, &old), vec![]);
        let bad = with(
            json!([{"name": "main", "image": "b", "ports": [{"containerPort": 80}], "targetContainerName": "nope"}]),
        );
        let msgs: Vec<String> = validate_ephemeral_containers_update(&bad, &old)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("spec.ephemeralContainers[0].name: Duplicate value")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("ports: Forbidden: cannot be set for an Ephemeral Container")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("targetContainerName: Not found")),
            "{msgs:?}"
        );
        let changed = with(json!([{"name": "dbg", "image": "other"}]));
        let errs = validate_ephemeral_containers_update(&changed, &ok);
        assert!(
            errs[0]
                .to_string()
                .contains("existing ephemeral containers \"dbg\" may not be changed"),
            "{errs:?}"
        );
    }

    fn pod(spec: Value) -> Value {
        let mut p = json!({"metadata": {"name": "p", "namespace": "default"}, "spec": spec});
        default_pod(&mut p);
        p
    }

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn valid_minimal_pod() {
        assert!(validate_pod_create(&pod(json!({"containers": [{"name": "c", "image": "nginx"}]}))).is_empty());
    }

    #[test]
    fn missing_image_and_bad_name() {
        let errs = validate_pod_create(&pod(json!({"containers": [{"name": "C_1"}]})));
        let r = render(&errs);
        assert!(r[0].starts_with("spec.containers[0].name: Invalid value: \"C_1\": a lowercase RFC 1123 label"));
        assert_eq!(r[1], "spec.containers[0].image: Required value");
    }

    #[test]
    fn containers_required_and_unique() {
        assert_eq!(
            render(&validate_pod_create(&pod(json!({"containers": []})))),
            vec!["spec.containers: Required value"]
        );
        let errs = validate_pod_create(&pod(
            json!({"containers": [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]}),
        ));
        assert_eq!(render(&errs), vec!["spec.containers[1].name: Duplicate value: \"a\""]);
    }

    #[test]
    fn ports_and_protocols() {
        let errs = validate_pod_create(&pod(json!({"containers": [{"name": "a", "image": "x",
            "ports": [{"containerPort": 70000, "protocol": "ICMP"}]}]})));
        assert_eq!(
            render(&errs),
            vec![
                "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            ]
        );
    }

    #[test]
    fn requests_above_limits() {
        let errs = validate_pod_create(&pod(json!({"containers": [{"name": "a", "image": "x",
            "resources": {"limits": {"cpu": "500m"}, "requests": {"cpu": "1"}}}]})));
        assert_eq!(
            render(&errs),
            vec![
                "spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m"
            ]
        );
    }

    #[test]
    fn mounts_must_name_volumes_and_enums_checked() {
        let errs = validate_pod_create(&pod(
            json!({"restartPolicy": "Sometimes", "containers": [{"name": "a", "image": "x",
            "volumeMounts": [{"name": "data", "mountPath": "/d"}]}]}),
        ));
        assert_eq!(
            render(&errs),
            vec![
                "spec.containers[0].volumeMounts[0].name: Not found: \"data\"",
                "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            ]
        );
    }

    #[test]
    fn pod_update_allows_images_only() {
        let mut old = pod(json!({"containers": [{"name": "a", "image": "x"}]}));
        old["metadata"]["resourceVersion"] = json!("1");
        let mut new = old.clone();
        new["spec"]["containers"][0]["image"] = json!("y");
        assert!(validate_pod_update(&new, &old).is_empty());
        new["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80, "protocol": "TCP"}]);
        let errs = validate_pod_update(&new, &old);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "spec");
        assert!(errs[0].to_string().starts_with(
            "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`"
        ));
        assert!(errs[0].detail.contains("+ spec.containers[0].ports"));
    }

    #[test]
    fn pod_update_cannot_add_containers() {
        let mut old = pod(json!({"containers": [{"name": "a", "image": "x"}]}));
        old["metadata"]["resourceVersion"] = json!("1");
        let mut new = old.clone();
        new["spec"]["containers"] = json!([{"name": "a", "image": "x"}, {"name": "b", "image": "x"}]);
        let errs = validate_pod_update(&new, &old);
        assert_eq!(
            render(&errs).last().map(String::as_str),
            Some("spec.containers: Forbidden: pod updates may not add or remove containers")
        );
    }

    #[test]
    fn qos_classes() {
        let best = pod(json!({"containers": [{"name": "a", "image": "x"}]}));
        assert_eq!(qos_class(&best), "BestEffort");
        let guaranteed = pod(json!({"containers": [{"name": "a", "image": "x",
            "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}));
        assert_eq!(qos_class(&guaranteed), "Guaranteed");
        let burstable = pod(json!({"containers": [{"name": "a", "image": "x",
            "resources": {"requests": {"cpu": "100m"}}}]}));
        assert_eq!(qos_class(&burstable), "Burstable");
    }
}
