//! GET /admin/notifications (listNotifications): the notifications written for one shopper or the operators; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "listNotifications",
        mambogo_functions::endpoint!(mambogo::api::admin_operations::list_notifications),
    )
    .await
}
