//! Maintenance Status, Cluster MemberList and the HTTP health endpoint.

use etcd_client::{Client, ConnectOptions, WatchOptions};
use ferrokube_e2e::etcd::Backend;

use crate::support::*;

/// Status: a version, the current revision in the header, a leader that is this member.
pub async fn status(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    c.put("a", "1", None).await.unwrap();
    c.put("b", "1", None).await.unwrap();
    let s = c.status().await.unwrap();
    let h = s.header().unwrap();
    assert_eq!(h.revision(), 3);
    assert_ne!(h.member_id(), 0);
    assert_ne!(h.cluster_id(), 0);
    assert_eq!(s.leader(), h.member_id(), "a single member leads itself");
    let parts: Vec<&str> = s.version().split('.').collect();
    assert_eq!(parts.len(), 3, "version {:?} is x.y.z", s.version());
    assert!(
        parts.iter().all(|p| p.parse::<u32>().is_ok()),
        "version {:?}",
        s.version()
    );
    assert!(s.db_size() > 0);
    assert!(s.raft_term() >= 1);
    assert!(s.errors().is_empty());
    assert!(!s.is_learner());
    // Every response carries the same member and cluster ids.
    let g = c.get("a", None).await.unwrap();
    assert_eq!(
        (g.header().unwrap().member_id(), g.header().unwrap().cluster_id()),
        (h.member_id(), h.cluster_id())
    );
}

/// MemberList: one member, this server's client URL, the header's member id.
pub async fn member_list(backend: Backend) {
    let (server, mut c) = start(backend, &[]).await;
    c.put("a", "1", None).await.unwrap();
    let member_id = c.status().await.unwrap().header().unwrap().member_id();
    let r = c.member_list().await.unwrap();
    assert_eq!(r.members().len(), 1);
    let m = &r.members()[0];
    assert_eq!(m.id(), member_id);
    assert_eq!(m.client_urls(), [server.endpoint()]);
    assert!(!m.is_learner());
    let h = r.header().unwrap();
    assert_eq!(h.member_id(), member_id);
    assert_eq!(h.revision(), 0, "etcd's cluster responses carry no revision");
}

/// /health on the metrics URL (kubeadm's liveness probe) reports healthy; /metrics serves.
pub async fn health_endpoint(backend: Backend) {
    let (server, _c): (_, Client) = start(backend, &[]).await;
    let (status, body) = http_get(&server.metrics_endpoint(), "/health").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""health":"true""#), "{body}");
    let (status, _) = http_get(&server.metrics_endpoint(), "/metrics").await;
    assert_eq!(status, 200);
}

/// Clients that send the "hasleader" metadata (the apiserver does, on watches) work.
pub async fn require_leader_metadata(backend: Backend) {
    let (server, _c) = start(backend, &[]).await;
    let opts = ConnectOptions::new()
        .with_require_leader(true)
        .with_connect_timeout(std::time::Duration::from_secs(5));
    let mut c = Client::connect([server.endpoint()], Some(opts)).await.unwrap();
    c.put("k", "v", None).await.unwrap();
    let (mut w, _) = open_watch(&c, "k", Some(WatchOptions::new().with_start_revision(1))).await;
    assert_eq!(events(&next_msg(&mut w).await), vec![put_ev(kv("k", "v", 2, 2, 1))]);
    assert_eq!(c.get("k", None).await.unwrap().count(), 1);
}

/// No alarm is raised on a healthy member; Defragment succeeds and keeps every
/// key, value and the revision, after history was compacted away.
pub async fn alarms_and_defragment(backend: Backend) {
    let (_s, mut c) = start(backend, &[]).await;
    let alarms = c
        .alarm(etcd_client::AlarmAction::Get, etcd_client::AlarmType::None, None)
        .await
        .unwrap();
    assert_eq!(alarms.alarms().len(), 0, "a healthy member has no alarms");
    let value = "v".repeat(4096);
    for round in 0..5 {
        for k in 0..50 {
            c.put(format!("d/{k}"), format!("{round}{value}"), None).await.unwrap();
        }
    }
    let before = current_rev(&mut c).await;
    c.compact(before, Some(etcd_client::CompactionOptions::new().with_physical()))
        .await
        .unwrap();
    c.defragment().await.unwrap();
    assert_eq!(current_rev(&mut c).await, before, "defragment changed the revision");
    let got = c
        .get("d/", Some(etcd_client::GetOptions::new().with_prefix()))
        .await
        .unwrap();
    assert_eq!(got.kvs().len(), 50);
    assert!(
        got.kvs()
            .iter()
            .all(|kv| kv.value() == format!("4{value}").as_bytes() && kv.version() == 5)
    );
    // Writes go on as before.
    let put = c.put("d/after", "x", None).await.unwrap();
    assert_eq!(rev(put.header()), before + 1);
}
