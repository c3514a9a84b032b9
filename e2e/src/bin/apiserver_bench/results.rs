//! The measurements on one datastore, as the phases fill them in.

use serde::Serialize;

use crate::{create::CreateResult, memory::MemoryResult, rate::RateResult, read::ReadResult, watch::WatchResult};

/// Everything measured with one datastore under the apiserver; a phase that did not run (or failed) leaves its
/// field empty and, if it failed, adds to `errors`.
#[derive(Debug, Default, Serialize)]
pub struct DatastoreResults {
    pub create: Option<CreateResult>,
    pub rate: Option<RateResult>,
    pub read: Option<ReadResult>,
    pub watch: Option<WatchResult>,
    pub memory: Option<MemoryResult>,
    pub errors: Vec<PhaseError>,
}

/// A phase that failed on a datastore.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseError {
    pub phase: String,
    pub error: String,
}
