//! The kubelet: the node agent that runs the pods bound to its node on a CRI runtime.

pub mod config;
pub mod cri;
pub mod eviction;
#[cfg(test)]
pub mod fake;
pub mod imagegc;
pub mod logs;
pub mod node;
pub mod podconfig;
pub mod pods;
pub mod probe;
pub mod server;
pub mod static_pods;
pub mod stats;
pub mod volumes;
