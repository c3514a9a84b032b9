//! Range reads: choosing the keys a `RangeRequest` returns from the index
//! (limit, filters, sort, count as etcd computes them), then reading their values.
//! The same code serves plain reads (at the committed revision, on a reader
//! connection) and reads inside a Txn (on the writer's view).

use ferrokube_proto::etcdserverpb::{
    RangeRequest, RangeResponse,
    range_request::{SortOrder, SortTarget},
};
use ferrokube_proto::mvccpb::KeyValue;
use prost::bytes::Bytes;
use rusqlite::Connection;

use super::Shared;
use super::backend::{self, BackendError};
use super::index::{Entry, Index, KeyRange};
use crate::error::EtcdError;

/// The keys a range returns, before values are read.
#[derive(Debug)]
pub struct Plan {
    pub items: Vec<(Vec<u8>, Entry)>,
    pub count: i64,
    pub more: bool,
    sort: Option<(SortTarget, bool)>,
    limit: usize,
}

/// Selects the entries `req` returns at revision `rev` from `index`.
pub fn plan(index: &Index, req: &RangeRequest, rev: i64) -> Plan {
    let range = KeyRange::new(&req.key, &req.range_end);
    let target = SortTarget::try_from(req.sort_target).unwrap_or(SortTarget::Key);
    let order = match SortOrder::try_from(req.sort_order).unwrap_or(SortOrder::None) {
        // etcd sorts ascending by default when the target is not the key.
        SortOrder::None if target != SortTarget::Key => SortOrder::Ascend,
        o => o,
    };
    let sort = match (order, target) {
        (SortOrder::None, _) | (SortOrder::Ascend, SortTarget::Key) => None,
        (o, t) => Some((t, o == SortOrder::Descend)),
    };
    let limit = if req.limit > 0 { req.limit as usize } else { usize::MAX };
    // Without a sort, key order is the answer: stop collecting after limit + 1.
    let collect_max = if sort.is_none() {
        limit.saturating_add(1)
    } else {
        usize::MAX
    };
    let keep = |e: &Entry| {
        (req.min_mod_revision == 0 || e.rev.main >= req.min_mod_revision)
            && (req.max_mod_revision == 0 || e.rev.main <= req.max_mod_revision)
            && (req.min_create_revision == 0 || e.create >= req.min_create_revision)
            && (req.max_create_revision == 0 || e.create <= req.max_create_revision)
    };
    let mut items = Vec::new();
    let mut count = 0i64;
    for (k, e) in index.range_at(&range, rev) {
        count += 1;
        if !req.count_only && items.len() < collect_max && keep(e) {
            items.push((k.to_vec(), *e));
        }
    }
    Plan {
        items,
        count,
        more: false,
        sort,
        limit,
    }
}

fn kv(key: Vec<u8>, e: &Entry, value: Bytes) -> KeyValue {
    KeyValue {
        key: key.into(),
        create_revision: e.create,
        mod_revision: e.rev.main,
        version: e.version,
        value,
        lease: e.lease,
    }
}

/// Reads the values the plan needs from `conn` and builds the response (without header).
pub fn execute(mut plan: Plan, req: &RangeRequest, conn: &Connection) -> Result<RangeResponse, BackendError> {
    let by_value = matches!(plan.sort, Some((SortTarget::Value, _)));
    let fetch = !req.count_only && (!req.keys_only || by_value);
    let mut kvs = Vec::with_capacity(plan.items.len());
    if let Some((target, _)) = plan.sort
        && target != SortTarget::Value
    {
        sort_entries(&mut plan.items, target);
    }
    for (key, e) in plan.items {
        let value = if fetch {
            backend::value(conn, e.rev.id())?
        } else {
            Bytes::new()
        };
        kvs.push(kv(key, &e, value));
    }
    match plan.sort {
        Some((SortTarget::Value, desc)) => {
            kvs.sort_by(|a, b| a.value.cmp(&b.value));
            if desc {
                kvs.reverse();
            }
            if req.keys_only {
                kvs.iter_mut().for_each(|kv| kv.value = Bytes::new());
            }
        }
        Some((_, true)) => kvs.reverse(),
        _ => {}
    }
    if kvs.len() > plan.limit {
        kvs.truncate(plan.limit);
        plan.more = true;
    }
    Ok(RangeResponse {
        header: None,
        kvs,
        more: plan.more,
        count: plan.count,
    })
}

fn sort_entries(items: &mut [(Vec<u8>, Entry)], target: SortTarget) {
    match target {
        SortTarget::Key | SortTarget::Value => {}
        SortTarget::Version => items.sort_by_key(|(_, e)| e.version),
        SortTarget::Create => items.sort_by_key(|(_, e)| e.create),
        SortTarget::Mod => items.sort_by_key(|(_, e)| e.rev),
    }
}

/// Checks a read revision against the store's bounds: `current` is the newest
/// readable revision.
pub fn check_rev(rev: i64, current: i64, compacted: i64) -> Result<(), EtcdError> {
    if rev > current {
        Err(EtcdError::FutureRev)
    } else if rev < compacted {
        Err(EtcdError::Compacted)
    } else {
        Ok(())
    }
}

impl Shared {
    /// A linearizable Range: at the committed revision, or at `req.revision`.
    pub fn range(&self, req: &RangeRequest) -> Result<RangeResponse, EtcdError> {
        if req.key.is_empty() {
            return Err(EtcdError::EmptyKey);
        }
        let plan = {
            let index = self.index.read();
            let current = self.committed();
            let rev = if req.revision > 0 { req.revision } else { current };
            check_rev(rev, current, self.compacted())?;
            (plan(&index, req, rev), current, rev)
        };
        let (plan, current, rev) = plan;
        let resp = self.with_reader(|conn| match execute(plan, req, conn) {
            Ok(r) => Ok(r),
            // A compaction removed rows this read planned to fetch.
            Err(BackendError::MissingRow { .. }) if self.compacted() > rev => Err(EtcdError::Compacted),
            Err(e) => Err(e.into()),
        })?;
        self.metrics.range_total.inc();
        Ok(RangeResponse {
            header: Some(self.header(current)),
            ..resp
        })
    }
}
