//! The errors etcd's v3 API answers with, with etcd's exact gRPC codes and
//! messages, and their single mapping to `tonic::Status`.

use tonic::{Code, Status};

use crate::store::backend::BackendError;

/// A failed etcd request, as a client sees it.
#[derive(Debug, thiserror::Error)]
pub enum EtcdError {
    #[error("etcdserver: mvcc: required revision has been compacted")]
    Compacted,
    #[error("etcdserver: mvcc: required revision is a future revision")]
    FutureRev,
    #[error("etcdserver: key is not provided")]
    EmptyKey,
    #[error("etcdserver: key not found")]
    KeyNotFound,
    #[error("etcdserver: value is provided")]
    ValueProvided,
    #[error("etcdserver: lease is provided")]
    LeaseProvided,
    #[error("etcdserver: too many operations in txn request")]
    TooManyOps,
    #[error("etcdserver: duplicate key given in txn request")]
    DuplicateKey,
    #[error("etcdserver: request is too large")]
    RequestTooLarge,
    #[error("etcdserver: requested lease not found")]
    LeaseNotFound,
    #[error("etcdserver: lease already exists")]
    LeaseExists,
    #[error("etcdserver: too large lease TTL")]
    LeaseTtlTooLarge,
    /// grpc-go's wording for a message over the server's receive limit.
    #[error("grpc: received message larger than max ({size} vs. {max})")]
    MessageTooLarge { size: usize, max: usize },
    #[error("etcdserver: server stopped")]
    Stopped,
    #[error("etcdserver: storage failure: {0}")]
    Backend(#[from] BackendError),
    #[error("etcdserver: defragment failed: {0}")]
    Defragment(String),
}

impl EtcdError {
    pub fn code(&self) -> Code {
        match self {
            EtcdError::Compacted | EtcdError::FutureRev | EtcdError::LeaseTtlTooLarge => Code::OutOfRange,
            EtcdError::EmptyKey
            | EtcdError::KeyNotFound
            | EtcdError::ValueProvided
            | EtcdError::LeaseProvided
            | EtcdError::TooManyOps
            | EtcdError::DuplicateKey
            | EtcdError::RequestTooLarge => Code::InvalidArgument,
            EtcdError::MessageTooLarge { .. } => Code::ResourceExhausted,
            EtcdError::LeaseNotFound => Code::NotFound,
            EtcdError::LeaseExists => Code::FailedPrecondition,
            EtcdError::Stopped => Code::Unavailable,
            EtcdError::Backend(_) | EtcdError::Defragment(_) => Code::Internal,
        }
    }
}

impl From<EtcdError> for Status {
    fn from(e: EtcdError) -> Status {
        Status::new(e.code(), e.to_string())
    }
}
