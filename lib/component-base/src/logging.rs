//! Logging flags (klog's `-v` verbosity) and `tracing` subscriber setup.

use tracing_subscriber::EnvFilter;

/// Logging flags shared by every daemon; flatten into the binary's `*Args`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoggingArgs {
    /// Log verbosity as klog counts it: 0-1 info, 2-3 debug, 4+ trace.
    /// `RUST_LOG` overrides it when set.
    #[arg(short = 'v', long = "v", default_value_t = 0, value_name = "LEVEL")]
    pub verbosity: u8,
}

impl LoggingArgs {
    /// The tracing filter directive this verbosity stands for.
    pub fn directive(&self) -> &'static str {
        match self.verbosity {
            0 | 1 => "info",
            2 | 3 => "debug",
            _ => "trace",
        }
    }

    /// Installs the global subscriber (logs to stderr). Safe to call once per process;
    /// later calls are ignored.
    pub fn init(&self) {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(self.directive()));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_maps_like_klog() {
        let at = |v| LoggingArgs { verbosity: v }.directive();
        assert_eq!(at(0), "info");
        assert_eq!(at(2), "debug");
        assert_eq!(at(9), "trace");
    }
}
