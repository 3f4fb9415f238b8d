//! Why the local shop could not start.

use std::net::SocketAddr;

/// Why the shop could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    RouteTable(String),
    #[error("operation {0} in api/openapi.yaml has no handler")]
    MissingHandler(String),
    /// A route, saga step or consumer has no function in `functions/manifest.json`, so
    /// there is nothing to tell what it may use.
    #[error("{0} has no function in functions/manifest.json")]
    NotInManifest(String),
    #[error(transparent)]
    Manifest(#[from] mambogo::adapters::access::ManifestError),
    #[error("cannot read the JWKS: {0}")]
    KeySet(#[from] serde_json::Error),
    #[error("cannot open the data: {0}")]
    Store(#[from] mambogo::domain::store::StoreError),
    #[error("cannot load the demo catalog: {0}")]
    Seed(String),
    #[error("cannot set up the event bus: {0}")]
    Events(String),
    /// The shop's AWS resources could not be found, created or read.
    #[error("cannot use AWS: {0}")]
    Aws(String),
    #[error("cannot set up the metrics: {0}")]
    Metrics(#[from] metrics_exporter_prometheus::BuildError),
    #[error("cannot set up the mail: {0}")]
    Mail(String),
    #[error("cannot set up the checkout saga: {0}")]
    Workflow(String),
    #[error("cannot address the shop at {0}: {1}")]
    Address(SocketAddr, String),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
}
