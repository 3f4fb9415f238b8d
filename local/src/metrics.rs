//! The shop's business metrics ([`mambogo::application::metrics`]) in Prometheus's text
//! format, at `GET /metrics`. Each shop keeps its own registry, so that shops in one
//! process (the tests) count apart.

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use mambogo::application::metrics::{every_series, Count, MetricsSink, COUNTERS};
use metrics::{Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

use crate::responses::method_not_allowed;

static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

/// The shop's counters, rendered for Prometheus.
pub struct PrometheusMetrics {
    recorder: PrometheusRecorder,
}

impl PrometheusMetrics {
    /// A registry holding every counter at zero.
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new().build_recorder();
        for (name, help) in COUNTERS {
            recorder.describe_counter(name.into(), None, help.into());
        }
        for series in every_series() {
            recorder
                .register_counter(&key(&series), &METADATA)
                .increment(0);
        }
        PrometheusMetrics { recorder }
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
}

fn key(count: &Count) -> Key {
    let labels: Vec<Label> = count
        .labels
        .iter()
        .map(|(name, value)| Label::new(*name, *value))
        .collect();
    Key::from_parts(count.name, labels)
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
