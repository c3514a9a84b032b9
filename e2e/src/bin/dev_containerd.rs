//! The containerd `make up` runs for the machine's node, living under one directory:
//!
//!   ferrokube-dev-containerd config <dir> <pod-cidr>   writes <dir>/config.toml and <dir>/cni/10-bridge.conflist
//!   ferrokube-dev-containerd clean <dir>               kills and deletes every task and container, detaches
//!                                                      leftover mounts under <dir>, deletes the bridge
//!
//! The settings are the test harness's (`ferrokube_e2e::containerd`); the bridge is `ferrokube0`.

use std::path::PathBuf;

const BRIDGE: &str = "ferrokube0";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, dir, cidr] if cmd == "config" => {
            let dir = PathBuf::from(dir);
            for sub in ["root", "state", "runc", "cni", "ipam", "opt"] {
                std::fs::create_dir_all(dir.join(sub))?;
            }
            let dir = std::fs::canonicalize(&dir)?;
            std::fs::write(
                dir.join("config.toml"),
                ferrokube_e2e::containerd::containerd_config(&dir),
            )?;
            std::fs::write(
                dir.join("cni/10-bridge.conflist"),
                ferrokube_e2e::containerd::cni_config("ferrokube", BRIDGE, cidr, &dir.join("ipam")),
            )?;
            Ok(())
        }
        [cmd, dir] if cmd == "clean" => {
            let dir = std::fs::canonicalize(dir)?;
            ferrokube_e2e::containerd::remove_everything(&dir.join("containerd.sock"));
            ferrokube_e2e::containerd::unmount_under(&dir);
            let _ = std::process::Command::new("ip")
                .args(["link", "del", BRIDGE])
                .stderr(std::process::Stdio::null())
                .status();
            Ok(())
        }
        _ => anyhow::bail!("usage: ferrokube-dev-containerd config <dir> <pod-cidr> | clean <dir>"),
    }
}
