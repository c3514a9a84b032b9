//! Writes seed inputs for the fuzz targets: realistic objects as JSON, YAML and protobuf envelopes, and
//! kubectl-style patches of all three types. Usage: `cargo run --example gen_seeds [DIR]` (default `corpus`), one file per seed
//! under `DIR/decode_body/` and `DIR/patch/`.

use std::path::{Path, PathBuf};

use ferrokube_apimachinery::patch::PatchType;
use ferrokube_apischema::GroupVersionKind;
use ferrokube_fuzz::{KINDS, originals, patch_selector_byte};
use serde_json::{Value, json};

fn selector_of(gvk: &GroupVersionKind) -> u8 {
    let i = KINDS
        .iter()
        .position(|(g, v, k)| *g == gvk.group && *v == gvk.version && *k == gvk.kind)
        .unwrap_or(0);
    u8::try_from(i).unwrap_or(0)
}

fn objects() -> Vec<(GroupVersionKind, Value)> {
    let mut out: Vec<(GroupVersionKind, Value)> = originals().into_iter().collect();
    let mut add = |g: &str, v: &str, k: &str, body: Value| out.push((GroupVersionKind::new(g, v, k), body));
    add(
        "",
        "v1",
        "Service",
        json!({
            "kind": "Service", "apiVersion": "v1",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "spec": {
                "type": "NodePort",
                "selector": {"app": "web"},
                "ports": [
                    {"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http", "nodePort": 30080},
                    {"name": "metrics", "protocol": "TCP", "port": 9090, "targetPort": 9090}
                ],
                "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                "sessionAffinity": "None", "externalTrafficPolicy": "Cluster"
            },
            "status": {"loadBalancer": {}}
        }),
    );
    add(
        "",
        "v1",
        "ConfigMap",
        json!({
            "kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": "app-config", "namespace": "default", "annotations": {"a": "b"}},
            "data": {"app.properties": "mode=prod\nlevel=info\n", "empty": ""},
            "binaryData": {"blob": "AAECAw=="},
            "immutable": false
        }),
    );
    add(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        json!({
            "kind": "CustomResourceDefinition", "apiVersion": "apiextensions.k8s.io/v1",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList", "shortNames": ["wd"]},
                "scope": "Namespaced",
                "versions": [{
                    "name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "properties": {
                                "size": {"type": "integer", "minimum": 1, "default": 3},
                                "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                            }, "required": ["size"]},
                            "status": {"type": "object", "x-kubernetes-int-or-string": true}
                        }
                    }},
                    "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"}},
                    "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]
                }]
            }
        }),
    );
    add(
        "",
        "v1",
        "Namespace",
        json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
    );
    add(
        "",
        "v1",
        "Secret",
        json!({"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s", "namespace": "default"}, "type": "Opaque", "data": {"password": "c2VjcmV0"}, "stringData": {"user": "admin"}}),
    );
    add(
        "",
        "v1",
        "Node",
        json!({
            "kind": "Node", "apiVersion": "v1", "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"}},
            "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"], "taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]},
            "status": {
                "capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"},
                "allocatable": {"cpu": "1900m", "memory": "7.5Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "2026-01-02T03:04:05Z", "reason": "KubeletReady"}],
                "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
                "nodeInfo": {"kubeletVersion": "v1.37.0", "architecture": "amd64", "operatingSystem": "linux"}
            }
        }),
    );
    add(
        "batch",
        "v1",
        "CronJob",
        json!({
            "kind": "CronJob", "apiVersion": "batch/v1", "metadata": {"name": "nightly", "namespace": "default"},
            "spec": {"schedule": "0 3 * * *", "timeZone": "Etc/UTC", "concurrencyPolicy": "Forbid", "jobTemplate": {"spec": {
                "backoffLimit": 2, "completions": 1, "parallelism": 1,
                "template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "job", "image": "busybox", "args": ["date"]}]}}
            }}}
        }),
    );
    add(
        "networking.k8s.io",
        "v1",
        "Ingress",
        json!({
            "kind": "Ingress", "apiVersion": "networking.k8s.io/v1", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"], "secretName": "tls"}], "rules": [{"host": "a.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
            ]}}]}
        }),
    );
    add(
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        json!({
            "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1", "metadata": {"name": "web-abc", "namespace": "default"},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.244.0.7"], "conditions": {"ready": true, "serving": true, "terminating": false}, "nodeName": "node-1"}],
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]
        }),
    );
    add(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        json!({
            "kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}],
            "aggregationRule": {"clusterRoleSelectors": [{"matchExpressions": [{"key": "k", "operator": "In", "values": ["a"]}]}]}
        }),
    );
    out
}

/// Bodies a strict decoder has to complain about, as the first byte's kind.
fn odd_json_bodies() -> Vec<(u8, Vec<u8>)> {
    vec![
        (0, br#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","name":"b"},"spec":{"containers":[{"name":"c","image":"i","bogus":1}]}}"#.to_vec()),
        (1, br#"{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":"3","template":{"spec":{"containers":null}}},"extra":[1,2,{"x":{}}]}"#.to_vec()),
        (3, br#"{"kind":"ConfigMap","apiVersion":"v1","data":{"k":"v","k":"w"},"metadata":{"labels":{"a\u0000b":"\ud83d\ude00"}}}"#.to_vec()),
        (2, br#"{"kind":"Service","apiVersion":"v1","spec":{"ports":[{"port":1e3,"targetPort":-1,"nodePort":9223372036854775808}]}}"#.to_vec()),
        (0, b"kind: Pod\napiVersion: v1\nmetadata:\n  name: a\n  labels: &l {app: web}\n  annotations: *l\nspec:\n  containers:\n  - name: c\n    image: nginx\n    ports: [{containerPort: 80}]\n".to_vec()),
        (5, b"---\nkind: Namespace\napiVersion: v1\nmetadata: {name: x}\n...\n".to_vec()),
    ]
}

fn patches() -> Vec<(PatchType, usize, Value)> {
    use PatchType::{Json, Merge, Strategic};
    vec![
        // strategic, Pod
        (
            Strategic,
            0,
            json!({"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}),
        ),
        (
            Strategic,
            0,
            json!({"spec": {"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}], "containers": [{"name": "sidecar", "image": "envoy:1.32"}]}}),
        ),
        (
            Strategic,
            0,
            json!({"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}),
        ),
        (
            Strategic,
            0,
            json!({"spec": {"volumes": [{"name": "config", "$retainKeys": ["name", "secret"], "secret": {"secretName": "s"}}]}}),
        ),
        (
            Strategic,
            0,
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/cleanup"], "labels": {"tier": null, "new": "x"}}}),
        ),
        (
            Strategic,
            0,
            json!({"spec": {"containers": [{"name": "app", "env": [{"name": "MODE", "$patch": "delete"}, {"name": "NEW", "value": "1"}], "$setElementOrder/env": [{"name": "NEW"}, {"name": "POD_IP"}]}]}}),
        ),
        (
            Strategic,
            0,
            json!({"spec": {"tolerations": [{"$patch": "replace"}, {"key": "a", "operator": "Exists"}]}}),
        ),
        (
            Strategic,
            0,
            json!({"metadata": {"annotations": {"$patch": "replace", "fresh": "yes"}}}),
        ),
        (
            Strategic,
            0,
            json!({"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 8080, "protocol": "TCP"}], "$setElementOrder/ports": [{"containerPort": 8080}, {"containerPort": 80}]}]}}),
        ),
        (Strategic, 0, json!({"$patch": "delete"})),
        (
            Strategic,
            0,
            json!({"spec": {"containers": [{"$patch": "merge", "name": "app"}], "nodeSelector": null}}),
        ),
        (
            Strategic,
            0,
            json!({"spec": {"containers": [{"name": "app", "resources": {"limits": {"cpu": "1", "memory": null}}, "volumeMounts": [{"mountPath": "/cache", "$patch": "delete"}]}]}}),
        ),
        // strategic, Deployment
        (
            Strategic,
            1,
            json!({"spec": {"replicas": 5, "template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-01-02T03:04:05Z"}}}}}),
        ),
        (
            Strategic,
            1,
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}, "template": {"spec": {"$setElementOrder/containers": [{"name": "app"}], "containers": [{"name": "app", "image": "nginx:1.29"}]}}}}),
        ),
        (
            Strategic,
            1,
            json!({"status": {"conditions": [{"type": "Progressing", "status": "True"}]}, "metadata": {"$setElementOrder/finalizers": ["a", "b"], "finalizers": ["b"]}}),
        ),
        // JSON patch
        (
            Json,
            0,
            json!([{"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:1.28"}]),
        ),
        (
            Json,
            0,
            json!([{"op": "test", "path": "/metadata/labels/app", "value": "web"}, {"op": "remove", "path": "/metadata/labels/tier"}]),
        ),
        (
            Json,
            0,
            json!([{"op": "add", "path": "/metadata/annotations/example.com~1owner", "value": "me"}, {"op": "add", "path": "/spec/tolerations/-", "value": {"key": "x", "operator": "Exists"}}]),
        ),
        (
            Json,
            0,
            json!([{"op": "move", "from": "/spec/containers/1", "path": "/spec/containers/0"}, {"op": "copy", "from": "/metadata/labels", "path": "/metadata/annotations"}]),
        ),
        (
            Json,
            0,
            json!([{"op": "add", "path": "/metadata/labels/a~0b", "value": "tilde"}, {"op": "remove", "path": "/status"}]),
        ),
        (
            Json,
            1,
            json!([{"op": "replace", "path": "/spec/replicas", "value": 0}, {"op": "add", "path": "/spec/paused", "value": true}]),
        ),
        (
            Json,
            1,
            json!([{"op": "add", "path": "", "value": {"kind": "Deployment"}}, {"op": "test", "path": "/kind", "value": "Deployment"}]),
        ),
        // merge patch
        (Merge, 0, json!({"metadata": {"labels": {"tier": null, "env": "prod"}}})),
        (
            Merge,
            0,
            json!({"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}),
        ),
        (
            Merge,
            1,
            json!({"spec": {"replicas": 1, "template": {"spec": {"nodeSelector": null}}}}),
        ),
        (Merge, 1, json!(null)),
    ]
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(name), data)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("corpus"), PathBuf::from);
    let decode_dir = root.join("decode_body");
    let patch_dir = root.join("patch");
    let mut n = 0;
    for (gvk, obj) in objects() {
        let sel = selector_of(&gvk);
        let kind = gvk.kind.to_lowercase();
        let mut json = vec![sel];
        json.extend(serde_json::to_vec(&obj)?);
        write(&decode_dir, &format!("seed-{kind}.json"), &json)?;
        let mut yaml = vec![sel];
        yaml.extend(serde_saphyr::to_string(&obj)?.into_bytes());
        write(&decode_dir, &format!("seed-{kind}.yaml"), &yaml)?;
        let mut pb = vec![sel];
        pb.extend(ferrokube_apischema::encode(&gvk, &obj)?);
        write(&decode_dir, &format!("seed-{kind}.pb"), &pb)?;
        n += 3;
    }
    for (i, (sel, body)) in odd_json_bodies().into_iter().enumerate() {
        let mut data = vec![sel];
        data.extend(body);
        write(&decode_dir, &format!("seed-odd-{i}"), &data)?;
        n += 1;
    }
    for (i, (kind, which, body)) in patches().into_iter().enumerate() {
        let mut data = vec![patch_selector_byte(kind, which)];
        data.extend(serde_json::to_vec(&body)?);
        let tag = match kind {
            PatchType::Json => "json",
            PatchType::Merge => "merge",
            PatchType::Strategic => "strategic",
        };
        write(&patch_dir, &format!("seed-{tag}-{i}"), &data)?;
        n += 1;
    }
    println!("wrote {n} seeds under {}", root.display());
    Ok(())
}
