//! The mock payment gateway's HTTP API (authorize, capture, void, refund) for a cloud
//! demo; not a route of the shop's API. See `mambogo_functions::mock_gateway`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::mock_gateway::run_gateway().await
}
