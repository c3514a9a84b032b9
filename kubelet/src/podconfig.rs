//! From a Pod to the CRI's sandbox and container configs, the way upstream's kuberuntime builds them:
//! the labels and annotations that tie CRI objects back to their pod (`io.kubernetes.pod.uid`, ...), the
//! pod's cgroup parent by QoS class, namespace modes, DNS, host ports, environment and `$(VAR)`
//! expansion, and container resources.

use std::collections::BTreeMap;

use ferrokube_apimachinery::quantity::Quantity as ParsedQuantity;
use ferrokube_proto::runtime::v1 as api;
use k8s_openapi::api::core::v1::{Container, Pod};

pub const POD_NAME_LABEL: &str = "io.kubernetes.pod.name";
pub const POD_NAMESPACE_LABEL: &str = "io.kubernetes.pod.namespace";
pub const POD_UID_LABEL: &str = "io.kubernetes.pod.uid";
pub const CONTAINER_NAME_LABEL: &str = "io.kubernetes.container.name";
pub const RESTART_COUNT_ANNOTATION: &str = "io.kubernetes.container.restartCount";
pub const TERMINATION_GRACE_ANNOTATION: &str = "io.kubernetes.pod.terminationGracePeriod";

/// What the sandbox and container configs need besides the pod.
#[derive(Debug, Clone)]
pub struct NodeContext {
    pub node_name: String,
    /// The kubelet's `--root-dir` (pod volumes live under `pods/<uid>/volumes`).
    pub root_dir: std::path::PathBuf,
    pub node_ip: String,
    /// `cgroupRoot` of the KubeletConfiguration; pods go under `<root>/kubepods/...`.
    pub cgroup_root: String,
    pub pod_logs_dir: std::path::PathBuf,
    pub cluster_dns: Vec<String>,
    pub cluster_domain: String,
}

pub fn uid(pod: &Pod) -> &str {
    pod.metadata.uid.as_deref().unwrap_or("")
}

pub fn name(pod: &Pod) -> &str {
    pod.metadata.name.as_deref().unwrap_or("")
}

pub fn namespace(pod: &Pod) -> &str {
    pod.metadata.namespace.as_deref().unwrap_or("default")
}

/// `<namespace>_<name>_<uid>`: the pod's log directory name, as upstream names it.
pub fn log_dir_name(pod: &Pod) -> String {
    format!("{}_{}_{}", namespace(pod), name(pod), uid(pod))
}

/// The pod's QoS class, as upstream computes it from requests and limits.
pub fn qos_class(pod: &Pod) -> &'static str {
    let Some(spec) = &pod.spec else { return "BestEffort" };
    let all: Vec<&Container> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &all {
        let res = c.resources.as_ref();
        let requests = res.and_then(|r| r.requests.as_ref());
        let limits = res.and_then(|r| r.limits.as_ref());
        for resource in ["cpu", "memory"] {
            let req = requests.and_then(|r| r.get(resource)).map(|q| q.0.as_str());
            let lim = limits.and_then(|l| l.get(resource)).map(|q| q.0.as_str());
            if req.is_some_and(|q| !is_zero(q)) || lim.is_some_and(|q| !is_zero(q)) {
                any = true;
            }
            match (req, lim) {
                (_, None) => guaranteed = false,
                (Some(r), Some(l)) if !same_quantity(r, l) => guaranteed = false,
                _ => {}
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn is_zero(q: &str) -> bool {
    ParsedQuantity::parse(q).map(|q| q.is_zero()).unwrap_or(true)
}

fn same_quantity(a: &str, b: &str) -> bool {
    match (ParsedQuantity::parse(a), ParsedQuantity::parse(b)) {
        (Ok(a), Ok(b)) => a.milli_value() == b.milli_value(),
        _ => false,
    }
}

/// The pod's cgroup parent (cgroupfs): Guaranteed pods directly under `kubepods`, the others under
/// `kubepods/burstable` or `kubepods/besteffort`, as upstream lays them out.
pub fn cgroup_parent(node: &NodeContext, pod: &Pod) -> String {
    let root = node.cgroup_root.trim_end_matches('/');
    let qos = match qos_class(pod) {
        "Guaranteed" => String::new(),
        "Burstable" => "/burstable".to_string(),
        _ => "/besteffort".to_string(),
    };
    format!("{root}/kubepods{qos}/pod{}", uid(pod))
}

fn labels_for(pod: &Pod) -> BTreeMap<String, String> {
    BTreeMap::from([
        (POD_NAME_LABEL.to_string(), name(pod).to_string()),
        (POD_NAMESPACE_LABEL.to_string(), namespace(pod).to_string()),
        (POD_UID_LABEL.to_string(), uid(pod).to_string()),
    ])
}

fn dns_config(node: &NodeContext, pod: &Pod) -> Option<api::DnsConfig> {
    let spec = pod.spec.as_ref()?;
    let policy = spec.dns_policy.as_deref().unwrap_or("ClusterFirst");
    let host_network = spec.host_network.unwrap_or(false);
    let cluster = match policy {
        "ClusterFirstWithHostNet" => true,
        "ClusterFirst" => !host_network,
        _ => false,
    };
    let mut config = if policy == "None" {
        api::DnsConfig::default()
    } else if cluster && !node.cluster_dns.is_empty() {
        let ns = namespace(pod);
        let domain = if node.cluster_domain.is_empty() {
            "cluster.local"
        } else {
            node.cluster_domain.as_str()
        };
        api::DnsConfig {
            servers: node.cluster_dns.clone(),
            searches: vec![
                format!("{ns}.svc.{domain}"),
                format!("svc.{domain}"),
                domain.to_string(),
            ],
            options: vec!["ndots:5".to_string()],
        }
    } else {
        // Default (or ClusterFirst without a cluster DNS): the host's resolver.
        host_resolv_conf()
    };
    if let Some(extra) = &spec.dns_config {
        config.servers.extend(extra.nameservers.iter().flatten().cloned());
        config.searches.extend(extra.searches.iter().flatten().cloned());
        for o in extra.options.iter().flatten() {
            let opt = match &o.value {
                Some(v) => format!("{}:{v}", o.name.as_deref().unwrap_or("")),
                None => o.name.clone().unwrap_or_default(),
            };
            config.options.push(opt);
        }
    }
    Some(config)
}

fn host_resolv_conf() -> api::DnsConfig {
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let mut config = api::DnsConfig::default();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("nameserver") => config.servers.extend(words.next().map(str::to_string)),
            Some("search") => config.searches = words.map(str::to_string).collect(),
            Some("options") => config.options = words.map(str::to_string).collect(),
            _ => {}
        }
    }
    config
}

/// The pod's host name (spec.hostname or its name, at most 63 characters) and, with a subdomain and a
/// cluster domain, its domain `<subdomain>.<namespace>.svc.<clusterDomain>`, as upstream derives them.
pub fn host_and_domain(node: &NodeContext, pod: &Pod) -> (String, Option<String>) {
    let spec = pod.spec.as_ref();
    let host: String = spec
        .and_then(|s| s.hostname.clone())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| name(pod).to_string())
        .chars()
        .take(63)
        .collect();
    let host = host.trim_end_matches(['-', '.']).to_string();
    let domain = spec
        .and_then(|s| s.subdomain.clone())
        .filter(|d| !d.is_empty() && !node.cluster_domain.is_empty())
        .map(|sub| format!("{sub}.{}.svc.{}", namespace(pod), node.cluster_domain));
    (host, domain)
}

/// The `/etc/hosts` the kubelet gives a pod's containers: localhost entries, the pod's own name and
/// address, and its hostAliases, in upstream's layout.
pub fn etc_hosts(node: &NodeContext, pod: &Pod, pod_ip: &str) -> String {
    let mut out = String::from(
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n\
         fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n",
    );
    let (host, domain) = host_and_domain(node, pod);
    if !pod_ip.is_empty() {
        match domain {
            Some(d) => out.push_str(&format!("{pod_ip}\t{host}.{d}\t{host}\n")),
            None => out.push_str(&format!("{pod_ip}\t{host}\n")),
        }
    }
    let aliases = pod.spec.as_ref().and_then(|s| s.host_aliases.as_ref());
    if let Some(aliases) = aliases.filter(|a| !a.is_empty()) {
        out.push_str("\n# Entries added by HostAliases.\n");
        for a in aliases {
            out.push_str(&format!(
                "{}\t{}\n",
                a.ip,
                a.hostnames.clone().unwrap_or_default().join("\t")
            ));
        }
    }
    out
}

/// The pod's namespace modes: the host's for hostNetwork/hostPID/hostIPC; a PID namespace per container
/// unless `shareProcessNamespace`.
pub fn namespace_options(pod: &Pod) -> api::NamespaceOption {
    let spec = pod.spec.as_ref();
    let flag = |f: fn(&k8s_openapi::api::core::v1::PodSpec) -> Option<bool>| spec.and_then(f).unwrap_or(false);
    let mode = |host: bool| {
        if host {
            api::NamespaceMode::Node as i32
        } else {
            api::NamespaceMode::Pod as i32
        }
    };
    let pid = if flag(|s| s.host_pid) {
        api::NamespaceMode::Node as i32
    } else if flag(|s| s.share_process_namespace) {
        api::NamespaceMode::Pod as i32
    } else {
        api::NamespaceMode::Container as i32
    };
    api::NamespaceOption {
        network: mode(flag(|s| s.host_network)),
        pid,
        ipc: mode(flag(|s| s.host_ipc)),
        ..Default::default()
    }
}

/// The pod's sandbox config.
pub fn sandbox_config(node: &NodeContext, pod: &Pod, attempt: u32) -> api::PodSandboxConfig {
    let spec = pod.spec.clone().unwrap_or_default();
    let host_network = spec.host_network.unwrap_or(false);
    let hostname = if host_network {
        String::new()
    } else if spec.set_hostname_as_fqdn == Some(true)
        && let (h, Some(domain)) = host_and_domain(node, pod)
    {
        format!("{h}.{domain}")
    } else {
        host_and_domain(node, pod).0.trim_end_matches(['-', '.']).to_string()
    };
    let mut port_mappings = Vec::new();
    for c in &spec.containers {
        for p in c.ports.iter().flatten() {
            if let Some(host_port) = p.host_port.filter(|&h| h > 0) {
                port_mappings.push(api::PortMapping {
                    protocol: match p.protocol.as_deref() {
                        Some("UDP") => api::Protocol::Udp as i32,
                        Some("SCTP") => api::Protocol::Sctp as i32,
                        _ => api::Protocol::Tcp as i32,
                    },
                    container_port: p.container_port,
                    host_port,
                    host_ip: p.host_ip.clone().unwrap_or_default(),
                });
            }
        }
    }
    let mut labels = pod.metadata.labels.clone().unwrap_or_default();
    labels.extend(labels_for(pod));
    api::PodSandboxConfig {
        metadata: Some(api::PodSandboxMetadata {
            name: name(pod).to_string(),
            uid: uid(pod).to_string(),
            namespace: namespace(pod).to_string(),
            attempt,
        }),
        hostname,
        log_directory: node.pod_logs_dir.join(log_dir_name(pod)).to_string_lossy().into_owned(),
        dns_config: dns_config(node, pod),
        port_mappings,
        labels: labels.into_iter().collect(),
        annotations: pod
            .metadata
            .annotations
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        linux: Some(api::LinuxPodSandboxConfig {
            cgroup_parent: cgroup_parent(node, pod),
            security_context: Some(api::LinuxSandboxSecurityContext {
                namespace_options: Some(namespace_options(pod)),
                privileged: spec
                    .containers
                    .iter()
                    .chain(spec.init_containers.iter().flatten())
                    .any(|c| c.security_context.as_ref().and_then(|s| s.privileged).unwrap_or(false)),
                run_as_user: spec
                    .security_context
                    .as_ref()
                    .and_then(|s| s.run_as_user)
                    .map(|value| api::Int64Value { value }),
                run_as_group: spec
                    .security_context
                    .as_ref()
                    .and_then(|s| s.run_as_group)
                    .map(|value| api::Int64Value { value }),
                supplemental_groups: spec
                    .security_context
                    .as_ref()
                    .and_then(|s| s.supplemental_groups.clone())
                    .unwrap_or_default(),
                ..Default::default()
            }),
            sysctls: spec
                .security_context
                .as_ref()
                .and_then(|s| s.sysctls.as_ref())
                .map(|s| s.iter().map(|x| (x.name.clone(), x.value.clone())).collect())
                .unwrap_or_default(),
            ..Default::default()
        }),
        windows: None,
    }
}

/// The value of a `fieldRef` the kubelet resolves itself.
pub fn field_ref(pod: &Pod, node: &NodeContext, pod_ip: &str, path: &str) -> Option<String> {
    let spec = pod.spec.as_ref();
    Some(match path {
        "metadata.name" => name(pod).to_string(),
        "metadata.namespace" => namespace(pod).to_string(),
        "metadata.uid" => uid(pod).to_string(),
        "spec.nodeName" => node.node_name.clone(),
        "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()).unwrap_or_default(),
        "status.podIP" | "status.podIPs" => pod_ip.to_string(),
        "status.hostIP" | "status.hostIPs" => node.node_ip.clone(),
        _ => {
            // metadata.labels['key'] / metadata.annotations['key']
            let (map, key) = if let Some(k) = path.strip_prefix("metadata.labels['") {
                (pod.metadata.labels.as_ref(), k)
            } else if let Some(k) = path.strip_prefix("metadata.annotations['") {
                (pod.metadata.annotations.as_ref(), k)
            } else {
                return None;
            };
            let key = key.strip_suffix("']")?;
            map.and_then(|m| m.get(key)).cloned().unwrap_or_default()
        }
    })
}

/// Expands `$(VAR)` references with `vars`, as upstream does: `$$` is a literal `$`, an unknown
/// variable is left as written.
pub fn expand(input: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('(') {
            match body.find(')') {
                Some(end) => {
                    let name = &body[..end];
                    match vars.get(name) {
                        Some(v) => out.push_str(v),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &body[end + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = body;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The container's environment in order, with `$(VAR)` references to earlier variables expanded.
/// ConfigMap and Secret references are resolved by the caller into `resolved` (name → value).
pub fn environment(
    pod: &Pod,
    container: &Container,
    node: &NodeContext,
    pod_ip: &str,
    resolved: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut set = |vars: &mut BTreeMap<String, String>, k: String, v: String| {
        if !vars.contains_key(&k) {
            order.push(k.clone());
        }
        vars.insert(k, v);
    };
    for (k, v) in resolved.iter().filter(|(k, _)| k.starts_with("envFrom:")) {
        set(&mut vars, k.trim_start_matches("envFrom:").to_string(), v.clone());
    }
    for e in container.env.iter().flatten() {
        let value = if let Some(v) = &e.value {
            expand(v, &vars)
        } else if let Some(src) = &e.value_from {
            if let Some(f) = &src.field_ref {
                field_ref(pod, node, pod_ip, &f.field_path).unwrap_or_default()
            } else if let Some(r) = &src.resource_field_ref {
                resource_field(container, &r.resource, r.divisor.as_ref().map(|d| d.0.as_str()))
            } else {
                match resolved.get(&e.name) {
                    Some(v) => v.clone(),
                    None => continue,
                }
            }
        } else {
            String::new()
        };
        set(&mut vars, e.name.clone(), value);
    }
    order.into_iter().map(|k| (k.clone(), vars[&k].clone())).collect()
}

/// A `resourceFieldRef` value: the container's limit (or request) divided by the divisor, rounded up.
pub fn resource_field(container: &Container, resource: &str, divisor: Option<&str>) -> String {
    let res = container.resources.as_ref();
    let (kind, field) = resource.split_once('.').unwrap_or(("limits", resource));
    let map = if kind == "requests" {
        res.and_then(|r| r.requests.as_ref())
    } else {
        res.and_then(|r| r.limits.as_ref())
    };
    let Some(q) = map
        .and_then(|m| m.get(field))
        .and_then(|q| ParsedQuantity::parse(&q.0).ok())
    else {
        return "0".to_string();
    };
    let divisor = divisor
        .and_then(|d| ParsedQuantity::parse(d).ok())
        .filter(|d| !d.is_zero());
    let (value, div) = match divisor {
        Some(d) => (q.milli_value(), d.milli_value()),
        None if field == "cpu" => (q.milli_value(), 1000),
        None => (q.milli_value(), 1000),
    };
    ((value + div - 1) / div).to_string()
}

/// A seccompProfile as the CRI takes it; Localhost profiles live under `<root-dir>/seccomp`.
fn seccomp_profile(node: &NodeContext, p: &k8s_openapi::api::core::v1::SeccompProfile) -> api::SecurityProfile {
    use api::security_profile::ProfileType;
    match p.type_.as_str() {
        "RuntimeDefault" => api::SecurityProfile {
            profile_type: ProfileType::RuntimeDefault as i32,
            localhost_ref: String::new(),
        },
        "Localhost" => api::SecurityProfile {
            profile_type: ProfileType::Localhost as i32,
            localhost_ref: node
                .root_dir
                .join("seccomp")
                .join(p.localhost_profile.as_deref().unwrap_or(""))
                .to_string_lossy()
                .into_owned(),
        },
        _ => api::SecurityProfile {
            profile_type: ProfileType::Unconfined as i32,
            localhost_ref: String::new(),
        },
    }
}

/// Upstream's runAsNonRoot check: with `runAsNonRoot`, the container must not run as UID 0, by its
/// runAsUser or else by the image's user. `image_uid`/`image_user` come from the runtime's ImageStatus.
pub fn verify_non_root(
    pod: &Pod,
    container: &Container,
    image_uid: Option<i64>,
    image_user: &str,
) -> Result<(), String> {
    let sc = container.security_context.as_ref();
    let pod_sc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
    let non_root = sc
        .and_then(|s| s.run_as_non_root)
        .or_else(|| pod_sc.and_then(|s| s.run_as_non_root))
        .unwrap_or(false);
    if !non_root {
        return Ok(());
    }
    let who = format!("{}_{}({})", name(pod), namespace(pod), uid(pod));
    let run_as = sc
        .and_then(|s| s.run_as_user)
        .or_else(|| pod_sc.and_then(|s| s.run_as_user));
    match (run_as, image_uid) {
        (Some(0), _) => Err(format!(
            "container's runAsUser breaks non-root policy (pod: \"{who}\", container: {})",
            container.name
        )),
        (Some(_), _) => Ok(()),
        (None, Some(0)) => Err(format!(
            "container has runAsNonRoot and image will run as root (pod: \"{who}\", container: {})",
            container.name
        )),
        (None, Some(_)) => Ok(()),
        (None, None) if !image_user.is_empty() => Err(format!(
            "container has runAsNonRoot and image has non-numeric user ({image_user}), cannot verify user is non-root (pod: \"{who}\", container: {})",
            container.name
        )),
        // No user in the image: it runs as root.
        (None, None) => Err(format!(
            "container has runAsNonRoot and image will run as root (pod: \"{who}\", container: {})",
            container.name
        )),
    }
}

/// CPU shares, quota and memory limit from the container's requests and limits (upstream's mapping).
fn linux_resources(container: &Container) -> api::LinuxContainerResources {
    let res = container.resources.as_ref();
    let get = |m: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>, k: &str| {
        m.and_then(|m| m.get(k)).and_then(|q| ParsedQuantity::parse(&q.0).ok())
    };
    let requests = res.and_then(|r| r.requests.as_ref());
    let limits = res.and_then(|r| r.limits.as_ref());
    let cpu_request = get(requests, "cpu").or_else(|| get(limits, "cpu"));
    let cpu_limit = get(limits, "cpu");
    let memory_limit = get(limits, "memory");
    let shares = cpu_request.map(|q| (q.milli_value() * 1024 / 1000).max(2)).unwrap_or(2);
    let period = 100_000i64;
    api::LinuxContainerResources {
        cpu_shares: shares,
        cpu_period: if cpu_limit.is_some() { period } else { 0 },
        cpu_quota: cpu_limit
            .map(|q| (q.milli_value() * period / 1000).max(1000))
            .unwrap_or(0),
        memory_limit_in_bytes: memory_limit.map(|q| q.value()).unwrap_or(0),
        oom_score_adj: 0,
        ..Default::default()
    }
}

/// The config for attempt `attempt` of `container`.
pub fn container_config(
    node: &NodeContext,
    pod: &Pod,
    container: &Container,
    attempt: u32,
    pod_ip: &str,
    resolved: &BTreeMap<String, String>,
    mounts: Vec<api::Mount>,
) -> api::ContainerConfig {
    let env = environment(pod, container, node, pod_ip, resolved);
    let vars: BTreeMap<String, String> = env.iter().cloned().collect();
    let mut labels = labels_for(pod);
    labels.insert(CONTAINER_NAME_LABEL.to_string(), container.name.clone());
    let grace = pod
        .spec
        .as_ref()
        .and_then(|s| s.termination_grace_period_seconds)
        .unwrap_or(30);
    let annotations = BTreeMap::from([
        (RESTART_COUNT_ANNOTATION.to_string(), attempt.to_string()),
        (TERMINATION_GRACE_ANNOTATION.to_string(), grace.to_string()),
        (
            "io.kubernetes.container.terminationMessagePath".to_string(),
            container
                .termination_message_path
                .clone()
                .unwrap_or_else(|| "/dev/termination-log".to_string()),
        ),
    ]);
    let sc = container.security_context.as_ref();
    let pod_sc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
    let run_as_user = sc
        .and_then(|s| s.run_as_user)
        .or_else(|| pod_sc.and_then(|s| s.run_as_user));
    let run_as_group = sc
        .and_then(|s| s.run_as_group)
        .or_else(|| pod_sc.and_then(|s| s.run_as_group));
    let capabilities = sc.and_then(|s| s.capabilities.as_ref()).map(|c| api::Capability {
        add_capabilities: c.add.clone().unwrap_or_default(),
        drop_capabilities: c.drop.clone().unwrap_or_default(),
        ..Default::default()
    });
    api::ContainerConfig {
        metadata: Some(api::ContainerMetadata {
            name: container.name.clone(),
            attempt,
        }),
        image: Some(api::ImageSpec {
            image: container.image.clone().unwrap_or_default(),
            ..Default::default()
        }),
        command: container.command.iter().flatten().map(|c| expand(c, &vars)).collect(),
        args: container.args.iter().flatten().map(|a| expand(a, &vars)).collect(),
        working_dir: container.working_dir.clone().unwrap_or_default(),
        envs: env
            .into_iter()
            .map(|(key, value)| api::KeyValue { key, value })
            .collect(),
        labels: labels.into_iter().collect(),
        annotations: annotations.into_iter().collect(),
        log_path: format!("{}/{attempt}.log", container.name),
        mounts,
        stdin: container.stdin.unwrap_or(false),
        stdin_once: container.stdin_once.unwrap_or(false),
        tty: container.tty.unwrap_or(false),
        linux: Some(api::LinuxContainerConfig {
            resources: Some(linux_resources(container)),
            security_context: Some(api::LinuxContainerSecurityContext {
                capabilities,
                privileged: sc.and_then(|s| s.privileged).unwrap_or(false),
                run_as_user: run_as_user.map(|value| api::Int64Value { value }),
                run_as_group: run_as_group.map(|value| api::Int64Value { value }),
                readonly_rootfs: sc.and_then(|s| s.read_only_root_filesystem).unwrap_or(false),
                seccomp: sc
                    .and_then(|s| s.seccomp_profile.as_ref())
                    .or_else(|| pod_sc.and_then(|s| s.seccomp_profile.as_ref()))
                    .map(|p| seccomp_profile(node, p)),
                no_new_privs: sc.and_then(|s| s.allow_privilege_escalation) == Some(false),
                // fsGroup joins the supplemental groups, as upstream adds it.
                supplemental_groups: pod_sc
                    .and_then(|s| s.supplemental_groups.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .chain(pod_sc.and_then(|s| s.fs_group))
                    .collect(),
                // The container joins the pod's namespaces as the sandbox has them (its own PID
                // namespace unless the pod shares one or uses the host's).
                namespace_options: Some(namespace_options(pod)),
                ..Default::default()
            }),
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    fn node() -> NodeContext {
        NodeContext {
            node_name: "n1".into(),
            root_dir: "/var/lib/kubelet".into(),
            node_ip: "10.0.0.5".into(),
            cgroup_root: "/".into(),
            pod_logs_dir: "/var/log/pods".into(),
            cluster_dns: vec!["10.96.0.10".into()],
            cluster_domain: "cluster.local".into(),
        }
    }

    #[test]
    fn qos_classes_follow_requests_and_limits() {
        let with = |res: serde_json::Value| {
            pod(json!({"metadata": {"uid": "u"}, "spec": {"containers": [{"name": "a", "resources": res}]}}))
        };
        assert_eq!(qos_class(&with(json!({}))), "BestEffort");
        assert_eq!(qos_class(&with(json!({"requests": {"cpu": "100m"}}))), "Burstable");
        assert_eq!(
            qos_class(&with(
                json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1Gi"}})
            )),
            "Guaranteed"
        );
        assert_eq!(cgroup_parent(&node(), &with(json!({}))), "/kubepods/besteffort/podu");
        assert_eq!(
            cgroup_parent(&node(), &with(json!({"limits": {"cpu": "1", "memory": "1Gi"}}))),
            "/kubepods/podu"
        );
    }

    #[test]
    fn hosts_files_name_the_pod_and_its_aliases() {
        let p = pod(json!({
            "metadata": {"name": "web-0", "namespace": "ns", "uid": "u"},
            "spec": {"hostname": "web-0", "subdomain": "nginx", "containers": [{"name": "c"}],
                     "hostAliases": [{"ip": "10.1.2.3", "hostnames": ["foo.local", "bar.local"]}]}
        }));
        let hosts = etc_hosts(&node(), &p, "10.244.0.5");
        assert!(
            hosts.starts_with("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"),
            "{hosts}"
        );
        assert!(
            hosts.contains("10.244.0.5\tweb-0.nginx.ns.svc.cluster.local\tweb-0\n"),
            "{hosts}"
        );
        assert!(
            hosts.ends_with("# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n"),
            "{hosts}"
        );
        assert_eq!(sandbox_config(&node(), &p, 0).hostname, "web-0");
    }

    #[test]
    fn run_as_non_root_is_checked_like_upstream() {
        let p = pod(json!({
            "metadata": {"name": "web", "namespace": "ns", "uid": "u1"},
            "spec": {"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "c"}]}
        }));
        let c = &p.spec.as_ref().unwrap().containers[0];
        let e = verify_non_root(&p, c, Some(0), "").unwrap_err();
        assert_eq!(
            e,
            "container has runAsNonRoot and image will run as root (pod: \"web_ns(u1)\", container: c)"
        );
        assert!(verify_non_root(&p, c, Some(1000), "").is_ok());
        assert!(
            verify_non_root(&p, c, None, "nobody")
                .unwrap_err()
                .contains("non-numeric user (nobody)")
        );
        let with_user = pod(json!({
            "metadata": {"name": "web", "namespace": "ns", "uid": "u1"},
            "spec": {"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "c", "securityContext": {"runAsUser": 0}}]}
        }));
        let c = &with_user.spec.as_ref().unwrap().containers[0];
        assert!(
            verify_non_root(&with_user, c, Some(1000), "")
                .unwrap_err()
                .contains("runAsUser breaks non-root policy")
        );
    }

    #[test]
    fn variables_expand_like_upstream() {
        let vars = BTreeMap::from([("A".to_string(), "x".to_string())]);
        assert_eq!(expand("$(A)-$(B)-$$(A)-$", &vars), "x-$(B)-$(A)-$");
        assert_eq!(expand("$(A", &vars), "$(A");
    }

    #[test]
    fn environment_resolves_values_fields_and_earlier_variables() {
        let p = pod(json!({
            "metadata": {"name": "web", "namespace": "ns", "uid": "u1", "labels": {"app": "a"}},
            "spec": {"containers": [{"name": "c", "resources": {"limits": {"memory": "64Mi"}}, "env": [
                {"name": "A", "value": "1"},
                {"name": "B", "value": "$(A)2"},
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
                {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}}
            ]}]}
        }));
        let c = &p.spec.as_ref().unwrap().containers[0];
        let env = environment(&p, c, &node(), "10.1.0.7", &BTreeMap::new());
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("B"), Some("12"));
        assert_eq!(get("POD"), Some("web"));
        assert_eq!(get("IP"), Some("10.1.0.7"));
        assert_eq!(get("APP"), Some("a"));
        assert_eq!(get("MEM"), Some("64"));
    }

    #[test]
    fn sandbox_config_carries_identity_namespaces_and_dns() {
        let p = pod(json!({
            "metadata": {"name": "web", "namespace": "ns", "uid": "u1"},
            "spec": {"hostPID": true, "containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}
        }));
        let s = sandbox_config(&node(), &p, 0);
        assert_eq!(s.labels[POD_UID_LABEL], "u1");
        assert_eq!(s.log_directory, "/var/log/pods/ns_web_u1");
        assert_eq!(s.hostname, "web");
        let ns = s.linux.unwrap().security_context.unwrap().namespace_options.unwrap();
        assert_eq!(ns.pid, api::NamespaceMode::Node as i32);
        assert_eq!(ns.network, api::NamespaceMode::Pod as i32);
        assert_eq!(s.port_mappings[0].host_port, 8080);
        let dns = s.dns_config.unwrap();
        assert_eq!(dns.servers, ["10.96.0.10"]);
        assert_eq!(dns.searches[0], "ns.svc.cluster.local");
        assert_eq!(dns.options, ["ndots:5"]);
    }
}
