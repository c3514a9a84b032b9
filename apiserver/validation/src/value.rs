//! Small accessors and mutators over JSON objects, shared by every kind's rules.

use serde_json::{Map, Value};

/// A JSON object.
pub(crate) type Obj = Map<String, Value>;

/// The value at `path`, treating JSON `null` as absent.
pub(crate) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    if cur.is_null() { None } else { Some(cur) }
}

/// The string at `path`, or `""` (Go's zero value) when absent or not a string.
pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or("")
}

/// The integer at `path`.
pub(crate) fn i64_at(v: &Value, path: &[&str]) -> Option<i64> {
    at(v, path).and_then(Value::as_i64)
}

/// The boolean at `path`.
pub(crate) fn bool_at(v: &Value, path: &[&str]) -> Option<bool> {
    at(v, path).and_then(Value::as_bool)
}

/// The array at `path`, or an empty slice.
pub(crate) fn arr_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// The object at `path`.
pub(crate) fn obj_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Obj> {
    at(v, path).and_then(Value::as_object)
}

/// The entries of a string map (labels, annotations, selectors); non-string values read as `""`.
pub(crate) fn str_map(v: Option<&Value>) -> Vec<(&str, &str)> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap_or(""))).collect())
        .unwrap_or_default()
}

/// The object under `key`, created empty when missing or `null`; `None` when `key` holds something else.
pub(crate) fn child<'a>(m: &'a mut Obj, key: &str) -> Option<&'a mut Obj> {
    let slot = m.entry(key.to_string()).or_insert(Value::Null);
    if slot.is_null() {
        *slot = Value::Object(Obj::new());
    }
    slot.as_object_mut()
}

/// The object under `key` when present.
pub(crate) fn existing<'a>(m: &'a mut Obj, key: &str) -> Option<&'a mut Obj> {
    m.get_mut(key).and_then(Value::as_object_mut)
}

/// Calls `f` on every object element of the array under `key`.
pub(crate) fn each(m: &mut Obj, key: &str, mut f: impl FnMut(&mut Obj)) {
    if let Some(items) = m.get_mut(key).and_then(Value::as_array_mut) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            f(item);
        }
    }
}

/// Sets `key` to `val` when it is missing or `null` (a nil pointer upstream).
pub(crate) fn default(m: &mut Obj, key: &str, val: Value) {
    let slot = m.entry(key.to_string()).or_insert(Value::Null);
    if slot.is_null() {
        *slot = val;
    }
}

/// Sets the string `key` when it is missing, `null` or empty (an unset string upstream).
pub(crate) fn default_str(m: &mut Obj, key: &str, val: &str) {
    let unset = match m.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    };
    if unset {
        m.insert(key.to_string(), Value::String(val.to_string()));
    }
}

/// Sets the integer `key` when it is missing, `null` or zero (an unset integer upstream).
pub(crate) fn default_int(m: &mut Obj, key: &str, val: i64) {
    let unset = match m.get(key) {
        None | Some(Value::Null) => true,
        Some(v) => v.as_i64() == Some(0),
    };
    if unset {
        m.insert(key.to_string(), Value::from(val));
    }
}

/// Whether `v` is Go's zero value for its field (absent, `null`, `""`, `0`, `false`, `[]`, `{}`).
pub(crate) fn is_zero(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::Bool(b)) => !b,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.values().all(|v| is_zero(Some(v))),
    }
}

/// Equality as upstream's `apiequality.Semantic.DeepEqual` sees decoded objects: zero values and
/// absent fields are equal, nil and empty collections are equal.
pub(crate) fn semantic_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            x.iter().all(|(k, v)| semantic_eq(Some(v), y.get(k)))
                && y.iter()
                    .filter(|(k, _)| !x.contains_key(*k))
                    .all(|(_, v)| is_zero(Some(v)))
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| semantic_eq(Some(p), Some(q)))
        }
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (Some(x), Some(y)) if x == y => true,
        (x, y) => is_zero(x) && is_zero(y),
    }
}

/// The bool as Go reads an optional pointer: `Some(true)` only when explicitly `true`.
pub(crate) fn is_true(v: &Value, path: &[&str]) -> bool {
    bool_at(v, path) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn semantic_equality_ignores_zero_values() {
        assert!(semantic_eq(Some(&json!({"a": [], "b": ""})), Some(&json!({}))));
        assert!(semantic_eq(Some(&json!({"a": 1})), Some(&json!({"a": 1.0}))));
        assert!(!semantic_eq(Some(&json!({"a": 1})), Some(&json!({"a": 2}))));
        assert!(!semantic_eq(Some(&json!([1])), Some(&json!([1, 2]))));
    }

    #[test]
    fn defaults_fill_only_unset_fields() {
        let mut m = json!({"a": "", "b": "x", "c": null, "d": 0})
            .as_object()
            .cloned()
            .unwrap_or_default();
        default_str(&mut m, "a", "A");
        default_str(&mut m, "b", "B");
        default(&mut m, "c", json!(3));
        default_int(&mut m, "d", 5);
        assert_eq!(Value::Object(m), json!({"a": "A", "b": "x", "c": 3, "d": 5}));
    }
}
