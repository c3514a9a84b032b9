//! Kubernetes' protobuf envelope (`k8s\0` + runtime.Unknown), watch events and length-prefixed stream frames.

use serde_json::{Map, Value};

use crate::decode::{decode_message, decode_message_value};
use crate::encode::encode_message;
use crate::error::TranscodeError;
use crate::schema::{GroupVersionKind, Message, schema};
use crate::wire::{self, Reader, WireValue};

/// The four bytes every protobuf-encoded object starts with.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// The media type of protobuf request and response bodies.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The media type of protobuf watch streams (length-prefixed frames).
pub const STREAM_CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf;stream=watch";

fn message_for(gvk: &GroupVersionKind) -> Result<&'static Message, TranscodeError> {
    schema()
        .kind_of(gvk)
        .ok_or_else(|| TranscodeError::UnknownKind(gvk.to_string()))
}

/// Encodes an object's fields as its kind's protobuf message, without the envelope (`kind` and `apiVersion`
/// are not part of the message).
pub fn encode_raw(gvk: &GroupVersionKind, object: &Value) -> Result<Vec<u8>, TranscodeError> {
    let m = message_for(gvk)?;
    let mut out = Vec::with_capacity(1024);
    encode_message(m, object, &mut out)?;
    Ok(out)
}

/// Encodes an object as upstream stores it in etcd and sends it in protobuf bodies: `k8s\0`, then a
/// runtime.Unknown {typeMeta {apiVersion, kind}, raw, contentEncoding "", contentType ""}.
pub fn encode(gvk: &GroupVersionKind, object: &Value) -> Result<Vec<u8>, TranscodeError> {
    let m = message_for(gvk)?;
    let api_version = gvk.api_version();
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(MAGIC);
    // typeMeta: both strings are Go values, always written.
    let tm = wire::begin_len(&mut out, 1);
    wire::put_bytes(&mut out, 1, api_version.as_bytes());
    wire::put_bytes(&mut out, 2, gvk.kind.as_bytes());
    wire::end_len(&mut out, tm);
    let raw = wire::begin_len(&mut out, 2);
    encode_message(m, object, &mut out)?;
    wire::end_len(&mut out, raw);
    // contentEncoding and contentType: empty, still written.
    wire::put_bytes(&mut out, 3, b"");
    wire::put_bytes(&mut out, 4, b"");
    Ok(out)
}

/// The parts of a runtime.Unknown.
struct Unknown<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
}

fn read_unknown(data: &[u8]) -> Result<Unknown<'_>, TranscodeError> {
    let mut u = Unknown {
        api_version: String::new(),
        kind: String::new(),
        raw: &[],
    };
    let mut r = Reader::new(data);
    while !r.is_empty() {
        match r.field().map_err(|e| e.under("<envelope>"))? {
            (1, WireValue::Bytes(tm)) => {
                let mut t = Reader::new(tm);
                while !t.is_empty() {
                    match t.field().map_err(|e| e.under("<typeMeta>"))? {
                        (1, WireValue::Bytes(b)) => u.api_version = String::from_utf8_lossy(b).into_owned(),
                        (2, WireValue::Bytes(b)) => u.kind = String::from_utf8_lossy(b).into_owned(),
                        _ => {}
                    }
                }
            }
            (2, WireValue::Bytes(b)) => u.raw = b,
            _ => {}
        }
    }
    Ok(u)
}

/// Decodes an enveloped object into its kind and JSON form (with `kind` and `apiVersion`).
pub fn decode(data: &[u8]) -> Result<(GroupVersionKind, Value), TranscodeError> {
    let body = data.strip_prefix(MAGIC).ok_or(TranscodeError::MissingPrefix)?;
    let u = read_unknown(body)?;
    let gvk = GroupVersionKind::from_api_version(&u.api_version, &u.kind);
    let value = decode_raw(&gvk, u.raw)?;
    Ok((gvk, value))
}

/// Sets `metadata.resourceVersion`, creating `metadata` if the object has none.
pub fn stamp_resource_version(object: &mut Value, resource_version: &str) {
    let Some(root) = object.as_object_mut() else {
        return;
    };
    let meta = root.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    if let Some(meta) = meta.as_object_mut() {
        meta.insert(
            "resourceVersion".to_string(),
            Value::String(resource_version.to_string()),
        );
    }
}

/// The JSON of an enveloped object with `metadata.resourceVersion` set to `resource_version`: the bytes
/// `serde_json::to_vec` prints for [`decode`]'s value after that stamp, written in one pass without building the
/// value. `None` when the input is one this writer leaves to [`decode`] (which then gives the value or the
/// error); callers fall back to it.
pub fn to_json(data: &[u8], resource_version: Option<&str>) -> Option<Vec<u8>> {
    let body = data.strip_prefix(MAGIC)?;
    let u = read_unknown(body).ok()?;
    let gvk = GroupVersionKind::from_api_version(&u.api_version, &u.kind);
    let m = message_for(&gvk).ok()?;
    let mut out = Vec::with_capacity(data.len() * 2 + 64);
    crate::jsonout::write_object(m, &gvk.kind, &gvk.api_version(), u.raw, resource_version, &mut out)?;
    // Callers keep these (the watch cache holds one per object): no slack.
    out.shrink_to_fit();
    Some(out)
}

/// Decodes a message body of a known kind (no envelope), adding `kind` and `apiVersion` first.
pub fn decode_raw(gvk: &GroupVersionKind, raw: &[u8]) -> Result<Value, TranscodeError> {
    let m = message_for(gvk)?;
    let fields = decode_message(m, raw)?;
    let mut out = Map::with_capacity(fields.len() + 2);
    out.insert("kind".into(), Value::String(gvk.kind.clone()));
    out.insert("apiVersion".into(), Value::String(gvk.api_version()));
    out.extend(fields);
    Ok(Value::Object(out))
}

/// Decodes the body of any message by its full proto name (for embedded values such as a ListMeta).
pub fn decode_message_by_name(name: &str, raw: &[u8]) -> Result<Value, TranscodeError> {
    let m = schema()
        .message_by_name(name)
        .ok_or_else(|| TranscodeError::UnknownKind(name.to_string()))?;
    decode_message_value(m, raw, 0)
}

/// One event of a watch stream.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    pub event_type: String,
    pub gvk: GroupVersionKind,
    pub object: Value,
}

/// Encodes a meta/v1 WatchEvent as upstream's protobuf watch stream carries it (before framing): the
/// event message itself without envelope, its `object.raw` holding the enveloped object.
pub fn encode_watch_event(event_type: &str, gvk: &GroupVersionKind, object: &Value) -> Result<Vec<u8>, TranscodeError> {
    let inner = encode(gvk, object)?;
    let mut out = Vec::with_capacity(inner.len() + event_type.len() + 12);
    wire::put_bytes(&mut out, 1, event_type.as_bytes());
    let obj = wire::begin_len(&mut out, 2);
    wire::put_bytes(&mut out, 1, &inner);
    wire::end_len(&mut out, obj);
    Ok(out)
}

/// Decodes one watch event (a frame's payload).
pub fn decode_watch_event(data: &[u8]) -> Result<WatchEvent, TranscodeError> {
    let mut event_type = String::new();
    let mut raw: &[u8] = &[];
    let mut r = Reader::new(data);
    while !r.is_empty() {
        match r.field().map_err(|e| e.under("<watchEvent>"))? {
            (1, WireValue::Bytes(b)) => event_type = String::from_utf8_lossy(b).into_owned(),
            (2, WireValue::Bytes(b)) => {
                let mut o = Reader::new(b);
                while !o.is_empty() {
                    if let (1, WireValue::Bytes(x)) = o.field().map_err(|e| e.under("object"))? {
                        raw = x;
                    }
                }
            }
            _ => {}
        }
    }
    let (gvk, object) = decode(raw).map_err(|e| e.under("object"))?;
    Ok(WatchEvent {
        event_type,
        gvk,
        object,
    })
}

/// Frames a payload for a protobuf stream: a 4-byte big-endian length, then the payload.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Splits the first complete frame off a buffer: its payload and the bytes consumed, or `None` until
/// more data arrives.
pub fn next_frame(buf: &[u8]) -> Option<(&[u8], usize)> {
    let len: [u8; 4] = buf.get(..4)?.try_into().ok()?;
    let len = u32::from_be_bytes(len) as usize;
    let payload = buf.get(4..4 + len)?;
    Some((payload, 4 + len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configmap_round_trips_through_the_envelope() {
        let gvk = GroupVersionKind::new("", "v1", "ConfigMap");
        let cm = json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c", "namespace": "d"}, "data": {"b": "2", "a": "1"}});
        let bytes = encode(&gvk, &cm).unwrap();
        assert!(bytes.starts_with(MAGIC));
        assert!(bytes.ends_with(&[0x1a, 0x00, 0x22, 0x00]));
        let (got_gvk, got) = decode(&bytes).unwrap();
        assert_eq!(got_gvk, gvk);
        // An unset creationTimestamp is omitted (omitzero since 1.33).
        let expected = json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c", "namespace": "d"}, "data": {"a": "1", "b": "2"}});
        assert_eq!(
            serde_json::to_string(&got).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    #[test]
    fn unknown_kinds_and_missing_prefix_are_errors() {
        let gvk = GroupVersionKind::new("example.com", "v1", "Widget");
        assert!(matches!(encode(&gvk, &json!({})), Err(TranscodeError::UnknownKind(_))));
        assert_eq!(decode(b"{}"), Err(TranscodeError::MissingPrefix));
    }

    #[test]
    fn watch_events_frame_and_unframe() {
        let gvk = GroupVersionKind::new("", "v1", "Namespace");
        let ns = json!({"metadata": {"name": "n1"}});
        let payload = encode_watch_event("ADDED", &gvk, &ns).unwrap();
        let mut stream = frame(&payload);
        stream.extend(frame(&payload));
        let (first, used) = next_frame(&stream).unwrap();
        assert_eq!(used, payload.len() + 4);
        let ev = decode_watch_event(first).unwrap();
        assert_eq!(ev.event_type, "ADDED");
        assert_eq!(ev.gvk, gvk);
        assert_eq!(ev.object["metadata"]["name"], "n1");
        assert!(next_frame(&stream[used..]).is_some());
        assert!(next_frame(&stream[used..stream.len() - 1]).is_none());
    }
}
