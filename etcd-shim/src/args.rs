//! Command-line flags, named as etcd names them so that etcd's invocations (and
//! the test harness's) work unchanged, and their resolution into a [`Config`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use ferrokube_component_base::logging::LoggingArgs;

/// etcd-shim: an etcd v3 API server (KV, Watch, Lease, Maintenance, Cluster) on
/// an embedded SQLite store, for one-machine clusters.
#[derive(Debug, Parser)]
#[command(name = "etcd-shim", version, about, long_about = None)]
pub struct EtcdShimArgs {
    /// Human-readable name of this member (reported by MemberList).
    #[arg(long, default_value = "default")]
    pub name: String,

    /// Directory for the database (`<data-dir>/member/shim.db` plus its WAL).
    /// Defaults to `<name>.etcd`, as etcd does.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,

    /// Comma-separated URLs to serve the gRPC API on (http:// only; TLS is not supported yet).
    #[arg(long, default_value = "http://localhost:2379", value_delimiter = ',')]
    pub listen_client_urls: Vec<String>,

    /// Comma-separated client URLs reported by MemberList.
    #[arg(long, default_value = "http://localhost:2379", value_delimiter = ',')]
    pub advertise_client_urls: Vec<String>,

    /// Peer URLs reported by MemberList (no peer traffic exists: one member only).
    #[arg(long, default_value = "http://localhost:2380", value_delimiter = ',')]
    pub initial_advertise_peer_urls: Vec<String>,

    /// Comma-separated URLs serving /metrics and /health over plain HTTP; empty disables.
    #[arg(long, default_value = "http://127.0.0.1:2381", value_delimiter = ',')]
    pub listen_metrics_urls: Vec<String>,

    /// Largest write request accepted, in bytes; larger ones fail with "request is too large".
    #[arg(long, default_value_t = 1_572_864)]
    pub max_request_bytes: usize,

    /// Most operations in one branch of a transaction.
    #[arg(long, default_value_t = 128)]
    pub max_txn_ops: usize,

    /// Automatic compaction: `periodic` keeps a time window of history, `revision`
    /// a number of revisions.
    #[arg(long, value_enum, default_value_t = CompactionMode::Periodic)]
    pub auto_compaction_mode: CompactionMode,

    /// History to keep: a duration (`10m`, `1h30m`, or a bare number of hours) in
    /// periodic mode, a revision count in revision mode. `0` disables.
    #[arg(long, default_value = "10m")]
    pub auto_compaction_retention: String,

    /// Interval of progress notifications to watchers that asked for them.
    #[arg(long = "watch-progress-notify-interval", alias = "experimental-watch-progress-notify-interval", default_value = "10m", value_parser = parse_duration)]
    pub watch_progress_notify_interval: Duration,

    #[command(flatten)]
    pub logging: LoggingArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompactionMode {
    Periodic,
    Revision,
}

/// Automatic compaction policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoCompaction {
    Off,
    /// Keep at least this much history (by time).
    Periodic(Duration),
    /// Keep this many revisions.
    Revision(i64),
}

/// Settings resolved from the flags.
#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub data_dir: PathBuf,
    pub client_addrs: Vec<SocketAddr>,
    pub advertise_client_urls: Vec<String>,
    pub peer_urls: Vec<String>,
    pub metrics_addrs: Vec<SocketAddr>,
    pub max_request_bytes: usize,
    pub max_txn_ops: usize,
    pub auto_compaction: AutoCompaction,
    pub progress_interval: Duration,
}

/// Parses durations such as `500ms`, `30s`, `10m`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}: use a number with a unit, e.g. 500ms, 30s, 10m, 1h30m");
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.').ok_or_else(bad)?;
        let (num, tail) = rest.split_at(digits);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit()).unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let secs = match unit {
            "ms" => n / 1000.0,
            "s" => n,
            "m" => n * 60.0,
            "h" => n * 3600.0,
            _ => return Err(bad()),
        };
        total += Duration::from_secs_f64(secs);
        rest = tail;
    }
    Ok(total)
}

/// Resolves an `http://host:port` URL to a socket address.
fn listen_addr(url: &str, flag: &str) -> Result<SocketAddr, String> {
    let rest = if let Some(r) = url.strip_prefix("http://") {
        r
    } else if url.starts_with("https://") || url.starts_with("unixs://") {
        return Err(format!(
            "--{flag}: {url}: TLS listeners are not supported yet; use http://"
        ));
    } else {
        return Err(format!("--{flag}: {url}: expected http://HOST:PORT"));
    };
    let hostport = rest.trim_end_matches('/');
    let hostport = hostport.replacen("localhost:", "127.0.0.1:", 1);
    use std::net::ToSocketAddrs;
    hostport
        .to_socket_addrs()
        .map_err(|e| format!("--{flag}: cannot resolve {url}: {e}"))?
        .next()
        .ok_or_else(|| format!("--{flag}: {url} resolves to no address"))
}

impl EtcdShimArgs {
    pub fn config(&self) -> Result<Config, String> {
        let auto_compaction = match (self.auto_compaction_mode, self.auto_compaction_retention.as_str()) {
            (_, "0") | (_, "") => AutoCompaction::Off,
            (CompactionMode::Periodic, r) => match r.parse::<u64>() {
                // A bare number is hours, as etcd reads it.
                Ok(hours) => AutoCompaction::Periodic(Duration::from_secs(hours * 3600)),
                Err(_) => AutoCompaction::Periodic(
                    parse_duration(r).map_err(|e| format!("--auto-compaction-retention: {e}"))?,
                ),
            },
            (CompactionMode::Revision, r) => AutoCompaction::Revision(
                r.parse()
                    .map_err(|_| format!("--auto-compaction-retention: {r:?} is not a revision count"))?,
            ),
        };
        if self.watch_progress_notify_interval.is_zero() {
            return Err("--watch-progress-notify-interval must be positive".into());
        }
        Ok(Config {
            name: self.name.clone(),
            data_dir: self
                .data_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("{}.etcd", self.name))),
            client_addrs: self
                .listen_client_urls
                .iter()
                .map(|u| listen_addr(u, "listen-client-urls"))
                .collect::<Result<_, _>>()?,
            advertise_client_urls: self.advertise_client_urls.clone(),
            peer_urls: self.initial_advertise_peer_urls.clone(),
            metrics_addrs: self
                .listen_metrics_urls
                .iter()
                .filter(|u| !u.is_empty())
                .map(|u| listen_addr(u, "listen-metrics-urls"))
                .collect::<Result<_, _>>()?,
            max_request_bytes: self.max_request_bytes,
            max_txn_ops: self.max_txn_ops,
            auto_compaction,
            progress_interval: self.watch_progress_notify_interval,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("5x").is_err());
    }

    #[test]
    fn resolves_etcd_style_flags() {
        let args = EtcdShimArgs::parse_from([
            "etcd-shim",
            "--data-dir=/tmp/x",
            "--listen-client-urls=http://127.0.0.1:2379,http://localhost:12379",
            "--auto-compaction-retention=1",
            "--experimental-watch-progress-notify-interval=1s",
        ]);
        let c = args.config().unwrap();
        assert_eq!(c.client_addrs.len(), 2);
        assert_eq!(c.auto_compaction, AutoCompaction::Periodic(Duration::from_secs(3600)));
        assert_eq!(c.progress_interval, Duration::from_secs(1));
        let rev = EtcdShimArgs::parse_from([
            "etcd-shim",
            "--auto-compaction-mode=revision",
            "--auto-compaction-retention=1000",
        ]);
        assert_eq!(rev.config().unwrap().auto_compaction, AutoCompaction::Revision(1000));
        let tls = EtcdShimArgs::parse_from(["etcd-shim", "--listen-client-urls=https://127.0.0.1:2379"]);
        assert!(tls.config().unwrap_err().contains("TLS"));
    }
}
