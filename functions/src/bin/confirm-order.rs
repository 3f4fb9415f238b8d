//! The checkout saga's `confirm-order` step, invoked by Step Functions (statemachines/checkout.asl.json).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::saga_step::run_saga_step("confirm-order").await
}
