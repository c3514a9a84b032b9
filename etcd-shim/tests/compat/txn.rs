//! KV Txn: compares, branches, nesting, read-your-writes, validation errors, CAS races.

use std::sync::Arc;

use etcd_client::{
    Client, Compare, CompareOp, DeleteOptions, GetOptions, LeaseGrantOptions, PutOptions, Txn, TxnOp, TxnOpResponse,
    TxnResponse,
};
use ferrokube_e2e::etcd::Backend;
use tonic::Code;

use crate::support::*;

use CompareOp::{Equal, Greater, Less, NotEqual};

/// Runs a txn with one compare and reports which branch ran.
async fn check(c: &mut Client, cmp: Compare) -> bool {
    let r = c.txn(Txn::new().when([cmp]).and_then([]).or_else([])).await.unwrap();
    r.succeeded()
}

fn put_resp(r: &TxnOpResponse) -> &etcd_client::PutResponse {
    match r {
        TxnOpResponse::Put(p) => p,
        other => panic!("expected a put response, got {other:?}"),
    }
}

fn get_resp(r: &TxnOpResponse) -> &etcd_client::GetResponse {
    match r {
        TxnOpResponse::Get(g) => g,
        other => panic!("expected a range response, got {other:?}"),
    }
}

fn del_resp(r: &TxnOpResponse) -> &etcd_client::DeleteResponse {
    match r {
        TxnOpResponse::Delete(d) => d,
        other => panic!("expected a delete-range response, got {other:?}"),
    }
}

fn txn_resp(r: &TxnOpResponse) -> &TxnResponse {
    match r {
        TxnOpResponse::Txn(t) => t,
        other => panic!("expected a txn response, got {other:?}"),
    }
}

/// Every compare target against every operator, on an existing key.
pub async fn compare_targets_and_ops(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let lease = c
        .lease_grant(60, Some(LeaseGrantOptions::new().with_id(100)))
        .await
        .unwrap()
        .id();
    c.put("k", "m", None).await.unwrap(); // rev 2
    c.put("k", "m", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap(); // rev 3: create 2, mod 3, version 2
    let cases: Vec<(Compare, bool)> = vec![
        (Compare::mod_revision("k", Equal, 3), true),
        (Compare::mod_revision("k", Equal, 2), false),
        (Compare::mod_revision("k", Greater, 2), true),
        (Compare::mod_revision("k", Greater, 3), false),
        (Compare::mod_revision("k", Less, 4), true),
        (Compare::mod_revision("k", Less, 3), false),
        (Compare::mod_revision("k", NotEqual, 3), false),
        (Compare::mod_revision("k", NotEqual, 0), true),
        (Compare::create_revision("k", Equal, 2), true),
        (Compare::create_revision("k", Greater, 1), true),
        (Compare::create_revision("k", Less, 2), false),
        (Compare::create_revision("k", NotEqual, 2), false),
        (Compare::version("k", Equal, 2), true),
        (Compare::version("k", Greater, 2), false),
        (Compare::version("k", Less, 3), true),
        (Compare::version("k", NotEqual, 1), true),
        (Compare::value("k", Equal, "m"), true),
        (Compare::value("k", Equal, "n"), false),
        (Compare::value("k", Greater, "l"), true),
        (Compare::value("k", Greater, "m"), false),
        (Compare::value("k", Greater, "ma"), false),
        (Compare::value("k", Less, "ma"), true),
        (Compare::value("k", Less, "n"), true),
        (Compare::value("k", Less, "m"), false),
        (Compare::value("k", NotEqual, "m"), false),
        (Compare::value("k", NotEqual, ""), true),
        (Compare::lease("k", Equal, lease), true),
        (Compare::lease("k", Equal, 0), false),
        (Compare::lease("k", NotEqual, 0), true),
        (Compare::lease("k", Greater, lease - 1), true),
        (Compare::lease("k", Less, lease), false),
    ];
    for (i, (cmp, want)) in cases.into_iter().enumerate() {
        let desc = format!("case {i}: {cmp:?}");
        assert_eq!(check(&mut c, cmp).await, want, "{desc}");
    }
    // Several compares are ANDed.
    let both = Txn::new().when([Compare::version("k", Equal, 2), Compare::value("k", Equal, "m")]);
    assert!(c.txn(both).await.unwrap().succeeded());
    let one_false = Txn::new().when([Compare::version("k", Equal, 2), Compare::value("k", Equal, "x")]);
    assert!(!c.txn(one_false).await.unwrap().succeeded());
    // No compare at all: success.
    assert!(c.txn(Txn::new()).await.unwrap().succeeded());
}

/// Compares on a missing key: revisions, version and lease read as 0; value compares always fail.
pub async fn compare_missing_key(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("other", "x", None).await.unwrap();
    let cases: Vec<(Compare, bool)> = vec![
        (Compare::version("nope", Equal, 0), true),
        (Compare::version("nope", Greater, 0), false),
        (Compare::create_revision("nope", Equal, 0), true),
        (Compare::create_revision("nope", Less, 1), true),
        (Compare::mod_revision("nope", Equal, 0), true),
        (Compare::mod_revision("nope", NotEqual, 0), false),
        (Compare::lease("nope", Equal, 0), true),
        (Compare::value("nope", Equal, ""), false),
        (Compare::value("nope", NotEqual, "x"), false),
        (Compare::value("nope", Greater, ""), false),
        (Compare::value("nope", Less, "zzz"), false),
    ];
    for (i, (cmp, want)) in cases.into_iter().enumerate() {
        let desc = format!("case {i}: {cmp:?}");
        assert_eq!(check(&mut c, cmp).await, want, "{desc}");
    }
    // A deleted key compares like a missing one.
    c.put("gone", "v", None).await.unwrap();
    c.delete("gone", None).await.unwrap();
    assert!(check(&mut c, Compare::create_revision("gone", Equal, 0)).await);
    assert!(!check(&mut c, Compare::value("gone", Equal, "v")).await);
}

/// Compares with a range_end: every key in the range must satisfy it.
pub async fn compare_over_range(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("r/a", "1", None).await.unwrap(); // 2
    c.put("r/b", "1", None).await.unwrap(); // 3
    c.put("r/c", "2", None).await.unwrap(); // 4
    assert!(check(&mut c, Compare::version("r/", Equal, 1).with_prefix()).await);
    assert!(!check(&mut c, Compare::value("r/", Equal, "1").with_prefix()).await);
    assert!(check(&mut c, Compare::value("r/a", Equal, "1").with_range("r/c")).await);
    assert!(check(&mut c, Compare::mod_revision("r/", Less, 5).with_prefix()).await);
    assert!(!check(&mut c, Compare::mod_revision("r/", Less, 4).with_prefix()).await);
    assert!(check(&mut c, Compare::create_revision("r/b", Greater, 2).with_range("r/d")).await);
    // An empty range behaves like a missing key.
    assert!(check(&mut c, Compare::version("s/", Equal, 0).with_prefix()).await);
    assert!(check(&mut c, Compare::mod_revision("s/", Equal, 0).with_prefix()).await);
    assert!(!check(&mut c, Compare::value("s/", NotEqual, "x").with_prefix()).await);
    // range_end "\0": every key >= key.
    assert!(check(&mut c, Compare::version("r/b", Equal, 1).with_range("\0")).await);
    c.put("z", "1", None).await.unwrap();
    c.put("z", "1", None).await.unwrap();
    assert!(!check(&mut c, Compare::version("r/b", Equal, 1).with_range("\0")).await);
}

/// Success and failure branches, responses per op, one revision for all writes.
pub async fn branches_and_shared_revision(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("x", "old", None).await.unwrap(); // rev 2
    c.put("del", "d", None).await.unwrap(); // rev 3

    let txn = Txn::new()
        .when([Compare::value("x", Equal, "old")])
        .and_then([
            TxnOp::put("x", "new", Some(PutOptions::new().with_prev_key())),
            TxnOp::put("y", "y1", None),
            TxnOp::delete("del", Some(DeleteOptions::new().with_prev_key())),
            TxnOp::get("x", None),
        ])
        .or_else([TxnOp::put("failed", "1", None)]);
    let r = c.txn(txn).await.unwrap();
    assert!(r.succeeded());
    assert_eq!(rev(r.header()), 4, "all writes in a txn share one revision");
    let ops = r.op_responses();
    assert_eq!(ops.len(), 4);
    assert_eq!(
        put_resp(&ops[0]).prev_key().map(Kv::from),
        Some(kv("x", "old", 2, 2, 1))
    );
    assert!(put_resp(&ops[1]).prev_key().is_none());
    let d = del_resp(&ops[2]);
    assert_eq!(d.deleted(), 1);
    assert_eq!(kvs(d.prev_kvs()), vec![kv("del", "d", 3, 3, 1)]);
    let g = get_resp(&ops[3]);
    assert_eq!(
        kvs(g.kvs()),
        vec![kv("x", "new", 2, 4, 2)],
        "reads see the txn's earlier writes"
    );
    assert_eq!(g.count(), 1);

    let all = c.get("", Some(GetOptions::new().with_all_keys())).await.unwrap();
    assert_eq!(kvs(all.kvs()), vec![kv("x", "new", 2, 4, 2), kv("y", "y1", 4, 4, 1)]);

    // Failure branch.
    let txn = Txn::new()
        .when([Compare::value("x", Equal, "old")])
        .and_then([TxnOp::put("never", "1", None)])
        .or_else([
            TxnOp::get("x", None),
            TxnOp::put("failed", "1", None),
            TxnOp::get("failed", None),
        ]);
    let r = c.txn(txn).await.unwrap();
    assert!(!r.succeeded());
    assert_eq!(rev(r.header()), 5);
    let ops = r.op_responses();
    assert_eq!(ops.len(), 3);
    assert_eq!(kvs(get_resp(&ops[0]).kvs()), vec![kv("x", "new", 2, 4, 2)]);
    assert_eq!(kvs(get_resp(&ops[2]).kvs()), vec![kv("failed", "1", 5, 5, 1)]);
    assert_eq!(c.get("never", None).await.unwrap().count(), 0);

    // A read-only txn and a txn with empty branches do not bump the revision.
    let r = c.txn(Txn::new().and_then([TxnOp::get("x", None)])).await.unwrap();
    assert_eq!(rev(r.header()), 5);
    let r = c
        .txn(Txn::new().when([Compare::version("x", Equal, 99)]))
        .await
        .unwrap();
    assert!(!r.succeeded());
    assert_eq!(rev(r.header()), 5);
    assert!(r.op_responses().is_empty());
    // A txn whose only write deletes nothing does not bump it either.
    let r = c
        .txn(Txn::new().and_then([TxnOp::delete("nothing", None)]))
        .await
        .unwrap();
    assert_eq!(rev(r.header()), 5);
    assert_eq!(del_resp(&r.op_responses()[0]).deleted(), 0);
    assert_eq!(current_rev(&mut c).await, 5);
}

/// Revisions reported inside a txn's per-op headers.
pub async fn op_response_headers(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("a", "1", None).await.unwrap(); // rev 2
    let txn = Txn::new().and_then([
        TxnOp::get("a", None),
        TxnOp::delete("nothing", None),
        TxnOp::put("a", "2", None),
        TxnOp::get("a", None),
        TxnOp::delete("nothing", None),
    ]);
    let r = c.txn(txn).await.unwrap();
    assert_eq!(rev(r.header()), 3);
    let ops = r.op_responses();
    let revs: Vec<i64> = vec![
        rev(get_resp(&ops[0]).header()),
        rev(del_resp(&ops[1]).header()),
        rev(put_resp(&ops[2]).header()),
        rev(get_resp(&ops[3]).header()),
        rev(del_resp(&ops[4]).header()),
    ];
    assert_eq!(revs, vec![2, 2, 3, 3, 3]);
    // Reads before the write see the old value.
    assert_eq!(kvs(get_resp(&ops[0]).kvs()), vec![kv("a", "1", 2, 2, 1)]);
    assert_eq!(kvs(get_resp(&ops[3]).kvs()), vec![kv("a", "2", 2, 3, 2)]);
}

/// Nested txns: every compare (nested ones too) is evaluated against the state
/// before the txn, while nested ops see the outer txn's earlier writes.
pub async fn nested_txn(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("n", "0", None).await.unwrap(); // rev 2
    let inner1 = Txn::new()
        .when([Compare::value("outer", Equal, "1")])
        .and_then([TxnOp::put("inner", "yes", None)])
        .or_else([TxnOp::put("inner", "no", None), TxnOp::get("outer", None)]);
    let inner2 = Txn::new()
        .when([Compare::version("outer", Equal, 0)])
        .and_then([TxnOp::get("n", None), TxnOp::delete("n", None)])
        .or_else([TxnOp::put("never", "1", None)]);
    let txn = Txn::new().when([Compare::version("n", Equal, 1)]).and_then([
        TxnOp::put("outer", "1", None),
        TxnOp::txn(inner1),
        TxnOp::txn(inner2),
    ]);
    let r = c.txn(txn).await.unwrap();
    assert!(r.succeeded());
    assert_eq!(rev(r.header()), 3);
    let ops = r.op_responses();
    assert_eq!(ops.len(), 3);
    let t1 = txn_resp(&ops[1]);
    assert!(
        !t1.succeeded(),
        "nested compares see the state before the outer txn's writes"
    );
    let inner_ops = t1.op_responses();
    assert_eq!(inner_ops.len(), 2);
    assert_eq!(
        kvs(get_resp(&inner_ops[1]).kvs()),
        vec![kv("outer", "1", 3, 3, 1)],
        "nested reads see them"
    );
    let t2 = txn_resp(&ops[2]);
    assert!(t2.succeeded());
    let inner_ops = t2.op_responses();
    assert_eq!(kvs(get_resp(&inner_ops[0]).kvs()), vec![kv("n", "0", 2, 2, 1)]);
    assert_eq!(del_resp(&inner_ops[1]).deleted(), 1);
    let all = c.get("", Some(GetOptions::new().with_all_keys())).await.unwrap();
    assert_eq!(
        kvs(all.kvs()),
        vec![kv("inner", "no", 3, 3, 1), kv("outer", "1", 3, 3, 1)]
    );
    assert_eq!(c.get("never", None).await.unwrap().count(), 0);
}

/// Conflicting writes in one txn are rejected; some overlaps are allowed.
pub async fn duplicate_keys(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("a", "1", None).await.unwrap(); // rev 2
    let dup = "etcdserver: duplicate key given in txn request";
    let bad: Vec<Txn> = vec![
        Txn::new().and_then([TxnOp::put("a", "1", None), TxnOp::put("a", "2", None)]),
        Txn::new().and_then([TxnOp::delete("a", None), TxnOp::put("a", "2", None)]),
        Txn::new().and_then([TxnOp::put("a", "2", None), TxnOp::delete("a", None)]),
        Txn::new().and_then([
            TxnOp::put("a/1", "2", None),
            TxnOp::delete("a", Some(DeleteOptions::new().with_prefix())),
        ]),
        // The failure branch is checked even when the success branch would run.
        Txn::new()
            .and_then([TxnOp::put("b", "1", None)])
            .or_else([TxnOp::put("c", "1", None), TxnOp::put("c", "2", None)]),
        // Nested puts conflict with outer puts.
        Txn::new().and_then([
            TxnOp::put("a", "1", None),
            TxnOp::txn(Txn::new().and_then([TxnOp::put("a", "2", None)])),
        ]),
        Txn::new().and_then([
            TxnOp::delete("a", None),
            TxnOp::txn(Txn::new().or_else([TxnOp::put("a", "2", None)])),
        ]),
    ];
    for (i, t) in bad.into_iter().enumerate() {
        assert_eq!(
            grpc_error(c.txn(t).await),
            (Code::InvalidArgument, dup.to_string()),
            "case {i}"
        );
    }
    // Allowed: two deletes of the same key, put + get, the same key in the two branches,
    // and the same key in both branches of one nested txn.
    let ok: Vec<Txn> = vec![
        Txn::new().and_then([TxnOp::delete("z", None), TxnOp::delete("z", None)]),
        Txn::new().and_then([TxnOp::put("a", "3", None), TxnOp::get("a", None)]),
        Txn::new()
            .and_then([TxnOp::put("a", "4", None)])
            .or_else([TxnOp::put("a", "5", None)]),
        Txn::new().and_then([TxnOp::txn(
            Txn::new()
                .and_then([TxnOp::put("q", "1", None)])
                .or_else([TxnOp::put("q", "2", None)]),
        )]),
    ];
    for (i, t) in ok.into_iter().enumerate() {
        c.txn(t).await.unwrap_or_else(|e| panic!("allowed case {i}: {e}"));
    }
    // The rejected txns wrote nothing.
    assert_eq!(c.get("c", None).await.unwrap().count(), 0);
    assert_eq!(c.get("b", None).await.unwrap().count(), 0);
}

/// At most 128 ops per branch (and 128 compares); the limit is per list, not total.
pub async fn too_many_ops(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let puts = |n: usize, p: &str| {
        (0..n)
            .map(|i| TxnOp::put(format!("{p}{i:03}"), "v", None))
            .collect::<Vec<_>>()
    };
    let r = c
        .txn(Txn::new().and_then(puts(128, "s")).or_else(puts(128, "f")))
        .await
        .unwrap();
    assert_eq!(rev(r.header()), 2);
    assert_eq!(r.op_responses().len(), 128);
    assert_eq!(
        c.get("s", Some(GetOptions::new().with_prefix().with_count_only()))
            .await
            .unwrap()
            .count(),
        128
    );

    let too_many = "etcdserver: too many operations in txn request";
    assert_grpc_error(
        c.txn(Txn::new().and_then(puts(129, "t"))).await,
        Code::InvalidArgument,
        too_many,
    );
    assert_grpc_error(
        c.txn(Txn::new().or_else(puts(129, "t"))).await,
        Code::InvalidArgument,
        too_many,
    );
    let cmps: Vec<Compare> = (0..129).map(|i| Compare::version(format!("c{i}"), Equal, 0)).collect();
    assert_grpc_error(c.txn(Txn::new().when(cmps)).await, Code::InvalidArgument, too_many);
    let gets: Vec<TxnOp> = (0..129).map(|i| TxnOp::get(format!("g{i}"), None)).collect();
    assert_grpc_error(c.txn(Txn::new().and_then(gets)).await, Code::InvalidArgument, too_many);
    assert_eq!(current_rev(&mut c).await, 2);
}

/// N clients race a compare-and-swap on the same mod_revision: one winner per round.
pub async fn cas_race(backend: Backend) {
    const CLIENTS: usize = 6;
    const ROUNDS: usize = 15;
    let (server, mut c) = start(backend, &[]).await;
    c.put("counter", "0", None).await.unwrap();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(server.client().await.unwrap());
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(CLIENTS));
    for round in 0..ROUNDS {
        let expected = round as u64;
        let g = c.get("counter", None).await.unwrap();
        let cur = g.kvs()[0].clone();
        let seen_rev = cur.mod_revision();
        let value: u64 = cur.value_str().unwrap().parse().unwrap();
        assert_eq!(value, expected, "round {round}");
        let mut tasks = Vec::new();
        for (i, client) in clients.iter().enumerate() {
            let mut client = client.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let txn = Txn::new()
                    .when([Compare::mod_revision("counter", Equal, seen_rev)])
                    .and_then([
                        TxnOp::put("counter", (value + 1).to_string(), None),
                        TxnOp::put(format!("winner/{round:02}"), i.to_string(), None),
                    ])
                    .or_else([TxnOp::get("counter", None)]);
                client.txn(txn).await.unwrap()
            }));
        }
        let mut winners = 0;
        for t in tasks {
            let r = t.await.unwrap();
            if r.succeeded() {
                winners += 1;
                assert_eq!(rev(r.header()), seen_rev + 1);
            } else {
                // Losers see the winner's write at the next revision.
                let ops = r.op_responses();
                let g = get_resp(&ops[0]);
                assert_eq!(g.kvs()[0].mod_revision(), seen_rev + 1);
                assert_eq!(g.kvs()[0].value_str().unwrap(), (value + 1).to_string());
            }
        }
        assert_eq!(winners, 1, "round {round}: exactly one CAS must win");
    }
    let g = c.get("winner/", Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!(g.count(), ROUNDS as i64);
    assert_eq!(current_rev(&mut c).await, 2 + ROUNDS as i64);
}

/// etcd 3.4 does not treat a from-key delete (range_end "\0") as overlapping a put
/// in the same txn: both run, in op order, at one revision.
pub async fn from_key_delete_and_put_in_one_txn(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("x", "1", None).await.unwrap(); // 2
    c.put("y", "1", None).await.unwrap(); // 3
    let from_a = || Some(DeleteOptions::new().with_from_key().with_prev_key());

    // put, then delete everything >= "a": the fresh put is deleted too.
    let r = c
        .txn(Txn::new().and_then([TxnOp::put("x", "2", None), TxnOp::delete("a", from_a())]))
        .await
        .unwrap();
    assert_eq!(rev(r.header()), 4);
    let d = del_resp(&r.op_responses()[1]).clone();
    assert_eq!((d.deleted(), rev(d.header())), (2, 4));
    assert_eq!(kvs(d.prev_kvs()), vec![kv("x", "2", 2, 4, 2), kv("y", "1", 3, 3, 1)]);
    assert_eq!(
        c.get("", Some(GetOptions::new().with_all_keys()))
            .await
            .unwrap()
            .count(),
        0
    );

    // delete, then put: the key is re-created at the txn's revision.
    c.put("z", "0", None).await.unwrap(); // 5
    let r = c
        .txn(Txn::new().and_then([
            TxnOp::delete("a", from_a()),
            TxnOp::put("z", "1", Some(PutOptions::new().with_prev_key())),
        ]))
        .await
        .unwrap();
    assert_eq!(rev(r.header()), 6);
    let ops = r.op_responses();
    assert_eq!(kvs(del_resp(&ops[0]).prev_kvs()), vec![kv("z", "0", 5, 5, 1)]);
    assert!(
        put_resp(&ops[1]).prev_key().is_none(),
        "the put sees the txn's own delete"
    );
    assert_eq!(kvs(c.get("z", None).await.unwrap().kvs()), vec![kv("z", "1", 6, 6, 1)]);

    // History and watchers see both events of each key at the shared revision, in op order.
    let (mut w, _) = open_watch(
        &c,
        "",
        Some(etcd_client::WatchOptions::new().with_all_keys().with_start_revision(4)),
    )
    .await;
    let mut evs = Vec::new();
    while evs.len() < 6 {
        evs.extend(events(&next_msg(&mut w).await));
    }
    assert_eq!(
        evs,
        vec![
            put_ev(kv("x", "2", 2, 4, 2)),
            del_ev("x", 4),
            del_ev("y", 4),
            put_ev(kv("z", "0", 5, 5, 1)),
            del_ev("z", 6),
            put_ev(kv("z", "1", 6, 6, 1)),
        ]
    );
    // At revision 4 nothing is alive; at 6 only z.
    assert_eq!(
        c.get("", Some(GetOptions::new().with_all_keys().with_revision(4)))
            .await
            .unwrap()
            .count(),
        0
    );
    let g = c
        .get("", Some(GetOptions::new().with_all_keys().with_revision(6)))
        .await
        .unwrap();
    assert_eq!(kvs(g.kvs()), vec![kv("z", "1", 6, 6, 1)]);
}

/// A range at a revision outside the history fails the whole txn before any op
/// is applied: future (beyond the revision before the txn) and compacted.
pub async fn range_revision_outside_history(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    for i in 0..4 {
        c.put("k", format!("v{i}"), None).await.unwrap(); // revisions 2..=5
    }
    c.compact(4, None).await.unwrap();
    let at = |rev: i64| {
        Txn::new().and_then([
            TxnOp::put("side", "effect", None),
            TxnOp::get("k", Some(GetOptions::new().with_revision(rev))),
        ])
    };
    assert_grpc_error(
        c.txn(at(6)).await,
        Code::OutOfRange,
        "etcdserver: mvcc: required revision is a future revision",
    );
    assert_grpc_error(
        c.txn(at(3)).await,
        Code::OutOfRange,
        "etcdserver: mvcc: required revision has been compacted",
    );
    // Nothing was applied by the failed txns.
    assert!(c.get("side", None).await.unwrap().kvs().is_empty());
    assert_eq!(rev(c.get("k", None).await.unwrap().header()), 5);
    // At the compaction revision and at the current one, the read works and sees
    // the state of that revision (not the txn's own put).
    let r = c.txn(at(4)).await.unwrap();
    assert_eq!(rev(r.header()), 6);
    match &r.op_responses()[1] {
        etcd_client::TxnOpResponse::Get(g) => {
            assert_eq!(g.kvs()[0].value(), b"v2");
            assert_eq!(rev(g.header()), 6);
        }
        other => panic!("expected a get response, got {other:?}"),
    }
}
