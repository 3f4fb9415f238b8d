//! Business metrics ([`mambogo::application::metrics`]) as CloudWatch Embedded Metric
//! Format lines on stdout, which CloudWatch Logs turns into metrics in the `Mambogo`
//! namespace, each with the dimension `Stack` (the stack's name, so that stacks sharing an
//! account count apart) and its own labels (`cause` of `orders_failed`). No CloudWatch
//! API is called.

use std::io::Write;
use std::sync::{Mutex, OnceLock, PoisonError};

use lambda_http::lambda_runtime;
use mambogo::application::metrics::{Count, MetricsSink, COUNTERS, DISTRIBUTIONS};
use metrics::{Key, KeyName, Label, Level, Metadata, Unit};
use metrics_cloudwatch_embedded::{Builder, Collector};

use crate::config::ConfigError;

/// The CloudWatch namespace of the shop's business metrics.
pub const NAMESPACE: &str = "Mambogo";
/// The variable naming the stack, the metrics' `Stack` dimension.
pub const STACK_NAME: &str = "STACK_NAME";

static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

/// The process's collector, made by the first [`EmfMetrics`], with that one's stack.
static COLLECTOR: OnceLock<&'static Collector> = OnceLock::new();

/// The process's registry of the business metrics, which writes them as EMF lines when
/// flushed.
pub struct EmfMetrics {
    collector: &'static Collector,
    out: Mutex<Box<dyn Write + Send>>,
}

impl EmfMetrics {
    /// Metrics of the stack `stack`, written to `out`. The crate's collector is the
    /// process's global `metrics` recorder, so a process has one: every `EmfMetrics` of
    /// a process shares the first one's, and its stack.
    pub fn new(stack: &str, out: Box<dyn Write + Send>) -> Result<Self, lambda_runtime::Error> {
        let collector = match COLLECTOR.get() {
            Some(collector) => *collector,
            None => {
                let collector = Builder::new()
                    .cloudwatch_namespace(NAMESPACE)
                    .with_dimension("Stack", stack.to_owned())
                    .init()?;
                describe_all();
                *COLLECTOR.get_or_init(|| collector)
            }
        };
        Ok(EmfMetrics {
            collector,
            out: Mutex::new(out),
        })
    }

    /// Metrics of the stack named by `STACK_NAME`, written to stdout, where Lambda's
    /// logs are.
    pub fn from_env() -> Result<Self, ConfigError> {
        let problem = |problem: String| ConfigError {
            variable: STACK_NAME.to_owned(),
            problem,
        };
        let stack = std::env::var(STACK_NAME)
            .ok()
            .filter(|stack| !stack.is_empty())
            .ok_or_else(|| problem("is not set".to_owned()))?;
        EmfMetrics::new(&stack, Box::new(std::io::stdout()))
            .map_err(|error| problem(format!("cannot count into its metrics: {error}")))
    }
}

/// Gives every metric its unit.
fn describe_all() {
    metrics::with_recorder(|recorder| {
        for (name, _) in COUNTERS {
            recorder.describe_counter(KeyName::from(name), Some(Unit::Count), "".into());
        }
        for (name, _, _) in DISTRIBUTIONS {
            recorder.describe_histogram(KeyName::from(name), Some(Unit::Seconds), "".into());
        }
    });
}

/// Writes out what `metrics` counted during an invocation; a failure is logged, as the
/// invocation's answer does not hang on its metrics.
pub fn flush_metrics(metrics: &dyn MetricsSink) {
    if let Err(error) = metrics.flush() {
        tracing::warn!(%error, "cannot write the metrics");
    }
}

impl MetricsSink for EmfMetrics {
    fn increment(&self, count: &Count, by: u64) {
        let labels: Vec<Label> = count
            .labels
            .iter()
            .map(|(name, value)| Label::new(*name, *value))
            .collect();
        let key = Key::from_parts(count.name, labels);
        metrics::with_recorder(|recorder| recorder.register_counter(&key, &METADATA)).increment(by);
    }

    fn record(&self, name: &'static str, seconds: f64) {
        let key = Key::from_static_name(name);
        metrics::with_recorder(|recorder| recorder.register_histogram(&key, &METADATA))
            .record(seconds);
    }

    /// Writes one line per label set that moved, all at once, so that no log line of
    /// another thread lands inside one.
    fn flush(&self) -> std::io::Result<()> {
        let mut lines = Vec::new();
        self.collector.flush(&mut lines)?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        out.write_all(&lines)?;
        out.flush()
    }
}
