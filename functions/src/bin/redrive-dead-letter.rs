//! POST /admin/dead-letters/{letterId}/redrive (redriveDeadLetter): sends a dead letter back to its consumer; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "redriveDeadLetter",
        mambogo_functions::endpoint!(mambogo::api::admin_operations::redrive_dead_letter),
    )
    .await
}
