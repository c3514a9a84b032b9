//! Test and benchmark harness: starts real etcd and Ferrokube daemons as child
//! processes on free loopback ports with temporary data directories, and stops
//! them (gracefully or with SIGKILL) when asked or when dropped.

pub mod apiserver;
pub mod benchkit;
pub mod containerd;
pub mod etcd;
pub mod kubelet;
pub mod pki;

/// A free TCP port on 127.0.0.1 for a child process to listen on. Ports are picked below the kernel's
/// ephemeral range (32768-60999), so that the outgoing connections tests make cannot take one between this
/// check and the child's bind; harnesses still retry a start that loses the race.
pub fn free_port() -> u16 {
    for _ in 0..1000 {
        let port = 20_000 + fastrand::u16(..12_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// Resident set size of a process in KiB, from `/proc/<pid>/status` (VmRSS).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Total size in bytes of the regular files under `dir`, recursively.
pub fn dir_size(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_size(&e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}
