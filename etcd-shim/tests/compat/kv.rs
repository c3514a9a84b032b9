//! KV service: Range, Put and DeleteRange semantics, revisions and versions.

use etcd_client::{DeleteOptions, GetOptions, LeaseGrantOptions, PutOptions, SortOrder, SortTarget};
use ferrokube_e2e::etcd::Backend;
use tonic::Code;

use crate::support::*;

/// A fresh store is at revision 1; reading a missing key does not change it.
pub async fn fresh_store_is_revision_one(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    assert_eq!(current_rev(&mut c).await, 1);
    let r = c.get("missing", None).await.unwrap();
    assert_eq!(rev(r.header()), 1);
    assert_eq!(r.count(), 0);
    assert!(r.kvs().is_empty());
    assert!(!r.more());
}

/// create_revision / mod_revision / version through put, put, delete, put.
pub async fn put_delete_put_cycle(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let r = c.put("a", "1", None).await.unwrap();
    assert_eq!(rev(r.header()), 2);
    assert!(r.prev_key().is_none());
    let g = c.get("a", None).await.unwrap();
    assert_eq!(rev(g.header()), 2);
    assert_eq!(g.count(), 1);
    assert_eq!(kvs(g.kvs()), vec![kv("a", "1", 2, 2, 1)]);

    let r = c.put("a", "2", None).await.unwrap();
    assert_eq!(rev(r.header()), 3);
    assert_eq!(kvs(c.get("a", None).await.unwrap().kvs()), vec![kv("a", "2", 2, 3, 2)]);

    let d = c.delete("a", None).await.unwrap();
    assert_eq!(rev(d.header()), 4);
    assert_eq!(d.deleted(), 1);
    assert!(d.prev_kvs().is_empty(), "prev_kvs only when asked");
    let g = c.get("a", None).await.unwrap();
    assert_eq!((rev(g.header()), g.count()), (4, 0));

    let r = c.put("a", "3", None).await.unwrap();
    assert_eq!(rev(r.header()), 5);
    assert_eq!(kvs(c.get("a", None).await.unwrap().kvs()), vec![kv("a", "3", 5, 5, 1)]);

    // Historical reads see each generation; the header carries the current revision.
    let at = |r: i64| GetOptions::new().with_revision(r);
    let g = c.get("a", Some(at(1))).await.unwrap();
    assert_eq!((rev(g.header()), g.count()), (5, 0));
    assert_eq!(
        kvs(c.get("a", Some(at(2))).await.unwrap().kvs()),
        vec![kv("a", "1", 2, 2, 1)]
    );
    let g = c.get("a", Some(at(3))).await.unwrap();
    assert_eq!(rev(g.header()), 5);
    assert_eq!(kvs(g.kvs()), vec![kv("a", "2", 2, 3, 2)]);
    assert_eq!(c.get("a", Some(at(4))).await.unwrap().count(), 0);
    assert_eq!(
        kvs(c.get("a", Some(at(5))).await.unwrap().kvs()),
        vec![kv("a", "3", 5, 5, 1)]
    );
}

/// Deleting nothing (single key, range, prefix) does not bump the revision.
pub async fn delete_of_nothing_keeps_revision(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let d = c.delete("nope", None).await.unwrap();
    assert_eq!((rev(d.header()), d.deleted()), (1, 0));
    c.put("x", "1", None).await.unwrap();
    let d = c.delete("a", Some(DeleteOptions::new().with_range("c"))).await.unwrap();
    assert_eq!((rev(d.header()), d.deleted()), (2, 0));
    let d = c
        .delete("y", Some(DeleteOptions::new().with_prefix().with_prev_key()))
        .await
        .unwrap();
    assert_eq!((rev(d.header()), d.deleted()), (2, 0));
    assert!(d.prev_kvs().is_empty());
    assert_eq!(current_rev(&mut c).await, 2);
    // Deleting an already deleted key does nothing either.
    assert_eq!(rev(c.delete("x", None).await.unwrap().header()), 3);
    assert_eq!(rev(c.delete("x", None).await.unwrap().header()), 3);
    assert_eq!(current_rev(&mut c).await, 3);
}

async fn seed_keys(c: &mut etcd_client::Client) {
    // revisions 2..=7
    for k in ["a", "b", "b/1", "b/2", "c", "d"] {
        c.put(k, format!("v-{k}"), None).await.unwrap();
    }
}

/// Range over a single key, [key, range_end), prefixes, `\0` range ends and inverted ranges.
pub async fn range_shapes(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    seed_keys(&mut c).await;

    let g = c.get("b", None).await.unwrap();
    assert_eq!(kvs(g.kvs()), vec![kv("b", "v-b", 3, 3, 1)]);
    assert_eq!((g.count(), g.more(), rev(g.header())), (1, false, 7));

    let g = c.get("b", Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!(keys(g.kvs()), ["b", "b/1", "b/2"]);
    assert_eq!(g.count(), 3);
    let g = c.get("b/", Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!(keys(g.kvs()), ["b/1", "b/2"]);

    let g = c.get("a", Some(GetOptions::new().with_range("c"))).await.unwrap();
    assert_eq!(keys(g.kvs()), ["a", "b", "b/1", "b/2"], "range_end is exclusive");

    // range_end "\0": every key >= key.
    let g = c.get("b/1", Some(GetOptions::new().with_from_key())).await.unwrap();
    assert_eq!(keys(g.kvs()), ["b/1", "b/2", "c", "d"]);
    assert_eq!(g.count(), 4);
    // key "\0" and range_end "\0": everything.
    let g = c.get("", Some(GetOptions::new().with_all_keys())).await.unwrap();
    assert_eq!(keys(g.kvs()), ["a", "b", "b/1", "b/2", "c", "d"]);

    // range_end <= key: nothing, no error.
    let g = c.get("c", Some(GetOptions::new().with_range("a"))).await.unwrap();
    assert_eq!((g.count(), g.kvs().len(), g.more()), (0, 0, false));
    let g = c.get("c", Some(GetOptions::new().with_range("c"))).await.unwrap();
    assert_eq!((g.count(), g.kvs().len()), (0, 0));

    // A serializable read gives the same answer on a single member.
    let g = c
        .get("b", Some(GetOptions::new().with_prefix().with_serializable()))
        .await
        .unwrap();
    assert_eq!(
        (keys(g.kvs()), rev(g.header())),
        (vec!["b".to_string(), "b/1".into(), "b/2".into()], 7)
    );

    // A prefix that matches nothing.
    let g = c.get("zz", Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!((g.count(), g.kvs().len()), (0, 0));
}

/// limit truncates kvs and sets `more`; count is always the full range size.
pub async fn range_limit_more_count(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    seed_keys(&mut c).await;
    let all = || GetOptions::new().with_all_keys();

    let g = c.get("", Some(all().with_limit(2))).await.unwrap();
    assert_eq!(keys(g.kvs()), ["a", "b"]);
    assert_eq!((g.count(), g.more()), (6, true));
    let g = c.get("", Some(all().with_limit(5))).await.unwrap();
    assert_eq!((g.kvs().len(), g.count(), g.more()), (5, 6, true));
    let g = c.get("", Some(all().with_limit(6))).await.unwrap();
    assert_eq!((g.kvs().len(), g.count(), g.more()), (6, 6, false));
    let g = c.get("", Some(all().with_limit(100))).await.unwrap();
    assert_eq!((g.kvs().len(), g.count(), g.more()), (6, 6, false));

    // count_only: no kvs, `more` stays false even with a limit.
    let g = c
        .get("b", Some(GetOptions::new().with_prefix().with_count_only()))
        .await
        .unwrap();
    assert_eq!((g.kvs().len(), g.count(), g.more()), (0, 3, false));
    let g = c.get("", Some(all().with_count_only().with_limit(1))).await.unwrap();
    assert_eq!((g.kvs().len(), g.count(), g.more()), (0, 6, false));

    // keys_only: values empty, every other field intact.
    let g = c
        .get("b/", Some(GetOptions::new().with_prefix().with_keys_only()))
        .await
        .unwrap();
    assert_eq!(kvs(g.kvs()), vec![kv("b/1", "", 4, 4, 1), kv("b/2", "", 5, 5, 1)]);

    // limit after a historical revision: the range as it was.
    let g = c.get("", Some(all().with_revision(4).with_limit(2))).await.unwrap();
    assert_eq!(keys(g.kvs()), ["a", "b"]);
    assert_eq!((g.count(), g.more(), rev(g.header())), (3, true, 7));
}

/// Sorting by each target and order, including NONE order with a non-key target.
pub async fn range_sort(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    // Key order a<b<c<d; creation order d,c,b,a; versions distinct; values distinct.
    c.put("k/d", "2", None).await.unwrap(); // rev 2
    c.put("k/c", "4", None).await.unwrap(); // rev 3
    c.put("k/b", "1", None).await.unwrap(); // rev 4
    c.put("k/a", "3", None).await.unwrap(); // rev 5
    for _ in 0..3 {
        c.put("k/c", "4", None).await.unwrap(); // revs 6,7,8 -> k/c version 4
    }
    c.put("k/b", "1", None).await.unwrap(); // rev 9 -> k/b version 2
    for _ in 0..2 {
        c.put("k/a", "3", None).await.unwrap(); // revs 10,11 -> k/a version 3
    }
    // versions: a=3 b=2 c=4 d=1; create: a=5 b=4 c=3 d=2; mod: a=11 b=9 c=8 d=2

    let sorted = async |c: &mut etcd_client::Client, target, order| {
        let g = c
            .get("k/", Some(GetOptions::new().with_prefix().with_sort(target, order)))
            .await
            .unwrap();
        keys(g.kvs())
            .into_iter()
            .map(|k| k.trim_start_matches("k/").to_string())
            .collect::<Vec<_>>()
            .join("")
    };
    use SortOrder::{Ascend, Descend, None as NoOrder};
    use SortTarget::{Create, Key, Mod, Value, Version};
    assert_eq!(sorted(&mut c, Key, NoOrder).await, "abcd");
    assert_eq!(sorted(&mut c, Key, Ascend).await, "abcd");
    assert_eq!(sorted(&mut c, Key, Descend).await, "dcba");
    assert_eq!(sorted(&mut c, Version, Ascend).await, "dbac");
    assert_eq!(sorted(&mut c, Version, Descend).await, "cabd");
    assert_eq!(sorted(&mut c, Create, Ascend).await, "dcba");
    assert_eq!(sorted(&mut c, Create, Descend).await, "abcd");
    assert_eq!(sorted(&mut c, Mod, Ascend).await, "dcba");
    assert_eq!(sorted(&mut c, Mod, Descend).await, "abcd");
    assert_eq!(sorted(&mut c, Value, Ascend).await, "bdac");
    assert_eq!(sorted(&mut c, Value, Descend).await, "cadb");
    // NONE order with a non-key target sorts ascending by that target.
    assert_eq!(sorted(&mut c, Version, NoOrder).await, "dbac");
    assert_eq!(sorted(&mut c, Create, NoOrder).await, "dcba");
    assert_eq!(sorted(&mut c, Mod, NoOrder).await, "dcba");
    assert_eq!(sorted(&mut c, Value, NoOrder).await, "bdac");

    // Sort happens before limit: the top 2 by version, count still the full range.
    let g = c
        .get(
            "k/",
            Some(
                GetOptions::new()
                    .with_prefix()
                    .with_sort(Version, Descend)
                    .with_limit(2),
            ),
        )
        .await
        .unwrap();
    assert_eq!(keys(g.kvs()), ["k/c", "k/a"]);
    assert_eq!((g.count(), g.more()), (4, true));
}

/// min/max mod/create revision filters; count ignores them, `more` does not.
pub async fn range_revision_filters(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    seed_keys(&mut c).await; // a=2 b=3 b/1=4 b/2=5 c=6 d=7
    c.put("a", "again", None).await.unwrap(); // a: create 2, mod 8
    let all = || GetOptions::new().with_all_keys();
    let names = |g: &etcd_client::GetResponse| keys(g.kvs()).join(",");

    let g = c.get("", Some(all().with_min_mod_revision(6))).await.unwrap();
    assert_eq!(names(&g), "a,c,d");
    assert_eq!((g.count(), g.more()), (6, false), "count ignores the filter");
    let g = c.get("", Some(all().with_max_mod_revision(4))).await.unwrap();
    assert_eq!(names(&g), "b,b/1");
    assert_eq!(g.count(), 6);
    let g = c.get("", Some(all().with_min_create_revision(5))).await.unwrap();
    assert_eq!(names(&g), "b/2,c,d");
    let g = c.get("", Some(all().with_max_create_revision(3))).await.unwrap();
    assert_eq!(names(&g), "a,b");
    let g = c
        .get(
            "",
            Some(
                all()
                    .with_min_create_revision(3)
                    .with_max_create_revision(5)
                    .with_min_mod_revision(4),
            ),
        )
        .await
        .unwrap();
    assert_eq!(names(&g), "b/1,b/2");
    assert_eq!((g.count(), g.more()), (6, false));

    // With a limit, the filter applies first and `more` reflects filtered results.
    let g = c
        .get("", Some(all().with_min_mod_revision(5).with_limit(2)))
        .await
        .unwrap();
    assert_eq!(names(&g), "a,b/2");
    assert_eq!((g.count(), g.more()), (6, true));
    let g = c
        .get("", Some(all().with_min_mod_revision(7).with_limit(2)))
        .await
        .unwrap();
    assert_eq!(names(&g), "a,d");
    assert_eq!((g.count(), g.more()), (6, false));
}

/// Reads at the current, a historical, a future and a compacted revision.
pub async fn range_at_revision(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    for i in 1..=5 {
        c.put("k", i.to_string(), None).await.unwrap(); // revs 2..=6
    }
    let at = |r: i64| GetOptions::new().with_revision(r);
    let g = c.get("k", Some(at(6))).await.unwrap();
    assert_eq!(kvs(g.kvs()), vec![kv("k", "5", 2, 6, 5)]);
    let g = c.get("k", Some(at(3))).await.unwrap();
    assert_eq!(kvs(g.kvs()), vec![kv("k", "2", 2, 3, 2)]);
    assert_eq!(rev(g.header()), 6);
    // revision <= 0 means "latest".
    assert_eq!(
        kvs(c.get("k", Some(at(0))).await.unwrap().kvs()),
        vec![kv("k", "5", 2, 6, 5)]
    );
    assert_eq!(
        kvs(c.get("k", Some(at(-3))).await.unwrap().kvs()),
        vec![kv("k", "5", 2, 6, 5)]
    );

    let future = "etcdserver: mvcc: required revision is a future revision";
    assert_grpc_error(c.get("k", Some(at(7))).await, Code::OutOfRange, future);
    assert_grpc_error(c.get("k", Some(at(1000))).await, Code::OutOfRange, future);

    let cr = c.compact(4, None).await.unwrap();
    assert_eq!(rev(cr.header()), 6);
    let compacted = "etcdserver: mvcc: required revision has been compacted";
    assert_grpc_error(c.get("k", Some(at(3))).await, Code::OutOfRange, compacted);
    assert_grpc_error(c.get("k", Some(at(1))).await, Code::OutOfRange, compacted);
    // The compaction revision itself is still readable.
    assert_eq!(
        kvs(c.get("k", Some(at(4))).await.unwrap().kvs()),
        vec![kv("k", "3", 2, 4, 3)]
    );
    assert_eq!(
        kvs(c.get("k", Some(at(5))).await.unwrap().kvs()),
        vec![kv("k", "4", 2, 5, 4)]
    );
    // count_only at a compacted revision fails the same way.
    assert_grpc_error(
        c.get("k", Some(at(2).with_count_only())).await,
        Code::OutOfRange,
        compacted,
    );
    // Compaction does not change the current revision.
    assert_eq!(current_rev(&mut c).await, 6);
}

/// Compact: future and already-compacted revisions, and what survives.
pub async fn compact_errors(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    for i in 1..=5 {
        c.put(format!("k{i}"), "v", None).await.unwrap(); // revs 2..=6
    }
    c.delete("k1", None).await.unwrap(); // rev 7
    let future = "etcdserver: mvcc: required revision is a future revision";
    let compacted = "etcdserver: mvcc: required revision has been compacted";
    assert_grpc_error(c.compact(8, None).await, Code::OutOfRange, future);
    assert_grpc_error(c.compact(100, None).await, Code::OutOfRange, future);

    let r = c.compact(5, None).await.unwrap();
    assert_eq!(rev(r.header()), 7);
    assert_grpc_error(c.compact(5, None).await, Code::OutOfRange, compacted);
    assert_grpc_error(c.compact(3, None).await, Code::OutOfRange, compacted);
    // Compacting to the current revision is allowed, and physical waits for it.
    let r = c
        .compact(7, Some(etcd_client::CompactionOptions::new().with_physical()))
        .await
        .unwrap();
    assert_eq!(rev(r.header()), 7);
    assert_grpc_error(
        c.get("k2", Some(GetOptions::new().with_revision(6))).await,
        Code::OutOfRange,
        compacted,
    );
    // Latest data is untouched by compaction; the deleted key stays deleted.
    let g = c.get("k", Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!(keys(g.kvs()), ["k2", "k3", "k4", "k5"]);
    assert_eq!(kvs(&g.kvs()[..1]), vec![kv("k2", "v", 3, 3, 1)]);
    // Writing after compaction continues the revision sequence.
    assert_eq!(rev(c.put("k1", "again", None).await.unwrap().header()), 8);
    assert_eq!(
        kvs(c.get("k1", None).await.unwrap().kvs()),
        vec![kv("k1", "again", 8, 8, 1)]
    );
}

/// Put with prev_kv, with a lease, and a later put without the lease detaching it.
pub async fn put_prev_kv_and_lease(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let opts = || PutOptions::new().with_prev_key();
    let r = c.put("p", "1", Some(opts())).await.unwrap();
    assert!(r.prev_key().is_none(), "no prev_kv for a new key");
    let r = c.put("p", "2", Some(opts())).await.unwrap();
    assert_eq!(r.prev_key().map(Kv::from), Some(kv("p", "1", 2, 2, 1)));

    let lease = c
        .lease_grant(60, Some(LeaseGrantOptions::new().with_id(0x1234)))
        .await
        .unwrap()
        .id();
    assert_eq!(lease, 0x1234);
    let r = c.put("p", "3", Some(opts().with_lease(lease))).await.unwrap();
    assert_eq!(rev(r.header()), 4);
    let g = c.get("p", None).await.unwrap();
    assert_eq!(
        kvs(g.kvs()),
        vec![Kv {
            lease,
            ..kv("p", "3", 2, 4, 3)
        }]
    );

    // A plain put replaces the lease with none.
    let r = c.put("p", "4", Some(opts())).await.unwrap();
    assert_eq!(
        r.prev_key().map(Kv::from),
        Some(Kv {
            lease,
            ..kv("p", "3", 2, 4, 3)
        })
    );
    assert_eq!(kvs(c.get("p", None).await.unwrap().kvs()), vec![kv("p", "4", 2, 5, 4)]);

    // prev_kv after a delete is empty again.
    c.delete("p", None).await.unwrap();
    let r = c.put("p", "5", Some(opts())).await.unwrap();
    assert!(r.prev_key().is_none());
    assert_eq!(kvs(c.get("p", None).await.unwrap().kvs()), vec![kv("p", "5", 7, 7, 1)]);
}

/// ignore_value and ignore_lease keep the stored value / lease; their error cases.
pub async fn put_ignore_value_and_lease(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let lease = c
        .lease_grant(60, Some(LeaseGrantOptions::new().with_id(77)))
        .await
        .unwrap()
        .id();
    c.put("k", "orig", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap(); // rev 2

    // ignore_value keeps the value; the lease comes from the request (none).
    let r = c
        .put("k", "", Some(PutOptions::new().with_ignore_value().with_prev_key()))
        .await
        .unwrap();
    assert_eq!(rev(r.header()), 3);
    assert_eq!(
        r.prev_key().map(Kv::from),
        Some(Kv {
            lease,
            ..kv("k", "orig", 2, 2, 1)
        })
    );
    assert_eq!(
        kvs(c.get("k", None).await.unwrap().kvs()),
        vec![kv("k", "orig", 2, 3, 2)]
    );

    // ignore_value with a new lease attaches it.
    c.put("k", "", Some(PutOptions::new().with_ignore_value().with_lease(lease)))
        .await
        .unwrap();
    assert_eq!(
        kvs(c.get("k", None).await.unwrap().kvs()),
        vec![Kv {
            lease,
            ..kv("k", "orig", 2, 4, 3)
        }]
    );

    // ignore_lease keeps the lease and takes the new value.
    c.put("k", "new", Some(PutOptions::new().with_ignore_lease()))
        .await
        .unwrap();
    assert_eq!(
        kvs(c.get("k", None).await.unwrap().kvs()),
        vec![Kv {
            lease,
            ..kv("k", "new", 2, 5, 4)
        }]
    );

    // Both: a pure "touch" that bumps mod_revision and version.
    c.put("k", "", Some(PutOptions::new().with_ignore_value().with_ignore_lease()))
        .await
        .unwrap();
    assert_eq!(
        kvs(c.get("k", None).await.unwrap().kvs()),
        vec![Kv {
            lease,
            ..kv("k", "new", 2, 6, 5)
        }]
    );

    // Errors: missing key, value with ignore_value, lease with ignore_lease.
    let not_found = "etcdserver: key not found";
    assert_grpc_error(
        c.put("missing", "", Some(PutOptions::new().with_ignore_value())).await,
        Code::InvalidArgument,
        not_found,
    );
    assert_grpc_error(
        c.put("missing", "v", Some(PutOptions::new().with_ignore_lease())).await,
        Code::InvalidArgument,
        not_found,
    );
    assert_grpc_error(
        c.put("k", "v", Some(PutOptions::new().with_ignore_value())).await,
        Code::InvalidArgument,
        "etcdserver: value is provided",
    );
    assert_grpc_error(
        c.put("k", "v", Some(PutOptions::new().with_ignore_lease().with_lease(lease)))
            .await,
        Code::InvalidArgument,
        "etcdserver: lease is provided",
    );
    // A put on a lease that does not exist.
    assert_grpc_error(
        c.put("k", "v", Some(PutOptions::new().with_lease(999))).await,
        Code::NotFound,
        "etcdserver: requested lease not found",
    );
    // None of the failures moved the revision.
    assert_eq!(current_rev(&mut c).await, 6);
}

/// DeleteRange: counts, prev_kvs, one revision for the whole range.
pub async fn delete_range(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    seed_keys(&mut c).await; // a=2 b=3 b/1=4 b/2=5 c=6 d=7
    let d = c
        .delete("b", Some(DeleteOptions::new().with_prefix().with_prev_key()))
        .await
        .unwrap();
    assert_eq!((rev(d.header()), d.deleted()), (8, 3));
    assert_eq!(
        kvs(d.prev_kvs()),
        vec![
            kv("b", "v-b", 3, 3, 1),
            kv("b/1", "v-b/1", 4, 4, 1),
            kv("b/2", "v-b/2", 5, 5, 1)
        ]
    );
    // All three went at revision 8: visible at 7, gone at 8.
    let g = c
        .get("b", Some(GetOptions::new().with_prefix().with_revision(7)))
        .await
        .unwrap();
    assert_eq!(g.count(), 3);
    let d = c.delete("a", Some(DeleteOptions::new().with_range("d"))).await.unwrap();
    assert_eq!((rev(d.header()), d.deleted()), (9, 2), "deletes a and c, not d");
    let d = c
        .delete("", Some(DeleteOptions::new().with_all_keys().with_prev_key()))
        .await
        .unwrap();
    assert_eq!((rev(d.header()), d.deleted()), (10, 1));
    assert_eq!(kvs(d.prev_kvs()), vec![kv("d", "v-d", 7, 7, 1)]);
    let d = c.delete("", Some(DeleteOptions::new().with_from_key())).await.unwrap();
    assert_eq!((rev(d.header()), d.deleted()), (10, 0));
}

/// Keys and values are bytes: byte-wise ordering, non-UTF-8, NULs, 0xff prefixes.
pub async fn binary_keys_and_values(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let keys_in: Vec<Vec<u8>> = vec![
        vec![0xff, 0xff],
        vec![0x80],
        b"a\0b".to_vec(),
        vec![0xc3, 0x28],
        vec![0x01],
        vec![0xff],
        b"a".to_vec(),
        vec![0x7f],
    ];
    for (i, k) in keys_in.iter().enumerate() {
        let value = vec![0u8, 0xff, i as u8, 0xfe];
        c.put(k.clone(), value, None).await.unwrap();
    }
    let raw = |g: &etcd_client::GetResponse| g.kvs().iter().map(|k| k.key().to_vec()).collect::<Vec<_>>();
    let g = c.get("", Some(GetOptions::new().with_all_keys())).await.unwrap();
    let mut sorted = keys_in.clone();
    sorted.sort();
    assert_eq!(raw(&g), sorted, "keys sort byte-wise");
    assert_eq!(sorted[0], vec![0x01]);
    for kv in g.kvs() {
        let i = keys_in.iter().position(|k| k == kv.key()).unwrap();
        assert_eq!(kv.value(), [0u8, 0xff, i as u8, 0xfe], "value bytes round-trip");
    }
    // Prefix of 0xff has no successor, so it becomes "every key >= 0xff".
    let g = c.get(vec![0xff], Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!(raw(&g), vec![vec![0xff], vec![0xff, 0xff]]);
    let g = c.get("a", Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!(raw(&g), vec![b"a".to_vec(), b"a\0b".to_vec()]);
    let g = c
        .get(vec![0x7f], Some(GetOptions::new().with_range(vec![0xc3, 0x28])))
        .await
        .unwrap();
    assert_eq!(raw(&g), vec![vec![0x7f], vec![0x80]]);
    let g = c.get(vec![0xc3, 0x28], None).await.unwrap();
    assert_eq!((g.count(), g.kvs()[0].create_revision()), (1, 5));
}
