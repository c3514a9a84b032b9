//! JSON -> protobuf -> JSON round trips of realistic objects, written as upstream prints them.

use ferrokube_apischema::{GroupVersionKind, decode, encode};
use serde_json::{Value, json};

/// Encodes and decodes `object`, asserting the result is the same JSON value, and that the JSON the apiserver
/// serves for the stored bytes is that value too.
fn round_trip(object: Value) {
    let kind = object["kind"].as_str().unwrap();
    let gvk = GroupVersionKind::from_api_version(object["apiVersion"].as_str().unwrap(), kind);
    let bytes = encode(&gvk, &object).unwrap();
    let (got_gvk, back) = decode(&bytes).unwrap();
    assert_eq!(got_gvk, gvk);
    writes_same_json(&bytes, &back);
    // As stored: without resourceVersion, which reads stamp in.
    let mut unversioned = object.clone();
    if let Some(meta) = unversioned.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
    let stored = encode(&gvk, &unversioned).unwrap();
    writes_same_json(&stored, &decode(&stored).unwrap().1);
    let (got, want) = (
        serde_json::to_string_pretty(&back).unwrap(),
        serde_json::to_string_pretty(&object).unwrap(),
    );
    if got != want {
        let diff: Vec<String> = got
            .lines()
            .zip(want.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(3)
            .map(|(i, (a, b))| format!("line {i}: got {a} want {b}"))
            .collect();
        panic!("round trip differs: {diff:?}");
    }
}

/// The one-pass JSON writer prints the decoded value, with and without a resourceVersion stamp, kind and
/// apiVersion first as Go prints them.
fn writes_same_json(bytes: &[u8], decoded: &Value) {
    let written = ferrokube_apischema::to_json(bytes, None).expect("the writer handles stored objects");
    assert!(
        written.starts_with(b"{\"kind\":"),
        "{}",
        String::from_utf8_lossy(&written)
    );
    assert_eq!(&serde_json::from_slice::<Value>(&written).unwrap(), decoded);
    let mut stamped = decoded.clone();
    ferrokube_apischema::stamp_resource_version(&mut stamped, "98765");
    let written = ferrokube_apischema::to_json(bytes, Some("98765")).expect("the writer stamps resourceVersion");
    assert_eq!(serde_json::from_slice::<Value>(&written).unwrap(), stamped);
}

fn pod() -> Value {
    json!({
        "kind": "Pod", "apiVersion": "v1",
        "metadata": {
            "name": "web-7d4b9c-x2x", "generateName": "web-7d4b9c-", "namespace": "default",
            "uid": "6b1c1d2e-0000-4000-8000-000000000001", "resourceVersion": "12345", "generation": 1,
            "creationTimestamp": "2025-01-02T03:04:05Z",
            "labels": {"app": "web", "pod-template-hash": "7d4b9c"},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c", "uid": "6b1c1d2e-0000-4000-8000-000000000002", "controller": true, "blockOwnerDeletion": true}],
            "finalizers": ["example.com/keep"],
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": "2025-01-02T03:04:05Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}}]
        },
        "spec": {
            "volumes": [
                {"name": "cfg", "configMap": {"name": "web-config", "items": [{"key": "a", "path": "a.conf", "mode": 420}], "defaultMode": 420, "optional": false}},
                {"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}], "defaultMode": 420}},
                {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}}
            ],
            "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c", "true"], "resources": {}, "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "Always"}],
            "containers": [{
                "name": "web", "image": "nginx:1.27", "args": ["--port", "8080"],
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}, {"containerPort": 9090, "hostPort": 9090, "protocol": "UDP"}],
                "env": [
                    {"name": "A", "value": "1"},
                    {"name": "EMPTY"},
                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
                    {"name": "LIMIT", "valueFrom": {"resourceFieldRef": {"containerName": "web", "resource": "limits.cpu", "divisor": "1m"}}}
                ],
                "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m", "memory": "64Mi"}},
                "volumeMounts": [{"name": "cfg", "readOnly": true, "mountPath": "/etc/web"}],
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 3, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                "readinessProbe": {"tcpSocket": {"port": "http"}, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
                "securityContext": {"capabilities": {"drop": ["ALL"]}, "privileged": false, "runAsUser": 0, "runAsNonRoot": false, "readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false},
                "stdin": true, "tty": true
            }],
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "serviceAccountName": "default", "serviceAccount": "default", "automountServiceAccountToken": false,
            "nodeName": "node-1", "hostNetwork": true,
            "securityContext": {"runAsUser": 1000, "fsGroup": 2000, "sysctls": [{"name": "net.core.somaxconn", "value": "1024"}], "seccompProfile": {"type": "RuntimeDefault"}},
            "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}, "topologyKey": "kubernetes.io/hostname"}}]}},
            "schedulerName": "default-scheduler",
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
            "priority": 0, "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority",
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app": "web"}}}]
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2025-01-02T03:04:10Z"}],
            "hostIP": "10.0.0.1", "hostIPs": [{"ip": "10.0.0.1"}],
            "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}, {"ip": "fd00::5"}],
            "startTime": "2025-01-02T03:04:05Z",
            "containerStatuses": [{
                "name": "web",
                "state": {"running": {"startedAt": "2025-01-02T03:04:08Z"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": "2025-01-02T03:00:00Z", "finishedAt": "2025-01-02T03:04:00Z", "containerID": "containerd://abc"}},
                "ready": true, "restartCount": 1, "image": "docker.io/library/nginx:1.27", "imageID": "docker.io/library/nginx@sha256:00", "containerID": "containerd://def", "started": true
            }],
            "qosClass": "Burstable"
        }
    })
}

#[test]
fn realistic_pod() {
    round_trip(pod());
}

#[test]
fn pod_with_explicit_pointer_zeros_keeps_them() {
    // Pointers set to zero values keep their presence; empty lists of a slice with omitempty disappear
    // in Go, so they are not part of this object.
    let mut p = pod();
    p["spec"]["activeDeadlineSeconds"] = json!(0);
    p["spec"]["containers"][0]["securityContext"]["privileged"] = json!(false);
    round_trip(p);
}

#[test]
fn empty_value_fields_are_dropped_like_go_omitempty() {
    let gvk = GroupVersionKind::new("", "v1", "Pod");
    let p = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p", "namespace": "", "generation": 0, "labels": {}},
        "spec": {"containers": [{"name": "c", "image": "i", "stdin": false, "args": []}], "hostname": "", "hostNetwork": false, "automountServiceAccountToken": false}});
    let stored = encode(&gvk, &p).unwrap();
    let (_, back) = decode(&stored).unwrap();
    assert_eq!(back["metadata"], json!({"name": "p"}));
    assert_eq!(
        String::from_utf8(ferrokube_apischema::to_json(&stored, None).unwrap()).unwrap(),
        r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","resources":{}}],"automountServiceAccountToken":false},"status":{}}"#
    );
}

#[test]
fn deployment() {
    round_trip(json!({
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "web", "namespace": "default", "generation": 3, "creationTimestamp": "2025-01-02T03:04:05Z", "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx", "resources": {}, "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "Always"}], "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst", "securityContext": {}, "schedulerName": "default-scheduler"}
            },
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600
        },
        "status": {
            "observedGeneration": 3, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
            "conditions": [{"type": "Available", "status": "True", "lastUpdateTime": "2025-01-02T03:05:00Z", "lastTransitionTime": "2025-01-02T03:05:00Z", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."}]
        }
    }));
}

#[test]
fn service() {
    round_trip(json!({
        "kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2025-01-02T03:04:05Z"},
        "spec": {
            "ports": [{"name": "http", "protocol": "TCP", "appProtocol": "http", "port": 80, "targetPort": 8080}, {"name": "named", "protocol": "TCP", "port": 81, "targetPort": "metrics", "nodePort": 30081}],
            "selector": {"app": "web"},
            "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "type": "NodePort",
            "sessionAffinity": "None", "externalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"
        },
        "status": {"loadBalancer": {}}
    }));
}

#[test]
fn configmap_and_secret_bytes() {
    round_trip(json!({
        "kind": "ConfigMap", "apiVersion": "v1",
        "metadata": {"name": "c", "namespace": "default"},
        "immutable": false,
        "data": {"": "empty key", "config.yaml": "a: 1\nb: [2, 3]\n", "empty": ""},
        "binaryData": {"blob": "AAECAwT/", "nothing": ""}
    }));
    round_trip(json!({
        "kind": "Secret", "apiVersion": "v1",
        "metadata": {"name": "s", "namespace": "default"},
        "data": {"password": "aHVudGVyMg=="},
        "type": "Opaque"
    }));
}

#[test]
fn crd_with_schema_tree() {
    round_trip(json!({
        "kind": "CustomResourceDefinition", "apiVersion": "apiextensions.k8s.io/v1",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "widgets", "singular": "widget", "shortNames": ["wd"], "kind": "Widget", "listKind": "WidgetList", "categories": ["all"]},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {
                    "description": "A widget.", "type": "object", "required": ["spec"],
                    "properties": {
                        "spec": {
                            "type": "object",
                            "properties": {
                                "size": {"type": "integer", "format": "int32", "default": 3, "maximum": 10, "minimum": 1.5, "x-kubernetes-validations": [{"rule": "self >= 1", "message": "too small"}]},
                                "mode": {"type": "string", "enum": ["a", "b", null], "pattern": "^[ab]$"},
                                "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                                "extra": {"type": "object", "additionalProperties": {"type": "string"}},
                                "open": {"type": "object", "additionalProperties": true, "x-kubernetes-preserve-unknown-fields": true},
                                "either": {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": true},
                                "ref": {"$ref": "#/definitions/x", "$schema": "http://json-schema.org/draft-04/schema#"},
                                "deps": {"type": "object", "dependencies": {"a": ["b", "c"], "d": {"required": ["e"]}}},
                                "tuple": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
                                "example": {"type": "object", "example": {"nested": [1, "two", {"three": 3.5}]}, "nullable": true}
                            }
                        }
                    }
                }},
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]
            }],
            "conversion": {"strategy": "None"}
        },
        "status": {"conditions": [{"type": "Established", "status": "True", "lastTransitionTime": "2025-01-02T03:04:05Z", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"}], "acceptedNames": {"plural": "widgets", "kind": "Widget"}, "storedVersions": ["v1"]}
    }));
}

#[test]
fn events_with_micro_time() {
    round_trip(json!({
        "kind": "Event", "apiVersion": "events.k8s.io/v1",
        "metadata": {"name": "web.1", "namespace": "default", "creationTimestamp": "2025-01-02T03:04:05Z"},
        "eventTime": "2025-01-02T03:04:05.123456Z",
        "series": {"count": 2, "lastObservedTime": "2025-01-02T03:05:05.000001Z"},
        "reportingController": "default-scheduler", "reportingInstance": "default-scheduler-node-1",
        "action": "Scheduling", "reason": "FailedScheduling",
        "regarding": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "u1", "apiVersion": "v1", "resourceVersion": "9"},
        "note": "0/1 nodes are available", "type": "Warning",
        "deprecatedSource": {}, "deprecatedFirstTimestamp": null, "deprecatedLastTimestamp": null
    }));
    round_trip(json!({
        "kind": "Event", "apiVersion": "v1",
        "metadata": {"name": "web.2", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web"},
        "reason": "Pulled", "message": "pulled",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2025-01-02T03:04:05Z", "lastTimestamp": "2025-01-02T03:04:06Z", "count": 2, "type": "Normal",
        "eventTime": null, "reportingComponent": "kubelet", "reportingInstance": "node-1"
    }));
}

#[test]
fn lease_with_micro_time() {
    round_trip(json!({
        "kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
        "metadata": {"name": "node-1", "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40, "acquireTime": "2025-01-02T03:04:05.000000Z", "renewTime": "2025-01-02T03:04:45.654321Z", "leaseTransitions": 0}
    }));
}

#[test]
fn hpa_v2() {
    round_trip(json!({
        "kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 1, "maxReplicas": 10,
            "metrics": [
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
                {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}}
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}], "tolerance": "50m"}}
        },
        "status": {"lastScaleTime": "2025-01-02T03:04:05Z", "currentReplicas": 2, "desiredReplicas": 3,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "250m", "averageUtilization": 60}}}],
            "conditions": [{"type": "AbleToScale", "status": "True", "lastTransitionTime": "2025-01-02T03:04:05Z", "reason": "ReadyForNewScale"}]}
    }));
}

#[test]
fn quantities_are_canonicalized() {
    let gvk = GroupVersionKind::new("", "v1", "Pod");
    let p = json!({"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "1000m", "memory": 1024}, "requests": {"cpu": "0.5"}}}]}});
    let (_, back) = decode(&encode(&gvk, &p).unwrap()).unwrap();
    assert_eq!(
        back["spec"]["containers"][0]["resources"],
        json!({"limits": {"cpu": "1", "memory": "1024"}, "requests": {"cpu": "500m"}})
    );
}

#[test]
fn lists_and_durations() {
    round_trip(json!({
        "kind": "PodList", "apiVersion": "v1",
        "metadata": {"resourceVersion": "77", "continue": "abc", "remainingItemCount": 5},
        "items": [{"metadata": {"name": "a"}, "spec": {"containers": null}, "status": {}}]
    }));
    round_trip(json!({
        "kind": "ValidatingWebhookConfiguration", "apiVersion": "admissionregistration.k8s.io/v1",
        "metadata": {"name": "w"},
        "webhooks": [{"name": "w.example.com", "clientConfig": {"url": "https://x"}, "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "scope": "*"}],
            "failurePolicy": "Fail", "sideEffects": "None", "timeoutSeconds": 10, "admissionReviewVersions": ["v1"]}]
    }));
}

#[test]
fn type_errors_name_the_path() {
    let gvk = GroupVersionKind::new("", "v1", "Pod");
    let err = encode(&gvk, &json!({"spec": {"containers": [{"name": 5}]}})).unwrap_err();
    assert_eq!(err.to_string(), "spec.containers[0].name: expected string, got number");
    let err = encode(&gvk, &json!({"spec": {"priority": 1u64 << 40}})).unwrap_err();
    assert_eq!(err.to_string(), "spec.priority: 1099511627776 does not fit in int32");
    let err = encode(&gvk, &json!({"metadata": {"creationTimestamp": "yesterday"}})).unwrap_err();
    assert!(
        err.to_string().starts_with("metadata.creationTimestamp: invalid time"),
        "{err}"
    );
    let cm = GroupVersionKind::new("", "v1", "ConfigMap");
    let err = encode(&cm, &json!({"binaryData": {"k": "not base64!"}})).unwrap_err();
    assert_eq!(err.to_string(), "binaryData.k: invalid base64 data");
}
