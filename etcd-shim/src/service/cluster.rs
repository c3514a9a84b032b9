//! The Cluster service: MemberList names the one member this server is.

use ferrokube_proto::etcdserverpb::{Member, MemberListRequest, MemberListResponse, cluster_server::Cluster};
use tonic::{Request, Response, Status};

use crate::store::Store;

pub struct ClusterService {
    pub store: Store,
    pub name: String,
    pub peer_urls: Vec<String>,
    pub client_urls: Vec<String>,
}

#[tonic::async_trait]
impl Cluster for ClusterService {
    async fn member_list(&self, _req: Request<MemberListRequest>) -> Result<Response<MemberListResponse>, Status> {
        let shared = &self.store.shared;
        let member = Member {
            id: shared.identity.member_id,
            name: self.name.clone(),
            peer_ur_ls: self.peer_urls.clone(),
            client_ur_ls: self.client_urls.clone(),
            is_learner: false,
        };
        Ok(Response::new(MemberListResponse {
            // etcd's cluster responses carry no store revision.
            header: Some(shared.header(0)),
            members: vec![member],
        }))
    }
}
