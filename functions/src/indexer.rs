//! The search indexer as a Lambda (`index-catalog`; at most `maxConcurrency` run at once,
//! each publishing over the snapshot it started from). Its SQS queue hands it batches of
//! the catalog and stock events its rule routes (`events/rules/reindex-on-catalog-or-stock-change.json`),
//! handled as every consumer's are; `scripts/rebuild-search-index` invokes it with
//! `{"rebuild": true}` to rebuild the index from the tables and publish it, the recovery
//! when events were lost.

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::service_fn;
use mambogo::adapters::sqs_consumer::ParkedCount;
use mambogo::application::consumers::{IndexCatalog, INDEX_CATALOG};
use mambogo::application::indexing::rebuild_and_publish;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use crate::consumer::{handle_batch, parked_count};
use crate::logging::init_json_logs;
use crate::search_index::index_handle;
use crate::services::function_services;

/// What the indexer is invoked with: a batch from its queue (an object with `Records`)
/// or, from an operator, `{"rebuild": true}`; anything else is refused.
pub enum IndexerInput {
    /// `{"rebuild": true}`: rebuild from the tables and publish.
    Rebuild(RebuildRequest),
    /// A batch from its queue.
    Batch(SqsEvent),
}

impl<'de> Deserialize<'de> for IndexerInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if value.get("Records").is_some() {
            SqsEvent::deserialize(value)
                .map(IndexerInput::Batch)
                .map_err(D::Error::custom)
        } else {
            RebuildRequest::deserialize(value)
                .map(IndexerInput::Rebuild)
                .map_err(D::Error::custom)
        }
    }
}

/// `{"rebuild": true}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RebuildRequest {
    /// Must be `true`.
    pub rebuild: bool,
}

/// Answers one invocation: a batch's partial failures, or what a rebuild published.
/// With `parked`, the batch's messages SQS parks are counted.
pub async fn handle_input(
    indexer: &IndexCatalog,
    input: IndexerInput,
    parked: Option<&ParkedCount>,
) -> Result<Value, String> {
    match input {
        IndexerInput::Batch(batch) => {
            serde_json::to_value(handle_batch(indexer, batch, parked).await)
                .map_err(|error| error.to_string())
        }
        IndexerInput::Rebuild(RebuildRequest { rebuild: false }) => {
            Err("nothing to do: send {\"rebuild\": true}".to_owned())
        }
        IndexerInput::Rebuild(RebuildRequest { rebuild: true }) => {
            let (products, version) = rebuild_and_publish(&indexer.services)
                .await
                .map_err(|error| error.to_string())?;
            tracing::info!(products, "search index rebuilt on request");
            Ok(json!({"products": products, "version": version.map(|version| version.0)}))
        }
    }
}

/// Runs the indexer until Lambda stops it.
pub async fn run_indexer() -> Result<(), lambda_runtime::Error> {
    init_json_logs()?;
    let mut built = function_services(INDEX_CATALOG)
        .await
        .inspect_err(|error| tracing::error!(function = INDEX_CATALOG, %error, "cannot start"))?;
    built.services.search_index = Some(index_handle(&built));
    // It restores the newest snapshot once; from then on its own changes move its index,
    // and another indexer's only when its publication finds them first.
    built.services.index_refresh = None;
    let parked = parked_count(&built);
    let indexer = Arc::new(IndexCatalog::new(built.services));
    crate::logging::log_ready(INDEX_CATALOG);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<IndexerInput>| {
        let indexer = Arc::clone(&indexer);
        let parked = parked.clone();
        async move { handle_input(&indexer, event.payload, parked.as_ref()).await }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input(value: Value) -> Result<IndexerInput, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn a_rebuild_request_and_a_batch_are_told_apart() {
        assert!(matches!(
            input(json!({"rebuild": true})),
            Ok(IndexerInput::Rebuild(RebuildRequest { rebuild: true }))
        ));
        let batch = json!({"Records": [{
            "messageId": "m-1",
            "body": "{}",
            "eventSource": "aws:sqs",
        }]});
        match input(batch) {
            Ok(IndexerInput::Batch(batch)) => assert_eq!(batch.records.len(), 1),
            _ => panic!("an SQS event is a batch"),
        }
        assert!(
            input(json!({"rebuild": true, "table": "x"})).is_err(),
            "a request with more than it should is refused"
        );
        assert!(input(json!({})).is_err());
        assert!(input(json!("rebuild")).is_err());
    }
}
