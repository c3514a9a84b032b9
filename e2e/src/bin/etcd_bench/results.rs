//! The measurements of one backend, as the phases fill them in.

use serde::Serialize;

use crate::{disk::DiskResult, memory::MemoryResult, put::PutLevel, range::RangeResult, watch::WatchResult};

/// Everything measured on one backend; a phase that did not run (or failed)
/// leaves its field empty and, if it failed, adds to `errors`.
#[derive(Debug, Default, Serialize)]
pub struct BackendResults {
    pub put: Vec<PutLevel>,
    pub range: Option<RangeResult>,
    pub watch: Option<WatchResult>,
    pub memory: Option<MemoryResult>,
    pub disk: Option<DiskResult>,
    pub errors: Vec<PhaseError>,
}

impl BackendResults {
    /// The put level measured at `concurrency`, if any.
    pub fn put_at(&self, concurrency: usize) -> Option<&PutLevel> {
        self.put.iter().find(|l| l.concurrency == concurrency)
    }
}

/// A phase that failed on a backend.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseError {
    pub phase: String,
    pub error: String,
}
