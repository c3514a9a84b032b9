//! Launches an etcd v3 server, either real etcd (Debian's `etcd` binary) or
//! etcd-shim, with the same flags, so one test or benchmark runs against both.

use std::{
    fmt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

/// Which etcd v3 server to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// Real etcd: the `etcd` binary on PATH (or `$ETCD_BIN`).
    Etcd,
    /// etcd-shim: the binary at this path.
    Shim(PathBuf),
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Etcd => f.write_str("etcd"),
            Backend::Shim(_) => f.write_str("etcd-shim"),
        }
    }
}

/// A running etcd v3 server. Killed (SIGKILL) on drop; its data dir is removed
/// with it unless it was given one.
pub struct EtcdServer {
    backend: Backend,
    child: Option<Child>,
    data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    client_port: u16,
    peer_port: u16,
    metrics_port: u16,
    extra_args: Vec<String>,
}

impl fmt::Debug for EtcdServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.backend, self.endpoint())
    }
}

impl EtcdServer {
    /// Starts `backend` in a fresh temporary data dir with `extra_args` appended
    /// (use flag names both servers accept, e.g. `--auto-compaction-retention`),
    /// and waits until it answers a Status call.
    pub async fn start(backend: Backend, extra_args: &[&str]) -> anyhow::Result<Self> {
        let tmp = tempfile::Builder::new().prefix("ferrokube-etcd-").tempdir()?;
        let data_dir = tmp.path().join("data");
        let mut s = EtcdServer {
            backend,
            child: None,
            data_dir,
            _tmp: Some(tmp),
            client_port: crate::free_port(),
            peer_port: crate::free_port(),
            metrics_port: crate::free_port(),
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
        };
        // Another process may take a port between picking it and the server binding it: start again on
        // fresh ports then.
        for attempt in 0.. {
            match s.spawn().await {
                Ok(()) => break,
                Err(e) if attempt < 5 && format!("{e:#}").to_lowercase().contains("address already in use") => {
                    let _ = std::fs::remove_dir_all(&s.data_dir);
                    s.client_port = crate::free_port();
                    s.peer_port = crate::free_port();
                    s.metrics_port = crate::free_port();
                }
                Err(e) => return Err(e),
            }
        }
        Ok(s)
    }

    /// The client URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// The metrics/health URL, `http://127.0.0.1:<port>`.
    pub fn metrics_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.metrics_port)
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Resident memory of the server process, KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        self.pid().and_then(crate::rss_kib)
    }

    /// A new client connected to this server.
    pub async fn client(&self) -> anyhow::Result<etcd_client::Client> {
        let opts = etcd_client::ConnectOptions::new().with_connect_timeout(Duration::from_secs(5));
        Ok(etcd_client::Client::connect([self.endpoint()], Some(opts)).await?)
    }

    /// SIGKILL: no chance to flush anything. The data dir stays.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same data dir and port (after `kill9`).
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill9();
        self.spawn().await
    }

    fn command(&self) -> Command {
        let client = self.endpoint();
        let metrics = self.metrics_endpoint();
        let mut cmd = match &self.backend {
            Backend::Etcd => {
                let bin = std::env::var("ETCD_BIN").unwrap_or_else(|_| "etcd".to_string());
                let peer = format!("http://127.0.0.1:{}", self.peer_port);
                let mut c = Command::new(bin);
                c.args([
                    "--name",
                    "default",
                    "--listen-peer-urls",
                    &peer,
                    "--initial-advertise-peer-urls",
                    &peer,
                ])
                .args(["--initial-cluster", &format!("default={peer}")])
                .args(["--logger", "zap", "--log-outputs", "stderr"]);
                c
            }
            Backend::Shim(bin) => Command::new(bin),
        };
        cmd.arg("--data-dir")
            .arg(&self.data_dir)
            .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
            .args(["--listen-metrics-urls", &metrics])
            .args(&self.extra_args);
        cmd
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        std::fs::create_dir_all(self.data_dir.parent().unwrap_or(Path::new("/tmp")))?;
        let log_path = self.data_dir.with_extension("log");
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path)?;
        let mut cmd = self.command();
        cmd.stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
        let child = cmd.spawn().with_context(|| match &self.backend {
            Backend::Etcd => "cannot run `etcd`: install it with `apt-get install etcd-server`".to_string(),
            Backend::Shim(p) => format!(
                "cannot run {}: build it with `cargo build -p ferrokube-etcd-shim`",
                p.display()
            ),
        })?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                let tail: String = log
                    .lines()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                bail!(
                    "{} exited during start-up ({status}); last log lines:\n{tail}",
                    self.backend
                );
            }
            if let Ok(mut c) = self.client().await
                && c.status().await.is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not answer on {} within 30s; log: {}",
                    self.backend,
                    self.endpoint(),
                    log_path.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        self.kill9();
    }
}
