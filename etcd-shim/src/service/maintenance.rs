//! The Maintenance service: Status (what kube-apiserver's health check and
//! `etcdctl endpoint status` call), Alarm (none are ever raised), Defragment.

use ferrokube_proto::etcdserverpb::{
    AlarmRequest, AlarmResponse, DefragmentRequest, DefragmentResponse, StatusRequest, StatusResponse,
    maintenance_server::Maintenance,
};
use tonic::{Request, Response, Status};

use crate::store::Store;
use crate::store::writer::Write;

pub struct MaintenanceService {
    pub store: Store,
}

#[tonic::async_trait]
impl Maintenance for MaintenanceService {
    async fn alarm(&self, _req: Request<AlarmRequest>) -> Result<Response<AlarmResponse>, Status> {
        let shared = &self.store.shared;
        Ok(Response::new(AlarmResponse {
            header: Some(shared.header(shared.committed())),
            alarms: Vec::new(),
        }))
    }

    async fn status(&self, _req: Request<StatusRequest>) -> Result<Response<StatusResponse>, Status> {
        Ok(Response::new(self.store.shared.status()))
    }

    async fn defragment(&self, _req: Request<DefragmentRequest>) -> Result<Response<DefragmentResponse>, Status> {
        let rev = self.store.write(Write::Defragment).await?;
        Ok(Response::new(DefragmentResponse {
            header: Some(self.store.shared.header(rev)),
        }))
    }
}
