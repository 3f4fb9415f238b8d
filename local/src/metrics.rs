//! The shop's business metrics ([`mambogo::application::metrics`]) in Prometheus's text
//! format, at `GET /metrics`. Each shop keeps its own registry, so that shops in one
//! process (the tests) count apart.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use mambogo::application::metrics::{every_series, Count, MetricsSink, COUNTERS, DISTRIBUTIONS};
use metrics::{Counter, Histogram, Key, KeyName, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusRecorder};

use crate::responses::method_not_allowed;

static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

/// The shop's counters and histograms, rendered for Prometheus. Every series is
/// registered once, when the registry is built.
pub struct PrometheusMetrics {
    recorder: PrometheusRecorder,
    counters: HashMap<Count, Counter>,
    histograms: HashMap<&'static str, Histogram>,
}

impl PrometheusMetrics {
    /// A registry holding every counter at zero and every histogram empty.
    pub fn new() -> Result<Self, BuildError> {
        let mut builder = PrometheusBuilder::new();
        for (name, _, buckets) in DISTRIBUTIONS {
            builder =
                builder.set_buckets_for_metric(Matcher::Full(prometheus_name(name)), buckets)?;
        }
        let recorder = builder.build_recorder();
        for (name, help) in COUNTERS {
            recorder.describe_counter(counter_name(name).into(), None, help.into());
        }
        for (name, help, _) in DISTRIBUTIONS {
            recorder.describe_histogram(
                KeyName::from(prometheus_name(name)),
                Some(Unit::Seconds),
                help.into(),
            );
        }
        let counters = every_series()
            .into_iter()
            .map(|series| {
                let counter = recorder.register_counter(&key(&series), &METADATA);
                counter.increment(0);
                (series, counter)
            })
            .collect();
        let histograms = DISTRIBUTIONS
            .iter()
            .map(|(name, _, _)| {
                let key = Key::from_name(prometheus_name(name));
                (*name, recorder.register_histogram(&key, &METADATA))
            })
            .collect();
        Ok(PrometheusMetrics {
            recorder,
            counters,
            histograms,
        })
    }

    /// Every counter in Prometheus's text format.
    pub fn render(&self) -> String {
        self.recorder.handle().render()
    }
}

impl MetricsSink for PrometheusMetrics {
    fn increment(&self, count: &Count, by: u64) {
        match self.counters.get(count) {
            Some(counter) => counter.increment(by),
            None => self
                .recorder
                .register_counter(&key(count), &METADATA)
                .increment(by),
        }
    }

    fn record(&self, name: &'static str, seconds: f64) {
        match self.histograms.get(name) {
            Some(histogram) => histogram.record(seconds),
            None => self
                .recorder
                .register_histogram(&Key::from_name(prometheus_name(name)), &METADATA)
                .record(seconds),
        }
    }
}

/// A counter's name as Prometheus writes it: `orders_placed` is `mambogo_orders_placed_total`.
fn counter_name(name: &str) -> String {
    format!("mambogo_{name}_total")
}

/// Any other metric's name as Prometheus writes it: `mambogo_` before it.
fn prometheus_name(name: &str) -> String {
    format!("mambogo_{name}")
}

fn key(count: &Count) -> Key {
    let labels: Vec<Label> = count
        .labels
        .iter()
        .map(|(name, value)| Label::new(*name, *value))
        .collect();
    Key::from_parts(counter_name(count.name), labels)
}

/// `GET /metrics`.
pub fn routes(metrics: Arc<PrometheusMetrics>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let text = metrics.render();
            async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    text,
                )
                    .into_response()
            }
        })
        .fallback(method_not_allowed),
    )
}
