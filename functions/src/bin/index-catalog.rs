//! The `index-catalog` consumer: the search indexer, which keeps the index and publishes
//! its snapshots (rule `events/rules/reindex-on-catalog-or-stock-change.json`, fed by its
//! SQS queue; `{"rebuild": true}` rebuilds it from the tables).

#[tokio::main]
async fn main() -> Result<(), lambda_http::lambda_runtime::Error> {
    mambogo_functions::indexer::run_indexer().await
}
