//! The mock payment gateway's webhooks, sent to the shop from its ledger's DynamoDB
//! stream; not a route of the shop's API. See `mambogo_functions::mock_gateway`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::mock_gateway::run_webhooks().await
}
