//! JSON logs for CloudWatch, at the level the function's logging configuration asks for.

use tracing_subscriber::EnvFilter;

use crate::config_error::ConfigError;

/// The variable Lambda sets from the function's application log level.
const LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";

/// Sends `tracing` events to stdout as JSON lines, without colours. The filter comes
/// from `AWS_LAMBDA_LOG_LEVEL` (any `RUST_LOG`-style directive works); `info` when it is
/// unset. A value that is no filter is logged at `info` and returned as the error that
/// fails the cold start.
pub fn init_json_logs() -> Result<(), ConfigError> {
    let (filter, unusable) = match log_filter(std::env::var(LOG_LEVEL).ok().as_deref()) {
        Ok(filter) => (filter, None),
        Err(error) => (EnvFilter::new("info"), Some(error)),
    };
    // Only the first call in a process installs a subscriber; a second is harmless.
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    match unusable {
        None => Ok(()),
        Some(error) => {
            tracing::error!(%error, "cannot start");
            Err(error)
        }
    }
}

/// Logs that `function` is ready to serve: its first line after each cold start, which
/// `infra/terraform/dashboard.tf` counts per Lambda (`lambda`, the name Lambda gives it).
pub fn log_ready(function: &str) {
    let lambda = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    tracing::info!(function, lambda, "ready");
}

/// The filter `AWS_LAMBDA_LOG_LEVEL` set to `level` asks for.
fn log_filter(level: Option<&str>) -> Result<EnvFilter, ConfigError> {
    EnvFilter::try_new(filter_directive(level)).map_err(|error| ConfigError {
        variable: LOG_LEVEL.to_owned(),
        problem: format!("not a log level or filter: {error}"),
    })
}

/// Lambda's level names are upper case and include `FATAL`, which `tracing` calls `error`;
/// any other directive is used as it is.
fn filter_directive(level: Option<&str>) -> String {
    const LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];
    match level.map(str::trim).filter(|level| !level.is_empty()) {
        None => "info".to_owned(),
        Some(level) if level.eq_ignore_ascii_case("fatal") => "error".to_owned(),
        Some(level) if LEVELS.iter().any(|known| level.eq_ignore_ascii_case(known)) => {
            level.to_lowercase()
        }
        Some(directive) => directive.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{filter_directive, log_filter, LOG_LEVEL};

    #[test]
    fn lambda_levels_become_filters() {
        assert_eq!(filter_directive(None), "info");
        assert_eq!(filter_directive(Some("")), "info");
        assert_eq!(filter_directive(Some("DEBUG")), "debug");
        assert_eq!(filter_directive(Some("FATAL")), "error");
        assert_eq!(filter_directive(Some("Warn")), "warn");
        assert_eq!(
            filter_directive(Some("mambogo=trace,info")),
            "mambogo=trace,info"
        );
    }

    #[test]
    fn an_unusable_level_names_its_variable() {
        assert!(log_filter(Some("WARN")).is_ok());
        assert!(log_filter(None).is_ok());
        let error = log_filter(Some("mambogo=loudest")).expect_err("not a level");
        assert_eq!(error.variable, LOG_LEVEL);
    }
}
