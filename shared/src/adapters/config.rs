//! Reading configuration from environment variables, once, with errors that name the
//! variable.

use std::str::FromStr;

/// A configuration variable that is missing or cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration variable {variable}: {problem}")]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

/// The value of `variable`, which must be set and not empty.
pub fn required(variable: &str) -> Result<String, ConfigError> {
    optional(variable).ok_or_else(|| ConfigError {
        variable: variable.to_owned(),
        problem: "is not set".to_owned(),
    })
}

/// The value of `variable`, if set and not empty.
pub fn optional(variable: &str) -> Option<String> {
    std::env::var(variable)
        .ok()
        .filter(|value| !value.is_empty())
}

/// The value of `variable` parsed as `T`, or `default` when unset.
pub fn parsed_or<T>(variable: &str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match optional(variable) {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|error: T::Err| ConfigError {
            variable: variable.to_owned(),
            problem: format!("{raw:?} cannot be used: {error}"),
        }),
    }
}
