//! The error of a configuration that cannot be used.

/// A configuration variable that is missing or cannot be used: the cold start fails,
/// naming it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration variable {variable}: {problem}")]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}
