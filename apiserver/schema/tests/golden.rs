//! Exact bytes of small objects in the `k8s\0` envelope, computed by hand from the protobuf encoding
//! rules and the field numbers in upstream's generated.proto (not from our encoder).

use ferrokube_apischema::{GroupVersionKind, decode, encode};
use serde_json::json;

/// A length-delimited field: tag byte, one-byte length, body.
fn ld(tag: u8, body: &[u8]) -> Vec<u8> {
    assert!(body.len() < 128);
    let mut v = vec![tag, body.len() as u8];
    v.extend_from_slice(body);
    v
}

/// The JSON the apiserver serves for stored `bytes` (Go's field order), checked to be the decoded value.
fn go_json(bytes: &[u8], decoded: &serde_json::Value) -> String {
    let written = String::from_utf8(ferrokube_apischema::to_json(bytes, None).unwrap()).unwrap();
    assert_eq!(&serde_json::from_str::<serde_json::Value>(&written).unwrap(), decoded);
    written
}

fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let mut type_meta = ld(0x0a, api_version.as_bytes());
    type_meta.extend(ld(0x12, kind.as_bytes()));
    let mut unknown = ld(0x0a, &type_meta);
    unknown.extend(ld(0x12, raw));
    unknown.extend([0x1a, 0x00, 0x22, 0x00]);
    let mut out = b"k8s\0".to_vec();
    out.extend(unknown);
    out
}

#[test]
fn namespace_bytes() {
    // Namespace{metadata(1): ObjectMeta{name(1): "demo"}, spec(2): {finalizers(1): ["kubernetes"]}}
    let meta = ld(0x0a, b"demo");
    let spec = ld(0x0a, b"kubernetes");
    let mut raw = ld(0x0a, &meta);
    raw.extend(ld(0x12, &spec));
    let expected = envelope("v1", "Namespace", &raw);

    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}, "spec": {"finalizers": ["kubernetes"]}});
    let gvk = GroupVersionKind::new("", "v1", "Namespace");
    assert_eq!(encode(&gvk, &ns).unwrap(), expected);

    let (got_gvk, back) = decode(&expected).unwrap();
    assert_eq!(got_gvk, gvk);
    assert_eq!(
        go_json(&expected, &back),
        r#"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"demo"},"spec":{"finalizers":["kubernetes"]},"status":{}}"#
    );
}

#[test]
fn configmap_bytes() {
    // ConfigMap{metadata(1){name(1) "cm", namespace(3) "ns", labels(11) {"app": "x"}},
    //           data(2) {"a": "1"}, binaryData(3) {"b": 0x00 0xff}, immutable(4) true}
    let mut meta = ld(0x0a, b"cm");
    meta.extend(ld(0x1a, b"ns"));
    let mut label = ld(0x0a, b"app");
    label.extend(ld(0x12, b"x"));
    meta.extend(ld(0x5a, &label));
    let mut raw = ld(0x0a, &meta);
    let mut data = ld(0x0a, b"a");
    data.extend(ld(0x12, b"1"));
    raw.extend(ld(0x12, &data));
    let mut bin = ld(0x0a, b"b");
    bin.extend(ld(0x12, &[0x00, 0xff]));
    raw.extend(ld(0x1a, &bin));
    raw.extend([0x20, 0x01]);
    let expected = envelope("v1", "ConfigMap", &raw);

    let cm = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "ns", "labels": {"app": "x"}},
        "immutable": true,
        "data": {"a": "1"},
        "binaryData": {"b": "AP8="}
    });
    let gvk = GroupVersionKind::new("", "v1", "ConfigMap");
    assert_eq!(encode(&gvk, &cm).unwrap(), expected);
    let (_, back) = decode(&expected).unwrap();
    assert_eq!(
        go_json(&expected, &back),
        r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm","namespace":"ns","labels":{"app":"x"}},"immutable":true,"data":{"a":"1"},"binaryData":{"b":"AP8="}}"#
    );
}

#[test]
fn gogo_style_bodies_with_every_value_field_written_decode_like_go() {
    // What a Go client writes for `kubectl create namespace demo`: gogo writes every non-pointer field,
    // so ObjectMeta carries empty strings, generation 0 and an empty creationTimestamp, and the status
    // an empty phase. Go's JSON drops all of them (omitempty; creationTimestamp is omitzero since 1.33).
    let mut meta = ld(0x0a, b"demo");
    for tag in [0x12u8, 0x1a, 0x22, 0x2a, 0x32] {
        meta.extend(ld(tag, b""));
    }
    meta.extend([0x38, 0x00]); // generation 0
    meta.extend(ld(0x42, b"")); // creationTimestamp: zero Time marshals empty
    let mut raw = ld(0x0a, &meta);
    raw.extend(ld(0x12, b""));
    raw.extend(ld(0x1a, &ld(0x0a, b"")));
    let body = envelope("v1", "Namespace", &raw);
    let (_, back) = decode(&body).unwrap();
    assert_eq!(
        go_json(&body, &back),
        r#"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"demo"},"spec":{},"status":{}}"#
    );
}

#[test]
fn int_or_string_and_time_bytes() {
    // Service{spec(2){ports(1)[{port(3) 80, targetPort(4) IntOrString{type 1, intVal 0, strVal "http"}}]}}
    let mut ios = vec![0x08, 0x01, 0x10, 0x00];
    ios.extend(ld(0x1a, b"http"));
    let mut port = vec![0x18, 0x50];
    port.extend(ld(0x22, &ios));
    let spec = ld(0x0a, &port);
    // metadata{creationTimestamp(8){seconds(1) 1700000000, nanos(2) 0}}
    let ts = [0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06, 0x10, 0x00];
    let meta = ld(0x42, &ts);
    let mut raw = ld(0x0a, &meta);
    raw.extend(ld(0x12, &spec));
    let expected = envelope("v1", "Service", &raw);
    let svc = json!({"metadata": {"creationTimestamp": "2023-11-14T22:13:20Z"}, "spec": {"ports": [{"port": 80, "targetPort": "http"}]}});
    assert_eq!(
        encode(&GroupVersionKind::new("", "v1", "Service"), &svc).unwrap(),
        expected
    );
}
