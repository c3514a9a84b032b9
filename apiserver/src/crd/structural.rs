//! A CRD's structural schema applied to custom resources: pruning of unknown fields, defaulting and
//! validation, with upstream's paths and messages for the common cases.

use ferrokube_apimachinery::status::field::{self, Path};
use serde_json::{Map, Value};

/// Removes fields the schema does not specify (unless `x-kubernetes-preserve-unknown-fields`), returning
/// their paths (for `fieldValidation=Strict|Warn`). `apiVersion`, `kind` and `metadata` are kept at the root.
pub fn prune(obj: &mut Value, schema: &Value) -> Vec<String> {
    let mut pruned = Vec::new();
    if let Some(root) = obj.as_object_mut() {
        let props = schema.get("properties").and_then(Value::as_object);
        let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        let keys: Vec<String> = root.keys().cloned().collect();
        for k in keys {
            if matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            match props.and_then(|p| p.get(&k)) {
                Some(sub) => {
                    if let Some(v) = root.get_mut(&k) {
                        prune_value(v, sub, &k, &mut pruned);
                    }
                }
                None if preserve => {}
                None => {
                    root.remove(&k);
                    pruned.push(k);
                }
            }
        }
    }
    pruned
}

fn prune_value(v: &mut Value, schema: &Value, path: &str, pruned: &mut Vec<String>) {
    let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    match v {
        Value::Object(m) => {
            if schema.get("x-kubernetes-embedded-resource") == Some(&Value::Bool(true)) {
                // apiVersion, kind and metadata of an embedded object are always kept.
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                let keys: Vec<String> = m.keys().cloned().collect();
                for k in keys {
                    let embedded_meta = schema.get("x-kubernetes-embedded-resource") == Some(&Value::Bool(true))
                        && matches!(k.as_str(), "apiVersion" | "kind" | "metadata");
                    match props.get(&k) {
                        Some(sub) => {
                            if let Some(child) = m.get_mut(&k) {
                                prune_value(child, sub, &format!("{path}.{k}"), pruned);
                            }
                        }
                        None if preserve || embedded_meta => {}
                        None => {
                            m.remove(&k);
                            pruned.push(format!("{path}.{k}"));
                        }
                    }
                }
            } else if let Some(addl) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for (k, child) in m.iter_mut() {
                    prune_value(child, addl, &format!("{path}.{k}"), pruned);
                }
            } else if !preserve && schema.get("type").and_then(Value::as_str) == Some("object") {
                // An object schema without properties keeps nothing unless it preserves unknown fields.
                if schema.get("additionalProperties").is_none() {
                    for k in m.keys() {
                        pruned.push(format!("{path}.{k}"));
                    }
                    m.clear();
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate() {
                    prune_value(item, item_schema, &format!("{path}[{i}]"), pruned);
                }
            }
        }
        _ => {}
    }
}

/// Applies `default` values of properties missing from objects, recursively.
pub fn apply_defaults(obj: &mut Value, schema: &Value) {
    let Value::Object(m) = obj else { return };
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, sub) in props {
            if !m.contains_key(k)
                && let Some(d) = sub.get("default")
            {
                m.insert(k.clone(), d.clone());
            }
            if let Some(child) = m.get_mut(k) {
                default_value(child, sub);
            }
        }
    }
}

fn default_value(v: &mut Value, schema: &Value) {
    match v {
        Value::Object(_) => apply_defaults(v, schema),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    default_value(item, item_schema);
                }
            }
        }
        _ => {}
    }
}

/// Validates a custom resource against its schema (metadata is validated elsewhere).
pub fn validate(obj: &Value, schema: &Value) -> Vec<field::Error> {
    let mut errs = Vec::new();
    if let (Some(m), Some(props)) = (obj.as_object(), schema.get("properties").and_then(Value::as_object)) {
        for (k, v) in m {
            if matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            if let Some(sub) = props.get(k) {
                validate_value(v, sub, &Path::new(k.clone()), &mut errs);
            }
        }
        check_required(m, schema, &Path::default(), &mut errs);
    }
    errs
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_required(m: &Map<String, Value>, schema: &Value, path: &Path, errs: &mut Vec<field::Error>) {
    if let Some(req) = schema.get("required").and_then(Value::as_array) {
        for r in req.iter().filter_map(Value::as_str) {
            if !m.contains_key(r) {
                let p = if path.to_string().is_empty() || path.to_string() == "<nil>" {
                    Path::new(r.to_string())
                } else {
                    path.child(r.to_string())
                };
                errs.push(field::required(&p, ""));
            }
        }
    }
}

fn validate_value(v: &Value, schema: &Value, path: &Path, errs: &mut Vec<field::Error>) {
    if v.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return;
    }
    let int_or_string = schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true));
    if let Some(want) = schema.get("type").and_then(Value::as_str) {
        let got = type_name(v);
        let ok = got == want
            || (want == "number" && got == "integer")
            || (int_or_string && (got == "integer" || got == "string"));
        if !ok {
            errs.push(field::type_invalid(
                path,
                got,
                format!("{path} in body must be of type {want}: \"{got}\""),
            ));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(v)
    {
        let valid: Vec<String> = allowed
            .iter()
            .map(|a| a.as_str().map(str::to_string).unwrap_or_else(|| a.to_string()))
            .collect();
        errs.push(field::not_supported(path, v.clone(), &valid));
    }
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && x < min
            {
                errs.push(field::invalid(
                    path,
                    v.clone(),
                    format!("{path} in body should be greater than or equal to {min}"),
                ));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && x > max
            {
                errs.push(field::invalid(
                    path,
                    v.clone(),
                    format!("{path} in body should be less than or equal to {max}"),
                ));
            }
        }
        Value::String(s) => {
            let len = s.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && len < min
            {
                errs.push(field::invalid(
                    path,
                    v.clone(),
                    format!("{path} in body should be at least {min} chars long"),
                ));
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && len > max
            {
                errs.push(field::too_long(path, max as i64));
            }
        }
        Value::Array(items) => {
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                errs.push(field::too_many(path, items.len() as i64, max as i64));
            }
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                errs.push(field::invalid(
                    path,
                    v.clone(),
                    format!("{path} in body should have at least {min} items"),
                ));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate_value(item, item_schema, &path.index(i), errs);
                }
            }
        }
        Value::Object(m) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, child) in m {
                    if let Some(sub) = props.get(k) {
                        validate_value(child, sub, &path.child(k.clone()), errs);
                    }
                }
            } else if let Some(addl) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for (k, child) in m {
                    validate_value(child, addl, &path.key(k.clone()), errs);
                }
            }
            check_required(m, schema, path, errs);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["size"], "properties": {
                "size": {"type": "integer", "minimum": 1},
                "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "tags": {"type": "array", "items": {"type": "string"}}
            }}
        }})
    }

    #[test]
    fn prunes_unknown_fields_and_keeps_preserved_ones() {
        let mut o = json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "a"}, "junk": 1,
            "spec": {"size": 2, "bogus": true, "extra": {"anything": [1]}}});
        let pruned = prune(&mut o, &schema());
        assert_eq!(pruned, ["junk", "spec.bogus"]);
        assert_eq!(o["spec"]["extra"]["anything"][0], 1);
        assert!(o.get("metadata").is_some());
    }

    #[test]
    fn defaults_then_validates() {
        let mut o = json!({"spec": {"size": 0, "tags": ["x", 3]}});
        apply_defaults(&mut o, &schema());
        assert_eq!(o["spec"]["mode"], "a");
        let errs = validate(&o, &schema());
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("spec.size in body should be greater than or equal to 1")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("spec.tags[1] in body must be of type string")),
            "{text:?}"
        );
        let errs = validate(&json!({"spec": {}}), &schema());
        assert_eq!(errs[0].to_string(), "spec.size: Required value");
    }
}
