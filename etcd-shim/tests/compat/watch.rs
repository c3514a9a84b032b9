//! Watch service: create/cancel, history replay, ranges, filters, multiplexing,
//! ordering, resumption, compaction and progress notifications.

use std::{collections::BTreeMap, time::Duration};

use etcd_client::{DeleteOptions, PutOptions, Txn, TxnOp, WatchFilterType, WatchOptions, WatchStream};
use ferrokube_e2e::etcd::Backend;

use crate::support::*;

/// Reads messages until `total` events have arrived, grouped by watch id.
async fn collect_by_id(stream: &mut WatchStream, total: usize) -> BTreeMap<i64, Vec<Ev>> {
    let mut got: BTreeMap<i64, Vec<Ev>> = BTreeMap::new();
    let mut n = 0;
    while n < total {
        let m = next_msg(stream).await;
        assert!(!m.created() && !m.canceled(), "unexpected control message {m:?}");
        let evs = events(&m);
        assert!(!evs.is_empty(), "unexpected empty message {m:?}");
        n += evs.len();
        got.entry(m.watch_id()).or_default().extend(evs);
    }
    assert_eq!(n, total, "more events than expected: {got:?}");
    got
}

/// Asserts no message arrives for a short while.
async fn assert_quiet(stream: &mut WatchStream) {
    if let Some(m) = maybe_msg(stream, Duration::from_millis(300)).await {
        panic!("unexpected watch message {m:?}");
    }
}

/// The created response, live events, per-revision batching and delete events.
pub async fn events_and_headers(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("other", "x", None).await.unwrap(); // rev 2
    let (mut w, created) = open_watch(&c, "a", None).await;
    assert_eq!(created.watch_id(), 0, "watch ids start at 0 on each stream");
    assert_eq!(rev(created.header()), 2);
    assert!(!created.canceled());
    assert_eq!(created.compact_revision(), 0);
    assert!(created.events().is_empty());

    c.put("a", "1", None).await.unwrap(); // 3
    c.put("b", "x", None).await.unwrap(); // 4
    c.delete("a", None).await.unwrap(); // 5
    let m = next_msg(&mut w).await;
    assert_eq!(
        (m.watch_id(), rev(m.header()), m.created(), m.canceled()),
        (0, 3, false, false)
    );
    assert_eq!(events(&m), vec![put_ev(kv("a", "1", 3, 3, 1))]);
    let m = next_msg(&mut w).await;
    assert_eq!(rev(m.header()), 5);
    assert_eq!(events(&m), vec![del_ev("a", 5)]);

    // A prefix watcher gets a txn's events in one message, in op order, at one revision.
    let (mut pw, created) = open_watch(&c, "t/", Some(WatchOptions::new().with_prefix())).await;
    assert_eq!((created.watch_id(), rev(created.header())), (0, 5));
    c.txn(Txn::new().and_then([
        TxnOp::put("t/b", "1", None),
        TxnOp::put("t/a", "2", None),
        TxnOp::put("zz", "3", None),
    ]))
    .await
    .unwrap(); // 6
    let m = next_msg(&mut pw).await;
    assert_eq!(rev(m.header()), 6);
    assert_eq!(
        events(&m),
        vec![put_ev(kv("t/b", "1", 6, 6, 1)), put_ev(kv("t/a", "2", 6, 6, 1))]
    );
    // A range delete: one message, events in key order.
    c.delete("t/", Some(DeleteOptions::new().with_prefix())).await.unwrap(); // 7
    let m = next_msg(&mut pw).await;
    assert_eq!(rev(m.header()), 7);
    assert_eq!(events(&m), vec![del_ev("t/a", 7), del_ev("t/b", 7)]);
    // A put with a lease carries it in the event.
    let lease = c.lease_grant(60, None).await.unwrap().id();
    c.put("t/l", "v", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap(); // 8
    let m = next_msg(&mut pw).await;
    assert_eq!(
        events(&m),
        vec![put_ev(Kv {
            lease,
            ..kv("t/l", "v", 8, 8, 1)
        })]
    );
    assert_quiet(&mut w).await;
}

/// start_revision replays history (one message, header at the current revision),
/// then continues live; a future start_revision waits for that revision.
pub async fn start_revision_replay(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    for v in ["1", "2", "3"] {
        c.put("k", v, None).await.unwrap(); // 2,3,4
    }
    c.put("other", "x", None).await.unwrap(); // 5
    c.delete("k", None).await.unwrap(); // 6

    let (mut w, created) = open_watch(&c, "k", Some(WatchOptions::new().with_start_revision(3))).await;
    assert_eq!((created.watch_id(), rev(created.header())), (0, 6));
    let m = next_msg(&mut w).await;
    assert_eq!(rev(m.header()), 6, "replayed history carries the current revision");
    assert_eq!(
        events(&m),
        vec![
            put_ev(kv("k", "2", 2, 3, 2)),
            put_ev(kv("k", "3", 2, 4, 3)),
            del_ev("k", 6)
        ]
    );
    c.put("k", "4", None).await.unwrap(); // 7
    let m = next_msg(&mut w).await;
    assert_eq!(rev(m.header()), 7);
    assert_eq!(events(&m), vec![put_ev(kv("k", "4", 7, 7, 1))]);

    // From revision 1: the whole history, with prev_kv filled in from history.
    let (mut w, _) = open_watch(
        &c,
        "k",
        Some(WatchOptions::new().with_start_revision(1).with_prev_key()),
    )
    .await;
    let m = next_msg(&mut w).await;
    assert_eq!(rev(m.header()), 7);
    let mut e2 = put_ev(kv("k", "2", 2, 3, 2));
    e2.prev = Some(kv("k", "1", 2, 2, 1));
    let mut e3 = put_ev(kv("k", "3", 2, 4, 3));
    e3.prev = Some(kv("k", "2", 2, 3, 2));
    let mut d = del_ev("k", 6);
    d.prev = Some(kv("k", "3", 2, 4, 3));
    assert_eq!(
        events(&m),
        vec![put_ev(kv("k", "1", 2, 2, 1)), e2, e3, d, put_ev(kv("k", "4", 7, 7, 1))]
    );

    // A start revision in the future: nothing until the store reaches it.
    let (mut w, created) = open_watch(&c, "k", Some(WatchOptions::new().with_start_revision(9))).await;
    assert_eq!(rev(created.header()), 7);
    c.put("k", "5", None).await.unwrap(); // 8
    assert_quiet(&mut w).await;
    c.put("k", "6", None).await.unwrap(); // 9
    let m = next_msg(&mut w).await;
    assert_eq!(events(&m), vec![put_ev(kv("k", "6", 7, 9, 3))]);
}

/// Prefix, [key, range_end) and from-key watchers on one stream each see their keys.
pub async fn prefix_range_and_from_key(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let (mut w, created) = open_watch(&c, "p/", Some(WatchOptions::new().with_prefix())).await;
    assert_eq!(created.watch_id(), 0);
    assert_eq!(
        add_watch(&mut w, "b", Some(WatchOptions::new().with_range("d")))
            .await
            .watch_id(),
        1
    );
    assert_eq!(
        add_watch(&mut w, "m", Some(WatchOptions::new().with_from_key()))
            .await
            .watch_id(),
        2
    );
    for k in ["p/1", "c", "a", "z", "b", "d", "p"] {
        c.put(k, "v", None).await.unwrap(); // 2..=8
    }
    let got = collect_by_id(&mut w, 1 + 2 + 3).await;
    assert_eq!(got[&0], vec![put_ev(kv("p/1", "v", 2, 2, 1))]);
    assert_eq!(
        got[&1],
        vec![put_ev(kv("c", "v", 3, 3, 1)), put_ev(kv("b", "v", 6, 6, 1))]
    );
    assert_eq!(
        got[&2],
        vec![
            put_ev(kv("p/1", "v", 2, 2, 1)),
            put_ev(kv("z", "v", 5, 5, 1)),
            put_ev(kv("p", "v", 8, 8, 1))
        ]
    );
    assert_quiet(&mut w).await;
}

/// prev_kv, NOPUT and NODELETE; fully filtered revisions send nothing.
pub async fn prev_kv_and_filters(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let (mut w, _) = open_watch(&c, "f", Some(WatchOptions::new().with_prev_key())).await;
    add_watch(
        &mut w,
        "f",
        Some(WatchOptions::new().with_filters([WatchFilterType::NoPut])),
    )
    .await;
    add_watch(
        &mut w,
        "f",
        Some(WatchOptions::new().with_filters([WatchFilterType::NoDelete])),
    )
    .await;
    c.put("f", "1", None).await.unwrap(); // 2
    c.put("f", "2", None).await.unwrap(); // 3
    c.delete("f", None).await.unwrap(); // 4
    c.put("f", "3", None).await.unwrap(); // 5
    let got = collect_by_id(&mut w, 4 + 1 + 3).await;
    let with_prev = |mut e: Ev, p: Option<Kv>| {
        e.prev = p;
        e
    };
    assert_eq!(
        got[&0],
        vec![
            put_ev(kv("f", "1", 2, 2, 1)),
            with_prev(put_ev(kv("f", "2", 2, 3, 2)), Some(kv("f", "1", 2, 2, 1))),
            with_prev(del_ev("f", 4), Some(kv("f", "2", 2, 3, 2))),
            put_ev(kv("f", "3", 5, 5, 1)),
        ]
    );
    assert_eq!(got[&1], vec![del_ev("f", 4)]);
    assert_eq!(
        got[&2],
        vec![
            put_ev(kv("f", "1", 2, 2, 1)),
            put_ev(kv("f", "2", 2, 3, 2)),
            put_ev(kv("f", "3", 5, 5, 1))
        ]
    );
    assert_quiet(&mut w).await;
}

/// Cancel: the response, no events afterwards, unknown ids ignored, ids not reused,
/// explicit watch ids and duplicates.
pub async fn cancel_and_watch_ids(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("x", "1", None).await.unwrap(); // rev 2
    let (mut w, _) = open_watch(&c, "a", None).await; // id 0
    assert_eq!(add_watch(&mut w, "b", None).await.watch_id(), 1);
    w.cancel(0).await.unwrap();
    let m = next_msg(&mut w).await;
    assert_eq!(
        (m.watch_id(), m.canceled(), m.created(), rev(m.header())),
        (0, true, false, 2)
    );
    assert_eq!(m.cancel_reason(), "");
    assert!(m.events().is_empty());

    // Cancelling an unknown id sends nothing.
    w.cancel(42).await.unwrap();
    c.put("a", "1", None).await.unwrap(); // 3, nobody watches it any more
    c.put("b", "1", None).await.unwrap(); // 4
    let m = next_msg(&mut w).await;
    assert_eq!(m.watch_id(), 1);
    assert_eq!(events(&m), vec![put_ev(kv("b", "1", 4, 4, 1))]);

    // Ids are not reused after cancel.
    assert_eq!(add_watch(&mut w, "a", None).await.watch_id(), 2);

    // Explicit ids; automatic ids skip ids in use.
    let (mut w2, created) = open_watch(&c, "a", Some(WatchOptions::new().with_watch_id(1))).await;
    assert_eq!(created.watch_id(), 1);
    assert_eq!(add_watch(&mut w2, "a", None).await.watch_id(), 0);
    assert_eq!(add_watch(&mut w2, "a", None).await.watch_id(), 2);
    assert_eq!(
        add_watch(&mut w2, "a", Some(WatchOptions::new().with_watch_id(100)))
            .await
            .watch_id(),
        100
    );
    // A duplicate explicit id: created and canceled at once, with a reason.
    w2.watch("a", Some(WatchOptions::new().with_watch_id(1))).await.unwrap();
    let m = next_msg(&mut w2).await;
    assert_eq!(
        (m.created(), m.canceled(), m.watch_id(), rev(m.header())),
        (true, true, -1, 4)
    );
    assert_eq!(
        m.cancel_reason(),
        "mvcc: duplicate watch ID provided on the WatchStream"
    );
    // The stream keeps working.
    c.put("a", "2", None).await.unwrap(); // 5
    let got = collect_by_id(&mut w2, 4).await;
    assert_eq!(got.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2, 100]);
}

/// Many watchers on one stream each get exactly their own events.
pub async fn many_watchers_one_stream(backend: Backend) {
    const N: usize = 20;
    let (_s, mut c) = start(backend, &[]).await;
    let (mut w, _) = open_watch(&c, "w/00", None).await;
    for i in 1..N {
        let id = add_watch(&mut w, &format!("w/{i:02}"), None).await.watch_id();
        assert_eq!(id, i as i64);
    }
    assert_eq!(
        add_watch(&mut w, "w/", Some(WatchOptions::new().with_prefix()))
            .await
            .watch_id(),
        N as i64
    );
    let mut expected: BTreeMap<i64, Vec<Ev>> = BTreeMap::new();
    let mut revision = 1;
    for round in 0..3 {
        for i in 0..N {
            let key = format!("w/{i:02}");
            c.put(key.as_str(), format!("r{round}"), None).await.unwrap();
            revision += 1;
            let create = 2 + i as i64;
            let e = put_ev(kv(&key, &format!("r{round}"), create, revision, round + 1));
            expected.entry(i as i64).or_default().push(e.clone());
            expected.entry(N as i64).or_default().push(e);
        }
    }
    let got = collect_by_id(&mut w, 2 * 3 * N).await;
    assert_eq!(got, expected);
    assert_quiet(&mut w).await;
}

/// Under concurrent writers, a watcher sees every revision once, in order, no gaps;
/// a replay from history afterwards sees the identical sequence.
pub async fn ordering_under_concurrent_writers(backend: Backend) {
    const WRITERS: usize = 4;
    const PUTS: usize = 50;
    let (server, mut c) = start(backend, &[]).await;
    let (mut w, created) = open_watch(&c, "", Some(WatchOptions::new().with_all_keys())).await;
    let start_rev = rev(created.header());
    assert_eq!(start_rev, 1);
    let mut tasks = Vec::new();
    for t in 0..WRITERS {
        let mut client = server.client().await.unwrap();
        tasks.push(tokio::spawn(async move {
            for i in 0..PUTS {
                client.put(format!("w{t}"), i.to_string(), None).await.unwrap();
            }
        }));
    }
    let total = WRITERS * PUTS;
    let mut live: Vec<Ev> = Vec::new();
    while live.len() < total {
        let m = next_msg(&mut w).await;
        let evs = events(&m);
        assert!(!evs.is_empty());
        assert!(
            rev(m.header()) >= evs.last().unwrap().kv.modified,
            "header behind its events: {m:?}"
        );
        live.extend(evs);
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(live.len(), total);
    let revs: Vec<i64> = live.iter().map(|e| e.kv.modified).collect();
    let want: Vec<i64> = (start_rev + 1..=start_rev + total as i64).collect();
    assert_eq!(revs, want, "every revision exactly once, in order");
    for t in 0..WRITERS {
        let key = format!("w{t}");
        let seq: Vec<String> = live
            .iter()
            .filter(|e| e.kv.key == key)
            .map(|e| e.kv.value.clone())
            .collect();
        let want: Vec<String> = (0..PUTS).map(|i| i.to_string()).collect();
        assert_eq!(seq, want, "writer {t}'s puts in order");
        let versions: Vec<i64> = live.iter().filter(|e| e.kv.key == key).map(|e| e.kv.version).collect();
        assert_eq!(versions, (1..=PUTS as i64).collect::<Vec<_>>());
    }
    assert_quiet(&mut w).await;
    assert_eq!(current_rev(&mut c).await, start_rev + total as i64);

    let (mut replay, _) = open_watch(&c, "", Some(WatchOptions::new().with_all_keys().with_start_revision(1))).await;
    let mut replayed = Vec::new();
    while replayed.len() < total {
        replayed.extend(events(&next_msg(&mut replay).await));
    }
    assert_eq!(replayed, live);
}

/// After a disconnect, a new watch from last-seen + 1 resumes with no gap or duplicate.
pub async fn resume_after_reconnect(backend: Backend) {
    let (server, mut c) = start(backend, &[]).await;
    let last_seen = {
        let watcher = server.client().await.unwrap();
        let (mut w, _) = open_watch(&watcher, "r/", Some(WatchOptions::new().with_prefix())).await;
        for i in 0..5 {
            c.put(format!("r/{i}"), "a", None).await.unwrap(); // 2..=6
        }
        let mut seen = Vec::new();
        while seen.len() < 5 {
            seen.extend(events(&next_msg(&mut w).await));
        }
        seen.last().unwrap().kv.modified
        // stream and client dropped here
    };
    assert_eq!(last_seen, 6);
    for i in 5..8 {
        c.put(format!("r/{i}"), "b", None).await.unwrap(); // 7,8,9
    }
    c.delete("r/0", None).await.unwrap(); // 10
    c.put("s/unrelated", "x", None).await.unwrap(); // 11

    let fresh = server.client().await.unwrap();
    let (mut w, created) = open_watch(
        &fresh,
        "r/",
        Some(WatchOptions::new().with_prefix().with_start_revision(last_seen + 1)),
    )
    .await;
    assert_eq!(rev(created.header()), 11);
    let mut got = Vec::new();
    while got.len() < 4 {
        got.extend(events(&next_msg(&mut w).await));
    }
    assert_eq!(
        got,
        vec![
            put_ev(kv("r/5", "b", 7, 7, 1)),
            put_ev(kv("r/6", "b", 8, 8, 1)),
            put_ev(kv("r/7", "b", 9, 9, 1)),
            del_ev("r/0", 10)
        ]
    );
    assert_quiet(&mut w).await;
}

/// Watching from a compacted revision: created, then canceled with compact_revision.
pub async fn compacted_start_revision(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    for i in 1..=5 {
        c.put("k", i.to_string(), None).await.unwrap(); // 2..=6
    }
    c.compact(4, None).await.unwrap();
    let (mut w, created) = open_watch(&c, "k", Some(WatchOptions::new().with_start_revision(2))).await;
    assert_eq!(
        (created.watch_id(), created.canceled(), rev(created.header())),
        (0, false, 6)
    );
    let m = next_msg(&mut w).await;
    assert_eq!(
        (m.watch_id(), m.canceled(), m.created(), m.compact_revision()),
        (0, true, false, 4)
    );
    assert_eq!(m.cancel_reason(), "");
    assert_eq!(
        rev(m.header()),
        0,
        "etcd sends the compaction cancel with header revision 0"
    );
    assert!(m.events().is_empty());

    // The stream survives; watching from the compaction revision itself works.
    let created = add_watch(&mut w, "k", Some(WatchOptions::new().with_start_revision(4))).await;
    assert_eq!(created.watch_id(), 1);
    let m = next_msg(&mut w).await;
    assert_eq!(m.watch_id(), 1);
    assert_eq!(
        events(&m),
        vec![
            put_ev(kv("k", "3", 2, 4, 3)),
            put_ev(kv("k", "4", 2, 5, 4)),
            put_ev(kv("k", "5", 2, 6, 5))
        ]
    );
    // It then continues live.
    c.put("k", "6", None).await.unwrap(); // 7
    let m = next_msg(&mut w).await;
    assert_eq!((m.watch_id(), events(&m)), (1, vec![put_ev(kv("k", "6", 2, 7, 6))]));
}

/// Periodic progress notifications go only to watchers that asked for them.
pub async fn progress_notify_periodic(backend: Backend) {
    let (_s, mut c) = start(backend, &["--experimental-watch-progress-notify-interval=1s"]).await;
    c.put("x", "1", None).await.unwrap(); // rev 2
    let (mut w, _) = open_watch(&c, "a", None).await; // id 0: no progress
    let created = add_watch(&mut w, "b", Some(WatchOptions::new().with_progress_notify())).await;
    assert_eq!(created.watch_id(), 1);
    let t0 = std::time::Instant::now();
    let mut notifications = 0;
    while t0.elapsed() < Duration::from_millis(2600) {
        let Some(m) = maybe_msg(&mut w, Duration::from_millis(200)).await else {
            continue;
        };
        assert_eq!(
            (m.watch_id(), m.created(), m.canceled(), m.compact_revision()),
            (1, false, false, 0),
            "{m:?}"
        );
        assert!(m.events().is_empty());
        assert_eq!(rev(m.header()), 2);
        notifications += 1;
    }
    assert!(
        (1..=3).contains(&notifications),
        "expected about 2 notifications in 2.6s at a 1s interval, got {notifications}"
    );
    // Progress follows the store revision, including writes the watcher does not see.
    c.put("x", "2", None).await.unwrap(); // 3
    let m = next_msg(&mut w).await;
    assert_eq!((m.watch_id(), rev(m.header())), (1, 3));
    assert!(m.events().is_empty());
}

/// On-demand progress (WatchProgressRequest): one response for the stream with
/// watch_id -1 and the current revision.
pub async fn progress_request(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("x", "1", None).await.unwrap(); // rev 2
    let (mut w, _) = open_watch(&c, "a", None).await;
    add_watch(&mut w, "b", None).await;
    w.request_progress().await.unwrap();
    let m = next_msg(&mut w).await;
    assert_eq!(
        (m.watch_id(), m.created(), m.canceled(), rev(m.header())),
        (-1, false, false, 2),
        "{m:?}"
    );
    assert!(m.events().is_empty());
    assert_quiet(&mut w).await;

    c.put("a", "1", None).await.unwrap(); // 3
    c.put("x", "2", None).await.unwrap(); // 4
    let m = next_msg(&mut w).await;
    assert_eq!(events(&m), vec![put_ev(kv("a", "1", 3, 3, 1))]);
    w.request_progress().await.unwrap();
    let m = next_msg(&mut w).await;
    assert_eq!((m.watch_id(), rev(m.header())), (-1, 4));
}

/// A progress request on a stream whose only watcher was canceled still answers.
pub async fn progress_request_without_watchers(backend: Backend) {
    let (_s, c) = start(backend, &[]).await;
    let (mut w, _) = open_watch(&c, "a", None).await;
    w.cancel(0).await.unwrap();
    assert!(next_msg(&mut w).await.canceled());
    w.request_progress().await.unwrap();
    let m = next_msg(&mut w).await;
    assert_eq!((m.watch_id(), rev(m.header())), (-1, 1));
}

/// Reads every event of `stream` until `n` have arrived; returns their mod revisions.
async fn drain_revisions(stream: &mut WatchStream, n: usize) -> Vec<i64> {
    let mut revs = Vec::with_capacity(n);
    while revs.len() < n {
        let m = next_msg(stream).await;
        assert!(!m.canceled(), "watcher canceled: {m:?}");
        revs.extend(m.events().iter().map(|e| e.kv().expect("event kv").mod_revision()));
    }
    revs
}

/// A watcher that does not read while thousands of revisions are committed (so
/// flow control stops its stream and the server must hold back or catch up),
/// and a watcher replaying thousands of revisions from history, both get every
/// event exactly once, in order.
pub async fn slow_watcher_and_long_replay(backend: Backend) {
    const PUTS: i64 = 3000;
    let is_shim = matches!(backend, Backend::Shim(_));
    let (server, mut c) = start(backend, &[]).await;
    let value = "x".repeat(1024);
    let (mut slow, created) = open_watch(&c, "slow/", Some(WatchOptions::new().with_prefix())).await;
    let first = rev(created.header()) + 1;
    for i in 0..PUTS {
        c.put(format!("slow/{}", i % 50), value.as_str(), None).await.unwrap();
    }
    let expected: Vec<i64> = (first..first + PUTS).collect();
    assert_eq!(
        drain_revisions(&mut slow, PUTS as usize).await,
        expected,
        "slow watcher"
    );
    assert!(
        maybe_msg(&mut slow, Duration::from_millis(300)).await.is_none(),
        "extra events"
    );
    if is_shim {
        // The shim's stream must really have fallen behind its event buffer.
        let (_, metrics) = http_get(&server.metrics_endpoint(), "/metrics").await;
        let catch_ups = metrics
            .lines()
            .find_map(|l| l.strip_prefix("etcd_shim_watch_catch_ups_total "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        assert!(catch_ups > 0, "the slow watcher never caught up from disk:\n{metrics}");
    }

    let opts = WatchOptions::new()
        .with_prefix()
        .with_start_revision(first)
        .with_prev_key();
    let (mut replay, _) = open_watch(&c, "slow/", Some(opts)).await;
    let mut revs = Vec::new();
    let mut with_prev = 0;
    while revs.len() < PUTS as usize {
        let m = next_msg(&mut replay).await;
        for e in m.events() {
            revs.push(e.kv().unwrap().mod_revision());
            with_prev += usize::from(e.prev_kv().is_some());
        }
    }
    assert_eq!(revs, expected, "replayed watcher");
    // The first put of each of the 50 keys has no previous value.
    assert_eq!(with_prev, PUTS as usize - 50);
}
