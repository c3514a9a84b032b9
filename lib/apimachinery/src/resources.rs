//! The built-in resources kube-apiserver 1.37 serves by default, as its discovery documents describe them.
//!
//! One [`ResourceInfo`] per served group/version/resource: kind, plural and singular names, scope, verbs,
//! short names, categories and subresources, each exactly as upstream's legacy (`/api/v1`, `/apis/<g>/<v>`)
//! and aggregated (`apidiscovery.k8s.io/v2`) discovery report them. [`api_groups`] gives the groups in the
//! order upstream's `/apis` lists them, versions preferred first. The lookups mirror what kubectl's
//! RESTMapper does with discovery: short names (`deploy`), singular and plural names, `resource.group` and
//! `resource.version.group` arguments, and categories (`kubectl get all`).
//!
//! The table is what a kubeadm cluster of 1.37 shows in `kubectl api-resources -o wide`: every GA group
//! version, which kube-apiserver enables by default, with the resources whose feature gates are on by
//! default. Within a group version, resources are sorted by name and subresources by name, and verbs are
//! sorted, as upstream's discovery sorts them.
//!
//! # Sources
//!
//! - kubernetes/kubernetes `api/discovery/aggregated_v2.json`, `api/discovery/api__v1.json` and the per-group
//!   `api/discovery/apis__<group>__<version>.json` fixtures (1.35–1.37 development), and a `/api/v1` capture
//!   from a 1.35 cluster, for names, scopes, verbs, short names, categories and subresources.
//! - `cmd/kube-apiserver/app/aggregator.go` and `pkg/controlplane/apiserver/aggregator.go`
//!   (`apiVersionPriorities`) for the group order and the version order within a group.
//! - `pkg/features/kube_features.go`, `pkg/registry/{certificates,resource}/**` and the 1.36/1.37 release
//!   notes for what became GA: MutatingAdmissionPolicy (`admissionregistration.k8s.io/v1`, GA 1.36);
//!   ClusterTrustBundle and PodCertificateRequest (`certificates.k8s.io/v1`), StorageVersionMigration
//!   (`storagemigration.k8s.io/v1`) and DeviceTaintRule (`resource.k8s.io/v1`, gate `DRADeviceTaintRules`
//!   GA and on by default), all GA in 1.37. `resource.k8s.io/v1` itself is GA since 1.34. The newest
//!   fixtures read predate those last three promotions; their rows carry over the beta entries (no short
//!   names; a `status` subresource for StorageVersionMigration and DeviceTaintRule, none for
//!   ClusterTrustBundle), which the 1.37 registry code (`StatusREST` or not) agrees with.
//!
//! # Left out, and why
//!
//! - Every alpha and beta group version: since 1.24 new beta APIs are off by default, and none of the old
//!   default-on betas is still served. So no `admissionregistration.k8s.io/v1beta1|v1alpha1`,
//!   `certificates.k8s.io/v1beta1|v1alpha1`, `coordination.k8s.io/v1beta1|v1alpha2` (LeaseCandidate is not
//!   GA), `networking.k8s.io/v1beta1`, `resource.k8s.io/v1beta1|v1beta2|v1alpha3` (ResourcePoolStatusRequest
//!   is alpha), `scheduling.k8s.io/v1beta1|v1alpha3` (Workload, PodGroup: beta in 1.37, off by default),
//!   `storage.k8s.io/v1beta1|v1alpha1`, `storagemigration.k8s.io/v1beta1`.
//! - Alpha-only groups: `internal.apiserver.k8s.io` (StorageVersion) and `lifecycle.k8s.io`.
//! - Alpha subresources of GA resources, such as `pods/checkpoint` (pod checkpoint/restore, alpha in 1.37).
//! - `metrics.k8s.io/v1` (GA in 1.37): metrics-server serves it through aggregation, not kube-apiserver.
//! - Storage version hashes: they follow each resource's storage version, which for the resources made GA
//!   in 1.36 and 1.37 still moves between releases; nothing in kubectl needs them.

use serde::Serialize;

use Scope::{Cluster, Namespaced};
use SubresourceKind::{Parent, Sibling};
use Verb::{Create, Delete, DeleteCollection, Get, List, Patch, Update, Watch};

/// The category `kubectl get all` expands.
pub const CATEGORY_ALL: &str = "all";
/// The category of the kinds that extend the API or admission (CRDs, APIServices, webhooks, policies).
pub const CATEGORY_API_EXTENSIONS: &str = "api-extensions";

/// A verb a resource or subresource supports, as discovery spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    Create,
    Delete,
    DeleteCollection,
    Get,
    List,
    Patch,
    Update,
    Watch,
}

impl Verb {
    /// The verb as discovery and RBAC write it (`deletecollection`, not `deleteCollection`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Verb::Create => "create",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "deletecollection",
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Patch => "patch",
            Verb::Update => "update",
            Verb::Watch => "watch",
        }
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether objects of a resource live in a namespace; serialized as aggregated discovery's `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// The kind a subresource accepts and returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubresourceKind {
    /// The parent resource's own kind (`status`, `log`, `ephemeralcontainers`, `resize`, `approval`...).
    Parent,
    /// Another kind of the parent's group and version (`PodExecOptions`, `Binding`...).
    Sibling(&'static str),
    /// A kind of another group and version (`autoscaling/v1` `Scale`, `policy/v1` `Eviction`...).
    Foreign {
        group: &'static str,
        version: &'static str,
        kind: &'static str,
    },
}

/// A subresource (`pods/log`, `deployments/scale`) of a [`ResourceInfo`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubresourceInfo {
    /// The name after the slash: `status`, `scale`, `log`.
    pub name: &'static str,
    pub kind: SubresourceKind,
    pub verbs: &'static [Verb],
}

impl SubresourceInfo {
    /// The group, version and kind the subresource speaks, with the parent's filled in where it shares them.
    pub fn response_kind(&self, parent: &ResourceInfo) -> (&'static str, &'static str, &'static str) {
        match self.kind {
            SubresourceKind::Parent => (parent.group, parent.version, parent.kind),
            SubresourceKind::Sibling(kind) => (parent.group, parent.version, kind),
            SubresourceKind::Foreign { group, version, kind } => (group, version, kind),
        }
    }

    pub fn supports(&self, verb: Verb) -> bool {
        self.verbs.contains(&verb)
    }
}

/// One resource of one served group version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// `""` for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// The resource name in URLs and RBAC rules: `deployments`.
    pub plural: &'static str,
    pub singular: &'static str,
    pub scope: Scope,
    pub verbs: &'static [Verb],
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub subresources: &'static [SubresourceInfo],
}

impl ResourceInfo {
    pub fn namespaced(&self) -> bool {
        self.scope == Scope::Namespaced
    }

    /// The `apiVersion` of the resource's objects: `v1`, `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn supports(&self, verb: Verb) -> bool {
        self.verbs.contains(&verb)
    }

    pub fn subresource(&self, name: &str) -> Option<&'static SubresourceInfo> {
        self.subresources.iter().find(|s| s.name == name)
    }

    pub fn in_category(&self, category: &str) -> bool {
        self.categories.contains(&category)
    }

    /// Whether this is the version of its group that discovery prefers.
    pub fn is_preferred_version(&self) -> bool {
        preferred_version(self.group) == Some(self.version)
    }

    // Builders for the table below.

    const fn short(mut self, short_names: &'static [&'static str]) -> Self {
        self.short_names = short_names;
        self
    }

    const fn cat(mut self, categories: &'static [&'static str]) -> Self {
        self.categories = categories;
        self
    }

    const fn sub(mut self, subresources: &'static [SubresourceInfo]) -> Self {
        self.subresources = subresources;
        self
    }
}

/// A served API group and its served versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// `""` for the core group (served under `/api`).
    pub name: &'static str,
    /// Served versions in upstream's order: the preferred version first.
    pub versions: &'static [&'static str],
}

impl GroupInfo {
    pub fn preferred_version(&self) -> &'static str {
        self.versions[0]
    }
}

const STANDARD: &[Verb] = &[Create, Delete, DeleteCollection, Get, List, Patch, Update, Watch];
/// Namespaces are deleted one at a time: no `deletecollection`.
const NAMESPACE: &[Verb] = &[Create, Delete, Get, List, Patch, Update, Watch];
const CREATE: &[Verb] = &[Create];
const GET: &[Verb] = &[Get];
const UPDATE: &[Verb] = &[Update];
const GET_LIST: &[Verb] = &[Get, List];
const GET_PATCH_UPDATE: &[Verb] = &[Get, Patch, Update];
/// Streaming connect subresources (`attach`, `exec`, `portforward`): POST, or GET for WebSockets.
const CONNECT: &[Verb] = &[Create, Get];
/// `proxy` subresources forward every method but the list-like ones.
const PROXY: &[Verb] = &[Create, Delete, Get, Patch, Update];

const ALL: &[&str] = &[CATEGORY_ALL];
const API_EXTENSIONS: &[&str] = &[CATEGORY_API_EXTENSIONS];

const fn sub(name: &'static str, kind: SubresourceKind, verbs: &'static [Verb]) -> SubresourceInfo {
    SubresourceInfo { name, kind, verbs }
}

const fn foreign(group: &'static str, version: &'static str, kind: &'static str) -> SubresourceKind {
    SubresourceKind::Foreign { group, version, kind }
}

const STATUS: SubresourceInfo = sub("status", Parent, GET_PATCH_UPDATE);
const SCALE: SubresourceInfo = sub("scale", foreign("autoscaling", "v1", "Scale"), GET_PATCH_UPDATE);
const STATUS_ONLY: &[SubresourceInfo] = &[STATUS];
const SCALE_STATUS: &[SubresourceInfo] = &[SCALE, STATUS];

#[rustfmt::skip]
const POD_SUBRESOURCES: &[SubresourceInfo] = &[
    sub("attach", Sibling("PodAttachOptions"), CONNECT),
    sub("binding", Sibling("Binding"), CREATE),
    sub("ephemeralcontainers", Parent, GET_PATCH_UPDATE),
    sub("eviction", foreign("policy", "v1", "Eviction"), CREATE),
    sub("exec", Sibling("PodExecOptions"), CONNECT),
    sub("log", Parent, GET),
    sub("portforward", Sibling("PodPortForwardOptions"), CONNECT),
    sub("proxy", Sibling("PodProxyOptions"), PROXY),
    sub("resize", Parent, GET_PATCH_UPDATE),
    STATUS,
];
const NAMESPACE_SUBRESOURCES: &[SubresourceInfo] = &[sub("finalize", Parent, UPDATE), STATUS];
const NODE_SUBRESOURCES: &[SubresourceInfo] = &[sub("proxy", Sibling("NodeProxyOptions"), PROXY), STATUS];
const SERVICE_SUBRESOURCES: &[SubresourceInfo] = &[sub("proxy", Sibling("ServiceProxyOptions"), PROXY), STATUS];
const SERVICE_ACCOUNT_SUBRESOURCES: &[SubresourceInfo] = &[sub(
    "token",
    foreign("authentication.k8s.io", "v1", "TokenRequest"),
    CREATE,
)];
const CSR_SUBRESOURCES: &[SubresourceInfo] = &[sub("approval", Parent, GET_PATCH_UPDATE), STATUS];

const CORE_V1: (&str, &str) = ("", "v1");
const APIREGISTRATION_V1: (&str, &str) = ("apiregistration.k8s.io", "v1");
const APPS_V1: (&str, &str) = ("apps", "v1");
const EVENTS_V1: (&str, &str) = ("events.k8s.io", "v1");
const AUTHENTICATION_V1: (&str, &str) = ("authentication.k8s.io", "v1");
const AUTHORIZATION_V1: (&str, &str) = ("authorization.k8s.io", "v1");
const AUTOSCALING_V2: (&str, &str) = ("autoscaling", "v2");
const AUTOSCALING_V1: (&str, &str) = ("autoscaling", "v1");
const BATCH_V1: (&str, &str) = ("batch", "v1");
const CERTIFICATES_V1: (&str, &str) = ("certificates.k8s.io", "v1");
const NETWORKING_V1: (&str, &str) = ("networking.k8s.io", "v1");
const POLICY_V1: (&str, &str) = ("policy", "v1");
const RBAC_V1: (&str, &str) = ("rbac.authorization.k8s.io", "v1");
const STORAGE_V1: (&str, &str) = ("storage.k8s.io", "v1");
const ADMISSIONREGISTRATION_V1: (&str, &str) = ("admissionregistration.k8s.io", "v1");
const APIEXTENSIONS_V1: (&str, &str) = ("apiextensions.k8s.io", "v1");
const SCHEDULING_V1: (&str, &str) = ("scheduling.k8s.io", "v1");
const COORDINATION_V1: (&str, &str) = ("coordination.k8s.io", "v1");
const NODE_V1: (&str, &str) = ("node.k8s.io", "v1");
const DISCOVERY_V1: (&str, &str) = ("discovery.k8s.io", "v1");
const RESOURCE_V1: (&str, &str) = ("resource.k8s.io", "v1");
const FLOWCONTROL_V1: (&str, &str) = ("flowcontrol.apiserver.k8s.io", "v1");
const STORAGEMIGRATION_V1: (&str, &str) = ("storagemigration.k8s.io", "v1");

/// One row of the table: the resource without short names, categories or subresources.
const fn r(
    (group, version): (&'static str, &'static str),
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    scope: Scope,
    verbs: &'static [Verb],
) -> ResourceInfo {
    ResourceInfo {
        group,
        version,
        kind,
        plural,
        singular,
        scope,
        verbs,
        short_names: &[],
        categories: &[],
        subresources: &[],
    }
}

/// The core group, served under `/api`.
const CORE_GROUP: GroupInfo = GroupInfo {
    name: "",
    versions: &["v1"],
};

/// The named groups in the order `/apis` and aggregated discovery list them: `apiregistration.k8s.io`
/// first (the aggregator's own), then by descending group priority, ties by name.
#[rustfmt::skip]
const API_GROUPS: &[GroupInfo] = &[
    GroupInfo { name: "apiregistration.k8s.io", versions: &["v1"] },
    GroupInfo { name: "apps", versions: &["v1"] },                         // priority 17800
    GroupInfo { name: "events.k8s.io", versions: &["v1"] },                // 17750
    GroupInfo { name: "authentication.k8s.io", versions: &["v1"] },        // 17700
    GroupInfo { name: "authorization.k8s.io", versions: &["v1"] },         // 17600
    GroupInfo { name: "autoscaling", versions: &["v2", "v1"] },            // 17500; v2 30, v1 15
    GroupInfo { name: "batch", versions: &["v1"] },                        // 17400
    GroupInfo { name: "certificates.k8s.io", versions: &["v1"] },          // 17300
    GroupInfo { name: "networking.k8s.io", versions: &["v1"] },            // 17200
    GroupInfo { name: "policy", versions: &["v1"] },                       // 17100
    GroupInfo { name: "rbac.authorization.k8s.io", versions: &["v1"] },    // 17000
    GroupInfo { name: "storage.k8s.io", versions: &["v1"] },               // 16800
    GroupInfo { name: "admissionregistration.k8s.io", versions: &["v1"] }, // 16700
    GroupInfo { name: "apiextensions.k8s.io", versions: &["v1"] },         // 16700
    GroupInfo { name: "scheduling.k8s.io", versions: &["v1"] },            // 16600
    GroupInfo { name: "coordination.k8s.io", versions: &["v1"] },          // 16500
    GroupInfo { name: "node.k8s.io", versions: &["v1"] },                  // 16300
    GroupInfo { name: "discovery.k8s.io", versions: &["v1"] },             // 16200
    GroupInfo { name: "resource.k8s.io", versions: &["v1"] },              // 16200
    GroupInfo { name: "flowcontrol.apiserver.k8s.io", versions: &["v1"] }, // 16100
    GroupInfo { name: "storagemigration.k8s.io", versions: &["v1"] },      // 15800
];

/// The table, in discovery order: core first, then groups as [`api_groups`] lists them, versions preferred
/// first, resources by name. Columns: group version, kind, plural, singular, scope, verbs; then short
/// names, categories and subresources where the resource has them.
#[rustfmt::skip]
const RESOURCES: &[ResourceInfo] = &[
    // core/v1
    r(CORE_V1, "Binding", "bindings", "binding", Namespaced, CREATE),
    r(CORE_V1, "ComponentStatus", "componentstatuses", "componentstatus", Cluster, GET_LIST).short(&["cs"]),
    r(CORE_V1, "ConfigMap", "configmaps", "configmap", Namespaced, STANDARD).short(&["cm"]),
    r(CORE_V1, "Endpoints", "endpoints", "endpoints", Namespaced, STANDARD).short(&["ep"]),
    r(CORE_V1, "Event", "events", "event", Namespaced, STANDARD).short(&["ev"]),
    r(CORE_V1, "LimitRange", "limitranges", "limitrange", Namespaced, STANDARD).short(&["limits"]),
    r(CORE_V1, "Namespace", "namespaces", "namespace", Cluster, NAMESPACE).short(&["ns"]).sub(NAMESPACE_SUBRESOURCES),
    r(CORE_V1, "Node", "nodes", "node", Cluster, STANDARD).short(&["no"]).sub(NODE_SUBRESOURCES),
    r(CORE_V1, "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", Namespaced, STANDARD)
        .short(&["pvc"]).sub(STATUS_ONLY),
    r(CORE_V1, "PersistentVolume", "persistentvolumes", "persistentvolume", Cluster, STANDARD)
        .short(&["pv"]).sub(STATUS_ONLY),
    r(CORE_V1, "Pod", "pods", "pod", Namespaced, STANDARD).short(&["po"]).cat(ALL).sub(POD_SUBRESOURCES),
    r(CORE_V1, "PodTemplate", "podtemplates", "podtemplate", Namespaced, STANDARD),
    r(CORE_V1, "ReplicationController", "replicationcontrollers", "replicationcontroller", Namespaced, STANDARD)
        .short(&["rc"]).cat(ALL).sub(SCALE_STATUS),
    r(CORE_V1, "ResourceQuota", "resourcequotas", "resourcequota", Namespaced, STANDARD)
        .short(&["quota"]).sub(STATUS_ONLY),
    r(CORE_V1, "Secret", "secrets", "secret", Namespaced, STANDARD),
    r(CORE_V1, "ServiceAccount", "serviceaccounts", "serviceaccount", Namespaced, STANDARD)
        .short(&["sa"]).sub(SERVICE_ACCOUNT_SUBRESOURCES),
    r(CORE_V1, "Service", "services", "service", Namespaced, STANDARD)
        .short(&["svc"]).cat(ALL).sub(SERVICE_SUBRESOURCES),

    // apiregistration.k8s.io/v1
    r(APIREGISTRATION_V1, "APIService", "apiservices", "apiservice", Cluster, STANDARD)
        .cat(API_EXTENSIONS).sub(STATUS_ONLY),

    // apps/v1
    r(APPS_V1, "ControllerRevision", "controllerrevisions", "controllerrevision", Namespaced, STANDARD),
    r(APPS_V1, "DaemonSet", "daemonsets", "daemonset", Namespaced, STANDARD)
        .short(&["ds"]).cat(ALL).sub(STATUS_ONLY),
    r(APPS_V1, "Deployment", "deployments", "deployment", Namespaced, STANDARD)
        .short(&["deploy"]).cat(ALL).sub(SCALE_STATUS),
    r(APPS_V1, "ReplicaSet", "replicasets", "replicaset", Namespaced, STANDARD)
        .short(&["rs"]).cat(ALL).sub(SCALE_STATUS),
    r(APPS_V1, "StatefulSet", "statefulsets", "statefulset", Namespaced, STANDARD)
        .short(&["sts"]).cat(ALL).sub(SCALE_STATUS),

    // events.k8s.io/v1: the same short name as core events; kubectl resolves `ev` to the core group.
    r(EVENTS_V1, "Event", "events", "event", Namespaced, STANDARD).short(&["ev"]),

    // authentication.k8s.io/v1
    r(AUTHENTICATION_V1, "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview", Cluster, CREATE),
    r(AUTHENTICATION_V1, "TokenReview", "tokenreviews", "tokenreview", Cluster, CREATE),

    // authorization.k8s.io/v1
    r(AUTHORIZATION_V1, "LocalSubjectAccessReview", "localsubjectaccessreviews", "localsubjectaccessreview",
        Namespaced, CREATE),
    r(AUTHORIZATION_V1, "SelfSubjectAccessReview", "selfsubjectaccessreviews", "selfsubjectaccessreview",
        Cluster, CREATE),
    r(AUTHORIZATION_V1, "SelfSubjectRulesReview", "selfsubjectrulesreviews", "selfsubjectrulesreview",
        Cluster, CREATE),
    r(AUTHORIZATION_V1, "SubjectAccessReview", "subjectaccessreviews", "subjectaccessreview", Cluster, CREATE),

    // autoscaling/v2 (preferred), autoscaling/v1
    r(AUTOSCALING_V2, "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler",
        Namespaced, STANDARD).short(&["hpa"]).cat(ALL).sub(STATUS_ONLY),
    r(AUTOSCALING_V1, "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler",
        Namespaced, STANDARD).short(&["hpa"]).cat(ALL).sub(STATUS_ONLY),

    // batch/v1
    r(BATCH_V1, "CronJob", "cronjobs", "cronjob", Namespaced, STANDARD).short(&["cj"]).cat(ALL).sub(STATUS_ONLY),
    r(BATCH_V1, "Job", "jobs", "job", Namespaced, STANDARD).cat(ALL).sub(STATUS_ONLY),

    // certificates.k8s.io/v1
    r(CERTIFICATES_V1, "CertificateSigningRequest", "certificatesigningrequests", "certificatesigningrequest",
        Cluster, STANDARD).short(&["csr"]).sub(CSR_SUBRESOURCES),
    r(CERTIFICATES_V1, "ClusterTrustBundle", "clustertrustbundles", "clustertrustbundle", Cluster, STANDARD),
    r(CERTIFICATES_V1, "PodCertificateRequest", "podcertificaterequests", "podcertificaterequest",
        Namespaced, STANDARD).sub(STATUS_ONLY),

    // networking.k8s.io/v1
    r(NETWORKING_V1, "IngressClass", "ingressclasses", "ingressclass", Cluster, STANDARD),
    r(NETWORKING_V1, "Ingress", "ingresses", "ingress", Namespaced, STANDARD).short(&["ing"]).sub(STATUS_ONLY),
    r(NETWORKING_V1, "IPAddress", "ipaddresses", "ipaddress", Cluster, STANDARD).short(&["ip"]),
    r(NETWORKING_V1, "NetworkPolicy", "networkpolicies", "networkpolicy", Namespaced, STANDARD).short(&["netpol"]),
    r(NETWORKING_V1, "ServiceCIDR", "servicecidrs", "servicecidr", Cluster, STANDARD).sub(STATUS_ONLY),

    // policy/v1
    r(POLICY_V1, "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", Namespaced, STANDARD)
        .short(&["pdb"]).sub(STATUS_ONLY),

    // rbac.authorization.k8s.io/v1
    r(RBAC_V1, "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", Cluster, STANDARD),
    r(RBAC_V1, "ClusterRole", "clusterroles", "clusterrole", Cluster, STANDARD),
    r(RBAC_V1, "RoleBinding", "rolebindings", "rolebinding", Namespaced, STANDARD),
    r(RBAC_V1, "Role", "roles", "role", Namespaced, STANDARD),

    // storage.k8s.io/v1
    r(STORAGE_V1, "CSIDriver", "csidrivers", "csidriver", Cluster, STANDARD),
    r(STORAGE_V1, "CSINode", "csinodes", "csinode", Cluster, STANDARD),
    r(STORAGE_V1, "CSIStorageCapacity", "csistoragecapacities", "csistoragecapacity", Namespaced, STANDARD),
    r(STORAGE_V1, "StorageClass", "storageclasses", "storageclass", Cluster, STANDARD).short(&["sc"]),
    r(STORAGE_V1, "VolumeAttachment", "volumeattachments", "volumeattachment", Cluster, STANDARD).sub(STATUS_ONLY),
    r(STORAGE_V1, "VolumeAttributesClass", "volumeattributesclasses", "volumeattributesclass", Cluster, STANDARD)
        .short(&["vac"]),

    // admissionregistration.k8s.io/v1
    r(ADMISSIONREGISTRATION_V1, "MutatingAdmissionPolicy", "mutatingadmissionpolicies",
        "mutatingadmissionpolicy", Cluster, STANDARD).cat(API_EXTENSIONS),
    r(ADMISSIONREGISTRATION_V1, "MutatingAdmissionPolicyBinding", "mutatingadmissionpolicybindings",
        "mutatingadmissionpolicybinding", Cluster, STANDARD).cat(API_EXTENSIONS),
    r(ADMISSIONREGISTRATION_V1, "MutatingWebhookConfiguration", "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration", Cluster, STANDARD).cat(API_EXTENSIONS),
    r(ADMISSIONREGISTRATION_V1, "ValidatingAdmissionPolicy", "validatingadmissionpolicies",
        "validatingadmissionpolicy", Cluster, STANDARD).cat(API_EXTENSIONS).sub(STATUS_ONLY),
    r(ADMISSIONREGISTRATION_V1, "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings",
        "validatingadmissionpolicybinding", Cluster, STANDARD).cat(API_EXTENSIONS),
    r(ADMISSIONREGISTRATION_V1, "ValidatingWebhookConfiguration", "validatingwebhookconfigurations",
        "validatingwebhookconfiguration", Cluster, STANDARD).cat(API_EXTENSIONS),

    // apiextensions.k8s.io/v1
    r(APIEXTENSIONS_V1, "CustomResourceDefinition", "customresourcedefinitions", "customresourcedefinition",
        Cluster, STANDARD).short(&["crd", "crds"]).cat(API_EXTENSIONS).sub(STATUS_ONLY),

    // scheduling.k8s.io/v1
    r(SCHEDULING_V1, "PriorityClass", "priorityclasses", "priorityclass", Cluster, STANDARD).short(&["pc"]),

    // coordination.k8s.io/v1
    r(COORDINATION_V1, "Lease", "leases", "lease", Namespaced, STANDARD),

    // node.k8s.io/v1
    r(NODE_V1, "RuntimeClass", "runtimeclasses", "runtimeclass", Cluster, STANDARD),

    // discovery.k8s.io/v1
    r(DISCOVERY_V1, "EndpointSlice", "endpointslices", "endpointslice", Namespaced, STANDARD),

    // resource.k8s.io/v1
    r(RESOURCE_V1, "DeviceClass", "deviceclasses", "deviceclass", Cluster, STANDARD),
    r(RESOURCE_V1, "DeviceTaintRule", "devicetaintrules", "devicetaintrule", Cluster, STANDARD).sub(STATUS_ONLY),
    r(RESOURCE_V1, "ResourceClaim", "resourceclaims", "resourceclaim", Namespaced, STANDARD).sub(STATUS_ONLY),
    r(RESOURCE_V1, "ResourceClaimTemplate", "resourceclaimtemplates", "resourceclaimtemplate", Namespaced, STANDARD),
    r(RESOURCE_V1, "ResourceSlice", "resourceslices", "resourceslice", Cluster, STANDARD),

    // flowcontrol.apiserver.k8s.io/v1
    r(FLOWCONTROL_V1, "FlowSchema", "flowschemas", "flowschema", Cluster, STANDARD).sub(STATUS_ONLY),
    r(FLOWCONTROL_V1, "PriorityLevelConfiguration", "prioritylevelconfigurations", "prioritylevelconfiguration",
        Cluster, STANDARD).sub(STATUS_ONLY),

    // storagemigration.k8s.io/v1
    r(STORAGEMIGRATION_V1, "StorageVersionMigration", "storageversionmigrations", "storageversionmigration",
        Cluster, STANDARD).sub(STATUS_ONLY),
];

/// Every served resource, in discovery order.
pub fn resources() -> &'static [ResourceInfo] {
    RESOURCES
}

/// The core group (`/api`).
pub fn core_group() -> &'static GroupInfo {
    &CORE_GROUP
}

/// The named groups (`/apis`) in upstream's order.
pub fn api_groups() -> &'static [GroupInfo] {
    API_GROUPS
}

/// A served group by name, `""` for core.
pub fn group(name: &str) -> Option<&'static GroupInfo> {
    if name.is_empty() {
        return Some(&CORE_GROUP);
    }
    API_GROUPS.iter().find(|g| g.name == name)
}

/// The version discovery prefers for a group.
pub fn preferred_version(group_name: &str) -> Option<&'static str> {
    group(group_name).map(GroupInfo::preferred_version)
}

/// The resources of one served group version, by name.
pub fn group_version_resources(group: &str, version: &str) -> impl Iterator<Item = &'static ResourceInfo> {
    let (group, version) = (group.to_owned(), version.to_owned());
    RESOURCES
        .iter()
        .filter(move |r| r.group == group && r.version == version)
}

/// The resource at `/apis/<group>/<version>/<plural>` (`/api/v1/<plural>` for core).
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The resource serving a kind in a given group version.
pub fn find_by_gvk(group: &str, version: &str, kind: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == kind)
}

/// The resource serving a kind of a group, in the group's preferred version.
pub fn find_by_kind(group: &str, kind: &str) -> Option<&'static ResourceInfo> {
    let version = preferred_version(group)?;
    find_by_gvk(group, version, kind)
}

/// The resource a short name stands for, in its group's preferred version; `ev` is core events, as kubectl
/// resolves it.
pub fn find_by_short_name(short_name: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.short_names.contains(&short_name) && r.is_preferred_version())
}

/// The resources of a category, one per group and resource (the preferred version), in discovery order:
/// what `kubectl get <category>` lists.
pub fn resources_in_category(category: &str) -> impl Iterator<Item = &'static ResourceInfo> {
    let category = category.to_owned();
    RESOURCES
        .iter()
        .filter(move |r| r.in_category(&category) && r.is_preferred_version())
}

/// Every resource a kubectl resource argument can mean, best first, as kubectl's RESTMapper resolves it:
/// `name`, `name.group` or `name.version.group`, where `name` is a plural, a singular, a kind or a short
/// name, compared without case. Without a version, preferred versions come before the others; among
/// groups, discovery order decides (core `events` before `events.k8s.io`).
pub fn resolve_all(arg: &str) -> Vec<&'static ResourceInfo> {
    let arg = arg.to_ascii_lowercase();
    let mut parts = arg.splitn(3, '.');
    let name = parts.next().unwrap_or_default();
    if let (Some(version), Some(group)) = (parts.next(), parts.next()) {
        let found = lookup(name, Some(version), Some(group));
        if !found.is_empty() {
            return found;
        }
    }
    match arg.split_once('.') {
        Some((name, group)) => lookup(name, None, Some(group)),
        None => lookup(&arg, None, None),
    }
}

/// The resource kubectl picks for a resource argument: the first of [`resolve_all`].
pub fn resolve(arg: &str) -> Option<&'static ResourceInfo> {
    resolve_all(arg).into_iter().next()
}

/// Matches a lowercased name in an optional version and group, expanding a short name first as kubectl's
/// shortcut expander does.
fn lookup(name: &str, version: Option<&str>, group: Option<&str>) -> Vec<&'static ResourceInfo> {
    let (name, group) = match RESOURCES
        .iter()
        .find(|r| group.is_none_or(|g| g == r.group) && r.short_names.contains(&name))
    {
        Some(r) => (r.plural, Some(r.group)),
        None => (name, group),
    };
    let mut found: Vec<&'static ResourceInfo> = RESOURCES
        .iter()
        .filter(|r| group.is_none_or(|g| g == r.group) && version.is_none_or(|v| v == r.version))
        .filter(|r| r.plural == name || r.singular == name || r.kind.eq_ignore_ascii_case(name))
        .collect();
    // Stable: within each class, table (discovery) order.
    found.sort_by_key(|r| !r.is_preferred_version());
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap, HashSet};

    fn group_index(name: &str) -> usize {
        if name.is_empty() {
            return 0;
        }
        1 + API_GROUPS.iter().position(|g| g.name == name).expect("group is listed")
    }

    fn version_index(r: &ResourceInfo) -> usize {
        group(r.group)
            .unwrap()
            .versions
            .iter()
            .position(|v| *v == r.version)
            .expect("version is listed")
    }

    fn group_resources<'a>(rs: impl Iterator<Item = &'a ResourceInfo>) -> BTreeSet<(&'a str, &'a str)> {
        rs.map(|r| (r.group, r.plural)).collect()
    }

    #[test]
    fn groups_are_in_upstream_order() {
        let names: Vec<_> = api_groups().iter().map(|g| g.name).collect();
        assert_eq!(
            names,
            [
                "apiregistration.k8s.io",
                "apps",
                "events.k8s.io",
                "authentication.k8s.io",
                "authorization.k8s.io",
                "autoscaling",
                "batch",
                "certificates.k8s.io",
                "networking.k8s.io",
                "policy",
                "rbac.authorization.k8s.io",
                "storage.k8s.io",
                "admissionregistration.k8s.io",
                "apiextensions.k8s.io",
                "scheduling.k8s.io",
                "coordination.k8s.io",
                "node.k8s.io",
                "discovery.k8s.io",
                "resource.k8s.io",
                "flowcontrol.apiserver.k8s.io",
                "storagemigration.k8s.io",
            ]
        );
        assert_eq!(core_group().versions, ["v1"]);
    }

    #[test]
    fn preferred_versions() {
        assert_eq!(preferred_version("autoscaling"), Some("v2"));
        assert_eq!(group("autoscaling").unwrap().versions, ["v2", "v1"]);
        assert_eq!(preferred_version(""), Some("v1"));
        assert_eq!(preferred_version("apps"), Some("v1"));
        assert_eq!(preferred_version("extensions"), None);
    }

    #[test]
    fn table_is_in_discovery_order() {
        for pair in RESOURCES.windows(2) {
            let key = |r: &ResourceInfo| (group_index(r.group), version_index(r), r.plural);
            assert!(
                key(&pair[0]) < key(&pair[1]),
                "{} before {}",
                pair[0].plural,
                pair[1].plural
            );
        }
    }

    #[test]
    fn every_listed_group_version_serves_resources() {
        for g in std::iter::once(core_group()).chain(api_groups()) {
            for v in g.versions {
                assert!(
                    group_version_resources(g.name, v).next().is_some(),
                    "{}/{v} is empty",
                    g.name
                );
            }
        }
    }

    #[test]
    fn no_duplicate_plurals_or_kinds_within_a_group_version() {
        let mut plurals = HashSet::new();
        let mut kinds = HashSet::new();
        for r in RESOURCES {
            assert!(plurals.insert((r.group, r.version, r.plural)), "duplicate {}", r.plural);
            assert!(kinds.insert((r.group, r.version, r.kind)), "duplicate {}", r.kind);
        }
    }

    #[test]
    fn names_are_lowercase_and_singular_is_the_lowercase_kind() {
        for r in RESOURCES {
            assert_eq!(r.singular, r.kind.to_ascii_lowercase(), "{}", r.plural);
            assert_eq!(r.plural, r.plural.to_ascii_lowercase());
            for s in r.short_names {
                assert_eq!(*s, s.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn short_names_each_mean_one_group_resource() {
        let mut owners: HashMap<&str, BTreeSet<(&str, &str)>> = HashMap::new();
        for r in RESOURCES {
            for s in r.short_names {
                owners.entry(s).or_default().insert((r.group, r.plural));
            }
        }
        for (short, grs) in &owners {
            if *short == "ev" {
                // Upstream gives both Event APIs the same short name.
                assert_eq!(
                    grs.iter().copied().collect::<Vec<_>>(),
                    [("", "events"), ("events.k8s.io", "events")]
                );
            } else {
                assert_eq!(grs.len(), 1, "{short} is shared by {grs:?}");
            }
        }
        // No short name shadows a plural or singular name.
        for r in RESOURCES {
            assert!(
                !owners.contains_key(r.plural) && !owners.contains_key(r.singular),
                "{}",
                r.plural
            );
        }
        let expected = [
            "cs", "cm", "ep", "ev", "limits", "ns", "no", "pvc", "pv", "po", "rc", "quota", "sa", "svc", "ds",
            "deploy", "rs", "sts", "hpa", "cj", "csr", "ing", "ip", "netpol", "pdb", "sc", "vac", "crd", "crds", "pc",
        ];
        assert_eq!(
            owners.keys().copied().collect::<BTreeSet<_>>(),
            expected.into_iter().collect()
        );
    }

    #[test]
    fn all_category_is_upstreams() {
        let all = group_resources(resources_in_category(CATEGORY_ALL));
        let expected: BTreeSet<_> = [
            ("", "pods"),
            ("", "replicationcontrollers"),
            ("", "services"),
            ("apps", "daemonsets"),
            ("apps", "deployments"),
            ("apps", "replicasets"),
            ("apps", "statefulsets"),
            ("autoscaling", "horizontalpodautoscalers"),
            ("batch", "cronjobs"),
            ("batch", "jobs"),
        ]
        .into_iter()
        .collect();
        assert_eq!(all, expected);
        // Every version of those carries the category, and nothing else does.
        assert_eq!(
            group_resources(RESOURCES.iter().filter(|r| r.in_category(CATEGORY_ALL))),
            expected
        );
        // One entry per group-resource: the preferred HPA version only.
        assert_eq!(resources_in_category(CATEGORY_ALL).count(), 10);
        let hpa = resources_in_category(CATEGORY_ALL).find(|r| r.plural == "horizontalpodautoscalers");
        assert_eq!(hpa.unwrap().version, "v2");
    }

    #[test]
    fn api_extensions_category_is_upstreams() {
        let ext = group_resources(resources_in_category(CATEGORY_API_EXTENSIONS));
        let expected: BTreeSet<_> = [
            ("apiregistration.k8s.io", "apiservices"),
            ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
            ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"),
            ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
            ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
            ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
            ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
            ("apiextensions.k8s.io", "customresourcedefinitions"),
        ]
        .into_iter()
        .collect();
        assert_eq!(ext, expected);
        let categories: BTreeSet<_> = RESOURCES.iter().flat_map(|r| r.categories.iter().copied()).collect();
        assert_eq!(
            categories,
            [CATEGORY_ALL, CATEGORY_API_EXTENSIONS].into_iter().collect()
        );
    }

    #[test]
    fn verbs_and_subresources_are_sorted_as_discovery_sorts_them() {
        for r in RESOURCES {
            assert!(
                r.verbs.windows(2).all(|w| w[0].as_str() < w[1].as_str()),
                "{}",
                r.plural
            );
            assert!(r.subresources.windows(2).all(|w| w[0].name < w[1].name), "{}", r.plural);
            for s in r.subresources {
                assert!(!s.verbs.is_empty() && s.verbs.windows(2).all(|w| w[0].as_str() < w[1].as_str()));
            }
        }
    }

    #[test]
    fn verb_spot_checks() {
        let verbs = |g, v, p| find(g, v, p).unwrap().verbs;
        assert_eq!(verbs("", "v1", "bindings"), [Create]);
        assert_eq!(verbs("", "v1", "componentstatuses"), [Get, List]);
        assert_eq!(verbs("", "v1", "events"), STANDARD);
        assert_eq!(verbs("events.k8s.io", "v1", "events"), STANDARD);
        assert_eq!(
            verbs("", "v1", "namespaces"),
            [Create, Delete, Get, List, Patch, Update, Watch]
        );
        assert_eq!(verbs("authentication.k8s.io", "v1", "tokenreviews"), [Create]);
        assert_eq!(verbs("authentication.k8s.io", "v1", "selfsubjectreviews"), [Create]);
        assert_eq!(verbs("authorization.k8s.io", "v1", "subjectaccessreviews"), [Create]);
        assert_eq!(
            verbs("authorization.k8s.io", "v1", "localsubjectaccessreviews"),
            [Create]
        );
        let pods = find("", "v1", "pods").unwrap();
        assert_eq!(pods.subresource("log").unwrap().verbs, [Get]);
        assert_eq!(pods.subresource("exec").unwrap().verbs, [Create, Get]);
        assert_eq!(pods.subresource("binding").unwrap().verbs, [Create]);
        assert_eq!(pods.subresource("eviction").unwrap().verbs, [Create]);
        assert_eq!(
            pods.subresource("proxy").unwrap().verbs,
            [Create, Delete, Get, Patch, Update]
        );
        let ns = find("", "v1", "namespaces").unwrap();
        assert_eq!(ns.subresource("finalize").unwrap().verbs, [Update]);
        assert_eq!(Verb::DeleteCollection.to_string(), "deletecollection");
        assert_eq!(
            serde_json::to_string(&STANDARD).unwrap(),
            serde_json::to_string(&[
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch"
            ])
            .unwrap()
        );
    }

    #[test]
    fn every_listable_resource_can_be_watched() {
        for r in RESOURCES {
            if r.supports(List) && r.plural != "componentstatuses" {
                assert!(r.supports(Watch), "{} lists but does not watch", r.plural);
            }
        }
        for plural in [
            "csidrivers",
            "csinodes",
            "volumeattachments",
            "volumeattributesclasses",
            "storageclasses",
        ] {
            assert!(
                find("storage.k8s.io", "v1", plural).unwrap().supports(Watch),
                "{plural}"
            );
        }
        assert!(!find("", "v1", "componentstatuses").unwrap().supports(Watch));
    }

    #[test]
    fn subresource_kinds() {
        let deploy = find("apps", "v1", "deployments").unwrap();
        assert_eq!(
            deploy.subresource("scale").unwrap().response_kind(deploy),
            ("autoscaling", "v1", "Scale")
        );
        assert_eq!(
            deploy.subresource("status").unwrap().response_kind(deploy),
            ("apps", "v1", "Deployment")
        );
        let pods = find("", "v1", "pods").unwrap();
        let names: Vec<_> = pods.subresources.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "attach",
                "binding",
                "ephemeralcontainers",
                "eviction",
                "exec",
                "log",
                "portforward",
                "proxy",
                "resize",
                "status"
            ]
        );
        assert_eq!(
            pods.subresource("eviction").unwrap().response_kind(pods),
            ("policy", "v1", "Eviction")
        );
        assert_eq!(
            pods.subresource("attach").unwrap().response_kind(pods),
            ("", "v1", "PodAttachOptions")
        );
        assert_eq!(pods.subresource("log").unwrap().response_kind(pods), ("", "v1", "Pod"));
        let sa = find("", "v1", "serviceaccounts").unwrap();
        assert_eq!(
            sa.subresource("token").unwrap().response_kind(sa),
            ("authentication.k8s.io", "v1", "TokenRequest")
        );
        let rc = find("", "v1", "replicationcontrollers").unwrap();
        assert_eq!(
            rc.subresource("scale").unwrap().response_kind(rc),
            ("autoscaling", "v1", "Scale")
        );
        let csr = find("certificates.k8s.io", "v1", "certificatesigningrequests").unwrap();
        assert_eq!(
            csr.subresources.iter().map(|s| s.name).collect::<Vec<_>>(),
            ["approval", "status"]
        );
        // Every scale subresource speaks autoscaling/v1 Scale.
        for r in RESOURCES {
            if let Some(s) = r.subresource("scale") {
                assert_eq!(s.response_kind(r), ("autoscaling", "v1", "Scale"), "{}", r.plural);
            }
        }
    }

    #[test]
    fn scopes_and_api_versions() {
        assert!(find("", "v1", "pods").unwrap().namespaced());
        assert!(!find("", "v1", "nodes").unwrap().namespaced());
        assert!(
            find("certificates.k8s.io", "v1", "podcertificaterequests")
                .unwrap()
                .namespaced()
        );
        assert!(
            !find("certificates.k8s.io", "v1", "clustertrustbundles")
                .unwrap()
                .namespaced()
        );
        assert_eq!(find("", "v1", "pods").unwrap().api_version(), "v1");
        assert_eq!(find("apps", "v1", "deployments").unwrap().api_version(), "apps/v1");
        assert_eq!(serde_json::to_string(&Scope::Namespaced).unwrap(), "\"Namespaced\"");
    }

    #[test]
    fn kind_and_short_name_lookups() {
        assert_eq!(find_by_kind("apps", "Deployment").unwrap().plural, "deployments");
        assert_eq!(
            find_by_kind("autoscaling", "HorizontalPodAutoscaler").unwrap().version,
            "v2"
        );
        assert_eq!(
            find_by_gvk("autoscaling", "v1", "HorizontalPodAutoscaler")
                .unwrap()
                .version,
            "v1"
        );
        assert_eq!(find_by_kind("", "Endpoints").unwrap().plural, "endpoints");
        assert!(find_by_kind("apps", "Pod").is_none());
        assert_eq!(find_by_short_name("ev").unwrap().group, "");
        assert_eq!(find_by_short_name("hpa").unwrap().version, "v2");
        assert_eq!(find_by_short_name("crds").unwrap().plural, "customresourcedefinitions");
        assert!(find_by_short_name("deployment").is_none());
    }

    #[test]
    fn resolves_like_kubectl() {
        let gr = |arg: &str| resolve(arg).map(|r| (r.group, r.version, r.plural));
        assert_eq!(gr("deploy"), Some(("apps", "v1", "deployments")));
        assert_eq!(gr("deployment"), Some(("apps", "v1", "deployments")));
        assert_eq!(gr("Deployments"), Some(("apps", "v1", "deployments")));
        assert_eq!(gr("Deployment"), Some(("apps", "v1", "deployments")));
        assert_eq!(gr("deployments.apps"), Some(("apps", "v1", "deployments")));
        assert_eq!(gr("deploy.apps"), Some(("apps", "v1", "deployments")));
        assert_eq!(gr("deployments.v1.apps"), Some(("apps", "v1", "deployments")));
        assert_eq!(gr("po"), Some(("", "v1", "pods")));
        assert_eq!(gr("no"), Some(("", "v1", "nodes")));
        assert_eq!(gr("svc"), Some(("", "v1", "services")));
        assert_eq!(gr("ev"), Some(("", "v1", "events")));
        assert_eq!(gr("events"), Some(("", "v1", "events")));
        assert_eq!(gr("events.events.k8s.io"), Some(("events.k8s.io", "v1", "events")));
        assert_eq!(gr("ev.events.k8s.io"), Some(("events.k8s.io", "v1", "events")));
        assert_eq!(gr("hpa"), Some(("autoscaling", "v2", "horizontalpodautoscalers")));
        assert_eq!(
            gr("hpa.v1.autoscaling"),
            Some(("autoscaling", "v1", "horizontalpodautoscalers"))
        );
        assert_eq!(
            gr("crd"),
            Some(("apiextensions.k8s.io", "v1", "customresourcedefinitions"))
        );
        assert_eq!(gr("storageclass"), Some(("storage.k8s.io", "v1", "storageclasses")));
        assert_eq!(gr("nosuchthing"), None);
        assert_eq!(gr("deploy.batch"), None);
        let all: Vec<_> = resolve_all("events").iter().map(|r| r.group).collect();
        assert_eq!(all, ["", "events.k8s.io"]);
        let hpas: Vec<_> = resolve_all("hpa").iter().map(|r| r.version).collect();
        assert_eq!(hpas, ["v2", "v1"]);
    }
}
