//! What the fuzz targets run: request-body decoding (JSON, YAML, protobuf) and PATCH application, with the checks that must hold for any input.
//!
//! The targets in `fuzz_targets/` are one-line wrappers around [`decode_body`] and [`patch`], so the same
//! code runs in the unit tests below and over the committed corpus (`cargo test` in `fuzz/`).

use ferrokube_apimachinery::patch::{self, PatchMeta, PatchType};
use ferrokube_apischema::{GroupVersionKind, schema};
use serde_json::{Value, json};

/// The kinds a decode input can name with its first byte (`byte % KINDS.len()`): the common built-ins
/// and a CRD, as `(group, version, kind)`.
pub const KINDS: &[(&str, &str, &str)] = &[
    ("", "v1", "Pod"),
    ("apps", "v1", "Deployment"),
    ("", "v1", "Service"),
    ("", "v1", "ConfigMap"),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
    ("", "v1", "Namespace"),
    ("", "v1", "Secret"),
    ("", "v1", "Node"),
    ("apps", "v1", "StatefulSet"),
    ("apps", "v1", "DaemonSet"),
    ("batch", "v1", "Job"),
    ("batch", "v1", "CronJob"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
    ("networking.k8s.io", "v1", "Ingress"),
    ("", "v1", "PersistentVolumeClaim"),
    ("discovery.k8s.io", "v1", "EndpointSlice"),
];

/// The kind a decode input's first byte selects.
pub fn kind_for(selector: u8) -> GroupVersionKind {
    let (g, v, k) = KINDS[usize::from(selector) % KINDS.len()];
    GroupVersionKind::new(g, v, k)
}

/// The checks a decoded JSON or YAML object goes through in the apiserver: strict-decoding field checks and
/// the protobuf storage encoding, whose output must decode again.
fn check_object(gvk: &GroupVersionKind, v: Value) {
    let _ = ferrokube_apischema::unknown_fields(gvk, &v);
    if let Ok(stored) = ferrokube_apischema::encode(gvk, &v)
        && let Err(e) = ferrokube_apischema::decode(&stored)
    {
        panic!("{gvk}: encoded object does not decode: {e}\nobject: {v}");
    }
}

/// One decode input: `data[0]` picks the kind (see [`KINDS`]), the rest is a request body tried as JSON
/// (with the duplicate-field scan), as a protobuf envelope (whose decoded form must re-encode and decode to
/// the same value) and as YAML. Panics only when one of those invariants breaks.
pub fn decode_body(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let gvk = kind_for(selector);

    let duplicates = ferrokube_apischema::duplicate_fields(body);
    let checked = ferrokube_apischema::parse_json_checked(body, Some(&gvk));
    match (serde_json::from_slice::<Value>(body), checked) {
        (Ok(v), Ok(checked)) => {
            // The checking parser builds serde_json's value and finds what the walk over it finds.
            assert_eq!(
                checked.value, v,
                "the checking parser's value differs from serde_json's"
            );
            assert!(
                !checked.repeated_keys || !duplicates.is_empty(),
                "a repeated key the duplicate scan does not name"
            );
            // (With a repeated key, the parser also reports fields of the value the repeat replaced.)
            if !checked.repeated_keys
                && let Ok(mut walked) = ferrokube_apischema::unknown_fields(&gvk, &v)
            {
                let mut found = checked.unknown_fields;
                found.sort();
                walked.sort();
                found.dedup();
                walked.dedup();
                assert_eq!(
                    found, walked,
                    "unknown fields found while parsing differ from the walk's"
                );
            }
            check_object(&gvk, v);
        }
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "serde_json and the checking parser disagree: {:?} vs {:?}",
            a.err(),
            b.err()
        ),
    }

    let decoded = ferrokube_apischema::decode(body);
    check_json_writer(body, decoded.as_ref().ok().map(|(_, v)| v));
    if let Ok((pgvk, first)) = decoded {
        let again = match ferrokube_apischema::encode(&pgvk, &first) {
            Ok(b) => b,
            Err(e) => panic!("{pgvk}: decoded protobuf does not re-encode: {e}\nobject: {first}"),
        };
        match ferrokube_apischema::decode(&again) {
            Ok((g2, second)) => {
                assert_eq!(g2, pgvk, "kind changed on a protobuf round trip");
                // A present-but-empty pointer message can decode to JSON null (as Go prints it), which encodes
                // back as absent, as Go's JSON decoding of null leaves the pointer nil: compare without nulls.
                assert_eq!(
                    without_nulls(&second),
                    without_nulls(&first),
                    "{pgvk}: protobuf round trip changed the object"
                );
            }
            Err(e) => panic!("{pgvk}: re-encoded protobuf does not decode: {e}\nobject: {first}"),
        }
        let _ = ferrokube_apischema::unknown_fields(&pgvk, &first);
    }

    if let Ok(text) = std::str::from_utf8(body)
        && let Ok(v) = serde_saphyr::from_str::<Value>(text)
    {
        check_object(&gvk, v);
    }
}

/// The one-pass protobuf -> JSON writer prints the decoded value (also with a resourceVersion stamped), with no
/// key twice, and never succeeds where the decoder fails.
fn check_json_writer(body: &[u8], decoded: Option<&Value>) {
    let Some(value) = decoded else {
        assert!(
            ferrokube_apischema::to_json(body, None).is_none(),
            "the JSON writer accepted a body the decoder refuses"
        );
        return;
    };
    let parsed = |json: &[u8]| {
        let dups = ferrokube_apischema::duplicate_fields(json);
        assert!(
            dups.is_empty(),
            "the JSON writer repeated keys {dups:?}: {}",
            String::from_utf8_lossy(json)
        );
        match serde_json::from_slice::<Value>(json) {
            Ok(v) => v,
            Err(e) => panic!(
                "the JSON writer wrote invalid JSON ({e}): {}",
                String::from_utf8_lossy(json)
            ),
        }
    };
    if let Some(json) = ferrokube_apischema::to_json(body, None) {
        assert_eq!(&parsed(&json), value, "the JSON writer differs from the decoder");
    }
    // The Go-order writer for values (the decoder's fallback output, converted objects) prints the same value.
    let mut go = Vec::new();
    ferrokube_apischema::write_go_json(value, &mut go);
    assert_eq!(&parsed(&go), value, "write_go_json changed the value");
    if let Some(json) = ferrokube_apischema::to_json(body, Some("42")) {
        let mut stamped = value.clone();
        ferrokube_apischema::stamp_resource_version(&mut stamped, "42");
        assert_eq!(
            parsed(&json),
            stamped,
            "the JSON writer's resourceVersion stamp differs from the decoder's"
        );
    }
}

/// The objects PATCH requests apply to: a Pod and a Deployment as kubectl would create them and the
/// apiserver would store them (defaults filled in).
pub fn originals() -> [(GroupVersionKind, Value); 2] {
    let container = |name: &str, image: &str, port: i64| {
        json!({
            "name": name,
            "image": image,
            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
            "env": [
                {"name": "MODE", "value": "prod"},
                {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}
            ],
            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m"}},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}, {"name": "cache", "mountPath": "/cache"}],
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent"
        })
    };
    let pod_spec = json!({
        "volumes": [
            {"name": "config", "configMap": {"name": "app-config", "defaultMode": 420}},
            {"name": "cache", "emptyDir": {}}
        ],
        "initContainers": [{"name": "init", "image": "busybox:1.36", "command": ["sh", "-c", "true"]}],
        "containers": [container("app", "nginx:1.27", 80), container("sidecar", "envoy:1.31", 9901)],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "serviceAccountName": "default",
        "securityContext": {"runAsNonRoot": true},
        "schedulerName": "default-scheduler",
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ],
        "imagePullSecrets": [{"name": "registry"}]
    });
    let pod = json!({
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": "web-0",
            "namespace": "default",
            "uid": "6f1d3a52-2c52-4f0e-9a3b-6a2f6e2b0c11",
            "resourceVersion": "1234",
            "creationTimestamp": "2026-01-02T03:04:05Z",
            "labels": {"app": "web", "tier": "frontend"},
            "annotations": {"note": "seed"},
            "finalizers": ["example.com/cleanup"],
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-6d4b", "uid": "0b7c2c7e-1111-4a4a-8b8b-222233334444",
                "controller": true, "blockOwnerDeletion": true
            }]
        },
        "spec": pod_spec.clone(),
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-02T03:04:09Z"}],
            "podIP": "10.244.0.7",
            "podIPs": [{"ip": "10.244.0.7"}]
        }
    });
    let deployment = json!({
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "9c3e1f00-aaaa-4bbb-8ccc-dddddddddddd",
            "resourceVersion": "99",
            "generation": 3,
            "labels": {"app": "web"}
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600
        },
        "status": {
            "observedGeneration": 3,
            "replicas": 3,
            "readyReplicas": 3,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]
        }
    });
    [
        (GroupVersionKind::new("", "v1", "Pod"), pod),
        (GroupVersionKind::new("apps", "v1", "Deployment"), deployment),
    ]
}

/// How a patch input's first byte splits: bits 0-1 the patch type (3 is strategic again, the type with the
/// most code), bit 2 the original (Pod or Deployment).
pub fn patch_selector(selector: u8) -> (PatchType, usize) {
    let kind = match selector & 3 {
        0 => PatchType::Json,
        1 => PatchType::Merge,
        _ => PatchType::Strategic,
    };
    (kind, usize::from((selector >> 2) & 1))
}

/// The first input byte that selects `kind` applied to original `which` (the inverse of [`patch_selector`]).
pub fn patch_selector_byte(kind: PatchType, which: usize) -> u8 {
    let t = match kind {
        PatchType::Json => 0,
        PatchType::Merge => 1,
        PatchType::Strategic => 2,
    };
    t | (u8::from(which == 1) << 2)
}

/// One patch input: `data[0]` per [`patch_selector`], the rest the PATCH body, applied with the kind's
/// schema as patch metadata. A result is then checked as the apiserver would decode and store it.
pub fn patch(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (kind, which) = patch_selector(selector);
    let (gvk, original) = &ORIGINALS[which];
    let meta = schema().kind_of(gvk).map(|m| m as &dyn PatchMeta);
    assert!(meta.is_some(), "no schema for {gvk}");
    if let Ok(patched) = patch::apply(kind, original, body, meta) {
        check_object(gvk, patched);
    }
}

static ORIGINALS: std::sync::LazyLock<[(GroupVersionKind, Value); 2]> = std::sync::LazyLock::new(originals);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_kind_has_a_schema() {
        for (g, v, k) in KINDS {
            assert!(schema().kind(g, v, k).is_some(), "{g}/{v} {k}");
        }
    }

    #[test]
    fn originals_are_valid_objects_of_their_kind() {
        for (gvk, v) in originals() {
            assert_eq!(
                ferrokube_apischema::unknown_fields(&gvk, &v).unwrap(),
                Vec::<String>::new()
            );
            let stored = ferrokube_apischema::encode(&gvk, &v).unwrap();
            assert_eq!(ferrokube_apischema::decode(&stored).unwrap().0, gvk);
        }
    }

    #[test]
    fn selector_bytes_invert() {
        for kind in [PatchType::Json, PatchType::Merge, PatchType::Strategic] {
            for which in 0..2 {
                assert_eq!(patch_selector(patch_selector_byte(kind, which)), (kind, which));
            }
        }
    }

    #[test]
    fn a_strategic_patch_applies_to_the_pod() {
        let body = br#"{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}"#;
        let (gvk, original) = &originals()[0];
        let meta = schema().kind_of(gvk).map(|m| m as &dyn PatchMeta);
        let out = patch::apply(PatchType::Strategic, original, body, meta).unwrap();
        assert_eq!(out["spec"]["containers"][0]["image"], "nginx:1.28");
        assert_eq!(out["spec"]["containers"][1]["name"], "sidecar");
    }

    /// Runs every committed corpus file through the targets: a crash once found and fixed stays fixed.
    #[test]
    fn corpus_inputs_pass() {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut n = 0;
        let mut regressions = 0;
        // `regressions/` holds the inputs of fixed crashes: `cargo fuzz cmin` may drop them from `corpus/`.
        for root in [base.join("corpus"), base.join("regressions")] {
            for (target, run) in [("decode_body", decode_body as fn(&[u8])), ("patch", patch as fn(&[u8]))] {
                let Ok(dir) = std::fs::read_dir(root.join(target)) else {
                    continue;
                };
                for entry in dir.flatten() {
                    let data = std::fs::read(entry.path()).unwrap();
                    run(&data);
                    n += 1;
                    regressions += usize::from(root.ends_with("regressions"));
                }
            }
        }
        assert!(n > 0, "no corpus files under {}", base.display());
        assert!(
            regressions >= 2,
            "the regression inputs under fuzz/regressions/ are missing"
        );
    }
}

/// `v` with object members whose value is null removed, recursively.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), without_nulls(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}
