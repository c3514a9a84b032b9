//! Column definitions of every built-in table, in upstream's order, types and priorities.
//!
//! Names, types, formats and priorities are upstream's. Descriptions that upstream writes out
//! literally are kept; the ones upstream takes from API field documentation are short summaries
//! of that field here.

use serde_json::{Map, Value};

/// One `meta.k8s.io/v1` `TableColumnDefinition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDefinition {
    /// Human-readable column name (`kubectl` upper-cases it).
    pub name: &'static str,
    /// OpenAPI type of the cells: `string`, `integer`, `boolean`, `number` or `date`.
    pub type_: &'static str,
    /// OpenAPI format hint; `name` marks the object-name column.
    pub format: &'static str,
    /// What the column shows.
    pub description: &'static str,
    /// 0 for the default view, 1 for columns `kubectl` shows only with `-o wide`.
    pub priority: i32,
}

impl ColumnDefinition {
    /// The JSON form, keys in upstream's order (`name`, `type`, `format`, `description`, `priority`).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), self.name.into());
        m.insert("type".into(), self.type_.into());
        m.insert("format".into(), self.format.into());
        m.insert("description".into(), self.description.into());
        m.insert("priority".into(), self.priority.into());
        Value::Object(m)
    }
}

const fn c(name: &'static str, type_: &'static str, description: &'static str) -> ColumnDefinition {
    ColumnDefinition {
        name,
        type_,
        format: "",
        description,
        priority: 0,
    }
}

const fn w(name: &'static str, type_: &'static str, description: &'static str) -> ColumnDefinition {
    ColumnDefinition {
        name,
        type_,
        format: "",
        description,
        priority: 1,
    }
}

const S: &str = "string";
const I: &str = "integer";
const B: &str = "boolean";

const NAME_DESC: &str = "Name of the object, unique within its namespace (metadata.name).";
const AGE_DESC: &str = "Time since the object was created (metadata.creationTimestamp).";
const CONTAINERS_DESC: &str = "Names of each container in the template.";
const IMAGES_DESC: &str = "Images referenced by each container in the template.";

/// The `Name` column (format `name`).
const NAME: ColumnDefinition = ColumnDefinition {
    name: "Name",
    type_: S,
    format: "name",
    description: NAME_DESC,
    priority: 0,
};
/// The `Age` column.
const AGE: ColumnDefinition = c("Age", S, AGE_DESC);
const CONTAINERS: ColumnDefinition = w("Containers", S, CONTAINERS_DESC);
const IMAGES: ColumnDefinition = w("Images", S, IMAGES_DESC);

/// `rest.NewDefaultTableConvertor`'s columns, for resources without a printer.
pub const DEFAULT: &[ColumnDefinition] = &[
    NAME,
    ColumnDefinition {
        name: "Created At",
        type_: "date",
        format: "",
        description: AGE_DESC,
        priority: 0,
    },
];

pub const PODS: &[ColumnDefinition] = &[
    NAME,
    c(
        "Ready",
        S,
        "The aggregate readiness state of this pod for accepting traffic.",
    ),
    c("Status", S, "The aggregate status of the containers in this pod."),
    c(
        "Restarts",
        S,
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    w("IP", S, "IP address allocated to the pod (status.podIPs[0])."),
    w("Node", S, "The node the pod is bound to (spec.nodeName)."),
    w(
        "Nominated Node",
        S,
        "The node preemption nominated for this pod (status.nominatedNodeName).",
    ),
    w(
        "Readiness Gates",
        S,
        "Readiness gates that are true, out of those the pod declares (spec.readinessGates).",
    ),
];

pub const POD_TEMPLATES: &[ColumnDefinition] = &[
    NAME,
    c("Containers", S, CONTAINERS_DESC),
    c("Images", S, IMAGES_DESC),
    c("Pod Labels", S, "The labels for the pod template."),
];

pub const POD_DISRUPTION_BUDGETS: &[ColumnDefinition] = &[
    NAME,
    c("Min Available", S, "The minimum number of pods that must be available."),
    c(
        "Max Unavailable",
        S,
        "The maximum number of pods that may be unavailable.",
    ),
    c(
        "Allowed Disruptions",
        I,
        "Calculated number of pods that may be disrupted at this time.",
    ),
    AGE,
];

pub const REPLICATION_CONTROLLERS: &[ColumnDefinition] = &[
    NAME,
    c("Desired", I, "Number of desired replicas (spec.replicas)."),
    c(
        "Current",
        I,
        "Number of most recently observed replicas (status.replicas).",
    ),
    c("Ready", I, "Number of ready replicas (status.readyReplicas)."),
    AGE,
    CONTAINERS,
    IMAGES,
    w(
        "Selector",
        S,
        "Label query over the pods the controller manages (spec.selector).",
    ),
];

pub const REPLICA_SETS: &[ColumnDefinition] = REPLICATION_CONTROLLERS;

pub const DAEMON_SETS: &[ColumnDefinition] = &[
    NAME,
    c(
        "Desired",
        I,
        "Number of nodes that should run the daemon pod (status.desiredNumberScheduled).",
    ),
    c(
        "Current",
        I,
        "Number of nodes running at least one daemon pod (status.currentNumberScheduled).",
    ),
    c(
        "Ready",
        I,
        "Number of nodes with a ready daemon pod (status.numberReady).",
    ),
    c(
        "Up-to-date",
        I,
        "Number of nodes running the updated daemon pod (status.updatedNumberScheduled).",
    ),
    c(
        "Available",
        I,
        "Number of nodes with an available daemon pod (status.numberAvailable).",
    ),
    c(
        "Node Selector",
        S,
        "Node labels the daemon pods must match (spec.template.spec.nodeSelector).",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    w(
        "Selector",
        S,
        "Label query over the pods the daemon set manages (spec.selector).",
    ),
];

pub const JOBS: &[ColumnDefinition] = &[
    NAME,
    c("Status", S, "Status of the job."),
    c(
        "Completions",
        S,
        "Succeeded pods out of the required completions (status.succeeded).",
    ),
    c("Duration", S, "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    w("Selector", S, "Label query over the pods of the job (spec.selector)."),
];

pub const CRON_JOBS: &[ColumnDefinition] = &[
    NAME,
    c("Schedule", S, "The schedule in Cron format (spec.schedule)."),
    c("Timezone", S, "The time zone of the schedule (spec.timeZone)."),
    c(
        "Suspend",
        B,
        "Whether subsequent executions are suspended (spec.suspend).",
    ),
    c("Active", I, "Number of currently running jobs (status.active)."),
    c(
        "Last Schedule",
        S,
        "Time since the job was last scheduled (status.lastScheduleTime).",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    w(
        "Selector",
        S,
        "Label query over the pods of the jobs (spec.jobTemplate.spec.selector).",
    ),
];

pub const SERVICES: &[ColumnDefinition] = &[
    NAME,
    c("Type", S, "How the service is exposed (spec.type)."),
    c(
        "Cluster-IP",
        S,
        "The service's cluster IP address (spec.clusterIPs[0]).",
    ),
    c(
        "External-IP",
        S,
        "External addresses of the service (spec.externalIPs, load-balancer ingress).",
    ),
    c("Port(s)", S, "The ports the service exposes (spec.ports)."),
    AGE,
    w(
        "Selector",
        S,
        "Labels of the pods traffic is routed to (spec.selector).",
    ),
];

pub const INGRESSES: &[ColumnDefinition] = &[
    NAME,
    c(
        "Class",
        S,
        "The name of the IngressClass resource that should be used for additional configuration",
    ),
    c(
        "Hosts",
        S,
        "Hosts that incoming requests are matched against before the ingress rule",
    ),
    c(
        "Address",
        S,
        "Address is a list containing ingress points for the load-balancer",
    ),
    c("Ports", S, "Ports of TLS configurations that open"),
    AGE,
];

pub const INGRESS_CLASSES: &[ColumnDefinition] = &[
    NAME,
    c(
        "Controller",
        S,
        "Controller that is responsible for handling this class",
    ),
    c("Parameters", S, "A reference to a resource with additional parameters"),
    AGE,
];

pub const STATEFUL_SETS: &[ColumnDefinition] = &[
    NAME,
    c("Ready", S, "Number of the pod with ready state"),
    AGE,
    CONTAINERS,
    IMAGES,
];

pub const ENDPOINTS: &[ColumnDefinition] = &[
    NAME,
    c("Endpoints", S, "Addresses and ports of the endpoints (subsets)."),
    AGE,
];

pub const NODES: &[ColumnDefinition] = &[
    NAME,
    c("Status", S, "The status of the node"),
    c("Roles", S, "The roles of the node"),
    AGE,
    c(
        "Version",
        S,
        "Kubelet version reported by the node (status.nodeInfo.kubeletVersion).",
    ),
    w(
        "Internal-IP",
        S,
        "The node's first InternalIP address (status.addresses).",
    ),
    w(
        "External-IP",
        S,
        "The node's first ExternalIP address (status.addresses).",
    ),
    w(
        "OS-Image",
        S,
        "OS image reported by the node (status.nodeInfo.osImage).",
    ),
    w(
        "Kernel-Version",
        S,
        "Kernel version reported by the node (status.nodeInfo.kernelVersion).",
    ),
    w(
        "Container-Runtime",
        S,
        "Container runtime version reported by the node (status.nodeInfo.containerRuntimeVersion).",
    ),
];

pub const EVENTS: &[ColumnDefinition] = &[
    c(
        "Last Seen",
        S,
        "Time since the event was last recorded (lastTimestamp).",
    ),
    c("Type", S, "Type of the event, Normal or Warning (type)."),
    c("Reason", S, "Short machine-readable reason for the event (reason)."),
    c("Object", S, "The object the event is about (involvedObject)."),
    w(
        "Subobject",
        S,
        "The part of the object the event is about (involvedObject.fieldPath).",
    ),
    w("Source", S, "The component reporting the event (source)."),
    c("Message", S, "Human-readable description of the event (message)."),
    w(
        "First Seen",
        S,
        "Time since the event was first recorded (firstTimestamp).",
    ),
    w("Count", S, "The number of times the event has occurred (count)."),
    ColumnDefinition {
        name: "Name",
        type_: S,
        format: "name",
        description: NAME_DESC,
        priority: 1,
    },
];

pub const NAMESPACES: &[ColumnDefinition] = &[NAME, c("Status", S, "The status of the namespace"), AGE];

pub const SECRETS: &[ColumnDefinition] = &[
    NAME,
    c("Type", S, "Type of the secret's data (type)."),
    c("Data", S, "Number of keys in the secret (data)."),
    AGE,
];

pub const SERVICE_ACCOUNTS: &[ColumnDefinition] = &[
    NAME,
    c(
        "Secrets",
        S,
        "Number of secrets listed by the service account (secrets).",
    ),
    AGE,
];

pub const PERSISTENT_VOLUMES: &[ColumnDefinition] = &[
    NAME,
    c("Capacity", S, "Storage capacity of the volume (spec.capacity)."),
    c("Access Modes", S, "Ways the volume can be mounted (spec.accessModes)."),
    c(
        "Reclaim Policy",
        S,
        "What happens to the volume when released (spec.persistentVolumeReclaimPolicy).",
    ),
    c("Status", S, "Phase of the volume (status.phase)."),
    c("Claim", S, "The claim bound to the volume (spec.claimRef)."),
    c("StorageClass", S, "StorageClass of the pv"),
    c("VolumeAttributesClass", S, "VolumeAttributesClass of the pv"),
    c("Reason", S, "Why the volume is in its phase (status.reason)."),
    AGE,
    w("VolumeMode", S, "Filesystem or Block (spec.volumeMode)."),
];

pub const PERSISTENT_VOLUME_CLAIMS: &[ColumnDefinition] = &[
    NAME,
    c("Status", S, "Phase of the claim (status.phase)."),
    c("Volume", S, "The volume bound to the claim (spec.volumeName)."),
    c("Capacity", S, "Actual capacity of the bound volume (status.capacity)."),
    c(
        "Access Modes",
        S,
        "Access modes of the bound volume (status.accessModes).",
    ),
    c("StorageClass", S, "StorageClass of the pvc"),
    c("VolumeAttributesClass", S, "VolumeAttributesClass of the pvc"),
    AGE,
    w("VolumeMode", S, "Filesystem or Block (spec.volumeMode)."),
];

pub const COMPONENT_STATUSES: &[ColumnDefinition] = &[
    NAME,
    c("Status", S, "Status of the component conditions"),
    c("Message", S, "Message of the component conditions"),
    c("Error", S, "Error of the component conditions"),
];

pub const DEPLOYMENTS: &[ColumnDefinition] = &[
    NAME,
    c("Ready", S, "Number of the pod with ready state"),
    c(
        "Up-to-date",
        S,
        "Number of pods with the latest template (status.updatedReplicas).",
    ),
    c("Available", S, "Number of available pods (status.availableReplicas)."),
    AGE,
    CONTAINERS,
    IMAGES,
    w(
        "Selector",
        S,
        "Label query over the pods of the deployment (spec.selector).",
    ),
];

pub const HORIZONTAL_POD_AUTOSCALERS: &[ColumnDefinition] = &[
    NAME,
    c("Reference", S, "The scaled resource (spec.scaleTargetRef)."),
    c("Targets", S, "Current and target values of the metrics (spec.metrics)."),
    c("MinPods", S, "Lower limit of replicas (spec.minReplicas)."),
    c("MaxPods", S, "Upper limit of replicas (spec.maxReplicas)."),
    c("Replicas", S, "Current number of replicas (status.currentReplicas)."),
    AGE,
];

pub const CONFIG_MAPS: &[ColumnDefinition] = &[
    NAME,
    c("Data", S, "Number of keys in the config map (data and binaryData)."),
    AGE,
];

pub const NETWORK_POLICIES: &[ColumnDefinition] = &[
    NAME,
    c("Pod-Selector", S, "Pods the policy applies to (spec.podSelector)."),
    AGE,
];

pub const ROLE_BINDINGS: &[ColumnDefinition] = &[
    NAME,
    c("Role", S, "The role the binding grants (roleRef)."),
    AGE,
    w("Users", S, "Users in the roleBinding"),
    w("Groups", S, "Groups in the roleBinding"),
    w("ServiceAccounts", S, "ServiceAccounts in the roleBinding"),
];

pub const CLUSTER_ROLE_BINDINGS: &[ColumnDefinition] = &[
    NAME,
    c("Role", S, "The cluster role the binding grants (roleRef)."),
    AGE,
    w("Users", S, "Users in the clusterRoleBinding"),
    w("Groups", S, "Groups in the clusterRoleBinding"),
    w("ServiceAccounts", S, "ServiceAccounts in the clusterRoleBinding"),
];

pub const CERTIFICATE_SIGNING_REQUESTS: &[ColumnDefinition] = &[
    NAME,
    AGE,
    c("SignerName", S, "The requested signer (spec.signerName)."),
    c("Requestor", S, "The user who created the request (spec.username)."),
    c(
        "RequestedDuration",
        S,
        "Requested validity of the certificate (spec.expirationSeconds).",
    ),
    c("Condition", S, "Approval state of the request (status.conditions)."),
];

pub const CLUSTER_TRUST_BUNDLES: &[ColumnDefinition] = &[
    NAME,
    c("SignerName", S, "The signer the bundle belongs to (spec.signerName)."),
];

pub const LEASES: &[ColumnDefinition] = &[
    NAME,
    c("Holder", S, "Current holder of the lease (spec.holderIdentity)."),
    AGE,
];

pub const LEASE_CANDIDATES: &[ColumnDefinition] = &[
    NAME,
    c("LeaseName", S, "The lease the candidate competes for (spec.leaseName)."),
    c(
        "BinaryVersion",
        S,
        "Binary version of the candidate (spec.binaryVersion).",
    ),
    c(
        "EmulationVersion",
        S,
        "Emulation version of the candidate (spec.emulationVersion).",
    ),
    AGE,
];

pub const STORAGE_CLASSES: &[ColumnDefinition] = &[
    NAME,
    c(
        "Provisioner",
        S,
        "The volume plugin that provisions volumes (provisioner).",
    ),
    c(
        "ReclaimPolicy",
        S,
        "Reclaim policy of provisioned volumes (reclaimPolicy).",
    ),
    c(
        "VolumeBindingMode",
        S,
        "When volumes are bound and provisioned (volumeBindingMode).",
    ),
    c(
        "AllowVolumeExpansion",
        S,
        "Whether volumes can be expanded (allowVolumeExpansion).",
    ),
    AGE,
];

pub const VOLUME_ATTRIBUTES_CLASSES: &[ColumnDefinition] = &[
    NAME,
    c("DriverName", S, "The CSI driver of the class (driverName)."),
    AGE,
];

pub const CONTROLLER_REVISIONS: &[ColumnDefinition] = &[
    NAME,
    c("Controller", S, "Controller of the object"),
    c("Revision", S, "Revision number of the state (revision)."),
    AGE,
];

pub const RESOURCE_QUOTAS: &[ColumnDefinition] = &[
    NAME,
    c(
        "Request",
        S,
        "Request represents a minimum amount of cpu/memory that a container may consume.",
    ),
    c(
        "Limit",
        S,
        "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
    ),
    AGE,
];

pub const PRIORITY_CLASSES: &[ColumnDefinition] = &[
    NAME,
    c("Value", I, "Priority of pods using this class (value)."),
    c(
        "Global-Default",
        B,
        "Whether this class is the default for pods without one (globalDefault).",
    ),
    AGE,
    c(
        "PreemptionPolicy",
        S,
        "Whether pods of this class may preempt others (preemptionPolicy).",
    ),
];

pub const RUNTIME_CLASSES: &[ColumnDefinition] = &[
    NAME,
    c("Handler", S, "The CRI handler that runs pods of this class (handler)."),
    AGE,
];

pub const VOLUME_ATTACHMENTS: &[ColumnDefinition] = &[
    NAME,
    ColumnDefinition {
        name: "Attacher",
        type_: S,
        format: "name",
        description: "The volume driver that attaches the volume (spec.attacher).",
        priority: 0,
    },
    c(
        "PV",
        S,
        "The persistent volume being attached (spec.source.persistentVolumeName).",
    ),
    c("Node", S, "The node the volume is attached to (spec.nodeName)."),
    c(
        "Attached",
        B,
        "Whether the attach operation succeeded (status.attached).",
    ),
    AGE,
];

pub const ENDPOINT_SLICES: &[ColumnDefinition] = &[
    NAME,
    c("AddressType", S, "Type of the addresses in the slice (addressType)."),
    c("Ports", S, "Ports exposed by the endpoints (ports)."),
    c("Endpoints", S, "Addresses of the endpoints (endpoints)."),
    AGE,
];

pub const CSI_NODES: &[ColumnDefinition] = &[
    NAME,
    c(
        "Drivers",
        I,
        "Drivers indicates the number of CSI drivers registered on the node",
    ),
    AGE,
];

pub const CSI_DRIVERS: &[ColumnDefinition] = &[
    NAME,
    c(
        "AttachRequired",
        B,
        "Whether volumes need an attach operation (spec.attachRequired).",
    ),
    c(
        "PodInfoOnMount",
        B,
        "Whether pod information is passed on mount (spec.podInfoOnMount).",
    ),
    c(
        "StorageCapacity",
        B,
        "Whether the driver reports storage capacity (spec.storageCapacity).",
    ),
    c(
        "TokenRequests",
        S,
        "Audiences of service account tokens passed to the driver (spec.tokenRequests).",
    ),
    c(
        "RequiresRepublish",
        B,
        "Whether volumes are periodically republished (spec.requiresRepublish).",
    ),
    c(
        "Modes",
        S,
        "Volume lifecycle modes the driver supports (spec.volumeLifecycleModes).",
    ),
    AGE,
];

pub const CSI_STORAGE_CAPACITIES: &[ColumnDefinition] = &[
    NAME,
    c(
        "StorageClassName",
        S,
        "The storage class the capacity applies to (storageClassName).",
    ),
    c("Capacity", S, "Available capacity (capacity)."),
];

pub const WEBHOOK_CONFIGURATIONS: &[ColumnDefinition] = &[
    NAME,
    c(
        "Webhooks",
        I,
        "Webhooks indicates the number of webhooks registered in this configuration",
    ),
    AGE,
];

pub const VALIDATING_ADMISSION_POLICIES: &[ColumnDefinition] = &[
    NAME,
    c(
        "Validations",
        I,
        "Validations indicates the number of validation rules defined in this configuration",
    ),
    c(
        "ParamKind",
        S,
        "ParamKind specifies the kind of resources used to parameterize this policy",
    ),
    AGE,
];

pub const MUTATING_ADMISSION_POLICIES: &[ColumnDefinition] = &[
    NAME,
    c(
        "Mutations",
        I,
        "Mutation indicates the number of mutations rules defined in this configuration",
    ),
    c(
        "ParamKind",
        S,
        "ParamKind specifies the kind of resources used to parameterize this policy",
    ),
    AGE,
];

pub const ADMISSION_POLICY_BINDINGS: &[ColumnDefinition] = &[
    NAME,
    c(
        "PolicyName",
        S,
        "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    c(
        "ParamRef",
        S,
        "ParamRef indicates the param resource which sets the configration param",
    ),
    AGE,
];

pub const FLOW_SCHEMAS: &[ColumnDefinition] = &[
    NAME,
    c(
        "PriorityLevel",
        S,
        "The priority level requests are assigned to (spec.priorityLevelConfiguration.name).",
    ),
    c(
        "MatchingPrecedence",
        S,
        "Order among flow schemas, lower first (spec.matchingPrecedence).",
    ),
    c(
        "DistinguisherMethod",
        S,
        "How flows are told apart (spec.distinguisherMethod).",
    ),
    AGE,
    c(
        "MissingPL",
        S,
        "references a broken or non-existent PriorityLevelConfiguration",
    ),
];

pub const PRIORITY_LEVEL_CONFIGURATIONS: &[ColumnDefinition] = &[
    NAME,
    c("Type", S, "Exempt or Limited (spec.type)."),
    c(
        "NominalConcurrencyShares",
        S,
        "Share of the server's concurrency (spec.limited.nominalConcurrencyShares).",
    ),
    c(
        "Queues",
        S,
        "Number of queues (spec.limited.limitResponse.queuing.queues).",
    ),
    c(
        "HandSize",
        S,
        "Queues each flow is shuffle-sharded over (spec.limited.limitResponse.queuing.handSize).",
    ),
    c(
        "QueueLengthLimit",
        S,
        "Requests a queue may hold (spec.limited.limitResponse.queuing.queueLengthLimit).",
    ),
    AGE,
];

pub const STORAGE_VERSIONS: &[ColumnDefinition] = &[
    NAME,
    c(
        "CommonEncodingVersion",
        S,
        "Encoding version all servers agree on (status.commonEncodingVersion).",
    ),
    c(
        "StorageVersions",
        S,
        "Encoding version of each server (status.storageVersions).",
    ),
    AGE,
];

pub const NAME_AGE: &[ColumnDefinition] = &[NAME, AGE];

pub const RESOURCE_CLAIMS: &[ColumnDefinition] = &[
    NAME,
    c(
        "State",
        S,
        "A summary of the current state (allocated, pending, reserved, etc.).",
    ),
    AGE,
];

pub const RESOURCE_SLICES: &[ColumnDefinition] = &[
    NAME,
    c("Node", S, "The node providing the resources (spec.nodeName)."),
    c("Driver", S, "The driver publishing the slice (spec.driver)."),
    c("Pool", S, "The pool the slice belongs to (spec.pool.name)."),
    AGE,
];

pub const SERVICE_CIDRS: &[ColumnDefinition] =
    &[NAME, c("CIDRs", S, "The ranges of the service CIDR (spec.cidrs)."), AGE];

pub const IP_ADDRESSES: &[ColumnDefinition] = &[
    NAME,
    c(
        "ParentRef",
        S,
        "The object the address is allocated to (spec.parentRef).",
    ),
];

pub const STORAGE_VERSION_MIGRATIONS: &[ColumnDefinition] = &[
    ColumnDefinition {
        name: "Name",
        type_: S,
        format: "",
        description: NAME_DESC,
        priority: 0,
    },
    c("Resource", S, "Fully qualified resource to migrate"),
];

pub const API_SERVICES: &[ColumnDefinition] = &[
    NAME,
    c(
        "Service",
        S,
        "The reference to the service that hosts this API endpoint.",
    ),
    c("Available", S, "Whether this service is available."),
    AGE,
];
