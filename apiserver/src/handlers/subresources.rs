//! Subresources: `status`, `scale`, `pods/binding`, `pods/eviction`, `namespaces/finalize`.

use std::sync::Arc;

use ferrokube_apimachinery::labels::Selector as LabelSelector;
use ferrokube_apimachinery::status::{GroupResource, Status, StatusReason};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};

use super::rest::{content_type, decode_body, encode_value, object_response, patch, write_options};
use super::{Body, read_body, status_response};
use crate::apiserver::{ApiResult, Apiserver};
use crate::codec::Target;
use crate::object;
use crate::request::{Query, RequestInfo};
use crate::resource::ResourceSpec;
use crate::store::{DeleteOptions, Deleted, group_resource};
use crate::strategy::Scope;

pub async fn handle(
    api: &Arc<Apiserver>,
    spec: &Arc<ResourceSpec>,
    req: Request<Incoming>,
    info: &RequestInfo,
    query: &Query,
    target: Target,
) -> ApiResult<Response<Body>> {
    let Some(sub) = spec.info.subresource(&info.subresource) else {
        return Err(super::rest::not_found_resource());
    };
    let ns = info.namespace.as_str();
    let name = info.name.as_str();
    match (sub.name, info.verb.as_str()) {
        ("status", "get") => object_response(
            spec,
            api.get(spec, ns, name, query.str("resourceVersion")).await?,
            200,
            target,
        ),
        ("status", "update") => {
            let ct = content_type(&req);
            let body = read_body(req).await?;
            let (obj, _) = decode_body(spec, &ct, &body, query)?;
            let updated = api
                .update(spec, ns, name, obj, Scope::Status, &write_options(query)?)
                .await?;
            object_response(spec, updated, 200, target)
        }
        ("status", "patch") => {
            let ct = content_type(&req);
            let body = read_body(req).await?;
            let patched = patch(api, spec, ns, name, &ct, &body, query, Scope::Status).await?;
            object_response(spec, patched, 200, target)
        }
        ("ephemeralcontainers", "get") => object_response(spec, api.get(spec, ns, name, "").await?, 200, target),
        ("ephemeralcontainers", "update") => {
            let ct = content_type(&req);
            let body = read_body(req).await?;
            let (obj, _) = decode_body(spec, &ct, &body, query)?;
            let updated = api
                .update(spec, ns, name, obj, Scope::EphemeralContainers, &write_options(query)?)
                .await?;
            object_response(spec, updated, 200, target)
        }
        ("ephemeralcontainers", "patch") => {
            let ct = content_type(&req);
            let body = read_body(req).await?;
            let patched = patch(api, spec, ns, name, &ct, &body, query, Scope::EphemeralContainers).await?;
            object_response(spec, patched, 200, target)
        }
        ("scale", "get") => {
            let obj = api.get(spec, ns, name, "").await?.into_value()?;
            encode_value(spec, &scale_of(spec, &obj), 200, target)
        }
        ("scale", "update") | ("scale", "patch") => {
            let ct = content_type(&req);
            let body = read_body(req).await?;
            let opts = write_options(query)?;
            let is_patch = info.verb == "patch";
            let spec2 = spec.clone();
            let name_owned = name.to_string();
            let body_owned = body.to_vec();
            let ct_owned = ct.clone();
            let updated = api
                .guaranteed_update(spec, ns, name, "", Scope::Object, &opts, move |current| {
                    let current_scale = scale_of(&spec2, current);
                    let new_scale: Value = if is_patch {
                        let pt = match ct_owned.as_str() {
                            crate::codec::JSON_PATCH => ferrokube_apimachinery::patch::PatchType::Json,
                            crate::codec::MERGE_PATCH => ferrokube_apimachinery::patch::PatchType::Merge,
                            // Scale has no lists: a strategic patch merges as a merge patch does.
                            _ => ferrokube_apimachinery::patch::PatchType::Merge,
                        };
                        ferrokube_apimachinery::patch::apply(pt, &current_scale, &body_owned, None)
                            .map_err(|e| e.to_status())?
                    } else {
                        serde_json::from_slice(&body_owned).map_err(|e| Status::bad_request(e.to_string()))?
                    };
                    let rv = object::resource_version(&new_scale);
                    if !rv.is_empty() && rv != object::resource_version(current) {
                        return Err(Status::conflict(
                            &group_resource(&spec2),
                            &name_owned,
                            crate::store::CONFLICT_MESSAGE,
                        ));
                    }
                    let replicas = new_scale.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(0);
                    if replicas < 0 {
                        return Err(Status::invalid(
                            &ferrokube_apimachinery::status::GroupKind::new("autoscaling", "Scale"),
                            &name_owned,
                            &[ferrokube_apimachinery::status::field::invalid(
                                &ferrokube_apimachinery::status::field::Path::new("spec").child("replicas"),
                                replicas,
                                "must be greater than or equal to 0",
                            )],
                        ));
                    }
                    let mut new = current.clone();
                    let path = spec2
                        .crd
                        .as_ref()
                        .and_then(|c| c.scale.as_ref())
                        .map(|s| s.spec_replicas.clone())
                        .unwrap_or_else(|| ".spec.replicas".into());
                    set_path(&mut new, &path, json!(replicas));
                    Ok(new)
                })
                .await?
                .into_value()?;
            encode_value(spec, &scale_of(spec, &updated), 200, target)
        }
        ("binding", "create") => {
            let ct = content_type(&req);
            let body = read_body(req).await?;
            let binding = super::rest::decode_any(&ct, &body)?;
            let node = binding
                .pointer("/target/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let pod_name = if object::name(&binding).is_empty() {
                name.to_string()
            } else {
                object::name(&binding).to_string()
            };
            if node.is_empty() {
                return Err(Status::invalid(
                    &ferrokube_apimachinery::status::GroupKind::new("", "Binding"),
                    &pod_name,
                    &[ferrokube_apimachinery::status::field::required(
                        &ferrokube_apimachinery::status::field::Path::new("target").child("name"),
                        "",
                    )],
                ));
            }
            let opts = write_options(query)?;
            let pod_name2 = pod_name.clone();
            let annotations = binding.pointer("/metadata/annotations").cloned();
            api.guaranteed_update(spec, ns, &pod_name, "", Scope::Object, &opts, move |current| {
                if object::deletion_timestamp(current).is_some() {
                    return Err(Status::conflict(
                        &GroupResource::new("", "pods"),
                        &pod_name2,
                        format!("pod {pod_name2} is being deleted, cannot be assigned to a host"),
                    ));
                }
                let existing = current.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
                if !existing.is_empty() {
                    return Err(Status::conflict(
                        &GroupResource::new("", "pods/binding"),
                        &pod_name2,
                        format!("pod {pod_name2} is already assigned to node \"{existing}\""),
                    ));
                }
                let mut new = current.clone();
                if let Some(s) = new.get_mut("spec").and_then(Value::as_object_mut) {
                    s.insert("nodeName".into(), json!(node));
                }
                if let Some(Value::Object(extra)) = &annotations {
                    let meta = object::meta_mut(&mut new);
                    let ann = meta.entry("annotations").or_insert_with(|| json!({}));
                    if let Some(a) = ann.as_object_mut() {
                        for (k, v) in extra {
                            a.insert(k.clone(), v.clone());
                        }
                    }
                }
                Ok(new)
            })
            .await?;
            Ok(status_response(created_status(), Some(target)).with_code(201))
        }
        ("eviction", "create") => {
            let ct = content_type(&req);
            let body = read_body(req).await?;
            let eviction = super::rest::decode_any(&ct, &body)?;
            let pod = api.get(spec, ns, name, "").await?.into_value()?;
            check_disruption_budgets(api, ns, &pod).await?;
            let opts = DeleteOptions {
                dry_run: write_options(query)?.dry_run,
                grace_period_seconds: eviction
                    .pointer("/deleteOptions/gracePeriodSeconds")
                    .and_then(Value::as_i64),
                precondition_uid: eviction
                    .pointer("/deleteOptions/preconditions/uid")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                precondition_rv: eviction
                    .pointer("/deleteOptions/preconditions/resourceVersion")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                propagation_policy: None,
            };
            match api.delete(spec, ns, name, &opts).await? {
                Deleted::Pending(_) | Deleted::Gone(_) => {}
            }
            Ok(status_response(created_status(), Some(target)).with_code(201))
        }
        ("finalize", "update") => {
            let ct = content_type(&req);
            let body = read_body(req).await?;
            let (obj, _) = decode_body(spec, &ct, &body, query)?;
            let finalizers = obj.pointer("/spec/finalizers").cloned().unwrap_or(json!([]));
            let opts = write_options(query)?;
            let updated = api
                .guaranteed_update(
                    spec,
                    "",
                    name,
                    object::resource_version(&obj),
                    Scope::Object,
                    &opts,
                    move |current| {
                        let mut new = current.clone();
                        let s = new
                            .as_object_mut()
                            .map(|m| m.entry("spec").or_insert_with(|| json!({})));
                        if let Some(s) = s.and_then(Value::as_object_mut) {
                            s.insert("finalizers".into(), finalizers.clone());
                        }
                        Ok(new)
                    },
                )
                .await?
                .into_value()?;
            // The namespace's last finalizer is gone: remove it now.
            let spec_finalizers_empty = updated
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_none_or(|a| a.is_empty());
            if spec_finalizers_empty
                && object::deletion_timestamp(&updated).is_some()
                && object::finalizers(&updated).is_empty()
            {
                let _ = api.delete(spec, "", name, &DeleteOptions::default()).await;
            }
            object_response(spec, updated, 200, target)
        }
        _ => Err(Status::method_not_supported(
            &GroupResource::new(spec.info.group, format!("{}/{}", spec.info.plural, sub.name)),
            &info.verb,
        )),
    }
}

trait WithCode {
    fn with_code(self, code: u16) -> Self;
}

impl WithCode for Response<Body> {
    fn with_code(mut self, code: u16) -> Self {
        if let Ok(c) = http::StatusCode::from_u16(code) {
            *self.status_mut() = c;
        }
        self
    }
}

/// Sets a `.a.b.c` path, creating objects on the way.
fn set_path(obj: &mut Value, path: &str, value: Value) {
    let parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    let mut cur = obj;
    for (i, part) in parts.iter().enumerate() {
        let map = crate::object::ensure_object(cur);
        if i + 1 == parts.len() {
            map.insert(part.to_string(), value);
            return;
        }
        cur = map.entry(part.to_string()).or_insert_with(|| json!({}));
    }
}

/// The metadata a Scale carries over from its object.
fn scale_metadata(obj: &Value) -> serde_json::Map<String, Value> {
    let meta = object::meta(obj);
    ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"]
        .into_iter()
        .filter_map(|k| meta.and_then(|m| m.get(k)).map(|v| (k.to_string(), v.clone())))
        .collect()
}

/// An autoscaling/v1 Scale for a workload.
fn scale_of(spec: &ResourceSpec, obj: &Value) -> Value {
    if let Some(paths) = spec.crd.as_ref().and_then(|c| c.scale.as_ref()) {
        let m = scale_metadata(obj);
        let replicas = crate::crd::json_path(obj, &paths.spec_replicas)
            .cloned()
            .unwrap_or(json!(0));
        let current = crate::crd::json_path(obj, &paths.status_replicas)
            .cloned()
            .unwrap_or(json!(0));
        let mut status = serde_json::Map::new();
        status.insert("replicas".into(), current);
        if let Some(sel) = paths
            .label_selector
            .as_deref()
            .and_then(|p| crate::crd::json_path(obj, p))
            .and_then(Value::as_str)
        {
            status.insert("selector".into(), json!(sel));
        }
        return json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": m, "spec": {"replicas": replicas}, "status": status});
    }
    let m = scale_metadata(obj);
    let selector = match obj.pointer("/spec/selector") {
        Some(sel) if spec.storage_kind == "ReplicationController" => {
            let set: std::collections::BTreeMap<String, String> = sel
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default();
            LabelSelector::from_set(&set).to_string()
        }
        Some(sel) => label_selector_string(sel),
        None => String::new(),
    };
    let mut status = serde_json::Map::new();
    status.insert(
        "replicas".into(),
        obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)),
    );
    if !selector.is_empty() {
        status.insert("selector".into(), json!(selector));
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": m,
        "spec": {"replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(0))},
        "status": status,
    })
}

/// `{"status":"Success","code":201}`, what binding and eviction answer.
fn created_status() -> Status {
    Status {
        status: "Success".into(),
        code: 201,
        ..Default::default()
    }
}

/// A metav1.LabelSelector as the selector string upstream's Scale carries.
fn label_selector_string(sel: &Value) -> String {
    crate::object::label_selector(sel)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// Refuses an eviction that a PodDisruptionBudget forbids right now (429, as upstream).
async fn check_disruption_budgets(api: &Arc<Apiserver>, ns: &str, pod: &Value) -> ApiResult<()> {
    let Some(pdb_spec) = api.resource("policy", "v1", "poddisruptionbudgets") else {
        return Ok(());
    };
    let opts = crate::store::ListOptions {
        namespace: Some(ns.to_string()),
        filter: crate::cache::Filter {
            namespace: Some(ns.to_string()),
            ..Default::default()
        },
        ..Default::default()
    };
    let pdbs = api.list(&pdb_spec, &opts).await?;
    let labels: std::collections::BTreeMap<String, String> = object::labels(pod).into_iter().collect();
    for e in &pdbs.items {
        let Ok(pdb) = serde_json::from_slice::<Value>(&e.json) else {
            continue;
        };
        let Some(sel) = pdb.pointer("/spec/selector") else {
            continue;
        };
        let Some(selector) = crate::object::label_selector(sel) else {
            continue;
        };
        if selector.is_empty() || !selector.matches(&labels) {
            continue;
        }
        let allowed = pdb
            .pointer("/status/disruptionsAllowed")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if allowed <= 0 {
            return Err(Status::failure(
                429,
                StatusReason::TooManyRequests,
                "Cannot evict pod as it would violate the pod's disruption budget.",
            ));
        }
    }
    Ok(())
}
