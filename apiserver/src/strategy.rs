//! The per-kind registry strategy, as the generic store calls it: defaulting, preparation for create and
//! update, validation, and the generic rules every kind shares (metadata system fields, generation).

use ferrokube_apimachinery::status::field::{self, Path};
use ferrokube_apimachinery::status::{GroupKind, Status};
use serde_json::Value;

use crate::object;
use crate::resource::ResourceSpec;

/// Kinds whose `metadata.generation` upstream does not track (no spec, or generation left unset).
fn tracks_generation(group: &str, kind: &str) -> bool {
    !matches!(
        (group, kind),
        ("", "ConfigMap")
            | ("", "Secret")
            | ("", "Event")
            | ("", "Endpoints")
            | ("", "ServiceAccount")
            | ("", "Namespace")
            | ("", "Node")
            | ("", "Service")
            | ("coordination.k8s.io", "Lease")
            | ("discovery.k8s.io", "EndpointSlice")
            | ("events.k8s.io", "Event")
    )
}

/// The part of an object that bumps its generation when it changes: everything but metadata and status.
fn spec_part(obj: &Value) -> Vec<(&String, &Value)> {
    obj.as_object()
        .map(|m| m.iter().filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status" | "kind" | "apiVersion")).collect())
        .unwrap_or_default()
}

fn invalid(spec: &ResourceSpec, obj: &Value, errs: &[field::Error]) -> Status {
    Status::invalid(&GroupKind::new(spec.storage_group, spec.storage_kind), object::name(obj), errs)
}

/// Defaulting and create preparation; then validation. `obj` is in the storage version.
pub fn prepare_and_validate_create(spec: &ResourceSpec, obj: &mut Value) -> Result<(), Status> {
    let (g, k) = (spec.storage_group, spec.storage_kind);
    ferrokube_apivalidation::defaults(g, k, obj);
    if tracks_generation(g, k) {
        object::set_meta(obj, "generation", Value::from(1));
    }
    let mut errs = Vec::new();
    if object::name(obj).is_empty() {
        errs.push(field::required(&Path::new("metadata").child("name"), "name or generateName is required"));
    }
    errs.extend(ferrokube_apivalidation::validate_create(g, k, obj));
    if errs.is_empty() { Ok(()) } else { Err(invalid(spec, obj, &errs)) }
}

/// Keeps what an update may not change (upstream's `rest.BeforeUpdate`), prepares, bumps the generation on
/// spec changes, and validates. `status_only` is an update through the `status` subresource.
pub fn prepare_and_validate_update(
    spec: &ResourceSpec,
    new: &mut Value,
    old: &Value,
    status_only: bool,
) -> Result<(), Status> {
    let (g, k) = (spec.storage_group, spec.storage_kind);
    if status_only {
        // Everything but status comes from the stored object (metav1.ResetObjectMetaForStatus and the
        // strategies' PrepareForUpdate).
        let status = new.get("status").cloned();
        let mut merged = old.clone();
        if let Some(m) = merged.as_object_mut() {
            match status {
                Some(s) => {
                    m.insert("status".into(), s);
                }
                None => {
                    m.shift_remove("status");
                }
            }
        }
        if let Some(rv) = object::meta(new).and_then(|m| m.get("resourceVersion")).cloned() {
            object::set_meta(&mut merged, "resourceVersion", rv);
        }
        *new = merged;
    } else {
        ferrokube_apivalidation::defaults(g, k, new);
    }
    for f in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
        match object::meta(old).and_then(|m| m.get(f)).cloned() {
            Some(v) => object::set_meta(new, f, v),
            None if f == "uid" && object::uid(new).is_empty() => {}
            None if matches!(f, "deletionTimestamp" | "deletionGracePeriodSeconds" | "generation") => {
                object::remove_meta(new, f);
            }
            None => {}
        }
    }
    if !status_only && tracks_generation(g, k) && spec_part(new) != spec_part(old) {
        let generation = object::meta(old).and_then(|m| m.get("generation")).and_then(Value::as_i64).unwrap_or(0);
        object::set_meta(new, "generation", Value::from(generation + 1));
    }
    let mut errs = Vec::new();
    let meta_path = Path::new("metadata");
    if object::uid(new) != object::uid(old) {
        errs.push(field::invalid(&meta_path.child("uid"), object::uid(new), "field is immutable"));
    }
    errs.extend(if status_only {
        ferrokube_apivalidation::validate_status_update(g, k, new, old)
    } else {
        ferrokube_apivalidation::validate_update(g, k, new, old)
    });
    if errs.is_empty() { Ok(()) } else { Err(invalid(spec, new, &errs)) }
}
