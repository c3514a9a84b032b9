//! Real `kubectl` through the apiserver to the kubelet's node server and containerd's streaming server:
//! `logs` (with `--tail`, `-f` until the container ends, `--previous`), `exec` with and without stdin and
//! its exit code, `debug` (an ephemeral container sharing a container's processes), `cp` both ways,
//! `port-forward`, and upstream's errors; the node server itself refuses
//! a client without credentials and serves one with a certificate of the cluster's CA, also through the
//! apiserver's `nodes/proxy`.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use ferrokube_images::BUSYBOX_IMAGE;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::PostParams;
use serde_json::json;

const KUBECTL: &str = "/usr/bin/kubectl";

fn kubectl(kubeconfig: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(KUBECTL)
        .env("KUBECONFIG", kubeconfig)
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubectl");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input).unwrap();
        // Closing stdin is what lets `cat` and `tar` in the container finish.
        drop(pipe);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "kubectl {args:?} did not finish in 60 s; stdout {:?} stderr {:?}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: {:?}\nstdout {}\nstderr {}",
        o.status,
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_exec_cp_and_port_forward_through_kubectl() {
    let c = common::Cluster::start("", &[]).await;
    let kc = c.api.kubeconfig.clone();
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    let pod = |name: &str, spec: serde_json::Value| -> Pod {
        let mut spec = spec;
        spec["nodeName"] = json!(c.name);
        spec["terminationGracePeriodSeconds"] = json!(1);
        serde_json::from_value(json!({"metadata": {"name": name, "namespace": "default"}, "spec": spec})).unwrap()
    };
    let busybox =
        |name: &str, script: &str| json!({"name": name, "image": BUSYBOX_IMAGE, "command": ["sh", "-c", script]});
    pods.create(
        &PostParams::default(),
        &pod(
            "shell",
            json!({"containers": [
                busybox("main", "echo one; echo two; sleep 0.5; echo three >&2; exec sleep 3600"),
                busybox("web", "mkdir -p /www && echo hi-from-pod > /www/index.html && exec httpd -f -p 8080 -h /www"),
            ]}),
        ),
    )
    .await
    .unwrap();
    pods.create(
        &PostParams::default(),
        &pod(
            "counter",
            json!({"restartPolicy": "Never", "containers": [busybox("main", "echo a; sleep 2; echo b")]}),
        ),
    )
    .await
    .unwrap();
    pods.create(
        &PostParams::default(),
        &pod(
            "crasher",
            json!({
                "volumes": [{"name": "data", "emptyDir": {}}],
                "containers": [{
                    "name": "main", "image": BUSYBOX_IMAGE,
                    "command": ["sh", "-c", "n=$(cat /data/n 2>/dev/null || echo 0); echo run $n; echo $((n+1)) > /data/n; sleep 1; exit 1"],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }],
            }),
        ),
    )
    .await
    .unwrap();
    c.wait(Duration::from_secs(30), "pod shell running", || async {
        pods.get_opt("shell").await.ok().flatten().filter(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .is_some_and(|cs| {
                    cs.len() == 2
                        && cs
                            .iter()
                            .all(|s| s.state.as_ref().is_some_and(|st| st.running.is_some()))
                })
        })
    })
    .await;

    // Logs: both streams, in order; the tail; and follow until the container ends.
    let logs = c
        .wait(Duration::from_secs(10), "all three lines logged", || async {
            let out = ok(kubectl(&kc, &["logs", "shell", "-c", "main"], None), "kubectl logs");
            (out.lines().count() >= 3).then_some(out)
        })
        .await;
    assert_eq!(logs, "one\ntwo\nthree\n");
    let tail = ok(
        kubectl(&kc, &["logs", "shell", "-c", "main", "--tail=1"], None),
        "kubectl logs --tail",
    );
    assert_eq!(tail, "three\n");
    let stamped = ok(
        kubectl(&kc, &["logs", "shell", "-c", "main", "--timestamps"], None),
        "--timestamps",
    );
    assert!(
        stamped
            .lines()
            .all(|l| l.len() > 20 && l.as_bytes()[4] == b'-' && l.contains('T')),
        "{stamped}"
    );
    let followed = ok(kubectl(&kc, &["logs", "-f", "counter"], None), "kubectl logs -f");
    assert_eq!(followed, "a\nb\n", "follow reads until the container exits");
    let limited = ok(
        kubectl(&kc, &["logs", "shell", "-c", "main", "--limit-bytes=5"], None),
        "--limit-bytes",
    );
    assert_eq!(limited, "one\nt");

    // Upstream's errors, through kubectl.
    let bad = kubectl(&kc, &["logs", "shell", "-c", "nope"], None);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("container nope is not valid for pod shell"),
        "{}",
        stderr(&bad)
    );
    let no_previous = kubectl(&kc, &["logs", "shell", "-c", "main", "--previous"], None);
    assert!(
        stderr(&no_previous).contains("previous terminated container \"main\" in pod \"shell\" not found"),
        "{}",
        stderr(&no_previous)
    );

    // --previous: the run before the current one.
    c.wait(Duration::from_secs(40), "crasher restarted twice", || async {
        pods.get_opt("crasher").await.ok().flatten().filter(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .is_some_and(|cs| cs.iter().any(|s| s.restart_count >= 2))
        })
    })
    .await;
    let run_number = |s: &str| -> u32 {
        s.trim()
            .strip_prefix("run ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a run line: {s:?}"))
    };
    let previous = run_number(&ok(
        kubectl(&kc, &["logs", "crasher", "--previous"], None),
        "logs --previous",
    ));
    let current = run_number(&ok(kubectl(&kc, &["logs", "crasher"], None), "logs"));
    // Running: the previous run is the one before; in CrashLoopBackOff both are the last run (upstream
    // shows a waiting container's last run).
    assert!(
        previous + 1 == current || previous == current,
        "previous run {previous}, current run {current}"
    );

    // Exec: output streams, the exit code, stdin.
    let out = kubectl(
        &kc,
        &[
            "exec",
            "shell",
            "-c",
            "main",
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2; exit 3",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3), "stderr {}", stderr(&out));
    assert_eq!(stdout(&out), "out\n");
    assert!(stderr(&out).contains("err"), "{}", stderr(&out));
    let echoed = ok(
        kubectl(
            &kc,
            &["exec", "-i", "shell", "-c", "main", "--", "cat"],
            Some(b"piped through\n"),
        ),
        "exec -i",
    );
    assert_eq!(echoed, "piped through\n");
    let bad = kubectl(&kc, &["exec", "shell", "-c", "nope", "--", "true"], None);
    assert!(
        stderr(&bad).contains("container nope is not valid for pod shell"),
        "{}",
        stderr(&bad)
    );

    // kubectl debug: an ephemeral container in the process namespace of `main`.
    let debug = kubectl(
        &kc,
        &[
            "debug",
            "shell",
            "-c",
            "dbg",
            "--image",
            BUSYBOX_IMAGE,
            "--target",
            "main",
            "--",
            "ps",
            "-o",
            "args",
        ],
        None,
    );
    assert!(debug.status.success(), "kubectl debug: {}", stderr(&debug));
    let seen = c
        .wait(Duration::from_secs(30), "the ephemeral container ran", || async {
            let out = kubectl(&kc, &["logs", "shell", "-c", "dbg"], None);
            out.status
                .success()
                .then(|| stdout(&out))
                .filter(|s| s.contains("sleep 3600"))
        })
        .await;
    assert!(seen.contains("ps -o args"), "{seen}");
    let debugged = c
        .wait(Duration::from_secs(30), "the ephemeral container's status", || async {
            pods.get_opt("shell").await.ok().flatten().filter(|p| {
                p.status
                    .as_ref()
                    .and_then(|s| s.ephemeral_container_statuses.as_ref())
                    .is_some_and(|e| {
                        e.iter()
                            .any(|s| s.name == "dbg" && s.state.as_ref().is_some_and(|st| st.terminated.is_some()))
                    })
            })
        })
        .await;
    assert_eq!(debugged.status.unwrap().container_statuses.unwrap().len(), 2);
    let changed = kubectl(
        &kc,
        &[
            "patch",
            "pod",
            "shell",
            "--subresource=ephemeralcontainers",
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/spec/ephemeralContainers/0"}]"#,
        ],
        None,
    );
    assert!(
        stderr(&changed).contains("existing ephemeral containers \"dbg\" may not be removed"),
        "{}",
        stderr(&changed)
    );

    // cp into the pod and back out.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("payload.txt");
    let payload: String = (0..2000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&local, &payload).unwrap();
    ok(
        kubectl(
            &kc,
            &[
                "cp",
                local.to_str().unwrap(),
                "default/shell:/tmp/payload.txt",
                "-c",
                "main",
            ],
            None,
        ),
        "cp into the pod",
    );
    let inside = ok(
        kubectl(
            &kc,
            &["exec", "shell", "-c", "main", "--", "cat", "/tmp/payload.txt"],
            None,
        ),
        "cat the copy",
    );
    assert_eq!(inside, payload);
    let back = dir.path().join("back.txt");
    ok(
        kubectl(
            &kc,
            &[
                "cp",
                "default/shell:/tmp/payload.txt",
                back.to_str().unwrap(),
                "-c",
                "main",
            ],
            None,
        ),
        "cp out of the pod",
    );
    assert_eq!(std::fs::read_to_string(&back).unwrap(), payload);

    // port-forward to the httpd in the second container.
    let local_port = ferrokube_e2e::free_port();
    let mut pf = Command::new(KUBECTL)
        .env("KUBECONFIG", &kc)
        .args(["port-forward", "pod/shell", &format!("{local_port}:8080")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let answer = c
        .wait(Duration::from_secs(20), "an answer through port-forward", || async {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", local_port)).ok()?;
            s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
            s.write_all(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
            let mut body = String::new();
            s.read_to_string(&mut body).ok()?;
            body.contains("hi-from-pod").then_some(body)
        })
        .await;
    assert!(answer.starts_with("HTTP/1."), "{answer}");
    let _ = pf.kill();
    let _ = pf.wait();

    // The node server: no credentials → 401; the apiserver's kubelet client certificate → served.
    let nodes: Api<Node> = Api::all(c.client.clone());
    let node = nodes.get(&c.name).await.unwrap();
    let port = node
        .status
        .and_then(|s| s.daemon_endpoints)
        .and_then(|d| d.kubelet_endpoint)
        .map(|e| e.port)
        .unwrap();
    let curl = |extra: &[&str], path: &str| -> (String, String) {
        let out = Command::new("curl")
            .args(["-sk", "-o", "-", "-w", "\n%{http_code}"])
            .args(extra)
            .arg(format!("https://127.0.0.1:{port}{path}"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap();
        (code.to_string(), body.to_string())
    };
    assert_eq!(curl(&[], "/healthz"), ("401".to_string(), "Unauthorized".to_string()));
    let cert = c.api.pki.kubelet_client_cert.to_str().unwrap().to_string();
    let key = c.api.pki.kubelet_client_key.to_str().unwrap().to_string();
    let with_cert = ["--cert", cert.as_str(), "--key", key.as_str()];
    assert_eq!(curl(&with_cert, "/healthz"), ("200".to_string(), "ok".to_string()));
    let (code, body) = curl(&with_cert, "/pods");
    assert_eq!(code, "200");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["kind"], "PodList");
    let mut names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["counter", "crasher", "shell"]);
    let (code, body) = curl(&with_cert, "/metrics");
    assert_eq!(code, "200");
    assert!(body.contains("kubelet_runtime_operations_total"), "{body}");
    let (code, body) = curl(&with_cert, "/stats/summary");
    assert_eq!(code, "200");
    let summary: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(summary["node"]["nodeName"], c.name.as_str());
    assert!(
        summary["node"]["memory"]["workingSetBytes"].as_u64().unwrap() > 0,
        "{summary}"
    );
    let shell = summary["pods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["podRef"]["name"] == "shell")
        .expect("the shell pod in the summary");
    assert!(shell["memory"]["workingSetBytes"].as_u64().unwrap() > 0, "{shell}");
    let (code, body) = curl(&with_cert, "/metrics/resource");
    assert_eq!(code, "200");
    assert!(
        body.lines().any(|l| l
            .starts_with("container_cpu_usage_seconds_total{container=\"web\",namespace=\"default\",pod=\"shell\"}")),
        "{body}"
    );
    let (code, _) = curl(&with_cert, "/no/such/path");
    assert_eq!(code, "404");

    // nodes/proxy: the apiserver passes the request to the kubelet with its own client certificate.
    let healthz = ok(
        kubectl(
            &kc,
            &["get", "--raw", &format!("/api/v1/nodes/{}/proxy/healthz", c.name)],
            None,
        ),
        "nodes/proxy/healthz",
    );
    assert_eq!(healthz, "ok");
    let proxied = ok(
        kubectl(
            &kc,
            &["get", "--raw", &format!("/api/v1/nodes/{}/proxy/pods", c.name)],
            None,
        ),
        "nodes/proxy/pods",
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&proxied).unwrap()["kind"],
        "PodList"
    );
}
