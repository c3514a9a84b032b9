//! Where and how each served resource is stored: its etcd key prefix and storage version (upstream's
//! `StorageFactory` choices, which an etcd shared with upstream kube-apiserver depends on).

use ferrokube_apimachinery::resources::{self, ResourceInfo};

/// A served group/version/resource and its storage.
#[derive(Debug)]
pub struct ResourceSpec {
    pub info: &'static ResourceInfo,
    /// The key segment after the prefix: `pods`, `services/specs`, `minions`.
    pub storage_resource: &'static str,
    /// The group, version and kind objects are stored as.
    pub storage_group: &'static str,
    pub storage_version: &'static str,
    pub storage_kind: &'static str,
    /// Selectable fields carried by the watch cache.
    pub indexed_fields: Vec<&'static str>,
    /// Set for custom resources: what the CRD declares for this version.
    pub crd: Option<std::sync::Arc<crate::crd::CrdVersion>>,
}

impl ResourceSpec {
    /// The key prefix of the resource's objects, with a trailing slash: `/registry/pods/`.
    pub fn key_prefix(&self, prefix: &str) -> String {
        format!("{prefix}/{}/", self.storage_resource)
    }

    /// The key of one object.
    pub fn key(&self, prefix: &str, namespace: &str, name: &str) -> String {
        let namespaced = self.info.namespaced();
        let mut key =
            String::with_capacity(prefix.len() + self.storage_resource.len() + namespace.len() + name.len() + 3);
        key.push_str(prefix);
        key.push('/');
        key.push_str(self.storage_resource);
        key.push('/');
        if namespaced {
            key.push_str(namespace);
            key.push('/');
        }
        key.push_str(name);
        key
    }

    /// Prefix of one namespace's objects.
    pub fn namespace_prefix(&self, prefix: &str, namespace: &str) -> String {
        format!("{prefix}/{}/{namespace}/", self.storage_resource)
    }

    /// Whether the request's version is the storage version (no conversion needed).
    pub fn is_storage_version(&self) -> bool {
        self.info.group == self.storage_group && self.info.version == self.storage_version
    }

    pub fn storage_api_version(&self) -> String {
        if self.storage_group.is_empty() {
            self.storage_version.to_string()
        } else {
            format!("{}/{}", self.storage_group, self.storage_version)
        }
    }
}

/// Upstream's etcd key segment for a resource where it differs from the plural name.
fn storage_resource(group: &str, plural: &'static str) -> &'static str {
    match (group, plural) {
        ("", "services") => "services/specs",
        ("", "endpoints") => "services/endpoints",
        ("", "nodes") => "minions",
        ("", "replicationcontrollers") => "controllers",
        ("events.k8s.io", "events") => "events",
        ("networking.k8s.io", "ingresses") => "ingress",
        ("apiextensions.k8s.io", "customresourcedefinitions") => "apiextensions.k8s.io/customresourcedefinitions",
        _ => plural,
    }
}

/// The storage group/version/kind: the preferred version, except kinds that share storage with another
/// group (events.k8s.io Events are stored as core/v1 Events).
fn storage_gvk(info: &ResourceInfo) -> (&'static str, &'static str, &'static str) {
    match (info.group, info.plural) {
        ("events.k8s.io", "events") => ("", "v1", "Event"),
        ("autoscaling", "horizontalpodautoscalers") => ("autoscaling", "v2", "HorizontalPodAutoscaler"),
        _ => (
            info.group,
            resources::preferred_version(info.group).unwrap_or(info.version),
            info.kind,
        ),
    }
}

/// Every served resource with its storage.
pub fn all() -> Vec<ResourceSpec> {
    resources::resources()
        .iter()
        .map(|info| {
            let (g, v, k) = storage_gvk(info);
            ResourceSpec {
                info,
                storage_resource: storage_resource(info.group, info.plural),
                storage_group: g,
                storage_version: v,
                storage_kind: k,
                indexed_fields: crate::fieldsel::indexed_fields(g, k),
                crd: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_upstream_layout() {
        let all = all();
        let find = |g: &str, p: &str| all.iter().find(|r| r.info.group == g && r.info.plural == p).unwrap();
        assert_eq!(
            find("", "pods").key("/registry", "default", "p1"),
            "/registry/pods/default/p1"
        );
        assert_eq!(
            find("", "services").key("/registry", "default", "s"),
            "/registry/services/specs/default/s"
        );
        assert_eq!(find("", "nodes").key("/registry", "", "n1"), "/registry/minions/n1");
        assert_eq!(
            find("", "namespaces").key("/registry", "", "kube-system"),
            "/registry/namespaces/kube-system"
        );
        let hpa_v1 = all
            .iter()
            .find(|r| r.info.plural == "horizontalpodautoscalers" && r.info.version == "v1")
            .unwrap();
        assert_eq!((hpa_v1.storage_version, hpa_v1.is_storage_version()), ("v2", false));
        assert_eq!(find("events.k8s.io", "events").storage_api_version(), "v1");
    }
}
