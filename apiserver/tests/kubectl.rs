//! Real `kubectl` (v1.32, /usr/bin/kubectl) against kube-apiserver on etcd-shim: each command's exit code and
//! output compared with what kubectl prints against an upstream apiserver.
//!
//! Every check is recorded rather than asserted on the spot, so one run lists every mismatch; a test fails at
//! its end when any check failed. Two server gaps get a recorded failure and then a fallback so that the checks
//! after them still exercise the server: broken aggregated discovery (the test then seeds kubectl's discovery
//! cache from the legacy endpoints) and missing OpenAPI (the command is retried with `--validate=false`).
//! Table output is compared with whitespace collapsed and AGE values replaced by `<age>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ferrokube_e2e::apiserver::{ApiserverProcess, target_bin};
use ferrokube_e2e::etcd::{Backend, EtcdServer};

const KUBECTL: &str = "/usr/bin/kubectl";
const TIMEOUT: Duration = Duration::from_secs(60);

/// The outcome of one kubectl run.
#[derive(Debug)]
struct Out {
    cmd: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn describe(&self) -> String {
        format!(
            "$ {}\n  exit {}\n  stdout: {:?}\n  stderr: {:?}",
            self.cmd, self.code, self.stdout, self.stderr
        )
    }
}

/// A kubectl started in the background (`get -w`, `wait`), collected with [`Bg::finish`].
struct Bg {
    cmd: String,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Bg {
    /// Waits for the process to exit, at most `limit`, then kills it; a killed process reports exit code -1.
    fn finish(mut self, limit: Duration) -> Out {
        let deadline = Instant::now() + limit;
        let code = loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                break status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break -1;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Out {
            cmd: self.cmd,
            code,
            stdout: std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.stderr).unwrap_or_default(),
        }
    }

    fn stdout_so_far(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }
}

/// One server plus a kubectl environment: a fresh HOME (so the discovery cache starts empty), the admin
/// kubeconfig, a work directory holding copies of the fixtures, and the list of failed checks.
struct Kubectl {
    _etcd: EtcdServer,
    api: ApiserverProcess,
    home: tempfile::TempDir,
    work: PathBuf,
    runs: std::cell::Cell<u32>,
    failures: Vec<String>,
    /// Set when aggregated discovery is broken: kubectl's discovery cache files, rewritten before every run.
    legacy_cache: Option<BTreeMap<PathBuf, String>>,
}

impl Kubectl {
    async fn start() -> Kubectl {
        let etcd = EtcdServer::start(Backend::Shim(target_bin("etcd-shim")), &[])
            .await
            .expect("etcd-shim starts");
        let api = ApiserverProcess::start(&etcd.endpoint(), &[])
            .await
            .expect("kube-apiserver starts");
        let home = tempfile::Builder::new()
            .prefix("ferrokube-kubectl-")
            .tempdir()
            .expect("temp HOME");
        let work = home.path().join("work");
        std::fs::create_dir_all(&work).expect("work dir");
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kubectl");
        for entry in std::fs::read_dir(&fixtures).expect("fixtures dir") {
            let entry = entry.expect("fixture");
            std::fs::copy(entry.path(), work.join(entry.file_name())).expect("copy fixture");
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(work.join("edit-b.sh"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let mut k = Kubectl {
            _etcd: etcd,
            api,
            home,
            work,
            runs: std::cell::Cell::new(0),
            failures: Vec::new(),
            legacy_cache: None,
        };
        k.check_discovery();
        k
    }

    /// kubectl resolves every resource through aggregated discovery (`/api` and `/apis` with the
    /// `as=APIGroupDiscoveryList` Accept type). When core resources are missing from it, record that and seed
    /// the legacy cache so the remaining checks still reach the server.
    fn check_discovery(&mut self) {
        let out = self.run(&["api-resources", "-o", "name"]);
        let names: Vec<&str> = out.stdout.lines().collect();
        if out.code == 0 && names.contains(&"configmaps") && names.contains(&"deployments.apps") {
            return;
        }
        self.fail(
            "aggregated discovery: `kubectl api-resources -o name` must list core resources (configmaps) and \
             apps (deployments.apps); without them `kubectl get cm` says `the server doesn't have a resource type`. \
             Seeding kubectl's discovery cache from /api/v1 and /apis/<gv> for the remaining checks",
            &out,
        );
        let dir = self
            .home
            .path()
            .join(format!(".kube/cache/discovery/127.0.0.1_{}", self.api.port));
        let mut files = BTreeMap::new();
        let raw = |k: &Kubectl, path: &str| -> serde_json::Value {
            let out = k.run_raw(&["get", "--raw", path], &[]);
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{path}: {e}: {}", out.describe()))
        };
        let mut groups = raw(self, "/apis");
        let core = serde_json::json!({"name": "", "versions": [{"groupVersion": "v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "v1", "version": "v1"}});
        let list = groups["groups"].as_array_mut().expect("APIGroupList.groups");
        list.insert(0, core);
        let gvs: Vec<String> = list
            .iter()
            .flat_map(|g| g["versions"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v["groupVersion"].as_str().map(str::to_string))
            .collect();
        files.insert(dir.join("servergroups.json"), groups.to_string());
        for gv in gvs {
            let path = if gv == "v1" {
                "/api/v1".to_string()
            } else {
                format!("/apis/{gv}")
            };
            files.insert(dir.join(&gv).join("serverresources.json"), raw(self, &path).to_string());
        }
        self.legacy_cache = Some(files);
    }

    fn fail(&mut self, what: &str, out: &Out) {
        self.failures.push(format!("{what}\n{}", out.describe()));
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> (Command, String, PathBuf, PathBuf) {
        if let Some(files) = &self.legacy_cache {
            for (path, body) in files {
                std::fs::create_dir_all(path.parent().expect("cache file parent")).expect("cache dir");
                std::fs::write(path, body).expect("cache file");
            }
        }
        let n = self.runs.get() + 1;
        self.runs.set(n);
        let stdout = self.home.path().join(format!("run-{n}.out"));
        let stderr = self.home.path().join(format!("run-{n}.err"));
        let mut cmd = Command::new(KUBECTL);
        cmd.args(args)
            .current_dir(&self.work)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.home.path())
            .env("KUBECONFIG", &self.api.kubeconfig)
            .env("TMPDIR", self.home.path())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        let shown = std::iter::once("kubectl")
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        (cmd, shown, stdout, stderr)
    }

    fn spawn_env(&self, args: &[&str], env: &[(&str, &str)]) -> Bg {
        let (mut cmd, shown, stdout, stderr) = self.command(args, env);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {KUBECTL}: {e}"));
        Bg {
            cmd: shown,
            child,
            stdout,
            stderr,
        }
    }

    fn spawn(&self, args: &[&str]) -> Bg {
        self.spawn_env(args, &[])
    }

    fn run_raw(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        self.spawn_env(args, env).finish(TIMEOUT)
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_raw(args, &[])
    }

    /// Runs a command that validates its input against the server's OpenAPI schema (`create -f`, `apply -f`,
    /// `edit`). When it fails because there is no OpenAPI document, the failure is recorded and the command is
    /// run again with `--validate=false`.
    fn run_validated(&mut self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let out = self.run_raw(args, env);
        let no_openapi = out.stderr.contains("failed to download openapi");
        if !no_openapi {
            return out;
        }
        self.fail(
            "client-side validation needs /openapi/v3 (or /openapi/v2); retrying with --validate=false",
            &out,
        );
        let mut retry: Vec<&str> = args.to_vec();
        retry.push("--validate=false");
        self.run_raw(&retry, env)
    }

    /// Exit 0 and this stdout (normalized: whitespace collapsed, AGE values as `<age>`).
    fn ok(&mut self, out: &Out, stdout: &str) {
        if out.code != 0 || norm(&out.stdout) != norm(stdout) {
            self.fail(&format!("expected exit 0 and stdout:\n{stdout}"), out);
        }
    }

    /// Exit 0 and stdout containing each needle.
    fn ok_contains(&mut self, out: &Out, needles: &[&str]) {
        let missing: Vec<&&str> = needles.iter().filter(|n| !out.stdout.contains(**n)).collect();
        if out.code != 0 || !missing.is_empty() {
            self.fail(&format!("expected exit 0 and stdout containing {missing:?}"), out);
        }
    }

    /// Non-zero exit and exactly this stderr (trimmed).
    fn err(&mut self, out: &Out, stderr: &str) {
        if out.code == 0 || out.stderr.trim() != stderr {
            self.fail(&format!("expected a failure with stderr:\n{stderr}"), out);
        }
    }

    /// `kubectl get ... -o jsonpath=<path>` prints `want`.
    fn jsonpath(&mut self, target: &[&str], path: &str, want: &str) {
        let arg = format!("jsonpath={path}");
        let mut args = vec!["get"];
        args.extend_from_slice(target);
        args.extend_from_slice(&["-o", &arg]);
        let out = self.run(&args);
        if out.code != 0 || out.stdout != want {
            self.fail(&format!("expected jsonpath {path} to print {want:?}"), &out);
        }
    }

    /// Exit 0 and `-o yaml` output equal to a golden file once server-generated values are replaced.
    fn golden_yaml(&mut self, out: &Out, name: &str) {
        let (got, want) = (norm_yaml(&out.stdout), golden(name));
        let first_diff = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        if out.code != 0 || got.trim_end() != want.trim_end() {
            let line = |s: &str| s.lines().nth(first_diff).unwrap_or("<end>").to_string();
            self.fail(
                &format!(
                    "expected output matching tests/kubectl/{name}; first difference at line {}: got {:?}, want {:?}",
                    first_diff + 1,
                    line(&got),
                    line(&want)
                ),
                out,
            );
        }
    }

    /// Ends the test: fails with every recorded mismatch, and the server log's tail when there was one.
    fn finish(self, test: &str) {
        if self.failures.is_empty() {
            return;
        }
        let log = std::fs::read_to_string(&self.api.log).unwrap_or_default();
        let tail: Vec<&str> = log
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        panic!(
            "{test}: {} kubectl check(s) failed:\n\n{}\n\nkube-apiserver log tail:\n{}",
            self.failures.len(),
            self.failures
                .iter()
                .enumerate()
                .map(|(i, f)| format!("[{}] {f}", i + 1))
                .collect::<Vec<_>>()
                .join("\n\n"),
            tail.join("\n")
        );
    }
}

/// Collapses whitespace in every line, replaces AGE-like tokens (`5s`, `2m3s`, `4h`, `12d`) with `<age>`,
/// and drops trailing blank lines.
fn norm(s: &str) -> String {
    let lines: Vec<String> = s
        .lines()
        .map(|l| {
            l.split_whitespace()
                .map(|t| if is_age(t) { "<age>" } else { t })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    lines.join("\n").trim_end().to_string()
}

fn is_age(t: &str) -> bool {
    let mut digits = 0;
    let mut units = 0;
    for c in t.chars() {
        match c {
            '0'..='9' => digits += 1,
            's' | 'm' | 'h' | 'd' | 'y' if digits > 0 => {
                units += 1;
                digits = 0;
            }
            _ => return false,
        }
    }
    units > 0 && digits == 0
}

/// Replaces the server-generated values in `-o yaml` output with placeholders.
fn norm_yaml(s: &str) -> String {
    s.lines()
        .map(|l| {
            let trimmed = l.trim_start();
            let indent = &l[..l.len() - trimmed.len()];
            for (key, placeholder) in [
                ("creationTimestamp: \"", "<ts>"),
                ("resourceVersion: \"", "<rv>"),
                ("uid: ", "<uid>"),
            ] {
                if trimmed.starts_with(key) {
                    let name = key.split(':').next().unwrap_or_default();
                    return format!("{indent}{name}: {placeholder}");
                }
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces every allocated service IP `10.96.x.y` other than the `kubernetes` service's with `<ip>`.
fn norm_ips(s: &str) -> String {
    s.split_inclusive(char::is_whitespace)
        .map(|t| {
            let w = t.trim_end();
            if w.starts_with("10.96.") && w != "10.96.0.1" && w.split('.').count() == 4 {
                format!("<ip>{}", &t[w.len()..])
            } else {
                t.to_string()
            }
        })
        .collect()
}

fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kubectl").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Waits until a background `get -w` has printed at least `lines` lines, at most 20 seconds.
fn wait_for_lines(bg: &Bg, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while bg.stdout_so_far().lines().count() < lines && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn helpers_normalize_ages_and_ips() {
    assert_eq!(
        norm("NAME   DATA   AGE\nc1     1      2m5s\n\n"),
        "NAME DATA AGE\nc1 1 <age>"
    );
    assert!(is_age("0s") && is_age("12d") && is_age("3h4m") && !is_age("1") && !is_age("80/TCP") && !is_age("s"));
    assert_eq!(
        norm_ips("svc1   ClusterIP   10.96.12.7   <none>"),
        "svc1   ClusterIP   <ip>   <none>"
    );
    assert_eq!(norm_ips("kubernetes 10.96.0.1 x"), "kubernetes 10.96.0.1 x");
    assert_eq!(
        norm_yaml("  uid: 1234\n  resourceVersion: \"9\""),
        "  uid: <uid>\n  resourceVersion: <rv>"
    );
}

/// ConfigMaps, Secrets, Namespaces and Services: create (files and generators, the latter sending protobuf),
/// get in every output format, conflicts and not-found messages, label/annotate, the three patch types, edit,
/// client-side apply twice, diff, server dry-run, server-side apply, selectors, delete and wait --for=delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_core_objects() {
    let mut k = Kubectl::start().await;

    // create -f, and again.
    let out = k.run_validated(&["create", "-f", "cm.yaml"], &[]);
    k.ok(&out, "configmap/c1 created");
    let out = k.run_validated(&["create", "-f", "cm.yaml"], &[]);
    k.err(
        &out,
        r#"Error from server (AlreadyExists): error when creating "cm.yaml": configmaps "c1" already exists"#,
    );

    // get: table, wide, name, yaml, jsonpath; not found.
    let out = k.run(&["get", "configmaps"]);
    k.ok(&out, "NAME DATA AGE\nc1 1 1s");
    let out = k.run(&["get", "cm", "c1", "-o", "wide"]);
    k.ok(&out, "NAME DATA AGE\nc1 1 1s");
    let out = k.run(&["get", "cm/c1", "-o", "name"]);
    k.ok(&out, "configmap/c1");
    let out = k.run(&["get", "cm", "c1", "-o", "yaml"]);
    k.golden_yaml(&out, "cm-c1.golden.yaml");
    k.jsonpath(&["cm", "c1"], "{.data.a}", "1");
    // managedFields are recorded with server-side apply, which comes in a later issue.
    let out = k.run(&["get", "cm", "nope"]);
    k.err(&out, r#"Error from server (NotFound): configmaps "nope" not found"#);

    // Generators (kubectl 1.32 sends these bodies as protobuf).
    let out = k.run(&[
        "create",
        "configmap",
        "c3",
        "--from-literal=k1=v1",
        "--from-literal=k2=v2",
    ]);
    k.ok(&out, "configmap/c3 created");
    k.jsonpath(&["cm", "c3"], "{.data.k2}", "v2");
    let out = k.run(&["create", "configmap", "c3", "--from-literal=k=v"]);
    k.err(
        &out,
        r#"error: failed to create configmap: configmaps "c3" already exists"#,
    );
    let out = k.run(&["create", "secret", "generic", "s1", "--from-literal=password=hunter2"]);
    k.ok(&out, "secret/s1 created");
    let out = k.run(&["get", "secrets"]);
    k.ok(&out, "NAME TYPE DATA AGE\ns1 Opaque 1 1s");
    k.jsonpath(&["secret", "s1"], "{.data.password}", "aHVudGVyMg==");
    let out = k.run(&["create", "namespace", "team-a"]);
    k.ok(&out, "namespace/team-a created");
    let out = k.run(&["create", "namespace", "team-a"]);
    k.err(
        &out,
        r#"Error from server (AlreadyExists): namespaces "team-a" already exists"#,
    );
    let out = k.run(&["get", "ns", "team-a"]);
    k.ok(&out, "NAME STATUS AGE\nteam-a Active 1s");
    let out = k.run(&["get", "namespaces"]);
    k.ok(
        &out,
        "NAME STATUS AGE\ndefault Active 1s\nkube-node-lease Active 1s\nkube-public Active 1s\nkube-system Active 1s\nteam-a Active 1s",
    );
    let out = k.run(&["create", "service", "clusterip", "svc1", "--tcp=80:8080"]);
    k.ok(&out, "service/svc1 created");
    let mut out = k.run(&["get", "svc", "-o", "wide"]);
    out.stdout = norm_ips(&out.stdout);
    k.ok(
        &out,
        "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR\n\
         kubernetes ClusterIP 10.96.0.1 <none> 443/TCP 1s <none>\n\
         svc1 ClusterIP <ip> <none> 80/TCP 1s app=svc1",
    );
    k.jsonpath(&["svc", "svc1"], "{.spec.ports[0].targetPort}", "8080");
    let out = k.run(&["create", "configmap", "inns", "-n", "team-a", "--from-literal=a=b"]);
    k.ok(&out, "configmap/inns created");
    let out = k.run(&["get", "cm", "-A", "-l", "app=demo"]);
    k.ok(&out, "NAMESPACE NAME DATA AGE\ndefault c1 1 1s");

    // label / annotate.
    let out = k.run(&["label", "cm", "c1", "env=prod"]);
    k.ok(&out, "configmap/c1 labeled");
    let out = k.run(&["label", "cm", "c1", "env=dev"]);
    k.err(
        &out,
        "error: 'env' already has a value (prod), and --overwrite is false",
    );
    let out = k.run(&["label", "cm", "c1", "env=dev", "--overwrite"]);
    k.ok(&out, "configmap/c1 labeled");
    let out = k.run(&["get", "cm", "-l", "env=dev"]);
    k.ok(&out, "NAME DATA AGE\nc1 1 1s");
    let out = k.run(&["get", "cm", "-l", "env in (prod)"]);
    if out.code != 0 || !out.stdout.is_empty() || out.stderr.trim() != "No resources found in default namespace." {
        k.fail(
            "expected an empty selection to print `No resources found in default namespace.` on stderr",
            &out,
        );
    }
    let out = k.run(&["label", "cm", "c1", "env-"]);
    k.ok(&out, "configmap/c1 unlabeled");
    let out = k.run(&["annotate", "cm", "c1", "note=hello"]);
    k.ok(&out, "configmap/c1 annotated");
    k.jsonpath(&["cm", "c1"], "{.metadata.annotations.note}", "hello");
    let out = k.run(&["annotate", "cm", "c1", "note-"]);
    k.ok(&out, "configmap/c1 annotated");

    // Field selectors.
    let out = k.run(&["get", "cm", "--field-selector", "metadata.name=c3"]);
    k.ok(&out, "NAME DATA AGE\nc3 2 1s");
    let out = k.run(&["get", "cm", "--field-selector", "data.a=1"]);
    k.err(
        &out,
        r#"Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "", field selector "data.a=1": "data.a" is not a known field selector: only "metadata.name", "metadata.namespace""#,
    );

    // patch: strategic (default), merge, json; a no-op patch; a missing object.
    let out = k.run(&["patch", "cm", "c1", "-p", r#"{"data":{"b":"2"}}"#]);
    k.ok(&out, "configmap/c1 patched");
    let out = k.run(&["patch", "cm", "c1", "--type=merge", "-p", r#"{"data":{"a":null}}"#]);
    k.ok(&out, "configmap/c1 patched");
    let out = k.run(&[
        "patch",
        "cm",
        "c1",
        "--type=json",
        "-p",
        r#"[{"op":"add","path":"/data/c","value":"3"}]"#,
    ]);
    k.ok(&out, "configmap/c1 patched");
    k.jsonpath(&["cm", "c1"], "{.data}", r#"{"b":"2","c":"3"}"#);
    let out = k.run(&["patch", "cm", "c1", "-p", r#"{"data":{"b":"2"}}"#]);
    k.ok(&out, "configmap/c1 patched (no change)");
    let out = k.run(&["patch", "cm", "nope", "-p", r#"{"data":{"x":"1"}}"#]);
    k.err(&out, r#"Error from server (NotFound): configmaps "nope" not found"#);

    // edit through KUBE_EDITOR; an editor that changes nothing cancels.
    let editor = k.work.join("edit-b.sh");
    let editor = editor.to_str().expect("utf-8 path").to_string();
    let out = k.run_validated(&["edit", "cm", "c1"], &[("KUBE_EDITOR", &editor)]);
    k.ok(&out, "configmap/c1 edited");
    k.jsonpath(&["cm", "c1"], "{.data.b}", "edited");
    let out = k.run_validated(&["edit", "cm", "c1"], &[("KUBE_EDITOR", "true")]);
    if out.code != 0 || out.stderr.trim() != "Edit cancelled, no changes made." {
        k.fail(
            "expected an unchanged edit to print `Edit cancelled, no changes made.` on stderr",
            &out,
        );
    }

    // Client-side apply: create, unchanged, then a change that removes a key (three-way merge).
    let out = k.run_validated(&["apply", "-f", "cm-apply.yaml"], &[]);
    k.ok(&out, "configmap/c2 created");
    let out = k.run_validated(&["apply", "-f", "cm-apply.yaml"], &[]);
    k.ok(&out, "configmap/c2 unchanged");
    let changed = std::fs::read_to_string(k.work.join("cm-apply.yaml"))
        .expect("fixture")
        .replace("  a: \"1\"\n", "")
        .replace("b: \"2\"", "b: \"3\"");
    std::fs::write(k.work.join("cm-apply.yaml"), &changed).expect("write fixture");
    let out = k.run_validated(&["apply", "-f", "cm-apply.yaml"], &[]);
    k.ok(&out, "configmap/c2 configured");
    k.jsonpath(&["cm", "c2"], "{.data}", r#"{"b":"3"}"#);
    k.jsonpath(
        &["cm", "c2"],
        r#"{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}"#,
        "{\"apiVersion\":\"v1\",\"data\":{\"b\":\"3\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"c2\",\"namespace\":\"default\"}}\n",
    );

    // diff: no difference exits 0 silently; a difference exits 1 and shows it.
    let out = k.run(&["diff", "-f", "cm-apply.yaml"]);
    k.ok(&out, "");
    std::fs::write(k.work.join("cm-apply.yaml"), changed.replace("b: \"3\"", "b: \"4\"")).expect("write fixture");
    let out = k.run(&["diff", "-f", "cm-apply.yaml"]);
    if out.code != 1 || !out.stdout.contains("-  b: \"3\"\n+  b: \"4\"\n") || out.stdout.contains("resourceVersion") {
        k.fail(
            "expected `kubectl diff` to exit 1 showing only the data change (b: 3 -> 4)",
            &out,
        );
    }

    // Server-side dry run changes nothing.
    let out = k.run(&["create", "configmap", "dry", "--from-literal=a=b", "--dry-run=server"]);
    k.ok(&out, "configmap/dry created (server dry run)");
    let out = k.run(&["get", "cm", "dry"]);
    k.err(&out, r#"Error from server (NotFound): configmaps "dry" not found"#);
    let out = k.run_validated(&["apply", "-f", "cm-apply.yaml", "--dry-run=server"], &[]);
    k.ok(&out, "configmap/c2 configured (server dry run)");
    k.jsonpath(&["cm", "c2"], "{.data.b}", "3");
    let out = k.run(&["delete", "cm", "c2", "--dry-run=server"]);
    k.ok(&out, r#"configmap "c2" deleted (server dry run)"#);
    k.jsonpath(&["cm", "c2"], "{.metadata.name}", "c2");

    // Server-side apply comes in a later issue; until then the apply patch type is refused with 415, which
    // kubectl reports as SSA being unavailable.
    let out = k.run_validated(&["apply", "--server-side", "-f", "cm-ssa.yaml"], &[]);
    if out.code == 0 || !out.stderr.contains("Server-side apply not available on the server") {
        k.fail(
            "expected `apply --server-side` to be refused with 415 until server-side apply exists",
            &out,
        );
    }

    // Patch errors: a failing JSON patch `test` op is a 422 whose cause names the path; a wrongly typed value
    // in a strategic merge patch is the client's error, never a 500.
    let out = k.run(&[
        "patch",
        "cm",
        "c2",
        "--type=json",
        "-p",
        r#"[{"op":"test","path":"/data/b","value":"nope"}]"#,
    ]);
    if out.code == 0 || !out.stderr.starts_with("The request is invalid: ") {
        k.fail(
            "expected a failed JSON patch test op to be a 422 (`The request is invalid: ...`)",
            &out,
        );
    }
    let out = k.run(&["patch", "cm", "c2", "-p", r#"{"data":{"b":5}}"#]);
    if out.stderr.contains("InternalError") {
        k.fail("a wrongly typed value in a patch must not be a 500 InternalError", &out);
    }

    // A wrongly typed value in a created object is a 400 from decoding, never a 500.
    let out = k.run_validated(&["create", "-f", "cm-wrong-type.yaml"], &[]);
    k.err(
        &out,
        r#"Error from server (BadRequest): error when creating "cm-wrong-type.yaml": ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"#,
    );

    // generateName, replace (and a stale replace conflicting), paging, sorting, custom columns, delete -l.
    let generate_name = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\ndata:\n  a: b\n";
    std::fs::write(k.work.join("gen.yaml"), generate_name).expect("write fixture");
    let out = k.run_validated(&["create", "-f", "gen.yaml"], &[]);
    let generated = out
        .stdout
        .trim()
        .strip_prefix("configmap/gen-")
        .and_then(|s| s.strip_suffix(" created"));
    if out.code != 0 || generated.map(str::len) != Some(5) {
        k.fail("expected `configmap/gen-xxxxx created` (5 random characters)", &out);
    }
    for i in 1..=3 {
        let lit = format!("--from-literal=i={i}");
        let out = k.run(&["create", "configmap", &format!("page{i}"), &lit]);
        k.ok(&out, &format!("configmap/page{i} created"));
    }
    let out = k.run(&["label", "cm", "page1", "page3", "grp=x"]);
    k.ok(&out, "configmap/page1 labeled\nconfigmap/page3 labeled");
    let out = k.run(&["get", "cm", "page1", "-o", "yaml"]);
    std::fs::write(k.work.join("replace.yaml"), out.stdout.replace("i: \"1\"", "i: one")).expect("write fixture");
    let out = k.run_validated(&["replace", "-f", "replace.yaml"], &[]);
    k.ok(&out, "configmap/page1 replaced");
    k.jsonpath(&["cm", "page1"], "{.data.i}", "one");
    let out = k.run_validated(&["replace", "-f", "replace.yaml"], &[]);
    k.err(
        &out,
        r#"Error from server (Conflict): error when replacing "replace.yaml": Operation cannot be fulfilled on configmaps "page1": the object has been modified; please apply your changes to the latest version and try again"#,
    );
    let out = k.run(&["get", "cm", "-l", "grp", "--chunk-size=1", "-o", "name"]);
    k.ok(&out, "configmap/page1\nconfigmap/page3");
    let out = k.run(&[
        "get",
        "cm",
        "page3",
        "page2",
        "--sort-by=.data.i",
        "-o",
        "custom-columns=NAME:.metadata.name,I:.data.i",
    ]);
    k.ok(&out, "NAME I\npage2 2\npage3 3");
    let out = k.run(&["delete", "cm", "-l", "grp=x"]);
    k.ok(&out, "configmap \"page1\" deleted\nconfigmap \"page3\" deleted");

    // delete, and wait --for=delete on an object deleted while kubectl waits.
    let out = k.run(&["delete", "cm", "c3"]);
    k.ok(&out, r#"configmap "c3" deleted"#);
    let out = k.run(&["delete", "cm", "c3"]);
    k.err(&out, r#"Error from server (NotFound): configmaps "c3" not found"#);
    let waiter = k.spawn(&["wait", "--for=delete", "cm/c1", "--timeout=30s"]);
    std::thread::sleep(Duration::from_secs(3));
    let out = k.run(&["delete", "cm", "c1", "--wait"]);
    k.ok(&out, r#"configmap "c1" deleted"#);
    let out = waiter.finish(Duration::from_secs(40));
    k.ok(&out, "configmap/c1 condition met");
    let out = k.run(&["wait", "--for=delete", "cm/never-existed", "--timeout=5s"]);
    k.ok(&out, "");

    // A namespace being deleted stays Terminating (no namespace controller) and refuses new objects.
    let out = k.run(&["delete", "namespace", "team-a", "--wait=false"]);
    k.ok(&out, r#"namespace "team-a" deleted"#);
    let out = k.run(&["get", "ns", "team-a"]);
    k.ok(&out, "NAME STATUS AGE\nteam-a Terminating 1s");
    let out = k.run(&["create", "configmap", "late", "-n", "team-a", "--from-literal=a=b"]);
    k.err(
        &out,
        r#"error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in namespace team-a because it is being terminated"#,
    );

    k.finish("kubectl_core_objects");
}

/// Deployments and Pods: create, wide tables, the defaulted object as yaml, the three patch types on a
/// Deployment (strategic merge by container name), scale, status conditions set through the status subresource
/// and waited for, watches (`get -w`, `--output-watch-events`, `--watch-only`), delete --wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_workloads_and_watch() {
    let mut k = Kubectl::start().await;

    let out = k.run_validated(&["create", "-f", "deploy.yaml"], &[]);
    k.ok(&out, "deployment.apps/web created");
    let out = k.run(&["get", "deploy", "web", "-o", "wide"]);
    k.ok(
        &out,
        "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR\nweb 0/2 0 0 1s nginx nginx:1.27 app=web",
    );
    let out = k.run(&["get", "deployments.apps", "-o", "name"]);
    k.ok(&out, "deployment.apps/web");
    let out = k.run(&["create", "deployment", "d2", "--image=nginx:1.27", "--replicas=2"]);
    k.ok(&out, "deployment.apps/d2 created");
    let out = k.run(&["get", "deploy", "d2", "-o", "yaml"]);
    k.golden_yaml(&out, "deploy-d2.golden.yaml");

    // patch: a strategic merge adds a container by name (upstream puts patch-only items first), merge patch on
    // metadata, json patch on spec; generation counts spec changes only.
    let sidecar = r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}"#;
    let out = k.run(&["patch", "deploy", "web", "-p", sidecar]);
    k.ok(&out, "deployment.apps/web patched");
    k.jsonpath(
        &["deploy", "web"],
        "{.spec.template.spec.containers[*].name}",
        "sidecar nginx",
    );
    let out = k.run(&[
        "patch",
        "deploy",
        "web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"tier":"front"}}}"#,
    ]);
    k.ok(&out, "deployment.apps/web patched");
    let replicas3 = r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#;
    let out = k.run(&["patch", "deploy", "web", "--type=json", "-p", replicas3]);
    k.ok(&out, "deployment.apps/web patched");
    let out = k.run(&["patch", "deploy", "web", "--type=json", "-p", replicas3]);
    k.ok(&out, "deployment.apps/web patched (no change)");
    k.jsonpath(
        &["deploy", "web"],
        "{.spec.replicas} {.metadata.labels.tier} {.metadata.generation}",
        "3 front 3",
    );

    // scale.
    let out = k.run(&["scale", "deploy", "web", "--replicas=5"]);
    k.ok(&out, "deployment.apps/web scaled");
    k.jsonpath(&["deploy", "web"], "{.spec.replicas} {.metadata.generation}", "5 4");
    let out = k.run(&["scale", "deploy", "web", "--current-replicas=4", "--replicas=6"]);
    k.err(&out, "error: Expected replicas to be 4, was 5");
    let out = k.run(&["scale", "deploy", "nope", "--replicas=1"]);
    // kubectl's own wording around the server's NotFound message.
    k.err(
        &out,
        r#"error: no objects passed to scale deployments.apps "nope" not found"#,
    );

    // set image, describe, JSON output.
    let out = k.run(&["set", "image", "deploy/web", "nginx=nginx:1.28"]);
    k.ok(&out, "deployment.apps/web image updated");
    k.jsonpath(
        &["deploy", "web"],
        "{.spec.template.spec.containers[*].image} {.metadata.generation}",
        "busybox:1.36 nginx:1.28 5",
    );
    let out = k.run(&["describe", "deploy", "web"]);
    k.ok_contains(
        &out,
        &[
            "Name:                   web\n",
            "Replicas:               5 desired | 0 updated | 0 total | 0 available | 0 unavailable\n",
            "StrategyType:           RollingUpdate\n",
            "   nginx:\n    Image:         nginx:1.28\n",
        ],
    );
    let out = k.run(&["get", "deploy", "web", "-o", "json"]);
    k.ok_contains(
        &out,
        &["{\n    \"apiVersion\": \"apps/v1\",\n    \"kind\": \"Deployment\",\n    \"metadata\": {\n"],
    );

    // wait --for=condition: one waiter already running when the status subresource gets the condition, one after.
    let waiter = k.spawn(&["wait", "--for=condition=Available", "deploy/d2", "--timeout=30s"]);
    std::thread::sleep(Duration::from_secs(3));
    let available = r#"{"status":{"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","message":"set by the test","lastTransitionTime":"2026-01-01T00:00:00Z","lastUpdateTime":"2026-01-01T00:00:00Z"}]}}"#;
    for name in ["d2", "web"] {
        let out = k.run(&[
            "patch",
            "deploy",
            name,
            "--subresource=status",
            "--type=merge",
            "-p",
            available,
        ]);
        k.ok(&out, &format!("deployment.apps/{name} patched"));
    }
    let out = waiter.finish(Duration::from_secs(40));
    k.ok(&out, "deployment.apps/d2 condition met");
    let out = k.run(&["wait", "--for=condition=Available=True", "deploy/web", "--timeout=20s"]);
    k.ok(&out, "deployment.apps/web condition met");
    k.jsonpath(&["deploy", "web"], "{.metadata.generation} {.spec.replicas}", "5 5");
    let out = k.run(&["wait", "--for=condition=Progressing", "deploy/web", "--timeout=2s"]);
    k.err(&out, "error: timed out waiting for the condition on deployments/web");
    let out = k.run(&[
        "wait",
        "--for=jsonpath={.spec.replicas}=5",
        "deploy/web",
        "--timeout=20s",
    ]);
    k.ok(&out, "deployment.apps/web condition met");

    // Client-side apply of a Deployment twice: the three-way strategic merge changes the image, removes the
    // ports that left the file and merges env by name.
    let out = k.run_validated(&["apply", "-f", "deploy-apply.yaml"], &[]);
    k.ok(&out, "deployment.apps/api created");
    let edited = std::fs::read_to_string(k.work.join("deploy-apply.yaml"))
        .expect("fixture")
        .replace("nginx:1.27", "nginx:1.28")
        .replace("        ports:\n        - containerPort: 80\n", "")
        .replace("value: blue", "value: green");
    std::fs::write(k.work.join("deploy-apply.yaml"), edited).expect("write fixture");
    let out = k.run_validated(&["apply", "-f", "deploy-apply.yaml"], &[]);
    k.ok(&out, "deployment.apps/api configured");
    k.jsonpath(
        &["deploy", "api"],
        "{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].value} {.spec.template.spec.containers[0].ports} {.metadata.generation}",
        "nginx:1.28 green  2",
    );
    let out = k.run(&["rollout", "restart", "deploy/api"]);
    k.ok(&out, "deployment.apps/api restarted");
    let out = k.run(&["rollout", "pause", "deploy/api"]);
    k.ok(&out, "deployment.apps/api paused");
    k.jsonpath(&["deploy", "api"], "{.spec.paused} {.metadata.generation}", "true 4");

    // Pods that nothing schedules.
    let out = k.run_validated(&["create", "-f", "pod.yaml"], &[]);
    k.ok(&out, "pod/p1 created");
    let out = k.run(&["get", "pods", "-o", "wide"]);
    k.ok(&out, "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES\np1 0/1 Pending 0 1s <none> <none> <none> <none>");
    let out = k.run(&["get", "pods", "--field-selector", "status.phase=Pending,spec.nodeName="]);
    k.ok(&out, "NAME READY STATUS RESTARTS AGE\np1 0/1 Pending 0 1s");
    let out = k.run(&["get", "pods", "--field-selector", "status.phase=Running"]);
    if out.code != 0 || out.stderr.trim() != "No resources found in default namespace." {
        k.fail("expected no Running pods", &out);
    }

    // get -w: the first rows, then each change as another row with the same columns and no new header.
    let watcher = k.spawn(&["get", "deploy", "-w"]);
    wait_for_lines(&watcher, 4);
    let out = k.run(&["label", "deploy", "web", "watched=yes"]);
    k.ok(&out, "deployment.apps/web labeled");
    wait_for_lines(&watcher, 5);
    let out = watcher.finish(Duration::ZERO);
    k.ok(
        &Out { code: 0, ..out },
        "NAME READY UP-TO-DATE AVAILABLE AGE\napi 0/1 0 0 1s\nd2 0/2 0 0 1s\nweb 0/5 0 0 1s\nweb 0/5 0 0 1s",
    );
    let watcher = k.spawn(&["get", "deploy", "web", "-w", "--output-watch-events"]);
    wait_for_lines(&watcher, 2);
    let out = k.run(&["scale", "deploy", "web", "--replicas=1"]);
    k.ok(&out, "deployment.apps/web scaled");
    wait_for_lines(&watcher, 3);
    let out = watcher.finish(Duration::ZERO);
    k.ok(
        &Out { code: 0, ..out },
        "EVENT NAME READY UP-TO-DATE AVAILABLE AGE\nADDED web 0/5 0 0 1s\nMODIFIED web 0/1 0 0 1s",
    );
    let watcher = k.spawn(&["get", "configmaps", "--watch-only", "-o", "name"]);
    std::thread::sleep(Duration::from_secs(4));
    let out = k.run(&["create", "configmap", "wcm", "--from-literal=x=y"]);
    k.ok(&out, "configmap/wcm created");
    wait_for_lines(&watcher, 1);
    let out = watcher.finish(Duration::ZERO);
    k.ok(&Out { code: 0, ..out }, "configmap/wcm");

    // delete --wait: an unscheduled pod goes at once; a deployment is gone when kubectl returns.
    let out = k.run(&["delete", "pod", "p1", "--wait", "--timeout=30s"]);
    k.ok(&out, r#"pod "p1" deleted"#);
    let out = k.run(&["get", "pod", "p1"]);
    k.err(&out, r#"Error from server (NotFound): pods "p1" not found"#);
    let out = k.run(&["delete", "-f", "deploy.yaml", "--wait", "--timeout=30s"]);
    k.ok(&out, r#"deployment.apps "web" deleted"#);
    let out = k.run(&["delete", "-f", "deploy.yaml"]);
    k.err(
        &out,
        r#"Error from server (NotFound): error when deleting "deploy.yaml": deployments.apps "web" not found"#,
    );

    k.finish("kubectl_workloads_and_watch");
}

/// Discovery and schema: api-resources, api-versions, explain, `get all`, version and auth, a CRD and its
/// custom resources, generators of other groups, and strict field validation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_discovery_and_schema() {
    let mut k = Kubectl::start().await;

    let out = k.run(&["api-resources"]);
    let rows = norm(&out.stdout);
    for row in [
        "NAME SHORTNAMES APIVERSION NAMESPACED KIND",
        "configmaps cm v1 true ConfigMap",
        "namespaces ns v1 false Namespace",
        "pods po v1 true Pod",
        "services svc v1 true Service",
        "deployments deploy apps/v1 true Deployment",
        "bindings v1 true Binding",
    ] {
        if out.code != 0 || !rows.lines().any(|l| l == row) {
            k.fail(
                &format!("expected `kubectl api-resources` to have the row `{row}`"),
                &out,
            );
        }
    }
    let out = k.run(&["api-resources", "--api-group=apps", "-o", "name"]);
    k.ok(
        &out,
        "controllerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps",
    );
    let out = k.run(&["api-resources", "--namespaced=false", "-o", "name"]);
    k.ok_contains(
        &out,
        &[
            "\nnamespaces\n",
            "\nnodes\n",
            "\npersistentvolumes\n",
            "clusterroles.rbac.authorization.k8s.io\n",
        ],
    );
    let out = k.run(&["api-versions"]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    if out.code != 0 || lines.last() != Some(&"v1") || !lines.contains(&"apps/v1") || !lines.contains(&"batch/v1") {
        k.fail(
            "expected `kubectl api-versions` to list apps/v1, batch/v1 and, last, v1",
            &out,
        );
    }

    // explain reads /openapi/v3.
    let out = k.run(&["explain", "configmap.data"]);
    k.ok_contains(
        &out,
        &[
            "KIND:       ConfigMap\nVERSION:    v1\n\nFIELD: data <map[string]string>\n",
            "DESCRIPTION:\n",
        ],
    );
    let out = k.run(&["explain", "deployment.spec.replicas"]);
    k.ok_contains(
        &out,
        &["GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n"],
    );
    let out = k.run(&["explain", "pods"]);
    k.ok_contains(
        &out,
        &[
            "KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n",
            "FIELDS:\n",
            "  spec\t<PodSpec>\n",
        ],
    );
    let out = k.run(&["explain", "configmap.nosuchfield"]);
    k.err(&out, r#"error: field "nosuchfield" does not exist"#);

    // Short names and categories.
    let out = k.run(&["get", "all"]);
    k.ok(
        &out,
        "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE\nservice/kubernetes ClusterIP 10.96.0.1 <none> 443/TCP 1s",
    );
    let out = k.run(&["get", "ns", "-o", "name"]);
    k.ok(
        &out,
        "namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system",
    );
    let out = k.run(&["get", "nosuchthings"]);
    k.err(&out, r#"error: the server doesn't have a resource type "nosuchthings""#);

    // version, cluster-info, auth (SelfSubjectAccessReview and SelfSubjectReview bodies have no metadata).
    let out = k.run(&["version"]);
    k.ok_contains(&out, &["Client Version: v1.32.", "Server Version: v1.37."]);
    let out = k.run(&["cluster-info"]);
    k.ok_contains(
        &out,
        &[&format!(
            "Kubernetes control plane is running at https://127.0.0.1:{}",
            k.api.port
        )],
    );
    let out = k.run(&["auth", "can-i", "create", "pods"]);
    k.ok(&out, "yes");
    let out = k.run(&["auth", "can-i", "--list", "-n", "default"]);
    k.ok_contains(&out, &["Resources", "*.*"]);
    let out = k.run(&["auth", "whoami"]);
    k.ok(
        &out,
        "ATTRIBUTE VALUE\nUsername kubernetes-admin\nGroups [system:masters system:authenticated]",
    );
    let out = k.run(&["get", "events", "-A"]);
    if out.code != 0 || out.stderr.trim() != "No resources found" {
        k.fail("expected no events and `No resources found` on stderr", &out);
    }

    // A CustomResourceDefinition: Established, short name, printer columns, OpenAPI for explain, patch types.
    let out = k.run_validated(&["apply", "-f", "crd-widget.yaml"], &[]);
    k.ok(
        &out,
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created",
    );
    let out = k.run(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=30s",
    ]);
    k.ok(
        &out,
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met",
    );
    let out = k.run_validated(&["apply", "-f", "widget.yaml"], &[]);
    k.ok(&out, "widget.example.com/w1 created");
    let out = k.run(&["get", "wd"]);
    k.ok(&out, "NAME SIZE AGE\nw1 3 1s");
    let out = k.run(&["explain", "widget.spec.size"]);
    k.ok_contains(
        &out,
        &[
            "GROUP:      example.com\nKIND:       Widget\nVERSION:    v1\n\nFIELD: size <integer>\n",
            "How big the widget is.",
        ],
    );
    let out = k.run(&["patch", "wd", "w1", "-p", r#"{"spec":{"size":5}}"#]);
    k.err(
        &out,
        "error: application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
    let out = k.run(&["patch", "wd", "w1", "--type=merge", "-p", r#"{"spec":{"size":5}}"#]);
    k.ok(&out, "widget.example.com/w1 patched");
    let out = k.run(&["patch", "wd", "w1", "--type=merge", "-p", r#"{"spec":{"size":"big"}}"#]);
    k.err(
        &out,
        r#"The Widget "w1" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string""#,
    );
    k.jsonpath(&["wd", "w1"], "{.spec.size}", "5");

    // Generators for other groups (protobuf bodies): service accounts, jobs, cronjobs, RBAC.
    let out = k.run(&["create", "serviceaccount", "sa1"]);
    k.ok(&out, "serviceaccount/sa1 created");
    let out = k.run(&["get", "sa", "sa1"]);
    k.ok(&out, "NAME SECRETS AGE\nsa1 0 1s");
    let out = k.run(&["create", "job", "j1", "--image=busybox:1.36", "--", "echo", "hi"]);
    k.ok(&out, "job.batch/j1 created");
    let out = k.run(&["get", "jobs"]);
    k.ok(&out, "NAME STATUS COMPLETIONS DURATION AGE\nj1 Running 0/1 1s");
    let out = k.run(&[
        "create",
        "cronjob",
        "cj1",
        "--image=busybox:1.36",
        "--schedule=*/5 * * * *",
        "--",
        "echo",
        "hi",
    ]);
    k.ok(&out, "cronjob.batch/cj1 created");
    let out = k.run(&["get", "cronjobs"]);
    k.ok(
        &out,
        "NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE\ncj1 */5 * * * * <none> False 0 <none> 1s",
    );
    let out = k.run(&["create", "role", "r1", "--verb=get", "--resource=pods"]);
    k.ok(&out, "role.rbac.authorization.k8s.io/r1 created");
    let out = k.run(&[
        "create",
        "rolebinding",
        "rb1",
        "--role=r1",
        "--serviceaccount=default:sa1",
    ]);
    k.ok(&out, "rolebinding.rbac.authorization.k8s.io/rb1 created");
    let out = k.run(&["get", "rolebinding", "rb1", "-o", "wide"]);
    k.ok(
        &out,
        "NAME ROLE AGE USERS GROUPS SERVICEACCOUNTS\nrb1 Role/r1 1s default/sa1",
    );

    // Strict field validation (server-side, kubectl's default): an unknown field is refused.
    let out = k.run_validated(&["create", "-f", "cm-unknown-field.yaml"], &[]);
    k.err(
        &out,
        r#"Error from server (BadRequest): error when creating "cm-unknown-field.yaml": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec""#,
    );

    k.finish("kubectl_discovery_and_schema");
}
