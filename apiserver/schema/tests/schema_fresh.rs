//! The committed `data/schema.json` must equal what the generator makes from the registry sources.
//! With `FERROKUBE_REGENERATE=1` the test rewrites it instead. Without the sources it is skipped.

#[path = "../src/bin/schemagen/generate.rs"]
#[allow(dead_code)]
mod generate;

use std::path::Path;

#[test]
fn schema_data_is_fresh() {
    let Some(sources) = generate::Sources::locate() else {
        println!("skipped: k8s-pb 0.9.0 / k8s-openapi 0.29.0 sources are not in the cargo registry");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let overrides = std::fs::read_to_string(root.join("data/overrides.json")).unwrap();
    let output = generate::generate(&sources, &overrides).unwrap();
    let path = root.join("data/schema.json");
    if std::env::var_os("FERROKUBE_REGENERATE").is_some() {
        std::fs::write(&path, &output.data).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == output.data,
        "apiserver/schema/data/schema.json is stale: run `make schema` and commit the result"
    );
}

/// JSON names of messages k8s-openapi has no struct for (VolumeSource is inlined into Volume there,
/// admission and v1beta1 types are absent) come out as Kubernetes spells them, acronyms included.
#[test]
fn names_outside_k8s_openapi_keep_their_acronyms() {
    let schema = ferrokube_apischema::schema::schema();
    let has = |message: &str, json: &str| {
        schema
            .message_by_name(message)
            .unwrap_or_else(|| panic!("{message} is in the schema"))
            .field_by_json(json)
            .is_some()
    };
    assert!(has("k8s.io.api.core.v1.VolumeSource", "downwardAPI"));
    assert!(has("k8s.io.api.core.v1.VolumeSource", "scaleIO"));
    assert!(has("k8s.io.api.core.v1.PersistentVolumeSource", "scaleIO"));
    assert!(has("k8s.io.api.rbac.v1beta1.PolicyRule", "nonResourceURLs"));
    assert!(
        has("k8s.io.api.admission.v1.AdmissionRequest", "subResource"),
        "admission spells it subResource"
    );
    assert!(has("k8s.io.api.core.v1.PodLogOptions", "insecureSkipTLSVerifyBackend"));
}
