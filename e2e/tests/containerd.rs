//! The containerd harness: a private containerd starts, holds the project's images, and leaves nothing
//! behind (no socket directory, no bridge, no slot) when dropped.

use ferrokube_e2e::apiserver::target_bin;
use ferrokube_e2e::containerd::Containerd;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_with_the_images_and_cleans_up() {
    let c = Containerd::start(&target_bin("pause"))
        .await
        .expect("containerd starts");
    let images = c.ctr(&["images", "ls", "-q"]).unwrap();
    assert!(images.contains(ferrokube_images::PAUSE_IMAGE), "{images}");
    assert!(images.contains(ferrokube_images::BUSYBOX_IMAGE), "{images}");
    let address = c.address();
    assert!(address.exists());
    drop(c);
    assert!(!address.exists(), "the instance's directory is removed");
}
