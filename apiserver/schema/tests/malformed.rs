//! Malformed and random input never panics: every failure is an error value.

use ferrokube_apischema::{
    GroupVersionKind, decode, decode_raw, decode_watch_event, duplicate_fields, encode, encode_raw,
};
use serde_json::json;

fn sample() -> Vec<u8> {
    let pod = json!({
        "metadata": {"name": "p", "labels": {"a": "b"}, "creationTimestamp": "2023-11-14T22:13:20Z"},
        "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}], "resources": {"limits": {"cpu": "1"}}}],
            "volumes": [{"name": "v", "emptyDir": {}}]},
        "status": {"phase": "Pending"}
    });
    encode(&GroupVersionKind::new("", "v1", "Pod"), &pod).unwrap()
}

#[test]
fn every_truncation_is_an_error_or_a_shorter_object() {
    let bytes = sample();
    for len in 0..bytes.len() {
        let _ = decode(&bytes[..len]);
    }
    // Cutting inside the outer envelope's raw field must fail, not silently succeed with less data.
    assert!(decode(&bytes[..bytes.len() - 10]).is_err());
}

#[test]
fn random_bytes_and_bit_flips_never_panic() {
    let bytes = sample();
    let pod = GroupVersionKind::new("", "v1", "Pod");
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..5000 {
        let mut b = bytes.clone();
        for _ in 0..rng.usize(1..4) {
            let i = rng.usize(..b.len());
            b[i] ^= 1 << rng.u8(..8);
        }
        let _ = decode(&b);
        let _ = decode_raw(&pod, &b[4..]);
    }
    for _ in 0..5000 {
        let len = rng.usize(0..200);
        let mut b: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        let _ = decode_raw(&pod, &b);
        let _ = decode_watch_event(&b);
        b.splice(0..0, *b"k8s\0");
        let _ = decode(&b);
        let _ = duplicate_fields(&b[4..]);
    }
}

#[test]
fn specific_malformations_have_clear_errors() {
    let pod = GroupVersionKind::new("", "v1", "Pod");
    // Field 1 (metadata) with wire type 0 instead of a message.
    let err = decode_raw(&pod, &[0x08, 0x01]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "metadata: field 1 of k8s.io.api.core.v1.Pod has wire type 0, expected 2"
    );
    // A length running past the end.
    let err = decode_raw(&pod, &[0x0a, 0x05, 0x01]).unwrap_err();
    assert_eq!(err.to_string(), ": truncated protobuf data");
    let err = decode_raw(&pod, &[0x12, 0x03, 0x0a, 0x05, 0x01]).unwrap_err();
    assert_eq!(err.to_string(), "spec: truncated protobuf data");
    // Field number 0 and wire types 3/4 (groups) are rejected.
    assert!(decode_raw(&pod, &[0x00, 0x01]).is_err());
    assert!(decode_raw(&pod, &[0x0b]).is_err());
    // Deep nesting of a recursive type is bounded.
    let crd = GroupVersionKind::new("apiextensions.k8s.io", "v1", "CustomResourceDefinition");
    let mut schema = json!({"type": "object"});
    for _ in 0..150 {
        schema = json!({"type": "object", "properties": {"x": schema}});
    }
    let obj = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": schema}}]}});
    assert!(encode(&crd, &obj).unwrap_err().to_string().contains("nesting deeper"));
    // Unknown field numbers are skipped, as Go's unmarshaler skips them.
    let v = decode_raw(&pod, &[0xf8, 0x07, 0x01, 0x12, 0x00]).unwrap();
    assert_eq!(v["spec"], json!({"containers": null}));
}

/// Found by the `decode_body` fuzz target: a bytes map entry without its value field decoded as `null`,
/// which re-encoded as an empty value and decoded as `""`. Go's decoder gives `""` both times.
#[test]
fn bytes_map_entry_without_a_value_decodes_as_empty_and_round_trips() {
    let cm = GroupVersionKind::new("", "v1", "ConfigMap");
    // binaryData (field 3) entry: key "k", then an unknown field 12 instead of the value (field 2).
    let raw = [0x1a, 0x09, 0x0a, 0x01, b'k', 0x62, 0x04, 0x00, 0x01, 0x02, 0x03];
    let v = decode_raw(&cm, &raw).unwrap();
    assert_eq!(v["binaryData"], json!({"k": ""}));
    let again = decode_raw(&cm, &encode_raw(&cm, &v).unwrap()).unwrap();
    assert_eq!(again, v);
    // Secret.data is the other bytes map.
    let secret = GroupVersionKind::new("", "v1", "Secret");
    let v = decode_raw(&secret, &[0x12, 0x03, 0x0a, 0x01, b'p']).unwrap();
    assert_eq!(v["data"], json!({"p": ""}));
}

/// A pod whose `metadata.creationTimestamp` is `seconds` after the epoch, as raw protobuf (no envelope).
fn pod_created_at(seconds: i64) -> Vec<u8> {
    let mut varint = Vec::new();
    let mut v = seconds as u64;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            varint.push(byte);
            break;
        }
        varint.push(byte | 0x80);
    }
    let mut time = vec![0x08];
    time.extend(varint);
    // ObjectMeta: name (1) = "p", creationTimestamp (8) = time.
    let mut meta = vec![0x0a, 0x01, b'p', 0x42, time.len() as u8];
    meta.extend(time);
    let mut pod = vec![0x0a, meta.len() as u8];
    pod.extend(meta);
    pod
}

#[test]
fn times_outside_years_0_to_9999_are_errors_as_in_gos_json() {
    let gvk = GroupVersionKind::new("", "v1", "Pod");
    let last = decode_raw(&gvk, &pod_created_at(253_402_300_799)).unwrap();
    assert_eq!(last["metadata"]["creationTimestamp"], "9999-12-31T23:59:59Z");
    // Year 123845, found by the fuzzer: printed, it would not parse back.
    let err = decode_raw(&gvk, &pod_created_at(3_845_875_000_000)).unwrap_err();
    assert!(err.to_string().contains("year outside of range [0,9999]"), "{err}");
    assert!(decode_raw(&gvk, &pod_created_at(-62_167_219_201)).is_err());
    let mut enveloped = encode(&gvk, &json!({"metadata": {"name": "p"}})).unwrap();
    enveloped.truncate(4);
    assert!(ferrokube_apischema::to_json(&enveloped, None).is_none());
}
