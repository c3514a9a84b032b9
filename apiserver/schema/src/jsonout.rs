//! Protobuf -> JSON bytes in one pass, without building a JSON tree: the value [`crate::decode`] builds, with
//! fields in Go's struct order and map keys sorted, as Go's encoder prints them. Anything unusual (malformed
//! input, a repeated inline struct, a map with a repeated key) gives `None`, and the caller uses the
//! tree-building decoder, which then gives the same value or the error.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::decode::{
    MAX_DEPTH, decode_message_value, is_struct, number_f64, quantity_string, time_string, zero_fields, zero_value,
};
use crate::schema::{Cardinality, Field, FieldType, GoPresence, Message, Special, schema};
use crate::wellknown;
use crate::wire::{self, FIXED64, LEN, Reader, VARINT, WireValue};

/// Where `metadata.resourceVersion` gets stamped.
#[derive(Clone, Copy)]
enum Stamp<'a> {
    None,
    /// In this object's `metadata`.
    Object(&'a str),
    /// In this ObjectMeta.
    Meta(&'a str),
}

type Hit<'a> = (u16, WireValue<'a>);

/// Writes `{"kind":…,"apiVersion":…,<fields>}` for a message of kind `m`; with `resource_version`, the
/// object's `metadata.resourceVersion` is that value, wherever the stored one was or was not.
pub(crate) fn write_object(
    m: &Message,
    kind: &str,
    api_version: &str,
    data: &[u8],
    resource_version: Option<&str>,
    out: &mut Vec<u8>,
) -> Option<()> {
    // The decoder puts kind and apiVersion first and would overwrite them with fields of the same name.
    if m.field_by_json("kind").is_some() || m.field_by_json("apiVersion").is_some() {
        return None;
    }
    let stamp = match resource_version {
        Some(rv) => {
            match m.field_by_json("metadata") {
                Some(f) if !f.inline && f.card == Cardinality::Optional => {}
                _ => return None,
            }
            Stamp::Object(rv)
        }
        None => Stamp::None,
    };
    out.extend_from_slice(b"{\"kind\":");
    write_str(out, kind);
    out.extend_from_slice(b",\"apiVersion\":");
    write_str(out, api_version);
    let mut first = false;
    write_fields(m, data, out, &mut first, 0, stamp)?;
    out.push(b'}');
    Some(())
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    // Most strings need no escaping: copy them. serde_json escapes the rest (writing to a Vec cannot fail).
    if b.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\') {
        out.reserve(b.len() + 2);
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

fn write_value(out: &mut Vec<u8>, v: &Value) {
    let _ = serde_json::to_writer(&mut *out, v);
}

fn write_key(out: &mut Vec<u8>, first: &mut bool, name: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    write_str(out, name);
    out.push(b':');
}

/// [`write_key`] for a schema field, whose `"name":` is precomputed.
fn write_field_key(out: &mut Vec<u8>, first: &mut bool, field: &Field) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.extend_from_slice(field.json_key.as_bytes());
}

fn write_fields(
    m: &Message,
    data: &[u8],
    out: &mut Vec<u8>,
    first: &mut bool,
    depth: usize,
    stamp: Stamp<'_>,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut hits: smallvec::SmallVec<[Hit<'_>; 16]> = smallvec::SmallVec::new();
    let mut reader = Reader::new(data);
    while !reader.is_empty() {
        let (number, value) = reader.field().ok()?;
        if let Some(i) = m.index_by_number(number) {
            hits.push((i as u16, value));
        }
    }
    // Fields are in Go order, so the index is the output order; the stable sort keeps list order.
    hits.sort_by_key(|h| h.0);
    if !matches!(stamp, Stamp::None) {
        // A stamped ObjectMeta writes resourceVersion even when it is absent: visit every field.
        let mut pos = 0;
        for (fi, field) in m.fields.iter().enumerate() {
            let start = pos;
            while pos < hits.len() && usize::from(hits[pos].0) == fi {
                pos += 1;
            }
            write_field(field, &hits[start..pos], out, first, depth, stamp)?;
        }
        return Some(());
    }
    // Otherwise only the fields present and those printed when absent: most fields of a message are
    // absent and print nothing.
    let (mut hi, mut li) = (0, 0);
    loop {
        let next_hit = hits.get(hi).map(|h| usize::from(h.0));
        let next_loud = m.loud.get(li).map(|&i| usize::from(i));
        let fi = match (next_hit, next_loud) {
            (None, None) => break,
            (Some(h), None) => h,
            (None, Some(l)) => l,
            (Some(h), Some(l)) => h.min(l),
        };
        let start = hi;
        while hi < hits.len() && usize::from(hits[hi].0) == fi {
            hi += 1;
        }
        if next_loud == Some(fi) {
            li += 1;
        }
        write_field(&m.fields[fi], &hits[start..hi], out, first, depth, stamp)?;
    }
    Some(())
}

fn write_field(
    field: &Field,
    vals: &[Hit<'_>],
    out: &mut Vec<u8>,
    first: &mut bool,
    depth: usize,
    stamp: Stamp<'_>,
) -> Option<()> {
    if field.inline {
        let FieldType::Message(id) = field.ty else {
            return Some(());
        };
        let inner = schema().message(id);
        match vals {
            [] => {
                let mut zero = Map::new();
                zero_fields(inner, &mut zero, depth + 1);
                for (k, v) in &zero {
                    write_key(out, first, k);
                    write_value(out, v);
                }
            }
            [(_, WireValue::Bytes(b))] => write_fields(inner, b, out, first, depth + 1, Stamp::None)?,
            _ => return None,
        }
        return Some(());
    }
    if let Stamp::Meta(rv) = stamp
        && field.json == "resourceVersion"
    {
        if vals.iter().any(|(_, v)| v.wire_type() != LEN) {
            return None;
        }
        write_field_key(out, first, field);
        write_str(out, rv);
        return Some(());
    }
    let inner_stamp = match stamp {
        Stamp::Object(rv) if field.json == "metadata" => Stamp::Meta(rv),
        _ => Stamp::None,
    };
    match field.card {
        Cardinality::Optional => {
            let Some((_, v)) = vals.last() else {
                if matches!(inner_stamp, Stamp::Meta(_)) {
                    return None;
                }
                if !matches!(field.go, GoPresence::Pointer | GoPresence::OmitZero)
                    && (field.go == GoPresence::Required || is_struct(field.ty))
                {
                    write_field_key(out, first, field);
                    write_value(out, &zero_value(field.ty, depth));
                }
                return Some(());
            };
            if is_struct(field.ty) {
                let mark = (out.len(), *first);
                write_field_key(out, first, field);
                let value_start = out.len();
                write_single(field.ty, v, out, depth, inner_stamp)?;
                if field.go == GoPresence::OmitZero && is_zero_json(&out[value_start..]) {
                    out.truncate(mark.0);
                    *first = mark.1;
                }
                return Some(());
            }
            if scalar_is_zero(field.ty, v)? && matches!(field.go, GoPresence::Value | GoPresence::OmitZero) {
                return Some(());
            }
            write_field_key(out, first, field);
            write_single(field.ty, v, out, depth, Stamp::None)
        }
        Cardinality::Repeated => {
            if vals.is_empty() {
                write_absent_collection(field, out, first);
                return Some(());
            }
            write_field_key(out, first, field);
            out.push(b'[');
            let mut n = 0usize;
            let mut item = |out: &mut Vec<u8>, wv: &WireValue<'_>| {
                if n > 0 {
                    out.push(b',');
                }
                n += 1;
                write_single(field.ty, wv, out, depth, Stamp::None)
            };
            for (_, v) in vals {
                match (v, field.ty) {
                    // Packed scalars.
                    (
                        WireValue::Bytes(b),
                        FieldType::Int32 | FieldType::Int64 | FieldType::Bool | FieldType::Double,
                    ) => {
                        for wv in wire::packed(b, field.ty == FieldType::Double) {
                            item(out, &wv.ok()?)?;
                        }
                    }
                    _ => item(out, v)?,
                }
            }
            out.push(b']');
            Some(())
        }
        Cardinality::Map => {
            if vals.is_empty() {
                write_absent_collection(field, out, first);
                return Some(());
            }
            let mut entries: smallvec::SmallVec<[(Cow<'_, str>, Option<WireValue<'_>>); 8]> =
                smallvec::SmallVec::with_capacity(vals.len());
            for (_, v) in vals {
                let WireValue::Bytes(b) = v else {
                    return None;
                };
                let mut key = Cow::Borrowed("");
                let mut value = None;
                let mut r = Reader::new(b);
                while !r.is_empty() {
                    match r.field().ok()? {
                        (1, WireValue::Bytes(k)) => key = text(k),
                        (2, wv) => value = Some(wv),
                        _ => {}
                    }
                }
                entries.push((key, value));
            }
            // Go prints maps sorted by key. A repeated key (which the decoder resolves, after decoding every
            // value) is left to the decoder.
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            if entries.windows(2).any(|w| w[0].0 == w[1].0) {
                return None;
            }
            write_field_key(out, first, field);
            out.push(b'{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key);
                out.push(b':');
                match value {
                    Some(wv) => write_single(field.ty, wv, out, depth, Stamp::None)?,
                    None if field.ty == FieldType::Bytes => out.extend_from_slice(b"\"\""),
                    None => write_value(out, &zero_value(field.ty, depth)),
                }
            }
            out.push(b'}');
            Some(())
        }
    }
}

/// An unset list or map prints `null` when Go's field has no `omitempty`, and nothing otherwise.
fn write_absent_collection(field: &Field, out: &mut Vec<u8>, first: &mut bool) {
    if field.go == GoPresence::Required {
        write_field_key(out, first, field);
        out.extend_from_slice(b"null");
    }
}

/// The text of a protobuf string, as the decoder reads it (invalid UTF-8 replaced).
fn text(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// What the decoder's zero test says of the JSON it would build, read from the printed form.
fn is_zero_json(s: &[u8]) -> bool {
    matches!(s, b"null" | b"false" | b"0" | b"\"\"" | b"[]" | b"{}")
}

fn expected_wire(ty: FieldType) -> u8 {
    match ty {
        FieldType::String | FieldType::Bytes | FieldType::Message(_) => LEN,
        FieldType::Int32 | FieldType::Int64 | FieldType::Bool => VARINT,
        FieldType::Double => FIXED64,
    }
}

/// Whether a scalar decodes to its zero value; `None` for a value the decoder refuses.
fn scalar_is_zero(ty: FieldType, v: &WireValue<'_>) -> Option<bool> {
    if v.wire_type() != expected_wire(ty) {
        return None;
    }
    Some(match (ty, *v) {
        (FieldType::String | FieldType::Bytes, WireValue::Bytes(b)) => b.is_empty(),
        (FieldType::Int32, WireValue::Varint(x)) => x as i64 as i32 == 0,
        (FieldType::Int64 | FieldType::Bool, WireValue::Varint(x)) => x == 0,
        (FieldType::Double, WireValue::Fixed64(x)) => {
            let f = f64::from_bits(x);
            if !f.is_finite() {
                return None;
            }
            f == 0.0
        }
        _ => return None,
    })
}

fn write_single(ty: FieldType, v: &WireValue<'_>, out: &mut Vec<u8>, depth: usize, stamp: Stamp<'_>) -> Option<()> {
    if v.wire_type() != expected_wire(ty) {
        return None;
    }
    match (ty, *v) {
        (FieldType::String, WireValue::Bytes(b)) => write_str(out, &text(b)),
        (FieldType::Bytes, WireValue::Bytes(b)) => write_str(out, &wellknown::base64_encode(b)),
        (FieldType::Int32, WireValue::Varint(x)) => {
            let _ = serde_json::to_writer(&mut *out, &(x as i64 as i32));
        }
        (FieldType::Int64, WireValue::Varint(x)) => {
            let _ = serde_json::to_writer(&mut *out, &(x as i64));
        }
        (FieldType::Bool, WireValue::Varint(x)) => out.extend_from_slice(if x != 0 { b"true" } else { b"false" }),
        (FieldType::Double, WireValue::Fixed64(x)) => write_value(out, &number_f64(f64::from_bits(x)).ok()?),
        (FieldType::Message(id), WireValue::Bytes(b)) => {
            write_message_value(schema().message(id), b, out, depth + 1, stamp)?
        }
        _ => out.extend_from_slice(b"null"),
    }
    Some(())
}

fn write_message_value(m: &Message, data: &[u8], out: &mut Vec<u8>, depth: usize, stamp: Stamp<'_>) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    if m.special == Special::None {
        out.push(b'{');
        let mut first = true;
        write_fields(m, data, out, &mut first, depth, stamp)?;
        out.push(b'}');
        return Some(());
    }
    if !matches!(stamp, Stamp::None) {
        return None;
    }
    // Times, quantities and the other special forms are single values: the decoder's own code prints them.
    match m.special {
        Special::Time | Special::MicroTime => match time_string(m, data).ok()? {
            Some(t) => write_str(out, &t),
            None => out.extend_from_slice(b"null"),
        },
        Special::Quantity => write_str(out, &quantity_string(data).ok()?),
        _ => write_value(out, &decode_message_value(m, data, depth).ok()?),
    }
    Some(())
}
