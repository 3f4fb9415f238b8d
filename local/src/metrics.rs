//! The shop's business metrics ([`mambogo::application::metrics`]) in Prometheus's text
//! format, at `GET /metrics`. Each shop keeps its own registry, so that shops in one
//! process (the tests) count apart.

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use mambogo::application::metrics::{every_series, Count, MetricsSink, CHECKOUT_SECONDS, COUNTERS};
use metrics::{Key, KeyName, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusRecorder};

use crate::responses::method_not_allowed;

static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

/// Where the checkout histogram's buckets end, in seconds: a checkout normally confirms
/// within seconds, and a reservation expires after 15 minutes.
const CHECKOUT_BUCKETS: [f64; 10] = [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0];

/// The shop's counters, rendered for Prometheus.
pub struct PrometheusMetrics {
    recorder: PrometheusRecorder,
}

impl PrometheusMetrics {
    /// A registry holding every counter at zero.
    pub fn new() -> Result<Self, BuildError> {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(checkout_name()), &CHECKOUT_BUCKETS)?
            .build_recorder();
        for (name, help) in COUNTERS {
            recorder.describe_counter(counter_name(name).into(), None, help.into());
        }
        recorder.describe_histogram(
            KeyName::from(checkout_name()),
            Some(Unit::Seconds),
            CHECKOUT_SECONDS.1.into(),
        );
        for series in every_series() {
            recorder
                .register_counter(&key(&series), &METADATA)
                .increment(0);
        }
        Ok(PrometheusMetrics { recorder })
    }

    /// Every counter in Prometheus's text format.
    pub fn render(&self) -> String {
        self.recorder.handle().render()
    }
}

impl MetricsSink for PrometheusMetrics {
    fn increment(&self, count: &Count) {
        self.recorder
            .register_counter(&key(count), &METADATA)
            .increment(1);
    }

    fn record_checkout(&self, seconds: f64) {
        self.recorder
            .register_histogram(&Key::from_name(checkout_name()), &METADATA)
            .record(seconds);
    }
}

/// A counter's name as Prometheus writes it: `orders_placed` is `mambogo_orders_placed_total`.
fn counter_name(name: &str) -> String {
    format!("mambogo_{name}_total")
}

fn checkout_name() -> String {
    format!("mambogo_{}", CHECKOUT_SECONDS.0)
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
