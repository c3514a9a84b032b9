//! The CRI client against a real containerd (Debian's 1.6, through the e2e harness): a pod sandbox with
//! a busybox container runs, execs, logs and stops, every call counted in the CRI metrics.

use std::sync::Arc;
use std::time::Duration;

use ferrokube_e2e::apiserver::target_bin;
use ferrokube_e2e::containerd::Containerd;
use ferrokube_kubelet::cri::{CriMetrics, Runtime};
use ferrokube_proto::runtime::v1 as api;

fn sandbox_config(c: &Containerd, logs: &std::path::Path, uid: &str) -> api::PodSandboxConfig {
    api::PodSandboxConfig {
        metadata: Some(api::PodSandboxMetadata {
            name: "cri-test".into(),
            uid: uid.into(),
            namespace: "default".into(),
            attempt: 0,
        }),
        hostname: "cri-test".into(),
        log_directory: logs.to_string_lossy().into_owned(),
        linux: Some(api::LinuxPodSandboxConfig {
            cgroup_parent: format!("{}/pod{uid}", c.cgroup_root()),
            security_context: Some(api::LinuxSandboxSecurityContext {
                namespace_options: Some(api::NamespaceOption {
                    network: api::NamespaceMode::Pod as i32,
                    pid: api::NamespaceMode::Container as i32,
                    ipc: api::NamespaceMode::Pod as i32,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_runs_execs_logs_and_stops_on_containerd() {
    let c = Containerd::start(&target_bin("pause"))
        .await
        .expect("containerd starts");
    let metrics = Arc::new(CriMetrics::new());
    let rt = Runtime::connect(&c.endpoint(), Duration::from_secs(60), metrics.clone())
        .await
        .expect("connects");

    let version = rt.version().await.unwrap();
    assert_eq!(version.runtime_name, "containerd");
    assert_eq!(version.runtime_api_version, "v1");
    let status = rt.status(false).await.unwrap();
    let conditions = status.status.unwrap().conditions;
    for wanted in ["RuntimeReady", "NetworkReady"] {
        let cond = conditions.iter().find(|c| c.r#type == wanted).expect(wanted);
        assert!(cond.status, "{wanted}: {} {}", cond.reason, cond.message);
    }
    // containerd 1.6 predates RuntimeConfig: no error, no answer.
    assert!(rt.runtime_config().await.unwrap().is_none());

    let image = rt.image_status(ferrokube_images::BUSYBOX_IMAGE).await.unwrap();
    assert!(image.is_some_and(|i| i.repo_tags.iter().any(|t| t == ferrokube_images::BUSYBOX_IMAGE)));
    assert!(rt.image_status("ferrokube.local/absent:1").await.unwrap().is_none());

    let logs = tempfile::tempdir().unwrap();
    let uid = "0b7d6c4e-1111-4222-8333-444455556666";
    let sandbox_config = sandbox_config(&c, logs.path(), uid);
    let sandbox = rt
        .run_pod_sandbox(sandbox_config.clone(), "")
        .await
        .expect("sandbox runs");
    let sandbox_status = rt.pod_sandbox_status(&sandbox, false).await.unwrap().status.unwrap();
    assert_eq!(sandbox_status.state, api::PodSandboxState::SandboxReady as i32);
    let ip = sandbox_status.network.map(|n| n.ip).unwrap_or_default();
    assert!(ip.starts_with("10.100."), "pod IP {ip} from the instance's bridge");

    let config = api::ContainerConfig {
        metadata: Some(api::ContainerMetadata {
            name: "main".into(),
            attempt: 0,
        }),
        image: Some(api::ImageSpec {
            image: ferrokube_images::BUSYBOX_IMAGE.into(),
            ..Default::default()
        }),
        command: vec![
            "sh".into(),
            "-c".into(),
            "trap '' TERM; echo hello from busybox; while :; do sleep 1; done".into(),
        ],
        log_path: "main/0.log".into(),
        ..Default::default()
    };
    std::fs::create_dir_all(logs.path().join("main")).unwrap();
    let container = rt
        .create_container(&sandbox, config, sandbox_config.clone())
        .await
        .expect("container created");
    rt.start_container(&container).await.expect("container starts");
    let st = rt.container_status(&container, false).await.unwrap().status.unwrap();
    assert_eq!(st.state, api::ContainerState::ContainerRunning as i32);

    let out = rt
        .exec_sync(
            &container,
            vec!["sh".into(), "-c".into(), "echo hi; echo oops >&2; exit 3".into()],
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(out.exit_code, 3);
    assert_eq!(&out.stdout[..], b"hi\n");
    assert_eq!(&out.stderr[..], b"oops\n");

    // The runtime writes the container's output in the CRI log format.
    let log_file = logs.path().join("main/0.log");
    let mut log = String::new();
    for _ in 0..50 {
        log = std::fs::read_to_string(&log_file).unwrap_or_default();
        if log.contains("hello from busybox") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(log.contains(" stdout F hello from busybox"), "{log}");

    // The shell ignores SIGTERM: it is killed when the grace period ends.
    rt.stop_container(&container, Duration::from_secs(1)).await.unwrap();
    let st = rt.container_status(&container, false).await.unwrap().status.unwrap();
    assert_eq!(st.state, api::ContainerState::ContainerExited as i32);
    assert_eq!(st.exit_code, 137);

    let listed = rt.list_containers(None).await.unwrap();
    assert!(listed.iter().any(|l| l.id == container));
    rt.remove_container(&container).await.unwrap();
    let err = rt.container_status(&container, false).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    rt.stop_pod_sandbox(&sandbox).await.unwrap();
    rt.remove_pod_sandbox(&sandbox).await.unwrap();
    assert!(rt.list_pod_sandbox(None).await.unwrap().is_empty());

    assert_eq!(metrics.count("run_podsandbox"), (1, 0));
    assert_eq!(metrics.count("exec_sync"), (1, 0));
    assert_eq!(
        metrics.count("container_status").1,
        1,
        "the status of a removed container failed"
    );
    assert_eq!(
        metrics.count("runtime_config"),
        (1, 1),
        "UNIMPLEMENTED is still an error in the metrics"
    );
}

#[tokio::test]
async fn a_missing_socket_is_a_clear_error() {
    let err = Runtime::connect(
        "unix:///nonexistent/containerd.sock",
        Duration::from_secs(2),
        Arc::new(CriMetrics::new()),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("/nonexistent/containerd.sock"), "{err}");
}
