//! Runs `kube-apiserver` as a child process on a free loopback port, with a fresh PKI and an admin
//! kubeconfig, against a given etcd endpoint.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::pki::{self, Pki};

/// The path of a binary built into the same target directory as the running test or tool.
pub fn target_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(name)
}

/// A running kube-apiserver.
pub struct ApiserverProcess {
    child: Option<Child>,
    bin: PathBuf,
    etcd: String,
    extra_args: Vec<String>,
    pub port: u16,
    pub pki: Pki,
    pub kubeconfig: PathBuf,
    pub log: PathBuf,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for ApiserverProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "kube-apiserver on {}", self.url())
    }
}

impl ApiserverProcess {
    /// Starts `kube-apiserver` (from the target directory) against `etcd` and waits until `/readyz` passes.
    pub async fn start(etcd: &str, extra_args: &[&str]) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("ferrokube-apiserver-").tempdir()?;
        let pki = pki::generate(&dir.path().join("pki"))?;
        let port = crate::free_port();
        let kubeconfig = dir.path().join("admin.kubeconfig");
        pki.write_kubeconfig(&kubeconfig, &format!("https://127.0.0.1:{port}"))?;
        let mut s = ApiserverProcess {
            child: None,
            bin: target_bin("kube-apiserver"),
            etcd: etcd.to_string(),
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
            port,
            pki,
            kubeconfig,
            log: dir.path().join("kube-apiserver.log"),
            dir,
        };
        // Another process may take the port between picking it and the server binding it: start again on a
        // fresh port then.
        for attempt in 0.. {
            match s.spawn().await {
                Ok(()) => break,
                Err(e) if attempt < 5 && format!("{e:#}").to_lowercase().contains("address already in use") => {
                    s.port = crate::free_port();
                    s.pki
                        .write_kubeconfig(&s.kubeconfig, &format!("https://127.0.0.1:{}", s.port))?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(s)
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub fn rss_kib(&self) -> Option<u64> {
        self.pid().and_then(crate::rss_kib)
    }

    /// A kube-rs client authenticated as the admin.
    pub async fn client(&self) -> anyhow::Result<kube::Client> {
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig)?;
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
        Ok(kube::Client::try_from(config)?)
    }

    /// SIGKILL, then start again with the same PKI, port and flags.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill9();
        self.spawn().await
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let mut cmd = Command::new(&self.bin);
        cmd.arg(format!("--etcd-servers={}", self.etcd))
            .arg(format!("--secure-port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--tls-cert-file={}", self.pki.serving_cert.display()))
            .arg(format!("--tls-private-key-file={}", self.pki.serving_key.display()))
            .arg(format!("--client-ca-file={}", self.pki.ca_cert.display()))
            .arg("--service-cluster-ip-range=10.96.0.0/16")
            .arg(format!(
                "--kubelet-client-certificate={}",
                self.pki.kubelet_client_cert.display()
            ))
            .arg(format!(
                "--kubelet-client-key={}",
                self.pki.kubelet_client_key.display()
            ))
            .arg("--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname")
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = cmd.spawn().with_context(|| {
            format!(
                "cannot run {}: build it with `cargo build -p ferrokube-apiserver`",
                self.bin.display()
            )
        })?;
        self.child = Some(child);
        let client = self.client().await?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                bail!(
                    "kube-apiserver exited during start-up ({status}); last log lines:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            let req = http::Request::get("/readyz").body(Vec::new())?;
            if let Ok(text) = client.request_text(req).await
                && text == "ok"
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "kube-apiserver did not become ready on {} within 60s; log: {}",
                    self.url(),
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ApiserverProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
