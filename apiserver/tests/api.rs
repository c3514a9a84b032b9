//! kube-apiserver against real etcd and etcd-shim: the REST semantics clients rely on, checked over HTTPS
//! with a client certificate, and the stored bytes checked by decoding raw etcd values.

use std::time::Duration;

use ferrokube_e2e::apiserver::{ApiserverProcess, target_bin};
use ferrokube_e2e::etcd::{Backend, EtcdServer};
use serde_json::{Value, json};

struct Cluster {
    etcd: EtcdServer,
    _api: ApiserverProcess,
    client: kube::Client,
}

async fn cluster(backend: Backend) -> Cluster {
    let etcd = EtcdServer::start(backend, &[]).await.expect("etcd starts");
    let api = ApiserverProcess::start(&etcd.endpoint(), &[])
        .await
        .expect("kube-apiserver starts");
    let client = api.client().await.expect("client");
    Cluster {
        etcd,
        _api: api,
        client,
    }
}

/// A raw request: (status code, body as JSON or text).
async fn call(c: &Cluster, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("Content-Type", content_type)
        .header("Accept", "application/json")
        .body(body)
        .unwrap();
    let resp = c
        .client
        .send(req.map(kube::client::Body::from))
        .await
        .expect("request sent");
    let code = resp.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (code, v)
}

async fn post(c: &Cluster, path: &str, body: Value) -> (u16, Value) {
    call(c, "POST", path, "application/json", body.to_string().into_bytes()).await
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod etcd {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Etcd).await })*
        }
        mod shim {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Shim(super::target_bin("etcd-shim"))).await })*
        }
    };
}

both_backends!(
    bootstrap_objects_exist,
    configmap_crud_and_conflicts,
    stored_values_are_upstream_protobuf,
    list_selectors_and_pagination,
    watch_from_resource_version,
    bad_requests_get_status,
    custom_resources,
    protobuf_bodies,
    events_expire_with_a_lease,
    survives_a_datastore_restart,
    delete_collection,
    watch_from_another_resources_revision,
    concurrent_kv_calls_keep_their_own_bytes,
);

/// The apiserver's KV client sends calls made at the same time in shared writes (small payloads copied
/// into one buffer, large ones written from their own): hundreds of concurrent puts and reads of sizes
/// around the copy thresholds (256 B, 1 KiB) and beyond a frame (16 KiB) must each store and read back
/// exactly their own bytes.
async fn concurrent_kv_calls_keep_their_own_bytes(backend: Backend) {
    use ferrokube_apiserver::kvclient::KvClient;
    use ferrokube_proto::etcdserverpb::{PutRequest, RangeRequest};

    let etcd = EtcdServer::start(backend, &[]).await.expect("etcd starts");
    let kv = KvClient::connect(&[etcd.endpoint()]).await.expect("connects");
    const SIZES: [usize; 9] = [1, 200, 255, 257, 900, 1023, 1024, 5_000, 70_000];
    let value = |i: usize| -> Vec<u8> {
        let n = SIZES[i % SIZES.len()];
        (0..n).map(|j| (i * 31 + j * 7) as u8).collect()
    };
    let key = |i: usize| format!("/kvtest/{i:04}");
    let mut tasks = Vec::new();
    for i in 0..400 {
        let kv = kv.clone();
        let (k, v) = (key(i), value(i));
        tasks.push(tokio::spawn(async move {
            let put = PutRequest {
                key: k.clone().into_bytes().into(),
                value: v.into(),
                ..Default::default()
            };
            kv.put(&put).await.map(drop)
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("put succeeds");
    }
    let mut tasks = Vec::new();
    for i in 0..400 {
        let kv = kv.clone();
        let k = key(i);
        tasks.push(tokio::spawn(async move {
            let req = RangeRequest {
                key: k.into_bytes().into(),
                ..Default::default()
            };
            kv.range(&req).await.map(|r| (i, r))
        }));
    }
    for t in tasks {
        let (i, resp) = t.await.unwrap().expect("range succeeds");
        assert_eq!(resp.kvs.len(), 1, "{} is stored", key(i));
        assert_eq!(resp.kvs[0].key.as_ref(), key(i).as_bytes());
        assert!(
            resp.kvs[0].value.as_ref() == value(i).as_slice(),
            "{} holds its own bytes",
            key(i)
        );
    }
}

async fn bootstrap_objects_exist(backend: Backend) {
    let c = cluster(backend).await;
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        let (code, v) = call(&c, "GET", &format!("/api/v1/namespaces/{ns}"), "", vec![]).await;
        assert_eq!(code, 200, "{v}");
        assert_eq!(v["status"]["phase"], "Active", "{v}");
    }
    let (code, svc) = call(&c, "GET", "/api/v1/namespaces/default/services/kubernetes", "", vec![]).await;
    assert_eq!(code, 200, "{svc}");
    assert_eq!(svc["spec"]["clusterIP"], "10.96.0.1");
    assert_eq!(svc["spec"]["ports"][0]["port"], 443);
    let (code, _) = call(&c, "GET", "/api/v1/namespaces/default/endpoints/kubernetes", "", vec![]).await;
    assert_eq!(code, 200);
}

async fn configmap_crud_and_conflicts(backend: Backend) {
    let c = cluster(backend).await;
    let path = "/api/v1/namespaces/default/configmaps";
    let (code, created) = post(
        &c,
        path,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}, "data": {"a": "1"}}),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    // Served in Go's field order, as upstream prints a ConfigMap.
    let (code, _, raw) = call_bytes(&c, "GET", &format!("{path}/c1"), "", "application/json", vec![]).await;
    assert_eq!(code, 200);
    let raw = String::from_utf8(raw).unwrap();
    assert!(
        raw.starts_with(
            r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c1","namespace":"default","uid":""#
        ),
        "{raw}"
    );
    assert!(
        raw.contains(r#""creationTimestamp":"#) && raw.trim_end().ends_with(r#"},"data":{"a":"1"}}"#),
        "{raw}"
    );
    // Lists too: kind, apiVersion, then ListMeta in Go's order.
    let (code, _, raw) = call_bytes(&c, "GET", &format!("{path}?limit=1"), "", "application/json", vec![]).await;
    assert_eq!(code, 200);
    let raw = String::from_utf8(raw).unwrap();
    assert!(
        raw.starts_with(r#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":""#),
        "{raw}"
    );
    assert_eq!(created["metadata"]["namespace"], "default");
    assert_eq!(created["metadata"]["uid"].as_str().unwrap().len(), 36);
    let rv = created["metadata"]["resourceVersion"].as_str().unwrap().to_string();

    let (code, dup) = post(&c, path, json!({"metadata": {"name": "c1"}})).await;
    assert_eq!(code, 409);
    assert_eq!(dup["reason"], "AlreadyExists");
    assert_eq!(dup["message"], "configmaps \"c1\" already exists");

    let mut update = created.clone();
    update["data"]["a"] = json!("2");
    let (code, updated) = call(
        &c,
        "PUT",
        &format!("{path}/c1"),
        "application/json",
        update.to_string().into_bytes(),
    )
    .await;
    assert_eq!(code, 200, "{updated}");
    assert_ne!(updated["metadata"]["resourceVersion"], rv);
    // The stale resourceVersion now conflicts, with upstream's message.
    let (code, conflict) = call(
        &c,
        "PUT",
        &format!("{path}/c1"),
        "application/json",
        update.to_string().into_bytes(),
    )
    .await;
    assert_eq!(code, 409, "{conflict}");
    assert_eq!(conflict["reason"], "Conflict");
    assert_eq!(
        conflict["message"],
        "Operation cannot be fulfilled on configmaps \"c1\": the object has been modified; please apply your changes to the latest version and try again"
    );

    let (code, patched) = call(
        &c,
        "PATCH",
        &format!("{path}/c1"),
        "application/merge-patch+json",
        br#"{"data":{"b":"3"}}"#.to_vec(),
    )
    .await;
    assert_eq!(code, 200, "{patched}");
    assert_eq!(patched["data"], json!({"a": "2", "b": "3"}));

    // Strict decoding names unknown and repeated fields in document order, as upstream does.
    let (code, strict) = call(
        &c,
        "POST",
        &format!("{path}?fieldValidation=Strict"),
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"u1","zzz":1},"data":{"k":"v"},"aaa":2,"data":{}}"#.to_vec(),
    )
    .await;
    assert_eq!(code, 400, "{strict}");
    assert_eq!(
        strict["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: json: duplicate field \"data\", unknown field \"metadata.zzz\", unknown field \"aaa\""
    );

    let (code, gone) = call(&c, "DELETE", &format!("{path}/c1"), "application/json", vec![]).await;
    assert_eq!(code, 200, "{gone}");
    assert_eq!(gone["status"], "Success");
    assert_eq!(gone["details"]["kind"], "configmaps");
    let (code, nf) = call(&c, "GET", &format!("{path}/c1"), "", vec![]).await;
    assert_eq!(code, 404);
    assert_eq!(nf["message"], "configmaps \"c1\" not found");
}

async fn stored_values_are_upstream_protobuf(backend: Backend) {
    let c = cluster(backend).await;
    let (code, _) = post(
        &c,
        "/api/v1/namespaces/default/configmaps",
        json!({"metadata": {"name": "raw"}, "data": {"k": "v"}}),
    )
    .await;
    assert_eq!(code, 201);
    let mut etcd = c.etcd.client().await.unwrap();
    let resp = etcd.get("/registry/configmaps/default/raw", None).await.unwrap();
    let value = resp.kvs()[0].value();
    assert!(
        value.starts_with(b"k8s\0"),
        "stored value is not in the protobuf envelope"
    );
    let (gvk, obj) = ferrokube_apischema::decode(value).unwrap();
    assert_eq!((gvk.version.as_str(), gvk.kind.as_str()), ("v1", "ConfigMap"));
    assert_eq!(obj["data"]["k"], "v");
    // resourceVersion is never stored; it is the key's mod revision.
    assert!(obj["metadata"].get("resourceVersion").is_none());
    // Services live under services/specs, as upstream keys them.
    let resp = etcd
        .get("/registry/services/specs/default/kubernetes", None)
        .await
        .unwrap();
    assert_eq!(resp.kvs().len(), 1);
}

async fn list_selectors_and_pagination(backend: Backend) {
    let c = cluster(backend).await;
    for i in 0..7 {
        let tier = if i % 2 == 0 { "web" } else { "db" };
        let (code, v) = post(
            &c,
            "/api/v1/namespaces/default/configmaps",
            json!({"metadata": {"name": format!("cm{i}"), "labels": {"tier": tier}}}),
        )
        .await;
        assert_eq!(code, 201, "{v}");
    }
    let (code, list) = call(
        &c,
        "GET",
        "/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dweb",
        "",
        vec![],
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(list["kind"], "ConfigMapList");
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
    let (_, list) = call(
        &c,
        "GET",
        "/api/v1/namespaces/default/configmaps?labelSelector=tier+notin+(web),tier",
        "",
        vec![],
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    let (code, bad) = call(
        &c,
        "GET",
        "/api/v1/namespaces/default/configmaps?fieldSelector=data.a%3D1",
        "",
        vec![],
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(
        bad["message"],
        "\"data.a\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
    let (_, one) = call(
        &c,
        "GET",
        "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dcm3",
        "",
        vec![],
    )
    .await;
    assert_eq!(one["items"][0]["metadata"]["name"], "cm3");

    // Pages of 3 cover everything once, in key order, with a stable resourceVersion.
    let mut names = Vec::new();
    let mut cont = String::new();
    loop {
        let (code, page) = call(
            &c,
            "GET",
            &format!("/api/v1/namespaces/default/configmaps?limit=3&continue={cont}"),
            "",
            vec![],
        )
        .await;
        assert_eq!(code, 200, "{page}");
        for item in page["items"].as_array().unwrap() {
            names.push(item["metadata"]["name"].as_str().unwrap().to_string());
        }
        match page["metadata"]["continue"].as_str() {
            Some(next) => cont = next.to_string(),
            None => break,
        }
    }
    let names: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| n.starts_with("cm"))
        .collect();
    assert_eq!(names, ["cm0", "cm1", "cm2", "cm3", "cm4", "cm5", "cm6"]);
    let (code, expired) = call(
        &c,
        "GET",
        "/api/v1/namespaces/default/configmaps?limit=3&continue=bm9wZQ",
        "",
        vec![],
    )
    .await;
    assert_eq!(code, 400, "{expired}");
}

async fn watch_from_resource_version(backend: Backend) {
    let c = cluster(backend).await;
    let (_, created) = post(
        &c,
        "/api/v1/namespaces/default/configmaps",
        json!({"metadata": {"name": "w1"}}),
    )
    .await;
    let rv = created["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    let (_, _) = call(
        &c,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/w1",
        "application/merge-patch+json",
        br#"{"data":{"x":"y"}}"#.to_vec(),
    )
    .await;
    let (_, _) = call(
        &c,
        "DELETE",
        "/api/v1/namespaces/default/configmaps/w1",
        "application/json",
        vec![],
    )
    .await;
    let req = http::Request::get(format!(
        "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=2"
    ))
    .body(Vec::new())
    .unwrap();
    let text = tokio::time::timeout(Duration::from_secs(20), c.client.request_text(req))
        .await
        .unwrap()
        .unwrap();
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["MODIFIED", "DELETED"], "{text}");
    let rvs: Vec<i64> = events
        .iter()
        .map(|e| {
            e["object"]["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(rvs[0] > rv.parse::<i64>().unwrap() && rvs[1] > rvs[0]);
}

async fn bad_requests_get_status(backend: Backend) {
    let c = cluster(backend).await;
    let path = "/api/v1/namespaces/default/configmaps";
    let (code, v) = call(&c, "POST", path, "application/json", b"{\"kind\":".to_vec()).await;
    assert_eq!((code, v["reason"].as_str()), (400, Some("BadRequest")), "{v}");
    let (code, v) = call(&c, "POST", path, "text/plain", b"hello".to_vec()).await;
    assert_eq!((code, v["reason"].as_str()), (415, Some("UnsupportedMediaType")), "{v}");
    let (code, v) = call(&c, "POST", path, "application/json", vec![b' '; 4 * 1024 * 1024]).await;
    assert_eq!(
        (code, v["reason"].as_str()),
        (413, Some("RequestEntityTooLarge")),
        "{v}"
    );
    let (code, v) = call(&c, "GET", "/apis/nope.example.com/v1/things", "", vec![]).await;
    assert_eq!(code, 404, "{v}");
    let (code, v) = post(
        &c,
        "/api/v1/namespaces/default/configmaps",
        json!({"metadata": {"name": "x", "namespace": "other"}}),
    )
    .await;
    assert_eq!(code, 400, "{v}");
    assert_eq!(
        v["message"],
        "the namespace of the provided object does not match the namespace sent on the request"
    );
    let (code, v) = post(
        &c,
        "/api/v1/namespaces/missing/configmaps",
        json!({"metadata": {"name": "x"}}),
    )
    .await;
    assert_eq!(code, 404, "{v}");
    assert_eq!(v["message"], "namespaces \"missing\" not found");
    // Still serving.
    let (code, _) = call(&c, "GET", "/api/v1/namespaces/default", "", vec![]).await;
    assert_eq!(code, 200);
}

async fn custom_resources(backend: Backend) {
    let c = cluster(backend).await;
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wg"]},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"size": {"type": "integer", "minimum": 1}, "color": {"type": "string", "default": "blue"}}},
                    "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}}}}}]}
    });
    let (code, v) = post(&c, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).await;
    assert_eq!(code, 201, "{v}");
    // The CRD becomes Established and its resource appears in discovery.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, crd) = call(
            &c,
            "GET",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
            "",
            vec![],
        )
        .await;
        let established = crd["status"]["conditions"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Established" && c["status"] == "True"));
        let (code, _) = call(&c, "GET", "/apis/example.com/v1", "", vec![]).await;
        if established && code == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "CRD not established: {crd}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let path = "/apis/example.com/v1/namespaces/default/widgets";
    let (code, w) = post(&c, path, json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 2, "bogus": 1}, "status": {"ready": true}})).await;
    assert_eq!(code, 201, "{w}");
    assert_eq!(
        w["spec"],
        json!({"size": 2, "color": "blue"}),
        "unknown fields are pruned, defaults applied"
    );
    assert!(
        w.get("status").is_none(),
        "status is set through the status subresource only"
    );
    let (code, v) = post(
        &c,
        &format!("{path}?fieldValidation=Strict"),
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w2"}, "spec": {"bogus": 1}}),
    )
    .await;
    assert_eq!(code, 400, "{v}");
    assert_eq!(
        v["message"],
        "Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.bogus\""
    );
    let (code, v) = post(
        &c,
        path,
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w3"}, "spec": {"size": 0}}),
    )
    .await;
    assert_eq!(code, 422, "{v}");
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{path}/w1"),
        "application/strategic-merge-patch+json",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(code, 415, "{v}");
    let (code, v) = call(
        &c,
        "PATCH",
        &format!("{path}/w1/status"),
        "application/merge-patch+json",
        br#"{"status":{"ready":true},"spec":{"size":9}}"#.to_vec(),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(
        (v["status"]["ready"].as_bool(), v["spec"]["size"].as_i64()),
        (Some(true), Some(2))
    );
    // Stored as JSON under the group-prefixed key, as upstream stores custom resources.
    let mut etcd = c.etcd.client().await.unwrap();
    let resp = etcd
        .get("/registry/example.com/widgets/default/w1", None)
        .await
        .unwrap();
    let stored: Value = serde_json::from_slice(resp.kvs()[0].value()).expect("custom resources are stored as JSON");
    assert_eq!(stored["kind"], "Widget");
    // Deleting the CRD deletes its objects, then the CRD.
    let (code, _) = call(
        &c,
        "DELETE",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        "application/json",
        vec![],
    )
    .await;
    assert_eq!(code, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let resp = etcd
            .get(
                "/registry/example.com/widgets/",
                Some(etcd_client::GetOptions::new().with_prefix()),
            )
            .await
            .unwrap();
        let (code, _) = call(
            &c,
            "GET",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
            "",
            vec![],
        )
        .await;
        if resp.kvs().is_empty() && code == 404 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "CRD deletion did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A raw request returning the status, content type and body bytes.
async fn call_bytes(
    c: &Cluster,
    method: &str,
    path: &str,
    content_type: &str,
    accept: &str,
    body: Vec<u8>,
) -> (u16, String, Vec<u8>) {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("Content-Type", content_type)
        .header("Accept", accept)
        .body(body)
        .unwrap();
    let resp = c
        .client
        .send(req.map(kube::client::Body::from))
        .await
        .expect("request sent");
    let code = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    (code, ct, bytes.to_vec())
}

async fn protobuf_bodies(backend: Backend) {
    const PB: &str = "application/vnd.kubernetes.protobuf";
    let c = cluster(backend).await;
    // What `kubectl create namespace` sends: a protobuf body, with every Go field written.
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "pb"}, "spec": {}, "status": {}});
    let body =
        ferrokube_apischema::encode(&ferrokube_apischema::GroupVersionKind::new("", "v1", "Namespace"), &ns).unwrap();
    let (code, ct, bytes) = call_bytes(&c, "POST", "/api/v1/namespaces", PB, PB, body).await;
    assert_eq!((code, ct.as_str()), (201, PB), "{}", String::from_utf8_lossy(&bytes));
    let (gvk, created) = ferrokube_apischema::decode(&bytes).unwrap();
    assert_eq!(gvk.kind, "Namespace");
    assert_eq!(created["status"]["phase"], "Active");
    // A Service with an unset enum (type) in protobuf is simply defaulted.
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "pb"},
        "spec": {"ports": [{"port": 80, "targetPort": 8080}], "selector": {"app": "s"}}});
    let body =
        ferrokube_apischema::encode(&ferrokube_apischema::GroupVersionKind::new("", "v1", "Service"), &svc).unwrap();
    let (code, _, bytes) = call_bytes(
        &c,
        "POST",
        "/api/v1/namespaces/pb/services",
        PB,
        "application/json",
        body,
    )
    .await;
    let created: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["spec"]["type"], "ClusterIP");
    // Lists and errors come back as protobuf too.
    let (code, ct, bytes) = call_bytes(&c, "GET", "/api/v1/namespaces/pb/services", "", PB, vec![]).await;
    assert_eq!((code, ct.as_str()), (200, PB));
    let (gvk, list) = ferrokube_apischema::decode(&bytes).unwrap();
    assert_eq!(
        (gvk.kind.as_str(), list["items"][0]["metadata"]["name"].as_str()),
        ("ServiceList", Some("s"))
    );
    let (code, _, bytes) = call_bytes(&c, "GET", "/api/v1/namespaces/pb/services/nope", "", PB, vec![]).await;
    assert_eq!(code, 404);
    let (gvk, status) = ferrokube_apischema::decode(&bytes).unwrap();
    assert_eq!(
        (gvk.kind.as_str(), status["reason"].as_str()),
        ("Status", Some("NotFound"))
    );
    // A protobuf watch: length-prefixed WatchEvent frames.
    let (code, ct, bytes) = call_bytes(
        &c,
        "GET",
        "/api/v1/namespaces/pb/services?watch=1&timeoutSeconds=1",
        "",
        PB,
        vec![],
    )
    .await;
    assert_eq!(code, 200);
    assert!(ct.starts_with(PB), "{ct}");
    let (payload, _) = ferrokube_apischema::next_frame(&bytes).expect("one frame");
    let ev = ferrokube_apischema::decode_watch_event(payload).unwrap();
    assert_eq!(
        (ev.event_type.as_str(), ev.object["metadata"]["name"].as_str()),
        ("ADDED", Some("s"))
    );
}

async fn events_expire_with_a_lease(backend: Backend) {
    let c = cluster(backend).await;
    let event = json!({"metadata": {"name": "e1"}, "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
        "reason": "Started", "message": "hi", "type": "Normal"});
    let (code, v) = post(&c, "/api/v1/namespaces/default/events", event).await;
    assert_eq!(code, 201, "{v}");
    let (code, v) = post(&c, "/apis/events.k8s.io/v1/namespaces/default/events", json!({"metadata": {"name": "e2"},
        "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "c", "reportingInstance": "i", "action": "A", "reason": "R", "type": "Normal", "regarding": {"kind": "Pod", "name": "p"}})).await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["regarding"]["name"], "p");
    let mut etcd = c.etcd.client().await.unwrap();
    let resp = etcd
        .get(
            "/registry/events/default/",
            Some(etcd_client::GetOptions::new().with_prefix()),
        )
        .await
        .unwrap();
    assert_eq!(resp.kvs().len(), 2, "events.k8s.io Events share core Events' storage");
    let lease = resp.kvs()[0].lease();
    assert_ne!(lease, 0, "Events are stored with a TTL lease (--event-ttl)");
    assert_eq!(resp.kvs()[1].lease(), lease, "writes within a minute share one lease");
    let ttl = etcd.lease_time_to_live(lease, None).await.unwrap();
    assert!(ttl.ttl() > 3600 && ttl.ttl() <= 3660, "ttl {}", ttl.ttl());
    // Other kinds are stored without a lease.
    let resp = etcd.get("/registry/namespaces/default", None).await.unwrap();
    assert_eq!(resp.kvs()[0].lease(), 0);
}

/// The datastore restarts (SIGKILL, same data and port): reads and writes work again once it is back, on new
/// connections, without restarting the apiserver.
async fn survives_a_datastore_restart(backend: Backend) {
    let mut c = cluster(backend).await;
    let cm =
        |name: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}});
    let (code, _) = post(&c, "/api/v1/namespaces/default/configmaps", cm("before")).await;
    assert_eq!(code, 201);
    c.etcd.restart().await.expect("datastore restarts");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let read = loop {
        let got = call(
            &c,
            "GET",
            "/api/v1/namespaces/default/configmaps/before",
            "application/json",
            vec![],
        )
        .await;
        if got.0 == 200 || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(read.0, 200, "GET after the restart: {}", read.1);
    assert_eq!(read.1["data"]["k"], "v");
    let created = loop {
        let got = post(&c, "/api/v1/namespaces/default/configmaps", cm("after")).await;
        // 409: a create that reached the datastore before its connection broke.
        if got.0 == 201 || got.0 == 409 || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        matches!(created.0, 201 | 409),
        "create after the restart: {}",
        created.1
    );
    let (code, list) = call(
        &c,
        "GET",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        vec![],
    )
    .await;
    assert_eq!(code, 200);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str())
        .collect();
    assert!(names.contains(&"before") && names.contains(&"after"), "{names:?}");
}

/// DELETE on a collection removes what its selector matches, and everything without one.
async fn delete_collection(backend: Backend) {
    let c = cluster(backend).await;
    let path = "/api/v1/namespaces/default/configmaps";
    for (name, tier) in [("a", "x"), ("b", "y"), ("c", "x")] {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"tier": tier}}});
        assert_eq!(post(&c, path, cm).await.0, 201);
    }
    let names = |list: &Value| -> Vec<String> {
        let mut n: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_string))
            .collect();
        n.sort();
        n
    };
    let (code, deleted) = call(
        &c,
        "DELETE",
        &format!("{path}?labelSelector=tier%3Dx"),
        "application/json",
        vec![],
    )
    .await;
    assert_eq!(code, 200, "{deleted}");
    assert_eq!(names(&deleted), ["a", "c"]);
    let (_, left) = call(&c, "GET", path, "application/json", vec![]).await;
    assert_eq!(names(&left), ["b"]);
    let (code, deleted) = call(&c, "DELETE", path, "application/json", vec![]).await;
    assert_eq!(code, 200, "{deleted}");
    assert_eq!(names(&deleted), ["b"]);
    let (_, left) = call(&c, "GET", path, "application/json", vec![]).await;
    assert_eq!(names(&left), Vec::<String>::new());
}

/// A watch on a resource nobody wrote to lately, from the resourceVersion of another resource's write (what
/// a LIST across the store returns): it opens at once and delivers the next change, as upstream's cacher does,
/// also with an etcd whose progress notifications are not trusted.
async fn watch_from_another_resources_revision(backend: Backend) {
    let c = cluster(backend).await;
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "rv-source"}});
    let (code, created) = post(&c, "/api/v1/namespaces/default/configmaps", cm).await;
    assert_eq!(code, 201);
    let rv = created["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    let path = format!("/api/v1/namespaces/default/secrets?watch=true&resourceVersion={rv}&timeoutSeconds=2");
    let started = std::time::Instant::now();
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "after-watch"}});
    let (watched, _) = tokio::join!(call(&c, "GET", &path, "application/json", vec![]), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        post(&c, "/api/v1/namespaces/default/secrets", secret).await
    });
    assert_eq!(watched.0, 200, "{}", watched.1);
    let body = watched
        .1
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| watched.1.to_string());
    assert!(body.contains("\"ADDED\"") && body.contains("after-watch"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the watch waited for the cache"
    );
}
