//! kube-rs against kube-apiserver: a reflector stays in sync through many writes, large lists paginate,
//! and watches resume (or relist after 410) across an apiserver restart.

use std::collections::BTreeMap;
use std::time::Duration;

use ferrokube_e2e::apiserver::{ApiserverProcess, target_bin};
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};

async fn start() -> (EtcdServer, ApiserverProcess, kube::Client) {
    let etcd = EtcdServer::start(Backend::Shim(target_bin("etcd-shim")), &[])
        .await
        .unwrap();
    let api = ApiserverProcess::start(&etcd.endpoint(), &[]).await.unwrap();
    let client = api.client().await.unwrap();
    (etcd, api, client)
}

fn cm(name: &str, value: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        data: Some(BTreeMap::from([("v".to_string(), value.to_string())])),
        ..Default::default()
    }
}

/// Waits until the reflector's store holds exactly `want` (name → value).
async fn converge(store: &reflector::Store<ConfigMap>, want: &BTreeMap<String, String>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let got: BTreeMap<String, String> = store
            .state()
            .iter()
            .map(|c| {
                (
                    c.metadata.name.clone().unwrap(),
                    c.data.as_ref().and_then(|d| d.get("v").cloned()).unwrap_or_default(),
                )
            })
            .collect();
        if &got == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "reflector did not converge: {} objects, want {}",
            got.len(),
            want.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_stays_in_sync_through_1000_writes() {
    let (_etcd, _api, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let (store, writer) = reflector::store();
    let stream = reflector(writer, watcher(cms.clone(), watcher::Config::default()));
    let task = tokio::spawn(stream.applied_objects().for_each(|_| async {}));
    store.wait_until_ready().await.unwrap();

    let mut want = BTreeMap::new();
    for i in 0..100 {
        cms.create(&PostParams::default(), &cm(&format!("c{i}"), "0"))
            .await
            .unwrap();
        want.insert(format!("c{i}"), "0".to_string());
    }
    // 1,000 writes: updates through merge patches, and deletes of every third object.
    let mut writes = 100;
    let mut round = 1;
    while writes < 1000 {
        for i in 0..100 {
            let name = format!("c{i}");
            if !want.contains_key(&name) {
                continue;
            }
            if round == 3 && i % 3 == 0 {
                cms.delete(&name, &DeleteParams::default()).await.unwrap();
                want.remove(&name);
            } else {
                let patch = serde_json::json!({"data": {"v": round.to_string()}});
                cms.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                    .unwrap();
                want.insert(name, round.to_string());
            }
            writes += 1;
            if writes >= 1000 {
                break;
            }
        }
        round += 1;
    }
    converge(&store, &want).await;
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginated_list_of_5000() {
    let (_etcd, _api, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    futures::stream::iter(0..5000)
        .map(|i| {
            let cms = cms.clone();
            async move { cms.create(&PostParams::default(), &cm(&format!("p{i:04}"), "x")).await }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut lp = ListParams::default().limit(500);
    let mut pages = 0;
    let mut list_rv = None;
    loop {
        let page = cms.list(&lp).await.unwrap();
        pages += 1;
        if let Some(rv) = &list_rv {
            // Continuations are served at the first page's resourceVersion.
            assert_eq!(page.metadata.resource_version.as_ref(), Some(rv));
        }
        list_rv = page.metadata.resource_version.clone();
        seen.extend(page.items.into_iter().filter_map(|c| c.metadata.name));
        match page.metadata.continue_ {
            Some(c) if !c.is_empty() => lp = lp.continue_token(&c),
            _ => break,
        }
    }
    assert_eq!(pages, 10);
    let expected: Vec<String> = (0..5000).map(|i| format!("p{i:04}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_recovers_across_apiserver_restart() {
    let (_etcd, mut api, client) = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let (store, writer) = reflector::store();
    let stream = reflector(
        writer,
        watcher(cms.clone(), watcher::Config::default()).default_backoff(),
    );
    let task = tokio::spawn(stream.applied_objects().for_each(|_| async {}));
    store.wait_until_ready().await.unwrap();
    let mut want = BTreeMap::new();
    for i in 0..20 {
        cms.create(&PostParams::default(), &cm(&format!("r{i}"), "a"))
            .await
            .unwrap();
        want.insert(format!("r{i}"), "a".to_string());
    }
    converge(&store, &want).await;

    api.restart().await.unwrap();
    // Changes made after the restart reach the same reflector: it resumes from its last
    // resourceVersion, or relists after a 410.
    let cms2: Api<ConfigMap> = Api::namespaced(api.client().await.unwrap(), "default");
    for i in 0..20 {
        if i % 2 == 0 {
            cms2.delete(&format!("r{i}"), &DeleteParams::default()).await.unwrap();
            want.remove(&format!("r{i}"));
        } else {
            let patch = serde_json::json!({"data": {"v": "b"}});
            cms2.patch(&format!("r{i}"), &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .unwrap();
            want.insert(format!("r{i}"), "b".to_string());
        }
    }
    cms2.create(&PostParams::default(), &cm("after", "c")).await.unwrap();
    want.insert("after".into(), "c".into());
    converge(&store, &want).await;
    task.abort();
}
