//! Protobuf -> JSON: builds the object Go's encoder would print for the decoded struct.

use ferrokube_apimachinery::quantity::Quantity;
use serde_json::{Map, Number, Value};

use crate::error::TranscodeError;
use crate::schema::{Cardinality, Field, FieldType, GoPresence, Message, Special, schema};
use crate::wellknown;
use crate::wire::{self, FIXED64, LEN, Reader, VARINT, WireValue};

pub(crate) const MAX_DEPTH: usize = 100;

/// Decodes a message body (no envelope) into a JSON object.
pub fn decode_message(message: &Message, data: &[u8]) -> Result<Map<String, Value>, TranscodeError> {
    let mut out = Map::new();
    decode_into(message, data, &mut out, 0)?;
    Ok(out)
}

fn wrong_wire(message: &Message, field: &Field, got: u8, expected: u8) -> TranscodeError {
    TranscodeError::WrongWireType {
        path: String::new(),
        message: message.name.clone(),
        number: field.number,
        wire_type: got,
        expected,
    }
}

fn decode_into(
    message: &Message,
    data: &[u8],
    out: &mut Map<String, Value>,
    depth: usize,
) -> Result<(), TranscodeError> {
    if depth > MAX_DEPTH {
        return Err(TranscodeError::TooDeep {
            path: String::new(),
            limit: MAX_DEPTH,
        });
    }
    let mut hits: Vec<(u16, WireValue<'_>)> = Vec::new();
    let mut reader = Reader::new(data);
    while !reader.is_empty() {
        let (number, value) = reader.field()?;
        if let Some(i) = message.index_by_number(number) {
            hits.push((i as u16, value));
        }
    }
    // Fields are stored in Go order, so their index is the output order; a stable sort keeps list order.
    hits.sort_by_key(|h| h.0);
    // One allocation per message: each field gets a slice of this.
    let values: Vec<WireValue<'_>> = hits.iter().map(|h| h.1).collect();
    let mut pos = 0;
    for (fi, field) in message.fields.iter().enumerate() {
        let start = pos;
        while pos < hits.len() && usize::from(hits[pos].0) == fi {
            pos += 1;
        }
        emit_field(message, field, &values[start..pos], out, depth).map_err(|e| e.under(&field.json))?;
    }
    Ok(())
}

fn emit_field(
    message: &Message,
    field: &Field,
    values: &[WireValue<'_>],
    out: &mut Map<String, Value>,
    depth: usize,
) -> Result<(), TranscodeError> {
    if field.inline {
        let FieldType::Message(id) = field.ty else {
            return Ok(());
        };
        let inner = schema().message(id);
        if values.is_empty() {
            zero_fields(inner, out, depth + 1);
        }
        for v in values {
            let WireValue::Bytes(b) = v else {
                return Err(wrong_wire(message, field, v.wire_type(), LEN));
            };
            decode_into(inner, b, out, depth + 1)?;
        }
        return Ok(());
    }
    match field.card {
        Cardinality::Optional => {
            // The last occurrence wins (messages would merge in Go; no Kubernetes encoder repeats them).
            let Some(v) = values.last() else {
                if !matches!(field.go, GoPresence::Pointer | GoPresence::OmitZero)
                    && (field.go == GoPresence::Required || is_struct(field.ty))
                {
                    out.insert(field.json.clone(), zero_value(field.ty, depth));
                }
                return Ok(());
            };
            let value = decode_single(message, field, field.ty, v, depth)?;
            if field.go == GoPresence::Value && !is_struct(field.ty) && is_zero(&value) {
                return Ok(());
            }
            if field.go == GoPresence::OmitZero && (value.is_null() || is_zero(&value)) {
                return Ok(());
            }
            out.insert(field.json.clone(), value);
        }
        Cardinality::Repeated => {
            if values.is_empty() {
                if field.go == GoPresence::Required {
                    out.insert(field.json.clone(), Value::Null);
                }
                return Ok(());
            }
            let mut items = Vec::with_capacity(values.len());
            for v in values {
                match (v, field.ty) {
                    // Packed scalars (proto3 style): accepted although Kubernetes writes them unpacked.
                    (
                        WireValue::Bytes(b),
                        FieldType::Int32 | FieldType::Int64 | FieldType::Bool | FieldType::Double,
                    ) => {
                        for wv in wire::packed(b, field.ty == FieldType::Double) {
                            items.push(decode_single(message, field, field.ty, &wv?, depth)?);
                        }
                    }
                    _ => {
                        let i = items.len();
                        items.push(
                            decode_single(message, field, field.ty, v, depth)
                                .map_err(|e| e.under(&format!("[{i}]")))?,
                        );
                    }
                }
            }
            out.insert(field.json.clone(), Value::Array(items));
        }
        Cardinality::Map => {
            if values.is_empty() {
                if field.go == GoPresence::Required {
                    out.insert(field.json.clone(), Value::Null);
                }
                return Ok(());
            }
            let mut entries: Vec<(String, Value)> = Vec::with_capacity(values.len());
            for v in values {
                let WireValue::Bytes(b) = v else {
                    return Err(wrong_wire(message, field, v.wire_type(), LEN));
                };
                let mut key = String::new();
                let mut value = None;
                let mut r = Reader::new(b);
                while !r.is_empty() {
                    match r.field()? {
                        (1, WireValue::Bytes(k)) => key = String::from_utf8_lossy(k).into_owned(),
                        (2, wv) => value = Some(wv),
                        _ => {}
                    }
                }
                let value = match value {
                    Some(wv) => decode_single(message, field, field.ty, &wv, depth).map_err(|e| e.under(&key))?,
                    // Go's generated decoder starts a bytes map value as an empty, non-nil slice: `""`, not null.
                    None if field.ty == FieldType::Bytes => Value::String(String::new()),
                    None => zero_value(field.ty, depth),
                };
                entries.push((key, value));
            }
            // Go prints maps sorted by key; a repeated key keeps its last value.
            entries.reverse();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|a, b| a.0 == b.0);
            out.insert(field.json.clone(), Value::Object(entries.into_iter().collect()));
        }
    }
    Ok(())
}

pub(crate) fn is_struct(ty: FieldType) -> bool {
    matches!(ty, FieldType::Message(_))
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// The JSON Go prints for a zero value of this type.
pub(crate) fn zero_value(ty: FieldType, depth: usize) -> Value {
    match ty {
        FieldType::String | FieldType::Bytes => {
            if ty == FieldType::Bytes {
                Value::Null
            } else {
                Value::String(String::new())
            }
        }
        FieldType::Int32 | FieldType::Int64 | FieldType::Double => Value::Number(0.into()),
        FieldType::Bool => Value::Bool(false),
        FieldType::Message(id) => {
            let m = schema().message(id);
            match m.special {
                Special::None => {
                    let mut out = Map::new();
                    zero_fields(m, &mut out, depth + 1);
                    Value::Object(out)
                }
                Special::Duration => Value::String("0s".into()),
                Special::IntOrString => Value::Number(0.into()),
                Special::Quantity => Value::String("0".into()),
                _ => Value::Null,
            }
        }
    }
}

/// The fields Go prints for a zero struct: required ones and nested struct values.
pub(crate) fn zero_fields(m: &Message, out: &mut Map<String, Value>, depth: usize) {
    if depth > 20 {
        return;
    }
    for f in &m.fields {
        if f.inline {
            if let FieldType::Message(id) = f.ty {
                zero_fields(schema().message(id), out, depth + 1);
            }
            continue;
        }
        let emit = match f.card {
            Cardinality::Optional => f.go == GoPresence::Required || (f.go == GoPresence::Value && is_struct(f.ty)),
            _ => f.go == GoPresence::Required,
        };
        if emit {
            let v = if f.card == Cardinality::Optional {
                zero_value(f.ty, depth)
            } else {
                Value::Null
            };
            out.insert(f.json.clone(), v);
        }
    }
}

pub(crate) fn number_f64(f: f64) -> Result<Value, TranscodeError> {
    if !f.is_finite() {
        return Err(TranscodeError::NotFinite {
            path: String::new(),
            value: f.to_string(),
        });
    }
    // Go prints integral floats without a fraction.
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return Ok(Value::Number(Number::from(f as i64)));
    }
    Ok(Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null))
}

pub(crate) fn decode_single(
    message: &Message,
    field: &Field,
    ty: FieldType,
    v: &WireValue<'_>,
    depth: usize,
) -> Result<Value, TranscodeError> {
    let expected = match ty {
        FieldType::String | FieldType::Bytes | FieldType::Message(_) => LEN,
        FieldType::Int32 | FieldType::Int64 | FieldType::Bool => VARINT,
        FieldType::Double => FIXED64,
    };
    if v.wire_type() != expected {
        return Err(wrong_wire(message, field, v.wire_type(), expected));
    }
    Ok(match (ty, *v) {
        (FieldType::String, WireValue::Bytes(b)) => Value::String(String::from_utf8_lossy(b).into_owned()),
        (FieldType::Bytes, WireValue::Bytes(b)) => Value::String(wellknown::base64_encode(b)),
        (FieldType::Int32, WireValue::Varint(x)) => Value::Number(Number::from(x as i64 as i32)),
        (FieldType::Int64, WireValue::Varint(x)) => Value::Number(Number::from(x as i64)),
        (FieldType::Bool, WireValue::Varint(x)) => Value::Bool(x != 0),
        (FieldType::Double, WireValue::Fixed64(x)) => number_f64(f64::from_bits(x))?,
        (FieldType::Message(id), WireValue::Bytes(b)) => decode_message_value(schema().message(id), b, depth + 1)?,
        _ => Value::Null,
    })
}

/// Reads a message's fields as (number, value) pairs, for the hand-written special forms.
fn fields_of(data: &[u8]) -> Result<smallvec::SmallVec<[(u32, WireValue<'_>); 4]>, TranscodeError> {
    let mut r = Reader::new(data);
    let mut out = smallvec::SmallVec::new();
    while !r.is_empty() {
        out.push(r.field()?);
    }
    Ok(out)
}

fn varint_of(fields: &[(u32, WireValue<'_>)], number: u32) -> u64 {
    fields
        .iter()
        .rev()
        .find_map(|(n, v)| match (n, v) {
            (n, WireValue::Varint(x)) if *n == number => Some(*x),
            _ => None,
        })
        .unwrap_or(0)
}

fn bytes_of<'a>(fields: &[(u32, WireValue<'a>)], number: u32) -> Option<&'a [u8]> {
    fields.iter().rev().find_map(|(n, v)| match (n, v) {
        (n, WireValue::Bytes(b)) if *n == number => Some(*b),
        _ => None,
    })
}

fn raw_json(b: &[u8]) -> Result<Value, TranscodeError> {
    if b.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(b).map_err(|e| TranscodeError::BadRawJson {
        path: String::new(),
        reason: e.to_string(),
    })
}

/// The JSON string of a stored Time or MicroTime message; `None` for an empty one (`null`).
pub(crate) fn time_string(m: &Message, data: &[u8]) -> Result<Option<String>, TranscodeError> {
    if data.is_empty() {
        return Ok(None);
    }
    let f = fields_of(data)?;
    let secs = varint_of(&f, 1) as i64;
    let nanos = varint_of(&f, 2) as i64 as i32;
    // Go's Time.MarshalJSON refuses years outside 0..=9999 (they would not parse back either).
    if !(wellknown::MIN_TIME_SECONDS..=wellknown::MAX_TIME_SECONDS).contains(&secs) {
        return Err(TranscodeError::BadTime {
            path: String::new(),
            value: format!("{secs}s since the epoch"),
            reason: "year outside of range [0,9999]",
        });
    }
    Ok(Some(wellknown::format_time(
        secs,
        nanos,
        m.special == Special::MicroTime,
    )))
}

/// The canonical string of a stored Quantity message.
pub(crate) fn quantity_string(data: &[u8]) -> Result<String, TranscodeError> {
    let f = fields_of(data)?;
    let s = String::from_utf8_lossy(bytes_of(&f, 1).unwrap_or_default());
    if s.is_empty() {
        return Ok("0".into());
    }
    let q = Quantity::parse(&s).map_err(|e| TranscodeError::BadQuantity {
        path: String::new(),
        value: s.to_string(),
        reason: e.to_string(),
    })?;
    Ok(q.canonical())
}

/// Decodes the body of a message-typed value into its JSON form.
pub(crate) fn decode_message_value(m: &Message, data: &[u8], depth: usize) -> Result<Value, TranscodeError> {
    if depth > MAX_DEPTH {
        return Err(TranscodeError::TooDeep {
            path: String::new(),
            limit: MAX_DEPTH,
        });
    }
    match m.special {
        Special::None => {
            let mut out = Map::new();
            decode_into(m, data, &mut out, depth)?;
            Ok(Value::Object(out))
        }
        Special::Time | Special::MicroTime => Ok(time_string(m, data)?.map_or(Value::Null, Value::String)),
        Special::Duration => {
            let f = fields_of(data)?;
            Ok(Value::String(wellknown::format_duration(varint_of(&f, 1) as i64)))
        }
        Special::IntOrString => {
            let f = fields_of(data)?;
            if varint_of(&f, 1) == 1 {
                let s = bytes_of(&f, 3).unwrap_or_default();
                Ok(Value::String(String::from_utf8_lossy(s).into_owned()))
            } else {
                Ok(Value::Number(Number::from(varint_of(&f, 2) as i64 as i32)))
            }
        }
        Special::Quantity => Ok(Value::String(quantity_string(data)?)),
        Special::RawJson | Special::FieldsV1 => {
            let f = fields_of(data)?;
            raw_json(bytes_of(&f, 1).unwrap_or_default())
        }
        Special::SchemaOrArray => {
            let item = sub_message(m, 1);
            let f = fields_of(data)?;
            let many: Vec<&[u8]> = f
                .iter()
                .filter_map(|(n, v)| match v {
                    WireValue::Bytes(b) if *n == 2 => Some(*b),
                    _ => None,
                })
                .collect();
            if let Some(b) = bytes_of(&f, 1) {
                return decode_message_value(item, b, depth + 1);
            }
            if many.is_empty() {
                return Ok(Value::Null);
            }
            let items = many
                .into_iter()
                .map(|b| decode_message_value(item, b, depth + 1))
                .collect::<Result<_, _>>()?;
            Ok(Value::Array(items))
        }
        Special::SchemaOrBool => {
            let f = fields_of(data)?;
            if let Some(b) = bytes_of(&f, 2) {
                return decode_message_value(sub_message(m, 2), b, depth + 1);
            }
            Ok(Value::Bool(varint_of(&f, 1) != 0))
        }
        Special::SchemaOrStringArray => {
            let f = fields_of(data)?;
            let props: Vec<Value> = f
                .iter()
                .filter_map(|(n, v)| match v {
                    WireValue::Bytes(b) if *n == 2 => Some(Value::String(String::from_utf8_lossy(b).into_owned())),
                    _ => None,
                })
                .collect();
            if !props.is_empty() {
                return Ok(Value::Array(props));
            }
            match bytes_of(&f, 1) {
                Some(b) => decode_message_value(sub_message(m, 1), b, depth + 1),
                None => Ok(Value::Null),
            }
        }
    }
}

/// The message type of field `number` of a union message (JSONSchemaProps for the apiextensions unions).
fn sub_message(m: &Message, number: u32) -> &'static Message {
    let s = schema();
    match m.field_by_number(number).map(|f| f.ty) {
        Some(FieldType::Message(id)) => s.message(id),
        _ => s.message(m.id),
    }
}
