//! The `apiextensions.k8s.io` group: CustomResourceDefinition defaulting and basic validation
//! (name, group, names, scope, versions with exactly one storage version, v1 schemas).

use std::collections::BTreeSet;

use ferrokube_apimachinery::status::field::{self, Error, Path};
use ferrokube_apimachinery::validation::{is_dns1123_label, is_dns1123_subdomain};
use serde_json::{Value, json};

use crate::formats::{NameRule, is_dns1035_label};
use crate::meta;
use crate::value::{arr_at, at, child, default, default_str, existing, str_at};

const CRD: &str = "CustomResourceDefinition";

/// `SetDefaults_CustomResourceDefinitionSpec`: singular, listKind, conversion strategy.
pub fn defaults(kind: &str, obj: &mut Value) {
    if kind != CRD {
        return;
    }
    let Some(spec) = obj.as_object_mut().and_then(|o| child(o, "spec")) else {
        return;
    };
    if let Some(names) = child(spec, "names") {
        let k = names.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
        default_str(names, "singular", &k.to_lowercase());
        if !k.is_empty() {
            default_str(names, "listKind", &format!("{k}List"));
        }
    }
    default(spec, "conversion", json!({"strategy": "None"}));
    if let Some(svc) = existing(spec, "conversion")
        .and_then(|c| existing(c, "webhook"))
        .and_then(|w| existing(w, "clientConfig"))
        .and_then(|c| existing(c, "service"))
    {
        default(svc, "port", json!(443));
    }
}

/// Create-time validation of a CRD; `None` for other kinds.
pub fn validate_create(kind: &str, obj: &Value) -> Option<Vec<Error>> {
    if kind != CRD {
        return None;
    }
    let mut errs = crate::meta::validate_generic_object_meta(obj, false, NameRule::Subdomain);
    let name = str_at(obj, &["metadata", "name"]);
    let expected = format!(
        "{}.{}",
        str_at(obj, &["spec", "names", "plural"]),
        str_at(obj, &["spec", "group"])
    );
    if name != expected {
        errs.push(field::invalid(
            &Path::new("metadata").child("name"),
            name,
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    errs.extend(validate_spec(obj));
    Some(errs)
}

fn validate_spec(obj: &Value) -> Vec<Error> {
    let sp = Path::new("spec");
    let empty = Value::Null;
    let spec = at(obj, &["spec"]).unwrap_or(&empty);
    let mut errs = Vec::new();
    let group = str_at(spec, &["group"]);
    let gp = sp.child("group");
    if group.is_empty() {
        errs.push(field::required(&gp, ""));
    } else {
        errs.extend(
            is_dns1123_subdomain(group)
                .into_iter()
                .map(|m| field::invalid(&gp, group, m)),
        );
        if group.split('.').count() < 2 {
            errs.push(field::invalid(&gp, group, "should be a domain with at least one dot"));
        }
    }
    let scope = str_at(spec, &["scope"]);
    if scope.is_empty() {
        errs.push(field::required(&sp.child("scope"), ""));
    } else if scope != "Cluster" && scope != "Namespaced" {
        errs.push(field::not_supported(
            &sp.child("scope"),
            scope,
            &["Cluster", "Namespaced"],
        ));
    }
    let np = sp.child("names");
    let names = at(spec, &["names"]).unwrap_or(&empty);
    for key in ["plural", "singular"] {
        let v = str_at(names, &[key]);
        if v.is_empty() {
            errs.push(field::required(&np.child(key), ""));
        } else {
            let msgs = is_dns1123_label(v);
            if !msgs.is_empty() {
                errs.push(field::invalid(&np.child(key), v, msgs.join(",")));
            }
        }
    }
    let kind = str_at(names, &["kind"]);
    let list_kind = str_at(names, &["listKind"]);
    for (key, v) in [("kind", kind), ("listKind", list_kind)] {
        if v.is_empty() {
            errs.push(field::required(&np.child(key), ""));
        } else {
            let msgs = is_dns1035_label(&v.to_lowercase());
            if !msgs.is_empty() {
                errs.push(field::invalid(
                    &np.child(key),
                    v,
                    format!("may have mixed case, but should otherwise match: {}", msgs.join(",")),
                ));
            }
        }
    }
    if !kind.is_empty() && kind == list_kind {
        errs.push(field::invalid(
            &np.child("listKind"),
            list_kind,
            "kind and listKind may not be the same",
        ));
    }
    let vp = sp.child("versions");
    let versions = arr_at(spec, &["versions"]);
    if versions.is_empty() {
        errs.push(field::invalid(
            &vp,
            Value::from(versions.to_vec()),
            "must have exactly one version marked as storage version",
        ));
    }
    let storage = versions
        .iter()
        .filter(|v| at(v, &["storage"]).and_then(Value::as_bool) == Some(true))
        .count();
    if !versions.is_empty() && storage != 1 {
        errs.push(field::invalid(
            &vp,
            Value::from(versions.to_vec()),
            "must have exactly one version marked as storage version",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, v) in versions.iter().enumerate() {
        let p = vp.index(i);
        let name = str_at(v, &["name"]);
        let msgs = is_dns1035_label(name);
        if !msgs.is_empty() {
            errs.push(field::invalid(&p.child("name"), name, msgs.join(",")));
        }
        if !seen.insert(name) {
            errs.push(field::invalid(&vp, name, "must contain unique version names"));
        }
        if at(v, &["schema", "openAPIV3Schema"]).is_none() {
            errs.push(field::required(
                &p.child("schema").child("openAPIV3Schema"),
                "schemas are required",
            ));
        }
    }
    errs
}

/// Update-time validation of a CRD; `None` for other kinds.
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    if kind != CRD {
        return None;
    }
    let mut errs = meta::validate_generic_object_meta_update(new, old);
    errs.extend(validate_spec(new));
    let sp = Path::new("spec");
    errs.extend(meta::immutable(
        at(new, &["spec", "group"]),
        at(old, &["spec", "group"]),
        &sp.child("group"),
    ));
    errs.extend(meta::immutable(
        at(new, &["spec", "names", "plural"]),
        at(old, &["spec", "names", "plural"]),
        &sp.child("names").child("plural"),
    ));
    Some(errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crd_defaults_and_validation() {
        let mut crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com",
            "scope": "Namespaced", "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object"}}}]}});
        defaults(CRD, &mut crd);
        assert_eq!(crd["spec"]["names"]["singular"], "widget");
        assert_eq!(crd["spec"]["names"]["listKind"], "WidgetList");
        assert_eq!(crd["spec"]["conversion"], json!({"strategy": "None"}));
        assert_eq!(validate_create(CRD, &crd), Some(vec![]));
        crd["metadata"]["name"] = json!("widget.example.com");
        crd["spec"]["versions"][0]["storage"] = json!(false);
        let errs: Vec<String> = validate_create(CRD, &crd)
            .unwrap_or_default()
            .iter()
            .map(|e| e.field.clone())
            .collect();
        assert_eq!(errs, vec!["metadata.name", "spec.versions"]);
    }
}
