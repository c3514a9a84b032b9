//! JSON -> protobuf: writes an object's fields in field-number order, as gogo-generated marshalers do.

use ferrokube_apimachinery::quantity::Quantity;
use serde_json::{Map, Value};

use crate::error::TranscodeError;
use crate::schema::{Cardinality, Field, FieldType, GoPresence, JsonTarget, Message, Special, schema};
use crate::wellknown;
use crate::wire::{self, FIXED64, VARINT};

const MAX_DEPTH: usize = 100;

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_err(expected: &'static str, got: &Value) -> TranscodeError {
    TranscodeError::JsonType {
        path: String::new(),
        expected,
        got: json_kind(got),
    }
}

/// Encodes a JSON object as the body of `message` (no envelope). Unknown JSON fields are skipped, as
/// Go's non-strict decoder skips them.
pub fn encode_message(message: &Message, value: &Value, out: &mut Vec<u8>) -> Result<(), TranscodeError> {
    encode_value_body(message, value, out, 0)
}

fn encode_value_body(message: &Message, value: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), TranscodeError> {
    match value {
        Value::Object(obj) => encode_object(message, obj, out, depth),
        Value::Null => Ok(()),
        other => Err(type_err("object", other)),
    }
}

fn encode_object(
    message: &Message,
    obj: &Map<String, Value>,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), TranscodeError> {
    if depth > MAX_DEPTH {
        return Err(TranscodeError::TooDeep {
            path: String::new(),
            limit: MAX_DEPTH,
        });
    }
    // (field index) of the fields present, then written in field-number order.
    // The value is taken with its key (an inline struct's fields are looked up in `obj` again).
    let mut present: smallvec::SmallVec<[(u16, Option<&Value>); 16]> = smallvec::SmallVec::new();
    for (key, value) in obj {
        match message.by_json.get(key.as_str()) {
            Some(JsonTarget::Direct(i)) => present.push((*i, Some(value))),
            Some(JsonTarget::Inline(i)) if !present.iter().any(|(p, _)| p == i) => present.push((*i, None)),
            _ => {}
        }
    }
    present.sort_unstable_by_key(|&(i, _)| message.fields[usize::from(i)].number);
    for (i, v) in present {
        let field = &message.fields[usize::from(i)];
        if field.inline {
            let FieldType::Message(id) = field.ty else { continue };
            let start = wire::begin_len(out, field.number);
            encode_object(schema().message(id), obj, out, depth + 1)?;
            wire::end_len(out, start);
            continue;
        }
        let Some(v) = v else {
            continue;
        };
        encode_field(field, v, out, depth).map_err(|e| e.under(&field.json))?;
    }
    Ok(())
}

fn encode_field(field: &Field, v: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), TranscodeError> {
    match field.card {
        Cardinality::Optional => {
            if v.is_null() {
                // A Go struct value that is null in JSON is its zero value; gogo writes zero times as empty messages.
                if let FieldType::Message(id) = field.ty
                    && field.go != GoPresence::Pointer
                    && matches!(schema().message(id).special, Special::Time | Special::MicroTime)
                {
                    wire::put_bytes(out, field.number, &[]);
                }
                return Ok(());
            }
            encode_single(field.number, field.ty, v, out, depth)
        }
        Cardinality::Repeated => match v {
            Value::Null => Ok(()),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() && !matches!(field.ty, FieldType::Message(_)) {
                        return Err(type_err("a non-null list element", item).under(&format!("[{i}]")));
                    }
                    encode_single(field.number, field.ty, item, out, depth).map_err(|e| e.under(&format!("[{i}]")))?;
                }
                Ok(())
            }
            other => Err(type_err("array", other)),
        },
        Cardinality::Map => match v {
            Value::Null => Ok(()),
            Value::Object(entries) => {
                // gogo writes map entries sorted by key.
                let mut sorted: smallvec::SmallVec<[(&String, &Value); 16]> = entries.iter().collect();
                sorted.sort_unstable_by_key(|&(k, _)| k);
                for (key, value) in sorted {
                    let start = wire::begin_len(out, field.number);
                    wire::put_bytes(out, 1, key.as_bytes());
                    encode_single(2, field.ty, value, out, depth).map_err(|e| e.under(key))?;
                    wire::end_len(out, start);
                }
                Ok(())
            }
            other => Err(type_err("object", other)),
        },
    }
}

fn as_i64(v: &Value, ty: &'static str) -> Result<i64, TranscodeError> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.2e18
            {
                Ok(f as i64)
            } else {
                Err(TranscodeError::OutOfRange {
                    path: String::new(),
                    value: n.to_string(),
                    ty,
                })
            }
        }
        other => Err(type_err("number", other)),
    }
}

fn encode_single(number: u32, ty: FieldType, v: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), TranscodeError> {
    match ty {
        FieldType::String => match v {
            Value::String(s) => wire::put_bytes(out, number, s.as_bytes()),
            // A null map value or list element is Go's zero string.
            Value::Null => wire::put_bytes(out, number, &[]),
            other => return Err(type_err("string", other)),
        },
        FieldType::Int32 => {
            let i = as_i64(v, "int32")?;
            let i = i32::try_from(i).map_err(|_| TranscodeError::OutOfRange {
                path: String::new(),
                value: i.to_string(),
                ty: "int32",
            })?;
            wire::put_tag(out, number, VARINT);
            wire::put_varint(out, i64::from(i) as u64);
        }
        FieldType::Int64 => {
            let i = as_i64(v, "int64")?;
            wire::put_tag(out, number, VARINT);
            wire::put_varint(out, i as u64);
        }
        FieldType::Bool => match v {
            Value::Bool(b) => {
                wire::put_tag(out, number, VARINT);
                out.push(u8::from(*b));
            }
            other => return Err(type_err("bool", other)),
        },
        FieldType::Double => match v {
            Value::Number(n) => {
                let f = n.as_f64().unwrap_or_default();
                wire::put_tag(out, number, FIXED64);
                out.extend_from_slice(&f.to_le_bytes());
            }
            other => return Err(type_err("number", other)),
        },
        FieldType::Bytes => match v {
            Value::String(s) => {
                let b = wellknown::base64_decode(s).ok_or(TranscodeError::BadBase64 { path: String::new() })?;
                wire::put_bytes(out, number, &b);
            }
            Value::Null => wire::put_bytes(out, number, &[]),
            other => return Err(type_err("base64 string", other)),
        },
        FieldType::Message(id) => {
            let m = schema().message(id);
            let start = wire::begin_len(out, number);
            encode_message_value(m, v, out, depth + 1)?;
            wire::end_len(out, start);
        }
    }
    Ok(())
}

fn put_timestamp(out: &mut Vec<u8>, seconds: i64, nanos: i32) {
    wire::put_tag(out, 1, VARINT);
    wire::put_varint(out, seconds as u64);
    wire::put_tag(out, 2, VARINT);
    wire::put_varint(out, i64::from(nanos) as u64);
}

fn raw_json(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Writes the body of a message-typed value (the length prefix is the caller's).
fn encode_message_value(m: &Message, v: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), TranscodeError> {
    if depth > MAX_DEPTH {
        return Err(TranscodeError::TooDeep {
            path: String::new(),
            limit: MAX_DEPTH,
        });
    }
    match m.special {
        Special::None => encode_value_body(m, v, out, depth),
        Special::Time | Special::MicroTime => match v {
            Value::Null => Ok(()),
            Value::String(s) => {
                let (secs, nanos) = wellknown::parse_time(s).map_err(|reason| TranscodeError::BadTime {
                    path: String::new(),
                    value: s.clone(),
                    reason,
                })?;
                // Both Time and MicroTime keep microseconds on the wire.
                put_timestamp(out, secs, nanos / 1000 * 1000);
                Ok(())
            }
            other => Err(type_err("RFC 3339 time string", other)),
        },
        Special::Duration => match v {
            Value::String(s) => {
                let d = wellknown::parse_duration(s).ok_or_else(|| TranscodeError::BadDuration {
                    path: String::new(),
                    value: s.clone(),
                })?;
                wire::put_tag(out, 1, VARINT);
                wire::put_varint(out, d as u64);
                Ok(())
            }
            other => Err(type_err("duration string", other)),
        },
        Special::IntOrString => {
            // gogo writes all three fields: type, intVal, strVal.
            let (kind, int, s): (u64, i32, &str) = match v {
                Value::Number(_) => {
                    let i = as_i64(v, "int32")?;
                    let i = i32::try_from(i).map_err(|_| TranscodeError::OutOfRange {
                        path: String::new(),
                        value: i.to_string(),
                        ty: "int32",
                    })?;
                    (0, i, "")
                }
                Value::String(s) => (1, 0, s.as_str()),
                other => return Err(type_err("number or string", other)),
            };
            wire::put_tag(out, 1, VARINT);
            wire::put_varint(out, kind);
            wire::put_tag(out, 2, VARINT);
            wire::put_varint(out, i64::from(int) as u64);
            wire::put_bytes(out, 3, s.as_bytes());
            Ok(())
        }
        Special::Quantity => {
            let text = match v {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                other => return Err(type_err("quantity string", other)),
            };
            let q = Quantity::parse(&text).map_err(|e| TranscodeError::BadQuantity {
                path: String::new(),
                value: text.clone(),
                reason: e.to_string(),
            })?;
            wire::put_bytes(out, 1, q.canonical().as_bytes());
            Ok(())
        }
        Special::RawJson | Special::FieldsV1 => {
            if !v.is_null() {
                wire::put_bytes(out, 1, &raw_json(v));
            }
            Ok(())
        }
        Special::SchemaOrArray => {
            let (schema_field, array_field) = (field_ty(m, 1), field_ty(m, 2));
            match v {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        encode_single(2, array_field, item, out, depth).map_err(|e| e.under(&format!("[{i}]")))?;
                    }
                    Ok(())
                }
                Value::Object(_) => encode_single(1, schema_field, v, out, depth),
                other => Err(type_err("schema object or array", other)),
            }
        }
        Special::SchemaOrBool => match v {
            Value::Bool(b) => {
                wire::put_tag(out, 1, VARINT);
                out.push(u8::from(*b));
                Ok(())
            }
            Value::Object(_) => {
                wire::put_tag(out, 1, VARINT);
                out.push(1);
                encode_single(2, field_ty(m, 2), v, out, depth)
            }
            other => Err(type_err("bool or schema object", other)),
        },
        Special::SchemaOrStringArray => match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    encode_single(2, FieldType::String, item, out, depth).map_err(|e| e.under(&format!("[{i}]")))?;
                }
                Ok(())
            }
            Value::Object(_) => encode_single(1, field_ty(m, 1), v, out, depth),
            other => Err(type_err("schema object or string array", other)),
        },
    }
}

fn field_ty(m: &Message, number: u32) -> FieldType {
    m.field_by_number(number).map(|f| f.ty).unwrap_or(FieldType::Bytes)
}
