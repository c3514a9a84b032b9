//! The Lease service: grant, revoke, keep-alive stream, time-to-live, list.

use std::pin::Pin;

use ferrokube_proto::etcdserverpb::{
    LeaseGrantRequest, LeaseGrantResponse, LeaseKeepAliveRequest, LeaseKeepAliveResponse, LeaseLeasesRequest,
    LeaseLeasesResponse, LeaseRevokeRequest, LeaseRevokeResponse, LeaseStatus, LeaseTimeToLiveRequest,
    LeaseTimeToLiveResponse, lease_server::Lease,
};
use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::store::Store;
use crate::store::writer::Write;

pub struct LeaseService {
    pub store: Store,
}

#[tonic::async_trait]
impl Lease for LeaseService {
    async fn lease_grant(&self, req: Request<LeaseGrantRequest>) -> Result<Response<LeaseGrantResponse>, Status> {
        let r = req.into_inner();
        let resp = self
            .store
            .write(|reply| Write::LeaseGrant {
                id: r.id,
                ttl: r.ttl,
                reply,
            })
            .await?;
        Ok(Response::new(resp))
    }

    async fn lease_revoke(&self, req: Request<LeaseRevokeRequest>) -> Result<Response<LeaseRevokeResponse>, Status> {
        let id = req.into_inner().id;
        let rev = self.store.write(|reply| Write::LeaseRevoke { id, reply }).await?;
        Ok(Response::new(LeaseRevokeResponse {
            header: Some(self.store.shared.header(rev)),
        }))
    }

    type LeaseKeepAliveStream = Pin<Box<dyn Stream<Item = Result<LeaseKeepAliveResponse, Status>> + Send + 'static>>;

    async fn lease_keep_alive(
        &self,
        req: Request<Streaming<LeaseKeepAliveRequest>>,
    ) -> Result<Response<Self::LeaseKeepAliveStream>, Status> {
        let mut incoming = req.into_inner();
        let (tx, rx) = mpsc::channel(16);
        let shared = self.store.shared.clone();
        tokio::spawn(async move {
            while let Ok(Some(r)) = incoming.message().await {
                // etcd answers a keep-alive for an unknown lease with TTL 0.
                let ttl = shared.lease_keep_alive(r.id).unwrap_or(0);
                let resp = LeaseKeepAliveResponse {
                    header: Some(shared.header(shared.committed())),
                    id: r.id,
                    ttl,
                };
                if tx.send(Ok(resp)).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn lease_time_to_live(
        &self,
        req: Request<LeaseTimeToLiveRequest>,
    ) -> Result<Response<LeaseTimeToLiveResponse>, Status> {
        let r = req.into_inner();
        let shared = &self.store.shared;
        let header = Some(shared.header(shared.committed()));
        // etcd answers TTL -1 for a lease that does not exist.
        let resp = match shared.lease_time_to_live(r.id) {
            Some((ttl, granted_ttl, keys)) => LeaseTimeToLiveResponse {
                header,
                id: r.id,
                ttl,
                granted_ttl,
                keys: if r.keys {
                    keys.into_iter().map(Into::into).collect()
                } else {
                    Vec::new()
                },
            },
            None => LeaseTimeToLiveResponse {
                header,
                id: r.id,
                ttl: -1,
                ..Default::default()
            },
        };
        Ok(Response::new(resp))
    }

    async fn lease_leases(&self, _req: Request<LeaseLeasesRequest>) -> Result<Response<LeaseLeasesResponse>, Status> {
        let shared = &self.store.shared;
        let leases = shared.lease_ids().into_iter().map(|id| LeaseStatus { id }).collect();
        Ok(Response::new(LeaseLeasesResponse {
            header: Some(shared.header(shared.committed())),
            leases,
        }))
    }
}
