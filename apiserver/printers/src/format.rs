//! Reading fields out of JSON objects and the shared cell formats (labels, selectors, lists).

use std::collections::BTreeMap;

use ferrokube_apimachinery::labels::{LabelSelectorRequirement, Operator, Selector};
use serde_json::Value;

use crate::time::{Timestamp, since};

/// The value at a path of object keys, if every step exists.
pub fn at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, key| v.get(key))
}

/// The string at `path`, or `""` (Go's zero value) when absent or not a string.
pub fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    at(obj, path).and_then(Value::as_str).unwrap_or("")
}

/// The string at `path` when present and a string (a set Go pointer).
pub fn opt_str_at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(obj, path).and_then(Value::as_str)
}

/// The integer at `path`, or 0 when absent.
pub fn int_at(obj: &Value, path: &[&str]) -> i64 {
    at(obj, path).and_then(Value::as_i64).unwrap_or(0)
}

/// The integer at `path` when present (a set Go pointer).
pub fn opt_int_at(obj: &Value, path: &[&str]) -> Option<i64> {
    at(obj, path).and_then(Value::as_i64)
}

/// The boolean at `path`, or false when absent.
pub fn bool_at(obj: &Value, path: &[&str]) -> bool {
    at(obj, path).and_then(Value::as_bool).unwrap_or(false)
}

/// The boolean at `path` when present (a set Go pointer).
pub fn opt_bool_at(obj: &Value, path: &[&str]) -> Option<bool> {
    at(obj, path).and_then(Value::as_bool)
}

/// The array at `path`, or an empty slice.
pub fn arr_at<'a>(obj: &'a Value, path: &[&str]) -> &'a [Value] {
    at(obj, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The number of entries of the object (map) at `path`.
pub fn map_len(obj: &Value, path: &[&str]) -> usize {
    at(obj, path).and_then(Value::as_object).map_or(0, |m| m.len())
}

/// The timestamp at `path` (Go's zero time when absent).
pub fn time_at(obj: &Value, path: &[&str]) -> Timestamp {
    Timestamp::from_value(at(obj, path))
}

/// `metadata.name`.
pub fn name(obj: &Value) -> &str {
    str_at(obj, &["metadata", "name"])
}

/// The AGE cell: time since `metadata.creationTimestamp`.
pub fn age(obj: &Value, now: Timestamp) -> Value {
    Value::from(since(time_at(obj, &["metadata", "creationTimestamp"]), now))
}

/// Whether `metadata.deletionTimestamp` is set.
pub fn is_deleting(obj: &Value) -> bool {
    at(obj, &["metadata", "deletionTimestamp"]).is_some_and(|v| !v.is_null())
}

/// A string-to-string map at `path` (non-string values are skipped).
pub fn string_map(obj: &Value, path: &[&str]) -> BTreeMap<String, String> {
    at(obj, path)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Upstream's `labels.FormatLabels`: sorted `k=v` pairs joined by commas, `<none>` when empty.
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".into();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Why a label selector could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorFormatError {
    /// The selector's requirements do not validate (bad key, value or operator).
    #[error("invalid label selector: {0}")]
    Invalid(String),
}

/// Upstream's `LabelSelectorAsSelector(sel).String()`: `None` (nil) and `{}` both give `""`;
/// requirements sorted by key, `In`/`NotIn` values sorted.
pub fn label_selector_string(sel: Option<&Value>) -> Result<String, SelectorFormatError> {
    let Some(sel) = sel.filter(|v| !v.is_null()) else {
        return Ok(String::new());
    };
    let match_labels = string_map(sel, &["matchLabels"]);
    let expressions: Vec<LabelSelectorRequirement> = arr_at(sel, &["matchExpressions"])
        .iter()
        .map(|e| LabelSelectorRequirement {
            key: str_at(e, &["key"]).to_string(),
            operator: str_at(e, &["operator"]).to_string(),
            values: arr_at(e, &["values"])
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        })
        .collect();
    let selector = Selector::from_label_selector(&match_labels, &expressions)
        .map_err(|e| SelectorFormatError::Invalid(e.to_string()))?;
    let parts: Vec<String> = selector
        .requirements()
        .iter()
        .map(|r| {
            let mut values: Vec<&str> = r.values().iter().map(String::as_str).collect();
            values.sort_unstable();
            let joined = values.join(",");
            match r.operator() {
                Operator::Exists => r.key().to_string(),
                Operator::DoesNotExist => format!("!{}", r.key()),
                Operator::In => format!("{} in ({joined})", r.key()),
                Operator::NotIn => format!("{} notin ({joined})", r.key()),
                Operator::Equals => format!("{}={joined}", r.key()),
                Operator::DoubleEquals => format!("{}=={joined}", r.key()),
                Operator::NotEquals => format!("{}!={joined}", r.key()),
                Operator::GreaterThan => format!("{}>{joined}", r.key()),
                Operator::LessThan => format!("{}<{joined}", r.key()),
            }
        })
        .collect();
    Ok(parts.join(","))
}

/// Upstream's `metav1.FormatLabelSelector`: `<error>` when invalid, `<none>` when it renders empty.
pub fn format_label_selector(sel: Option<&Value>) -> String {
    match label_selector_string(sel) {
        Err(_) => "<error>".into(),
        Ok(s) if s.is_empty() => "<none>".into(),
        Ok(s) => s,
    }
}

/// Upstream's `listWithMoreString`: the first items joined by commas, `+ N more...` after `max`,
/// `<unset>` when there is nothing.
pub fn list_with_more(items: &[String], max: usize) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(String::as_str).collect();
    let ret = shown.join(",");
    if items.len() > max {
        return format!("{ret} + {} more...", items.len() - max);
    }
    if ret.is_empty() { "<unset>".into() } else { ret }
}

/// Upstream's `layoutContainerCells`: container names and images, each comma-joined.
pub fn container_cells(containers: &[Value]) -> (Value, Value) {
    let names: Vec<&str> = containers.iter().map(|c| str_at(c, &["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| str_at(c, &["image"])).collect();
    (Value::from(names.join(",")), Value::from(images.join(",")))
}

/// An `IntOrString` as Go's `String()`: the number in decimal or the string as is.
pub fn int_or_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => "0".into(),
    }
}

/// A quantity as its `String()`; the JSON form is already canonical. Missing is Go's zero `"0"`.
pub fn quantity_or_zero(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "0".into(),
    }
}

/// A `*Quantity` as `String()`; a nil pointer prints `<nil>` as upstream's would.
pub fn quantity_ptr(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "<nil>".into(),
    }
}

/// Go's `net.JoinHostPort`: brackets around hosts containing a colon.
pub fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_labels_sorted_or_none() {
        let obj = json!({"sel": {"b": "2", "a": "1"}});
        assert_eq!(format_labels(&string_map(&obj, &["sel"])), "a=1,b=2");
        assert_eq!(format_labels(&BTreeMap::new()), "<none>");
    }

    #[test]
    fn formats_label_selectors_like_upstream() {
        let sel = json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["b", "a"]},
                {"key": "env", "operator": "NotIn", "values": ["prod"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "Exists"}
            ]
        });
        assert_eq!(
            format_label_selector(Some(&sel)),
            "app=web,!canary,env notin (prod),tier in (a,b),zone"
        );
        assert_eq!(format_label_selector(Some(&json!({}))), "<none>");
        assert_eq!(format_label_selector(None), "<none>");
        let bad = json!({"matchExpressions": [{"key": "x", "operator": "Bogus"}]});
        assert_eq!(format_label_selector(Some(&bad)), "<error>");
        assert!(label_selector_string(Some(&bad)).is_err());
    }

    #[test]
    fn lists_with_more_suffix() {
        let items: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
        assert_eq!(list_with_more(&items, 3), "a,b,c + 2 more...");
        assert_eq!(list_with_more(&items[..2], 3), "a,b");
        assert_eq!(list_with_more(&[], 3), "<unset>");
    }

    #[test]
    fn joins_ipv6_hosts_with_brackets() {
        assert_eq!(join_host_port("10.0.0.1", 80), "10.0.0.1:80");
        assert_eq!(join_host_port("fd00::1", 80), "[fd00::1]:80");
    }
}
