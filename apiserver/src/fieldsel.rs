//! Which field selectors each kind supports (upstream's field-label conversions), and reading those fields.

use ferrokube_apimachinery::fields::{DEFAULT_SUPPORTED_FIELDS, FieldSelectorError, Selector};
use serde_json::Value;

use crate::object::path_str;

/// The selectable fields of a kind beyond `metadata.name`/`metadata.namespace`, and whether the kind has its
/// own conversion function (which changes upstream's error wording).
fn kind_fields(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    Some(match (group, kind) {
        ("", "Pod") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        ("", "Node") => &["spec.unschedulable"],
        ("", "Namespace") => &["status.phase"],
        ("", "Secret") => &["type"],
        ("", "Service") => &["spec.clusterIP", "spec.type"],
        ("", "ReplicationController") => &["status.replicas"],
        ("", "Event") | ("events.k8s.io", "Event") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("batch", "Job") => &["status.successful"],
        ("certificates.k8s.io", "CertificateSigningRequest") => &["spec.signerName"],
        ("apps", "ReplicaSet") => &["status.replicas"],
        _ => return None,
    })
}

/// The fields a watch cache entry of this kind must carry for selector matching.
pub fn indexed_fields(group: &str, kind: &str) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = DEFAULT_SUPPORTED_FIELDS.to_vec();
    if let Some(extra) = kind_fields(group, kind) {
        v.extend_from_slice(extra);
    }
    v
}

/// Checks every term of `selector` is supported by the kind (400 with upstream's message otherwise).
pub fn check(group: &str, kind: &str, selector: &Selector) -> Result<(), FieldSelectorError> {
    let own = kind_fields(group, kind);
    for r in selector.requirements() {
        let known =
            DEFAULT_SUPPORTED_FIELDS.contains(&r.field.as_str()) || own.is_some_and(|f| f.contains(&r.field.as_str()));
        if !known {
            return Err(match own {
                Some(_) => FieldSelectorError::label_not_supported(r.field.clone()),
                None => FieldSelectorError::unknown_field(r.field.clone(), &DEFAULT_SUPPORTED_FIELDS),
            });
        }
    }
    Ok(())
}

/// The value of a selectable field of an object, as the selector compares it.
pub fn field_value(obj: &Value, field: &str) -> String {
    match field {
        "source" => path_str(obj, "source.component").unwrap_or_default(),
        "status.podIPs" => obj
            .pointer("/status/podIPs/0/ip")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_default(),
        "spec.unschedulable" | "spec.hostNetwork" => path_str(obj, field).unwrap_or_else(|| "false".to_string()),
        "status.replicas" | "status.successful" => path_str(obj, field).unwrap_or_else(|| "0".to_string()),
        "reportingComponent" => path_str(obj, "reportingComponent")
            .or_else(|| path_str(obj, "reportingController"))
            .unwrap_or_default(),
        _ => path_str(obj, field).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unsupported_fields_get_upstreams_wording() {
        let s = Selector::parse("spec.foo=bar").unwrap();
        assert_eq!(
            check("", "Pod", &s).unwrap_err().to_string(),
            "field label not supported: spec.foo"
        );
        assert_eq!(
            check("", "ConfigMap", &s).unwrap_err().to_string(),
            "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        assert!(check("", "Pod", &Selector::parse("spec.nodeName=n1,metadata.name=x").unwrap()).is_ok());
    }

    #[test]
    fn field_values() {
        let pod = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        assert_eq!(field_value(&pod, "spec.nodeName"), "n1");
        assert_eq!(field_value(&pod, "status.phase"), "Running");
        assert_eq!(field_value(&pod, "spec.hostNetwork"), "false");
        assert_eq!(field_value(&pod, "metadata.namespace"), "");
    }
}
