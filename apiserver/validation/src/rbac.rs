//! The `rbac.authorization.k8s.io` group: roles and bindings, with path-segment names, rule
//! checks, subject checks and the immutable `roleRef`.

use ferrokube_apimachinery::status::field::{self, Error, Path};
use serde_json::{Value, json};

use crate::formats::{NameRule, is_path_segment_name};
use crate::meta::{self, bad, validate_label_selector, validate_object_meta};
use crate::value::{arr_at, at, child, default_str, each, semantic_eq, str_at};

const GROUP: &str = "rbac.authorization.k8s.io";

/// Defaults an RBAC object: binding `roleRef.apiGroup` and subjects' `apiGroup`.
pub fn defaults(kind: &str, obj: &mut Value) {
    if kind != "RoleBinding" && kind != "ClusterRoleBinding" {
        return;
    }
    let Some(o) = obj.as_object_mut() else { return };
    if let Some(role_ref) = child(o, "roleRef") {
        default_str(role_ref, "apiGroup", GROUP);
    }
    each(o, "subjects", |s| {
        let unset = s.get("apiGroup").is_none_or(|g| g.is_null());
        match s.get("kind").and_then(Value::as_str) {
            Some("User") | Some("Group") => default_str(s, "apiGroup", GROUP),
            Some("ServiceAccount") if unset => {
                s.insert("apiGroup".into(), json!(""));
            }
            _ => {}
        }
    });
}

fn namespaced(kind: &str) -> bool {
    kind == "Role" || kind == "RoleBinding"
}

/// Create-time validation of an RBAC object; `None` for other kinds.
pub fn validate_create(kind: &str, obj: &Value) -> Option<Vec<Error>> {
    let mut errs = validate_object_meta(obj, namespaced(kind), NameRule::PathSegment);
    match kind {
        "Role" | "ClusterRole" => {
            for (i, rule) in arr_at(obj, &["rules"]).iter().enumerate() {
                errs.extend(validate_policy_rule(rule, kind == "Role", &Path::new("rules").index(i)));
            }
            if kind == "ClusterRole"
                && let Some(agg) = at(obj, &["aggregationRule"])
            {
                let ap = Path::new("aggregationRule").child("clusterRoleSelectors");
                for (i, sel) in arr_at(agg, &["clusterRoleSelectors"]).iter().enumerate() {
                    errs.extend(validate_label_selector(sel, &ap.index(i)));
                }
            }
        }
        "RoleBinding" | "ClusterRoleBinding" => errs.extend(validate_binding(kind, obj)),
        _ => return None,
    }
    Some(errs)
}

fn validate_policy_rule(rule: &Value, namespaced: bool, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    if arr_at(rule, &["verbs"]).is_empty() {
        errs.push(field::required(
            &path.child("verbs"),
            "verbs must contain at least one value",
        ));
    }
    let urls = arr_at(rule, &["nonResourceURLs"]);
    if !urls.is_empty() {
        if namespaced {
            errs.push(field::invalid(
                &path.child("nonResourceURLs"),
                Value::from(urls.to_vec()),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if !arr_at(rule, &["apiGroups"]).is_empty() || !arr_at(rule, &["resources"]).is_empty() {
            errs.push(field::invalid(
                &path.child("nonResourceURLs"),
                Value::from(urls.to_vec()),
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return errs;
    }
    if arr_at(rule, &["apiGroups"]).is_empty() {
        errs.push(field::required(
            &path.child("apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if arr_at(rule, &["resources"]).is_empty() {
        errs.push(field::required(
            &path.child("resources"),
            "resource rules must supply at least one resource",
        ));
    }
    errs
}

fn validate_binding(kind: &str, obj: &Value) -> Vec<Error> {
    let mut errs = Vec::new();
    let rp = Path::new("roleRef");
    let api_group = str_at(obj, &["roleRef", "apiGroup"]);
    if api_group != GROUP {
        errs.push(field::not_supported(&rp.child("apiGroup"), api_group, &[GROUP]));
    }
    let ref_kind = str_at(obj, &["roleRef", "kind"]);
    let allowed: &[&str] = if kind == "RoleBinding" {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !allowed.contains(&ref_kind) {
        errs.push(field::not_supported(&rp.child("kind"), ref_kind, allowed));
    }
    let name = str_at(obj, &["roleRef", "name"]);
    if name.is_empty() {
        errs.push(field::required(&rp.child("name"), ""));
    } else {
        errs.extend(
            is_path_segment_name(name)
                .into_iter()
                .map(|m| field::invalid(&rp.child("name"), name, m)),
        );
    }
    for (i, s) in arr_at(obj, &["subjects"]).iter().enumerate() {
        errs.extend(validate_subject(
            s,
            kind == "RoleBinding",
            &Path::new("subjects").index(i),
        ));
    }
    errs
}

fn validate_subject(s: &Value, namespaced_binding: bool, path: &Path) -> Vec<Error> {
    let mut errs = Vec::new();
    let name = str_at(s, &["name"]);
    if name.is_empty() {
        errs.push(field::required(&path.child("name"), ""));
    }
    let group = str_at(s, &["apiGroup"]);
    match str_at(s, &["kind"]) {
        "ServiceAccount" => {
            if !name.is_empty() {
                let np = path.child("name");
                errs.extend(
                    ferrokube_apimachinery::validation::is_dns1123_subdomain(name)
                        .into_iter()
                        .map(|m| field::invalid(&np, name, m)),
                );
            }
            if !group.is_empty() {
                errs.push(field::not_supported(&path.child("apiGroup"), group, &[""]));
            }
            if !namespaced_binding && str_at(s, &["namespace"]).is_empty() {
                errs.push(field::required(&path.child("namespace"), ""));
            }
        }
        "User" | "Group" => {
            if group != GROUP {
                errs.push(field::not_supported(&path.child("apiGroup"), group, &[GROUP]));
            }
        }
        other => errs.push(field::not_supported(
            &path.child("kind"),
            other,
            &["ServiceAccount", "User", "Group"],
        )),
    }
    errs
}

/// Update-time validation of an RBAC object; `roleRef` may not change.
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Option<Vec<Error>> {
    let mut errs = meta::validate_object_meta_update(new, old);
    let create = validate_create(kind, new)?;
    errs.extend(create.into_iter().filter(|e| !e.field.starts_with("metadata.")));
    if (kind == "RoleBinding" || kind == "ClusterRoleBinding")
        && !semantic_eq(at(new, &["roleRef"]), at(old, &["roleRef"]))
    {
        errs.push(field::invalid(
            &Path::new("roleRef"),
            bad(at(new, &["roleRef"])),
            "cannot change roleRef",
        ));
    }
    Some(errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(errs: &[Error]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn binding_defaults_and_role_ref_immutable() {
        let mut b = json!({"metadata": {"name": "b", "namespace": "d", "resourceVersion": "1"},
            "roleRef": {"kind": "Role", "name": "r"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "default", "namespace": "d"}]});
        defaults("RoleBinding", &mut b);
        assert_eq!(b["roleRef"]["apiGroup"], GROUP);
        assert_eq!(b["subjects"][0]["apiGroup"], GROUP);
        assert_eq!(b["subjects"][1]["apiGroup"], "");
        assert_eq!(validate_create("RoleBinding", &b), Some(vec![]));
        let mut n = b.clone();
        n["roleRef"]["name"] = json!("other");
        assert_eq!(
            render(&validate_update("RoleBinding", &n, &b).unwrap_or_default()),
            vec![
                "roleRef: Invalid value: {\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"other\"}: cannot change roleRef"
            ]
        );
    }

    #[test]
    fn role_rules_and_names() {
        let r = json!({"metadata": {"name": "a/b", "namespace": "d"}, "rules": [{"resources": ["pods"]}]});
        assert_eq!(
            render(&validate_create("Role", &r).unwrap_or_default()),
            vec![
                "metadata.name: Invalid value: \"a/b\": may not contain '/'",
                "rules[0].verbs: Required value: verbs must contain at least one value",
                "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
            ]
        );
        let cr =
            json!({"metadata": {"name": "system:x"}, "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]});
        assert_eq!(validate_create("ClusterRole", &cr), Some(vec![]));
    }
}
