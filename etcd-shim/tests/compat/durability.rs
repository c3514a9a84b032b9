//! Durability: every acknowledged write, the revision counter, the compaction
//! revision, history and leases survive a SIGKILL and restart.

use std::sync::{Arc, Mutex};

use etcd_client::{
    Client, DeleteOptions, GetOptions, LeaseGrantOptions, LeaseTimeToLiveOptions, PutOptions, Txn, TxnOp, WatchOptions,
};
use ferrokube_e2e::etcd::Backend;
use tonic::Code;

use crate::support::*;

async fn all_kvs(c: &mut Client, revision: i64) -> Vec<Kv> {
    let g = c
        .get("", Some(GetOptions::new().with_all_keys().with_revision(revision)))
        .await
        .unwrap();
    kvs(g.kvs())
}

async fn replay(c: &Client, from: i64, count: usize) -> Vec<Ev> {
    let (mut w, _) = open_watch(
        c,
        "",
        Some(
            WatchOptions::new()
                .with_all_keys()
                .with_start_revision(from)
                .with_prev_key(),
        ),
    )
    .await;
    let mut evs = Vec::new();
    while evs.len() < count {
        evs.extend(events(&next_msg(&mut w).await));
    }
    assert_eq!(evs.len(), count);
    evs
}

/// Puts, txns, deletes, leases and a compaction, then kill -9 and restart.
pub async fn state_survives_kill9(backend: Backend) {
    let (mut server, mut c) = start(backend, &[]).await;
    let lease = c
        .lease_grant(300, Some(LeaseGrantOptions::new().with_id(77)))
        .await
        .unwrap()
        .id();
    let auto_lease = c.lease_grant(600, None).await.unwrap().id();
    for i in 0..30 {
        c.put(format!("d/{i:02}"), format!("v{i}"), None).await.unwrap(); // 2..=31
    }
    for i in 0..10 {
        c.put(format!("d/{i:02}"), format!("w{i}"), None).await.unwrap(); // 32..=41
    }
    c.txn(Txn::new().and_then([
        TxnOp::put("t/a", "1", None),
        TxnOp::put("t/b", "2", Some(PutOptions::new().with_lease(lease))),
        TxnOp::delete("d/29", None),
    ]))
    .await
    .unwrap(); // 42
    c.put("l/x", "leased", Some(PutOptions::new().with_lease(auto_lease)))
        .await
        .unwrap(); // 43
    c.delete("d/2", Some(DeleteOptions::new().with_prefix())).await.unwrap(); // 44: d/20..d/28
    c.compact(40, None).await.unwrap();
    c.put("d/00", "after-compact", None).await.unwrap(); // 45

    let revision = current_rev(&mut c).await;
    assert_eq!(revision, 45);
    let latest = all_kvs(&mut c, 0).await;
    let at_40 = all_kvs(&mut c, 40).await;
    let at_43 = all_kvs(&mut c, 43).await;
    let history = replay(&c, 40, 2 + 3 + 1 + 9 + 1).await;
    // prev_kv for the event at the compaction revision would need a compacted
    // revision, so etcd leaves it out; the next event's prev_kv is still there.
    assert_eq!(history[0].kv, kv("d/08", "w8", 10, 40, 2));
    assert_eq!(history[0].prev, None);
    assert_eq!(history[1].prev, Some(kv("d/09", "v9", 11, 11, 1)));

    server.kill9();
    server.restart().await.unwrap();
    let mut c = server.client().await.unwrap();

    assert_eq!(current_rev(&mut c).await, revision);
    assert_eq!(all_kvs(&mut c, 0).await, latest);
    assert_eq!(all_kvs(&mut c, 40).await, at_40);
    assert_eq!(all_kvs(&mut c, 43).await, at_43);
    assert_eq!(replay(&c, 40, history.len()).await, history);
    let compacted = "etcdserver: mvcc: required revision has been compacted";
    assert_grpc_error(
        c.get("d/00", Some(GetOptions::new().with_revision(39))).await,
        Code::OutOfRange,
        compacted,
    );
    assert_grpc_error(c.compact(40, None).await, Code::OutOfRange, compacted);

    let mut ids: Vec<i64> = c.leases().await.unwrap().leases().iter().map(|l| l.id()).collect();
    ids.sort();
    let mut want = vec![lease, auto_lease];
    want.sort();
    assert_eq!(ids, want);
    let t = c
        .lease_time_to_live(lease, Some(LeaseTimeToLiveOptions::new().with_keys()))
        .await
        .unwrap();
    assert_eq!(t.granted_ttl(), 300);
    assert!(t.ttl() > 0 && t.ttl() <= 300);
    assert_eq!(t.keys(), [b"t/b".to_vec()]);
    let t = c
        .lease_time_to_live(auto_lease, Some(LeaseTimeToLiveOptions::new().with_keys()))
        .await
        .unwrap();
    assert_eq!(t.keys(), [b"l/x".to_vec()]);
    // An explicit id still collides after restart; the revoke still deletes the key.
    assert_grpc_error(
        c.lease_grant(10, Some(LeaseGrantOptions::new().with_id(77))).await,
        Code::FailedPrecondition,
        "etcdserver: lease already exists",
    );
    c.lease_revoke(lease).await.unwrap(); // 46
    assert_eq!(c.get("t/b", None).await.unwrap().count(), 0);

    // The revision sequence continues.
    let r = c.put("d/new", "x", None).await.unwrap();
    assert_eq!(rev(r.header()), revision + 2);
    // A second crash keeps the post-restart writes too.
    server.kill9();
    server.restart().await.unwrap();
    let mut c = server.client().await.unwrap();
    assert_eq!(current_rev(&mut c).await, revision + 2);
    assert_eq!(
        kvs(c.get("d/new", None).await.unwrap().kvs()),
        vec![kv("d/new", "x", 47, 47, 1)]
    );
}

/// Writes acknowledged while a concurrent writer is running survive a kill -9 mid-stream.
pub async fn acknowledged_writes_survive(backend: Backend) {
    let (mut server, mut c) = start(backend, &[]).await;
    let acked: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
    let mut writers = Vec::new();
    for t in 0..3 {
        let mut client = server.client().await.unwrap();
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let key = format!("a/{t}/{i:05}");
                let txn = Txn::new().and_then([
                    TxnOp::put(key.as_str(), "v", None),
                    TxnOp::put(format!("last/{t}"), key.as_str(), None),
                ]);
                match client.txn(txn).await {
                    Ok(r) => acked.lock().unwrap().push((key, rev(r.header()))),
                    Err(_) => return,
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < 150 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    server.kill9();
    for w in writers {
        w.await.unwrap();
    }
    server.restart().await.unwrap();
    c = {
        drop(c);
        server.client().await.unwrap()
    };
    let acked = acked.lock().unwrap().clone();
    let max_acked = acked.iter().map(|(_, r)| *r).max().unwrap();
    assert!(current_rev(&mut c).await >= max_acked);
    let g = c.get("a/", Some(GetOptions::new().with_prefix())).await.unwrap();
    let stored: std::collections::HashMap<String, Kv> = kvs(g.kvs()).into_iter().map(|k| (k.key.clone(), k)).collect();
    for (key, revision) in &acked {
        let k = stored
            .get(key)
            .unwrap_or_else(|| panic!("acknowledged write {key} at revision {revision} lost"));
        assert_eq!((k.create, k.modified, k.version), (*revision, *revision, 1), "{key}");
    }
    // Each writer's keys form a prefix of its sequence: nothing after a gap.
    for t in 0..3 {
        let prefix = format!("a/{t}/");
        let mut idx: Vec<usize> = stored
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|i| i.parse().unwrap())
            .collect();
        idx.sort();
        assert_eq!(idx, (0..idx.len()).collect::<Vec<_>>(), "writer {t}");
    }
}
