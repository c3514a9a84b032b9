//! The generic store: create, get, list, update, patch and delete of any resource against etcd, with the
//! per-kind strategy, upstream's resourceVersion semantics and upstream's errors.

use crate::strategy::Scope;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ferrokube_apimachinery::status::{GroupResource, Status, StatusReason};
use serde_json::{Value, json};

use crate::apiserver::{ApiResult, Apiserver, decode_for};
use crate::cache::{Entry, Filter};
use crate::object;
use crate::resource::ResourceSpec;
use crate::storage::{Kv, StorageError, prefix_end};

/// Options shared by writes.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
}

/// DeleteOptions as the store uses them.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub dry_run: bool,
    pub grace_period_seconds: Option<i64>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    /// Orphan, Background or Foreground.
    pub propagation_policy: Option<String>,
}

/// The result of a delete: the object still exists (graceful deletion or finalizers pending) or is gone.
#[derive(Debug)]
pub enum Deleted {
    Pending(Value),
    Gone(Value),
}

/// An object as a read or a write answers it, in the request's version: the JSON read from storage when no
/// conversion applies (so the common path never builds a JSON tree), a value otherwise.
#[derive(Debug)]
pub enum Read {
    Json(bytes::Bytes),
    Value(Value),
}

impl Read {
    pub fn into_value(self) -> ApiResult<Value> {
        match self {
            Read::Json(json) => serde_json::from_slice(&json).map_err(Status::internal_error),
            Read::Value(v) => Ok(v),
        }
    }
}

impl From<Value> for Read {
    fn from(v: Value) -> Self {
        Read::Value(v)
    }
}

/// LIST parameters.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub namespace: Option<String>,
    pub filter: Filter,
    pub resource_version: String,
    pub resource_version_match: String,
    pub limit: i64,
    pub continue_token: String,
}

/// A LIST result: JSON of each item, the list's resourceVersion and the continuation.
#[derive(Debug)]
pub struct ListResult {
    pub items: Vec<Arc<Entry>>,
    pub resource_version: i64,
    pub continue_token: Option<String>,
    pub remaining: Option<i64>,
}

pub fn group_resource(spec: &ResourceSpec) -> GroupResource {
    GroupResource::new(spec.info.group, spec.info.plural)
}

fn storage_error(spec: &ResourceSpec, name: &str, e: StorageError) -> Status {
    let gr = group_resource(spec);
    match e {
        StorageError::AlreadyExists => Status::already_exists(&gr, name),
        StorageError::NotFound => Status::not_found(&gr, name),
        StorageError::Conflict(_) => Status::conflict(&gr, name, CONFLICT_MESSAGE),
        StorageError::Compacted { requested, .. } => Status::resource_expired(format!(
            "The resourceVersion for the provided list is too old. ({requested})"
        )),
        StorageError::FutureRevision(rev) => Status::timeout(&format!("Too large resource version: {rev}"), 1),
        StorageError::Etcd(msg) => Status::internal_error(msg),
    }
}

pub const CONFLICT_MESSAGE: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// The continue token upstream issues: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key suffix>"}`.
pub fn encode_continue(rv: i64, start_after_key: &str, key_prefix: &str) -> String {
    use base64::Engine;
    let start = format!(
        "{}\u{0}",
        start_after_key.strip_prefix(key_prefix).unwrap_or(start_after_key)
    );
    let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start});
    base64::engine::general_purpose::URL_SAFE.encode(token.to_string())
}

fn decode_continue(token: &str, key_prefix: &str) -> Result<(i64, String), Status> {
    use base64::Engine;
    let bad = || Status::bad_request(format!("continue key is not valid: {token}"));
    let raw = base64::engine::general_purpose::URL_SAFE
        .decode(token)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token))
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(token))
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    if v["v"] != "meta.k8s.io/v1" {
        return Err(Status::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    let rv = v["rv"].as_i64().filter(|rv| *rv > 0).ok_or_else(bad)?;
    let start = v["start"].as_str().ok_or_else(bad)?;
    if start.contains("..") || start.starts_with('/') {
        return Err(bad());
    }
    Ok((rv, format!("{key_prefix}{start}")))
}

fn parse_rv(rv: &str) -> Result<i64, Status> {
    if rv.is_empty() {
        return Ok(0);
    }
    rv.parse::<i64>()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or_else(|| Status::bad_request(format!("invalid resource version: {rv}")))
}

impl Apiserver {
    fn key(&self, spec: &ResourceSpec, namespace: &str, name: &str) -> String {
        spec.key(self.prefix(), namespace, name)
    }

    /// Reads one object from etcd (a consistent read), in the storage version.
    pub async fn get_stored(&self, spec: &ResourceSpec, namespace: &str, name: &str) -> ApiResult<(Value, Kv)> {
        let key = self.key(spec, namespace, name);
        let (kv, _) = self.etcd.get(&key).await.map_err(|e| storage_error(spec, name, e))?;
        let kv = kv.ok_or_else(|| Status::not_found(&group_resource(spec), name))?;
        let obj = crate::storecodec::decode(&kv.key, &kv.value, kv.mod_revision).map_err(Status::internal_error)?;
        Ok((obj, kv))
    }

    /// GET: `resourceVersion=0` may be served from the cache; otherwise a consistent etcd read.
    pub async fn get(&self, spec: &Arc<ResourceSpec>, namespace: &str, name: &str, rv: &str) -> ApiResult<Read> {
        if rv == "0" {
            let cache = self.cache(spec).await;
            let key = self.key(spec, namespace, name);
            let entry = cache
                .get(&key)
                .ok_or_else(|| Status::not_found(&group_resource(spec), name))?;
            if spec.is_storage_version() {
                return Ok(Read::Json(entry.json.clone()));
            }
            let obj: Value = serde_json::from_slice(&entry.json).map_err(Status::internal_error)?;
            return Ok(Read::Value(crate::convert::from_storage(spec, obj)));
        }
        parse_rv(rv)?;
        let key = self.key(spec, namespace, name);
        let (kv, _) = self.etcd.get(&key).await.map_err(|e| storage_error(spec, name, e))?;
        let kv = kv.ok_or_else(|| Status::not_found(&group_resource(spec), name))?;
        // The read is consistent (from etcd); the cache's JSON of that same revision saves decoding it.
        if spec.is_storage_version()
            && let Some(json) = self.cached_json(spec, &kv.key, kv.mod_revision).await
        {
            return Ok(Read::Json(json));
        }
        decode_for(spec, &kv.key, &kv.value, kv.mod_revision)
    }

    /// LIST with upstream's resourceVersion, resourceVersionMatch, limit and continue semantics.
    pub async fn list(&self, spec: &Arc<ResourceSpec>, opts: &ListOptions) -> ApiResult<ListResult> {
        let key_prefix = spec.key_prefix(self.prefix());
        let range_prefix = match &opts.namespace {
            Some(ns) if spec.info.namespaced() => spec.namespace_prefix(self.prefix(), ns),
            _ => key_prefix.clone(),
        };
        let rv = parse_rv(&opts.resource_version)?;
        match opts.resource_version_match.as_str() {
            "" | "NotOlderThan" | "Exact" => {}
            other => {
                return Err(Status::bad_request(format!(
                    "resourceVersionMatch: Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\""
                )));
            }
        }
        if !opts.resource_version_match.is_empty() && opts.resource_version.is_empty() {
            return Err(invalid_list_options(
                "resourceVersionMatch is forbidden unless resourceVersion is provided",
            ));
        }
        if !opts.continue_token.is_empty() {
            if !opts.resource_version.is_empty() && opts.resource_version != "0" {
                return Err(invalid_list_options(
                    "specifying resource version is not allowed when using continue",
                ));
            }
            let (rv, start) = decode_continue(&opts.continue_token, &key_prefix)?;
            return self.list_from_etcd(spec, opts, &range_prefix, &start, rv).await.map_err(|e| match e.reason {
                StatusReason::Expired | StatusReason::Gone => Status::resource_expired(
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.".to_string(),
                ),
                _ => e,
            });
        }
        if opts.resource_version_match == "Exact" {
            if rv == 0 {
                return Err(invalid_list_options(
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                ));
            }
            return self.list_from_etcd(spec, opts, &range_prefix, &range_prefix, rv).await;
        }
        // Served from the cache: resourceVersion "0" (any state), N (not older than N), "" (consistent: the
        // cache first catches up with etcd's current revision).
        let cache = self.cache(spec).await;
        let wait_for = if opts.resource_version.is_empty() {
            match self.etcd.current_revision().await {
                Ok(r) => r,
                Err(e) => return Err(storage_error(spec, "", e)),
            }
        } else {
            rv
        };
        if opts.resource_version.is_empty() && !self.etcd.reliable_progress() && cache.rev() < wait_for {
            // Without trustworthy progress notifications the cache cannot prove it is current: read etcd.
            return self.list_from_etcd(spec, opts, &range_prefix, &range_prefix, 0).await;
        }
        if wait_for > 0
            && let Err(e) = cache.wait_for(wait_for, Duration::from_secs(3)).await
        {
            if opts.resource_version.is_empty() {
                // The cache could not confirm it is current (no progress notifications): read etcd.
                return self.list_from_etcd(spec, opts, &range_prefix, &range_prefix, 0).await;
            }
            return Err(Status::timeout(&e.to_string(), 1));
        }
        let snap = cache
            .snapshot("", Some(&range_prefix))
            .map_err(Status::internal_error)?;
        let fields = &cache.spec().indexed_fields;
        let mut items = Vec::new();
        let mut continue_token = None;
        let mut remaining = None;
        let mut iter = snap.items.iter().filter(|e| opts.filter.matches(fields, e));
        for e in iter.by_ref() {
            items.push(e.clone());
            if opts.limit > 0 && items.len() as i64 >= opts.limit {
                break;
            }
        }
        if opts.limit > 0 && items.len() as i64 >= opts.limit {
            let rest = iter.count() as i64;
            if rest > 0
                && let Some(last) = items.last()
            {
                continue_token = Some(encode_continue(snap.rev, &last.key, &key_prefix));
                remaining = Some(rest);
            }
        }
        Ok(ListResult {
            items,
            resource_version: snap.rev,
            continue_token,
            remaining,
        })
    }

    async fn list_from_etcd(
        &self,
        spec: &Arc<ResourceSpec>,
        opts: &ListOptions,
        range_prefix: &str,
        start: &str,
        rev: i64,
    ) -> ApiResult<ListResult> {
        let key_prefix = spec.key_prefix(self.prefix());
        let end = prefix_end(range_prefix);
        let start = if start < range_prefix {
            range_prefix.to_string()
        } else {
            start.to_string()
        };
        let fields = spec.indexed_fields.clone();
        let mut items = Vec::new();
        let mut rev = rev;
        let mut cursor = start;
        let mut continue_token = None;
        let mut remaining = None;
        loop {
            let page_size = if opts.limit > 0 {
                (opts.limit - items.len() as i64).max(1)
            } else {
                0
            };
            let page = self
                .etcd
                .range(&cursor, &end, rev, page_size)
                .await
                .map_err(|e| storage_error(spec, "", e))?;
            if rev == 0 {
                rev = page.revision;
            }
            // Without label or field selectors an item needs only its key's namespace and name, not its
            // labels and fields: the JSON is not parsed back.
            let bare = opts.filter.labels.is_none() && opts.filter.fields.is_none();
            for kv in &page.kvs {
                let json = crate::storecodec::decode_json(&kv.key, &kv.value, kv.mod_revision)
                    .map_err(Status::internal_error)?;
                let entry = if bare {
                    let rest = kv.key.strip_prefix(key_prefix.as_str()).unwrap_or(&kv.key);
                    let (namespace, name) = match rest.split_once('/') {
                        Some((ns, name)) if spec.info.namespaced() => (ns, name),
                        _ => ("", rest),
                    };
                    crate::cache::Entry::bare(&kv.key, namespace, name, json, kv.mod_revision, fields.len())
                } else {
                    let obj: Value = serde_json::from_slice(&json).map_err(Status::internal_error)?;
                    crate::cache::make_entry(&fields, &kv.key, &obj, json, kv.mod_revision)
                };
                if opts.filter.matches(&fields, &entry) {
                    items.push(Arc::new(entry));
                }
            }
            let Some(last) = page.kvs.last() else { break };
            cursor = format!("{}\0", last.key);
            if !page.more {
                break;
            }
            if opts.limit > 0 && items.len() as i64 >= opts.limit {
                continue_token = Some(encode_continue(rev, &last.key, &key_prefix));
                remaining = Some(page.remaining.max(1));
                break;
            }
        }
        Ok(ListResult {
            items,
            resource_version: rev,
            continue_token,
            remaining,
        })
    }

    /// CREATE. `obj` is in the request's version.
    pub async fn create(
        &self,
        spec: &Arc<ResourceSpec>,
        namespace: &str,
        mut obj: Value,
        opts: &WriteOptions,
    ) -> ApiResult<Read> {
        prepare_identity(spec, namespace, &mut obj)?;
        if !object::resource_version(&obj).is_empty() {
            return Err(Status::internal_error(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        object::remove_meta(&mut obj, "resourceVersion");
        if object::name(&obj).is_empty() {
            let base = object::meta_str(&obj, "generateName").to_string();
            if !base.is_empty() {
                object::set_meta(&mut obj, "name", Value::String(object::generated_name(&base)));
            }
        }
        object::set_meta(&mut obj, "uid", Value::String(object::new_uid()));
        object::set_meta(&mut obj, "creationTimestamp", Value::String(object::now_rfc3339()));
        for f in ["deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"] {
            object::remove_meta(&mut obj, f);
        }
        let mut stored = crate::convert::to_storage(spec, obj);
        crate::strategy::prepare_and_validate_create(spec, &mut stored)?;
        let name = object::name(&stored).to_string();
        if spec.info.namespaced() {
            self.check_namespace_open(spec, namespace, &name).await?;
        }
        let allocated = crate::services::allocate(self, spec, &mut stored, None)?;
        if opts.dry_run {
            allocated.release(self);
            return Ok(Read::Value(crate::convert::from_storage(
                spec,
                crate::storecodec::canonical(spec, stored),
            )));
        }
        let key = self.key(spec, namespace, &name);
        let bytes = crate::wire::encode_for_storage(spec, &stored)?;
        let lease = self.lease_for(spec).await?;
        let (bytes, write) = self.pending(spec, &key, bytes, &stored);
        match self.etcd.create(&key, bytes.to_vec(), lease).await {
            Ok(rev) => self.written(spec, &key, &write, &bytes, rev),
            Err(e) => {
                self.pending_writes.forget(&key, &bytes);
                allocated.release(self);
                let has_generate_name = !object::meta_str(&stored, "generateName").is_empty();
                Err(match e {
                    StorageError::AlreadyExists if has_generate_name => {
                        Status::generate_name_conflict(&group_resource(spec), &name, 1)
                    }
                    e => storage_error(spec, &name, e),
                })
            }
        }
    }

    /// Registers a write about to be sent, so the watch cache builds its entry from `stored` (the object the
    /// bytes encode) instead of decoding the bytes into a JSON tree.
    fn pending(
        &self,
        spec: &ResourceSpec,
        key: &str,
        bytes: Vec<u8>,
        stored: &Value,
    ) -> (bytes::Bytes, Arc<crate::cache::PendingWrite>) {
        let bytes = bytes::Bytes::from(bytes);
        let template = crate::cache::Template::of(&spec.indexed_fields, stored);
        let write = self.pending_writes.put(key, bytes.clone(), template);
        (bytes, write)
    }

    /// The object a write stored, as a read returns it: written from the stored bytes, so in upstream's field
    /// order, once for the response and the watch cache's entry.
    fn written(
        &self,
        spec: &ResourceSpec,
        key: &str,
        write: &crate::cache::PendingWrite,
        bytes: &[u8],
        rev: i64,
    ) -> ApiResult<Read> {
        if !spec.is_storage_version() {
            return decode_for(spec, key, bytes, rev);
        }
        let json = write.json(rev, || crate::storecodec::decode_json(key, bytes, rev).ok());
        match json {
            Some(json) => Ok(Read::Json(json)),
            None => decode_for(spec, key, bytes, rev),
        }
    }

    /// The watch cache's JSON of `key` at exactly revision `rev`, if it has that.
    async fn cached_json(&self, spec: &Arc<ResourceSpec>, key: &str, rev: i64) -> Option<bytes::Bytes> {
        let cache = self.cache(spec).await;
        cache.get(key).filter(|e| e.rv == rev).map(|e| e.json.clone())
    }

    /// The lease a write of this resource carries: Events expire after `--event-ttl`, as upstream stores them.
    async fn lease_for(&self, spec: &ResourceSpec) -> ApiResult<i64> {
        if !(spec.storage_group.is_empty() && spec.storage_kind == "Event") {
            return Ok(0);
        }
        self.leases
            .lease_for(&self.etcd, self.config.event_ttl)
            .await
            .map_err(|e| storage_error(spec, "", e))
    }

    /// Refuses creates in a missing (404) or terminating (403) namespace.
    pub async fn check_namespace_open(&self, spec: &ResourceSpec, namespace: &str, name: &str) -> ApiResult<()> {
        let Some(ns_spec) = self.resource("", "v1", "namespaces") else {
            return Ok(());
        };
        let cache = self.cache(&ns_spec).await;
        let key = ns_spec.key(self.prefix(), "", namespace);
        let entry = match cache.get(&key) {
            Some(e) => Some(e),
            // The cache may lag a namespace created just now.
            None => match self.get(&ns_spec, "", namespace, "").await {
                Ok(_) => None,
                Err(_) => return Err(Status::not_found(&GroupResource::new("", "namespaces"), namespace)),
            },
        };
        if let Some(e) = entry
            && namespace_terminating(&e.json)
        {
            return Err(Status::forbidden(
                &group_resource(spec),
                name,
                format!("unable to create new content in namespace {namespace} because it is being terminated"),
            ));
        }
        Ok(())
    }

    /// UPDATE (PUT) of the object or its status subresource. `obj` is in the request's version.
    pub async fn update(
        &self,
        spec: &Arc<ResourceSpec>,
        namespace: &str,
        name: &str,
        obj: Value,
        scope: Scope,
        opts: &WriteOptions,
    ) -> ApiResult<Read> {
        let mut obj = obj;
        prepare_identity(spec, namespace, &mut obj)?;
        let body_name = object::name(&obj).to_string();
        if body_name.is_empty() {
            object::set_meta(&mut obj, "name", Value::String(name.to_string()));
        } else if body_name != name {
            return Err(Status::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let requested_rv = object::resource_version(&obj).to_string();
        let new_stored = crate::convert::to_storage(spec, obj);
        self.guaranteed_update(spec, namespace, name, &requested_rv, scope, opts, |_| {
            Ok(new_stored.clone())
        })
        .await
    }

    /// Reads the current object, computes the new one with `mutate` and writes it with a compare-and-swap,
    /// retrying when another writer got in between (unless the client pinned a resourceVersion).
    #[allow(clippy::too_many_arguments)]
    pub async fn guaranteed_update(
        &self,
        spec: &Arc<ResourceSpec>,
        namespace: &str,
        name: &str,
        requested_rv: &str,
        scope: Scope,
        opts: &WriteOptions,
        mutate: impl Fn(&Value) -> ApiResult<Value>,
    ) -> ApiResult<Read> {
        let gr = group_resource(spec);
        for _attempt in 0..16 {
            let (current, kv) = self.get_stored(spec, namespace, name).await?;
            if !requested_rv.is_empty() && requested_rv != kv.mod_revision.to_string() {
                return Err(Status::conflict(&gr, name, CONFLICT_MESSAGE));
            }
            let mut new = mutate(&current)?;
            crate::strategy::prepare_and_validate_update(spec, &mut new, &current, scope)?;
            let allocated = crate::services::allocate(self, spec, &mut new, Some(&current))?;
            object::remove_meta(&mut new, "resourceVersion");
            let delete_now = object::finalizers(&new).is_empty()
                && object::deletion_timestamp(&new).is_some()
                && object::meta(&new)
                    .and_then(|m| m.get("deletionGracePeriodSeconds"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    == 0;
            if opts.dry_run {
                allocated.release(self);
                object::set_meta(&mut new, "resourceVersion", Value::String(kv.mod_revision.to_string()));
                return Ok(Read::Value(crate::convert::from_storage(spec, new)));
            }
            if delete_now {
                // The last finalizer is gone from an object being deleted: delete it in this same write.
                match self.etcd.delete(&kv.key, kv.mod_revision).await {
                    Ok(rev) => {
                        crate::services::release_all(self, spec, &current);
                        object::set_meta(&mut new, "resourceVersion", Value::String(rev.to_string()));
                        return Ok(Read::Value(crate::convert::from_storage(spec, new)));
                    }
                    Err(StorageError::Conflict(_)) if requested_rv.is_empty() => continue,
                    Err(e) => return Err(storage_error(spec, name, e)),
                }
            }
            let bytes = crate::wire::encode_for_storage(spec, &new)?;
            if bytes == kv.value {
                // No change: upstream skips the write and returns the stored object.
                allocated.release(self);
                return decode_for(spec, &kv.key, &kv.value, kv.mod_revision);
            }
            let lease = self.lease_for(spec).await?;
            let (bytes, write) = self.pending(spec, &kv.key, bytes, &new);
            match self.etcd.update(&kv.key, bytes.to_vec(), kv.mod_revision, lease).await {
                Ok(rev) => {
                    allocated.commit(self, &current, &new);
                    return self.written(spec, &kv.key, &write, &bytes, rev);
                }
                Err(StorageError::Conflict(_)) => {
                    self.pending_writes.forget(&kv.key, &bytes);
                    allocated.release(self);
                    if requested_rv.is_empty() {
                        continue;
                    }
                    return Err(Status::conflict(&gr, name, CONFLICT_MESSAGE));
                }
                Err(e) => {
                    self.pending_writes.forget(&kv.key, &bytes);
                    allocated.release(self);
                    return Err(storage_error(spec, name, e));
                }
            }
        }
        Err(Status::conflict(&gr, name, CONFLICT_MESSAGE))
    }

    /// DELETE with preconditions, graceful deletion of pods and finalizers.
    pub async fn delete(
        &self,
        spec: &Arc<ResourceSpec>,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> ApiResult<Deleted> {
        let gr = group_resource(spec);
        for _attempt in 0..16 {
            let (current, kv) = self.get_stored(spec, namespace, name).await?;
            if let Some(uid) = &opts.precondition_uid
                && uid != object::uid(&current)
            {
                return Err(Status::conflict(
                    &gr,
                    name,
                    format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                        object::uid(&current)
                    ),
                ));
            }
            if let Some(rv) = &opts.precondition_rv
                && *rv != kv.mod_revision.to_string()
            {
                return Err(Status::conflict(
                    &gr,
                    name,
                    format!(
                        "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                        kv.mod_revision
                    ),
                ));
            }
            let mut new = current.clone();
            let mut finalizers = object::finalizers(&current);
            match opts.propagation_policy.as_deref() {
                Some("Foreground") if !finalizers.iter().any(|f| f == "foregroundDeletion") => {
                    finalizers.push("foregroundDeletion".into())
                }
                Some("Orphan") if !finalizers.iter().any(|f| f == "orphan") => finalizers.push("orphan".into()),
                _ => {}
            }
            let grace = graceful_period(spec, &current, opts.grace_period_seconds);
            let is_namespace = spec.storage_group.is_empty() && spec.storage_kind == "Namespace";
            let namespace_finalizers = is_namespace
                && current
                    .pointer("/spec/finalizers")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty());
            let pending = !finalizers.is_empty() || grace > 0 || namespace_finalizers;
            if pending {
                let already = object::deletion_timestamp(&current).is_some();
                let current_grace = object::meta(&current)
                    .and_then(|m| m.get("deletionGracePeriodSeconds"))
                    .and_then(Value::as_i64);
                if already
                    && current_grace.is_some_and(|g| g <= grace)
                    && finalizers.is_empty() == object::finalizers(&current).is_empty()
                {
                    // Already being deleted with a grace period no longer than this one: nothing changes.
                    return Ok(Deleted::Pending(crate::convert::from_storage(spec, current)));
                }
                let now = object::unix_seconds(SystemTime::now());
                if !already || current_grace.is_some_and(|g| grace < g) {
                    object::set_meta(
                        &mut new,
                        "deletionTimestamp",
                        Value::String(object::rfc3339(now + grace)),
                    );
                    object::set_meta(&mut new, "deletionGracePeriodSeconds", Value::from(grace));
                }
                if !finalizers.is_empty() {
                    object::set_meta(&mut new, "finalizers", Value::from(finalizers));
                }
                if is_namespace
                    && let Some(status) = new
                        .as_object_mut()
                        .map(|m| m.entry("status").or_insert_with(|| json!({})))
                {
                    crate::object::ensure_object(status).insert("phase".into(), json!("Terminating"));
                }
                if opts.dry_run {
                    return Ok(Deleted::Pending(crate::convert::from_storage(spec, new)));
                }
                object::remove_meta(&mut new, "resourceVersion");
                let bytes = crate::wire::encode_for_storage(spec, &new)?;
                let lease = self.lease_for(spec).await?;
                match self.etcd.update(&kv.key, bytes, kv.mod_revision, lease).await {
                    Ok(rev) => {
                        object::set_meta(&mut new, "resourceVersion", Value::String(rev.to_string()));
                        return Ok(Deleted::Pending(crate::convert::from_storage(spec, new)));
                    }
                    Err(StorageError::Conflict(_)) => continue,
                    Err(e) => return Err(storage_error(spec, name, e)),
                }
            }
            if opts.dry_run {
                return Ok(Deleted::Gone(crate::convert::from_storage(spec, current)));
            }
            match self.etcd.delete(&kv.key, kv.mod_revision).await {
                Ok(_) => {
                    crate::services::release_all(self, spec, &current);
                    return Ok(Deleted::Gone(crate::convert::from_storage(spec, current)));
                }
                Err(StorageError::Conflict(_)) => continue,
                Err(StorageError::NotFound) => return Err(Status::not_found(&gr, name)),
                Err(e) => return Err(storage_error(spec, name, e)),
            }
        }
        Err(Status::conflict(&gr, name, CONFLICT_MESSAGE))
    }
}

fn invalid_list_options(msg: &str) -> Status {
    let mut s = Status::failure(
        422,
        StatusReason::Invalid,
        format!("ListOptions.meta.k8s.io \"\" is invalid: {msg}"),
    );
    s.details = Some(ferrokube_apimachinery::status::StatusDetails {
        group: "meta.k8s.io".into(),
        kind: "ListOptions".into(),
        ..Default::default()
    });
    s
}

/// The grace period a delete gets: pods on a node that are not finished wait, everything else goes at once.
fn graceful_period(spec: &ResourceSpec, obj: &Value, requested: Option<i64>) -> i64 {
    if !(spec.storage_group.is_empty() && spec.storage_kind == "Pod") {
        return 0;
    }
    let node = obj.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
    let phase = obj.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
    if node.is_empty() || phase == "Succeeded" || phase == "Failed" {
        return 0;
    }
    let default = obj
        .pointer("/spec/terminationGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(30);
    requested.unwrap_or(default).max(0)
}

/// Checks apiVersion/kind against the endpoint, and the namespace against the URL's.
fn prepare_identity(spec: &ResourceSpec, namespace: &str, obj: &mut Value) -> ApiResult<()> {
    let Some(map) = obj.as_object_mut() else {
        return Err(Status::bad_request("the object provided is not a JSON object"));
    };
    let want_version = spec.info.api_version();
    match map.get("apiVersion").and_then(Value::as_str) {
        Some(v) if !v.is_empty() && v != want_version => {
            return Err(Status::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({want_version})"
            )));
        }
        _ => {}
    }
    match map.get("kind").and_then(Value::as_str) {
        Some(k) if !k.is_empty() && k != spec.info.kind => {
            return Err(Status::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                spec.info.kind
            )));
        }
        _ => {}
    }
    map.insert("kind".into(), Value::String(spec.info.kind.into()));
    map.insert("apiVersion".into(), Value::String(want_version));
    let body_ns = object::namespace(obj).to_string();
    if spec.info.namespaced() {
        if body_ns.is_empty() {
            object::set_meta(obj, "namespace", Value::String(namespace.to_string()));
        } else if body_ns != namespace {
            return Err(Status::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    } else {
        object::remove_meta(obj, "namespace");
    }
    Ok(())
}

/// Whether a namespace's JSON says it is being deleted (a deletionTimestamp, or phase Terminating). Reads
/// only those two fields: every create in the namespace asks.
fn namespace_terminating(json: &[u8]) -> bool {
    use serde::de::IgnoredAny;
    #[derive(serde::Deserialize, Default)]
    struct Meta {
        #[serde(rename = "deletionTimestamp")]
        deletion_timestamp: Option<IgnoredAny>,
    }
    #[derive(serde::Deserialize, Default)]
    struct Status<'a> {
        #[serde(borrow)]
        phase: Option<std::borrow::Cow<'a, str>>,
    }
    #[derive(serde::Deserialize)]
    struct Namespace<'a> {
        #[serde(default)]
        metadata: Meta,
        #[serde(default, borrow)]
        status: Option<Status<'a>>,
    }
    match serde_json::from_slice::<Namespace>(json) {
        Ok(ns) => {
            ns.metadata.deletion_timestamp.is_some()
                || ns.status.and_then(|s| s.phase).is_some_and(|p| p == "Terminating")
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_namespace_is_terminating_with_a_deletion_timestamp_or_the_phase() {
        let ns = |j: Value| namespace_terminating(j.to_string().as_bytes());
        assert!(!ns(
            json!({"metadata": {"name": "a"}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        ));
        assert!(!ns(json!({"metadata": {"name": "a", "deletionTimestamp": null}})));
        assert!(ns(
            json!({"metadata": {"name": "a", "deletionTimestamp": "2026-11-23T07:00:00Z"}})
        ));
        assert!(ns(
            json!({"metadata": {"name": "a"}, "status": {"phase": "Terminating"}})
        ));
        assert!(ns(
            json!({"kind": "Namespace", "status": {"phase": "Terminating", "conditions": [{"type": "x"}]}})
        ));
        assert!(!ns(json!({"metadata": {"name": "a"}, "status": {}})));
        assert!(!namespace_terminating(b"not json"));
    }

    #[test]
    fn continue_tokens_round_trip_in_upstreams_format() {
        let token = encode_continue(42, "/registry/pods/default/web-1", "/registry/pods/");
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE.decode(&token).unwrap();
        let v: Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(
            v,
            json!({"v": "meta.k8s.io/v1", "rv": 42, "start": "default/web-1\u{0}"})
        );
        let (rv, start) = decode_continue(&token, "/registry/pods/").unwrap();
        assert_eq!((rv, start.as_str()), (42, "/registry/pods/default/web-1\u{0}"));
    }

    #[test]
    fn bad_continue_tokens_and_versions_are_400() {
        assert_eq!(decode_continue("!!!", "/registry/pods/").unwrap_err().code, 400);
        use base64::Engine;
        let escape =
            base64::engine::general_purpose::URL_SAFE.encode(r#"{"v":"meta.k8s.io/v1","rv":3,"start":"../secrets/"}"#);
        assert_eq!(decode_continue(&escape, "/registry/pods/").unwrap_err().code, 400);
        assert_eq!(parse_rv("abc").unwrap_err().message, "invalid resource version: abc");
        assert_eq!(parse_rv("").unwrap(), 0);
    }

    #[test]
    fn only_pods_on_a_node_are_deleted_gracefully() {
        let pods = crate::resource::all()
            .into_iter()
            .find(|r| r.info.plural == "pods")
            .unwrap();
        let unscheduled = json!({"spec": {"terminationGracePeriodSeconds": 30}});
        assert_eq!(graceful_period(&pods, &unscheduled, None), 0);
        let running =
            json!({"spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 30}, "status": {"phase": "Running"}});
        assert_eq!(graceful_period(&pods, &running, None), 30);
        assert_eq!(graceful_period(&pods, &running, Some(0)), 0);
        let done = json!({"spec": {"nodeName": "n1"}, "status": {"phase": "Succeeded"}});
        assert_eq!(graceful_period(&pods, &done, None), 0);
        let cms = crate::resource::all()
            .into_iter()
            .find(|r| r.info.plural == "configmaps")
            .unwrap();
        assert_eq!(graceful_period(&cms, &running, Some(10)), 0);
    }
}
