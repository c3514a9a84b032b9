//! The pause binary as containerd runs it: it stays up until SIGTERM or SIGINT, then exits 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn exits_zero_on(signal: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pause"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(child.try_wait().unwrap().is_none(), "pause exited by itself");
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "after SIG{signal}");
            return;
        }
        assert!(Instant::now() < deadline, "pause ignored SIG{signal}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn exits_zero_on_sigterm() {
    exits_zero_on("TERM");
}

#[test]
fn exits_zero_on_sigint() {
    exits_zero_on("INT");
}

#[test]
fn prints_its_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_pause")).arg("-v").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("pause"));
}
