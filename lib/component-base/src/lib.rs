//! What every Ferrokube daemon shares: logging flags, the health and metrics
//! HTTP endpoint, graceful shutdown on SIGINT/SIGTERM, TLS configurations, and the proxy for
//! upgraded (SPDY/WebSocket) streaming connections between components.

pub mod logging;
pub mod ops_server;
pub mod shutdown;
pub mod streamproxy;
pub mod tls;
