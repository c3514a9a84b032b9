//! ObjectMeta validation on create and update, plus the field checks every group shares:
//! labels, annotations, label selectors, non-negative and immutable fields.

use std::collections::BTreeMap;

use ferrokube_apimachinery::labels::{LabelSelectorRequirement, Selector};
use ferrokube_apimachinery::status::field::{self, Error, Path};
use ferrokube_apimachinery::validation::is_dns1123_label;
use serde_json::Value;

use crate::formats::{NameRule, is_qualified_name, is_valid_label_value};
use crate::value::{arr_at, at, i64_at, semantic_eq, str_at, str_map};

/// Upstream's `FieldImmutableErrorMsg`.
pub const FIELD_IMMUTABLE: &str = "field is immutable";
/// Upstream's `IsNegativeErrorMsg`.
pub const IS_NEGATIVE: &str = "must be greater than or equal to 0";
/// Upstream's `TotalAnnotationSizeLimitB` (256 KiB).
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

const STANDARD_FINALIZERS: [&str; 3] = ["kubernetes", "orphan", "foregroundDeletion"];

/// The path `metadata`.
pub fn meta_path() -> Path {
    Path::new("metadata")
}

/// `ValidateLabels`: every key a qualified name, every value a label value; errors name the map.
pub fn validate_labels(labels: Option<&Value>, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    for (k, v) in str_map(labels) {
        errs.extend(is_qualified_name(k).into_iter().map(|m| field::invalid(path, k, m)));
        errs.extend(is_valid_label_value(v).into_iter().map(|m| field::invalid(path, v, m)));
    }
    errs
}

/// `ValidateAnnotations`: keys are (lower-cased) qualified names, total size at most 256 KiB.
pub fn validate_annotations(annotations: Option<&Value>, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let mut total = 0;
    for (k, v) in str_map(annotations) {
        errs.extend(
            is_qualified_name(&k.to_lowercase())
                .into_iter()
                .map(|m| field::invalid(path, k, m)),
        );
        total += k.len() + v.len();
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(field::too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT as i64));
    }
    errs
}

fn validate_finalizers(meta: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let finalizers: Vec<&str> = arr_at(meta, &["finalizers"])
        .iter()
        .map(|f| f.as_str().unwrap_or(""))
        .collect();
    for f in &finalizers {
        errs.extend(is_qualified_name(f).into_iter().map(|m| field::invalid(path, *f, m)));
    }
    if finalizers.contains(&"orphan") && finalizers.contains(&"foregroundDeletion") {
        let list: Vec<String> = finalizers.iter().map(|s| s.to_string()).collect();
        errs.push(field::invalid(
            path,
            list,
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
    errs
}

/// The extra per-index finalizer check built-in kinds apply (`validateKubeFinalizerName`).
pub fn validate_kube_finalizer_name(name: &str, path: &Path) -> Vec<Error> {
    let mut errs: Vec<Error> = is_qualified_name(name)
        .into_iter()
        .map(|m| field::invalid(path, name, m))
        .collect();
    if !name.contains('/') && !STANDARD_FINALIZERS.contains(&name) {
        errs.push(field::invalid(
            path,
            name,
            "name is neither a standard finalizer name nor is it fully qualified",
        ));
    }
    errs
}

fn validate_owner_references(meta: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let refs = arr_at(meta, &["ownerReferences"]);
    let mut first_controller: Option<String> = None;
    for r in refs {
        let api_version = str_at(r, &["apiVersion"]);
        let version = api_version.rsplit('/').next().unwrap_or("");
        if version.is_empty() {
            errs.push(field::invalid(
                &path.child("apiVersion"),
                api_version,
                "version must not be empty",
            ));
        }
        for key in ["kind", "name", "uid"] {
            let v = str_at(r, &[key]);
            if v.is_empty() {
                errs.push(field::invalid(&path.child(key), v, "must not be empty"));
            }
        }
        if api_version == "v1" && str_at(r, &["kind"]) == "Event" {
            errs.push(field::invalid(
                path,
                r.clone(),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if at(r, &["controller"]).and_then(Value::as_bool) == Some(true) {
            let current = format!("{}/{}", str_at(r, &["kind"]), str_at(r, &["name"]));
            match &first_controller {
                Some(first) => errs.push(field::invalid(
                    path,
                    Value::from(refs.to_vec()),
                    format!(
                        "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                    ),
                )),
                None => first_controller = Some(current),
            }
        }
    }
    errs
}

fn validate_managed_fields(meta: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    for (i, entry) in arr_at(meta, &["managedFields"]).iter().enumerate() {
        let p = path.index(i);
        let op = str_at(entry, &["operation"]);
        if op != "Apply" && op != "Update" {
            errs.push(field::invalid(&p.child("operation"), op, "must be `Apply` or `Update`"));
        }
        let fields_type = str_at(entry, &["fieldsType"]);
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errs.push(field::invalid(
                &p.child("fieldsType"),
                fields_type,
                "must be `FieldsV1`",
            ));
        }
    }
    errs
}

/// `ValidateObjectMeta` for built-in kinds: name (or generateName), namespace by scope,
/// generation, labels, annotations, owner references and finalizers.
pub fn validate_object_meta(obj: &Value, namespaced: bool, rule: NameRule) -> Vec<Error> {
    let mut errs = validate_generic_object_meta(obj, namespaced, rule);
    let path = meta_path();
    let empty = Value::Null;
    let meta = at(obj, &["metadata"]).unwrap_or(&empty);
    for (i, f) in arr_at(meta, &["finalizers"]).iter().enumerate() {
        let p = path.child("finalizers").index(i);
        errs.extend(validate_kube_finalizer_name(f.as_str().unwrap_or(""), &p));
    }
    errs
}

/// apimachinery's generic `ValidateObjectMeta`, without the finalizer-name rule built-in kinds add; the
/// apiextensions group validates CRDs with it (their `customresourcecleanup.apiextensions.k8s.io`
/// finalizer is not a "standard" name).
pub fn validate_generic_object_meta(obj: &Value, namespaced: bool, rule: NameRule) -> Vec<Error> {
    let path = meta_path();
    let empty = Value::Null;
    let meta = at(obj, &["metadata"]).unwrap_or(&empty);
    let mut errs = Vec::new();
    let generate_name = str_at(meta, &["generateName"]);
    if !generate_name.is_empty() {
        let p = path.child("generateName");
        errs.extend(
            rule.check(generate_name, true)
                .into_iter()
                .map(|m| field::invalid(&p, generate_name, m)),
        );
    }
    let name = str_at(meta, &["name"]);
    if name.is_empty() {
        errs.push(field::required(&path.child("name"), "name or generateName is required"));
    } else {
        let p = path.child("name");
        errs.extend(rule.check(name, false).into_iter().map(|m| field::invalid(&p, name, m)));
    }
    let namespace = str_at(meta, &["namespace"]);
    if namespaced {
        if namespace.is_empty() {
            errs.push(field::required(&path.child("namespace"), ""));
        } else {
            let p = path.child("namespace");
            errs.extend(
                is_dns1123_label(namespace)
                    .into_iter()
                    .map(|m| field::invalid(&p, namespace, m)),
            );
        }
    } else if !namespace.is_empty() {
        errs.push(field::forbidden(&path.child("namespace"), "not allowed on this type"));
    }
    errs.extend(validate_common_meta(meta, &path));
    errs
}

fn validate_common_meta(meta: &Value, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    if let Some(g) = i64_at(meta, &["generation"]) {
        errs.extend(nonnegative(g, &path.child("generation")));
    }
    errs.extend(validate_labels(at(meta, &["labels"]), &path.child("labels")));
    errs.extend(validate_annotations(
        at(meta, &["annotations"]),
        &path.child("annotations"),
    ));
    errs.extend(validate_owner_references(meta, &path.child("ownerReferences")));
    errs.extend(validate_finalizers(meta, &path.child("finalizers")));
    errs.extend(validate_managed_fields(meta, &path.child("managedFields")));
    errs
}

/// `ValidateObjectMetaUpdate`: identity fields immutable, no new finalizers while deleting,
/// a resourceVersion present, generation not decremented, and the create-time field rules.
pub fn validate_object_meta_update(new: &Value, old: &Value) -> Vec<Error> {
    let mut errs = validate_generic_object_meta_update(new, old);
    let empty = Value::Null;
    let nm = at(new, &["metadata"]).unwrap_or(&empty);
    for (i, f) in arr_at(nm, &["finalizers"]).iter().enumerate() {
        let p = meta_path().child("finalizers").index(i);
        errs.extend(validate_kube_finalizer_name(f.as_str().unwrap_or(""), &p));
    }
    errs
}

/// [`validate_object_meta_update`] without the built-in kinds' finalizer-name rule (for CRDs).
pub fn validate_generic_object_meta_update(new: &Value, old: &Value) -> Vec<Error> {
    let path = meta_path();
    let empty = Value::Null;
    let nm = at(new, &["metadata"]).unwrap_or(&empty);
    let om = at(old, &["metadata"]).unwrap_or(&empty);
    let mut errs = Vec::new();
    errs.extend(validate_finalizers(nm, &path.child("finalizers")));
    if at(om, &["deletionTimestamp"]).is_some() {
        let old_f: Vec<&Value> = arr_at(om, &["finalizers"]).iter().collect();
        let mut added: Vec<String> = arr_at(nm, &["finalizers"])
            .iter()
            .filter(|f| !old_f.contains(f))
            .map(|f| f.as_str().unwrap_or("").to_string())
            .collect();
        added.sort();
        added.dedup();
        if !added.is_empty() {
            errs.push(field::forbidden(
                &path.child("finalizers"),
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers {}",
                    go_string_list(&added)
                ),
            ));
        }
    }
    let rv = str_at(nm, &["resourceVersion"]);
    if rv.is_empty() {
        errs.push(field::invalid(
            &path.child("resourceVersion"),
            rv,
            "must be specified for an update",
        ));
    }
    let (ng, og) = (
        i64_at(nm, &["generation"]).unwrap_or(0),
        i64_at(om, &["generation"]).unwrap_or(0),
    );
    if ng < og {
        errs.push(field::invalid(&path.child("generation"), ng, "must not be decremented"));
    }
    for key in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        errs.extend(immutable(at(nm, &[key]), at(om, &[key]), &path.child(key)));
    }
    errs.extend(validate_labels(at(nm, &["labels"]), &path.child("labels")));
    errs.extend(validate_annotations(
        at(nm, &["annotations"]),
        &path.child("annotations"),
    ));
    errs.extend(validate_owner_references(nm, &path.child("ownerReferences")));
    errs.extend(validate_managed_fields(nm, &path.child("managedFields")));
    errs
}

/// Go's `%#v` of a `[]string`: `[]string{"a", "b"}`.
fn go_string_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| ferrokube_apimachinery::status::go_quote(s))
        .collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// A field value as an error's bad value: strings quoted, numbers bare, everything else as JSON.
pub fn bad(v: Option<&Value>) -> field::BadValue {
    match v {
        None | Some(Value::Null) => field::BadValue::Json(Value::Null),
        Some(Value::String(s)) => field::BadValue::String(s.clone()),
        Some(Value::Bool(b)) => field::BadValue::Bool(*b),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => field::BadValue::Int(i),
            None => field::BadValue::Float(n.as_f64().unwrap_or(0.0)),
        },
        Some(other) => field::BadValue::Json(other.clone()),
    }
}

/// `ValidateImmutableField`: `Invalid value: <new>: field is immutable` when the values differ.
pub fn immutable(new: Option<&Value>, old: Option<&Value>, path: &Path) -> Vec<Error> {
    if semantic_eq(new, old) {
        Vec::new()
    } else {
        vec![field::invalid(path, bad(new), FIELD_IMMUTABLE)]
    }
}

/// `ValidateNonnegativeField`.
pub fn nonnegative(v: i64, path: &Path) -> Vec<Error> {
    if v < 0 {
        vec![field::invalid(path, v, IS_NEGATIVE)]
    } else {
        Vec::new()
    }
}

/// `ValidateNonnegativeField` on an optional integer field of `obj`.
pub fn nonnegative_at(obj: &Value, key: &'static str, path: &Path) -> Vec<Error> {
    i64_at(obj, &[key])
        .map(|v| nonnegative(v, &path.child(key)))
        .unwrap_or_default()
}

/// `ValidateLabelSelector` (strict label values): `matchLabels` and `matchExpressions`.
pub fn validate_label_selector(sel: &Value, path: &Path) -> Vec<Error> {
    let mut errs = validate_labels(at(sel, &["matchLabels"]), &path.child("matchLabels"));
    for (i, expr) in arr_at(sel, &["matchExpressions"]).iter().enumerate() {
        let p = path.child("matchExpressions").index(i);
        let values = arr_at(expr, &["values"]);
        match str_at(expr, &["operator"]) {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errs.push(field::required(
                        &p.child("values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errs.push(field::forbidden(
                        &p.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            op => errs.push(field::invalid(
                &p.child("operator"),
                op,
                "not a valid selector operator",
            )),
        }
        let key = str_at(expr, &["key"]);
        errs.extend(
            is_qualified_name(key)
                .into_iter()
                .map(|m| field::invalid(&p.child("key"), key, m)),
        );
        for (j, v) in values.iter().enumerate() {
            let v = v.as_str().unwrap_or("");
            let vp = p.child("values").index(j);
            errs.extend(is_valid_label_value(v).into_iter().map(|m| field::invalid(&vp, v, m)));
        }
    }
    errs
}

/// `metav1.LabelSelectorAsSelector` of a present selector; `None` when it does not convert.
pub fn selector_of(sel: &Value) -> Option<Selector> {
    let labels: BTreeMap<String, String> = str_map(at(sel, &["matchLabels"]))
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let exprs: Vec<LabelSelectorRequirement> = arr_at(sel, &["matchExpressions"])
        .iter()
        .map(|e| LabelSelectorRequirement {
            key: str_at(e, &["key"]).to_string(),
            operator: str_at(e, &["operator"]).to_string(),
            values: arr_at(e, &["values"])
                .iter()
                .map(|v| v.as_str().unwrap_or("").to_string())
                .collect(),
        })
        .collect();
    Selector::from_label_selector(&labels, &exprs).ok()
}

/// Whether a selector is empty (no labels and no expressions).
pub fn selector_is_empty(sel: &Value) -> bool {
    str_map(at(sel, &["matchLabels"])).is_empty() && arr_at(sel, &["matchExpressions"]).is_empty()
}

/// The labels of `obj` (an object or template) as a map.
pub fn labels_of(obj: &Value) -> BTreeMap<String, String> {
    str_map(at(obj, &["metadata", "labels"]))
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn name_is_required_and_validated() {
        let errs = validate_object_meta(
            &json!({"metadata": {"namespace": "default"}}),
            true,
            NameRule::Subdomain,
        );
        assert_eq!(
            render(&errs),
            vec!["metadata.name: Required value: name or generateName is required"]
        );
        let errs = validate_object_meta(
            &json!({"metadata": {"name": "Bad", "namespace": "default"}}),
            true,
            NameRule::Subdomain,
        );
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "metadata.name");
        assert!(
            errs[0]
                .to_string()
                .starts_with("metadata.name: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain")
        );
    }

    #[test]
    fn namespace_follows_scope() {
        let errs = validate_object_meta(&json!({"metadata": {"name": "a"}}), true, NameRule::Subdomain);
        assert_eq!(render(&errs), vec!["metadata.namespace: Required value"]);
        let errs = validate_object_meta(
            &json!({"metadata": {"name": "a", "namespace": "x"}}),
            false,
            NameRule::Subdomain,
        );
        assert_eq!(
            render(&errs),
            vec!["metadata.namespace: Forbidden: not allowed on this type"]
        );
    }

    #[test]
    fn labels_and_annotations() {
        let obj =
            json!({"metadata": {"name": "a", "labels": {"app": "a b"}, "annotations": {"x": "y".repeat(300 * 1024)}}});
        let errs = validate_object_meta(&obj, false, NameRule::Subdomain);
        assert_eq!(errs[0].field, "metadata.labels");
        assert!(
            errs[0]
                .to_string()
                .starts_with("metadata.labels: Invalid value: \"a b\": a valid label must be")
        );
        assert_eq!(
            errs[1].to_string(),
            "metadata.annotations: Too long: may not be more than 262144 bytes"
        );
    }

    #[test]
    fn finalizers_need_qualified_names() {
        let obj = json!({"metadata": {"name": "a", "finalizers": ["kubernetes", "custom"]}});
        let errs = validate_object_meta(&obj, false, NameRule::Subdomain);
        assert_eq!(
            render(&errs),
            vec![
                "metadata.finalizers[1]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified"
            ]
        );
    }

    #[test]
    fn update_rules() {
        let old = json!({"metadata": {"name": "a", "uid": "1", "resourceVersion": "5", "generation": 2}});
        let new = json!({"metadata": {"name": "b", "uid": "1", "generation": 1}});
        assert_eq!(
            render(&validate_object_meta_update(&new, &old)),
            vec![
                "metadata.resourceVersion: Invalid value: \"\": must be specified for an update",
                "metadata.generation: Invalid value: 1: must not be decremented",
                "metadata.name: Invalid value: \"b\": field is immutable",
            ]
        );
    }

    #[test]
    fn owner_references_and_deleting_finalizers() {
        let obj = json!({"metadata": {"name": "a", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "1", "controller": true},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "s", "uid": "", "controller": true}]}});
        let r = render(&validate_object_meta(&obj, false, NameRule::Subdomain));
        assert_eq!(
            r[0],
            "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty"
        );
        assert!(r[1].ends_with("Found \"true\" in references for ReplicaSet/r and ReplicaSet/s"));
        let old =
            json!({"metadata": {"name": "a", "resourceVersion": "1", "deletionTimestamp": "2024-01-01T00:00:00Z"}});
        let new = json!({"metadata": {"name": "a", "resourceVersion": "1", "deletionTimestamp": "2024-01-01T00:00:00Z",
            "finalizers": ["example.com/x"]}});
        assert_eq!(
            render(&validate_object_meta_update(&new, &old)),
            vec![
                "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/x\"}"
            ]
        );
    }

    #[test]
    fn selectors() {
        let sel = json!({"matchExpressions": [{"key": "a", "operator": "In"}, {"key": "b", "operator": "Has"}]});
        assert_eq!(
            render(&validate_label_selector(&sel, &Path::new("spec").child("selector"))),
            vec![
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "spec.selector.matchExpressions[1].operator: Invalid value: \"Has\": not a valid selector operator",
            ]
        );
        let sel = json!({"matchLabels": {"app": "web"}});
        let s = selector_of(&sel).expect("selector");
        assert!(s.matches(&labels_of(&json!({"metadata": {"labels": {"app": "web", "x": "y"}}}))));
    }
}
