//! Defaulting, create/update preparation and validation of built-in kinds, as upstream's registry strategies do it.
//!
//! Objects are JSON values as clients send them. The apiserver calls, in upstream's order:
//! on create [`defaults`] → [`prepare_for_create`] → [`validate_create`]; on update [`defaults`] →
//! [`prepare_for_update`] → [`validate_update`]; on a `/status` update [`defaults`] →
//! [`prepare_for_status_update`] → [`validate_status_update`]. Validation returns upstream's
//! field errors (paths, types and messages), which the caller turns into a 422 `Invalid` status.
//! Kinds without specific rules get ObjectMeta validation with the scope from the resource table.

pub mod admissionregistration;
pub mod apiextensions;
pub mod apps;
pub mod autoscaling;
pub mod batch;
pub mod core;
pub mod formats;
pub mod meta;
pub mod misc;
pub mod networking;
pub mod rbac;
pub mod strategy;
mod value;

pub use ferrokube_apimachinery::status::field::Error as FieldError;
pub use strategy::{
    generation_tracked, prepare_for_create, prepare_for_status_update, prepare_for_update, resets_status_on_create,
};

use ferrokube_apimachinery::resources;
use serde_json::Value;

use formats::NameRule;

/// Applies upstream's defaulting (`SetDefaults_*` and the generated defaulters) to `obj`.
pub fn defaults(group: &str, kind: &str, obj: &mut Value) {
    match group {
        "" => core::defaults(kind, obj),
        "apps" => apps::defaults(kind, obj),
        "batch" => batch::defaults(kind, obj),
        "autoscaling" => autoscaling::defaults(kind, obj),
        "networking.k8s.io" => networking::defaults(kind, obj),
        "rbac.authorization.k8s.io" => rbac::defaults(kind, obj),
        "admissionregistration.k8s.io" => admissionregistration::defaults(kind, obj),
        "apiextensions.k8s.io" => apiextensions::defaults(kind, obj),
        _ => misc::defaults(group, kind, obj),
    }
}

/// Whether objects of the kind live in namespaces (from the built-in resource table;
/// unknown kinds count as namespaced).
pub fn namespaced(group: &str, kind: &str) -> bool {
    resources::find_by_kind(group, kind).is_none_or(|r| r.namespaced())
}

/// Create-time validation (`Validate` of the strategy).
pub fn validate_create(group: &str, kind: &str, obj: &Value) -> Vec<FieldError> {
    let specific = match group {
        "" => core::validate_create(kind, obj),
        "apps" => apps::validate_create(kind, obj),
        "batch" => batch::validate_create(kind, obj),
        "autoscaling" => autoscaling::validate_create(kind, obj),
        "networking.k8s.io" => networking::validate_create(kind, obj),
        "rbac.authorization.k8s.io" => rbac::validate_create(kind, obj),
        "admissionregistration.k8s.io" => admissionregistration::validate_create(kind, obj),
        "apiextensions.k8s.io" => apiextensions::validate_create(kind, obj),
        _ => misc::validate_create(group, kind, obj),
    };
    specific.unwrap_or_else(|| meta::validate_object_meta(obj, namespaced(group, kind), NameRule::Subdomain))
}

/// Update-time validation (`ValidateUpdate` of the strategy); `old` is the stored object.
pub fn validate_update(group: &str, kind: &str, new: &Value, old: &Value) -> Vec<FieldError> {
    let specific = match group {
        "" => core::validate_update(kind, new, old),
        "apps" => apps::validate_update(kind, new, old),
        "batch" => batch::validate_update(kind, new, old),
        "autoscaling" => autoscaling::validate_update(kind, new, old),
        "networking.k8s.io" => networking::validate_update(kind, new, old),
        "rbac.authorization.k8s.io" => rbac::validate_update(kind, new, old),
        "admissionregistration.k8s.io" => admissionregistration::validate_update(kind, new, old),
        "apiextensions.k8s.io" => apiextensions::validate_update(kind, new, old),
        _ => misc::validate_update(group, kind, new, old),
    };
    specific.unwrap_or_else(|| {
        let mut errs = meta::validate_object_meta_update(new, old);
        let create = validate_create(group, kind, new);
        errs.extend(create.into_iter().filter(|e| !e.field.starts_with("metadata.")));
        errs
    })
}

/// Validation of a `/status` update: metadata rules plus the kind's status checks.
pub fn validate_status_update(group: &str, kind: &str, new: &Value, old: &Value) -> Vec<FieldError> {
    let specific = match group {
        "" => core::validate_status_update(kind, new, old),
        "apps" => apps::validate_status_update(kind, new, old),
        "batch" => batch::validate_status_update(kind, new, old),
        "apiextensions.k8s.io" => Some(meta::validate_generic_object_meta_update(new, old)),
        _ => None,
    };
    specific.unwrap_or_else(|| meta::validate_object_meta_update(new, old))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn create_flow_for_a_kubectl_deployment() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}},
            "status": {"replicas": 9}});
        defaults("apps", "Deployment", &mut d);
        prepare_for_create("apps", "Deployment", &mut d);
        assert!(validate_create("apps", "Deployment", &d).is_empty());
        assert_eq!(d["status"], json!({}));
        assert_eq!(d["metadata"]["generation"], 1);
        let container = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["terminationMessagePolicy"], "File");
        assert_eq!(container["resources"], json!({}));
    }

    #[test]
    fn update_flow_bumps_generation_and_checks_meta() {
        let mut old = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "d", "resourceVersion": "7"}, "data": {"a": "1"}});
        defaults("", "ConfigMap", &mut old);
        let mut new = old.clone();
        new["data"]["a"] = json!("2");
        prepare_for_update("", "ConfigMap", &mut new, &old);
        assert!(validate_update("", "ConfigMap", &new, &old).is_empty());
        assert!(new["metadata"].get("generation").is_none());
    }

    #[test]
    fn kinds_without_specific_rules_get_meta_validation_by_scope() {
        let driver = json!({"metadata": {"name": "csi.example.com", "namespace": "x"}});
        assert_eq!(
            render(&validate_create("storage.k8s.io", "CSIDriver", &driver)),
            vec!["metadata.namespace: Forbidden: not allowed on this type"]
        );
        let widget = json!({"metadata": {"name": "w"}});
        assert_eq!(
            render(&validate_create("example.com", "Widget", &widget)),
            vec!["metadata.namespace: Required value"]
        );
        assert!(generation_tracked("apps", "Deployment"));
        assert!(!generation_tracked("", "ConfigMap"));
        assert!(resets_status_on_create("", "Pod"));
    }
}
