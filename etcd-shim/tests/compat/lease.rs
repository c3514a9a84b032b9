//! Lease service: grant, revoke, keep-alive, time-to-live, listing and expiry.

use std::time::{Duration, Instant};

use etcd_client::{GetOptions, LeaseGrantOptions, LeaseTimeToLiveOptions, PutOptions, WatchOptions};
use ferrokube_e2e::etcd::Backend;
use tonic::Code;

use crate::support::*;

fn with_id(id: i64) -> Option<LeaseGrantOptions> {
    Some(LeaseGrantOptions::new().with_id(id))
}

async fn lease_ids(c: &mut etcd_client::Client) -> Vec<i64> {
    let mut ids: Vec<i64> = c.leases().await.unwrap().leases().iter().map(|l| l.id()).collect();
    ids.sort();
    ids
}

/// Grant: server-chosen and explicit ids, duplicates, the minimum and maximum TTL.
pub async fn grant(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let g = c.lease_grant(10, None).await.unwrap();
    assert_ne!(g.id(), 0);
    assert!(g.id() > 0, "server-chosen lease ids are positive");
    assert_eq!(g.ttl(), 10);
    assert_eq!(g.error(), "");
    assert_eq!(rev(g.header()), 1, "granting does not bump the revision");
    let g2 = c.lease_grant(10, None).await.unwrap();
    assert_ne!(g2.id(), g.id());

    let g = c.lease_grant(20, with_id(42)).await.unwrap();
    assert_eq!((g.id(), g.ttl()), (42, 20));
    assert_grpc_error(
        c.lease_grant(20, with_id(42)).await,
        Code::FailedPrecondition,
        "etcdserver: lease already exists",
    );

    // TTLs below the minimum (2s for a default single-member etcd) are raised to it.
    assert_eq!(c.lease_grant(1, with_id(101)).await.unwrap().ttl(), 2);
    assert_eq!(c.lease_grant(0, with_id(102)).await.unwrap().ttl(), 2);
    assert_eq!(c.lease_grant(2, with_id(103)).await.unwrap().ttl(), 2);
    assert_eq!(c.lease_grant(3, with_id(104)).await.unwrap().ttl(), 3);
    let t = c.lease_time_to_live(101, None).await.unwrap();
    assert_eq!(t.granted_ttl(), 2);

    assert_grpc_error(
        c.lease_grant(9_000_000_001, None).await,
        Code::OutOfRange,
        "etcdserver: too large lease TTL",
    );
    assert_eq!(
        c.lease_grant(9_000_000_000, with_id(105)).await.unwrap().ttl(),
        9_000_000_000
    );
    assert_eq!(current_rev(&mut c).await, 1);
}

/// Revoke deletes the attached keys in one revision and notifies watchers.
pub async fn revoke(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let lease = c.lease_grant(60, with_id(7)).await.unwrap().id();
    c.put("l/b", "1", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap(); // 2
    c.put("l/a", "2", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap(); // 3
    c.put("l/c", "3", None).await.unwrap(); // 4
    let (mut w, _) = open_watch(&c, "l/", Some(WatchOptions::new().with_prefix().with_prev_key())).await;

    c.lease_revoke(lease).await.unwrap();
    let m = next_msg(&mut w).await;
    assert_eq!(rev(m.header()), 5);
    let mut a = del_ev("l/a", 5);
    a.prev = Some(Kv {
        lease,
        ..kv("l/a", "2", 3, 3, 1)
    });
    let mut b = del_ev("l/b", 5);
    b.prev = Some(Kv {
        lease,
        ..kv("l/b", "1", 2, 2, 1)
    });
    assert_eq!(events(&m), vec![a, b], "one revision, keys in key order");

    let g = c.get("l/", Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!(kvs(g.kvs()), vec![kv("l/c", "3", 4, 4, 1)]);
    assert_eq!(rev(g.header()), 5);
    let t = c.lease_time_to_live(lease, None).await.unwrap();
    assert_eq!((t.id(), t.ttl(), t.granted_ttl()), (lease, -1, 0));
    assert!(lease_ids(&mut c).await.is_empty());

    let not_found = "etcdserver: requested lease not found";
    assert_grpc_error(c.lease_revoke(lease).await, Code::NotFound, not_found);
    assert_grpc_error(c.lease_revoke(12345).await, Code::NotFound, not_found);
    // Attaching a key to the revoked lease fails.
    assert_grpc_error(
        c.put("l/d", "v", Some(PutOptions::new().with_lease(lease))).await,
        Code::NotFound,
        not_found,
    );

    // Revoking a lease with no keys does not bump the revision.
    let empty = c.lease_grant(60, None).await.unwrap().id();
    c.lease_revoke(empty).await.unwrap();
    assert_eq!(current_rev(&mut c).await, 5);

    // A key moved to another lease is not deleted with the first one.
    let l1 = c.lease_grant(60, with_id(1)).await.unwrap().id();
    let l2 = c.lease_grant(60, with_id(2)).await.unwrap().id();
    c.put("m", "1", Some(PutOptions::new().with_lease(l1))).await.unwrap(); // 6
    c.put("m", "2", Some(PutOptions::new().with_lease(l2))).await.unwrap(); // 7
    c.lease_revoke(l1).await.unwrap();
    assert_eq!(current_rev(&mut c).await, 7);
    assert_eq!(
        kvs(c.get("m", None).await.unwrap().kvs()),
        vec![Kv {
            lease: l2,
            ..kv("m", "2", 6, 7, 2)
        }]
    );
    let t = c
        .lease_time_to_live(l2, Some(LeaseTimeToLiveOptions::new().with_keys()))
        .await
        .unwrap();
    assert_eq!(t.keys(), [b"m".to_vec()]);
}

/// TimeToLive with and without keys, and for unknown leases.
pub async fn time_to_live(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let lease = c.lease_grant(30, with_id(5)).await.unwrap().id();
    for k in ["t/2", "t/1", "t/3"] {
        c.put(k, "v", Some(PutOptions::new().with_lease(lease))).await.unwrap();
    }
    c.put("t/3", "v", None).await.unwrap(); // detaches t/3
    let t = c
        .lease_time_to_live(lease, Some(LeaseTimeToLiveOptions::new().with_keys()))
        .await
        .unwrap();
    assert_eq!((t.id(), t.granted_ttl()), (5, 30));
    assert!((28..=30).contains(&t.ttl()), "remaining ttl {}", t.ttl());
    assert_eq!(rev(t.header()), 5);
    let mut keys: Vec<Vec<u8>> = t.keys().to_vec();
    keys.sort();
    assert_eq!(keys, vec![b"t/1".to_vec(), b"t/2".to_vec()]);
    let t = c.lease_time_to_live(lease, None).await.unwrap();
    assert!(t.keys().is_empty(), "keys only when asked");
    // Unknown lease: not an error, TTL -1.
    let t = c
        .lease_time_to_live(999, Some(LeaseTimeToLiveOptions::new().with_keys()))
        .await
        .unwrap();
    assert_eq!((t.id(), t.ttl(), t.granted_ttl(), t.keys().len()), (999, -1, 0, 0));
}

/// Leases lists every live lease.
pub async fn leases_list(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    assert!(lease_ids(&mut c).await.is_empty());
    for id in [3, 1, 2] {
        c.lease_grant(60, with_id(id)).await.unwrap();
    }
    assert_eq!(lease_ids(&mut c).await, vec![1, 2, 3]);
    c.lease_revoke(2).await.unwrap();
    assert_eq!(lease_ids(&mut c).await, vec![1, 3]);
    let r = c.leases().await.unwrap();
    assert_eq!(rev(r.header()), 1);
}

/// Keep-alive renews the lease past its TTL; unknown leases are refused.
pub async fn keep_alive(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let lease = c.lease_grant(2, with_id(9)).await.unwrap().id();
    c.put("ka", "v", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap(); // 2
    let (mut keeper, mut responses) = c.lease_keep_alive(lease).await.unwrap();
    assert_eq!(keeper.id(), lease);
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(3500) {
        keeper.keep_alive().await.unwrap();
        let r = tokio::time::timeout(WATCH_TIMEOUT, responses.message())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!((r.id(), r.ttl()), (lease, 2));
        assert_eq!(rev(r.header()), 2);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Well past the 2s TTL, the key is still there.
    assert_eq!(c.get("ka", None).await.unwrap().count(), 1);
    let t = c.lease_time_to_live(lease, None).await.unwrap();
    assert!((1..=2).contains(&t.ttl()), "renewed ttl {}", t.ttl());

    // Unknown lease: the server answers with TTL 0, which the client turns into an error.
    match c.lease_keep_alive(4242).await {
        Err(etcd_client::Error::LeaseKeepAliveError(m)) => assert_eq!(m, "lease not found"),
        other => panic!("expected a lease-not-found keep-alive error, got {other:?}"),
    }
    // Revoke ends the lease for the keeper too.
    c.lease_revoke(lease).await.unwrap();
    match c.lease_keep_alive(lease).await {
        Err(etcd_client::Error::LeaseKeepAliveError(m)) => assert_eq!(m, "lease not found"),
        other => panic!("expected a lease-not-found keep-alive error, got {other:?}"),
    }
}

/// An expiring lease deletes its keys (one revision, DELETE events) and disappears.
pub async fn expiry(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let granted = Instant::now();
    let g = c.lease_grant(1, with_id(11)).await.unwrap();
    assert_eq!(g.ttl(), 2, "TTL raised to the 2s minimum");
    let lease = g.id();
    c.put("e/1", "a", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap(); // 2
    c.put("e/2", "b", Some(PutOptions::new().with_lease(lease)))
        .await
        .unwrap(); // 3
    c.put("e/3", "c", None).await.unwrap(); // 4
    let (mut w, _) = open_watch(&c, "e/", Some(WatchOptions::new().with_prefix())).await;
    let m = match tokio::time::timeout(Duration::from_secs(6), w.message()).await {
        Ok(Ok(Some(m))) => m,
        other => panic!("no expiry event within 6s: {other:?}"),
    };
    let elapsed = granted.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1900),
        "lease expired early, after {elapsed:?}"
    );
    assert_eq!(rev(m.header()), 5);
    assert_eq!(events(&m), vec![del_ev("e/1", 5), del_ev("e/2", 5)]);
    let g = c.get("e/", Some(GetOptions::new().with_prefix())).await.unwrap();
    assert_eq!(keys(g.kvs()), ["e/3"]);
    let t = c.lease_time_to_live(lease, None).await.unwrap();
    assert_eq!(t.ttl(), -1);
    assert!(lease_ids(&mut c).await.is_empty());
    assert_eq!(current_rev(&mut c).await, 5);
}
