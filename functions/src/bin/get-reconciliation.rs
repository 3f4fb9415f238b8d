//! GET /admin/reconciliation (getReconciliation): the sweeper's latest reports; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getReconciliation",
        mambogo_functions::endpoint!(mambogo::api::admin_operations::get_reconciliation),
    )
    .await
}
