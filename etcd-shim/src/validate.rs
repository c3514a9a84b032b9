//! Request checks etcd makes before a request reaches the store, with etcd's
//! errors: empty keys, `ignore_value`/`ignore_lease` misuse, too many txn
//! operations, and a key written twice in one txn.

use std::collections::HashSet;

use ferrokube_proto::etcdserverpb::{DeleteRangeRequest, PutRequest, RequestOp, TxnRequest, request_op::Request};

use crate::error::EtcdError;
use crate::store::index::KeyRange;

pub fn check_put(r: &PutRequest) -> Result<(), EtcdError> {
    if r.key.is_empty() {
        return Err(EtcdError::EmptyKey);
    }
    if r.ignore_value && !r.value.is_empty() {
        return Err(EtcdError::ValueProvided);
    }
    if r.ignore_lease && r.lease != 0 {
        return Err(EtcdError::LeaseProvided);
    }
    Ok(())
}

pub fn check_delete(r: &DeleteRangeRequest) -> Result<(), EtcdError> {
    if r.key.is_empty() {
        return Err(EtcdError::EmptyKey);
    }
    Ok(())
}

/// etcd's `checkTxnRequest` followed by its duplicate-key check on both branches.
pub fn check_txn(r: &TxnRequest, max_ops: usize) -> Result<(), EtcdError> {
    check_txn_ops(r, max_ops as i64)?;
    intervals(&r.success)?;
    intervals(&r.failure)?;
    Ok(())
}

fn check_txn_ops(r: &TxnRequest, max_ops: i64) -> Result<(), EtcdError> {
    let opc = r.compare.len().max(r.success.len()).max(r.failure.len()) as i64;
    if opc > max_ops {
        return Err(EtcdError::TooManyOps);
    }
    if r.compare.iter().any(|c| c.key.is_empty()) {
        return Err(EtcdError::EmptyKey);
    }
    for op in r.success.iter().chain(&r.failure) {
        check_op(op, max_ops - opc)?;
    }
    Ok(())
}

fn check_op(op: &RequestOp, max_ops: i64) -> Result<(), EtcdError> {
    match &op.request {
        Some(Request::RequestRange(r)) if r.key.is_empty() => Err(EtcdError::EmptyKey),
        Some(Request::RequestPut(r)) => check_put(r),
        Some(Request::RequestDeleteRange(r)) => check_delete(r),
        Some(Request::RequestTxn(t)) => check_txn_ops(t, max_ops),
        _ => Ok(()),
    }
}

/// A delete's interval as etcd's duplicate check sees it: `[key, range_end)` taken
/// literally, so a from-key delete (`range_end == "\0"`) is an empty interval
/// that conflicts with nothing, and then runs in op order with the puts.
fn literal_interval(key: &[u8], range_end: &[u8]) -> KeyRange {
    if range_end.is_empty() {
        KeyRange::Single(key.to_vec())
    } else {
        KeyRange::Span {
            start: key.to_vec(),
            end: Some(range_end.to_vec()),
        }
    }
}

/// The puts and delete ranges of one branch, failing when a key is written twice
/// (then/else branches of a nested txn may write the same key: only one runs).
fn intervals(ops: &[RequestOp]) -> Result<(HashSet<Vec<u8>>, Vec<KeyRange>), EtcdError> {
    let mut dels: Vec<KeyRange> = ops
        .iter()
        .filter_map(|op| match &op.request {
            Some(Request::RequestDeleteRange(d)) => Some(literal_interval(&d.key, &d.range_end)),
            _ => None,
        })
        .collect();
    let deleted = |dels: &[KeyRange], k: &[u8]| dels.iter().any(|d| d.contains(k));
    let mut puts: HashSet<Vec<u8>> = HashSet::new();
    for op in ops {
        let Some(Request::RequestTxn(t)) = &op.request else {
            continue;
        };
        let (puts_then, dels_then) = intervals(&t.success)?;
        let (puts_else, dels_else) = intervals(&t.failure)?;
        for k in &puts_then {
            if puts.contains(k) || deleted(&dels, k) {
                return Err(EtcdError::DuplicateKey);
            }
            puts.insert(k.clone());
        }
        for k in puts_else {
            if (puts.contains(&k) && !puts_then.contains(&k)) || deleted(&dels, &k) {
                return Err(EtcdError::DuplicateKey);
            }
            puts.insert(k);
        }
        dels.extend(dels_then);
        dels.extend(dels_else);
    }
    for op in ops {
        let Some(Request::RequestPut(p)) = &op.request else {
            continue;
        };
        if puts.contains(p.key.as_ref()) || deleted(&dels, &p.key) {
            return Err(EtcdError::DuplicateKey);
        }
        puts.insert(p.key.to_vec());
    }
    Ok((puts, dels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(k: &str) -> RequestOp {
        RequestOp {
            request: Some(Request::RequestPut(PutRequest {
                key: k.as_bytes().to_vec().into(),
                ..Default::default()
            })),
        }
    }
    fn del(k: &str, end: &str) -> RequestOp {
        RequestOp {
            request: Some(Request::RequestDeleteRange(DeleteRangeRequest {
                key: k.as_bytes().to_vec().into(),
                range_end: end.as_bytes().to_vec().into(),
                ..Default::default()
            })),
        }
    }
    fn txn(success: Vec<RequestOp>, failure: Vec<RequestOp>) -> TxnRequest {
        TxnRequest {
            compare: vec![],
            success,
            failure,
        }
    }

    #[test]
    fn duplicate_keys() {
        assert!(check_txn(&txn(vec![put("a"), put("b")], vec![put("a")]), 128).is_ok());
        assert!(matches!(
            check_txn(&txn(vec![put("a"), put("a")], vec![]), 128),
            Err(EtcdError::DuplicateKey)
        ));
        assert!(matches!(
            check_txn(&txn(vec![del("a", "c"), put("b")], vec![]), 128),
            Err(EtcdError::DuplicateKey)
        ));
        assert!(check_txn(&txn(vec![del("a", "c"), del("b", "d")], vec![]), 128).is_ok());
        // etcd: a from-key delete is an empty interval for this check.
        assert!(check_txn(&txn(vec![del("a", "\0"), put("b")], vec![]), 128).is_ok());
        let nested = RequestOp {
            request: Some(Request::RequestTxn(txn(vec![put("x")], vec![put("x")]))),
        };
        assert!(check_txn(&txn(vec![nested.clone()], vec![]), 128).is_ok());
        assert!(matches!(
            check_txn(&txn(vec![nested, put("x")], vec![]), 128),
            Err(EtcdError::DuplicateKey)
        ));
    }

    #[test]
    fn op_limits_and_keys() {
        let many = (0..129).map(|i| put(&format!("k{i}"))).collect();
        assert!(matches!(check_txn(&txn(many, vec![]), 128), Err(EtcdError::TooManyOps)));
        assert!(matches!(
            check_txn(&txn(vec![put("")], vec![]), 128),
            Err(EtcdError::EmptyKey)
        ));
        let bad = PutRequest {
            key: b"k".to_vec().into(),
            value: b"v".to_vec().into(),
            ignore_value: true,
            ..Default::default()
        };
        assert!(matches!(check_put(&bad), Err(EtcdError::ValueProvided)));
    }
}
