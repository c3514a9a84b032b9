//! The Watch service: one task per stream (see [`crate::watch`]).

use std::pin::Pin;

use ferrokube_proto::etcdserverpb::{WatchRequest, WatchResponse, watch_server::Watch};
use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::store::Store;
use crate::watch::{self, WatchConfig};

/// Responses queued per stream before a slow client makes the stream wait
/// (and, past the store's event buffer, catch up from disk).
const STREAM_QUEUE: usize = 128;

pub struct WatchService {
    pub store: Store,
    pub cfg: WatchConfig,
}

#[tonic::async_trait]
impl Watch for WatchService {
    type WatchStream = Pin<Box<dyn Stream<Item = Result<WatchResponse, Status>> + Send + 'static>>;

    async fn watch(&self, req: Request<Streaming<WatchRequest>>) -> Result<Response<Self::WatchStream>, Status> {
        let (tx, rx) = mpsc::channel(STREAM_QUEUE);
        tokio::spawn(watch::serve(self.store.clone(), req.into_inner(), tx, self.cfg));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
