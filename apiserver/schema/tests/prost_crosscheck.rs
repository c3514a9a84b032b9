//! Cross-checks against an independent protobuf implementation: prost with k8s-pb's generated types.

use ferrokube_apischema::{GroupVersionKind, decode, decode_raw, encode};
use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::core::v1 as core;
use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::Unknown;
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use prost::Message;
use serde_json::json;

fn unwrap_envelope(bytes: &[u8]) -> Unknown {
    assert_eq!(&bytes[..4], b"k8s\0");
    Unknown::decode(&bytes[4..]).unwrap()
}

#[test]
fn our_pod_bytes_decode_with_prost() {
    let pod = json!({
        "metadata": {"name": "p", "namespace": "ns", "labels": {"a": "b"}, "creationTimestamp": "2023-11-14T22:13:20Z", "generation": 4},
        "spec": {
            "volumes": [{"name": "v", "secret": {"secretName": "s", "defaultMode": 256}}],
            "containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}],
                "resources": {"limits": {"cpu": "2"}, "requests": {"memory": "1Gi"}},
                "readinessProbe": {"httpGet": {"port": "http", "path": "/"}, "periodSeconds": -1}}],
            "nodeSelector": {"disk": "ssd"},
            "activeDeadlineSeconds": 0,
            "tolerations": [{"key": "k", "tolerationSeconds": -5}]
        },
        "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}]}
    });
    let bytes = encode(&GroupVersionKind::new("", "v1", "Pod"), &pod).unwrap();
    let u = unwrap_envelope(&bytes);
    let tm = u.type_meta.unwrap();
    assert_eq!(
        (tm.api_version.as_deref(), tm.kind.as_deref()),
        (Some("v1"), Some("Pod"))
    );
    assert_eq!(u.content_encoding.as_deref(), Some(""));
    assert_eq!(u.content_type.as_deref(), Some(""));
    let p = core::Pod::decode(u.raw.as_deref().unwrap()).unwrap();

    let m = p.metadata.unwrap();
    assert_eq!(m.name.as_deref(), Some("p"));
    assert_eq!(m.namespace.as_deref(), Some("ns"));
    assert_eq!(m.generation, Some(4));
    assert_eq!(m.labels.get("a").map(String::as_str), Some("b"));
    assert_eq!(m.creation_timestamp.unwrap().seconds, Some(1_700_000_000));
    let spec = p.spec.unwrap();
    assert_eq!(spec.active_deadline_seconds, Some(0));
    let vol = &spec.volumes[0];
    assert_eq!(vol.name.as_deref(), Some("v"));
    let secret = vol.volume_source.as_ref().unwrap().secret.as_ref().unwrap();
    assert_eq!(secret.secret_name.as_deref(), Some("s"));
    assert_eq!(secret.default_mode, Some(256));
    let c = &spec.containers[0];
    assert_eq!(c.ports[0].container_port, Some(80));
    let res = c.resources.as_ref().unwrap();
    assert_eq!(res.limits["cpu"].string.as_deref(), Some("2"));
    assert_eq!(res.requests["memory"].string.as_deref(), Some("1Gi"));
    let probe = c.readiness_probe.as_ref().unwrap();
    assert_eq!(probe.period_seconds, Some(-1));
    let port = probe
        .handler
        .as_ref()
        .unwrap()
        .http_get
        .as_ref()
        .unwrap()
        .port
        .as_ref()
        .unwrap();
    assert_eq!(
        (port.r#type, port.int_val, port.str_val.as_deref()),
        (Some(1), Some(0), Some("http"))
    );
    assert_eq!(spec.node_selector["disk"], "ssd");
    assert_eq!(spec.tolerations[0].toleration_seconds, Some(-5));
    let status = p.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Running"));
    assert_eq!(status.pod_ips[0].ip.as_deref(), Some("10.0.0.1"));
}

#[test]
fn prost_deployment_bytes_decode_with_ours() {
    let d = apps::Deployment {
        metadata: Some(meta::ObjectMeta {
            name: Some("web".into()),
            namespace: Some("default".into()),
            creation_timestamp: Some(meta::Time {
                seconds: Some(1_700_000_000),
                nanos: Some(0),
            }),
            annotations: [("z".to_string(), "1".to_string()), ("a".to_string(), "2".to_string())].into(),
            ..Default::default()
        }),
        spec: Some(apps::DeploymentSpec {
            replicas: Some(0),
            selector: Some(meta::LabelSelector {
                match_labels: [("app".to_string(), "web".to_string())].into(),
                ..Default::default()
            }),
            template: Some(core::PodTemplateSpec {
                metadata: Some(meta::ObjectMeta::default()),
                spec: Some(core::PodSpec {
                    containers: vec![core::Container {
                        name: Some("web".into()),
                        image: Some("nginx".into()),
                        resources: Some(core::ResourceRequirements {
                            limits: [(
                                "cpu".to_string(),
                                Quantity {
                                    string: Some("0.5".into()),
                                },
                            )]
                            .into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            }),
            strategy: Some(apps::DeploymentStrategy {
                r#type: Some("RollingUpdate".into()),
                rolling_update: Some(apps::RollingUpdateDeployment {
                    max_unavailable: Some(IntOrString {
                        r#type: Some(1),
                        int_val: None,
                        str_val: Some("25%".into()),
                    }),
                    max_surge: Some(IntOrString {
                        r#type: Some(0),
                        int_val: Some(1),
                        str_val: None,
                    }),
                }),
            }),
            ..Default::default()
        }),
        status: None,
    };
    let raw = d.encode_to_vec();
    let got = decode_raw(&GroupVersionKind::new("apps", "v1", "Deployment"), &raw).unwrap();
    let expected = json!({
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2023-11-14T22:13:20Z", "annotations": {"a": "2", "z": "1"}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {}, "spec": {"containers": [{"name": "web", "image": "nginx", "resources": {"limits": {"cpu": "500m"}}}]}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}}
        },
        "status": {}
    });
    assert_eq!(
        serde_json::to_string(&got).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );

    // And the envelope prost builds decodes the same way.
    let unknown = Unknown {
        type_meta: Some(k8s_pb::apimachinery::pkg::runtime::TypeMeta {
            api_version: Some("apps/v1".into()),
            kind: Some("Deployment".into()),
        }),
        raw: Some(raw),
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    let mut bytes = b"k8s\0".to_vec();
    bytes.extend(unknown.encode_to_vec());
    let (_, again) = decode(&bytes).unwrap();
    assert_eq!(again, got);
}

#[test]
fn repeated_prost_and_our_encodings_agree_byte_for_byte() {
    // Both encoders write fields in number order and map entries sorted by key, so without empty
    // values the bytes are identical.
    let cm = core::ConfigMap {
        metadata: Some(meta::ObjectMeta {
            name: Some("c".into()),
            ..Default::default()
        }),
        data: [("k".to_string(), "v".to_string()), ("a".to_string(), "x".to_string())].into(),
        binary_data: [("b".to_string(), vec![1, 2, 3])].into(),
        immutable: Some(true),
    };
    let ours = ferrokube_apischema::encode_raw(
        &GroupVersionKind::new("", "v1", "ConfigMap"),
        &json!({"metadata": {"name": "c"}, "immutable": true, "data": {"k": "v", "a": "x"}, "binaryData": {"b": "AQID"}}),
    )
    .unwrap();
    assert_eq!(ours, cm.encode_to_vec());

    // gogo (and we) write empty map values explicitly where prost leaves them out; both decode alike.
    let ours = ferrokube_apischema::encode_raw(
        &GroupVersionKind::new("", "v1", "ConfigMap"),
        &json!({"data": {"empty": ""}}),
    )
    .unwrap();
    assert_eq!(ours, [0x12, 0x09, 0x0a, 0x05, b'e', b'm', b'p', b't', b'y', 0x12, 0x00]);
    assert_eq!(core::ConfigMap::decode(ours.as_slice()).unwrap().data["empty"], "");
}
