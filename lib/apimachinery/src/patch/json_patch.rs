//! JSON patch (RFC 6902) as kube-apiserver applies it: the behaviour and messages of
//! `gopkg.in/evanphx/json-patch.v4`, with the apiserver's operation-count and copy-size limits.
//!
//! Where that library departs from the RFC, this follows the library, because that is what clients of
//! a real apiserver see:
//! - negative array indices count from the end (`-1` is the last element; for `add`, the end);
//! - `replace` of a missing object member adds it (only array indices are checked);
//! - `test` of an object passes when every member of the document's object is in the patch value
//!   (extra members in the value are not compared);
//! - a path without a leading `/` ignores its first token (`a/b` addresses `/b`);
//! - `test` of a missing or `null` member passes when the value is `null` or absent;
//! - `replace` of the whole document (`""`) with a value that is not an object or array does nothing.
//!
//! Scalars are compared as decoded JSON, where the library compares their compacted text: `1.0` and
//! `1.00` are equal here, unequal upstream; strings with different escapes of the same text likewise.

use serde_json::{Map, Value};

use super::gofmt::{go_json_len, parse_json, unmarshal_type_error};
use crate::gostr::go_quote;

/// The limits kube-apiserver puts on JSON patches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonPatchLimits {
    /// At most this many operations (`maxJSONPatchOperations`, 10000); more is a 413.
    pub max_operations: usize,
    /// `copy` operations may grow the document by at most this many bytes in total
    /// (`JSONPatchMaxCopyBytes`, 3 MiB by default); 0 means no limit.
    pub max_copy_bytes: u64,
}

impl Default for JsonPatchLimits {
    fn default() -> Self {
        JsonPatchLimits {
            max_operations: 10_000,
            max_copy_bytes: 3 * 1024 * 1024,
        }
    }
}

/// Why a JSON patch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonPatchError {
    /// The body is not a JSON list of operations (400 BadRequest).
    #[error("{0}")]
    Decode(String),
    /// The patch has more operations than allowed (413 RequestEntityTooLarge).
    #[error("The allowed maximum operations in a JSON patch is {max}, got {got}")]
    TooManyOperations { max: usize, got: usize },
    /// An operation did not apply; the message is the library's (upstream answers 422).
    #[error("{0}")]
    Apply(String),
}

impl JsonPatchError {
    /// The HTTP code upstream answers with.
    pub fn code(&self) -> u16 {
        match self {
            JsonPatchError::Decode(_) => 400,
            JsonPatchError::TooManyOperations { .. } => 413,
            JsonPatchError::Apply(_) => 422,
        }
    }
}

/// One decoded operation; `None` for a `null` entry in the list (which fails as an unknown kind).
type Operation = Option<Map<String, Value>>;

/// Decodes `patch` and applies it to a copy of `original`.
pub fn apply(original: &Value, patch: &[u8], limits: &JsonPatchLimits) -> Result<Value, JsonPatchError> {
    let ops = decode(patch)?;
    if ops.len() > limits.max_operations {
        return Err(JsonPatchError::TooManyOperations {
            max: limits.max_operations,
            got: ops.len(),
        });
    }
    apply_operations(original.clone(), &ops, limits).map_err(JsonPatchError::Apply)
}

fn decode(patch: &[u8]) -> Result<Vec<Operation>, JsonPatchError> {
    let value = parse_json(patch).map_err(JsonPatchError::Decode)?;
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => return Err(JsonPatchError::Decode(unmarshal_type_error(&other, "jsonpatch.Patch"))),
    };
    let mut ops = Vec::with_capacity(items.len());
    let mut first_error = None;
    for item in items {
        match item {
            Value::Object(map) => ops.push(Some(map)),
            Value::Null => ops.push(None),
            other => {
                first_error.get_or_insert_with(|| unmarshal_type_error(&other, "jsonpatch.Operation"));
                ops.push(None);
            }
        }
    }
    match first_error {
        Some(message) => Err(JsonPatchError::Decode(message)),
        None => Ok(ops),
    }
}

fn apply_operations(mut doc: Value, ops: &[Operation], limits: &JsonPatchLimits) -> Result<Value, String> {
    if !doc.is_object() && !doc.is_array() {
        return Err(unmarshal_type_error(&doc, "jsonpatch.partialDoc"));
    }
    let empty = Map::new();
    let mut copied: u64 = 0;
    for op in ops {
        let op = op.as_ref().unwrap_or(&empty);
        match kind(op).as_str() {
            "add" => add_op(&mut doc, op)?,
            "remove" => remove_op(&mut doc, op)?,
            "replace" => replace_op(&mut doc, op)?,
            "move" => move_op(&mut doc, op)?,
            "test" => test_op(&doc, op)?,
            "copy" => copy_op(&mut doc, op, &mut copied, limits.max_copy_bytes)?,
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(doc)
}

fn kind(op: &Map<String, Value>) -> String {
    match op.get("op") {
        Some(Value::String(s)) => s.clone(),
        _ => "unknown".to_string(),
    }
}

fn string_field(op: &Map<String, Value>, name: &str, missing: &str) -> Result<String, String> {
    match op.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(missing.to_string()),
        Some(other) => Err(unmarshal_type_error(other, "string")),
    }
}

fn path(op: &Map<String, Value>) -> Result<String, String> {
    string_field(op, "path", "operation missing path field: missing value")
}

fn from(op: &Map<String, Value>) -> Result<String, String> {
    string_field(op, "from", "operation, missing from field: missing value")
}

/// The operation's `value`: absent and `null` both mean "no value" to the library.
fn value(op: &Map<String, Value>) -> Option<&Value> {
    op.get("value").filter(|v| !v.is_null())
}

/// RFC 6901 unescaping: `~1` to `/`, then `~0` to `~`, in one left-to-right pass.
fn decode_token(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.peek() {
                Some('1') => {
                    chars.next();
                    out.push('/');
                    continue;
                }
                Some('0') => {
                    chars.next();
                    out.push('~');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// The tokens of `path` leading to its container, and the last token (the library's `findObject`
/// splits on `/` and ignores what precedes the first one).
fn split_path(path: &str) -> Option<(Vec<String>, String)> {
    let tokens: Vec<&str> = path.split('/').collect();
    if tokens.len() < 2 {
        return None;
    }
    let key = decode_token(tokens[tokens.len() - 1]);
    let parents = tokens[1..tokens.len() - 1].iter().map(|t| decode_token(t)).collect();
    Some((parents, key))
}

/// The container holding the last token of `path`, and that token.
fn parent<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let (parents, key) = split_path(path)?;
    let mut current = doc;
    for token in &parents {
        let next = match current {
            Value::Object(map) => map.get_mut(token)?,
            Value::Array(items) => {
                let idx = index_for_get(items.len(), token).ok()?;
                items.get_mut(idx)?
            }
            _ => return None,
        };
        if !next.is_object() && !next.is_array() {
            return None;
        }
        current = next;
    }
    Some((current, key))
}

/// [`parent`] for reading.
fn parent_ref<'a>(doc: &'a Value, path: &str) -> Option<(&'a Value, String)> {
    let (parents, key) = split_path(path)?;
    let mut current = doc;
    for token in &parents {
        let next = match current {
            Value::Object(map) => map.get(token)?,
            Value::Array(items) => items.get(index_for_get(items.len(), token).ok()?)?,
            _ => return None,
        };
        if !next.is_object() && !next.is_array() {
            return None;
        }
        current = next;
    }
    Some((current, key))
}

/// `strconv.Atoi`, with its error text.
fn atoi(s: &str) -> Result<i64, String> {
    s.parse::<i64>().map_err(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        format!("strconv.Atoi: parsing {}: {why}", go_quote(s))
    })
}

fn invalid_index(idx: i64) -> String {
    format!("Unable to access invalid index: {idx}: invalid index referenced")
}

fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

fn to_usize(idx: i64) -> usize {
    usize::try_from(idx).unwrap_or(usize::MAX)
}

fn index_for_get(len: usize, key: &str) -> Result<usize, String> {
    let len = len_i64(len);
    let mut idx = atoi(key)?;
    if idx < 0 {
        if idx < -len {
            return Err(invalid_index(idx));
        }
        idx += len;
    }
    if idx >= len {
        return Err(invalid_index(idx));
    }
    Ok(to_usize(idx))
}

fn index_for_add(len: usize, key: &str) -> Result<usize, String> {
    if key == "-" {
        return Ok(len);
    }
    let mut idx = atoi(key).map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
    let size = len_i64(len) + 1;
    if idx >= size {
        return Err(invalid_index(idx));
    }
    if idx < 0 {
        if idx < -size {
            return Err(invalid_index(idx));
        }
        idx += size;
    }
    Ok(to_usize(idx))
}

fn index_for_remove(len: usize, key: &str) -> Result<usize, String> {
    let len = len_i64(len);
    let mut idx = atoi(key)?;
    if idx >= len {
        return Err(invalid_index(idx));
    }
    if idx < 0 {
        if idx < -len {
            return Err(invalid_index(idx));
        }
        idx += len;
    }
    Ok(to_usize(idx))
}

/// The member or element at `key`; `None` when an object has no such member or it is `null`.
fn get<'a>(container: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    match container {
        Value::Object(map) => Ok(map.get(key).filter(|v| !v.is_null())),
        Value::Array(items) => {
            let idx = index_for_get(items.len(), key)?;
            Ok(items.get(idx).filter(|v| !v.is_null()))
        }
        _ => Ok(None),
    }
}

fn add(container: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match container {
        Value::Object(map) => {
            map.insert(key.to_string(), val);
            Ok(())
        }
        Value::Array(items) => {
            let idx = index_for_add(items.len(), key)?;
            items.insert(idx.min(items.len()), val);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Sets an existing element or member (`replace`, after `get` has checked array indices).
fn set(container: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match container {
        Value::Object(map) => {
            map.insert(key.to_string(), val);
            Ok(())
        }
        Value::Array(items) => {
            let idx = index_for_get(items.len(), key)?;
            if let Some(slot) = items.get_mut(idx) {
                *slot = val;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn remove(container: &mut Value, key: &str) -> Result<(), String> {
    match container {
        Value::Object(map) => match map.remove(key) {
            Some(_) => Ok(()),
            None => Err(format!("Unable to remove nonexistent key: {key}: missing value")),
        },
        Value::Array(items) => {
            let idx = index_for_remove(items.len(), key)?;
            if idx < items.len() {
                items.remove(idx);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn add_op(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = path(op).map_err(|_| "add operation failed to decode path: missing value".to_string())?;
    let Some((container, key)) = parent(doc, &path) else {
        return Err(format!(
            "add operation does not apply: doc is missing path: \"{path}\": missing value"
        ));
    };
    let val = value(op).cloned().unwrap_or(Value::Null);
    add(container, &key, val).map_err(|e| format!("error in add for path: '{path}': {e}"))
}

fn remove_op(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = path(op).map_err(|_| "remove operation failed to decode path: missing value".to_string())?;
    let Some((container, key)) = parent(doc, &path) else {
        return Err(format!(
            "remove operation does not apply: doc is missing path: \"{path}\": missing value"
        ));
    };
    remove(container, &key).map_err(|e| format!("error in remove for path: '{path}': {e}"))
}

fn replace_op(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = path(op).map_err(|e| format!("replace operation failed to decode path: {e}"))?;
    if path.is_empty() {
        if let Some(val) = value(op).filter(|v| v.is_object() || v.is_array()) {
            *doc = val.clone();
        }
        return Ok(());
    }
    let Some((container, key)) = parent(doc, &path) else {
        return Err(format!(
            "replace operation does not apply: doc is missing path: {path}: missing value"
        ));
    };
    if get(container, &key).is_err() {
        return Err(format!(
            "replace operation does not apply: doc is missing key: {path}: missing value"
        ));
    }
    let val = value(op).cloned().unwrap_or(Value::Null);
    set(container, &key, val).map_err(|e| format!("error in remove for path: '{path}': {e}"))
}

fn move_op(doc: &mut Value, op: &Map<String, Value>) -> Result<(), String> {
    let from = from(op).map_err(|e| format!("move operation failed to decode from: {e}"))?;
    let Some((container, key)) = parent(doc, &from) else {
        return Err(format!(
            "move operation does not apply: doc is missing from path: {from}: missing value"
        ));
    };
    let val = get(container, &key)
        .map_err(|e| format!("error in move for path: '{key}': {e}"))?
        .cloned();
    remove(container, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let path = path(op).map_err(|e| format!("move operation failed to decode path: {e}"))?;
    let Some((container, key)) = parent(doc, &path) else {
        return Err(format!(
            "move operation does not apply: doc is missing destination path: {path}: missing value"
        ));
    };
    add(container, &key, val.unwrap_or(Value::Null)).map_err(|e| format!("error in move for path: '{path}': {e}"))
}

fn test_op(doc: &Value, op: &Map<String, Value>) -> Result<(), String> {
    let path = path(op).map_err(|e| format!("test operation failed to decode path: {e}"))?;
    let failed = || format!("testing value {path} failed: test failed");
    let expected = value(op);
    if path.is_empty() {
        return match expected {
            Some(expected) if library_equal(doc, expected) => Ok(()),
            _ => Err(failed()),
        };
    }
    let Some((container, key)) = parent_ref(doc, &path) else {
        return Err(format!(
            "test operation does not apply: is missing path: {path}: missing value"
        ));
    };
    let actual = get(container, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?;
    match (actual, expected) {
        (None, None) => Ok(()),
        (Some(actual), Some(expected)) if library_equal(actual, expected) => Ok(()),
        _ => Err(failed()),
    }
}

fn copy_op(doc: &mut Value, op: &Map<String, Value>, copied: &mut u64, limit: u64) -> Result<(), String> {
    let from = from(op).map_err(|e| format!("copy operation failed to decode from: {e}"))?;
    let Some((container, key)) = parent(doc, &from) else {
        return Err(format!(
            "copy operation does not apply: doc is missing from path: {from}: missing value"
        ));
    };
    let val = get(container, &key)
        .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
        .cloned();
    let path = path(op).map_err(|_| "copy operation failed to decode path: missing value".to_string())?;
    let Some((container, key)) = parent(doc, &path) else {
        return Err(format!(
            "copy operation does not apply: doc is missing destination path: {path}: missing value"
        ));
    };
    let size = val.as_ref().map_or(0, go_json_len);
    *copied = copied.saturating_add(u64::try_from(size).unwrap_or(u64::MAX));
    if limit > 0 && *copied > limit {
        return Err(format!(
            "Unable to complete the copy, the accumulated size increase of copy is {copied}, exceeding the limit {limit}"
        ));
    }
    add(container, &key, val.unwrap_or(Value::Null)).map_err(|e| format!("error while adding value during copy: {e}"))
}

/// The library's equality for `test`: objects match when each of the document's members is in the
/// expected object and matches; lists match element by element; scalars match when equal.
fn library_equal(actual: &Value, expected: &Value) -> bool {
    let member_equal = |a: &Value, e: &Value| match (a.is_null(), e.is_null()) {
        (true, true) => true,
        (false, false) => library_equal(a, e),
        _ => false,
    };
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => a.iter().all(|(k, av)| e.get(k).is_some_and(|ev| member_equal(av, ev))),
        (Value::Array(a), Value::Array(e)) => a.len() == e.len() && a.iter().zip(e).all(|(a, e)| member_equal(a, e)),
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => false,
        (a, e) => a == e,
    }
}

#[cfg(test)]
mod tests;
