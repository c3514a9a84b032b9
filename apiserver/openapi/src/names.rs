//! Upstream's names: definition names (`io.k8s.api.core.v1.Pod`), references, operation ids and tags.

use crate::Flavor;

/// The OpenAPI definition name of a protobuf message name: `k8s.io.api.core.v1.Pod` becomes
/// `io.k8s.api.core.v1.Pod`, and Go module directories keep their dashes (`io.k8s.apiextensions-apiserver...`).
pub fn definition_name(proto_name: &str) -> String {
    let rest = proto_name.strip_prefix("k8s.io.").unwrap_or(proto_name);
    let (package, kind) = rest.rsplit_once('.').unwrap_or(("", rest));
    if package.is_empty() {
        return format!("io.k8s.{kind}");
    }
    format!("io.k8s.{}.{kind}", package.replace('_', "-"))
}

/// A JSON reference to a definition in the document's flavour.
pub fn reference(definition: &str, flavor: Flavor) -> String {
    match flavor {
        Flavor::V2 => format!("#/definitions/{definition}"),
        Flavor::V3 => format!("#/components/schemas/{definition}"),
    }
}

/// The URL prefix of a group version: `/api/v1`, `/apis/apps/v1`.
pub fn gv_prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

/// The group's words: `rbac.authorization.k8s.io` gives `["rbac", "authorization"]`, the core group `["core"]`.
fn group_words(group: &str) -> Vec<&str> {
    if group.is_empty() {
        return vec!["core"];
    }
    let short = group.strip_suffix(".k8s.io").unwrap_or(group);
    short.split(['.', '-']).filter(|w| !w.is_empty()).collect()
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The operation tag of a group version: `core_v1`, `apps_v1`, `rbacAuthorization_v1`.
pub fn tag(group: &str, version: &str) -> String {
    let words = group_words(group);
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i == 0 {
            out.push_str(w);
        } else {
            out.push_str(&capitalized(w));
        }
    }
    format!("{out}_{version}")
}

/// The operation id stem of a group version: `CoreV1`, `RbacAuthorizationV1`.
pub fn op_stem(group: &str, version: &str) -> String {
    let mut out: String = group_words(group).iter().map(|w| capitalized(w)).collect();
    out.push_str(&capitalized(version));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_names_follow_upstream() {
        assert_eq!(definition_name("k8s.io.api.core.v1.Pod"), "io.k8s.api.core.v1.Pod");
        assert_eq!(
            definition_name("k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"),
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"
        );
        assert_eq!(
            definition_name("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
    }

    #[test]
    fn tags_and_operation_stems() {
        assert_eq!(tag("", "v1"), "core_v1");
        assert_eq!(tag("rbac.authorization.k8s.io", "v1"), "rbacAuthorization_v1");
        assert_eq!(op_stem("apps", "v1"), "AppsV1");
        assert_eq!(op_stem("flowcontrol.apiserver.k8s.io", "v1"), "FlowcontrolApiserverV1");
        assert_eq!(reference("x", Flavor::V3), "#/components/schemas/x");
    }
}
