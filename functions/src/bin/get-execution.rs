//! GET /admin/executions/{orderId} (getExecution): an order's checkout saga execution; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getExecution",
        mambogo_functions::endpoint!(mambogo::api::admin_executions::get_execution),
    )
    .await
}
