//! Descriptions of definitions and their properties, for `kubectl explain`: read at run time from the
//! JSON schemas `k8s-openapi` generates for its types (built on demand, for the kinds a document holds).

use std::collections::BTreeSet;

use k8s_openapi::schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value};

/// The JSON schemas `k8s-openapi` generates, by definition name (`io.k8s.api.core.v1.Pod`), read for their
/// `description` and their properties' descriptions.
#[derive(Debug, Default)]
pub struct Descriptions {
    schemas: Map<String, Value>,
}

impl Descriptions {
    /// No descriptions at all.
    pub fn none() -> Self {
        Descriptions::default()
    }

    /// The descriptions of the listed definitions: the schemas of the kinds among them and of every type
    /// those reach.
    pub fn for_definitions(definitions: &BTreeSet<String>) -> Self {
        let mut generator = SchemaGenerator::default();
        for (name, add) in ROOTS {
            if definitions.contains(*name) {
                add(&mut generator);
            }
        }
        let mut schemas = generator.take_definitions(false);
        schemas.retain(|name, _| definitions.contains(name));
        Descriptions { schemas }
    }

    pub fn of_type(&self, definition: &str) -> Option<&str> {
        self.schemas.get(definition)?.get("description")?.as_str()
    }

    pub fn of_field(&self, definition: &str, property: &str) -> Option<&str> {
        self.schemas
            .get(definition)?
            .get("properties")?
            .get(property)?
            .get("description")?
            .as_str()
    }
}

/// Adds a type's schema (and those it reaches) to the generator's definitions.
type AddRoot = fn(&mut SchemaGenerator);

fn root<T: JsonSchema>(generator: &mut SchemaGenerator) {
    let _ = generator.subschema_for::<T>();
}

macro_rules! roots {
    ($($name:literal => $ty:path),* $(,)?) => {
        &[$(($name, root::<$ty> as AddRoot)),*]
    };
}

/// The kinds of the served group versions (and the meta/v1 types operations use), by definition name.
/// Every other definition is reached from these.
#[rustfmt::skip]
static ROOTS: &[(&str, AddRoot)] = roots![
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroup" => k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup,
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList" => k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroupList,
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList" => k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList,
    "io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions" => k8s_openapi::apimachinery::pkg::apis::meta::v1::APIVersions,
    "io.k8s.api.core.v1.Binding" => k8s_openapi::api::core::v1::Binding,
    "io.k8s.api.core.v1.ComponentStatus" => k8s_openapi::api::core::v1::ComponentStatus,
    "io.k8s.api.core.v1.ConfigMap" => k8s_openapi::api::core::v1::ConfigMap,
    "io.k8s.api.core.v1.Endpoints" => k8s_openapi::api::core::v1::Endpoints,
    "io.k8s.api.core.v1.Event" => k8s_openapi::api::core::v1::Event,
    "io.k8s.api.core.v1.LimitRange" => k8s_openapi::api::core::v1::LimitRange,
    "io.k8s.api.core.v1.Namespace" => k8s_openapi::api::core::v1::Namespace,
    "io.k8s.api.core.v1.Node" => k8s_openapi::api::core::v1::Node,
    "io.k8s.api.core.v1.PersistentVolume" => k8s_openapi::api::core::v1::PersistentVolume,
    "io.k8s.api.core.v1.PersistentVolumeClaim" => k8s_openapi::api::core::v1::PersistentVolumeClaim,
    "io.k8s.api.core.v1.Pod" => k8s_openapi::api::core::v1::Pod,
    "io.k8s.api.core.v1.PodTemplate" => k8s_openapi::api::core::v1::PodTemplate,
    "io.k8s.api.core.v1.ReplicationController" => k8s_openapi::api::core::v1::ReplicationController,
    "io.k8s.api.core.v1.ResourceQuota" => k8s_openapi::api::core::v1::ResourceQuota,
    "io.k8s.api.core.v1.Secret" => k8s_openapi::api::core::v1::Secret,
    "io.k8s.api.core.v1.Service" => k8s_openapi::api::core::v1::Service,
    "io.k8s.api.core.v1.ServiceAccount" => k8s_openapi::api::core::v1::ServiceAccount,
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status" => k8s_openapi::apimachinery::pkg::apis::meta::v1::Status,
    "io.k8s.api.admissionregistration.v1.MutatingAdmissionPolicy" => k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicy,
    "io.k8s.api.admissionregistration.v1.MutatingAdmissionPolicyBinding" => k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicyBinding,
    "io.k8s.api.admissionregistration.v1.MutatingWebhookConfiguration" => k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration,
    "io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicy" => k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicy,
    "io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBinding" => k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
    "io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration" => k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration,
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition" => k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService" => k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
    "io.k8s.api.apps.v1.ControllerRevision" => k8s_openapi::api::apps::v1::ControllerRevision,
    "io.k8s.api.apps.v1.DaemonSet" => k8s_openapi::api::apps::v1::DaemonSet,
    "io.k8s.api.apps.v1.Deployment" => k8s_openapi::api::apps::v1::Deployment,
    "io.k8s.api.apps.v1.ReplicaSet" => k8s_openapi::api::apps::v1::ReplicaSet,
    "io.k8s.api.apps.v1.StatefulSet" => k8s_openapi::api::apps::v1::StatefulSet,
    "io.k8s.api.authentication.v1.SelfSubjectReview" => k8s_openapi::api::authentication::v1::SelfSubjectReview,
    "io.k8s.api.authentication.v1.TokenRequest" => k8s_openapi::api::authentication::v1::TokenRequest,
    "io.k8s.api.authentication.v1.TokenReview" => k8s_openapi::api::authentication::v1::TokenReview,
    "io.k8s.api.authorization.v1.LocalSubjectAccessReview" => k8s_openapi::api::authorization::v1::LocalSubjectAccessReview,
    "io.k8s.api.authorization.v1.SelfSubjectAccessReview" => k8s_openapi::api::authorization::v1::SelfSubjectAccessReview,
    "io.k8s.api.authorization.v1.SelfSubjectRulesReview" => k8s_openapi::api::authorization::v1::SelfSubjectRulesReview,
    "io.k8s.api.authorization.v1.SubjectAccessReview" => k8s_openapi::api::authorization::v1::SubjectAccessReview,
    "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler" => k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler,
    "io.k8s.api.autoscaling.v1.Scale" => k8s_openapi::api::autoscaling::v1::Scale,
    "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler" => k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler,
    "io.k8s.api.batch.v1.CronJob" => k8s_openapi::api::batch::v1::CronJob,
    "io.k8s.api.batch.v1.Job" => k8s_openapi::api::batch::v1::Job,
    "io.k8s.api.certificates.v1.CertificateSigningRequest" => k8s_openapi::api::certificates::v1::CertificateSigningRequest,
    "io.k8s.api.certificates.v1.ClusterTrustBundle" => k8s_openapi::api::certificates::v1::ClusterTrustBundle,
    "io.k8s.api.certificates.v1.PodCertificateRequest" => k8s_openapi::api::certificates::v1::PodCertificateRequest,
    "io.k8s.api.coordination.v1.Lease" => k8s_openapi::api::coordination::v1::Lease,
    "io.k8s.api.discovery.v1.EndpointSlice" => k8s_openapi::api::discovery::v1::EndpointSlice,
    "io.k8s.api.events.v1.Event" => k8s_openapi::api::events::v1::Event,
    "io.k8s.api.flowcontrol.v1.FlowSchema" => k8s_openapi::api::flowcontrol::v1::FlowSchema,
    "io.k8s.api.flowcontrol.v1.PriorityLevelConfiguration" => k8s_openapi::api::flowcontrol::v1::PriorityLevelConfiguration,
    "io.k8s.api.networking.v1.IPAddress" => k8s_openapi::api::networking::v1::IPAddress,
    "io.k8s.api.networking.v1.Ingress" => k8s_openapi::api::networking::v1::Ingress,
    "io.k8s.api.networking.v1.IngressClass" => k8s_openapi::api::networking::v1::IngressClass,
    "io.k8s.api.networking.v1.NetworkPolicy" => k8s_openapi::api::networking::v1::NetworkPolicy,
    "io.k8s.api.networking.v1.ServiceCIDR" => k8s_openapi::api::networking::v1::ServiceCIDR,
    "io.k8s.api.node.v1.RuntimeClass" => k8s_openapi::api::node::v1::RuntimeClass,
    "io.k8s.api.policy.v1.Eviction" => k8s_openapi::api::policy::v1::Eviction,
    "io.k8s.api.policy.v1.PodDisruptionBudget" => k8s_openapi::api::policy::v1::PodDisruptionBudget,
    "io.k8s.api.rbac.v1.ClusterRole" => k8s_openapi::api::rbac::v1::ClusterRole,
    "io.k8s.api.rbac.v1.ClusterRoleBinding" => k8s_openapi::api::rbac::v1::ClusterRoleBinding,
    "io.k8s.api.rbac.v1.Role" => k8s_openapi::api::rbac::v1::Role,
    "io.k8s.api.rbac.v1.RoleBinding" => k8s_openapi::api::rbac::v1::RoleBinding,
    "io.k8s.api.resource.v1.DeviceClass" => k8s_openapi::api::resource::v1::DeviceClass,
    "io.k8s.api.resource.v1.ResourceClaim" => k8s_openapi::api::resource::v1::ResourceClaim,
    "io.k8s.api.resource.v1.ResourceClaimTemplate" => k8s_openapi::api::resource::v1::ResourceClaimTemplate,
    "io.k8s.api.resource.v1.ResourceSlice" => k8s_openapi::api::resource::v1::ResourceSlice,
    "io.k8s.api.scheduling.v1.PriorityClass" => k8s_openapi::api::scheduling::v1::PriorityClass,
    "io.k8s.api.storage.v1.CSIDriver" => k8s_openapi::api::storage::v1::CSIDriver,
    "io.k8s.api.storage.v1.CSINode" => k8s_openapi::api::storage::v1::CSINode,
    "io.k8s.api.storage.v1.CSIStorageCapacity" => k8s_openapi::api::storage::v1::CSIStorageCapacity,
    "io.k8s.api.storage.v1.StorageClass" => k8s_openapi::api::storage::v1::StorageClass,
    "io.k8s.api.storage.v1.VolumeAttachment" => k8s_openapi::api::storage::v1::VolumeAttachment,
    "io.k8s.api.storage.v1.VolumeAttributesClass" => k8s_openapi::api::storage::v1::VolumeAttributesClass,
    "io.k8s.api.storagemigration.v1.StorageVersionMigration" => k8s_openapi::api::storagemigration::v1::StorageVersionMigration,
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions" => k8s_openapi::apimachinery::pkg::apis::meta::v1::DeleteOptions,
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch" => k8s_openapi::apimachinery::pkg::apis::meta::v1::Patch,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_reach_nested_types() {
        let names: BTreeSet<String> = [
            "io.k8s.api.core.v1.Pod",
            "io.k8s.api.core.v1.PodSpec",
            "io.k8s.api.core.v1.Container",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        let d = Descriptions::for_definitions(&names);
        assert!(d.of_type("io.k8s.api.core.v1.Pod").is_some_and(|s| !s.is_empty()));
        assert!(d.of_field("io.k8s.api.core.v1.PodSpec", "containers").is_some());
        assert!(d.of_field("io.k8s.api.core.v1.Container", "image").is_some());
        assert!(d.of_type("io.k8s.api.apps.v1.Deployment").is_none());
    }
}
