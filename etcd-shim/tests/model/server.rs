//! Issues model operations against a real server through etcd-client.

use etcd_client::{
    Client, Compare, DeleteOptions, GetOptions, PutOptions, SortOrder, SortTarget, Txn, TxnOp, TxnOpResponse,
};

use crate::ops::{Cmp, Op, Out, Read, Span, Target};
use crate::support::{Kv, kvs};

fn get_options(r: &Read) -> GetOptions {
    let mut o = GetOptions::new().with_revision(r.revision).with_limit(r.limit);
    if !r.span.end.is_empty() {
        o = o.with_range(r.span.end.as_str());
    }
    if r.descending {
        o = o.with_sort(SortTarget::Key, SortOrder::Descend);
    }
    if r.count_only {
        o = o.with_count_only();
    }
    if r.keys_only {
        o = o.with_keys_only();
    }
    o
}

fn delete_options(span: &Span, prev_kv: bool) -> DeleteOptions {
    let mut o = DeleteOptions::new();
    if !span.end.is_empty() {
        o = o.with_range(span.end.as_str());
    }
    if prev_kv {
        o = o.with_prev_key();
    }
    o
}

fn put_options(prev_kv: bool) -> PutOptions {
    if prev_kv {
        PutOptions::new().with_prev_key()
    } else {
        PutOptions::new()
    }
}

fn txn_op(op: &Op) -> TxnOp {
    match op {
        Op::Put { key, value, prev_kv } => TxnOp::put(key.as_str(), value.as_str(), Some(put_options(*prev_kv))),
        Op::Delete { span, prev_kv } => TxnOp::delete(span.key.as_str(), Some(delete_options(span, *prev_kv))),
        Op::Range(r) => TxnOp::get(r.span.key.as_str(), Some(get_options(r))),
        other => panic!("generator put {other:?} in a txn branch"),
    }
}

fn compare(c: &Cmp) -> Compare {
    let k = c.span.key.as_str();
    let cmp = match c.target {
        Target::Mod => Compare::mod_revision(k, c.op, c.num),
        Target::Create => Compare::create_revision(k, c.op, c.num),
        Target::Version => Compare::version(k, c.op, c.num),
        Target::Value => Compare::value(k, c.op, c.value.as_str()),
    };
    if c.span.end.is_empty() {
        cmp
    } else {
        cmp.with_range(c.span.end.as_str())
    }
}

fn header_rev(h: Option<&etcd_client::ResponseHeader>) -> i64 {
    h.expect("header").revision()
}

fn out_of(r: &TxnOpResponse) -> Out {
    match r {
        TxnOpResponse::Put(p) => Out::Put {
            rev: header_rev(p.header()),
            prev: p.prev_key().map(Kv::from),
        },
        TxnOpResponse::Delete(d) => Out::Delete {
            rev: header_rev(d.header()),
            deleted: d.deleted(),
            prev: kvs(d.prev_kvs()),
        },
        TxnOpResponse::Get(g) => Out::Range {
            rev: header_rev(g.header()),
            kvs: kvs(g.kvs()),
            count: g.count(),
            more: g.more(),
        },
        TxnOpResponse::Txn(t) => Out::Txn {
            rev: header_rev(t.header()),
            succeeded: t.succeeded(),
            ops: t.op_responses().iter().map(out_of).collect(),
        },
    }
}

pub async fn execute(c: &mut Client, op: &Op) -> Out {
    let res: Result<Out, etcd_client::Error> = match op {
        Op::Put { key, value, prev_kv } => c
            .put(key.as_str(), value.as_str(), Some(put_options(*prev_kv)))
            .await
            .map(|p| Out::Put {
                rev: header_rev(p.header()),
                prev: p.prev_key().map(Kv::from),
            }),
        Op::Delete { span, prev_kv } => c
            .delete(span.key.as_str(), Some(delete_options(span, *prev_kv)))
            .await
            .map(|d| Out::Delete {
                rev: header_rev(d.header()),
                deleted: d.deleted(),
                prev: kvs(d.prev_kvs()),
            }),
        Op::Range(r) => c
            .get(r.span.key.as_str(), Some(get_options(r)))
            .await
            .map(|g| Out::Range {
                rev: header_rev(g.header()),
                kvs: kvs(g.kvs()),
                count: g.count(),
                more: g.more(),
            }),
        Op::Compact { revision } => c.compact(*revision, None).await.map(|r| Out::Compact {
            rev: header_rev(r.header()),
        }),
        Op::Txn {
            compares,
            success,
            failure,
        } => {
            let txn = Txn::new()
                .when(compares.iter().map(compare).collect::<Vec<_>>())
                .and_then(success.iter().map(txn_op).collect::<Vec<_>>())
                .or_else(failure.iter().map(txn_op).collect::<Vec<_>>());
            c.txn(txn).await.map(|t| Out::Txn {
                rev: header_rev(t.header()),
                succeeded: t.succeeded(),
                ops: t.op_responses().iter().map(out_of).collect(),
            })
        }
    };
    match res {
        Ok(o) => o,
        Err(etcd_client::Error::GRpcStatus(s)) => Out::Err {
            code: s.code(),
            message: s.message().to_string(),
        },
        Err(e) => panic!("{op:?} failed outside gRPC: {e}"),
    }
}
