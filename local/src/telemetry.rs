//! The shop's spans exported to an OpenTelemetry collector over OTLP/HTTP (protobuf),
//! when one is configured: requests, saga steps, events handled and every call through
//! a port (`mambogo::calls`), with their fields as attributes. Each request's trace id is
//! its correlation id: a request sent with a W3C `traceparent` continues the sender's
//! trace, one without starts a trace whose id becomes its correlation id. A saga's
//! execution continues the trace of the request that started it, and the events its steps
//! publish are handled inside their spans, so a checkout is one trace.

use mambogo::domain::correlation::CorrelationId;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt, TracerProvider};
use opentelemetry_otlp::{ExporterBuildError, Protocol, WithExportConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing::Subscriber;
use tracing_opentelemetry::{OpenTelemetryLayer, OpenTelemetrySpanExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// The variable naming the collector's base URL, as every OpenTelemetry SDK reads it
/// (`http://127.0.0.1:4318`); spans go to its `/v1/traces`.
pub const OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// Which spans are exported: the shop's own from debug up (every port call), the
/// libraries' from info up.
const EXPORTED: &str = "info,mambogo=debug";

/// The exporter of one process: a batch of spans is sent from a thread of its own.
pub struct OtlpTracing {
    provider: SdkTracerProvider,
}

impl OtlpTracing {
    /// An exporter to the collector at `endpoint` (its base URL).
    pub fn new(endpoint: &str) -> Result<Self, ExporterBuildError> {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build()?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name("mambogo").build())
            .build();
        Ok(OtlpTracing { provider })
    }

    /// The layer that hands the spans [`EXPORTED`] names to the exporter.
    pub fn layer<S>(&self) -> impl tracing_subscriber::Layer<S>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        use tracing_subscriber::Layer;
        let layer: OpenTelemetryLayer<S, SdkTracer> =
            tracing_opentelemetry::layer().with_tracer(self.provider.tracer("mambogo"));
        layer.with_filter(EnvFilter::new(EXPORTED))
    }

    /// Sends every span ended so far and stops the exporter; what it could not send is
    /// logged.
    pub fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "the spans could not all be exported");
        }
    }
}

/// Makes `span` (a request's) continue the trace that `headers`' `traceparent` names, if
/// any, and returns the trace it is exported in, which is the request's correlation id.
/// Without an exporter it changes nothing and returns `None`.
pub fn continue_trace(span: &tracing::Span, headers: &http::HeaderMap) -> Option<CorrelationId> {
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    // Only an invalid span context can be refused, and a request without a valid
    // `traceparent` simply starts a trace of its own.
    let _ = span.set_parent(parent);
    let exported = exported_place(span)?;
    CorrelationId::parse(&exported.trace_id().to_string()).ok()
}

/// Where the current span stands in its trace, for work it hands to another task (a saga
/// execution) to continue; `None` when spans are not exported.
pub fn current_span_context() -> Option<SpanContext> {
    exported_place(&tracing::Span::current())
}

/// Where `span` stands in its exported trace; `None` when spans are not exported.
fn exported_place(span: &tracing::Span) -> Option<SpanContext> {
    let context = span.context();
    let place = context.span().span_context().clone();
    place.is_valid().then_some(place)
}

/// Makes `span` a child of the span at `parent`, which handed it its work.
pub fn continue_from(span: &tracing::Span, parent: SpanContext) {
    // A span's parent can be set until it is first entered; `span` is new.
    let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(parent));
}

/// Request headers as the propagator reads them.
struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
