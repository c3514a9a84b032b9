//! Image garbage collection, as upstream's image manager: every [`PERIOD`] (the first pass soon after
//! start) the image filesystem's usage is compared with `imageGCHighThresholdPercent`; above it, images no
//! container uses (running or dead; the sandbox image and pinned images never) are removed, least recently
//! used first, until usage is down to `imageGCLowThresholdPercent`. An image is only removed once it has
//! been unused, and known to this kubelet, for `imageMinimumGCAge`. Beyond upstream, the images the
//! node's pods name count as used too, so a pod about to start never loses its image to a pass.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use ferrokube_proto::runtime::v1 as api;

use crate::cri::Runtime;

/// Upstream's ImageGCPeriod.
pub const PERIOD: Duration = Duration::from_secs(300);
/// The first pass, once pods had a moment to start.
const FIRST_PASS: Duration = Duration::from_secs(10);

/// The policy from the configuration.
#[derive(Debug, Clone)]
pub struct Policy {
    pub high_percent: u8,
    pub low_percent: u8,
    pub min_age: Duration,
    /// Images never removed (the sandbox image).
    pub keep: Vec<String>,
}

/// What the collector remembers of each image: when it first saw it, when a container last used it.
#[derive(Debug, Default)]
pub struct Tracker {
    seen: HashMap<String, (Instant, Instant)>,
}

impl Tracker {
    /// Records the images now present and in use at `now`; forgets the ones gone.
    pub fn observe(&mut self, images: &[api::Image], in_use: &HashSet<String>, now: Instant) {
        let present: HashSet<&str> = images.iter().map(|i| i.id.as_str()).collect();
        self.seen.retain(|id, _| present.contains(id.as_str()));
        for i in images {
            let entry = self.seen.entry(i.id.clone()).or_insert((now, now));
            if in_use.contains(&i.id) {
                entry.1 = now;
            }
        }
    }

    /// The images to remove to free `to_free` bytes: unused, old enough, not kept; least recently used
    /// first.
    pub fn victims<'a>(
        &self,
        images: &'a [api::Image],
        in_use: &HashSet<String>,
        policy: &Policy,
        to_free: u64,
        now: Instant,
    ) -> Vec<&'a api::Image> {
        let mut candidates: Vec<(&api::Image, Instant)> = images
            .iter()
            .filter(|i| !in_use.contains(&i.id) && !i.pinned)
            .filter(|i| !i.repo_tags.iter().any(|t| policy.keep.contains(t)))
            .filter_map(|i| {
                let (first, last) = self.seen.get(&i.id)?;
                let old_enough =
                    now.duration_since(*first) >= policy.min_age && now.duration_since(*last) >= policy.min_age;
                old_enough.then_some((i, *last))
            })
            .collect();
        candidates.sort_by_key(|(i, last)| (*last, i.id.clone()));
        let mut freed = 0u64;
        let mut out = Vec::new();
        for (i, _) in candidates {
            if freed >= to_free {
                break;
            }
            freed += i.size;
            out.push(i);
        }
        out
    }
}

/// Bytes to free on a filesystem of `capacity` with `available` left, under `policy`; 0 below the high
/// threshold.
pub fn bytes_to_free(capacity: u64, available: u64, policy: &Policy) -> u64 {
    if capacity == 0 || policy.high_percent >= 100 {
        return 0;
    }
    let used = capacity.saturating_sub(available);
    let usage_percent = used * 100 / capacity;
    if usage_percent < u64::from(policy.high_percent) {
        return 0;
    }
    used.saturating_sub(capacity * u64::from(policy.low_percent) / 100)
}

/// An image reference as the runtime tags it: `busybox` is `docker.io/library/busybox:latest`.
pub fn normalize(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let first = name.split('/').next().unwrap_or("");
    let has_registry = name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut full = if has_registry {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    let last = full.rsplit('/').next().unwrap_or("");
    if digest.is_none() && !last.contains(':') {
        full.push_str(":latest");
    }
    match digest {
        Some(d) => format!("{full}@{d}"),
        None => full,
    }
}

/// Runs the collector until the task is dropped.
pub async fn run(runtime: Runtime, policy: Policy, pods: std::sync::Arc<crate::pods::PodManager>) {
    if policy.high_percent >= 100 {
        tracing::info!("image garbage collection disabled (imageGCHighThresholdPercent 100)");
        return;
    }
    let mut tracker = Tracker::default();
    tokio::time::sleep(FIRST_PASS).await;
    loop {
        let wanted: HashSet<String> = pods
            .pods()
            .iter()
            .flat_map(|p| p.spec.iter())
            .flat_map(|s| {
                s.containers
                    .iter()
                    .chain(s.init_containers.iter().flatten())
                    .filter_map(|c| c.image.clone())
                    .chain(s.ephemeral_containers.iter().flatten().filter_map(|c| c.image.clone()))
            })
            .map(|i| normalize(&i))
            .collect();
        if let Err(e) = pass(&runtime, &policy, &mut tracker, &wanted).await {
            tracing::warn!(error = %e, "image garbage collection failed");
        }
        tokio::time::sleep(PERIOD).await;
    }
}

async fn pass(
    runtime: &Runtime,
    policy: &Policy,
    tracker: &mut Tracker,
    wanted: &HashSet<String>,
) -> anyhow::Result<()> {
    let images = runtime.list_images(None).await?;
    let mut in_use: HashSet<String> = runtime
        .list_containers(None)
        .await?
        .into_iter()
        .map(|c| c.image_ref)
        .collect();
    in_use.extend(
        images
            .iter()
            .filter(|i| i.repo_tags.iter().chain(&i.repo_digests).any(|t| wanted.contains(t)))
            .map(|i| i.id.clone()),
    );
    let now = Instant::now();
    tracker.observe(&images, &in_use, now);
    let fs = runtime.image_fs_info().await?;
    let Some(mountpoint) = fs
        .image_filesystems
        .first()
        .and_then(|f| f.fs_id.as_ref())
        .map(|id| id.mountpoint.clone())
    else {
        return Ok(());
    };
    let stat = rustix::fs::statvfs(mountpoint.as_str())?;
    let capacity = stat.f_blocks * stat.f_frsize;
    let available = stat.f_bavail * stat.f_frsize;
    let to_free = bytes_to_free(capacity, available, policy);
    if to_free == 0 {
        return Ok(());
    }
    let mut freed = 0u64;
    for image in tracker.victims(&images, &in_use, policy, to_free, now) {
        match runtime.remove_image(&image.id).await {
            Ok(()) => {
                freed += image.size;
                tracing::info!(image = %image.id, tags = ?image.repo_tags, size = image.size, "removed an unused image");
            }
            Err(e) => tracing::warn!(image = %image.id, error = %e, "removing an unused image failed"),
        }
    }
    if freed < to_free {
        tracing::warn!(
            to_free,
            freed,
            "image garbage collection could not free enough space (upstream's FreeDiskSpaceFailed)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: &str, tag: &str, size: u64) -> api::Image {
        api::Image {
            id: id.into(),
            repo_tags: vec![tag.into()],
            size,
            ..Default::default()
        }
    }

    #[test]
    fn references_normalize_as_the_runtime_tags_them() {
        assert_eq!(normalize("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(normalize("library/busybox:1"), "docker.io/library/busybox:1");
        assert_eq!(
            normalize("ferrokube.local/busybox:1.35.0"),
            "ferrokube.local/busybox:1.35.0"
        );
        assert_eq!(normalize("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(
            normalize("registry.k8s.io/pause@sha256:ab"),
            "registry.k8s.io/pause@sha256:ab"
        );
    }

    #[test]
    fn thresholds_decide_how_much_to_free() {
        let p = Policy {
            high_percent: 85,
            low_percent: 80,
            min_age: Duration::ZERO,
            keep: vec![],
        };
        assert_eq!(bytes_to_free(1000, 200, &p), 0, "80% used is below 85%");
        assert_eq!(bytes_to_free(1000, 100, &p), 100, "90% used: down to 80%");
        assert_eq!(bytes_to_free(0, 0, &p), 0);
        let off = Policy { high_percent: 100, ..p };
        assert_eq!(bytes_to_free(1000, 0, &off), 0);
    }

    #[test]
    fn victims_are_unused_old_enough_and_least_recently_used_first() {
        let t0 = Instant::now();
        let images = vec![
            image("sha256:a", "app:1", 50),
            image("sha256:b", "old:1", 30),
            image("sha256:p", "registry.k8s.io/pause:3.10", 1),
            image("sha256:c", "tool:1", 20),
        ];
        let policy = Policy {
            high_percent: 85,
            low_percent: 80,
            min_age: Duration::from_secs(60),
            keep: vec!["registry.k8s.io/pause:3.10".into()],
        };
        let mut tracker = Tracker::default();
        let used_a: HashSet<String> = ["sha256:a".to_string(), "sha256:c".to_string()].into();
        tracker.observe(&images, &used_a, t0);
        // Too young at first.
        assert!(tracker.victims(&images, &HashSet::new(), &policy, 100, t0).is_empty());
        // c is no longer used after t0; at t0 + 100 s both b and c are unused for longer than 60 s: the
        // least recently used first (both last seen used at t0), then by id.
        let used: HashSet<String> = ["sha256:a".to_string()].into();
        tracker.observe(&images, &used, t0 + Duration::from_secs(30));
        let now = t0 + Duration::from_secs(100);
        let ids: Vec<&str> = tracker
            .victims(&images, &used, &policy, 1000, now)
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(ids, ["sha256:b", "sha256:c"]);
        // Enough freed after b.
        assert_eq!(tracker.victims(&images, &used, &policy, 10, now).len(), 1);
    }
}
