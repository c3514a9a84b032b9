//! The etcd v3 edge: reads, compare-and-swap writes and watches of raw values under the key prefix.
//!
//! `metadata.resourceVersion` is the etcd `mod_revision`; creates are `create_revision == 0` transactions,
//! updates and deletes are `mod_revision == expected` transactions. Everything above this module speaks
//! decoded objects; nothing here knows about kinds.

use etcd_client::{Client, Compare, CompareOp, GetOptions, KvClient, Txn, TxnOp, TxnOpResponse};

/// One stored value.
#[derive(Debug, Clone)]
pub struct Kv {
    pub key: String,
    pub value: Vec<u8>,
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

impl From<etcd_client::Error> for StorageError {
    fn from(e: etcd_client::Error) -> Self {
        let text = e.to_string();
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

/// The etcd clients, shared by every resource: a few connections, used in turn, so that one HTTP/2
/// connection's task does not serialize every request under load.
#[derive(Clone)]
pub struct Etcd {
    clients: std::sync::Arc<Vec<Client>>,
    next: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// Connections to etcd.
const CONNECTIONS: usize = 1;

impl std::fmt::Debug for Etcd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Etcd")
    }
}

fn kv_of(kv: &etcd_client::KeyValue) -> Kv {
    Kv {
        key: String::from_utf8_lossy(kv.key()).into_owned(),
        value: kv.value().to_vec(),
        mod_revision: kv.mod_revision(),
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
        let mut clients = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            clients.push(Client::connect(&endpoints, None).await?);
        }
        Ok(Etcd {
            clients: std::sync::Arc::new(clients),
            next: Default::default(),
        })
    }

    fn kv(&self) -> KvClient {
        self.client().kv_client()
    }

    /// The next connection, round robin.
    pub fn client(&self) -> Client {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.clients.len();
        self.clients[i].clone()
    }

    /// The current revision of the store (a linearizable read).
    pub async fn current_revision(&self) -> Result<i64, StorageError> {
        let resp = self.kv().get("\0", Some(GetOptions::new().with_count_only())).await?;
        Ok(resp.header().map(|h| h.revision()).unwrap_or(0))
    }

    pub async fn get(&self, key: &str) -> Result<(Option<Kv>, i64), StorageError> {
        let resp = self.kv().get(key, None).await?;
        let rev = resp.header().map(|h| h.revision()).unwrap_or(0);
        Ok((resp.kvs().first().map(kv_of), rev))
    }

    /// Keys in `[start, end)`, at `revision` (0 = current), at most `limit` (0 = all).
    pub async fn range(&self, start: &str, end: &[u8], revision: i64, limit: i64) -> Result<Page, StorageError> {
        let mut opts = GetOptions::new().with_range(end.to_vec());
        if revision > 0 {
            opts = opts.with_revision(revision);
        }
        if limit > 0 {
            opts = opts.with_limit(limit);
        }
        let resp = self
            .kv()
            .get(start, Some(opts))
            .await
            .map_err(|e| match StorageError::from(e) {
                StorageError::Compacted { .. } => StorageError::Compacted {
                    requested: revision,
                    compacted: 0,
                },
                StorageError::FutureRevision(_) => StorageError::FutureRevision(revision),
                other => other,
            })?;
        let kvs: Vec<Kv> = resp.kvs().iter().map(kv_of).collect();
        Ok(Page {
            revision: resp.header().map(|h| h.revision()).unwrap_or(0),
            more: resp.more(),
            remaining: resp.count() - kvs.len() as i64,
            kvs,
        })
    }

    /// Creates `key`; fails with [`StorageError::AlreadyExists`] when it exists. Returns the new revision.
    pub async fn create(&self, key: &str, value: Vec<u8>, lease: i64) -> Result<i64, StorageError> {
        let txn = Txn::new()
            .when([Compare::create_revision(key, CompareOp::Equal, 0)])
            .and_then([TxnOp::put(key, value, put_options(lease))]);
        let resp = self.kv().txn(txn).await?;
        if !resp.succeeded() {
            return Err(StorageError::AlreadyExists);
        }
        Ok(resp.header().map(|h| h.revision()).unwrap_or(0))
    }

    /// Replaces `key` if its mod revision is still `expected`; otherwise returns the current value.
    pub async fn update(&self, key: &str, value: Vec<u8>, expected: i64, lease: i64) -> Result<i64, StorageError> {
        let txn = Txn::new()
            .when([Compare::mod_revision(key, CompareOp::Equal, expected)])
            .and_then([TxnOp::put(key, value, put_options(lease))])
            .or_else([TxnOp::get(key, None)]);
        let resp = self.kv().txn(txn).await?;
        if resp.succeeded() {
            return Ok(resp.header().map(|h| h.revision()).unwrap_or(0));
        }
        Err(StorageError::Conflict(current_of(&resp.op_responses())))
    }

    /// Deletes `key` if its mod revision is still `expected`. Returns the deletion's revision.
    pub async fn delete(&self, key: &str, expected: i64) -> Result<i64, StorageError> {
        let txn = Txn::new()
            .when([Compare::mod_revision(key, CompareOp::Equal, expected)])
            .and_then([TxnOp::delete(key, None)])
            .or_else([TxnOp::get(key, None)]);
        let resp = self.kv().txn(txn).await?;
        if resp.succeeded() {
            return Ok(resp.header().map(|h| h.revision()).unwrap_or(0));
        }
        match current_of(&resp.op_responses()) {
            None => Err(StorageError::NotFound),
            current => Err(StorageError::Conflict(current)),
        }
    }

    /// Writes `key` unconditionally (bootstrap data such as range allocations).
    pub async fn put(&self, key: &str, value: Vec<u8>) -> Result<i64, StorageError> {
        let resp = self.kv().put(key, value, None).await?;
        Ok(resp.header().map(|h| h.revision()).unwrap_or(0))
    }
}

fn put_options(lease: i64) -> Option<etcd_client::PutOptions> {
    (lease != 0).then(|| etcd_client::PutOptions::new().with_lease(lease))
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

fn current_of(responses: &[TxnOpResponse]) -> Option<Kv> {
    responses.iter().find_map(|r| match r {
        TxnOpResponse::Get(get) => get.kvs().first().map(kv_of),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_increments_the_last_byte() {
        assert_eq!(prefix_end("/registry/pods/"), b"/registry/pods0".to_vec());
        assert_eq!(prefix_end("az"), b"a{".to_vec());
    }
}
