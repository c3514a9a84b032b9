//! Command-line flags, with upstream kube-apiserver's names, and their resolution into a [`Config`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;
use ferrokube_component_base::logging::LoggingArgs;

use crate::alloc::{Cidr, PortRange};

/// The flags of upstream kube-apiserver that this server implements.
#[derive(Debug, Clone, Parser)]
#[command(name = "kube-apiserver", about = "The Kubernetes API server, on etcd v3", version)]
pub struct ApiserverArgs {
    /// Comma-separated etcd client URLs (http:// only for now).
    #[arg(long = "etcd-servers", value_delimiter = ',', required = true)]
    pub etcd_servers: Vec<String>,
    /// The prefix of every key in etcd.
    #[arg(long = "etcd-prefix", default_value = "/registry")]
    pub etcd_prefix: String,
    /// The port of the HTTPS listener.
    #[arg(long = "secure-port", default_value_t = 6443)]
    pub secure_port: u16,
    /// The address of the HTTPS listener.
    #[arg(long = "bind-address", default_value = "0.0.0.0")]
    pub bind_address: IpAddr,
    /// The address advertised to the cluster (the `kubernetes` Service's endpoint). Defaults to the bind
    /// address, or 127.0.0.1 when binding every address.
    #[arg(long = "advertise-address")]
    pub advertise_address: Option<IpAddr>,
    /// PEM serving certificate (with its chain).
    #[arg(long = "tls-cert-file")]
    pub tls_cert_file: PathBuf,
    /// PEM private key of the serving certificate.
    #[arg(long = "tls-private-key-file")]
    pub tls_private_key_file: PathBuf,
    /// PEM CA bundle that client certificates are verified against. Without it, x509 authentication is off.
    #[arg(long = "client-ca-file")]
    pub client_ca_file: Option<PathBuf>,
    /// The CIDR ClusterIPs are allocated from.
    #[arg(long = "service-cluster-ip-range", default_value = "10.0.0.0/24")]
    pub service_cluster_ip_range: String,
    /// The port range NodePorts are allocated from (`30000-32767`).
    #[arg(long = "service-node-port-range", default_value = "30000-32767")]
    pub service_node_port_range: String,
    /// Comma-separated authorizers, in order. Only `AlwaysAllow` exists yet.
    #[arg(long = "authorization-mode", value_delimiter = ',', default_value = "AlwaysAllow")]
    pub authorization_mode: Vec<String>,
    /// The most non-mutating requests served at once; more get 429. 0 means unlimited.
    #[arg(long = "max-requests-inflight", default_value_t = 400)]
    pub max_requests_inflight: usize,
    /// The most mutating requests served at once; more get 429. 0 means unlimited.
    #[arg(long = "max-mutating-requests-inflight", default_value_t = 200)]
    pub max_mutating_requests_inflight: usize,
    /// How long Events are kept (a Go duration such as `1h0m0s`).
    #[arg(long = "event-ttl", default_value = "1h0m0s")]
    pub event_ttl: String,
    /// Serve LIST and WATCH from a per-resource cache fed by one etcd watch.
    #[arg(long = "watch-cache", default_value_t = true, action = clap::ArgAction::Set)]
    pub watch_cache: bool,
    /// PEM client certificate the apiserver presents to kubelets (logs, exec, attach, port-forward).
    #[arg(long = "kubelet-client-certificate")]
    pub kubelet_client_certificate: Option<PathBuf>,
    /// PEM private key of `--kubelet-client-certificate`.
    #[arg(long = "kubelet-client-key")]
    pub kubelet_client_key: Option<PathBuf>,
    /// PEM CA bundle kubelets' serving certificates are verified against. Without it, they are not
    /// verified (as upstream).
    #[arg(long = "kubelet-certificate-authority")]
    pub kubelet_certificate_authority: Option<PathBuf>,
    /// The order of Node address types tried when connecting to a kubelet.
    #[arg(
        long = "kubelet-preferred-address-types",
        value_delimiter = ',',
        default_value = "Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP"
    )]
    pub kubelet_preferred_address_types: Vec<String>,
    #[command(flatten)]
    pub logging: LoggingArgs,
}

/// Settings resolved from [`ApiserverArgs`].
#[derive(Debug, Clone)]
pub struct Config {
    pub etcd_servers: Vec<String>,
    pub etcd_prefix: String,
    pub listen: SocketAddr,
    pub advertise_address: IpAddr,
    pub tls_cert_file: PathBuf,
    pub tls_private_key_file: PathBuf,
    pub client_ca_file: Option<PathBuf>,
    pub service_cidr: Cidr,
    pub node_ports: PortRange,
    pub max_requests_inflight: usize,
    pub max_mutating_requests_inflight: usize,
    pub event_ttl: std::time::Duration,
    pub kubelet_client_certificate: Option<PathBuf>,
    pub kubelet_client_key: Option<PathBuf>,
    pub kubelet_certificate_authority: Option<PathBuf>,
    pub kubelet_preferred_address_types: Vec<String>,
}

impl ApiserverArgs {
    /// Checks the flags and resolves them; the error names the flag and what to pass instead.
    pub fn resolve(&self) -> anyhow::Result<Config> {
        for mode in &self.authorization_mode {
            if mode != "AlwaysAllow" {
                anyhow::bail!("--authorization-mode={mode} is not implemented yet; the only authorizer is AlwaysAllow");
            }
        }
        for url in &self.etcd_servers {
            if !url.starts_with("http://") {
                anyhow::bail!("--etcd-servers={url}: only http:// etcd URLs are supported yet");
            }
        }
        for t in &self.kubelet_preferred_address_types {
            if !matches!(
                t.as_str(),
                "Hostname" | "InternalDNS" | "InternalIP" | "ExternalDNS" | "ExternalIP"
            ) {
                anyhow::bail!(
                    "--kubelet-preferred-address-types: {t:?} is not a node address type \
                     (Hostname, InternalDNS, InternalIP, ExternalDNS, ExternalIP)"
                );
            }
        }
        if self.kubelet_client_certificate.is_some() != self.kubelet_client_key.is_some() {
            anyhow::bail!("--kubelet-client-certificate and --kubelet-client-key go together: pass both or neither");
        }
        let service_cidr: Cidr = self
            .service_cluster_ip_range
            .parse()
            .map_err(|e| anyhow::anyhow!("--service-cluster-ip-range: {e}"))?;
        let node_ports: PortRange = self
            .service_node_port_range
            .parse()
            .map_err(|e| anyhow::anyhow!("--service-node-port-range: {e}"))?;
        let event_ttl = parse_go_duration(&self.event_ttl)
            .ok_or_else(|| anyhow::anyhow!("--event-ttl={}: not a duration (want e.g. 1h0m0s, 30m)", self.event_ttl))?;
        let advertise_address = self.advertise_address.unwrap_or(if self.bind_address.is_unspecified() {
            IpAddr::from([127, 0, 0, 1])
        } else {
            self.bind_address
        });
        Ok(Config {
            etcd_servers: self.etcd_servers.clone(),
            etcd_prefix: self.etcd_prefix.trim_end_matches('/').to_string(),
            listen: SocketAddr::new(self.bind_address, self.secure_port),
            advertise_address,
            tls_cert_file: self.tls_cert_file.clone(),
            tls_private_key_file: self.tls_private_key_file.clone(),
            client_ca_file: self.client_ca_file.clone(),
            service_cidr,
            node_ports,
            max_requests_inflight: self.max_requests_inflight,
            max_mutating_requests_inflight: self.max_mutating_requests_inflight,
            event_ttl,
            kubelet_client_certificate: self.kubelet_client_certificate.clone(),
            kubelet_client_key: self.kubelet_client_key.clone(),
            kubelet_certificate_authority: self.kubelet_certificate_authority.clone(),
            kubelet_preferred_address_types: self.kubelet_preferred_address_types.clone(),
        })
    }
}

/// Parses a non-negative Go duration (`1h0m0s`, `30m`, `1.5h`, `90s`, `500ms`).
pub fn parse_go_duration(s: &str) -> Option<std::time::Duration> {
    ferrokube_apimachinery::time::parse_go_duration_std(s.trim()).ok()
}

/// Upstream kube-apiserver flags this server does not implement yet. Passing one is an error that says so,
/// rather than a silent no-op or clap's generic "unexpected argument".
const UNIMPLEMENTED_UPSTREAM_FLAGS: &[&str] = &[
    "admission-control-config-file",
    "allow-privileged",
    "anonymous-auth",
    "api-audiences",
    "audit-log-path",
    "audit-policy-file",
    "authentication-config",
    "authorization-config",
    "authorization-policy-file",
    "authorization-webhook-config-file",
    "cert-dir",
    "cors-allowed-origins",
    "default-not-ready-toleration-seconds",
    "default-unreachable-toleration-seconds",
    "disable-admission-plugins",
    "enable-admission-plugins",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-priority-and-fairness",
    "encryption-provider-config",
    "endpoint-reconciler-type",
    "etcd-cafile",
    "etcd-certfile",
    "etcd-keyfile",
    "etcd-servers-overrides",
    "feature-gates",
    "oidc-issuer-url",
    "profiling",
    "proxy-client-cert-file",
    "proxy-client-key-file",
    "requestheader-allowed-names",
    "requestheader-client-ca-file",
    "requestheader-extra-headers-prefix",
    "requestheader-group-headers",
    "requestheader-username-headers",
    "runtime-config",
    "service-account-issuer",
    "service-account-key-file",
    "service-account-signing-key-file",
    "storage-backend",
    "storage-media-type",
    "tls-cipher-suites",
    "tls-min-version",
    "token-auth-file",
];

/// Fails with a clear message when `argv` carries an upstream flag that is not implemented yet.
pub fn reject_unimplemented(argv: &[String]) -> Result<(), String> {
    for arg in argv.iter().skip(1) {
        let Some(flag) = arg.strip_prefix("--") else { continue };
        let name = flag.split('=').next().unwrap_or(flag);
        if UNIMPLEMENTED_UPSTREAM_FLAGS.contains(&name) {
            return Err(format!(
                "--{name} is an upstream kube-apiserver flag that Ferrokube's kube-apiserver does not implement \
                 yet; remove it (run with --help for the flags it has)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(extra: &[&str]) -> Vec<String> {
        let mut v = vec!["kube-apiserver".to_string()];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }

    #[test]
    fn unimplemented_upstream_flag_is_rejected_by_name() {
        let err = reject_unimplemented(&argv(&[
            "--etcd-servers=http://x",
            "--enable-admission-plugins=NodeRestriction",
        ]))
        .unwrap_err();
        assert!(
            err.contains("--enable-admission-plugins is an upstream kube-apiserver flag"),
            "{err}"
        );
        assert!(reject_unimplemented(&argv(&["--etcd-servers=http://x"])).is_ok());
    }

    #[test]
    fn resolves_defaults_like_upstream() {
        let args = ApiserverArgs::try_parse_from(argv(&[
            "--etcd-servers=http://127.0.0.1:2379",
            "--tls-cert-file=a",
            "--tls-private-key-file=b",
        ]))
        .unwrap();
        let cfg = args.resolve().unwrap();
        assert_eq!(cfg.listen.port(), 6443);
        assert_eq!(cfg.etcd_prefix, "/registry");
        assert_eq!(
            cfg.node_ports,
            PortRange {
                base: 30000,
                size: 2768
            }
        );
        assert_eq!(cfg.advertise_address, IpAddr::from([127, 0, 0, 1]));
    }

    #[test]
    fn go_durations() {
        use std::time::Duration;
        assert_eq!(parse_go_duration("1h0m0s"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_go_duration("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("1d"), None);
        assert_eq!(parse_go_duration("h"), None);
    }

    #[test]
    fn other_authorizers_are_refused() {
        let args = ApiserverArgs::try_parse_from(argv(&[
            "--etcd-servers=http://127.0.0.1:2379",
            "--tls-cert-file=a",
            "--tls-private-key-file=b",
            "--authorization-mode=Node,RBAC",
        ]))
        .unwrap();
        assert!(
            args.resolve()
                .unwrap_err()
                .to_string()
                .contains("--authorization-mode=Node")
        );
    }
}
