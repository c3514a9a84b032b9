//! The kubelet's flags (upstream's names, those kubeadm sets) and its config file
//! (`KubeletConfiguration`, `kubelet.config.k8s.io/v1beta1`), merged as upstream merges them: a flag
//! given on the command line wins over the file, the file over the defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use ferrokube_apimachinery::time::parse_go_duration_std;
use serde::Deserialize;

/// The kubelet's command line.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "kubelet",
    version,
    about = "The Ferrokube node agent: runs the pods bound to this node on a CRI runtime"
)]
pub struct Flags {
    /// The kubelet's config file (a KubeletConfiguration, kubelet.config.k8s.io/v1beta1).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// kubeconfig with the apiserver's address and the kubelet's credentials.
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig used to obtain a client certificate when `--kubeconfig` does not exist yet.
    #[arg(long = "bootstrap-kubeconfig")]
    pub bootstrap_kubeconfig: Option<PathBuf>,
    /// The CRI runtime's endpoint, e.g. unix:///run/containerd/containerd.sock.
    #[arg(long = "container-runtime-endpoint")]
    pub container_runtime_endpoint: Option<String>,
    /// The node's IP address (its InternalIP).
    #[arg(long = "node-ip")]
    pub node_ip: Option<std::net::IpAddr>,
    /// The node's name, instead of the host name.
    #[arg(long = "hostname-override")]
    pub hostname_override: Option<String>,
    /// Deprecated upstream: the sandbox image is the runtime's setting. Accepted, used to check that the
    /// image is present.
    #[arg(long = "pod-infra-container-image")]
    pub pod_infra_container_image: Option<String>,
    /// Labels to add when registering the node: key=value,...
    #[arg(long = "node-labels", value_delimiter = ',')]
    pub node_labels: Vec<String>,
    /// Taints to register the node with: key=value:Effect,...
    #[arg(long = "register-with-taints", value_delimiter = ',')]
    pub register_with_taints: Vec<String>,
    /// Where the kubelet keeps its files (pod volumes, plugins, checkpoints).
    #[arg(long = "root-dir", default_value = "/var/lib/kubelet")]
    pub root_dir: PathBuf,
    #[command(flatten)]
    pub logging: ferrokube_component_base::logging::LoggingArgs,
}

/// A taint as `--register-with-taints` and `registerWithTaints` give it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Taint {
    pub key: String,
    #[serde(default)]
    pub value: String,
    pub effect: String,
}

/// The part of `KubeletConfiguration` this kubelet reads. Fields it does not know are listed once in the
/// log (upstream's lenient decoding also accepts them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileConfig {
    api_version: Option<String>,
    kind: Option<String>,
    static_pod_path: Option<PathBuf>,
    #[serde(rename = "clusterDNS")]
    cluster_dns: Option<Vec<String>>,
    cluster_domain: Option<String>,
    #[serde(rename = "podCIDR")]
    pod_cidr: Option<String>,
    max_pods: Option<u32>,
    eviction_hard: Option<BTreeMap<String, String>>,
    node_status_update_frequency: Option<String>,
    node_status_report_frequency: Option<String>,
    node_lease_duration_seconds: Option<u32>,
    runtime_request_timeout: Option<String>,
    container_runtime_endpoint: Option<String>,
    register_node: Option<bool>,
    register_with_taints: Option<Vec<Taint>>,
    port: Option<u16>,
    address: Option<String>,
    healthz_port: Option<u16>,
    healthz_bind_address: Option<String>,
    tls_cert_file: Option<PathBuf>,
    tls_private_key_file: Option<PathBuf>,
    cgroup_driver: Option<String>,
    cgroup_root: Option<String>,
    pod_logs_dir: Option<PathBuf>,
    authentication: Option<FileAuthentication>,
    authorization: Option<FileAuthorization>,
    #[serde(rename = "imageGCHighThresholdPercent")]
    image_gc_high_threshold_percent: Option<i64>,
    #[serde(rename = "imageGCLowThresholdPercent")]
    image_gc_low_threshold_percent: Option<i64>,
    #[serde(rename = "imageMinimumGCAge")]
    image_minimum_gc_age: Option<String>,
    #[serde(flatten)]
    other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileAuthentication {
    x509: Option<FileX509>,
    webhook: Option<FileWebhookAuthn>,
    anonymous: Option<FileAnonymous>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileX509 {
    #[serde(rename = "clientCAFile")]
    client_ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileWebhookAuthn {
    enabled: Option<bool>,
    #[serde(rename = "cacheTTL")]
    cache_ttl: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct FileAnonymous {
    enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileAuthorization {
    mode: Option<String>,
    webhook: Option<FileWebhookAuthz>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileWebhookAuthz {
    #[serde(rename = "cacheAuthorizedTTL")]
    cache_authorized_ttl: Option<String>,
    #[serde(rename = "cacheUnauthorizedTTL")]
    cache_unauthorized_ttl: Option<String>,
}

/// How the node server authenticates (upstream's v1beta1 defaults: webhook on, anonymous off).
#[derive(Debug, Clone)]
pub struct Authentication {
    pub client_ca_file: Option<PathBuf>,
    pub webhook_enabled: bool,
    pub webhook_cache_ttl: Duration,
    pub anonymous_enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationMode {
    AlwaysAllow,
    Webhook,
}

/// How the node server authorizes (upstream's v1beta1 default: Webhook, 5 min / 30 s caches).
#[derive(Debug, Clone)]
pub struct Authorization {
    pub mode: AuthorizationMode,
    pub cache_authorized_ttl: Duration,
    pub cache_unauthorized_ttl: Duration,
}

/// The kubelet's effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub kubeconfig: Option<PathBuf>,
    pub bootstrap_kubeconfig: Option<PathBuf>,
    pub root_dir: PathBuf,
    pub node_name: String,
    pub node_ip: Option<std::net::IpAddr>,
    pub node_labels: BTreeMap<String, String>,
    pub register_node: bool,
    pub register_with_taints: Vec<Taint>,
    pub container_runtime_endpoint: String,
    pub runtime_request_timeout: Duration,
    pub sandbox_image: Option<String>,
    pub static_pod_path: Option<PathBuf>,
    pub cluster_dns: Vec<String>,
    pub cluster_domain: String,
    pub pod_cidr: Option<String>,
    pub max_pods: u32,
    pub eviction_hard: BTreeMap<String, String>,
    pub node_status_update_frequency: Duration,
    pub node_status_report_frequency: Duration,
    pub node_lease_duration_seconds: u32,
    pub port: u16,
    pub address: String,
    pub healthz_port: u16,
    pub healthz_bind_address: String,
    pub tls_cert_file: Option<PathBuf>,
    pub tls_private_key_file: Option<PathBuf>,
    /// The cgroup pods go under (`<cgroupRoot>/kubepods/...`).
    pub cgroup_root: String,
    /// Where container logs go (`<podLogsDir>/<namespace>_<name>_<uid>/<container>/<restart>.log`).
    pub pod_logs_dir: PathBuf,
    pub authentication: Authentication,
    pub authorization: Authorization,
    /// imageGCHighThresholdPercent (85), imageGCLowThresholdPercent (80), imageMinimumGCAge (2m).
    pub image_gc_high_percent: u8,
    pub image_gc_low_percent: u8,
    pub image_minimum_gc_age: Duration,
    /// Config file fields this kubelet does not act on.
    pub ignored_fields: Vec<String>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading the kubelet config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the kubelet config file {path} is not valid: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{0}")]
    Flag(String),
}

/// Upstream's hard eviction thresholds on Linux.
pub fn default_eviction_hard() -> BTreeMap<String, String> {
    [
        ("memory.available", "100Mi"),
        ("nodefs.available", "10%"),
        ("nodefs.inodesFree", "5%"),
        ("imagefs.available", "15%"),
        ("imagefs.inodesFree", "5%"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn duration(
    path: &std::path::Path,
    field: &str,
    value: Option<String>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => parse_go_duration_std(&v).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            reason: format!("{field}: {e}"),
        }),
    }
}

/// Parses a taint written as `key=value:Effect` or `key:Effect`.
pub fn parse_taint(s: &str) -> Result<Taint, String> {
    let (kv, effect) = s.rsplit_once(':').ok_or_else(|| format!("invalid taint spec: {s}"))?;
    if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
        return Err(format!("invalid taint effect: {effect}, unsupported taint effect"));
    }
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    if key.is_empty() {
        return Err(format!("invalid taint spec: {s}"));
    }
    Ok(Taint {
        key: key.to_string(),
        value: value.to_string(),
        effect: effect.to_string(),
    })
}

/// The host name as upstream's node name: lower case, from the kernel.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_else(|_| "localhost".to_string())
}

impl Config {
    /// Merges the defaults, the config file `--config` names and the flags.
    pub fn load(flags: &Flags) -> Result<Config, ConfigError> {
        let file = match &flags.config {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                let parsed: FileConfig = serde_saphyr::from_str(&text).map_err(|e| ConfigError::Invalid {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                if parsed.kind.as_deref() != Some("KubeletConfiguration")
                    || parsed.api_version.as_deref() != Some("kubelet.config.k8s.io/v1beta1")
                {
                    return Err(ConfigError::Invalid {
                        path: path.clone(),
                        reason: format!(
                            "expected apiVersion kubelet.config.k8s.io/v1beta1, kind KubeletConfiguration; found apiVersion {:?}, kind {:?}",
                            parsed.api_version.unwrap_or_default(),
                            parsed.kind.unwrap_or_default()
                        ),
                    });
                }
                Some((path.clone(), parsed))
            }
        };
        let (path, f) = match file {
            Some((p, f)) => (p, Some(f)),
            None => (PathBuf::new(), None),
        };
        let f = f.unwrap_or_default();
        if let Some(driver) = f.cgroup_driver.as_deref()
            && driver != "cgroupfs"
        {
            return Err(ConfigError::Invalid {
                path,
                reason: format!("cgroupDriver {driver:?} is not supported: this kubelet drives cgroupfs"),
            });
        }
        let mut node_labels = BTreeMap::new();
        for label in flags.node_labels.iter().filter(|l| !l.is_empty()) {
            let (k, v) = label
                .split_once('=')
                .ok_or_else(|| ConfigError::Flag(format!("--node-labels: {label:?} is not key=value")))?;
            node_labels.insert(k.to_string(), v.to_string());
        }
        let mut taints = f.register_with_taints.unwrap_or_default();
        for t in flags.register_with_taints.iter().filter(|t| !t.is_empty()) {
            taints.push(parse_taint(t).map_err(|e| ConfigError::Flag(format!("--register-with-taints: {e}")))?);
        }
        let lease = f.node_lease_duration_seconds.unwrap_or(40);
        if lease == 0 {
            return Err(ConfigError::Invalid {
                path,
                reason: "nodeLeaseDurationSeconds must be greater than 0".into(),
            });
        }
        let update = duration(
            &path,
            "nodeStatusUpdateFrequency",
            f.node_status_update_frequency,
            Duration::from_secs(10),
        )?;
        let report = duration(
            &path,
            "nodeStatusReportFrequency",
            f.node_status_report_frequency,
            Duration::from_secs(300),
        )?;
        let timeout = duration(
            &path,
            "runtimeRequestTimeout",
            f.runtime_request_timeout,
            Duration::from_secs(120),
        )?;
        let authn = f.authentication.clone().unwrap_or_default();
        let authz = f.authorization.clone().unwrap_or_default();
        let authz_webhook = authz.webhook.clone().unwrap_or_default();
        let mode = match authz.mode.as_deref().unwrap_or("Webhook") {
            "Webhook" => AuthorizationMode::Webhook,
            "AlwaysAllow" => AuthorizationMode::AlwaysAllow,
            other => {
                return Err(ConfigError::Invalid {
                    path,
                    reason: format!("authorization.mode {other:?}: must be AlwaysAllow or Webhook"),
                });
            }
        };
        let authentication = Authentication {
            client_ca_file: authn
                .x509
                .and_then(|x| x.client_ca_file)
                .filter(|p| !p.as_os_str().is_empty()),
            webhook_enabled: authn.webhook.as_ref().and_then(|w| w.enabled).unwrap_or(true),
            webhook_cache_ttl: duration(
                &path,
                "authentication.webhook.cacheTTL",
                authn.webhook.and_then(|w| w.cache_ttl),
                Duration::from_secs(120),
            )?,
            anonymous_enabled: authn.anonymous.and_then(|a| a.enabled).unwrap_or(false),
        };
        let authorization = Authorization {
            mode,
            cache_authorized_ttl: duration(
                &path,
                "authorization.webhook.cacheAuthorizedTTL",
                authz_webhook.cache_authorized_ttl,
                Duration::from_secs(300),
            )?,
            cache_unauthorized_ttl: duration(
                &path,
                "authorization.webhook.cacheUnauthorizedTTL",
                authz_webhook.cache_unauthorized_ttl,
                Duration::from_secs(30),
            )?,
        };
        let high = f.image_gc_high_threshold_percent.unwrap_or(85);
        let low = f.image_gc_low_threshold_percent.unwrap_or(80);
        for (name, v) in [
            ("imageGCHighThresholdPercent", high),
            ("imageGCLowThresholdPercent", low),
        ] {
            if !(0..=100).contains(&v) {
                return Err(ConfigError::Invalid {
                    path,
                    reason: format!("{name} ({v}) must be between 0 and 100, inclusive"),
                });
            }
        }
        if low > high {
            return Err(ConfigError::Invalid {
                path,
                reason: format!(
                    "imageGCLowThresholdPercent ({low}) must be less than imageGCHighThresholdPercent ({high})"
                ),
            });
        }
        let image_minimum_gc_age = duration(
            &path,
            "imageMinimumGCAge",
            f.image_minimum_gc_age.clone(),
            Duration::from_secs(120),
        )?;
        let mut eviction_hard = f.eviction_hard.unwrap_or_else(default_eviction_hard);
        eviction_hard.retain(|_, v| !v.is_empty());
        Ok(Config {
            kubeconfig: flags.kubeconfig.clone(),
            bootstrap_kubeconfig: flags.bootstrap_kubeconfig.clone(),
            root_dir: flags.root_dir.clone(),
            node_name: flags
                .hostname_override
                .as_deref()
                .map(|h| h.trim().to_lowercase())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(host_name),
            node_ip: flags.node_ip,
            node_labels,
            register_node: f.register_node.unwrap_or(true),
            register_with_taints: taints,
            container_runtime_endpoint: flags
                .container_runtime_endpoint
                .clone()
                .or(f.container_runtime_endpoint)
                .unwrap_or_else(|| "unix:///run/containerd/containerd.sock".to_string()),
            runtime_request_timeout: timeout,
            sandbox_image: flags.pod_infra_container_image.clone(),
            static_pod_path: f.static_pod_path,
            cluster_dns: f.cluster_dns.unwrap_or_default(),
            cluster_domain: f.cluster_domain.unwrap_or_default(),
            pod_cidr: f.pod_cidr.filter(|c| !c.is_empty()),
            max_pods: f.max_pods.unwrap_or(110),
            eviction_hard,
            node_status_update_frequency: update,
            // Upstream: the report frequency defaults to 5 minutes, and is never shorter than the update one.
            node_status_report_frequency: report.max(update),
            node_lease_duration_seconds: lease,
            port: f.port.unwrap_or(10250),
            address: f.address.unwrap_or_else(|| "0.0.0.0".to_string()),
            healthz_port: f.healthz_port.unwrap_or(10248),
            healthz_bind_address: f.healthz_bind_address.unwrap_or_else(|| "127.0.0.1".to_string()),
            tls_cert_file: f.tls_cert_file,
            tls_private_key_file: f.tls_private_key_file,
            cgroup_root: f
                .cgroup_root
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "/".to_string()),
            pod_logs_dir: f.pod_logs_dir.unwrap_or_else(|| PathBuf::from("/var/log/pods")),
            authentication,
            authorization,
            image_gc_high_percent: high as u8,
            image_gc_low_percent: low as u8,
            image_minimum_gc_age,
            ignored_fields: f.other.into_keys().collect(),
        })
    }

    /// How often the Lease is renewed: a quarter of its duration, as upstream does.
    pub fn lease_renew_interval(&self) -> Duration {
        Duration::from_millis(u64::from(self.node_lease_duration_seconds) * 250)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn flags(args: &[&str]) -> Flags {
        Flags::try_parse_from(std::iter::once("kubelet").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn defaults_are_upstreams() {
        let c = Config::load(&flags(&["--hostname-override", "Node-A"])).unwrap();
        assert_eq!(c.node_name, "node-a");
        assert_eq!(c.max_pods, 110);
        assert_eq!(c.node_status_update_frequency, Duration::from_secs(10));
        assert_eq!(c.node_status_report_frequency, Duration::from_secs(300));
        assert_eq!(c.lease_renew_interval(), Duration::from_secs(10));
        assert_eq!(c.runtime_request_timeout, Duration::from_secs(120));
        assert_eq!(c.port, 10250);
        assert_eq!(c.healthz_port, 10248);
        assert_eq!(c.container_runtime_endpoint, "unix:///run/containerd/containerd.sock");
        assert_eq!(c.eviction_hard["memory.available"], "100Mi");
        assert!(c.register_node);
    }

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(
            &path,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
             containerRuntimeEndpoint: unix:///file.sock\nclusterDNS: [10.96.0.10]\nclusterDomain: cluster.local\n\
             maxPods: 50\nnodeStatusUpdateFrequency: 4s\nnodeLeaseDurationSeconds: 8\n\
             registerWithTaints: [{key: a, effect: NoSchedule}]\nevictionHard: {memory.available: 200Mi}\n\
             staticPodPath: /etc/kubernetes/manifests\nrotateCertificates: true\n",
        )
        .unwrap();
        let c = Config::load(&flags(&[
            "--config",
            path.to_str().unwrap(),
            "--container-runtime-endpoint",
            "unix:///flag.sock",
            "--node-labels",
            "x=1,node-role.kubernetes.io/worker=",
            "--register-with-taints",
            "b=2:NoExecute",
        ]))
        .unwrap();
        assert_eq!(c.container_runtime_endpoint, "unix:///flag.sock");
        assert_eq!(c.cluster_dns, ["10.96.0.10"]);
        assert_eq!(c.max_pods, 50);
        assert_eq!(c.node_status_update_frequency, Duration::from_secs(4));
        assert_eq!(c.lease_renew_interval(), Duration::from_secs(2));
        assert_eq!(c.node_labels["x"], "1");
        assert_eq!(c.node_labels["node-role.kubernetes.io/worker"], "");
        assert_eq!(c.register_with_taints.len(), 2);
        assert_eq!(c.register_with_taints[1].effect, "NoExecute");
        assert_eq!(c.eviction_hard.len(), 1, "a given evictionHard replaces the defaults");
        assert_eq!(c.static_pod_path, Some(PathBuf::from("/etc/kubernetes/manifests")));
        assert_eq!(c.ignored_fields, ["rotateCertificates"]);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yaml");
        std::fs::write(&path, "apiVersion: v1\nkind: ConfigMap\n").unwrap();
        let e = Config::load(&flags(&["--config", path.to_str().unwrap()]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected apiVersion kubelet.config.k8s.io/v1beta1"), "{e}");
        std::fs::write(
            &path,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nnodeStatusUpdateFrequency: 10x\n",
        )
        .unwrap();
        let e = Config::load(&flags(&["--config", path.to_str().unwrap()]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nodeStatusUpdateFrequency: time: unknown unit"), "{e}");
        let e = Config::load(&flags(&["--register-with-taints", "a=b:Sometimes"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid taint effect"), "{e}");
        let e = Config::load(&flags(&["--config", "/nonexistent.yaml"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent.yaml"), "{e}");
        assert!(Flags::try_parse_from(["kubelet", "--no-such-flag"]).is_err());
    }

    #[test]
    fn taints_parse_like_upstream() {
        assert_eq!(
            parse_taint("dedicated=gpu:NoSchedule").unwrap(),
            Taint {
                key: "dedicated".into(),
                value: "gpu".into(),
                effect: "NoSchedule".into()
            }
        );
        assert_eq!(parse_taint("k:NoExecute").unwrap().value, "");
        assert!(parse_taint("novalue").is_err());
    }
}
