//! `kubelet`: registers this machine as a Node, keeps its status and heartbeat Lease current, and (as the
//! pod lifecycle lands) runs the pods bound to it on the CRI runtime. See kubelet/README.md.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use ferrokube_kubelet::config::{Config, Flags};
use ferrokube_kubelet::cri::{CriMetrics, Runtime};
use ferrokube_kubelet::node::{Machine, NodeAgent, node_ip};

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::parse();
    flags.logging.init();
    match run(flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kubelet: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Connects to the runtime, waiting for it: the kubelet may start before containerd.
async fn connect_runtime(config: &Config, metrics: Arc<CriMetrics>) -> anyhow::Result<Runtime> {
    ferrokube_kubelet::cri::socket_path(&config.container_runtime_endpoint)?;
    let mut logged = false;
    loop {
        match Runtime::connect(
            &config.container_runtime_endpoint,
            config.runtime_request_timeout,
            metrics.clone(),
        )
        .await
        {
            Ok(rt) => match rt.version().await {
                Ok(_) => return Ok(rt),
                Err(e) if !logged => {
                    tracing::warn!(error = %e, "container runtime not answering yet; waiting");
                    logged = true;
                }
                Err(_) => {}
            },
            Err(e) if !logged => {
                tracing::warn!(error = %e, "container runtime not reachable yet; waiting");
                logged = true;
            }
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn run(flags: Flags) -> anyhow::Result<()> {
    let config = Arc::new(Config::load(&flags)?);
    if !config.ignored_fields.is_empty() {
        tracing::warn!(fields = ?config.ignored_fields, "config file fields this kubelet does not act on yet");
    }
    let kubeconfig = match (&config.kubeconfig, &config.bootstrap_kubeconfig) {
        (Some(k), _) if k.exists() => k.clone(),
        (Some(k), Some(b)) => anyhow::bail!(
            "{} does not exist and TLS bootstrapping with --bootstrap-kubeconfig {} is not implemented yet: \
             give the kubelet a kubeconfig with a client certificate",
            k.display(),
            b.display()
        ),
        (Some(k), None) => anyhow::bail!("--kubeconfig {} does not exist", k.display()),
        (None, _) => {
            anyhow::bail!("--kubeconfig is required: this kubelet does not run standalone (without an apiserver) yet")
        }
    };

    let metrics = Arc::new(CriMetrics::new());
    let mut registry = prometheus_client::registry::Registry::default();
    metrics.register(&mut registry);
    let registry = Arc::new(registry);

    let runtime = connect_runtime(&config, metrics.clone()).await?;
    let version = runtime.version().await?;
    tracing::info!(runtime = %version.runtime_name, version = %version.runtime_version, "container runtime connected");
    if let Some(image) = &config.sandbox_image
        && runtime.image_status(image).await?.is_none()
    {
        tracing::warn!(%image, "the sandbox image (--pod-infra-container-image) is not in the runtime; pods will not start");
    }

    let kc = kube::config::Kubeconfig::read_from(&kubeconfig)
        .with_context(|| format!("reading {}", kubeconfig.display()))?;
    let client_config = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
        .await
        .with_context(|| format!("loading {}", kubeconfig.display()))?;
    let client = kube::Client::try_from(client_config).context("building the API client")?;

    let ip = node_ip(&config);
    let pressure: Arc<ferrokube_kubelet::eviction::Pressure> = Arc::default();
    let agent = Arc::new(NodeAgent {
        pressure: pressure.clone(),
        machine: Machine::probe(&config.root_dir),
        ip,
        runtime_version: format!("{}://{}", version.runtime_name, version.runtime_version),
        config: config.clone(),
        client: client.clone(),
        runtime: runtime.clone(),
    });
    let pods = ferrokube_kubelet::pods::PodManager::new(
        ferrokube_kubelet::podconfig::NodeContext {
            node_name: config.node_name.clone(),
            root_dir: config.root_dir.clone(),
            node_ip: ip.to_string(),
            cgroup_root: config.cgroup_root.clone(),
            pod_logs_dir: config.pod_logs_dir.clone(),
            cluster_dns: config.cluster_dns.clone(),
            cluster_domain: config.cluster_domain.clone(),
        },
        client.clone(),
        runtime.clone(),
        config.static_pod_path.clone(),
        pressure,
    );

    let healthz: SocketAddr = format!("{}:{}", config.healthz_bind_address, config.healthz_port)
        .parse()
        .with_context(|| {
            format!(
                "healthzBindAddress {:?} is not an IP address",
                config.healthz_bind_address
            )
        })?;
    let (bound, _ops) = ferrokube_component_base::ops_server::serve(
        healthz,
        registry.clone(),
        Arc::new(|| Ok(())),
        ferrokube_component_base::shutdown::signal_received(),
    )
    .await?;
    tracing::info!(%bound, "serving /healthz and /metrics");

    let (cert, key) = ferrokube_kubelet::server::serving_files(&config, ip)?;
    let tls = ferrokube_component_base::tls::server_config(
        &cert,
        &key,
        config.authentication.client_ca_file.as_deref(),
        &[b"h2", b"http/1.1"],
    )
    .context(
        "loading the node server's certificate (tlsCertFile, tlsPrivateKeyFile, authentication.x509.clientCAFile)",
    )?;
    let listener = ferrokube_kubelet::server::bind(&config).await?;
    tracing::info!(address = %listener.local_addr()?, "node server listening");
    let node_server = Arc::new(ferrokube_kubelet::server::NodeServer {
        auth: ferrokube_kubelet::server::Auth::new(&config, client.clone()),
        pods: pods.clone(),
        runtime: runtime.clone(),
        registry: registry.clone(),
        node_name: config.node_name.clone(),
        root_dir: config.root_dir.clone(),
        sampler: Default::default(),
    });

    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(node_server.serve(listener, tls)));
    // Registration waits for the apiserver, which may not exist yet (kubeadm starts it as a static pod of
    // this kubelet): nothing else waits for it.
    if config.register_node {
        let agent = agent.clone();
        tasks.push(tokio::spawn(async move {
            let node = agent.register().await;
            let uid = node.metadata.uid.unwrap_or_default();
            agent.run_lease(uid).await;
        }));
    }
    tasks.push(tokio::spawn(agent.clone().run_status()));
    tasks.push(tokio::spawn(ferrokube_kubelet::imagegc::run(
        runtime.clone(),
        ferrokube_kubelet::imagegc::Policy {
            high_percent: config.image_gc_high_percent,
            low_percent: config.image_gc_low_percent,
            min_age: config.image_minimum_gc_age,
            keep: vec![
                config
                    .sandbox_image
                    .clone()
                    .unwrap_or_else(|| "registry.k8s.io/pause:3.10".to_string()),
            ],
        },
        pods.clone(),
    )));
    tasks.push(tokio::spawn(ferrokube_kubelet::eviction::run(
        pods.clone(),
        ferrokube_kubelet::eviction::Thresholds {
            memory_available: config.eviction_hard.get("memory.available").cloned(),
            nodefs_available: config.eviction_hard.get("nodefs.available").cloned(),
            memory_total: agent.machine.memory_bytes,
            root_dir: config.root_dir.clone(),
        },
    )));
    tasks.push(tokio::spawn(pods.run()));

    ferrokube_component_base::shutdown::signal_received().await;
    tracing::info!("shutting down");
    for t in tasks {
        t.abort();
    }
    Ok(())
}
