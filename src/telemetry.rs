//! Logging: `tracing` to stderr (stdout belongs to commands such as `muster token create`),
//! filtered by `RUST_LOG`, as text or as JSON lines for log shippers.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{Config, LogFormat};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.log_format {
        LogFormat::Text => registry.with(fmt::layer().with_writer(std::io::stderr)).try_init(),
        LogFormat::Json => {
            registry.with(fmt::layer().json().with_current_span(true).with_writer(std::io::stderr)).try_init()
        }
    };
    // A second init (tests build several apps in one process) keeps the first subscriber.
    drop(result);
}
