//! The operation table: every `operationId` of `api/openapi.yaml` and its handler. The
//! local server mounts routes by looking operations up here; each Lambda binary calls its
//! one handler directly.

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;

use super::{
    address_routes, admin_catalog, admin_coupons, admin_executions, admin_flash_sales,
    admin_inventory, admin_operations, admin_orders, cart_routes, catalog_routes, checkout_routes,
    flash_sale_routes, order_routes, review_routes, search_routes, webhook_routes, ApiError,
    ApiRequest, ApiResponse,
};
use crate::application::Services;

/// A handler behind a uniform signature.
pub type Endpoint =
    fn(Arc<Services>, ApiRequest) -> BoxFuture<'static, Result<ApiResponse, ApiError>>;

macro_rules! operations {
    ($($id:literal => $handler:path),* $(,)?) => {
        /// Every operation id with its handler.
        pub const OPERATIONS: &[(&str, Endpoint)] = &[
            $(($id, |services, request| Box::pin(async move { $handler(&services, request).await }))),*
        ];
    };
}

operations! {
    "listProducts" => catalog_routes::list_products,
    "searchProducts" => search_routes::search_products,
    "suggestProducts" => search_routes::suggest_products,
    "getProduct" => catalog_routes::get_product,
    "listCategories" => catalog_routes::list_categories,
    "createProduct" => admin_catalog::create_product,
    "updateProduct" => admin_catalog::update_product,
    "putCategory" => admin_catalog::put_category,
    "getCart" => cart_routes::get_cart,
    "addCartItem" => cart_routes::add_cart_item,
    "updateCartItem" => cart_routes::update_cart_item,
    "removeCartItem" => cart_routes::remove_cart_item,
    "mergeCart" => cart_routes::merge_cart,
    "placeOrder" => checkout_routes::place_order,
    "quoteCheckout" => checkout_routes::quote_checkout,
    "listOrders" => order_routes::list_orders,
    "getOrder" => order_routes::get_order,
    "cancelOrder" => order_routes::cancel_order,
    "requestReturn" => order_routes::request_return,
    "receivePaymentWebhook" => webhook_routes::receive_payment_webhook,
    "setStock" => admin_inventory::set_stock,
    "getExecution" => admin_executions::get_execution,
    "listOrdersForAdmin" => admin_orders::list_orders_for_admin,
    "getOrderTimeline" => admin_orders::get_order_timeline,
    "processOrder" => admin_orders::process_order,
    "shipOrder" => admin_orders::ship_order,
    "deliverOrder" => admin_orders::deliver_order,
    "approveReturn" => admin_orders::approve_return,
    "getReconciliation" => admin_operations::get_reconciliation,
    "listNotifications" => admin_operations::list_notifications,
    "listDeadLetters" => admin_operations::list_dead_letters,
    "redriveDeadLetter" => admin_operations::redrive_dead_letter,
    "createFlashSale" => admin_flash_sales::create_flash_sale,
    "getFlashSaleForAdmin" => admin_flash_sales::get_flash_sale_for_admin,
    "getFlashSale" => flash_sale_routes::get_flash_sale,
    "joinFlashSaleQueue" => flash_sale_routes::join_flash_sale_queue,
    "getFlashSaleTicket" => flash_sale_routes::get_flash_sale_ticket,
    "createCoupon" => admin_coupons::create_coupon,
    "getCoupon" => admin_coupons::get_coupon,
    "updateCoupon" => admin_coupons::update_coupon,
    "listAddresses" => address_routes::list_addresses,
    "addAddress" => address_routes::add_address,
    "updateAddress" => address_routes::update_address,
    "deleteAddress" => address_routes::delete_address,
    "listReviews" => review_routes::list_reviews,
    "addReview" => review_routes::add_review,
    "editReview" => review_routes::edit_review,
    "hideReview" => review_routes::hide_review,
}

/// The handler of `operation_id`.
pub fn endpoint(operation_id: &str) -> Option<Endpoint> {
    OPERATIONS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, endpoint)| *endpoint)
}

/// Runs `endpoint` and turns its outcome into a response; the one place errors become
/// HTTP, and where server faults are logged.
pub async fn respond(
    endpoint: Endpoint,
    services: Arc<Services>,
    request: ApiRequest,
) -> ApiResponse {
    let request_id = request.request_id.clone();
    match endpoint(services, request).await {
        Ok(response) => response,
        Err(error) => {
            if error.status().is_server_error() {
                tracing::error!(%request_id, %error, "request failed");
            } else {
                tracing::debug!(%request_id, %error, "request refused");
            }
            error.into_response()
        }
    }
}

/// Logs one answered request: method, path, status and how long it took, in microseconds.
/// Callers put the request id on the surrounding span.
pub fn log_request(method: &http::Method, path: &str, response: &ApiResponse, started: Instant) {
    tracing::info!(
        %method,
        %path,
        status = response.status.as_u16(),
        micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
}
