//! JSON merge patch (RFC 7386) as kube-apiserver applies it: `gopkg.in/evanphx/json-patch.v4`'s
//! `MergePatch`.
//!
//! `null` deletes a member, objects merge member by member, anything else replaces. Like the library,
//! `null`s are pruned from values that replace or add (recursively, and from lists too) except where a
//! list replaces an object, whose `null` elements are kept; a patch that is a list replaces the whole
//! document.

use serde_json::{Map, Value};

use super::gofmt::parse_json;

/// Why a merge patch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergePatchError {
    /// The patch is not JSON, is `null`, or is a scalar (400 BadRequest; the library's
    /// `ErrBadJSONPatch`).
    #[error("Invalid JSON Patch")]
    InvalidPatch,
    /// The document being patched is `null` (upstream passes this on unclassified: 500).
    #[error("Invalid JSON Document")]
    InvalidDocument,
}

impl MergePatchError {
    /// The HTTP code upstream answers with.
    pub fn code(&self) -> u16 {
        match self {
            MergePatchError::InvalidPatch => 400,
            MergePatchError::InvalidDocument => 500,
        }
    }
}

/// Applies the merge patch in `patch` to a copy of `original`.
pub fn apply(original: &Value, patch: &[u8]) -> Result<Value, MergePatchError> {
    let patch = parse_json(patch).map_err(|_| MergePatchError::InvalidPatch)?;
    if original.is_null() {
        return Err(MergePatchError::InvalidDocument);
    }
    match patch {
        Value::Null => Err(MergePatchError::InvalidPatch),
        Value::Array(mut items) => {
            prune_list_nulls(&mut items);
            Ok(Value::Array(items))
        }
        Value::Object(mut patch) => match original {
            Value::Object(doc) => {
                let mut doc = doc.clone();
                merge_objects(&mut doc, patch);
                Ok(Value::Object(doc))
            }
            _ => {
                prune_object_nulls(&mut patch);
                Ok(Value::Object(patch))
            }
        },
        _ => Err(MergePatchError::InvalidPatch),
    }
}

/// Merges `patch` into `doc` in place (RFC 7386's MergePatch for two objects).
pub fn merge_objects(doc: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            doc.remove(&key);
            continue;
        }
        match doc.get_mut(&key) {
            Some(current) => {
                let merged = merge_value(std::mem::take(current), value);
                *current = merged;
            }
            None => {
                let mut value = value;
                prune_nulls(&mut value);
                doc.insert(key, value);
            }
        }
    }
}

fn merge_value(current: Value, patch: Value) -> Value {
    match (current, patch) {
        (Value::Object(mut current), Value::Object(patch)) => {
            merge_objects(&mut current, patch);
            Value::Object(current)
        }
        (Value::Object(_), patch) => patch,
        (_, mut patch) => {
            prune_nulls(&mut patch);
            patch
        }
    }
}

fn prune_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => prune_object_nulls(map),
        Value::Array(items) => prune_list_nulls(items),
        _ => {}
    }
}

fn prune_object_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, v| !v.is_null());
    for v in map.values_mut() {
        prune_nulls(v);
    }
}

fn prune_list_nulls(items: &mut Vec<Value>) {
    items.retain(|v| !v.is_null());
    for v in items.iter_mut() {
        prune_nulls(v);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn merge(doc: Value, patch: Value) -> Value {
        apply(&doc, patch.to_string().as_bytes()).expect("merge patch applies")
    }

    // RFC 7386 appendix A.
    #[test]
    fn rfc_appendix_a_examples() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (doc, patch, want) in cases {
            assert_eq!(merge(doc.clone(), patch.clone()), want, "doc {doc} patch {patch}");
        }
        // The cases whose target is not an object: the patch replaces it.
        assert_eq!(
            merge(json!(["a", "b"]), json!({"a": "b", "c": null})),
            json!({"a": "b"})
        );
        assert_eq!(merge(json!({"a": "foo"}), json!(["c"])), json!(["c"]));
    }

    #[test]
    fn kubectl_scale_label_and_annotate_patches() {
        let deploy = json!({
            "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": {"a": "1"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}
        });
        let scaled = merge(deploy.clone(), json!({"spec": {"replicas": 3}}));
        assert_eq!(scaled["spec"]["replicas"], json!(3));
        assert_eq!(scaled["spec"]["template"], deploy["spec"]["template"]);

        let labelled = merge(
            deploy.clone(),
            json!({"metadata": {"labels": {"tier": "fe", "app": null}}}),
        );
        assert_eq!(labelled["metadata"]["labels"], json!({"tier": "fe"}));

        let annotated = merge(deploy, json!({"metadata": {"annotations": {"b": "2"}}}));
        assert_eq!(annotated["metadata"]["annotations"], json!({"a": "1", "b": "2"}));
    }

    #[test]
    fn nulls_are_pruned_as_the_library_prunes_them() {
        // Added values lose nulls at every depth, lists included.
        assert_eq!(
            merge(json!({}), json!({"a": [1, null, {"b": null}]})),
            json!({"a": [1, {}]})
        );
        // A list replacing an object keeps its nulls.
        assert_eq!(
            merge(json!({"a": {"x": 1}}), json!({"a": [null]})),
            json!({"a": [null]})
        );
        // A list replacing a list loses them.
        assert_eq!(merge(json!({"a": [1]}), json!({"a": [null, 2]})), json!({"a": [2]}));
    }

    #[test]
    fn keeps_member_order_of_the_original() {
        let out = merge(json!({"a": 1, "b": 2, "c": 3}), json!({"b": null, "a": 5, "d": 4}));
        let keys: Vec<&String> = out.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(keys, ["a", "c", "d"]);
    }

    #[test]
    fn malformed_patches_are_invalid() {
        let doc = json!({"a": 1});
        for body in [&b"{"[..], b"null", b"3", b"\"s\"", b"", b"{} {}"] {
            let err = apply(&doc, body).unwrap_err();
            assert_eq!(
                err,
                MergePatchError::InvalidPatch,
                "body {:?}",
                String::from_utf8_lossy(body)
            );
            assert_eq!(err.code(), 400);
        }
        assert_eq!(
            apply(&Value::Null, b"{}").unwrap_err(),
            MergePatchError::InvalidDocument
        );
    }
}
