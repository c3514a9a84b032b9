//! Pods on a real containerd through the kubelet binary: init containers, a native sidecar and a main
//! container reach Ready; exit codes drive the phase by restart policy; a missing image with
//! `imagePullPolicy: Never` waits with ErrImageNeverPull; a crashing container goes into
//! CrashLoopBackOff; the environment (values, `$(VAR)`, fieldRefs, ConfigMap keys) reaches the process;
//! a kubelet killed with SIGKILL is replaced and adopts the running pod without restarting it; deleting a
//! pod stops it and the kubelet removes it from the API.

mod common;

use std::time::Duration;

use ferrokube_images::BUSYBOX_IMAGE;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod};
use kube::Api;
use kube::api::{DeleteParams, PostParams};
use serde_json::json;

fn pod(name: &str, node: &str, spec: serde_json::Value) -> Pod {
    let mut spec = spec;
    spec["nodeName"] = json!(node);
    spec["terminationGracePeriodSeconds"] = json!(2);
    serde_json::from_value(json!({"metadata": {"name": name, "namespace": "default"}, "spec": spec})).unwrap()
}

fn phase(p: &Pod) -> &str {
    p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

fn condition(p: &Pod, kind: &str) -> String {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == kind))
        .map(|c| c.status.clone())
        .unwrap_or_default()
}

async fn wait_for(c: &common::Cluster, pods: &Api<Pod>, name: &str, what: &str, f: impl Fn(&Pod) -> bool) -> Pod {
    c.wait(Duration::from_secs(30), &format!("pod {name}: {what}"), || async {
        pods.get_opt(name).await.ok().flatten().filter(|p| f(p))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_run_report_restart_survive_a_kubelet_crash_and_terminate() {
    let mut c = common::Cluster::start("", &[]).await;
    let node = c.name.clone();
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    let cms: Api<ConfigMap> = Api::namespaced(c.client.clone(), "default");
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "settings"}, "data": {"color": "blue"}})).unwrap(),
    )
    .await
    .unwrap();

    // Init container, native sidecar, main container; environment from values, fields and a ConfigMap.
    let web = pod(
        "web",
        &node,
        json!({
            "initContainers": [
                {"name": "setup", "image": BUSYBOX_IMAGE, "command": ["sh", "-c", "exit 0"]},
                {"name": "sidecar", "image": BUSYBOX_IMAGE, "restartPolicy": "Always", "command": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]}
            ],
            "containers": [{
                "name": "main", "image": BUSYBOX_IMAGE,
                "command": ["sh", "-c", "echo $(GREETING) $POD_NAME $COLOR pid=$$$$; trap 'exit 0' TERM; while :; do sleep 1; done"],
                "env": [
                    {"name": "WHO", "value": "world"},
                    {"name": "GREETING", "value": "hello-$(WHO)"},
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "color"}}}
                ]
            }]
        }),
    );
    pods.create(&PostParams::default(), &web).await.unwrap();
    let running = wait_for(&c, &pods, "web", "Running and Ready", |p| {
        phase(p) == "Running" && condition(p, "Ready") == "True"
    })
    .await;
    let status = running.status.clone().unwrap();
    let ip = status.pod_ip.clone().unwrap_or_default();
    assert!(ip.starts_with("10.100."), "pod IP {ip}");
    assert_eq!(status.host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(status.qos_class.as_deref(), Some("BestEffort"));
    for kind in [
        "PodScheduled",
        "PodReadyToStartContainers",
        "Initialized",
        "ContainersReady",
    ] {
        assert_eq!(condition(&running, kind), "True", "{kind}");
    }
    let inits = status.init_container_statuses.clone().unwrap();
    let setup = inits[0]
        .state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .expect("setup ran to completion");
    assert_eq!((setup.exit_code, setup.reason.as_deref()), (0, Some("Completed")));
    assert!(
        inits[1].state.as_ref().unwrap().running.is_some(),
        "the sidecar keeps running"
    );
    let main = &status.container_statuses.clone().unwrap()[0];
    assert!(main.state.as_ref().unwrap().running.is_some());
    assert_eq!(main.restart_count, 0);
    let main_id = main.container_id.clone().unwrap();
    assert!(main_id.starts_with("containerd://"), "{main_id}");
    let uid = running.metadata.uid.clone().unwrap();
    let log = c.dir.path().join(format!("logs/default_web_{uid}/main/0.log"));
    let text = c
        .wait(Duration::from_secs(10), "the container's log", || async {
            std::fs::read_to_string(&log).ok().filter(|t| t.contains("hello"))
        })
        .await;
    // `$$$$` is `$$` for the shell once the kubelet expands it: the main process is PID 1 of its own
    // PID namespace.
    assert!(text.contains("stdout F hello-world web blue pid=1"), "{text}");

    // Exit codes and restart policies.
    pods.create(&PostParams::default(), &pod("fails", &node, json!({"restartPolicy": "Never", "containers": [{"name": "c", "image": BUSYBOX_IMAGE, "command": ["sh", "-c", "exit 3"]}]})))
        .await
        .unwrap();
    pods.create(&PostParams::default(), &pod("succeeds", &node, json!({"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": BUSYBOX_IMAGE, "command": ["true"]}]})))
        .await
        .unwrap();
    pods.create(
        &PostParams::default(),
        &pod(
            "crashes",
            &node,
            json!({"containers": [{"name": "c", "image": BUSYBOX_IMAGE, "command": ["sh", "-c", "exit 1"]}]}),
        ),
    )
    .await
    .unwrap();
    pods.create(
        &PostParams::default(),
        &pod(
            "noimage",
            &node,
            json!({"containers": [{"name": "c", "image": "ferrokube.local/absent:1", "imagePullPolicy": "Never"}]}),
        ),
    )
    .await
    .unwrap();
    let failed = wait_for(&c, &pods, "fails", "Failed", |p| phase(p) == "Failed").await;
    let t = failed.status.unwrap().container_statuses.unwrap()[0]
        .state
        .clone()
        .unwrap()
        .terminated
        .unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref()), (3, Some("Error")));
    wait_for(&c, &pods, "succeeds", "Succeeded", |p| phase(p) == "Succeeded").await;
    let waiting_reason = |p: &Pod| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|s| s[0].state.as_ref())
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone())
            .unwrap_or_default()
    };
    let crashing = wait_for(&c, &pods, "crashes", "CrashLoopBackOff", |p| {
        waiting_reason(p) == "CrashLoopBackOff"
    })
    .await;
    let cs = &crashing.status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0];
    assert_eq!(
        cs.last_state.as_ref().unwrap().terminated.as_ref().unwrap().exit_code,
        1
    );
    assert_eq!(
        phase(&crashing),
        "Running",
        "a container waiting to restart keeps the pod Running"
    );
    // Dead containers are collected but the newest per container name.
    let crash_uid = crashing.metadata.uid.clone().unwrap();
    let filter = format!("labels.\"io.kubernetes.pod.uid\"=={crash_uid},labels.\"io.kubernetes.container.name\"==c");
    c.wait(Duration::from_secs(10), "one dead container kept", || async {
        let left = c.runtime.ctr(&["containers", "ls", "-q", &filter]).unwrap_or_default();
        (left.lines().filter(|l| !l.trim().is_empty()).count() == 1).then_some(())
    })
    .await;
    let noimage = wait_for(&c, &pods, "noimage", "ErrImageNeverPull", |p| {
        waiting_reason(p) == "ErrImageNeverPull"
    })
    .await;
    assert_eq!(phase(&noimage), "Pending");

    // A kubelet crash leaves the containers alone; the next kubelet adopts them.
    c.kill_kubelet();
    tokio::time::sleep(Duration::from_secs(1)).await;
    c.start_kubelet();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = pods.get("web").await.unwrap();
    let main = &after.status.unwrap().container_statuses.unwrap()[0];
    assert_eq!(
        main.container_id.as_deref(),
        Some(main_id.as_str()),
        "the same container"
    );
    assert_eq!(main.restart_count, 0);
    assert!(main.state.as_ref().unwrap().running.is_some());

    // Deletion: the kubelet stops the pod and deletes it from the API.
    pods.delete("web", &DeleteParams::default()).await.unwrap();
    c.wait(Duration::from_secs(30), "web deleted by the kubelet", || async {
        matches!(pods.get_opt("web").await, Ok(None)).then_some(())
    })
    .await;
    let filter = format!("labels.\"io.kubernetes.pod.uid\"=={uid}");
    let left = c.runtime.ctr(&["containers", "ls", "-q", &filter]).unwrap();
    assert!(
        left.trim().is_empty(),
        "the deleted pod's containers and sandbox are removed: {left}"
    );
    // The filter finds the pods that remain.
    let failed_uid = pods.get("fails").await.unwrap().metadata.uid.unwrap();
    let filter = format!("labels.\"io.kubernetes.pod.uid\"=={failed_uid}");
    assert!(
        !c.runtime
            .ctr(&["containers", "ls", "-q", &filter])
            .unwrap()
            .trim()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_drive_readiness_and_restarts() {
    let c = common::Cluster::start("", &[]).await;
    let node = c.name.clone();
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    let serve = "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www";
    // Ready once its HTTP readiness probe passes.
    pods.create(
        &PostParams::default(),
        &pod(
            "http",
            &node,
            json!({"containers": [{"name": "web", "image": BUSYBOX_IMAGE, "command": ["sh", "-c", serve],
                "ports": [{"name": "http", "containerPort": 8080}],
                "readinessProbe": {"httpGet": {"path": "/index.html", "port": "http"}, "periodSeconds": 1}}]}),
        ),
    )
    .await
    .unwrap();
    // Never ready: nothing listens on the probed port.
    pods.create(
        &PostParams::default(),
        &pod(
            "closed",
            &node,
            json!({"containers": [{"name": "c", "image": BUSYBOX_IMAGE, "command": ["sh", "-c", "exec sleep 3600"],
                "readinessProbe": {"tcpSocket": {"port": 9999}, "periodSeconds": 1}}]}),
        ),
    )
    .await
    .unwrap();
    // Its liveness file disappears after 2 s: killed after two failed probes, then restarted.
    pods.create(
        &PostParams::default(),
        &pod(
            "live",
            &node,
            json!({"containers": [{"name": "c", "image": BUSYBOX_IMAGE,
                "command": ["sh", "-c", "touch /tmp/alive; (sleep 2; rm /tmp/alive) & exec sleep 3600"],
                "livenessProbe": {"exec": {"command": ["cat", "/tmp/alive"]}, "periodSeconds": 1, "failureThreshold": 2}}]}),
        ),
    )
    .await
    .unwrap();

    let ready = wait_for(&c, &pods, "http", "Ready", |p| condition(p, "Ready") == "True").await;
    assert_eq!(phase(&ready), "Running");
    let restarted = wait_for(&c, &pods, "live", "restarted by its liveness probe", |p| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .is_some_and(|s| s[0].restart_count >= 1)
    })
    .await;
    let cs = &restarted.status.unwrap().container_statuses.unwrap()[0];
    assert!(cs.last_state.as_ref().unwrap().terminated.is_some(), "{cs:?}");
    let closed = pods.get("closed").await.unwrap();
    assert_eq!(phase(&closed), "Running");
    assert_eq!(condition(&closed, "Ready"), "False");
    let ready_condition = closed
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "ContainersReady").cloned())
        .unwrap();
    assert_eq!(ready_condition.reason.as_deref(), Some("ContainersNotReady"));
    assert_eq!(
        ready_condition.message.as_deref(),
        Some("containers with unready status: [c]")
    );
    let cs = &closed.status.unwrap().container_statuses.unwrap()[0];
    assert!(!cs.ready);
    assert_eq!(cs.started, Some(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volumes_share_files_and_follow_their_sources() {
    use k8s_openapi::api::core::v1::Secret;
    let c = common::Cluster::start("", &[]).await;
    let node = c.name.clone();
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    let cms: Api<ConfigMap> = Api::namespaced(c.client.clone(), "default");
    let secrets: Api<Secret> = Api::namespaced(c.client.clone(), "default");
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "app-config"}, "data": {"greeting": "hello"}})).unwrap(),
    )
    .await
    .unwrap();
    secrets
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "app-secret"}, "data": {"token": "czNjcmV0"}}))
                .unwrap(),
        )
        .await
        .unwrap();
    let host_dir = c.dir.path().join("host-volume");
    let report = "while :; do echo \"msg=$(cat /shared/msg 2>/dev/null) cfg=$(cat /cfg/conf/greeting.txt) \
                  sec=$(cat /sec/token) name=$(cat /info/name) app=$(cat /info/labels) \
                  mem=$(df /mem | tail -1 | cut -d' ' -f1)\"; sleep 1; done";
    pods.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": {"name": "vols", "namespace": "default", "labels": {"app": "demo"}},
            "spec": {
                "nodeName": node,
                "terminationGracePeriodSeconds": 1,
                "volumes": [
                    {"name": "shared", "emptyDir": {}},
                    {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
                    {"name": "cfg", "configMap": {"name": "app-config", "items": [{"key": "greeting", "path": "conf/greeting.txt"}]}},
                    {"name": "sec", "secret": {"secretName": "app-secret", "defaultMode": 256}},
                    {"name": "info", "downwardAPI": {"items": [
                        {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
                        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}
                    ]}},
                    {"name": "host", "hostPath": {"path": host_dir, "type": "DirectoryOrCreate"}}
                ],
                "containers": [
                    {"name": "writer", "image": BUSYBOX_IMAGE,
                     "command": ["sh", "-c", "echo from-writer > /shared/msg; echo on-the-node > /host/out; exec sleep 3600"],
                     "volumeMounts": [{"name": "shared", "mountPath": "/shared"}, {"name": "host", "mountPath": "/host"}]},
                    {"name": "reader", "image": BUSYBOX_IMAGE, "command": ["sh", "-c", report],
                     "volumeMounts": [
                        {"name": "shared", "mountPath": "/shared", "readOnly": true},
                        {"name": "mem", "mountPath": "/mem"},
                        {"name": "cfg", "mountPath": "/cfg"},
                        {"name": "sec", "mountPath": "/sec"},
                        {"name": "info", "mountPath": "/info"}
                     ]}
                ]
            }
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    let running = wait_for(&c, &pods, "vols", "Running", |p| phase(p) == "Running").await;
    let uid = running.metadata.uid.unwrap();
    let log = c.dir.path().join(format!("logs/default_vols_{uid}/reader/0.log"));
    let read_log = || async { std::fs::read_to_string(&log).ok() };
    c.wait(Duration::from_secs(20), "the reader sees every volume", || async {
        read_log()
            .await
            .filter(|t| t.contains("msg=from-writer cfg=hello sec=s3cret name=vols app=app=\"demo\" mem=tmpfs"))
    })
    .await;
    assert_eq!(std::fs::read_to_string(host_dir.join("out")).unwrap(), "on-the-node\n");
    let secret_file = c
        .dir
        .path()
        .join(format!("root/pods/{uid}/volumes/kubernetes.io~secret/sec/..data/token"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&secret_file).unwrap().permissions().mode() & 0o777,
        0o400,
        "defaultMode 0400"
    );

    // A ConfigMap update reaches the running pod (the kubelet rewrites the volume within a sync period).
    let mut cm = cms.get("app-config").await.unwrap();
    cm.data.as_mut().unwrap().insert("greeting".into(), "bonjour".into());
    cms.replace("app-config", &PostParams::default(), &cm).await.unwrap();
    c.wait(
        Duration::from_secs(30),
        "the reader sees the updated ConfigMap",
        || async { read_log().await.filter(|t| t.contains("cfg=bonjour")) },
    )
    .await;

    // Deleting the pod removes its volumes, tmpfs included.
    pods.delete("vols", &DeleteParams::default()).await.unwrap();
    c.wait(Duration::from_secs(30), "vols deleted", || async {
        matches!(pods.get_opt("vols").await, Ok(None)).then_some(())
    })
    .await;
    assert!(
        !c.dir.path().join(format!("root/pods/{uid}")).exists(),
        "the pod's directory is removed"
    );

    // A PersistentVolumeClaim bound to a hostPath PersistentVolume: the pod writes through it to the host.
    // (No controller binds claims yet: the test binds both sides as the PV controller would.)
    let store = c.dir.path().join("pv-data");
    std::fs::create_dir_all(&store).unwrap();
    let pvs: Api<PersistentVolume> = Api::all(c.client.clone());
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(c.client.clone(), "default");
    let claim = pvcs
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "data"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "volumeName": "pv-data",
                "resources": {"requests": {"storage": "1Gi"}},
            }}))
            .unwrap(),
        )
        .await
        .unwrap();
    pvs.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "pv-data"}, "spec": {
            "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": store.to_str().unwrap(), "type": "Directory"},
            "claimRef": {"namespace": "default", "name": "data", "uid": claim.metadata.uid},
        }}))
        .unwrap(),
    )
    .await
    .unwrap();
    let claimer = pod(
        "claimer",
        &node,
        json!({
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
            "containers": [{"name": "main", "image": BUSYBOX_IMAGE,
                "command": ["sh", "-c", "echo persisted > /data/out && exec sleep 3600"],
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
        }),
    );
    pods.create(&PostParams::default(), &claimer).await.unwrap();
    wait_for(&c, &pods, "claimer", "waits for its unbound claim", |p| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|cs| cs[0].state.as_ref()?.waiting.as_ref()?.message.clone())
            .is_some_and(|m| m.contains("PVC default/data is not bound"))
    })
    .await;
    pvcs.patch_status(
        "data",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(json!({"status": {"phase": "Bound"}})),
    )
    .await
    .unwrap();
    c.wait(Duration::from_secs(30), "the pod wrote through its claim", || async {
        std::fs::read_to_string(store.join("out"))
            .ok()
            .filter(|t| t == "persisted\n")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prestop_hooks_run_and_deadlines_fail_pods() {
    let c = common::Cluster::start("clusterDomain: cluster.local\n", &[]).await;
    let node = c.name.clone();
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    let host_dir = c.dir.path().join("hooks");
    pods.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": {"name": "hooked", "namespace": "default"},
            "spec": {
                "nodeName": node,
                "terminationGracePeriodSeconds": 10,
                "volumes": [{"name": "out", "hostPath": {"path": host_dir, "type": "DirectoryOrCreate"}}],
                "containers": [{
                    "name": "c", "image": BUSYBOX_IMAGE,
                    "command": ["sh", "-c", "trap 'echo term >> /out/log; exit 0' TERM; while :; do sleep 1; done"],
                    "volumeMounts": [{"name": "out", "mountPath": "/out"}],
                    "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "echo prestop >> /out/log"]}}}
                }]
            }
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    pods.create(
        &PostParams::default(),
        &pod(
            "deadline",
            &node,
            json!({"activeDeadlineSeconds": 2, "containers": [{"name": "c", "image": BUSYBOX_IMAGE, "command": ["sleep", "3600"]}]}),
        ),
    )
    .await
    .unwrap();
    // The kubelet's /etc/hosts and the pod's host name.
    pods.create(
        &PostParams::default(),
        &pod(
            "named",
            &node,
            json!({"hostname": "h1", "subdomain": "sub",
                   "hostAliases": [{"ip": "10.1.2.3", "hostnames": ["foo.local"]}],
                   "containers": [{"name": "c", "image": BUSYBOX_IMAGE, "command": ["sh", "-c", "cat /etc/hosts; echo host=$(hostname); exec sleep 3600"]}]}),
        ),
    )
    .await
    .unwrap();
    let named = wait_for(&c, &pods, "named", "Running", |p| phase(p) == "Running").await;
    let ip = named.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap();
    let log = c
        .dir
        .path()
        .join(format!("logs/default_named_{}/c/0.log", named.metadata.uid.unwrap()));
    let text = c
        .wait(Duration::from_secs(10), "named's output", || async {
            std::fs::read_to_string(&log).ok().filter(|t| t.contains("host="))
        })
        .await;
    assert!(
        text.contains(&format!("stdout F {ip}\th1.sub.default.svc.cluster.local\th1")),
        "{text}"
    );
    assert!(text.contains("stdout F 10.1.2.3\tfoo.local"), "{text}");
    assert!(text.contains("stdout F host=h1"), "{text}");

    wait_for(&c, &pods, "hooked", "Running", |p| phase(p) == "Running").await;
    pods.delete("hooked", &DeleteParams::default()).await.unwrap();
    c.wait(Duration::from_secs(30), "hooked deleted", || async {
        matches!(pods.get_opt("hooked").await, Ok(None)).then_some(())
    })
    .await;
    // The hook ran first, then SIGTERM reached the container.
    assert_eq!(
        std::fs::read_to_string(host_dir.join("log")).unwrap(),
        "prestop\nterm\n"
    );

    // runAsNonRoot: refused for an image that runs as root, fine with a non-root runAsUser (and a
    // RuntimeDefault seccomp profile).
    pods.create(
        &PostParams::default(),
        &pod(
            "rootless",
            &node,
            json!({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "c", "image": BUSYBOX_IMAGE, "command": ["sleep", "3600"]}]}),
        ),
    )
    .await
    .unwrap();
    pods.create(
        &PostParams::default(),
        &pod(
            "nobody",
            &node,
            json!({"securityContext": {"runAsNonRoot": true, "runAsUser": 65534, "fsGroup": 2000, "seccompProfile": {"type": "RuntimeDefault"}},
                   "volumes": [{"name": "data", "emptyDir": {}}],
                   "containers": [{"name": "c", "image": BUSYBOX_IMAGE, "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                                   "command": ["sh", "-c", "echo uid=$(id -u) groups=$(id -G) data=$(stat -c %g /data) write=$(touch /data/f && echo ok); exec sleep 3600"]}]}),
        ),
    )
    .await
    .unwrap();
    let rootless = wait_for(&c, &pods, "rootless", "CreateContainerConfigError", |p| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|s| s[0].state.as_ref())
            .and_then(|s| s.waiting.as_ref())
            .is_some_and(|w| w.reason.as_deref() == Some("CreateContainerConfigError"))
    })
    .await;
    let waiting = rootless.status.unwrap().container_statuses.unwrap()[0]
        .state
        .clone()
        .unwrap()
        .waiting
        .unwrap();
    assert!(
        waiting
            .message
            .as_deref()
            .unwrap_or("")
            .starts_with("container has runAsNonRoot and image will run as root"),
        "{waiting:?}"
    );
    let nobody = wait_for(&c, &pods, "nobody", "Running", |p| phase(p) == "Running").await;
    let log = c
        .dir
        .path()
        .join(format!("logs/default_nobody_{}/c/0.log", nobody.metadata.uid.unwrap()));
    c.wait(
        Duration::from_secs(10),
        "uid, fsGroup and a writable volume in the log",
        || async {
            std::fs::read_to_string(&log)
                .ok()
                .filter(|t| t.contains("stdout F uid=65534 groups=65534 2000 data=2000 write=ok"))
        },
    )
    .await;

    // Termination messages: the file the container wrote, or the end of its log on failure.
    for (name, spec) in [
        (
            "message",
            json!({"restartPolicy": "Never", "containers": [{"name": "c", "image": BUSYBOX_IMAGE,
            "command": ["sh", "-c", "echo 'disk full' > /dev/termination-log; exit 2"]}]}),
        ),
        (
            "fallback",
            json!({"restartPolicy": "Never", "containers": [{"name": "c", "image": BUSYBOX_IMAGE,
            "terminationMessagePolicy": "FallbackToLogsOnError", "command": ["sh", "-c", "echo first; echo oops; exit 3"]}]}),
        ),
        (
            "poststart",
            json!({"restartPolicy": "Never", "containers": [{"name": "c", "image": BUSYBOX_IMAGE,
            "command": ["sh", "-c", "exec sleep 3600"], "lifecycle": {"postStart": {"exec": {"command": ["false"]}}}}]}),
        ),
    ] {
        pods.create(&PostParams::default(), &pod(name, &node, spec))
            .await
            .unwrap();
    }
    let terminated = |p: &Pod| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|s| s[0].state.clone())
            .and_then(|s| s.terminated)
    };
    let message = wait_for(&c, &pods, "message", "Failed", |p| phase(p) == "Failed").await;
    assert_eq!(terminated(&message).unwrap().message.as_deref(), Some("disk full\n"));
    let fallback = wait_for(&c, &pods, "fallback", "Failed", |p| phase(p) == "Failed").await;
    assert_eq!(terminated(&fallback).unwrap().message.as_deref(), Some("first\noops"));
    // A failing postStart hook kills the container; with restartPolicy Never the pod fails.
    let poststart = wait_for(&c, &pods, "poststart", "Failed", |p| phase(p) == "Failed").await;
    assert_ne!(terminated(&poststart).unwrap().exit_code, 0);

    let failed = wait_for(&c, &pods, "deadline", "Failed by its deadline", |p| {
        phase(p) == "Failed"
    })
    .await;
    let status = failed.status.unwrap();
    assert_eq!(status.reason.as_deref(), Some("DeadlineExceeded"));
    assert_eq!(
        status.message.as_deref(),
        Some("Pod was active on the node longer than the specified deadline")
    );
}
