//! `/openapi/v2` and `/openapi/v3` as real kubectl uses them: `kubectl explain` (v3, and v2 protobuf with
//! `--output plaintext-openapiv2`), server-side field validation found through the v3 paths, and
//! client-side `kubectl apply` merging containers by name from the v3 patch metadata.

use std::path::Path;
use std::process::Command;

use ferrokube_e2e::apiserver::{ApiserverProcess, target_bin};
use ferrokube_e2e::etcd::{Backend, EtcdServer};

const KUBECTL: &str = "/usr/bin/kubectl";

/// Runs kubectl against the test apiserver with its own cache dir: (success, stdout + stderr).
fn kubectl(api: &ApiserverProcess, args: &[&str], stdin_file: Option<&Path>) -> (bool, String) {
    let mut cmd = Command::new(KUBECTL);
    cmd.arg(format!("--kubeconfig={}", api.kubeconfig.display()))
        .arg(format!("--cache-dir={}", api.dir().join("kubectl-cache").display()))
        .args(args);
    if let Some(f) = stdin_file {
        cmd.args(["-f", &f.display().to_string()]);
    }
    let out = cmd.output().expect("kubectl runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_explain_validate_and_apply() {
    if !Path::new(KUBECTL).exists() {
        eprintln!("skipped: no {KUBECTL}");
        return;
    }
    let etcd = EtcdServer::start(Backend::Shim(target_bin("etcd-shim")), &[])
        .await
        .expect("etcd-shim starts");
    let api = ApiserverProcess::start(&etcd.endpoint(), &[])
        .await
        .expect("kube-apiserver starts");

    let (ok, out) = kubectl(&api, &["explain", "pods.spec.containers"], None);
    assert!(ok, "{out}");
    assert!(out.contains("FIELD: containers <[]Container>"), "{out}");
    assert!(out.contains("image\t<string>"), "{out}");
    assert!(out.contains("name\t<string> -required-"), "{out}");
    // Descriptions come along.
    assert!(out.contains("List of containers belonging to the pod."), "{out}");

    let (ok, out) = kubectl(&api, &["explain", "deployment", "--recursive"], None);
    assert!(ok, "{out}");
    assert!(out.contains("GROUP:      apps"), "{out}");
    assert!(out.contains("strategy\t<DeploymentStrategy>"), "{out}");
    assert!(out.contains("maxSurge\t<IntOrString>"), "{out}");

    // The v2 document in protobuf, as kubectl requests it.
    let (ok, out) = kubectl(
        &api,
        &["explain", "--output=plaintext-openapiv2", "services.spec.ports"],
        None,
    );
    assert!(ok, "{out}");
    assert!(out.contains("RESOURCE: ports <[]Object>"), "{out}");
    assert!(out.contains("port\t<integer> -required-"), "{out}");

    // Unknown fields: kubectl finds fieldValidation in the v3 paths and leaves the check to the server.
    let dir = api.dir();
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm1\n  namespace: default\nbogus: 1\n",
    )
    .unwrap();
    let (ok, out) = kubectl(&api, &["create", "--validate=strict", "--dry-run=server"], Some(&bad));
    assert!(!ok, "{out}");
    assert!(out.contains(r#"unknown field "bogus""#), "{out}");
    assert!(out.contains("Error from server (BadRequest)"), "{out}");

    // Client-side apply: containers merge by name, so a container added out of band survives.
    let deployment = |second: &str, port: u16| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  \
             selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    \
             spec:\n      containers:\n      - name: a\n        image: nginx\n        ports:\n        - \
             containerPort: {port}\n      - name: {second}\n        image: busybox\n"
        )
    };
    let file = dir.join("web.yaml");
    std::fs::write(&file, deployment("b", 80)).unwrap();
    let (ok, out) = kubectl(&api, &["apply"], Some(&file));
    assert!(ok, "{out}");
    let patch = r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"x"}]}}}}"#;
    let (ok, out) = kubectl(
        &api,
        &["patch", "deployment", "web", "-n", "default", "-p", patch],
        None,
    );
    assert!(ok, "{out}");
    std::fs::write(&file, deployment("c", 8080)).unwrap();
    let (ok, out) = kubectl(&api, &["apply", "-v=6"], Some(&file));
    assert!(ok, "{out}");
    assert!(out.contains("/openapi/v3/apis/apps/v1?hash="), "{out}");
    assert!(
        !out.contains("warning: error calculating patch from openapi v3 spec"),
        "{out}"
    );
    let jsonpath = "-o=jsonpath={range .spec.template.spec.containers[*]}{.name}={.ports[*].containerPort} {end}";
    let (ok, out) = kubectl(&api, &["get", "deployment", "web", "-n", "default", jsonpath], None);
    assert!(ok, "{out}");
    let mut containers: Vec<&str> = out.split_whitespace().collect();
    containers.sort();
    assert_eq!(containers, ["a=8080", "c=", "sidecar="], "{out}");
}
