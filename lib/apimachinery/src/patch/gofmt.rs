//! How Go prints decoded JSON in the patch libraries' messages: `%v` of `interface{}` values, type
//! names from `reflect`, and `encoding/json`'s decode errors.

use serde_json::Value;

use crate::gostr::go_format_float;

/// The Go type a decoded JSON value has upstream (`json.Unmarshal` into `interface{}`, integers kept
/// as `int64` as the apiserver's decoder keeps them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GoType {
    Nil,
    Bool,
    Int,
    Float,
    String,
    Slice,
    Map,
}

pub(crate) fn go_type(v: &Value) -> GoType {
    match v {
        Value::Null => GoType::Nil,
        Value::Bool(_) => GoType::Bool,
        Value::Number(n) if n.is_i64() => GoType::Int,
        Value::Number(_) => GoType::Float,
        Value::String(_) => GoType::String,
        Value::Array(_) => GoType::Slice,
        Value::Object(_) => GoType::Map,
    }
}

/// `reflect.TypeOf(v)` printed with `%s`.
pub(crate) fn go_type_name(v: &Value) -> &'static str {
    match go_type(v) {
        GoType::Nil => "%!s(<nil>)",
        GoType::Bool => "bool",
        GoType::Int => "int64",
        GoType::Float => "float64",
        GoType::String => "string",
        GoType::Slice => "[]interface {}",
        GoType::Map => "map[string]interface {}",
    }
}

/// The Go type name of a map, for "expected a ..." messages.
pub(crate) const MAP_TYPE: &str = "map[string]interface {}";
/// The Go type name of a list, for "expected a ..." messages.
pub(crate) const SLICE_TYPE: &str = "[]interface {}";

/// `fmt.Sprintf("%v", v)` of a decoded JSON value: maps print as `map[k:v]` with sorted keys,
/// lists as `[a b]`, null as `<nil>`.
pub(crate) fn go_v(v: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, v);
    out
}

/// `%v` of a list of values (`[a b]`).
pub(crate) fn go_v_list(items: &[Value]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_v(&mut out, item);
    }
    out.push(']');
    out
}

/// `%v` of a map given as its entries.
pub(crate) fn go_v_map(map: &serde_json::Map<String, Value>) -> String {
    let mut out = String::new();
    write_map(&mut out, map);
    out
}

fn write_v(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&i.to_string()),
            None => out.push_str(&go_format_float(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => out.push_str(s),
        Value::Array(items) => out.push_str(&go_v_list(items)),
        Value::Object(map) => write_map(out, map),
    }
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    out.push_str("map[");
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(k);
        out.push(':');
        if let Some(v) = map.get(k.as_str()) {
            write_v(out, v);
        }
    }
    out.push(']');
}

/// `%s` of a directive value: strings verbatim, anything else as Go's bad-verb form
/// (`%!s(int64=5)`).
pub(crate) fn go_s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "%!s(<nil>)".to_string(),
        other => format!("%!s({}={})", go_type_name(other), go_v(other)),
    }
}

/// The JSON kind `encoding/json` names in "cannot unmarshal X into Go value of type T".
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `json: cannot unmarshal <kind> into Go value of type <go_type>`.
pub(crate) fn unmarshal_type_error(v: &Value, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go value of type {go_type}",
        json_kind(v)
    )
}

/// Parses `input` as JSON, reporting failures with `encoding/json`'s wording as far as it can be
/// reconstructed: `unexpected end of JSON input`, `invalid character 'x' after top-level value`,
/// `invalid character 'x' looking for beginning of value` (Go names the exact context; this keeps
/// the character and the two common contexts).
pub(crate) fn parse_json(input: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(input).map_err(|e| go_syntax_error(&e, input))
}

fn go_syntax_error(err: &serde_json::Error, input: &[u8]) -> String {
    if err.is_eof() {
        return "unexpected end of JSON input".to_string();
    }
    let offset = byte_offset(input, err.line(), err.column());
    let ch = input
        .get(offset..)
        .and_then(|rest| String::from_utf8_lossy(&rest[..rest.len().min(4)]).chars().next())
        .unwrap_or('?');
    let quoted = match ch {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c if c.is_control() => format!("'\\x{:02x}'", u32::from(c)),
        c => format!("'{c}'"),
    };
    if err.to_string().starts_with("trailing characters") {
        format!("invalid character {quoted} after top-level value")
    } else {
        format!("invalid character {quoted} looking for beginning of value")
    }
}

/// The byte offset of serde's 1-based line and column (column counts bytes; 0 means "at the newline").
fn byte_offset(input: &[u8], line: usize, column: usize) -> usize {
    let mut current_line = 1;
    let mut line_start = 0;
    for (i, b) in input.iter().enumerate() {
        if current_line == line {
            break;
        }
        if *b == b'\n' {
            current_line += 1;
            line_start = i + 1;
        }
    }
    line_start + column.saturating_sub(1)
}

/// The size Go's `json.Marshal` gives a value: compact JSON with `<`, `>`, `&`, U+2028 and U+2029
/// escaped.
pub(crate) fn go_json_len(v: &Value) -> usize {
    let compact = serde_json::to_string(v).unwrap_or_default();
    let extra: usize = compact
        .chars()
        .map(|c| match c {
            '<' | '>' | '&' => 5,
            '\u{2028}' | '\u{2029}' => 3,
            _ => 0,
        })
        .sum();
    compact.len() + extra
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_values_as_go_does() {
        assert_eq!(go_v(&json!({"b": [1, "x"], "a": null})), "map[a:<nil> b:[1 x]]");
        assert_eq!(go_v(&json!(1.5)), "1.5");
        assert_eq!(go_s(&json!(5)), "%!s(int64=5)");
        assert_eq!(go_type_name(&json!([])), "[]interface {}");
        assert_eq!(go_type_name(&json!(null)), "%!s(<nil>)");
    }

    #[test]
    fn reports_syntax_errors_with_go_wording() {
        assert_eq!(parse_json(b"").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(parse_json(b"{\"a\":").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(
            parse_json(b"{} x").unwrap_err(),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(
            parse_json(b"xyz").unwrap_err(),
            "invalid character 'x' looking for beginning of value"
        );
    }

    #[test]
    fn measures_go_json_size() {
        assert_eq!(go_json_len(&json!({"a": "<"})), "{\"a\":\"\\u003c\"}".len());
    }
}
