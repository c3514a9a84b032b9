//! What the apiserver creates at start (upstream's bootstrap controller): the default namespaces, the
//! `kubernetes` Service with its Endpoints and EndpointSlice, and the allocator state rebuilt from the
//! stored Services.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ferrokube_apimachinery::status::StatusReason;
use serde_json::{Value, json};

use crate::apiserver::{ApiResult, Apiserver};
use crate::store::WriteOptions;

pub const DEFAULT_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Runs the bootstrap until it succeeds, then marks the server ready.
pub async fn run(api: Arc<Apiserver>) {
    api.start_caches().await;
    tokio::spawn(crate::crd::run(api.clone()));
    let mut delay = Duration::from_millis(200);
    loop {
        match bootstrap(&api).await {
            Ok(()) => {
                api.ready.store(true, Ordering::Relaxed);
                tracing::info!("bootstrap done: default namespaces and the kubernetes Service exist");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e.message, "bootstrap failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn ensure(api: &Apiserver, group: &str, version: &str, plural: &str, ns: &str, obj: Value) -> ApiResult<()> {
    let Some(spec) = api.resource(group, version, plural) else {
        return Ok(());
    };
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    if api.get(&spec, ns, name, "").await.is_ok() {
        return Ok(());
    }
    match api.create(&spec, ns, obj, &WriteOptions::default()).await {
        Ok(_) => Ok(()),
        Err(s) if s.reason == StatusReason::AlreadyExists => Ok(()),
        Err(s) => Err(s),
    }
}

async fn bootstrap(api: &Apiserver) -> ApiResult<()> {
    // Repair: everything stored Services hold is taken before anything new is allocated.
    if let Some(svc_spec) = api.resource("", "v1", "services") {
        let listed = api.list(&svc_spec, &Default::default()).await?;
        for e in &listed.items {
            if let Ok(svc) = serde_json::from_slice::<Value>(&e.json) {
                let (ips, ports) = crate::services::held(&svc);
                api.allocator.restore(ips, ports);
            }
        }
    }
    for ns in DEFAULT_NAMESPACES {
        ensure(api, "", "v1", "namespaces", "", json!({"metadata": {"name": ns}})).await?;
    }
    let port = api.config.listen.port();
    let ip = api.config.advertise_address.to_string();
    let cluster_ip = api.config.service_cidr.first().to_string();
    ensure(
        api,
        "",
        "v1",
        "services",
        "default",
        json!({
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {
                "ports": [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": port}],
                "clusterIP": cluster_ip,
                "type": "ClusterIP",
                "sessionAffinity": "None",
            },
        }),
    )
    .await?;
    ensure(
        api,
        "",
        "v1",
        "endpoints",
        "default",
        json!({
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": ip}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}],
        }),
    )
    .await?;
    ensure(
        api,
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "default",
        json!({
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": true}}],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        }),
    )
    .await?;
    Ok(())
}
