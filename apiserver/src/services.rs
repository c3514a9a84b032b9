//! ClusterIP and NodePort assignment for Services on create and update, and release on delete.

use ferrokube_apimachinery::status::field::{self, Path};
use ferrokube_apimachinery::status::{GroupKind, Status};
use serde_json::{Value, json};

use crate::apiserver::Apiserver;
use crate::object;
use crate::resource::ResourceSpec;

/// What one write allocated: released if the write fails, kept if it succeeds.
#[derive(Debug, Default)]
#[must_use]
pub struct Allocated {
    ips: Vec<String>,
    ports: Vec<u16>,
}

impl Allocated {
    pub fn release(self, api: &Apiserver) {
        for ip in &self.ips {
            api.allocator.release_ip(ip);
        }
        for p in &self.ports {
            api.allocator.release_port(*p);
        }
    }

    /// The write went through: free what the old object held and the new one no longer does.
    pub fn commit(self, api: &Apiserver, old: &Value, new: &Value) {
        let (new_ips, new_ports) = held(new);
        let (old_ips, old_ports) = held(old);
        for ip in old_ips.iter().filter(|ip| !new_ips.contains(ip)) {
            api.allocator.release_ip(ip);
        }
        for p in old_ports.iter().filter(|p| !new_ports.contains(p)) {
            api.allocator.release_port(*p);
        }
    }
}

fn is_service(spec: &ResourceSpec) -> bool {
    spec.storage_group.is_empty() && spec.storage_kind == "Service"
}

/// The ClusterIPs and NodePorts a Service holds.
pub fn held(svc: &Value) -> (Vec<String>, Vec<u16>) {
    let mut ips: Vec<String> = svc
        .pointer("/spec/clusterIPs")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    if let Some(ip) = svc.pointer("/spec/clusterIP").and_then(Value::as_str)
        && !ips.iter().any(|i| i == ip)
    {
        ips.push(ip.to_string());
    }
    ips.retain(|ip| !ip.is_empty() && ip != "None");
    let ports = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.get("nodePort").and_then(Value::as_u64))
                .map(|p| p as u16)
                .collect()
        })
        .unwrap_or_default();
    (ips, ports)
}

pub fn release_all(api: &Apiserver, spec: &ResourceSpec, obj: &Value) {
    if !is_service(spec) {
        return;
    }
    let (ips, ports) = held(obj);
    for ip in ips {
        api.allocator.release_ip(&ip);
    }
    for p in ports {
        api.allocator.release_port(p);
    }
}

fn invalid(svc: &Value, errs: Vec<field::Error>) -> Status {
    Status::invalid(&GroupKind::new("", "Service"), object::name(svc), &errs)
}

/// Assigns a ClusterIP and NodePorts to a Service being created (`old == None`) or updated.
pub fn allocate(
    api: &Apiserver,
    spec: &ResourceSpec,
    svc: &mut Value,
    old: Option<&Value>,
) -> Result<Allocated, Status> {
    let mut out = Allocated::default();
    if !is_service(spec) {
        return Ok(out);
    }
    let (old_ips, old_ports) = old.map(held).unwrap_or_default();
    let svc_type = svc
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    let spec_path = Path::new("spec");
    if svc_type != "ExternalName" {
        let ip = svc
            .pointer("/spec/clusterIP")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if ip.is_empty() {
            if let Some(existing) = old_ips.first() {
                set_cluster_ip(svc, existing);
            } else {
                match api.allocator.allocate_next_ip() {
                    Ok(ip) => {
                        out.ips.push(ip.to_string());
                        set_cluster_ip(svc, &ip.to_string());
                    }
                    Err(e) => {
                        return Err(Status::internal_error(format!("failed to allocate a serviceIP: {e}")));
                    }
                }
            }
        } else if ip != "None" && !old_ips.contains(&ip) {
            if let Err(e) = api.allocator.allocate_ip(&ip) {
                let path = spec_path.child("clusterIPs").index(0);
                return Err(invalid(
                    svc,
                    vec![field::invalid(
                        &path,
                        ip.as_str(),
                        format!("failed to allocate IP {ip}: {e}"),
                    )],
                ));
            }
            out.ips.push(ip.clone());
            set_cluster_ip(svc, &ip);
        } else if ip != "None" {
            set_cluster_ip(svc, &ip);
        }
        if let Some(s) = svc.get_mut("spec").and_then(Value::as_object_mut) {
            s.entry("ipFamilies").or_insert(json!(["IPv4"]));
            s.entry("ipFamilyPolicy").or_insert(json!("SingleStack"));
        }
    }
    if svc_type == "NodePort" || svc_type == "LoadBalancer" {
        let count = svc.pointer("/spec/ports").and_then(Value::as_array).map_or(0, Vec::len);
        for i in 0..count {
            let requested = svc
                .pointer(&format!("/spec/ports/{i}/nodePort"))
                .and_then(Value::as_u64)
                .unwrap_or(0) as u16;
            if requested == 0 {
                match api.allocator.allocate_next_port() {
                    Ok(p) => {
                        out.ports.push(p);
                        if let Some(port) = svc
                            .pointer_mut(&format!("/spec/ports/{i}"))
                            .and_then(Value::as_object_mut)
                        {
                            let mut rebuilt = serde_json::Map::new();
                            for (k, v) in std::mem::take(port) {
                                let is_target = k == "targetPort";
                                rebuilt.insert(k, v);
                                if is_target {
                                    rebuilt.insert("nodePort".into(), json!(p));
                                }
                            }
                            rebuilt.entry("nodePort").or_insert(json!(p));
                            *port = rebuilt;
                        }
                    }
                    Err(e) => {
                        out.release(api);
                        return Err(Status::internal_error(format!("failed to allocate a nodePort: {e}")));
                    }
                }
            } else if !old_ports.contains(&requested) {
                if let Err(e) = api.allocator.allocate_port(requested) {
                    out.release(api);
                    let path = spec_path.child("ports").index(i).child("nodePort");
                    return Err(invalid(
                        svc,
                        vec![field::invalid(&path, i64::from(requested), e.to_string())],
                    ));
                }
                out.ports.push(requested);
            }
        }
    }
    Ok(out)
}

fn set_cluster_ip(svc: &mut Value, ip: &str) {
    if let Some(s) = svc.get_mut("spec").and_then(Value::as_object_mut) {
        s.insert("clusterIP".into(), json!(ip));
        s.insert("clusterIPs".into(), json!([ip]));
    }
}
