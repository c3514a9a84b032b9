//! How objects are encoded in etcd: built-in kinds as upstream's protobuf envelope at their storage version,
//! custom resources as JSON. Decoding accepts both, as upstream does.

use ferrokube_apischema::{GroupVersionKind, envelope};
use serde_json::Value;

use crate::resource::ResourceSpec;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The object's JSON does not have the types its kind needs (the client's error).
    #[error("{0}")]
    Type(ferrokube_apischema::TranscodeError),
    #[error("encoding {kind} for storage: {reason}")]
    Encode { kind: String, reason: String },
    #[error("decoding the stored value of {key}: {reason}")]
    Decode { key: String, reason: String },
}

/// Encodes an object (in the storage version, without resourceVersion) in its storage form.
pub fn encode(spec: &ResourceSpec, obj: &Value) -> Result<Vec<u8>, CodecError> {
    if spec.crd.is_some() {
        // Custom resources are stored as JSON, as upstream stores them.
        return serde_json::to_vec(obj).map_err(|e| CodecError::Encode {
            kind: spec.storage_kind.to_string(),
            reason: e.to_string(),
        });
    }
    let gvk = GroupVersionKind::new(spec.storage_group, spec.storage_version, spec.storage_kind);
    envelope::encode(&gvk, obj).map_err(|e| match e {
        ferrokube_apischema::TranscodeError::UnknownKind(kind) => CodecError::Encode {
            kind: spec.storage_kind.to_string(),
            reason: format!("no schema for {kind}"),
        },
        other => CodecError::Type(other),
    })
}

/// Decodes a stored value and stamps `metadata.resourceVersion` with its mod revision.
pub fn decode(key: &str, bytes: &[u8], mod_revision: i64) -> Result<Value, CodecError> {
    let err = |reason: String| CodecError::Decode {
        key: key.to_string(),
        reason,
    };
    let mut obj = if bytes.starts_with(envelope::MAGIC) {
        envelope::decode(bytes).map_err(|e| err(e.to_string()))?.1
    } else {
        serde_json::from_slice(bytes).map_err(|e| err(e.to_string()))?
    };
    envelope::stamp_resource_version(&mut obj, &mod_revision.to_string());
    Ok(obj)
}

/// Decodes a stored value into the JSON a read of it returns (`resourceVersion` stamped, no trailing
/// newline): written straight from the protobuf when the one-pass writer can, else through [`decode`].
pub fn decode_json(key: &str, bytes: &[u8], mod_revision: i64) -> Result<bytes::Bytes, CodecError> {
    if bytes.starts_with(envelope::MAGIC)
        && let Some(json) = envelope::to_json(bytes, Some(&mod_revision.to_string()))
    {
        return Ok(json.into());
    }
    let obj = decode(key, bytes, mod_revision)?;
    if bytes.starts_with(envelope::MAGIC) {
        // A built-in object the one-pass writer left to the decoder: still in Go's order.
        let mut out = Vec::new();
        ferrokube_apischema::write_go_json(&obj, &mut out);
        return Ok(out.into());
    }
    serde_json::to_vec(&obj)
        .map(Into::into)
        .map_err(|e| CodecError::Decode {
            key: key.to_string(),
            reason: e.to_string(),
        })
}

/// The object as a read of it would return it: fields in upstream's order, as decoded from storage.
pub fn canonical(spec: &ResourceSpec, obj: Value) -> Value {
    if spec.crd.is_some() {
        return obj;
    }
    let Ok(bytes) = encode(spec, &obj) else { return obj };
    let rv = crate::object::meta(&obj)
        .and_then(|m| m.get("resourceVersion"))
        .cloned();
    match envelope::decode(&bytes) {
        Ok((_, mut v)) => {
            if let Some(rv) = rv {
                crate::object::set_meta(&mut v, "resourceVersion", rv);
            }
            v
        }
        Err(_) => obj,
    }
}
