//! The printer registry: which columns and row function serve each `(group, resource)`.

mod core;
mod other;
mod pod;
mod workloads;

use serde_json::{Value, json};

use crate::columns::{self as cols, ColumnDefinition};
use crate::time::Timestamp;

/// Computes one row's cells from an object.
pub type CellsFn = fn(&Value, Timestamp) -> Vec<Value>;

/// How one resource is shown as a table.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// The table's columns.
    pub columns: &'static [ColumnDefinition],
    /// The row cells, one per column.
    pub cells: CellsFn,
    /// Row conditions (only pods have them).
    pub conditions: fn(&Value) -> Vec<Value>,
}

fn no_conditions(_: &Value) -> Vec<Value> {
    Vec::new()
}

const fn printer(columns: &'static [ColumnDefinition], cells: CellsFn) -> Printer {
    Printer {
        columns,
        cells,
        conditions: no_conditions,
    }
}

/// `rest.NewDefaultTableConvertor`'s row: the name and the creation time in RFC 3339 (UTC).
fn default_cells(obj: &Value, _now: Timestamp) -> Vec<Value> {
    let created = crate::format::time_at(obj, &["metadata", "creationTimestamp"]);
    vec![json!(crate::format::name(obj)), json!(created.to_rfc3339())]
}

/// The default printer for resources upstream serves through `rest.NewDefaultTableConvertor`.
pub const DEFAULT: Printer = printer(cols::DEFAULT, default_cells);

/// The upstream printer of `(group, resource)`, or `None` when upstream uses the default table.
pub fn lookup(group: &str, resource: &str) -> Option<Printer> {
    let p = match (group, resource) {
        ("", "pods") => Printer {
            columns: cols::PODS,
            cells: pod::cells,
            conditions: pod::conditions,
        },
        ("", "podtemplates") => printer(cols::POD_TEMPLATES, core::pod_template),
        ("", "replicationcontrollers") => printer(cols::REPLICATION_CONTROLLERS, core::replication_controller),
        ("", "services") => printer(cols::SERVICES, core::service),
        ("", "endpoints") => printer(cols::ENDPOINTS, core::endpoints),
        ("", "nodes") => printer(cols::NODES, core::node),
        ("", "events") => printer(cols::EVENTS, core::event),
        ("events.k8s.io", "events") => printer(cols::EVENTS, core::events_v1),
        ("", "namespaces") => printer(cols::NAMESPACES, core::namespace),
        ("", "secrets") => printer(cols::SECRETS, core::secret),
        ("", "serviceaccounts") => printer(cols::SERVICE_ACCOUNTS, core::service_account),
        ("", "persistentvolumes") => printer(cols::PERSISTENT_VOLUMES, core::persistent_volume),
        ("", "persistentvolumeclaims") => printer(cols::PERSISTENT_VOLUME_CLAIMS, core::persistent_volume_claim),
        ("", "componentstatuses") => printer(cols::COMPONENT_STATUSES, core::component_status),
        ("", "configmaps") => printer(cols::CONFIG_MAPS, core::config_map),
        ("", "resourcequotas") => printer(cols::RESOURCE_QUOTAS, core::resource_quota),
        ("apps", "deployments") => printer(cols::DEPLOYMENTS, workloads::deployment),
        ("apps", "replicasets") => printer(cols::REPLICA_SETS, workloads::replica_set),
        ("apps", "statefulsets") => printer(cols::STATEFUL_SETS, workloads::stateful_set),
        ("apps", "daemonsets") => printer(cols::DAEMON_SETS, workloads::daemon_set),
        ("apps", "controllerrevisions") => printer(cols::CONTROLLER_REVISIONS, workloads::controller_revision),
        ("batch", "jobs") => printer(cols::JOBS, workloads::job),
        ("batch", "cronjobs") => printer(cols::CRON_JOBS, workloads::cron_job),
        ("policy", "poddisruptionbudgets") => printer(cols::POD_DISRUPTION_BUDGETS, workloads::pod_disruption_budget),
        ("autoscaling", "horizontalpodautoscalers") => {
            printer(cols::HORIZONTAL_POD_AUTOSCALERS, workloads::horizontal_pod_autoscaler)
        }
        ("networking.k8s.io", "ingresses") => printer(cols::INGRESSES, other::ingress),
        ("networking.k8s.io", "ingressclasses") => printer(cols::INGRESS_CLASSES, other::ingress_class),
        ("networking.k8s.io", "networkpolicies") => printer(cols::NETWORK_POLICIES, other::network_policy),
        ("networking.k8s.io", "servicecidrs") => printer(cols::SERVICE_CIDRS, other::service_cidr),
        ("networking.k8s.io", "ipaddresses") => printer(cols::IP_ADDRESSES, other::ip_address),
        ("discovery.k8s.io", "endpointslices") => printer(cols::ENDPOINT_SLICES, other::endpoint_slice),
        ("rbac.authorization.k8s.io", "rolebindings") => printer(cols::ROLE_BINDINGS, other::role_binding),
        ("rbac.authorization.k8s.io", "clusterrolebindings") => {
            printer(cols::CLUSTER_ROLE_BINDINGS, other::role_binding)
        }
        ("storage.k8s.io", "storageclasses") => printer(cols::STORAGE_CLASSES, other::storage_class),
        ("storage.k8s.io", "volumeattributesclasses") => {
            printer(cols::VOLUME_ATTRIBUTES_CLASSES, other::volume_attributes_class)
        }
        ("storage.k8s.io", "volumeattachments") => printer(cols::VOLUME_ATTACHMENTS, other::volume_attachment),
        ("storage.k8s.io", "csinodes") => printer(cols::CSI_NODES, other::csi_node),
        ("storage.k8s.io", "csidrivers") => printer(cols::CSI_DRIVERS, other::csi_driver),
        ("storage.k8s.io", "csistoragecapacities") => {
            printer(cols::CSI_STORAGE_CAPACITIES, other::csi_storage_capacity)
        }
        ("scheduling.k8s.io", "priorityclasses") => printer(cols::PRIORITY_CLASSES, other::priority_class),
        ("node.k8s.io", "runtimeclasses") => printer(cols::RUNTIME_CLASSES, other::runtime_class),
        ("coordination.k8s.io", "leases") => printer(cols::LEASES, other::lease),
        ("coordination.k8s.io", "leasecandidates") => printer(cols::LEASE_CANDIDATES, other::lease_candidate),
        ("certificates.k8s.io", "certificatesigningrequests") => {
            printer(cols::CERTIFICATE_SIGNING_REQUESTS, other::certificate_signing_request)
        }
        ("certificates.k8s.io", "clustertrustbundles") => {
            printer(cols::CLUSTER_TRUST_BUNDLES, other::cluster_trust_bundle)
        }
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations" | "validatingwebhookconfigurations") => {
            printer(cols::WEBHOOK_CONFIGURATIONS, other::webhook_configuration)
        }
        ("admissionregistration.k8s.io", "validatingadmissionpolicies") => {
            printer(cols::VALIDATING_ADMISSION_POLICIES, other::validating_admission_policy)
        }
        ("admissionregistration.k8s.io", "mutatingadmissionpolicies") => {
            printer(cols::MUTATING_ADMISSION_POLICIES, other::mutating_admission_policy)
        }
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings" | "mutatingadmissionpolicybindings") => {
            printer(cols::ADMISSION_POLICY_BINDINGS, other::admission_policy_binding)
        }
        ("flowcontrol.apiserver.k8s.io", "flowschemas") => printer(cols::FLOW_SCHEMAS, other::flow_schema),
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations") => {
            printer(cols::PRIORITY_LEVEL_CONFIGURATIONS, other::priority_level_configuration)
        }
        ("internal.apiserver.k8s.io", "storageversions") => printer(cols::STORAGE_VERSIONS, other::storage_version),
        ("storagemigration.k8s.io", "storageversionmigrations") => {
            printer(cols::STORAGE_VERSION_MIGRATIONS, other::storage_version_migration)
        }
        ("resource.k8s.io", "deviceclasses" | "resourceclaimtemplates") => printer(cols::NAME_AGE, other::name_age),
        ("resource.k8s.io", "resourceclaims") => printer(cols::RESOURCE_CLAIMS, other::resource_claim),
        ("resource.k8s.io", "resourceslices") => printer(cols::RESOURCE_SLICES, other::resource_slice),
        ("apiregistration.k8s.io", "apiservices") => printer(cols::API_SERVICES, other::api_service),
        _ => return None,
    };
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every registered printer yields exactly one cell per column for a minimal object, except
    /// IP addresses, whose upstream row carries an age beyond its two columns.
    #[test]
    fn cells_match_columns_for_minimal_objects() {
        let resources: &[(&str, &str)] = &[
            ("", "pods"),
            ("", "podtemplates"),
            ("", "replicationcontrollers"),
            ("", "services"),
            ("", "endpoints"),
            ("", "nodes"),
            ("", "events"),
            ("events.k8s.io", "events"),
            ("", "namespaces"),
            ("", "secrets"),
            ("", "serviceaccounts"),
            ("", "persistentvolumes"),
            ("", "persistentvolumeclaims"),
            ("", "componentstatuses"),
            ("", "configmaps"),
            ("", "resourcequotas"),
            ("apps", "deployments"),
            ("apps", "replicasets"),
            ("apps", "statefulsets"),
            ("apps", "daemonsets"),
            ("apps", "controllerrevisions"),
            ("batch", "jobs"),
            ("batch", "cronjobs"),
            ("policy", "poddisruptionbudgets"),
            ("autoscaling", "horizontalpodautoscalers"),
            ("networking.k8s.io", "ingresses"),
            ("networking.k8s.io", "ingressclasses"),
            ("networking.k8s.io", "networkpolicies"),
            ("networking.k8s.io", "servicecidrs"),
            ("discovery.k8s.io", "endpointslices"),
            ("rbac.authorization.k8s.io", "rolebindings"),
            ("rbac.authorization.k8s.io", "clusterrolebindings"),
            ("storage.k8s.io", "storageclasses"),
            ("storage.k8s.io", "volumeattributesclasses"),
            ("storage.k8s.io", "volumeattachments"),
            ("storage.k8s.io", "csinodes"),
            ("storage.k8s.io", "csidrivers"),
            ("storage.k8s.io", "csistoragecapacities"),
            ("scheduling.k8s.io", "priorityclasses"),
            ("node.k8s.io", "runtimeclasses"),
            ("coordination.k8s.io", "leases"),
            ("coordination.k8s.io", "leasecandidates"),
            ("certificates.k8s.io", "certificatesigningrequests"),
            ("certificates.k8s.io", "clustertrustbundles"),
            ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
            ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
            ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
            ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
            ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
            ("flowcontrol.apiserver.k8s.io", "flowschemas"),
            ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
            ("internal.apiserver.k8s.io", "storageversions"),
            ("storagemigration.k8s.io", "storageversionmigrations"),
            ("resource.k8s.io", "deviceclasses"),
            ("resource.k8s.io", "resourceclaims"),
            ("resource.k8s.io", "resourceslices"),
            ("apiregistration.k8s.io", "apiservices"),
        ];
        let now = Timestamp::parse("2024-03-01T12:00:00Z").unwrap();
        for (group, resource) in resources {
            let p = lookup(group, resource).unwrap_or_else(|| panic!("{group}/{resource} has no printer"));
            for obj in [
                json!({}),
                json!(null),
                json!({"metadata": null, "spec": 5, "status": "x"}),
            ] {
                let cells = (p.cells)(&obj, now);
                assert_eq!(cells.len(), p.columns.len(), "{group}/{resource}");
            }
        }
        let ip = lookup("networking.k8s.io", "ipaddresses").unwrap();
        assert_eq!((ip.cells)(&json!({}), now).len(), ip.columns.len() + 1);
    }

    #[test]
    fn default_table_for_unprinted_resources() {
        for (group, resource) in [
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "clusterroles"),
            ("", "limitranges"),
            ("apiextensions.k8s.io", "customresourcedefinitions"),
        ] {
            assert!(lookup(group, resource).is_none(), "{group}/{resource}");
        }
        let obj = json!({"metadata": {"name": "admin", "creationTimestamp": "2024-03-01T11:00:00Z"}});
        let now = Timestamp::parse("2024-03-01T12:00:00Z").unwrap();
        assert_eq!(
            (DEFAULT.cells)(&obj, now),
            vec![json!("admin"), json!("2024-03-01T11:00:00Z")]
        );
        assert_eq!(
            (DEFAULT.cells)(&json!({}), now),
            vec![json!(""), json!("0001-01-01T00:00:00Z")]
        );
    }
}
