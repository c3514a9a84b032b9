//! Launches containerd (Debian's 1.6) as a child process with its own root, state, socket, runc root
//! and CNI bridge, configured the way this machine needs (see ENVIRONMENT.md: `restrict_oom_score_adj`,
//! CNI plugins in `/usr/lib/cni`, cgroupfs, overlayfs, netns mounts under the state dir), and imports
//! the project's images into it. Several can run at once: each takes a numbered slot that gives it a
//! bridge name and pod subnet of its own.
//!
//! On drop every task it ran is killed and deleted through `ctr`, containerd is stopped, leftover mounts
//! under its directories are detached and its bridge is removed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running containerd.
pub struct Containerd {
    child: Option<Child>,
    dir: tempfile::TempDir,
    slot: Slot,
    pub log: PathBuf,
}

impl std::fmt::Debug for Containerd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "containerd at {}", self.address().display())
    }
}

/// Where slots are claimed: a directory per slot holding the claiming process's pid.
const SLOTS: &str = "/tmp/ferrokube-containerd-slots";

/// A claimed slot number; released on drop.
struct Slot(u32);

impl Slot {
    fn claim() -> anyhow::Result<Slot> {
        std::fs::create_dir_all(SLOTS).with_context(|| format!("creating {SLOTS}"))?;
        for n in 0..250 {
            let dir = Path::new(SLOTS).join(n.to_string());
            let pid_file = dir.join("pid");
            if std::fs::create_dir(&dir).is_err() {
                // Taken, unless its owner is gone.
                let owner = std::fs::read_to_string(&pid_file).unwrap_or_default();
                let alive = owner
                    .trim()
                    .parse::<u32>()
                    .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
                if alive || owner.is_empty() && dir.exists() && recently_made(&dir) {
                    continue;
                }
                // A stale claim: remove it and race for it again.
                let _ = std::fs::remove_dir_all(&dir);
                if std::fs::create_dir(&dir).is_err() {
                    continue;
                }
            }
            std::fs::write(&pid_file, std::process::id().to_string())?;
            return Ok(Slot(n));
        }
        bail!("no free containerd slot under {SLOTS}")
    }
}

fn recently_made(dir: &Path) -> bool {
    dir.metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < Duration::from_secs(5))
}

impl Drop for Slot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(Path::new(SLOTS).join(self.0.to_string()));
    }
}

impl Containerd {
    /// Starts containerd, waits until its socket answers, and imports the pause and busybox images
    /// (`pause` is the binary at `pause_bin`).
    pub async fn start(pause_bin: &Path) -> anyhow::Result<Containerd> {
        let slot = Slot::claim()?;
        let dir = tempfile::Builder::new().prefix("ferrokube-containerd-").tempdir()?;
        let root = dir.path();
        for sub in ["root", "state", "runc", "cni", "ipam", "opt"] {
            std::fs::create_dir_all(root.join(sub))?;
        }
        let mut c = Containerd {
            child: None,
            log: root.join("containerd.log"),
            dir,
            slot,
        };
        std::fs::write(c.dir.path().join("config.toml"), c.config())?;
        std::fs::write(c.dir.path().join("cni/10-bridge.conflist"), c.cni_config())?;
        let log = std::fs::File::create(&c.log)?;
        let child = Command::new("containerd")
            .arg("--config")
            .arg(c.dir.path().join("config.toml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting containerd (package containerd; run `make deps`)")?;
        c.child = Some(child);
        c.wait_ready(Duration::from_secs(30)).await?;
        c.import_images(pause_bin)?;
        Ok(c)
    }

    /// containerd's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The socket path.
    pub fn address(&self) -> PathBuf {
        self.dir.path().join("containerd.sock")
    }

    /// The CRI endpoint as the kubelet's `--container-runtime-endpoint` takes it.
    pub fn endpoint(&self) -> String {
        format!("unix://{}", self.address().display())
    }

    /// The pod subnet of this instance's CNI bridge.
    pub fn pod_cidr(&self) -> String {
        format!("10.100.{}.0/24", self.slot.0)
    }

    /// A cgroup parent of this instance's own under which pods can be placed (cgroupfs paths).
    pub fn cgroup_root(&self) -> String {
        format!("/ferrokube-test-{}", self.slot.0)
    }

    fn bridge(&self) -> String {
        format!("fk-cni{}", self.slot.0)
    }

    fn config(&self) -> String {
        containerd_config(self.dir.path())
    }

    fn cni_config(&self) -> String {
        cni_config(
            &format!("ferrokube-test-{}", self.slot.0),
            &self.bridge(),
            &self.pod_cidr(),
            &self.dir.path().join("ipam"),
        )
    }

    async fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "containerd exited with {status} while starting; its log ({}):\n{}",
                    self.log.display(),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if tokio::net::UnixStream::connect(self.address()).await.is_ok() && self.ctr(&["version"]).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "containerd did not answer within {timeout:?}; its log: {}",
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn import_images(&self, pause_bin: &Path) -> anyhow::Result<()> {
        let images = [
            ferrokube_images::pause_image(pause_bin)?,
            ferrokube_images::busybox_image(Path::new(ferrokube_images::BUSYBOX_BIN))?,
        ];
        for (i, image) in images.iter().enumerate() {
            let file = self.dir.path().join(format!("image-{i}.tar"));
            std::fs::write(&file, image.oci_archive()?)?;
            ferrokube_images::import(&self.address(), &file)
                .with_context(|| format!("importing {} into {self:?}", image.name))?;
        }
        Ok(())
    }

    /// Runs `ctr` against this containerd in the `k8s.io` namespace; its stdout.
    pub fn ctr(&self, args: &[&str]) -> anyhow::Result<String> {
        ctr_at(&self.address(), args)
    }

    fn remove_everything(&self) {
        remove_everything(&self.address());
    }

    fn unmount_everything(&self) {
        unmount_under(self.dir.path());
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        self.remove_everything();
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        self.unmount_everything();
        let _ = Command::new("ip")
            .args(["link", "del", &self.bridge()])
            .stderr(Stdio::null())
            .status();
        for controller in [
            "cpu", "cpuacct", "memory", "pids", "cpuset", "blkio", "devices", "freezer", "hugetlb", "systemd",
        ] {
            remove_cgroup_tree(
                &Path::new("/sys/fs/cgroup")
                    .join(controller)
                    .join(self.cgroup_root().trim_start_matches('/')),
            );
        }
    }
}

/// containerd's configuration for an instance living in `dir` (root, state, socket, runc root, CNI config
/// in `dir/cni`, `opt` plugins), with the settings this machine needs.
pub fn containerd_config(dir: &Path) -> String {
    let d = dir.display();
    format!(
        r#"version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "{d}/containerd.sock"

[ttrpc]
  address = "{d}/containerd.sock.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause}"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{d}/cni"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "{d}/runc"
"#,
        pause = ferrokube_images::PAUSE_IMAGE,
    )
}

/// A CNI conflist: a `bridge` network (gateway, hairpin, no masquerade) with `host-local` addresses from
/// `subnet` kept in `ipam_dir`, then `portmap` for hostPorts.
pub fn cni_config(name: &str, bridge: &str, subnet: &str, ipam_dir: &Path) -> String {
    serde_json::json!({
        "cniVersion": "0.4.0",
        "name": name,
        "plugins": [
            {
                "type": "bridge",
                "bridge": bridge,
                "isGateway": true,
                "ipMasq": false,
                "hairpinMode": true,
                "ipam": {
                    "type": "host-local",
                    "dataDir": ipam_dir,
                    "ranges": [[{"subnet": subnet}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": true}},
        ],
    })
    .to_string()
}

fn ctr_at(address: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("ctr")
        .arg("--address")
        .arg(address)
        .args(["--namespace", "k8s.io"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running ctr")?;
    if !out.status.success() {
        bail!(
            "ctr {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Kills and deletes every task, then every container, of the containerd at `address`.
pub fn remove_everything(address: &Path) {
    if let Ok(tasks) = ctr_at(address, &["tasks", "ls", "-q"]) {
        for id in tasks.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let _ = ctr_at(address, &["tasks", "kill", "-a", "-s", "SIGKILL", id]);
            let _ = ctr_at(address, &["tasks", "rm", "-f", id]);
        }
    }
    if let Ok(containers) = ctr_at(address, &["containers", "ls", "-q"]) {
        for id in containers.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let _ = ctr_at(address, &["containers", "rm", id]);
        }
    }
}

/// Detaches every mount under `dir` (deepest first).
pub fn unmount_under(dir: &Path) {
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let prefix = dir.to_string_lossy().into_owned();
    let mut points: Vec<&str> = mounts
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|p| p.starts_with(&prefix))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = Command::new("umount").args(["-l", p]).stderr(Stdio::null()).status();
    }
}

/// Removes an (empty) cgroup directory tree, children first.
fn remove_cgroup_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove_cgroup_tree(&e.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}
