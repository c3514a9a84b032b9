//! The etcd v3 edge: reads, compare-and-swap writes and watches of raw values under the key prefix.
//!
//! `metadata.resourceVersion` is the etcd `mod_revision`; creates are `create_revision == 0` transactions,
//! updates and deletes are `mod_revision == expected` transactions. Everything above this module speaks
//! decoded objects; nothing here knows about kinds.

use bytes::Bytes;
use etcd_client::Client;
use ferrokube_proto::etcdserverpb::{
    Compare, PutRequest, RangeRequest, RequestOp, ResponseOp, TxnRequest, TxnResponse, compare, request_op, response_op,
};
use ferrokube_proto::mvccpb::KeyValue;

use crate::kvclient::{KvClient, KvError};

/// One stored value.
#[derive(Debug, Clone)]
pub struct Kv {
    pub key: String,
    pub value: Bytes,
    pub mod_revision: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the key already exists")]
    AlreadyExists,
    /// The compare failed: the current value (if any) is returned so the caller can retry or report.
    #[error("the object has been modified")]
    Conflict(Option<Kv>),
    #[error("the key does not exist")]
    NotFound,
    #[error("the requested revision {requested} has been compacted (compacted revision {compacted})")]
    Compacted { requested: i64, compacted: i64 },
    #[error("the requested revision {0} is newer than the store's")]
    FutureRevision(i64),
    #[error("etcd request failed: {0}")]
    Etcd(String),
}

impl From<KvError> for StorageError {
    fn from(e: KvError) -> Self {
        StorageError::from_message(e.to_string())
    }
}

impl From<etcd_client::Error> for StorageError {
    fn from(e: etcd_client::Error) -> Self {
        StorageError::from_message(e.to_string())
    }
}

impl StorageError {
    fn from_message(text: String) -> Self {
        if text.contains("required revision has been compacted") {
            StorageError::Compacted {
                requested: 0,
                compacted: 0,
            }
        } else if text.contains("required revision is a future revision") {
            StorageError::FutureRevision(0)
        } else {
            StorageError::Etcd(text)
        }
    }
}

/// A page of a range read.
#[derive(Debug, Default)]
pub struct Page {
    pub kvs: Vec<Kv>,
    /// The store's revision the read was served at.
    pub revision: i64,
    /// Whether keys remain after the last one returned.
    pub more: bool,
    /// Keys remaining after this page (from etcd's count), when `more`.
    pub remaining: i64,
}

/// The etcd clients, shared by every resource: reads and writes go through the lean [`KvClient`], watches
/// and leases through `etcd-client` (its own connection).
#[derive(Clone)]
pub struct Etcd {
    client: Client,
    kv: KvClient,
    reliable_progress: bool,
}

impl std::fmt::Debug for Etcd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Etcd")
    }
}

fn kv_of(kv: KeyValue) -> Kv {
    Kv {
        key: String::from_utf8_lossy(&kv.key).into_owned(),
        value: kv.value,
        mod_revision: kv.mod_revision,
    }
}

fn revision_of(header: Option<&ferrokube_proto::etcdserverpb::ResponseHeader>) -> i64 {
    header.map(|h| h.revision).unwrap_or(0)
}

fn put_op(key: &str, value: Vec<u8>, lease: i64) -> RequestOp {
    RequestOp {
        request: Some(request_op::Request::RequestPut(PutRequest {
            key: Bytes::copy_from_slice(key.as_bytes()),
            value: value.into(),
            lease,
            ..Default::default()
        })),
    }
}

fn get_op(key: &str) -> RequestOp {
    RequestOp {
        request: Some(request_op::Request::RequestRange(RangeRequest {
            key: Bytes::copy_from_slice(key.as_bytes()),
            ..Default::default()
        })),
    }
}

/// `target(key) == value`, e.g. `mod_revision(key) == 42`.
fn compare_equal(key: &str, target: compare::TargetUnion) -> Compare {
    let t = match target {
        compare::TargetUnion::Version(_) => compare::CompareTarget::Version,
        compare::TargetUnion::CreateRevision(_) => compare::CompareTarget::Create,
        compare::TargetUnion::ModRevision(_) => compare::CompareTarget::Mod,
        compare::TargetUnion::Value(_) => compare::CompareTarget::Value,
        compare::TargetUnion::Lease(_) => compare::CompareTarget::Lease,
    };
    Compare {
        result: compare::CompareResult::Equal as i32,
        target: t as i32,
        key: Bytes::copy_from_slice(key.as_bytes()),
        range_end: Bytes::new(),
        target_union: Some(target),
    }
}

/// Whether etcd `version` (`3.4.23`) sends watch progress notifications only after the events before them.
pub fn progress_notifications_reliable(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u64>()
            .unwrap_or(0)
    });
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    match (major, minor) {
        (3, 4) => patch >= 31,
        (3, 5) => patch >= 13,
        (3, m) => m >= 6,
        (m, _) => m > 3,
    }
}

/// The smallest key greater than every key starting with `prefix`.
pub fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

impl Etcd {
    pub async fn connect(endpoints: &[String]) -> Result<Etcd, StorageError> {
        let endpoints: Vec<String> = endpoints
            .iter()
            .map(|e| e.trim_start_matches("http://").to_string())
            .collect();
        let kv = KvClient::connect(&endpoints).await?;
        let mut client = Client::connect(&endpoints, None).await?;
        let version = client
            .status()
            .await
            .map(|s| s.version().to_string())
            .unwrap_or_default();
        let reliable_progress = progress_notifications_reliable(&version);
        if !reliable_progress {
            tracing::info!(
                %version,
                "etcd before 3.4.31/3.5.13 can send a watch progress notification ahead of events: consistent \
                 LISTs read etcd unless the watch cache has seen the current revision"
            );
        }
        Ok(Etcd {
            client,
            kv,
            reliable_progress,
        })
    }

    /// Whether this etcd's watch progress notifications come only after every event up to their revision
    /// (etcd-io/etcd#15220, fixed in 3.4.31 and 3.5.13; kube-apiserver checks the same versions).
    pub fn reliable_progress(&self) -> bool {
        self.reliable_progress
    }

    /// The `etcd-client` connection (watches, leases).
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// The current revision of the store (a linearizable read).
    pub async fn current_revision(&self) -> Result<i64, StorageError> {
        let req = RangeRequest {
            key: Bytes::from_static(b"\0"),
            count_only: true,
            ..Default::default()
        };
        let resp = self.kv.range(&req).await?;
        Ok(revision_of(resp.header.as_ref()))
    }

    pub async fn get(&self, key: &str) -> Result<(Option<Kv>, i64), StorageError> {
        let req = RangeRequest {
            key: Bytes::copy_from_slice(key.as_bytes()),
            ..Default::default()
        };
        let resp = self.kv.range(&req).await?;
        let rev = revision_of(resp.header.as_ref());
        Ok((resp.kvs.into_iter().next().map(kv_of), rev))
    }

    /// Keys in `[start, end)`, at `revision` (0 = current), at most `limit` (0 = all).
    pub async fn range(&self, start: &str, end: &[u8], revision: i64, limit: i64) -> Result<Page, StorageError> {
        let req = RangeRequest {
            key: Bytes::copy_from_slice(start.as_bytes()),
            range_end: Bytes::copy_from_slice(end),
            revision: revision.max(0),
            limit: limit.max(0),
            ..Default::default()
        };
        let resp = self.kv.range(&req).await.map_err(|e| match StorageError::from(e) {
            StorageError::Compacted { .. } => StorageError::Compacted {
                requested: revision,
                compacted: 0,
            },
            StorageError::FutureRevision(_) => StorageError::FutureRevision(revision),
            other => other,
        })?;
        let revision = revision_of(resp.header.as_ref());
        let count = resp.count;
        let more = resp.more;
        let kvs: Vec<Kv> = resp.kvs.into_iter().map(kv_of).collect();
        Ok(Page {
            revision,
            more,
            remaining: count - kvs.len() as i64,
            kvs,
        })
    }

    /// Creates `key`; fails with [`StorageError::AlreadyExists`] when it exists. Returns the new revision.
    pub async fn create(&self, key: &str, value: Vec<u8>, lease: i64) -> Result<i64, StorageError> {
        let txn = TxnRequest {
            compare: vec![compare_equal(key, compare::TargetUnion::CreateRevision(0))],
            success: vec![put_op(key, value, lease)],
            failure: vec![],
        };
        let resp = self.kv.txn(&txn).await?;
        if !resp.succeeded {
            return Err(StorageError::AlreadyExists);
        }
        Ok(revision_of(resp.header.as_ref()))
    }

    /// Replaces `key` if its mod revision is still `expected`; otherwise returns the current value.
    pub async fn update(&self, key: &str, value: Vec<u8>, expected: i64, lease: i64) -> Result<i64, StorageError> {
        let txn = TxnRequest {
            compare: vec![compare_equal(key, compare::TargetUnion::ModRevision(expected))],
            success: vec![put_op(key, value, lease)],
            failure: vec![get_op(key)],
        };
        let resp = self.kv.txn(&txn).await?;
        if resp.succeeded {
            return Ok(revision_of(resp.header.as_ref()));
        }
        Err(StorageError::Conflict(current_of(resp)))
    }

    /// Deletes `key` if its mod revision is still `expected`. Returns the deletion's revision.
    pub async fn delete(&self, key: &str, expected: i64) -> Result<i64, StorageError> {
        let txn = TxnRequest {
            compare: vec![compare_equal(key, compare::TargetUnion::ModRevision(expected))],
            success: vec![RequestOp {
                request: Some(request_op::Request::RequestDeleteRange(
                    ferrokube_proto::etcdserverpb::DeleteRangeRequest {
                        key: Bytes::copy_from_slice(key.as_bytes()),
                        ..Default::default()
                    },
                )),
            }],
            failure: vec![get_op(key)],
        };
        let resp = self.kv.txn(&txn).await?;
        if resp.succeeded {
            return Ok(revision_of(resp.header.as_ref()));
        }
        match current_of(resp) {
            None => Err(StorageError::NotFound),
            current => Err(StorageError::Conflict(current)),
        }
    }

    /// Writes `key` unconditionally (bootstrap data such as range allocations).
    pub async fn put(&self, key: &str, value: Vec<u8>) -> Result<i64, StorageError> {
        let req = PutRequest {
            key: Bytes::copy_from_slice(key.as_bytes()),
            value: value.into(),
            ..Default::default()
        };
        let resp = self.kv.put(&req).await?;
        Ok(revision_of(resp.header.as_ref()))
    }
}

/// Leases for objects that expire (Events, `--event-ttl`): one lease is shared by every write in a minute,
/// as upstream's lease manager does, so a burst of events costs one LeaseGrant, not one each.
#[derive(Debug, Default)]
pub struct Leases {
    current: tokio::sync::Mutex<Option<(i64, std::time::Instant)>>,
}

impl Leases {
    /// How long a granted lease is reused; it is granted for the TTL plus this, so every object keeps at
    /// least its TTL.
    const REUSE: std::time::Duration = std::time::Duration::from_secs(60);

    /// A lease that expires no sooner than `ttl` from now.
    pub async fn lease_for(&self, etcd: &Etcd, ttl: std::time::Duration) -> Result<i64, StorageError> {
        let mut current = self.current.lock().await;
        if let Some((id, granted)) = *current
            && granted.elapsed() < Self::REUSE
        {
            return Ok(id);
        }
        let secs = (ttl + Self::REUSE).as_secs() as i64;
        let resp = etcd.client().lease_client().grant(secs, None).await?;
        *current = Some((resp.id(), std::time::Instant::now()));
        Ok(resp.id())
    }
}

fn current_of(resp: TxnResponse) -> Option<Kv> {
    resp.responses.into_iter().find_map(|r: ResponseOp| match r.response {
        Some(response_op::Response::ResponseRange(range)) => range.kvs.into_iter().next().map(kv_of),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_notifications_are_trusted_from_the_fixed_etcd_versions() {
        for v in ["3.4.31", "3.5.13", "3.5.21", "3.6.0", "4.0.0"] {
            assert!(progress_notifications_reliable(v), "{v}");
        }
        for v in ["3.4.23", "3.4.30", "3.5.12", "3.3.27", "", "garbage"] {
            assert!(!progress_notifications_reliable(v), "{v}");
        }
    }

    #[test]
    fn prefix_end_increments_the_last_byte() {
        assert_eq!(prefix_end("/registry/pods/"), b"/registry/pods0".to_vec());
        assert_eq!(prefix_end("az"), b"a{".to_vec());
    }
}
