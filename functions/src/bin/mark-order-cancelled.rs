//! The checkout saga's `mark-order-cancelled` step, invoked by Step Functions (statemachines/checkout.asl.json).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::saga_step::run_saga_step("mark-order-cancelled").await
}
