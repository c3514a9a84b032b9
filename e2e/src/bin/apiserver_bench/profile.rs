//! Optional CPU profiles: `perf record` attached to the apiserver for a measured window.

use std::path::PathBuf;

use tokio::process::{Child, Command};

/// A running `perf record`; [`Profile::stop`] ends it and leaves the data file.
pub struct Profile {
    child: Child,
    path: PathBuf,
}

/// Starts `perf record` (a sample per 10M instructions) with DWARF call graphs on `pid`, writing `<dir>/<label>.perf.data`; `None` (with a warning) if perf cannot
/// be started, so a missing perf never fails a run.
pub fn start(dir: Option<&str>, label: &str, pid: Option<u32>) -> Option<Profile> {
    let (dir, pid) = (dir?, pid?);
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("   (no profile: cannot create {dir}: {e})");
        return None;
    }
    let path = PathBuf::from(dir).join(format!("{label}.perf.data"));
    let child = Command::new("perf")
        .args([
            "record",
            "-q",
            // Sampled every 10M instructions rather than by time: the sample count times the period is
            // the apiserver's instruction count in the window, which host noise on a shared VM does not
            // move the way CPU time does.
            "-e",
            "instructions",
            "-c",
            "10000000",
            "--call-graph",
            "dwarf,16384",
            "-p",
            &pid.to_string(),
            "-o",
        ])
        .arg(&path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn();
    match child {
        Ok(child) => Some(Profile { child, path }),
        Err(e) => {
            eprintln!("   (no profile: cannot run perf: {e})");
            None
        }
    }
}

impl Profile {
    /// Interrupts perf (it then writes its file) and waits for it.
    pub async fn stop(mut self) {
        if let Some(id) = self.child.id() {
            let _ = Command::new("kill").args(["-INT", &id.to_string()]).status().await;
        }
        let _ = self.child.wait().await;
        println!("   profile: {}", self.path.display());
    }
}
