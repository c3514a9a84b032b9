//! Strategic merge patch as kube-apiserver applies it (`strategicpatch.StrategicMergeMapPatch`),
//! driven by a [`PatchMeta`] instead of Go struct tags.
//!
//! Maps merge key by key and `null` deletes; lists whose field has the `merge` strategy merge element
//! by element (by the merge key for lists of objects, as a set union for lists of scalars); other lists
//! are replaced. The directives are upstream's: `$patch` (`replace`/`delete` on maps, `replace`/`delete`
//! on elements of merged lists), `$retainKeys`, `$setElementOrder/<field>` and
//! `$deleteFromPrimitiveList/<field>`; list order follows upstream's rules, including the interleaving
//! of server-only elements with patch elements.
//!
//! Where the schema has nothing to say, behaviour is upstream's fallback for a field without tags:
//! maps merge key by key, lists are replaced. Upstream fails with `unable to find api field` for a
//! field its Go type lacks, which can only happen there when the stored object carries a field its type
//! does not have; here a field the [`PatchMeta`] does not know is patched with that fallback instead.
//! [`FieldKind::Primitive`] fields (scalars and free-form JSON) are replaced whole.
//!
//! Values the patch supplies wholesale (a new field, a new list element, a replaced list or map) are
//! taken as upstream takes them: new fields lose their `null`s and `$patch`-marked maps, new list
//! elements and replaced values are kept verbatim.

mod list;

use serde_json::{Map, Value};

use super::gofmt::{go_s, go_type, go_v_map, parse_json, unmarshal_type_error};
use super::{FieldKind, PatchMeta, PatchStrategy};

pub(crate) const DIRECTIVE_MARKER: &str = "$patch";
pub(crate) const DELETE_DIRECTIVE: &str = "delete";
pub(crate) const REPLACE_DIRECTIVE: &str = "replace";
pub(crate) const MERGE_DIRECTIVE: &str = "merge";
pub(crate) const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
pub(crate) const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";
pub(crate) const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";

/// Why a strategic merge patch failed. Messages are upstream's (`mergepatch` and `strategicpatch`);
/// [`StrategicPatchError::code`] is the HTTP code upstream's handler answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategicPatchError {
    /// The body is not a JSON object (400; the decoder's message).
    #[error("{0}")]
    Decode(String),
    /// The document being patched is not an object (400).
    #[error("invalid JSON document")]
    BadJsonDoc,
    /// The type has no strategic-merge metadata, as for custom resources (400).
    #[error("strategic merge patch format is not supported")]
    Unsupported,
    /// A `$deleteFromPrimitiveList` key is not `$deleteFromPrimitiveList/<field>` (400).
    #[error("invalid patch format of primitive list")]
    BadPrimitiveListFormat,
    /// `$retainKeys` is not a list, or the patch sets a field the list does not name (400).
    #[error("invalid patch format of retainKeys")]
    BadRetainKeysFormat,
    /// A `$setElementOrder` key is not `$setElementOrder/<field>` (400).
    #[error("invalid patch format of setElementOrder list")]
    BadSetElementOrderFormat,
    /// A list holds lists (422).
    #[error("lists of lists are not supported")]
    NoListOfLists,
    /// A list element lacks the merge key (500).
    #[error("map: {map} does not contain declared merge key: {key}")]
    NoMergeKey { map: String, key: String },
    /// A value has the wrong JSON type (500).
    #[error("expected a {expected}, but received a {actual}")]
    BadArgType {
        expected: &'static str,
        actual: &'static str,
    },
    /// A `$patch` directive has an unknown value (500).
    #[error("unknown patch type: {directive} in map: {map}")]
    BadPatchType { directive: String, map: String },
    /// `$patch: merge` in a list (500).
    #[error("merging lists cannot yet be specified in the patch")]
    MergeDirectiveInList,
    /// A list of objects with the merge strategy but no merge key (500).
    #[error("cannot merge lists without merge key for {0}")]
    NoMergeKeyDeclared(String),
    /// A list mixes element types (500).
    #[error("list element types are not identical: {0}")]
    MixedListElements(String),
    /// A list to order is empty in both the object and the patch (500).
    #[error("no elements in any of the given slices")]
    NoElements,
    /// A patch list's order contradicts its `$setElementOrder` list (500).
    #[error("the order in patch list:\n{patch}\n doesn't match $setElementOrder list:\n{order}")]
    OrderMismatch { patch: String, order: String },
    /// An element of a merged list is not an object (500).
    #[error("value for key {0} is not a map")]
    NotAMap(usize),
    /// The field's strategies contradict each other (500).
    #[error("unexpected patch strategy: {0}")]
    UnexpectedStrategy(String),
}

impl StrategicPatchError {
    /// The HTTP code upstream answers with (`interpretStrategicMergePatchError`; anything it does not
    /// classify becomes a 500).
    pub fn code(&self) -> u16 {
        use StrategicPatchError::*;
        match self {
            Decode(_)
            | BadJsonDoc
            | Unsupported
            | BadPrimitiveListFormat
            | BadRetainKeysFormat
            | BadSetElementOrderFormat => 400,
            NoListOfLists => 422,
            _ => 500,
        }
    }
}

type Result<T> = std::result::Result<T, StrategicPatchError>;

/// Decodes `patch` and applies it to a copy of `original`, an object of the type `meta` describes.
pub fn apply(original: &Value, patch: &[u8], meta: &dyn PatchMeta) -> Result<Value> {
    let patch = match parse_json(patch).map_err(StrategicPatchError::Decode)? {
        Value::Object(map) => map,
        // Decoding `null` into a map leaves it empty: nothing to do.
        Value::Null => Map::new(),
        other => {
            return Err(StrategicPatchError::Decode(unmarshal_type_error(
                &other,
                "map[string]interface {}",
            )));
        }
    };
    let Value::Object(original) = original else {
        return Err(StrategicPatchError::BadJsonDoc);
    };
    apply_map(original.clone(), patch, meta).map(Value::Object)
}

/// Applies an already decoded patch to an object (`StrategicMergeMapPatch`).
pub fn apply_map(
    original: Map<String, Value>,
    patch: Map<String, Value>,
    meta: &dyn PatchMeta,
) -> Result<Map<String, Value>> {
    merge_map(original, patch, Schema::Struct(meta))
}

/// What is known about the type of the value being merged.
#[derive(Clone, Copy)]
pub(crate) enum Schema<'a> {
    /// A struct: its fields have patch metadata.
    Struct(&'a dyn PatchMeta),
    /// A `map[string]T`: every key's value has type T (a struct when `Some`).
    MapOf(Option<&'a dyn PatchMeta>),
    /// Nothing is known: maps merge, lists are replaced.
    Unknown,
}

/// The patch metadata of one key of a value of [`Schema`].
pub(crate) struct Lookup<'a> {
    /// The strategy apart from `retainKeys` (which only the `$retainKeys` directive acts on).
    pub(crate) strategy: Strategy,
    pub(crate) merge_key: &'a str,
    /// The schema of the key's value, or of its elements when it is a list.
    pub(crate) sub: Schema<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    None,
    Merge,
    Replace,
}

impl<'a> Schema<'a> {
    fn lookup(self, key: &str) -> Result<Lookup<'a>> {
        let unknown = Lookup {
            strategy: Strategy::None,
            merge_key: "",
            sub: Schema::Unknown,
        };
        match self {
            Schema::Unknown => Ok(unknown),
            Schema::MapOf(values) => Ok(Lookup {
                sub: values.map_or(Schema::Unknown, Schema::Struct),
                ..unknown
            }),
            Schema::Struct(meta) => {
                let Some(field) = meta.field(key) else {
                    return Ok(unknown);
                };
                let (sub, strategy) = match field.kind {
                    FieldKind::Object | FieldKind::List => (
                        field.schema.map_or(Schema::Unknown, Schema::Struct),
                        strategy_of(field.strategy)?,
                    ),
                    FieldKind::Map => (Schema::MapOf(field.schema), strategy_of(field.strategy)?),
                    FieldKind::Primitive => (Schema::Unknown, Strategy::Replace),
                };
                Ok(Lookup {
                    strategy,
                    merge_key: field.merge_key.unwrap_or(""),
                    sub,
                })
            }
        }
    }
}

/// Upstream's `extractRetainKeysPatchStrategy`: `retainKeys` aside, at most one strategy.
fn strategy_of(s: PatchStrategy) -> Result<Strategy> {
    match (s.merge, s.replace) {
        (true, true) => {
            let mut names = vec!["merge", "replace"];
            if s.retain_keys {
                names.push("retainKeys");
            }
            Err(StrategicPatchError::UnexpectedStrategy(format!(
                "[{}]",
                names.join(" ")
            )))
        }
        (true, false) => Ok(Strategy::Merge),
        (false, true) => Ok(Strategy::Replace),
        (false, false) => Ok(Strategy::None),
    }
}

/// Merges `patch` into `original` (upstream's `mergeMap`, as the server runs it: parallel lists
/// merged, unmatched nulls dropped).
pub(crate) fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Schema<'_>,
) -> Result<Map<String, Value>> {
    if let Some(directive) = patch.get(DIRECTIVE_MARKER) {
        return match directive.as_str() {
            Some(REPLACE_DIRECTIVE) => {
                patch.remove(DIRECTIVE_MARKER);
                Ok(patch)
            }
            Some(DELETE_DIRECTIVE) => Ok(Map::new()),
            _ => Err(StrategicPatchError::BadPatchType {
                directive: go_s(directive),
                map: go_v_map(&patch),
            }),
        };
    }

    apply_retain_keys(&mut original, &mut patch)?;
    list::merge_ordered_lists(&mut original, &mut patch, schema)?;

    for (key, patch_value) in patch {
        let (key, is_delete_list) = if key.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
            (
                extract_key(
                    &key,
                    DELETE_FROM_PRIMITIVE_LIST_PREFIX,
                    StrategicPatchError::BadPrimitiveListFormat,
                )?,
                true,
            )
        } else {
            (key, false)
        };

        if patch_value.is_null() {
            original.remove(&key);
            continue;
        }

        let Some(current) = original.get_mut(&key) else {
            if !is_delete_list {
                let mut value = patch_value;
                discard_null_values(&mut value);
                if let Some(value) = remove_directives(value) {
                    original.insert(key, value);
                }
            }
            continue;
        };

        if go_type(current) != go_type(&patch_value) {
            if !is_delete_list {
                let mut value = patch_value;
                discard_null_values(&mut value);
                match remove_directives(value) {
                    Some(value) => *current = value,
                    None => {
                        original.remove(&key);
                    }
                }
            }
            continue;
        }

        match patch_value {
            Value::Object(patch_map) => {
                let lookup = schema.lookup(&key)?;
                let Value::Object(current_map) = std::mem::take(current) else {
                    continue;
                };
                *current = if lookup.strategy == Strategy::Replace {
                    Value::Object(patch_map)
                } else {
                    Value::Object(merge_map(current_map, patch_map, lookup.sub)?)
                };
            }
            Value::Array(patch_list) => {
                let lookup = schema.lookup(&key)?;
                let Value::Array(current_list) = std::mem::take(current) else {
                    continue;
                };
                let merged = if lookup.strategy == Strategy::Merge || is_delete_list {
                    list::merge_list(current_list, patch_list, &lookup, &key, is_delete_list)?.merged
                } else {
                    patch_list
                };
                *current = Value::Array(merged);
            }
            scalar => *current = scalar,
        }
    }
    Ok(original)
}

/// Upstream's `applyRetainKeysDirective` (server side): every field the patch sets must be listed, and
/// fields of the original that are not listed are cleared.
fn apply_retain_keys(original: &mut Map<String, Value>, patch: &mut Map<String, Value>) -> Result<()> {
    let Some(retain) = patch.remove(RETAIN_KEYS_DIRECTIVE) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(StrategicPatchError::BadRetainKeysFormat);
    };
    let listed = |k: &str| retain.iter().any(|v| v.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null() || k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.starts_with(SET_ELEMENT_ORDER_PREFIX) {
            continue;
        }
        if !listed(k) {
            return Err(StrategicPatchError::BadRetainKeysFormat);
        }
    }
    original.retain(|k, _| listed(k));
    Ok(())
}

/// The field a `<prefix>/<field>` directive key names.
pub(crate) fn extract_key(key: &str, prefix: &str, bad_format: StrategicPatchError) -> Result<String> {
    match key.split_once('/') {
        Some((head, rest)) if head == prefix => Ok(rest.to_string()),
        _ => Err(bad_format),
    }
}

/// Upstream's `removeDirectives`: maps carrying `$patch` are dropped (`None` at the top), recursively.
pub(crate) fn remove_directives(value: Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            if map.contains_key(DIRECTIVE_MARKER) {
                return None;
            }
            let kept = map
                .into_iter()
                .filter_map(|(k, v)| remove_directives(v).map(|v| (k, v)))
                .collect();
            Some(Value::Object(kept))
        }
        Value::Array(items) => Some(Value::Array(items.into_iter().filter_map(remove_directives).collect())),
        other => Some(other),
    }
}

/// Upstream's `discardNullValuesFromPatch`: drops `null` members of maps at every depth (list elements
/// that are `null` stay).
fn discard_null_values(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(discard_null_values);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_null_values),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
