//! The container images Ferrokube runs, built from files on this machine: no registry is reachable, so
//! every image is written here as an OCI image layout archive and imported into containerd
//! (`ctr -n k8s.io images import`).
//!
//! An image is one uncompressed layer. Files are written with modification time 0 and in a fixed order,
//! so the same inputs give the same digests. Dynamically linked binaries bring the shared libraries
//! `ldd` names for them.

pub mod tar;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;
use tar::Member;

/// The pod sandbox image: the name containerd's `sandbox_image` and the kubelet use.
pub const PAUSE_IMAGE: &str = "registry.k8s.io/pause:3.10";
/// A busybox userland for tests and examples (Debian's `busybox-static`, version in the tag).
pub const BUSYBOX_IMAGE: &str = "ferrokube.local/busybox:1.35.0";

/// An image to build: its name, its process defaults and its files.
#[derive(Debug, Clone)]
pub struct Image {
    pub name: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub members: Vec<Member>,
}

impl Image {
    pub fn new(name: &str) -> Image {
        Image {
            name: name.to_string(),
            entrypoint: Vec::new(),
            cmd: Vec::new(),
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string()],
            members: Vec::new(),
        }
    }

    /// Adds a directory and its missing parents.
    pub fn dir(&mut self, path: &str, mode: u32) {
        let mut at = String::new();
        for part in path.trim_matches('/').split('/').filter(|p| !p.is_empty()) {
            at.push('/');
            at.push_str(part);
            if !self.members.iter().any(|m| m.path() == at) {
                let mode = if at.len() == path.trim_end_matches('/').len() {
                    mode
                } else {
                    0o755
                };
                self.members.push(Member::Dir { path: at.clone(), mode });
            }
        }
    }

    fn parent_dirs(&mut self, path: &str) {
        if let Some((parent, _)) = path.rsplit_once('/')
            && !parent.is_empty()
        {
            self.dir(parent, 0o755);
        }
    }

    pub fn file(&mut self, path: &str, mode: u32, data: Vec<u8>) {
        self.parent_dirs(path);
        self.members.retain(|m| m.path() != path);
        self.members.push(Member::File {
            path: path.to_string(),
            mode,
            data,
        });
    }

    pub fn symlink(&mut self, path: &str, target: &str) {
        self.parent_dirs(path);
        self.members.retain(|m| m.path() != path);
        self.members.push(Member::Symlink {
            path: path.to_string(),
            target: target.to_string(),
        });
    }

    /// Adds the binary at `host` as `path` (mode 0755), with the shared libraries it needs at the paths
    /// the dynamic loader looks for them.
    pub fn binary(&mut self, host: &Path, path: &str) -> anyhow::Result<()> {
        let data = std::fs::read(host).with_context(|| format!("reading {}", host.display()))?;
        self.file(path, 0o755, data);
        for lib in shared_libraries(host)? {
            let data = std::fs::read(&lib).with_context(|| format!("reading {}", lib.display()))?;
            self.file(&lib.to_string_lossy(), 0o755, data);
        }
        Ok(())
    }

    /// The image as an OCI image layout archive, ready for `ctr images import`.
    pub fn oci_archive(&self) -> anyhow::Result<Vec<u8>> {
        let layer = tar::write(&self.members)?;
        let layer_digest = sha256(&layer);
        let mut config = json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": self.env},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        });
        if !self.entrypoint.is_empty() {
            config["config"]["Entrypoint"] = json!(self.entrypoint);
        }
        if !self.cmd.is_empty() {
            config["config"]["Cmd"] = json!(self.cmd);
        }
        let config = serde_json::to_vec(&config)?;
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha256(&config),
                "size": config.len(),
            },
            "layers": [{
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": layer_digest,
                "size": layer.len(),
            }],
        }))?;
        let tag = self.name.rsplit_once(':').map(|(_, t)| t).unwrap_or("latest");
        let index = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": sha256(&manifest),
                "size": manifest.len(),
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {
                    "io.containerd.image.name": self.name,
                    "org.opencontainers.image.ref.name": tag,
                },
            }],
        }))?;
        let mut members = vec![
            Member::File {
                path: "oci-layout".into(),
                mode: 0o644,
                data: br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
            },
            Member::File {
                path: "index.json".into(),
                mode: 0o644,
                data: index,
            },
            Member::Dir {
                path: "blobs".into(),
                mode: 0o755,
            },
            Member::Dir {
                path: "blobs/sha256".into(),
                mode: 0o755,
            },
        ];
        for blob in [layer, config, manifest] {
            let digest = sha256(&blob);
            members.push(Member::File {
                path: format!("blobs/sha256/{}", digest.trim_start_matches("sha256:")),
                mode: 0o644,
                data: blob,
            });
        }
        tar::write(&members)
    }
}

fn sha256(data: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut s = String::from("sha256:");
    for b in d.as_ref() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The shared libraries (absolute paths, loader included) `ldd` lists for `binary`; none for a static one.
pub fn shared_libraries(binary: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let out = std::process::Command::new("ldd")
        .arg(binary)
        .output()
        .context("running ldd (package libc-bin)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || text.contains("not a dynamic executable") || text.contains("statically linked") {
        return Ok(Vec::new());
    }
    let mut libs = Vec::new();
    for line in text.lines() {
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            anyhow::ensure!(
                Path::new(p).exists(),
                "{}: needs {p}, which is missing",
                binary.display()
            );
            libs.push(PathBuf::from(p));
        } else if line.contains("not found") {
            anyhow::bail!("{}: a shared library is missing: {}", binary.display(), line.trim());
        }
    }
    Ok(libs)
}

/// The pod sandbox image around the `pause` binary at `pause_bin`.
pub fn pause_image(pause_bin: &Path) -> anyhow::Result<Image> {
    let mut image = Image::new(PAUSE_IMAGE);
    image.binary(pause_bin, "/pause")?;
    image.entrypoint = vec!["/pause".into()];
    Ok(image)
}

/// A busybox userland: the static busybox at `busybox` with a link per applet, `/etc/passwd` and
/// `/etc/group` with root and nobody, and a world-writable `/tmp`.
pub fn busybox_image(busybox: &Path) -> anyhow::Result<Image> {
    let mut image = Image::new(BUSYBOX_IMAGE);
    anyhow::ensure!(
        shared_libraries(busybox)?.is_empty(),
        "{} is not statically linked: install busybox-static",
        busybox.display()
    );
    image.binary(busybox, "/bin/busybox")?;
    let out = std::process::Command::new(busybox)
        .arg("--list-full")
        .output()
        .with_context(|| format!("running {} --list-full", busybox.display()))?;
    anyhow::ensure!(out.status.success(), "{} --list-full failed", busybox.display());
    let list = String::from_utf8_lossy(&out.stdout);
    let mut applets: Vec<&str> = list.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    applets.sort_unstable();
    for applet in applets {
        let path = format!("/{}", applet.trim_start_matches('/'));
        if path != "/bin/busybox" {
            image.symlink(&path, "/bin/busybox");
        }
    }
    image.file(
        "/etc/passwd",
        0o644,
        b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n".to_vec(),
    );
    image.file("/etc/group", 0o644, b"root:x:0:\nnobody:x:65534:\n".to_vec());
    image.dir("/tmp", 0o1777);
    image.dir("/root", 0o700);
    image.cmd = vec!["sh".into()];
    Ok(image)
}

/// Where Debian's `busybox-static` puts busybox.
pub const BUSYBOX_BIN: &str = "/bin/busybox";

/// Imports an OCI archive into containerd's `k8s.io` namespace (the one its CRI plugin uses) through the
/// containerd socket `address`.
pub fn import(address: &Path, archive: &Path) -> anyhow::Result<()> {
    let out = std::process::Command::new("ctr")
        .arg("--address")
        .arg(address)
        .args(["--namespace", "k8s.io", "images", "import"])
        .arg(archive)
        .output()
        .context("running ctr (package containerd)")?;
    anyhow::ensure!(
        out.status.success(),
        "ctr images import {} failed: {}",
        archive.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_are_added_once_and_files_replace_files() {
        let mut image = Image::new("x:1");
        image.file("/a/b/c", 0o644, vec![1]);
        image.file("/a/b/d", 0o644, vec![2]);
        image.file("/a/b/c", 0o600, vec![3]);
        let paths: Vec<&str> = image.members.iter().map(Member::path).collect();
        assert_eq!(paths, ["/a", "/a/b", "/a/b/d", "/a/b/c"]);
    }

    #[test]
    fn archives_are_reproducible_and_name_the_image() {
        let mut image = Image::new("example.local/x:2");
        image.file("/hello", 0o644, b"hi".to_vec());
        let a = image.oci_archive().unwrap();
        assert_eq!(a, image.oci_archive().unwrap());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.tar"), &a).unwrap();
        let ok = std::process::Command::new("tar")
            .arg("-xf")
            .arg(dir.path().join("x.tar"))
            .arg("-C")
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(ok.success());
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
        let m = &index["manifests"][0];
        assert_eq!(m["annotations"]["io.containerd.image.name"], "example.local/x:2");
        assert_eq!(m["annotations"]["org.opencontainers.image.ref.name"], "2");
        // Every digest names a blob with those bytes.
        let blob = |d: &serde_json::Value| {
            std::fs::read(
                dir.path()
                    .join("blobs/sha256")
                    .join(d.as_str().unwrap().trim_start_matches("sha256:")),
            )
            .unwrap()
        };
        let manifest_bytes = blob(&m["digest"]);
        assert_eq!(sha256(&manifest_bytes), m["digest"]);
        let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes).unwrap();
        let layer = blob(&manifest["layers"][0]["digest"]);
        assert_eq!(sha256(&layer), manifest["layers"][0]["digest"]);
        assert_eq!(layer.len() as u64, manifest["layers"][0]["size"].as_u64().unwrap());
    }

    #[test]
    fn dynamic_binaries_bring_their_libraries() {
        let libs = shared_libraries(Path::new("/bin/ls")).unwrap();
        assert!(libs.iter().any(|l| l.to_string_lossy().contains("libc.so")), "{libs:?}");
        assert!(
            libs.iter().any(|l| l.to_string_lossy().contains("ld-linux")),
            "{libs:?}"
        );
    }
}
