use serde_json::{Value, json};

use super::*;
use crate::patch::{FieldPatch, PatchType};

/// A struct type of the test schema: fields by JSON name.
struct Table(&'static [Field]);

struct Field {
    name: &'static str,
    kind: FieldKind,
    strategy: PatchStrategy,
    merge_key: Option<&'static str>,
    schema: Option<&'static Table>,
}

const fn f(name: &'static str, kind: FieldKind) -> Field {
    Field {
        name,
        kind,
        strategy: PatchStrategy::NONE,
        merge_key: None,
        schema: None,
    }
}

const fn obj(name: &'static str, schema: &'static Table) -> Field {
    Field {
        schema: Some(schema),
        ..f(name, FieldKind::Object)
    }
}

const fn list(
    name: &'static str,
    strategy: PatchStrategy,
    merge_key: Option<&'static str>,
    schema: Option<&'static Table>,
) -> Field {
    Field {
        name,
        kind: FieldKind::List,
        strategy,
        merge_key,
        schema,
    }
}

impl PatchMeta for Table {
    fn field(&self, json_name: &str) -> Option<FieldPatch<'_>> {
        self.0.iter().find(|f| f.name == json_name).map(|f| FieldPatch {
            kind: f.kind,
            strategy: f.strategy,
            merge_key: f.merge_key,
            schema: f.schema.map(|t| t as &dyn PatchMeta),
        })
    }
}

use FieldKind::{Map as MapKind, Primitive};

static POD: Table = Table(&[
    f("apiVersion", Primitive),
    f("kind", Primitive),
    obj("metadata", &META),
    obj("spec", &SPEC),
]);
static META: Table = Table(&[
    f("name", Primitive),
    f("namespace", Primitive),
    f("labels", MapKind),
    f("annotations", MapKind),
    list("finalizers", PatchStrategy::MERGE, None, None),
    list("ownerReferences", PatchStrategy::MERGE, Some("uid"), Some(&OWNER_REF)),
]);
static OWNER_REF: Table = Table(&[f("uid", Primitive), f("name", Primitive), f("kind", Primitive)]);
static SPEC: Table = Table(&[
    list("containers", PatchStrategy::MERGE, Some("name"), Some(&CONTAINER)),
    list("volumes", PatchStrategy::MERGE_RETAIN_KEYS, Some("name"), Some(&VOLUME)),
    list("tolerations", PatchStrategy::NONE, None, Some(&TOLERATION)),
    f("nodeSelector", MapKind),
    f("restartPolicy", Primitive),
    obj("securityContext", &SECURITY_CONTEXT),
]);
static SECURITY_CONTEXT: Table = Table(&[f("runAsUser", Primitive), f("runAsGroup", Primitive)]);
static CONTAINER: Table = Table(&[
    f("name", Primitive),
    f("image", Primitive),
    list("args", PatchStrategy::NONE, None, None),
    list("ports", PatchStrategy::MERGE, Some("containerPort"), Some(&PORT)),
    list("env", PatchStrategy::MERGE, Some("name"), Some(&ENV)),
    obj("resources", &RESOURCES),
]);
static PORT: Table = Table(&[
    f("containerPort", Primitive),
    f("protocol", Primitive),
    f("name", Primitive),
]);
static ENV: Table = Table(&[f("name", Primitive), f("value", Primitive)]);
static RESOURCES: Table = Table(&[f("limits", MapKind), f("requests", MapKind)]);
static VOLUME: Table = Table(&[
    f("name", Primitive),
    obj("configMap", &CONFIG_MAP_SOURCE),
    obj("emptyDir", &EMPTY_DIR),
    obj("secret", &SECRET_SOURCE),
]);
static CONFIG_MAP_SOURCE: Table = Table(&[f("name", Primitive), f("optional", Primitive)]);
static SECRET_SOURCE: Table = Table(&[f("secretName", Primitive)]);
static EMPTY_DIR: Table = Table(&[f("medium", Primitive), f("sizeLimit", Primitive)]);
static TOLERATION: Table = Table(&[f("key", Primitive), f("operator", Primitive), f("effect", Primitive)]);

fn pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web",
            "labels": {"app": "web", "tier": "fe"},
            "finalizers": ["a.example.com/f", "b.example.com/f"]
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "app:v1",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
                },
                {"name": "sidecar", "image": "proxy:v1"}
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "tolerations": [{"key": "k1", "operator": "Exists"}],
            "restartPolicy": "Always"
        }
    })
}

fn smp(original: &Value, patch: Value) -> Value {
    apply(original, patch.to_string().as_bytes(), &POD).unwrap_or_else(|e| panic!("patch {patch} failed: {e}"))
}

fn smp_err(original: &Value, patch: Value) -> StrategicPatchError {
    apply(original, patch.to_string().as_bytes(), &POD).expect_err("patch should fail")
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["name"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

// `kubectl patch --type=strategic`.

#[test]
fn adding_a_container_puts_it_before_server_only_containers() {
    let out = smp(
        &pod(),
        json!({"spec": {"containers": [{"name": "debug", "image": "busybox"}]}}),
    );
    // Upstream orders patch elements that the live list does not know ahead of it.
    assert_eq!(names(&out["spec"]["containers"]), ["debug", "app", "sidecar"]);
    assert_eq!(
        out["spec"]["containers"][0],
        json!({"name": "debug", "image": "busybox"})
    );
    assert_eq!(out["spec"]["containers"][1], pod()["spec"]["containers"][0]);
}

#[test]
fn changing_one_container_image_keeps_the_others() {
    let out = smp(
        &pod(),
        json!({"spec": {"containers": [{"name": "sidecar", "image": "proxy:v2"}]}}),
    );
    let mut want = pod();
    want["spec"]["containers"][1]["image"] = json!("proxy:v2");
    assert_eq!(out, want);
}

#[test]
fn nested_merge_lists_merge_by_their_own_keys() {
    let out = smp(
        &pod(),
        json!({"spec": {"containers": [{
            "name": "app",
            "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 443}],
            "env": [{"name": "B", "value": "20"}]
        }]}}),
    );
    let app = &out["spec"]["containers"][0];
    assert_eq!(
        app["ports"],
        json!([{"containerPort": 80, "protocol": "TCP", "name": "http"}, {"containerPort": 443}])
    );
    assert_eq!(
        app["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "20"}])
    );
}

#[test]
fn patch_delete_removes_a_list_element() {
    let out = smp(
        &pod(),
        json!({"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}),
    );
    assert_eq!(names(&out["spec"]["containers"]), ["app"]);
    let out = smp(
        &pod(),
        json!({"spec": {"containers": [{"name": "app", "env": [{"name": "A", "$patch": "delete"}]}]}}),
    );
    assert_eq!(
        out["spec"]["containers"][0]["env"],
        json!([{"name": "B", "value": "2"}])
    );
}

#[test]
fn patch_replace_on_a_list_replaces_it() {
    let out = smp(
        &pod(),
        json!({"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}}),
    );
    assert_eq!(out["spec"]["containers"], json!([{"name": "only", "image": "x"}]));
}

#[test]
fn patch_replace_and_delete_on_a_map() {
    let out = smp(
        &pod(),
        json!({"metadata": {"labels": {"$patch": "replace", "new": "1"}}}),
    );
    assert_eq!(out["metadata"]["labels"], json!({"new": "1"}));
    let out = smp(&pod(), json!({"metadata": {"labels": {"$patch": "delete"}}}));
    assert_eq!(out["metadata"]["labels"], json!({}));
    let out = smp(&pod(), json!({"$patch": "replace", "kind": "Pod"}));
    assert_eq!(out, json!({"kind": "Pod"}));
}

#[test]
fn patch_directive_maps_for_absent_fields_are_dropped() {
    // Upstream's removeDirectives: a map carrying `$patch` is not stored when the field is new.
    let out = smp(
        &pod(),
        json!({"spec": {"nodeSelector": {"$patch": "replace", "zone": "a"}}}),
    );
    assert!(out["spec"].get("nodeSelector").is_none());
}

#[test]
fn null_deletes_and_nested_maps_merge() {
    let out = smp(
        &pod(),
        json!({"metadata": {"labels": {"tier": null, "env": "prod"}}, "spec": {"restartPolicy": null}}),
    );
    assert_eq!(out["metadata"]["labels"], json!({"app": "web", "env": "prod"}));
    assert!(out["spec"].get("restartPolicy").is_none());
    // Nulls inside a newly added value are dropped.
    let out = smp(
        &pod(),
        json!({"spec": {"securityContext": {"runAsUser": 1000, "runAsGroup": null}}}),
    );
    assert_eq!(out["spec"]["securityContext"], json!({"runAsUser": 1000}));
}

#[test]
fn lists_without_merge_strategy_are_replaced() {
    let out = smp(
        &pod(),
        json!({"spec": {"tolerations": [{"key": "k2", "operator": "Exists"}]}}),
    );
    assert_eq!(out["spec"]["tolerations"], json!([{"key": "k2", "operator": "Exists"}]));
    let out = smp(
        &pod(),
        json!({"spec": {"containers": [{"name": "app", "args": ["--v=2"]}]}}),
    );
    assert_eq!(out["spec"]["containers"][0]["args"], json!(["--v=2"]));
}

#[test]
fn primitive_merge_lists_are_unions() {
    let out = smp(
        &pod(),
        json!({"metadata": {"finalizers": ["b.example.com/f", "c.example.com/f"]}}),
    );
    // A server-only element stays ahead of the patch element that follows it in the live list; the new
    // element follows the patch elements.
    assert_eq!(
        out["metadata"]["finalizers"],
        json!(["a.example.com/f", "b.example.com/f", "c.example.com/f"])
    );
    // A new element alone goes first: it is not in the live list, so nothing orders it after.
    let out = smp(&pod(), json!({"metadata": {"finalizers": ["c.example.com/f"]}}));
    assert_eq!(
        out["metadata"]["finalizers"],
        json!(["c.example.com/f", "a.example.com/f", "b.example.com/f"])
    );
}

#[test]
fn delete_from_primitive_list() {
    let out = smp(
        &pod(),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a.example.com/f"]}}),
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["b.example.com/f"]));
    // Applies even to a list whose field has no merge strategy.
    let original = json!({"spec": {"containers": [{"name": "app", "args": ["a", "b", "c"]}]}});
    let out = smp(
        &original,
        json!({"spec": {"containers": [{"name": "app", "$deleteFromPrimitiveList/args": ["b"]}]}}),
    );
    assert_eq!(out["spec"]["containers"][0]["args"], json!(["a", "c"]));
    assert_eq!(
        smp_err(
            &pod(),
            json!({"metadata": {"$deleteFromPrimitiveListfinalizers": ["x"]}})
        ),
        StrategicPatchError::BadPrimitiveListFormat
    );
}

#[test]
fn set_element_order_orders_the_merged_list() {
    let out = smp(
        &pod(),
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
            "containers": [{"name": "app", "image": "app:v2"}]
        }}),
    );
    assert_eq!(names(&out["spec"]["containers"]), ["sidecar", "app"]);
    assert_eq!(out["spec"]["containers"][1]["image"], json!("app:v2"));

    let out = smp(
        &pod(),
        json!({"metadata": {"$setElementOrder/finalizers": ["b.example.com/f", "a.example.com/f"]}}),
    );
    assert_eq!(
        out["metadata"]["finalizers"],
        json!(["b.example.com/f", "a.example.com/f"])
    );
}

#[test]
fn set_element_order_must_agree_with_the_patch_list() {
    let err = smp_err(
        &pod(),
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "app"}],
            "containers": [{"name": "other", "image": "x"}]
        }}),
    );
    assert_eq!(
        err.to_string(),
        "the order in patch list:\n[map[image:x name:other]]\n doesn't match $setElementOrder list:\n[map[name:app]]"
    );
    assert_eq!(err.code(), 500);
    assert_eq!(
        smp_err(&pod(), json!({"spec": {"$setElementOrdercontainers": []}})),
        StrategicPatchError::BadSetElementOrderFormat
    );
}

#[test]
fn retain_keys_clears_unlisted_fields() {
    let out = smp(
        &pod(),
        json!({"spec": {
            "$setElementOrder/volumes": [{"name": "data"}],
            "volumes": [{
                "$retainKeys": ["configMap", "name"],
                "name": "data",
                "configMap": {"name": "cm"},
                "emptyDir": null
            }]
        }}),
    );
    assert_eq!(
        out["spec"]["volumes"],
        json!([{"name": "data", "configMap": {"name": "cm"}}])
    );

    let err = smp_err(
        &pod(),
        json!({"spec": {"volumes": [{"$retainKeys": ["name"], "name": "data", "secret": {"secretName": "s"}}]}}),
    );
    assert_eq!(err, StrategicPatchError::BadRetainKeysFormat);
    assert_eq!(err.code(), 400);
    assert_eq!(
        smp_err(
            &pod(),
            json!({"spec": {"volumes": [{"$retainKeys": "name", "name": "data"}]}})
        ),
        StrategicPatchError::BadRetainKeysFormat
    );
}

#[test]
fn fields_unknown_to_the_schema_merge_maps_and_replace_lists() {
    let original = json!({"metadata": {"name": "x"}, "extra": {"a": 1, "list": [1, 2], "m": {"k": "v"}}});
    let out = smp(&original, json!({"extra": {"b": 2, "list": [3], "m": {"k2": "v2"}}}));
    assert_eq!(
        out["extra"],
        json!({"a": 1, "list": [3], "m": {"k": "v", "k2": "v2"}, "b": 2})
    );
}

#[test]
fn unknown_and_misplaced_directives_are_errors() {
    let err = smp_err(&pod(), json!({"metadata": {"labels": {"$patch": "merge"}}}));
    assert_eq!(err.to_string(), "unknown patch type: merge in map: map[$patch:merge]");
    assert_eq!(err.code(), 500);
    let err = smp_err(
        &pod(),
        json!({"spec": {"containers": [{"name": "app", "$patch": "bogus"}]}}),
    );
    assert_eq!(
        err.to_string(),
        "unknown patch type: bogus in map: map[$patch:bogus name:app]"
    );
    assert_eq!(
        smp_err(&pod(), json!({"spec": {"containers": [{"$patch": "merge"}]}})),
        StrategicPatchError::MergeDirectiveInList
    );
    let err = smp_err(&pod(), json!({"spec": {"containers": [{"image": "x"}]}}));
    assert_eq!(
        err.to_string(),
        "map: map[image:x] does not contain declared merge key: name"
    );
}

#[test]
fn wrong_types_are_errors_not_panics() {
    // A list element of the wrong type.
    let err = smp_err(&pod(), json!({"spec": {"containers": ["app"]}}));
    assert_eq!(
        err.to_string(),
        "list element types are not identical: [[map[env:[map[name:A value:1] map[name:B value:2]] image:app:v1 name:app ports:[map[containerPort:80 protocol:TCP]]] map[image:proxy:v1 name:sidecar]] [app]]"
    );
    // A list where the object has a map: the patch value replaces it, as upstream does.
    let out = smp(&pod(), json!({"spec": {"containers": {"name": "x"}}}));
    assert_eq!(out["spec"]["containers"], json!({"name": "x"}));
    // Lists of lists.
    let original = json!({"metadata": {"finalizers": ["a"]}});
    assert_eq!(
        smp_err(
            &json!({"metadata": {"finalizers": [["a"]]}}),
            json!({"metadata": {"finalizers": [["b"]]}})
        ),
        StrategicPatchError::NoListOfLists
    );
    let err = smp_err(&original, json!({"metadata": {"$setElementOrder/finalizers": "a"}}));
    assert_eq!(err.to_string(), "expected a []interface {}, but received a string");
}

#[test]
fn malformed_bodies_are_bad_requests() {
    let original = pod();
    for (body, message) in [
        (&b"["[..], "unexpected end of JSON input"),
        (
            b"[]",
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
        (
            b"\"x\"",
            "json: cannot unmarshal string into Go value of type map[string]interface {}",
        ),
        (b"{,}", "invalid character ',' looking for beginning of value"),
    ] {
        let err = apply(&original, body, &POD).unwrap_err();
        assert_eq!(err, StrategicPatchError::Decode(message.into()));
        assert_eq!(err.code(), 400);
    }
    assert_eq!(apply(&original, b"null", &POD).unwrap(), original);
    assert_eq!(
        apply(&json!([1]), b"{}", &POD).unwrap_err(),
        StrategicPatchError::BadJsonDoc
    );
}

// `kubectl apply` (client-side three-way merge).

#[test]
fn kubectl_apply_updates_keep_server_added_containers() {
    // Live object: the user's `app`, plus a `sidecar` injected by a webhook.
    // Last applied: [app]; new config: [app (v2), helper].
    let patch = json!({
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}"}},
        "spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "helper"}],
            "containers": [{"name": "app", "image": "app:v2"}, {"name": "helper", "image": "helper:v1"}]
        }
    });
    let out = smp(&pod(), patch);
    assert_eq!(names(&out["spec"]["containers"]), ["app", "helper", "sidecar"]);
    assert_eq!(out["spec"]["containers"][0]["image"], json!("app:v2"));
    assert_eq!(
        out["spec"]["containers"][0]["env"],
        pod()["spec"]["containers"][0]["env"]
    );
    assert_eq!(
        out["metadata"]["annotations"],
        json!({"kubectl.kubernetes.io/last-applied-configuration": "{...}"})
    );
}

#[test]
fn kubectl_apply_deletion_with_set_element_order_follows_upstream_order() {
    // Upstream's "add map and delete map from merging list with conflict": live [x, z],
    // the patch deletes x and adds y1, y2; the live-only z stays first.
    let original = json!({"spec": {"containers": [{"name": "x", "image": "a"}, {"name": "z", "image": "c"}]}});
    let out = smp(
        &original,
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "y1"}, {"name": "y2"}],
            "containers": [{"name": "y1"}, {"name": "y2"}, {"name": "x", "$patch": "delete"}]
        }}),
    );
    assert_eq!(
        out["spec"]["containers"],
        json!([{"name": "z", "image": "c"}, {"name": "y1"}, {"name": "y2"}])
    );
}

#[test]
fn kubectl_apply_adds_to_pointer_list_in_order() {
    // Upstream's "add map to merging list by pointer": live [1, 3], order [1, 2], patch adds 2.
    let original = json!({"metadata": {"ownerReferences": [{"uid": "1", "name": "a"}, {"uid": "3"}]}});
    let out = smp(
        &original,
        json!({"metadata": {
            "$setElementOrder/ownerReferences": [{"uid": "1"}, {"uid": "2"}],
            "ownerReferences": [{"uid": "2"}]
        }}),
    );
    assert_eq!(
        out["metadata"]["ownerReferences"],
        json!([{"uid": "1", "name": "a"}, {"uid": "2"}, {"uid": "3"}])
    );
}

#[test]
fn kubectl_apply_removes_a_field_and_a_finalizer() {
    let out = smp(
        &pod(),
        json!({
            "metadata": {
                "$setElementOrder/finalizers": ["b.example.com/f"],
                "$deleteFromPrimitiveList/finalizers": ["a.example.com/f"],
                "labels": {"tier": null}
            },
            "spec": {
                "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
                "containers": [{"name": "app", "env": [{"name": "A", "$patch": "delete"}], "$setElementOrder/env": [{"name": "B"}]}]
            }
        }),
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["b.example.com/f"]));
    assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(
        out["spec"]["containers"][0]["env"],
        json!([{"name": "B", "value": "2"}])
    );
}

#[test]
fn numbers_as_merge_keys_match_by_value_and_type() {
    let out = smp(
        &pod(),
        json!({"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80, "protocol": "UDP"}]}]}}),
    );
    assert_eq!(
        out["spec"]["containers"][0]["ports"],
        json!([{"containerPort": 80, "protocol": "UDP"}])
    );
}

#[test]
fn entry_point_dispatches_and_maps_errors_to_status() {
    let original = pod();
    let out = crate::patch::apply(
        PatchType::Strategic,
        &original,
        br#"{"spec":{"containers":[{"name":"app","image":"app:v3"}]}}"#,
        Some(&POD),
    )
    .unwrap();
    assert_eq!(out["spec"]["containers"][0]["image"], json!("app:v3"));

    let err = crate::patch::apply(PatchType::Strategic, &original, b"{}", None).unwrap_err();
    assert_eq!(err.to_string(), "strategic merge patch format is not supported");
    assert_eq!(err.to_status().code, 400);

    let err =
        crate::patch::apply(PatchType::Json, &original, br#"[{"op":"remove","path":"/nope"}]"#, None).unwrap_err();
    let status = err.to_status();
    assert_eq!(status.code, 422);
    assert_eq!(
        status.message,
        "the server rejected our request due to an error in our request"
    );

    let err = crate::patch::apply(PatchType::Merge, &original, b"nope", None).unwrap_err();
    assert_eq!(err.to_status().message, "Invalid JSON Patch");

    let out = crate::patch::apply(
        PatchType::Merge,
        &original,
        br#"{"spec":{"restartPolicy":"Never"}}"#,
        None,
    )
    .unwrap();
    assert_eq!(out["spec"]["restartPolicy"], json!("Never"));

    assert_eq!(
        PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
        Some(PatchType::Merge)
    );
    assert_eq!(PatchType::from_content_type("application/json"), None);
}

#[test]
fn arbitrary_bytes_never_panic() {
    let original = pod();
    let bodies: [&[u8]; 12] = [
        b"{\"spec\":{\"containers\":[null]}}",
        b"{\"spec\":{\"containers\":[{\"name\":null}]}}",
        b"{\"spec\":{\"$setElementOrder/containers\":[1,2]}}",
        b"{\"spec\":{\"$setElementOrder/containers\":[],\"containers\":[{\"name\":\"n\"}]}}",
        b"{\"metadata\":{\"finalizers\":[1,\"a\"]}}",
        b"{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":{\"a\":1}}}",
        b"{\"$retainKeys\":[{}],\"spec\":null}",
        b"{\"spec\":{\"containers\":[{\"$patch\":\"delete\"}]}}",
        b"{\"spec\":{\"volumes\":[{\"name\":\"data\",\"$patch\":5}]}}",
        b"{\"metadata\":{\"finalizers\":[{\"$patch\":\"replace\"}]}}",
        b"\xff\xfe",
        b"{\"spec\":{\"containers\":[{\"name\":\"app\",\"ports\":[[1]]}]}}",
    ];
    for body in bodies {
        for kind in [PatchType::Strategic, PatchType::Merge, PatchType::Json] {
            let _ = crate::patch::apply(kind, &original, body, Some(&POD));
        }
    }
}

#[test]
fn mutated_patches_never_panic() {
    // A small deterministic fuzz pass: byte-level mutations of realistic patches, for every type.
    let seeds: [&[u8]; 4] = [
        br#"{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"x"}],"containers":[{"name":"x","ports":[{"containerPort":1}]},{"name":"sidecar","$patch":"delete"}]}}"#,
        br#"{"metadata":{"$setElementOrder/finalizers":["b.example.com/f"],"$deleteFromPrimitiveList/finalizers":["a.example.com/f"],"labels":{"a":null}}}"#,
        br#"{"spec":{"volumes":[{"$retainKeys":["name","secret"],"name":"data","secret":{"secretName":"s"}}],"tolerations":[{"$patch":"replace"}]}}"#,
        br#"[{"op":"move","from":"/spec/containers/0","path":"/spec/containers/-"},{"op":"copy","from":"/metadata","path":"/spec/m"},{"op":"test","path":"/kind","value":"Pod"}]"#,
    ];
    let original = pod();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"{}[]\":,$/-0123456789nulltrue patchnameop";
    for round in 0..3000 {
        let mut body = seeds[round % seeds.len()].to_vec();
        for _ in 0..(next() % 4 + 1) {
            let at = usize::try_from(next() % (body.len() as u64 + 1)).unwrap_or(0);
            let byte = alphabet[usize::try_from(next() % alphabet.len() as u64).unwrap_or(0)];
            match next() % 3 {
                0 if at < body.len() => body[at] = byte,
                1 if at < body.len() => {
                    body.remove(at);
                }
                _ => body.insert(at.min(body.len()), byte),
            }
        }
        for kind in [PatchType::Strategic, PatchType::Merge, PatchType::Json] {
            let _ = crate::patch::apply(kind, &original, &body, Some(&POD));
        }
    }
}
