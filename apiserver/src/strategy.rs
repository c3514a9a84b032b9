//! The per-kind registry strategy, as the generic store calls it (upstream's `rest.BeforeCreate` and
//! `rest.BeforeUpdate`): defaulting, preparation, the metadata system fields every kind shares, validation.

use ferrokube_apimachinery::status::{GroupKind, Status};
use serde_json::Value;

use crate::object;
use crate::resource::ResourceSpec;

fn invalid(spec: &ResourceSpec, obj: &Value, errs: &[ferrokube_apimachinery::status::field::Error]) -> Status {
    Status::invalid(
        &GroupKind::new(spec.storage_group, spec.storage_kind),
        object::name(obj),
        errs,
    )
}

/// Defaulting and create preparation, then validation. `obj` is in the storage version, with uid,
/// creationTimestamp and a generated name already set.
pub fn prepare_and_validate_create(spec: &ResourceSpec, obj: &mut Value) -> Result<(), Status> {
    if let Some(crd) = &spec.crd {
        return crate::crd::prepare_and_validate_create(spec, crd, obj);
    }
    let (g, k) = (spec.storage_group, spec.storage_kind);
    ferrokube_apivalidation::defaults(g, k, obj);
    ferrokube_apivalidation::prepare_for_create(g, k, obj);
    let errs = ferrokube_apivalidation::validate_create(g, k, obj);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(invalid(spec, obj, &errs))
    }
}

/// What an update writes: the object, or one of the subresources that own part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Object,
    /// The `status` subresource: only the status changes.
    Status,
    /// `pods/ephemeralcontainers`: only `spec.ephemeralContainers` changes.
    EphemeralContainers,
}

/// Keeps what an update may not change, prepares (status vs spec, generation), and validates.
pub fn prepare_and_validate_update(
    spec: &ResourceSpec,
    new: &mut Value,
    old: &Value,
    scope: Scope,
) -> Result<(), Status> {
    if let Some(crd) = &spec.crd {
        return crate::crd::prepare_and_validate_update(spec, crd, new, old, scope == Scope::Status);
    }
    let (g, k) = (spec.storage_group, spec.storage_kind);
    let status_only = scope == Scope::Status;
    if scope == Scope::EphemeralContainers {
        // Upstream's ephemeral containers strategy: everything but spec.ephemeralContainers comes from the
        // stored pod.
        let ephemeral = new.pointer("/spec/ephemeralContainers").cloned();
        let mut kept = old.clone();
        if let Some(spec) = kept.get_mut("spec").and_then(Value::as_object_mut) {
            match ephemeral {
                Some(e) if !e.is_null() => spec.insert("ephemeralContainers".into(), e),
                _ => spec.remove("ephemeralContainers"),
            };
        }
        if let Some(rv) = object::meta(new).and_then(|m| m.get("resourceVersion")).cloned() {
            object::set_meta(&mut kept, "resourceVersion", rv);
        }
        *new = kept;
        ferrokube_apivalidation::defaults(g, k, new);
        let errs = ferrokube_apivalidation::core::pod::validate_ephemeral_containers_update(new, old);
        return if errs.is_empty() {
            Ok(())
        } else {
            Err(invalid(spec, new, &errs))
        };
    }
    if status_only {
        ferrokube_apivalidation::prepare_for_status_update(g, k, new, old);
    } else {
        ferrokube_apivalidation::defaults(g, k, new);
        ferrokube_apivalidation::prepare_for_update(g, k, new, old);
    }
    // rest.BeforeUpdate: the system fields come from the stored object.
    for f in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        match object::meta(old).and_then(|m| m.get(f)).cloned() {
            Some(v) if f != "uid" || object::uid(new).is_empty() => object::set_meta(new, f, v),
            Some(_) => {}
            None if f != "uid" => {
                object::remove_meta(new, f);
            }
            None => {}
        }
    }
    // An unconditional update validates as if it named the stored resourceVersion.
    if object::resource_version(new).is_empty()
        && let Some(rv) = object::meta(old).and_then(|m| m.get("resourceVersion")).cloned()
    {
        object::set_meta(new, "resourceVersion", rv);
    }
    let errs = if status_only {
        ferrokube_apivalidation::validate_status_update(g, k, new, old)
    } else {
        ferrokube_apivalidation::validate_update(g, k, new, old)
    };
    if errs.is_empty() {
        Ok(())
    } else {
        Err(invalid(spec, new, &errs))
    }
}
