//! Whole-document checks: what kubectl looks up in the served documents.

use std::collections::BTreeSet;

use ferrokube_apimachinery::resources;
use serde_json::Value;

use super::*;

fn json(path: &str) -> Value {
    let doc = serve(path, "application/json").unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(doc.content_type, JSON);
    serde_json::from_slice(&doc.body).unwrap()
}

/// Every `$ref` in `v` resolves to a key of `defs` (after `prefix`).
fn assert_refs_resolve(v: &Value, prefix: &str, defs: &serde_json::Map<String, Value>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                let name = r.strip_prefix(prefix).unwrap_or_else(|| panic!("{r} outside {prefix}"));
                assert!(defs.contains_key(name), "{r} does not resolve");
            }
            m.values().for_each(|c| assert_refs_resolve(c, prefix, defs));
        }
        Value::Array(a) => a.iter().for_each(|c| assert_refs_resolve(c, prefix, defs)),
        _ => {}
    }
}

fn gvks(def: &Value) -> BTreeSet<(String, String, String)> {
    def["x-kubernetes-group-version-kind"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let s = |k: &str| g[k].as_str().unwrap_or_default().to_string();
            (s("group"), s("version"), s("kind"))
        })
        .collect()
}

#[test]
fn v3_index_lists_every_served_group_version_with_a_hash() {
    let index = json("/openapi/v3");
    let paths = index["paths"].as_object().unwrap();
    assert!(paths.contains_key("api/v1"));
    assert!(paths.contains_key("apis/apps/v1"));
    let url = paths["apis/apps/v1"]["serverRelativeURL"].as_str().unwrap();
    let apps = serve("/openapi/v3/apis/apps/v1", "application/json").unwrap();
    assert_eq!(url, format!("/openapi/v3/apis/apps/v1?hash={}", apps.hash));
    assert!(matches!(
        serve("/openapi/v3/apis/nope/v1", ""),
        Err(OpenApiError::NotFound(_))
    ));
    assert!(matches!(
        serve("/openapi/v3", "application/xml"),
        Err(OpenApiError::NotAcceptable(_))
    ));
}

#[test]
fn every_served_kind_has_a_definition_with_its_gvk() {
    let v2 = json("/openapi/v2");
    let defs = v2["definitions"].as_object().unwrap();
    let all: BTreeSet<_> = defs.values().flat_map(gvks).collect();
    for r in resources::resources() {
        // The type schema has no message for some kinds (resource.k8s.io/v1 DeviceTaintRule); nothing
        // can describe those.
        if ferrokube_apischema::schema().kind(r.group, r.version, r.kind).is_none() {
            continue;
        }
        let gvk = (r.group.to_string(), r.version.to_string(), r.kind.to_string());
        assert!(all.contains(&gvk), "no v2 definition for {gvk:?}");
        let prefix = names::gv_prefix(r.group, r.version);
        let doc = json(&format!("/openapi/v3{prefix}"));
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        assert!(
            schemas.values().any(|d| gvks(d).contains(&gvk)),
            "no v3 schema for {gvk:?}"
        );
    }
    let deployment = &defs["io.k8s.api.apps.v1.Deployment"];
    assert_eq!(
        gvks(deployment),
        BTreeSet::from([("apps".to_string(), "v1".to_string(), "Deployment".to_string())])
    );
    assert_eq!(deployment["properties"]["kind"]["type"], "string");
}

#[test]
fn references_resolve_in_both_versions() {
    let v2 = json("/openapi/v2");
    assert_refs_resolve(&v2, "#/definitions/", v2["definitions"].as_object().unwrap());
    for (prefix, _, _) in v3_group_versions() {
        let doc = json(&format!("/openapi/v3/{prefix}"));
        assert_refs_resolve(
            &doc,
            "#/components/schemas/",
            doc["components"]["schemas"].as_object().unwrap(),
        );
    }
}

#[test]
fn pod_spec_carries_patch_metadata_and_list_types() {
    let core = json("/openapi/v3/api/v1");
    let schemas = &core["components"]["schemas"];
    let containers = &schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
    assert_eq!(containers["type"], "array");
    assert_eq!(
        containers["items"]["$ref"],
        "#/components/schemas/io.k8s.api.core.v1.Container"
    );
    assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
    assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
    assert_eq!(containers["x-kubernetes-list-type"], "map");
    assert_eq!(containers["x-kubernetes-list-map-keys"], serde_json::json!(["name"]));
    let volumes = &schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["volumes"];
    assert_eq!(volumes["x-kubernetes-patch-strategy"], "merge,retainKeys");
    // Inline structs are flattened: Volume has configMap, not volumeSource.
    let volume = &schemas["io.k8s.api.core.v1.Volume"]["properties"];
    assert!(volume.get("configMap").is_some() && volume.get("volumeSource").is_none());
    assert!(schemas.get("io.k8s.api.core.v1.VolumeSource").is_none());
    assert!(schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]["description"].is_string());
    assert_eq!(
        schemas["io.k8s.api.core.v1.Container"]["required"],
        serde_json::json!(["name"])
    );
    assert!(schemas["io.k8s.api.core.v1.Pod"].get("required").is_none());
}

#[test]
fn well_known_types_have_their_json_forms() {
    let core = json("/openapi/v3/api/v1");
    let s = &core["components"]["schemas"];
    let time = &s["io.k8s.apimachinery.pkg.apis.meta.v1.Time"];
    assert_eq!(
        (time["type"].as_str(), time["format"].as_str()),
        (Some("string"), Some("date-time"))
    );
    assert_eq!(
        s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"],
        "int-or-string"
    );
    assert_eq!(
        s["io.k8s.apimachinery.pkg.api.resource.Quantity"]["oneOf"][1]["type"],
        "number"
    );
    let v2 = json("/openapi/v2");
    let d = &v2["definitions"];
    assert_eq!(d["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"], "string");
    assert_eq!(d["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["type"], "string");
    // map[string][]string values are arrays, not a wrapper object.
    let extra = &d["io.k8s.api.authentication.v1.UserInfo"]["properties"]["extra"];
    assert_eq!(extra["additionalProperties"]["items"]["type"], "string");
}

#[test]
fn patch_operations_advertise_field_validation_and_strategic_merge() {
    let apps = json("/openapi/v3/apis/apps/v1");
    let patch = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert_eq!(patch["operationId"], "patchAppsV1NamespacedDeployment");
    assert_eq!(patch["x-kubernetes-action"], "patch");
    assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
    let params: Vec<&str> = patch["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(params.contains(&"fieldValidation"));
    assert!(
        patch["requestBody"]["content"]
            .get("application/strategic-merge-patch+json")
            .is_some()
    );
    let scale = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"];
    assert_eq!(scale["x-kubernetes-group-version-kind"]["group"], "autoscaling");
    let v2 = json("/openapi/v2");
    let list = &v2["paths"]["/api/v1/pods"]["get"];
    assert_eq!(list["operationId"], "listCoreV1PodForAllNamespaces");
}

#[test]
fn v2_protobuf_is_negotiated_and_decodes_as_the_json_document() {
    let pb = serve("/openapi/v2", V2_PROTOBUF).unwrap();
    assert_eq!(pb.content_type, V2_PROTOBUF_RESPONSE);
    // Document.swagger = "2.0" comes first: field 1, length 3.
    assert_eq!(&pb.body[..5], b"\x0a\x032.0");
    let text = String::from_utf8_lossy(&pb.body);
    assert!(text.contains("io.k8s.api.core.v1.PodSpec"));
    assert!(text.contains("x-kubernetes-patch-merge-key"));
    assert!(text.contains("fieldValidation"));
    assert_eq!(serve("/openapi/v2", "*/*").unwrap().content_type, JSON);
    assert!(matches!(
        serve("/openapi/v2", "text/html"),
        Err(OpenApiError::NotAcceptable(_))
    ));
}
