//! Protobuf on the wire and in etcd, through the schema crate: objects, lists, Status, watch frames; plus
//! the schema-driven checks of decoded JSON (unknown and duplicate fields) and patch metadata.

use ferrokube_apimachinery::patch::PatchMeta;
use ferrokube_apimachinery::status::Status;
use ferrokube_apischema::{GroupVersionKind, TranscodeError, envelope};
use serde_json::Value;

use crate::resource::ResourceSpec;

fn gvk_of(obj: &Value, spec: &ResourceSpec) -> GroupVersionKind {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or(spec.info.kind);
    match obj.get("apiVersion").and_then(Value::as_str) {
        Some(av) => GroupVersionKind::from_api_version(av, kind),
        None => GroupVersionKind::new(spec.info.group, spec.info.version, kind),
    }
}

/// An object (or list, Table...) as a protobuf body in the `k8s\0` envelope.
pub fn encode(spec: &ResourceSpec, obj: &Value) -> Result<Vec<u8>, TranscodeError> {
    envelope::encode(&gvk_of(obj, spec), obj)
}

/// The object of a protobuf request body, as JSON with kind and apiVersion first.
pub fn decode_body(body: &[u8]) -> Result<Value, TranscodeError> {
    let (gvk, mut obj) = envelope::decode(body)?;
    if let Some(m) = obj.as_object_mut()
        && !m.contains_key("kind")
    {
        let rest = std::mem::take(m);
        m.insert("kind".into(), Value::String(gvk.kind.clone()));
        m.insert("apiVersion".into(), Value::String(gvk.api_version()));
        m.extend(rest);
    }
    Ok(obj)
}

/// A Status as a protobuf body.
pub fn encode_status(status: &Status) -> Result<Vec<u8>, TranscodeError> {
    let v = serde_json::to_value(status).unwrap_or(Value::Null);
    envelope::encode(&GroupVersionKind::new("", "v1", "Status"), &v)
}

/// One length-prefixed frame of a protobuf watch stream, carrying a meta/v1 WatchEvent whose object is the
/// already-encoded envelope.
pub fn watch_frame(event_type: &str, envelope_bytes: &[u8]) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    let mut raw_ext = Vec::with_capacity(envelope_bytes.len() + 6);
    raw_ext.push(0x0a); // RawExtension.raw = 1, length-delimited
    varint(&mut raw_ext, envelope_bytes.len() as u64);
    raw_ext.extend_from_slice(envelope_bytes);
    let mut event = Vec::with_capacity(raw_ext.len() + event_type.len() + 8);
    event.push(0x0a); // WatchEvent.type = 1
    varint(&mut event, event_type.len() as u64);
    event.extend_from_slice(event_type.as_bytes());
    event.push(0x12); // WatchEvent.object = 2
    varint(&mut event, raw_ext.len() as u64);
    event.extend_from_slice(&raw_ext);
    envelope::frame(&event)
}

/// Unknown and duplicate fields of a decoded body, worded as upstream's strict decoder words them;
/// `repeated_keys` says whether the JSON parser saw an object repeat a key, and `unknown` holds the unknown
/// fields when the parser already checked them (else they are found in `obj`).
pub fn field_problems(
    spec: &ResourceSpec,
    repeated_keys: bool,
    unknown: Option<Vec<String>>,
    body: &[u8],
    obj: &Value,
) -> Vec<String> {
    let mut problems: Vec<String> = Vec::new();
    if repeated_keys {
        problems.extend(
            ferrokube_apischema::duplicate_fields(body)
                .into_iter()
                .map(|p| format!("json: duplicate field \"{p}\"")),
        );
    }
    if let Some(crd) = &spec.crd {
        problems.extend(crate::crd::unknown_fields(crd, obj));
        return problems;
    }
    let unknown = unknown.or_else(|| {
        let gvk = GroupVersionKind::new(spec.info.group, spec.info.version, spec.info.kind);
        ferrokube_apischema::unknown_fields(&gvk, obj).ok()
    });
    problems.extend(unknown.into_iter().flatten().map(|p| format!("unknown field \"{p}\"")));
    problems
}

/// The patch metadata of the resource's kind, for strategic merge patches.
pub fn patch_meta(spec: &ResourceSpec) -> Option<&'static dyn PatchMeta> {
    if spec.crd.is_some() {
        return None;
    }
    ferrokube_apischema::schema()
        .kind(spec.info.group, spec.info.version, spec.info.kind)
        .map(|m| m as &'static dyn PatchMeta)
}

/// Encodes an object for etcd. A value of the wrong JSON type is the client's error, worded as upstream's
/// decoder words it (400 `ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal
/// number into Go struct field ConfigMap.data of type string`); the check costs nothing extra because the
/// object is encoded for storage anyway.
pub fn encode_for_storage(spec: &ResourceSpec, obj: &Value) -> Result<Vec<u8>, Status> {
    crate::storecodec::encode(spec, obj).map_err(|e| match e {
        crate::storecodec::CodecError::Type(TranscodeError::JsonType { path, got, .. }) => {
            let gvk = GroupVersionKind::new(spec.storage_group, spec.storage_version, spec.storage_kind);
            cannot_handle(spec, &go_unmarshal_error(&gvk, &path, got))
        }
        crate::storecodec::CodecError::Type(other) => cannot_handle(spec, &other.to_string()),
        other => Status::internal_error(other),
    })
}

/// `<Kind> in version "<v>" cannot be handled as a <Kind>: <detail>` (400), upstream's decoding failure.
pub fn cannot_handle(spec: &ResourceSpec, detail: &str) -> Status {
    let kind = spec.info.kind;
    Status::bad_request(format!(
        "{kind} in version \"{}\" cannot be handled as a {kind}: {detail}",
        spec.info.version
    ))
}

/// Go's `json: cannot unmarshal <value> into Go struct field <Struct>.<path> of type <type>`.
fn go_unmarshal_error(gvk: &GroupVersionKind, path: &str, got: &str) -> String {
    use ferrokube_apischema::{Cardinality, FieldType};
    let schema = ferrokube_apischema::schema();
    let Some(mut message) = schema.kind_of(gvk) else {
        return format!("{path}: unexpected {got}");
    };
    let mut struct_name = short_name(&message.name);
    let mut field_path: Vec<&str> = Vec::new();
    let mut go_type = String::from("?");
    let segments: Vec<&str> = path.split('.').collect();
    let mut i = 0;
    while i < segments.len() {
        let seg = segments[i].split('[').next().unwrap_or("");
        let Some(field) = message.field_by_json(seg) else { break };
        field_path.push(seg);
        struct_name = short_name(&message.name);
        let elem = match field.ty {
            FieldType::String | FieldType::Bytes => "string".to_string(),
            FieldType::Int32 => "int32".into(),
            FieldType::Int64 => "int64".into(),
            FieldType::Bool => "bool".into(),
            FieldType::Double => "float64".into(),
            FieldType::Message(id) => go_message_type(&schema.message(id).name),
        };
        let indexed = segments[i].contains('[');
        go_type = match field.card {
            Cardinality::Repeated if !indexed => format!("[]{elem}"),
            Cardinality::Map if i + 1 == segments.len() => format!("map[string]{elem}"),
            _ => elem,
        };
        if field.card == Cardinality::Map {
            // The next segment is a map key; Go names the map field itself.
            break;
        }
        match field.ty {
            FieldType::Message(id) => message = schema.message(id),
            _ => break,
        }
        i += 1;
    }
    let value = match got {
        "boolean" => "bool",
        "integer" => "number",
        other => other,
    };
    format!(
        "json: cannot unmarshal {value} into Go struct field {struct_name}.{} of type {go_type}",
        field_path.join(".")
    )
}

fn short_name(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
}

/// `k8s.io.api.core.v1.Container` → `v1.Container`; well-known types as Go names them.
fn go_message_type(full: &str) -> String {
    match full {
        "k8s.io.apimachinery.pkg.api.resource.Quantity" => "resource.Quantity".into(),
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => "intstr.IntOrString".into(),
        _ => {
            let mut parts = full.rsplit('.');
            let name = parts.next().unwrap_or(full);
            let version = parts.next().unwrap_or("");
            format!("{version}.{name}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_frames_decode_with_the_schema_crate() {
        let ns = serde_json::json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "a"}});
        let env = envelope::encode(&GroupVersionKind::new("", "v1", "Namespace"), &ns).unwrap();
        let frame = watch_frame("ADDED", &env);
        let (payload, used) = envelope::next_frame(&frame).unwrap();
        assert_eq!(used, frame.len());
        let ev = envelope::decode_watch_event(payload).unwrap();
        assert_eq!(ev.event_type, "ADDED");
        assert_eq!(ev.object["metadata"]["name"], "a");
    }
}
