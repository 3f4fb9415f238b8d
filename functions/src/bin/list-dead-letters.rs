//! GET /admin/dead-letters (listDeadLetters): events consumers gave up on; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "listDeadLetters",
        mambogo_functions::endpoint!(mambogo::api::admin_operations::list_dead_letters),
    )
    .await
}
