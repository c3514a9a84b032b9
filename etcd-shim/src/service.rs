//! The gRPC services: thin adapters from etcd's v3 RPCs to the store. Each checks
//! what etcd checks before a request is proposed, then calls the store.

pub mod cluster;
pub mod kv;
pub mod lease;
pub mod maintenance;
pub mod watch;

use prost::Message;
use tonic::Status;

use crate::error::EtcdError;

/// Request size limits, as etcd applies them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `--max-request-bytes`: larger write requests get "request is too large".
    pub max_request_bytes: usize,
}

/// etcd's allowance on top of `--max-request-bytes` for the gRPC receive limit.
pub const GRPC_OVERHEAD_BYTES: usize = 512 * 1024;

impl Limits {
    /// Largest message gRPC accepts, as etcd configures grpc-go.
    pub fn max_recv(&self) -> usize {
        self.max_request_bytes + GRPC_OVERHEAD_BYTES
    }

    /// The decoder's hard limit: twice `max_recv`, so that messages between the two
    /// get grpc-go's exact error from [`Limits::check`] while memory stays bounded.
    pub fn decode_limit(&self) -> usize {
        self.max_recv() * 2
    }

    /// Rejects a write request the way etcd does when it is too big.
    pub fn check(&self, msg: &impl Message) -> Result<(), Status> {
        let size = msg.encoded_len();
        if size > self.max_recv() {
            return Err(EtcdError::MessageTooLarge {
                size,
                max: self.max_recv(),
            }
            .into());
        }
        if size > self.max_request_bytes {
            return Err(EtcdError::RequestTooLarge.into());
        }
        Ok(())
    }
}

/// Runs blocking store work off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EtcdError> + Send + 'static,
) -> Result<T, Status> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(Status::from),
        Err(e) => Err(Status::internal(format!("request task failed: {e}"))),
    }
}
