//! What every Ferrokube daemon shares: logging flags, the health and metrics
//! HTTP endpoint, and graceful shutdown on SIGINT/SIGTERM.

pub mod logging;
pub mod ops_server;
pub mod shutdown;
