//! The REST verbs on a resource's objects: get, list, create, update, patch, delete, deletecollection.

use std::sync::Arc;

use bytes::Bytes;
use ferrokube_apimachinery::fields::Selector as FieldSelector;
use ferrokube_apimachinery::labels::Selector as LabelSelector;
use ferrokube_apimachinery::status::{GroupResource, Status, StatusReason};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};

use super::{Body, bytes_response, read_body, status_response};
use crate::apiserver::{ApiResult, Apiserver};
use crate::cache::Filter;
use crate::codec::{self, As, Format, Target};
use crate::object;
use crate::request::{Query, RequestInfo};
use crate::resource::ResourceSpec;
use crate::store::{DeleteOptions, Deleted, ListOptions, ListResult, Read, WriteOptions, group_resource};

/// Handles a resource request.
pub async fn resource(
    api: &Arc<Apiserver>,
    req: Request<Incoming>,
    user: &crate::auth::UserInfo,
    info: &RequestInfo,
    query: &Query,
) -> Response<Body> {
    let Some(spec) = api.resource(&info.api_group, &info.api_version, &info.resource) else {
        return status_response(not_found_resource(), None);
    };
    if super::connect::is_kubelet_subresource(info) {
        return match super::connect::handle(api, req, info).await {
            Ok(resp) => resp,
            Err(status) => status_response(status, None),
        };
    }
    let accept = req
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let target = match codec::negotiate(accept.as_deref(), spec.crd.is_none(), info.subresource.is_empty()) {
        Ok(t) => t,
        Err(_) => {
            return status_response(
                Status::not_acceptable(&[codec::JSON, codec::YAML, codec::PROTOBUF]),
                None,
            );
        }
    };
    if !info.namespace.is_empty() && !spec.info.namespaced() && (info.resource != "namespaces") {
        return status_response(not_found_resource(), Some(target));
    }
    let result = match info.subresource.as_str() {
        "" if crate::reviews::is_review(&spec) => review(api, &spec, req, user, info, target).await,
        "" => verb(api, &spec, req, info, query, target).await,
        _ => super::subresources::handle(api, &spec, req, info, query, target).await,
    };
    match result {
        Ok(resp) => resp,
        Err(status) => status_response(status, Some(target)),
    }
}

/// POST of a review: answered from the request, never stored.
async fn review(
    api: &Arc<Apiserver>,
    spec: &Arc<ResourceSpec>,
    req: Request<Incoming>,
    user: &crate::auth::UserInfo,
    info: &RequestInfo,
    target: Target,
) -> ApiResult<Response<Body>> {
    if info.verb != "create" {
        return Err(Status::method_not_supported(&group_resource(spec), &info.verb));
    }
    let ct = content_type(&req);
    let body = read_body(req).await?;
    let obj = decode_any(&ct, &body)?;
    let answered = crate::reviews::answer(api, spec, user, &info.namespace, obj)?;
    object_response(spec, answered, 201, target)
}

/// Decodes a body that is answered, not stored (reviews, bindings, evictions): no field validation.
pub fn decode_any(content_type: &str, body: &[u8]) -> ApiResult<Value> {
    let decoded = match content_type {
        codec::PROTOBUF => return crate::wire::decode_body(body).map_err(|e| Status::bad_request(e.to_string())),
        codec::YAML => codec::decode_text(Format::Yaml, body),
        _ => codec::decode_text(Format::Json, body),
    };
    decoded.map_err(|e| Status::bad_request(e.to_string()))
}

pub fn not_found_resource() -> Status {
    Status::generic_server_response(404, "", &GroupResource::default(), "", "", 0, false)
}

fn method_not_supported(spec: &ResourceSpec, action: &str) -> Status {
    Status::method_not_supported(&group_resource(spec), action)
}

async fn verb(
    api: &Arc<Apiserver>,
    spec: &Arc<ResourceSpec>,
    req: Request<Incoming>,
    info: &RequestInfo,
    query: &Query,
    target: Target,
) -> ApiResult<Response<Body>> {
    let ns = info.namespace.as_str();
    let cluster_wide_namespaced = spec.info.namespaced() && ns.is_empty();
    match info.verb.as_str() {
        "get" => {
            let obj = api.get(spec, ns, &info.name, query.str("resourceVersion")).await?;
            object_response(spec, obj, 200, target)
        }
        "list" => {
            let opts = list_options(spec, info, query)?;
            let result = api.list(spec, &opts).await?;
            list_response(spec, result, target)
        }
        "watch" => super::watch::watch(api, spec, info, query, target).await,
        "create" if cluster_wide_namespaced => Err(method_not_supported(spec, "create")),
        "create" => {
            let content_type = content_type(&req);
            let body = read_body(req).await?;
            let (obj, warnings) = decode_body(spec, &content_type, &body, query)?;
            let created = api.create(spec, ns, obj, &write_options(query)?).await?;
            with_warnings(object_response(spec, created, 201, target), &warnings)
        }
        "update" => {
            let content_type = content_type(&req);
            let body = read_body(req).await?;
            let (obj, warnings) = decode_body(spec, &content_type, &body, query)?;
            let updated = api
                .update(
                    spec,
                    ns,
                    &info.name,
                    obj,
                    crate::strategy::Scope::Object,
                    &write_options(query)?,
                )
                .await?;
            with_warnings(object_response(spec, updated, 200, target), &warnings)
        }
        "patch" => {
            let content_type = content_type(&req);
            let body = read_body(req).await?;
            let patched = patch(
                api,
                spec,
                ns,
                &info.name,
                &content_type,
                &body,
                query,
                crate::strategy::Scope::Object,
            )
            .await?;
            object_response(spec, patched, 200, target)
        }
        "delete" => {
            let content_type = content_type(&req);
            let body = read_body(req).await?;
            let opts = delete_options(&content_type, &body, query)?;
            match api.delete(spec, ns, &info.name, &opts).await? {
                Deleted::Pending(obj) => object_response(spec, obj, 200, target),
                Deleted::Gone(obj) => deleted_response(spec, &obj, target),
            }
        }
        "deletecollection" => {
            let content_type = content_type(&req);
            let body = read_body(req).await?;
            let opts = delete_options(&content_type, &body, query)?;
            let mut list_opts = list_options(spec, info, query)?;
            list_opts.resource_version = String::new();
            list_opts.limit = 0;
            let listed = api.list(spec, &list_opts).await?;
            let mut deleted = Vec::new();
            for e in &listed.items {
                match api.delete(spec, &e.namespace, &e.name, &opts).await {
                    Ok(Deleted::Pending(o)) | Ok(Deleted::Gone(o)) => deleted.push(o),
                    Err(s) if s.reason == StatusReason::NotFound => {}
                    Err(s) => return Err(s),
                }
            }
            let list = json!({
                "kind": format!("{}List", spec.info.kind),
                "apiVersion": spec.info.api_version(),
                "metadata": {"resourceVersion": listed.resource_version.to_string()},
                "items": deleted,
            });
            encode_value(spec, &list, 200, target)
        }
        other => Err(Status::method_not_supported(&group_resource(spec), other)),
    }
}

pub fn content_type(req: &Request<Incoming>) -> String {
    codec::content_type_of(
        req.headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    )
}

pub fn write_options(query: &Query) -> ApiResult<WriteOptions> {
    Ok(WriteOptions {
        dry_run: dry_run(query)?,
    })
}

fn dry_run(query: &Query) -> ApiResult<bool> {
    match query.get("dryRun") {
        None | Some("") => Ok(false),
        Some("All") => Ok(true),
        Some(other) => Err(Status::bad_request(format!(
            "Invalid dryRun: Unsupported value: \"{other}\": supported values: \"All\""
        ))),
    }
}

/// Decodes a create/update body and applies `fieldValidation` (unknown and duplicate fields): Strict fails
/// with 400, Warn (the default) answers with warnings, Ignore drops them silently.
pub fn decode_body(
    spec: &ResourceSpec,
    content_type: &str,
    body: &[u8],
    query: &Query,
) -> ApiResult<(Value, Vec<String>)> {
    let format = match content_type {
        codec::JSON | "" => Format::Json,
        codec::YAML => Format::Yaml,
        codec::PROTOBUF if spec.crd.is_none() => Format::Protobuf,
        _ if spec.crd.is_some() => return Err(Status::unsupported_media_type(&[codec::JSON, codec::YAML])),
        _ => return Err(unsupported_media_type()),
    };
    let mode = query.get("fieldValidation").unwrap_or("Warn");
    let check = matches!(mode, "Strict" | "Warn");
    // JSON bodies of built-in kinds are checked while they are parsed; other bodies after.
    let (obj, found) = match format {
        Format::Protobuf => (
            crate::wire::decode_body(body).map_err(|e| Status::bad_request(e.to_string()))?,
            None,
        ),
        Format::Json => {
            let kind = (check && spec.crd.is_none()).then(|| {
                ferrokube_apischema::GroupVersionKind::new(spec.info.group, spec.info.version, spec.info.kind)
            });
            let checked =
                codec::decode_json_checked(body, kind.as_ref()).map_err(|e| Status::bad_request(e.to_string()))?;
            let found = kind.is_some().then_some(checked.unknown_fields);
            (checked.value, Some((checked.repeated_keys, found)))
        }
        Format::Yaml => (
            codec::decode_text(format, body).map_err(|e| Status::bad_request(e.to_string()))?,
            Some((false, None)),
        ),
    };
    if !obj.is_object() {
        return Err(Status::bad_request("Object 'Kind' is missing in the request body"));
    }
    let problems = match (mode, found) {
        ("Ignore", _) | (_, None) => Vec::new(),
        ("Strict" | "Warn", Some((repeated_keys, unknown))) => {
            crate::wire::field_problems(spec, repeated_keys, unknown, body, &obj)
        }
        (other, _) => {
            return Err(Status::bad_request(format!(
                "fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Warn\", \"Strict\""
            )));
        }
    };
    if mode == "Strict" && !problems.is_empty() {
        return Err(crate::wire::cannot_handle(
            spec,
            &format!("strict decoding error: {}", problems.join(", ")),
        ));
    }
    Ok((obj, problems))
}

fn unsupported_media_type() -> Status {
    Status::unsupported_media_type(&[codec::JSON, codec::YAML, codec::PROTOBUF])
}

fn with_warnings(resp: ApiResult<Response<Body>>, warnings: &[String]) -> ApiResult<Response<Body>> {
    let mut resp = resp?;
    for w in warnings {
        if let Ok(v) = http::HeaderValue::from_str(&format!("299 - \"{}\"", w.replace('"', "\\\""))) {
            resp.headers_mut().append(http::header::WARNING, v);
        }
    }
    Ok(resp)
}

pub fn list_options(spec: &ResourceSpec, info: &RequestInfo, query: &Query) -> ApiResult<ListOptions> {
    let labels = match query.get("labelSelector").filter(|s| !s.is_empty()) {
        Some(s) => Some(
            LabelSelector::parse(s).map_err(|e| Status::bad_request(format!("unable to parse requirement: {e}")))?,
        ),
        None => None,
    };
    let fields = match query.get("fieldSelector").filter(|s| !s.is_empty()) {
        Some(s) => {
            let sel = FieldSelector::parse(s).map_err(|e| Status::bad_request(e.to_string()))?;
            crate::fieldsel::check(spec.storage_group, spec.storage_kind, &sel)
                .map_err(|e| Status::bad_request(e.to_string()))?;
            Some(sel)
        }
        None => None,
    };
    let limit = match query.get("limit").filter(|s| !s.is_empty()) {
        Some(l) => l
            .parse::<i64>()
            .map_err(|_| Status::bad_request(format!("invalid limit: {l}")))?
            .max(0),
        None => 0,
    };
    Ok(ListOptions {
        namespace: (!info.namespace.is_empty()).then(|| info.namespace.clone()),
        filter: Filter {
            namespace: (!info.namespace.is_empty() && spec.info.namespaced()).then(|| info.namespace.clone()),
            labels,
            fields,
        },
        resource_version: query.str("resourceVersion").to_string(),
        resource_version_match: query.str("resourceVersionMatch").to_string(),
        limit,
        continue_token: query.str("continue").to_string(),
    })
}

fn delete_options(content_type: &str, body: &[u8], query: &Query) -> ApiResult<DeleteOptions> {
    let mut opts = DeleteOptions {
        dry_run: dry_run(query)?,
        ..Default::default()
    };
    let parsed: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        decode_any(content_type, body)?
    };
    if let Some(g) = query.get("gracePeriodSeconds").and_then(|g| g.parse::<i64>().ok()) {
        opts.grace_period_seconds = Some(g);
    }
    if let Some(g) = parsed.get("gracePeriodSeconds").and_then(Value::as_i64) {
        opts.grace_period_seconds = Some(g);
    }
    opts.propagation_policy = parsed
        .get("propagationPolicy")
        .and_then(Value::as_str)
        .or(query.get("propagationPolicy"))
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(p) = &opts.propagation_policy
        && !matches!(p.as_str(), "Orphan" | "Background" | "Foreground")
    {
        return Err(Status::bad_request(format!(
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
        )));
    }
    let orphan = parsed
        .get("orphanDependents")
        .and_then(Value::as_bool)
        .or_else(|| query.get("orphanDependents").map(|v| v == "true"));
    if orphan == Some(true) && opts.propagation_policy.is_none() {
        opts.propagation_policy = Some("Orphan".into());
    }
    if let Some(dr) = parsed.get("dryRun").and_then(Value::as_array) {
        opts.dry_run |= dr.iter().any(|v| v == "All");
    }
    opts.precondition_uid = parsed
        .pointer("/preconditions/uid")
        .and_then(Value::as_str)
        .map(str::to_string);
    opts.precondition_rv = parsed
        .pointer("/preconditions/resourceVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(opts)
}

/// PATCH of the object (or its status): applies the patch to the current object and writes it back.
#[allow(clippy::too_many_arguments)]
pub async fn patch(
    api: &Arc<Apiserver>,
    spec: &Arc<ResourceSpec>,
    ns: &str,
    name: &str,
    content_type: &str,
    body: &[u8],
    query: &Query,
    scope: crate::strategy::Scope,
) -> ApiResult<Read> {
    use ferrokube_apimachinery::patch::PatchType;
    let patch_type = match content_type {
        codec::JSON_PATCH => PatchType::Json,
        codec::MERGE_PATCH => PatchType::Merge,
        codec::STRATEGIC_PATCH if spec.crd.is_none() => PatchType::Strategic,
        _ if spec.crd.is_some() => {
            return Err(Status::unsupported_media_type(&[
                codec::JSON_PATCH,
                codec::MERGE_PATCH,
                codec::APPLY_PATCH,
            ]));
        }
        _ => {
            return Err(Status::unsupported_media_type(&[
                codec::JSON_PATCH,
                codec::MERGE_PATCH,
                codec::STRATEGIC_PATCH,
            ]));
        }
    };
    let opts = write_options(query)?;
    let spec2 = spec.clone();
    let name_owned = name.to_string();
    api.guaranteed_update(spec, ns, name, "", scope, &opts, move |current_stored| {
        let current = crate::convert::from_storage(&spec2, current_stored.clone());
        let meta = crate::wire::patch_meta(&spec2);
        let patched =
            ferrokube_apimachinery::patch::apply(patch_type, &current, body, meta).map_err(|e| e.to_status())?;
        let rv = object::resource_version(&patched);
        if !rv.is_empty() && rv != object::resource_version(&current) {
            return Err(Status::conflict(
                &group_resource(&spec2),
                &name_owned,
                crate::store::CONFLICT_MESSAGE,
            ));
        }
        if object::name(&patched) != name_owned {
            return Err(Status::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name_owned})",
                object::name(&patched)
            )));
        }
        Ok(crate::convert::to_storage(&spec2, patched))
    })
    .await
}

/// The Status a completed delete answers with (upstream's `ReturnDeletedObject` is off for built-ins).
fn deleted_response(spec: &ResourceSpec, obj: &Value, target: Target) -> ApiResult<Response<Body>> {
    let status = Status::deleted(
        &GroupResource::new(spec.info.group, spec.info.plural),
        object::name(obj),
        object::uid(obj),
    );
    Ok(status_response(status, Some(target)))
}

/// Encodes one object as the client asked (object, Table or PartialObjectMetadata; JSON, YAML or protobuf).
pub fn object_response(
    spec: &ResourceSpec,
    obj: impl Into<Read>,
    code: u16,
    target: Target,
) -> ApiResult<Response<Body>> {
    let obj = match obj.into() {
        // Straight from storage in the request's version: the stored JSON is the answer.
        Read::Json(json) if target.as_ == As::Object && target.format == Format::Json => {
            let mut body = Vec::with_capacity(json.len() + 1);
            body.extend_from_slice(&json);
            body.push(b'\n');
            return Ok(bytes_response(code, codec::JSON, body));
        }
        read => read.into_value()?,
    };
    match target.as_ {
        As::Object => encode_value(spec, &obj, code, target),
        As::Table => {
            let table = crate::tables::table(spec, std::slice::from_ref(&obj), None, None, target);
            encode_value(
                spec,
                &table,
                code,
                Target {
                    as_: As::Object,
                    ..target
                },
            )
        }
        As::PartialObjectMetadata | As::PartialObjectMetadataList => {
            let pom = partial_metadata(&obj, target.meta_version);
            encode_value(
                spec,
                &pom,
                code,
                Target {
                    as_: As::Object,
                    ..target
                },
            )
        }
    }
}

pub fn partial_metadata(obj: &Value, version: &str) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": obj.get("metadata").cloned().unwrap_or(json!({})),
    })
}

pub fn encode_value(spec: &ResourceSpec, value: &Value, code: u16, target: Target) -> ApiResult<Response<Body>> {
    Ok(match target.format {
        // Custom resources print with sorted keys, as upstream's unstructured encoding does.
        Format::Json if spec.crd.is_some() => bytes_response(code, codec::JSON, codec::to_json(value)),
        Format::Json => bytes_response(code, codec::JSON, codec::value_json(value)),
        Format::Yaml => bytes_response(code, codec::YAML, codec::to_yaml(value)),
        Format::Protobuf => {
            let bytes = crate::wire::encode(spec, value).map_err(|e| Status::internal_error(e.to_string()))?;
            bytes_response(code, codec::PROTOBUF, bytes)
        }
    })
}

/// A LIST response. JSON lists of the storage version are written by concatenating the cached JSON.
fn list_response(spec: &ResourceSpec, result: ListResult, target: Target) -> ApiResult<Response<Body>> {
    let mut meta = serde_json::Map::new();
    meta.insert("resourceVersion".into(), json!(result.resource_version.to_string()));
    if let Some(c) = &result.continue_token {
        meta.insert("continue".into(), json!(c));
    }
    if let Some(r) = result.remaining {
        meta.insert("remainingItemCount".into(), json!(r));
    }
    if target.as_ == As::Object && target.format == Format::Json && spec.is_storage_version() {
        let head =
            json!({"kind": format!("{}List", spec.info.kind), "apiVersion": spec.info.api_version(), "metadata": meta});
        let mut out = codec::value_json(&head);
        out.pop(); // the newline
        out.pop(); // the closing brace
        out.extend_from_slice(b",\"items\":[");
        for (i, e) in result.items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&e.json);
        }
        out.extend_from_slice(b"]}\n");
        return Ok(bytes_response(200, codec::JSON, Bytes::from(out)));
    }
    let items: Vec<Value> = result
        .items
        .iter()
        .filter_map(|e| serde_json::from_slice::<Value>(&e.json).ok())
        .map(|o| crate::convert::from_storage(spec, o))
        .collect();
    match target.as_ {
        As::Table => {
            let table = crate::tables::table(spec, &items, Some(&meta), Some(result.resource_version), target);
            encode_value(
                spec,
                &table,
                200,
                Target {
                    as_: As::Object,
                    ..target
                },
            )
        }
        As::PartialObjectMetadata | As::PartialObjectMetadataList => {
            let list = json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": format!("meta.k8s.io/{}", target.meta_version),
                "metadata": meta,
                "items": items.iter().map(|o| partial_metadata(o, target.meta_version)).collect::<Vec<_>>(),
            });
            encode_value(
                spec,
                &list,
                200,
                Target {
                    as_: As::Object,
                    ..target
                },
            )
        }
        As::Object => {
            let list = json!({
                "kind": format!("{}List", spec.info.kind),
                "apiVersion": spec.info.api_version(),
                "metadata": meta,
                "items": items,
            });
            encode_value(spec, &list, 200, target)
        }
    }
}
