//! The API's one error type, and the one place it becomes an HTTP status and a
//! problem+json body (RFC 9457).

use http::StatusCode;
use serde_json::json;

use crate::api::auth::AuthError;
use crate::application::ShopError;
use crate::domain::cart::CartError;
use crate::domain::events::PublishError;
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::InventoryError;
use crate::domain::orders::{OrderStatus, Totals};
use crate::domain::payments::GatewayError;
use crate::domain::store::StoreError;
use crate::domain::validation::FieldError;
use crate::domain::workflow::WorkflowError;

use super::ApiResponse;

/// Everything a handler can answer besides success.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read: bad JSON, wrong types, malformed ids or parameters.
    #[error("the request is malformed")]
    Malformed(Vec<FieldError>),
    /// The request was read but breaks a rule: a quantity out of range, a negative price.
    #[error("the request breaks a rule")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    /// The order's status does not allow what was asked; the problem names `currentStatus`.
    #[error("{detail}")]
    OrderConflict {
        current: OrderStatus,
        detail: String,
    },
    /// The quote a checkout named no longer holds; the problem carries the new `totals`.
    #[error("{detail}")]
    QuoteChanged { detail: String, totals: Totals },
    /// Checkout found too little stock; the order was created and failed.
    #[error("not enough stock for {}", skus.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    OutOfStock { order_id: OrderId, skus: Vec<Sku> },
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// The request's head or body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("the request target is longer than {limit} bytes")]
    UriTooLong { limit: usize },
    /// Too many header fields, or too many bytes of them.
    #[error("{0}")]
    HeaderFieldsTooLarge(String),
    /// A dependency is down or overloaded; the client may retry.
    #[error("{0}")]
    Unavailable(String),
    /// Too many requests for now: the client should send the same request again after
    /// `retry_after_seconds` (the `Retry-After` header).
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_seconds: u64,
    },
    /// A fault of ours. The detail is logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// A malformed request with one named field.
    pub fn malformed(field: &str, message: impl Into<String>) -> Self {
        ApiError::Malformed(vec![FieldError::new(field, message)])
    }

    /// A rule broken by one named field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, message)])
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_)
            | ApiError::OrderConflict { .. }
            | ApiError::OutOfStock { .. }
            | ApiError::QuoteChanged { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::HeaderFieldsTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the same request may get another answer later: too many requests now, or
    /// a fault on our side. Other errors are final for that request.
    pub fn worth_retrying(&self) -> bool {
        let status = self.status();
        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed-request",
            ApiError::Invalid(_) => "validation-failed",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::MethodNotAllowed(_) => "method-not-allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::OrderConflict { .. } => "order-status-conflict",
            ApiError::OutOfStock { .. } => "out-of-stock",
            ApiError::QuoteChanged { .. } => "quote-changed",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::UnsupportedMediaType => "unsupported-media-type",
            ApiError::RequestTimeout(_) => "request-timeout",
            ApiError::UriTooLong { .. } => "uri-too-long",
            ApiError::HeaderFieldsTooLarge(_) => "header-fields-too-large",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The problem+json response for this error.
    pub fn into_response(self) -> ApiResponse {
        let status = self.status();
        let detail = match &self {
            ApiError::Internal(_) => {
                "something went wrong on our side; it has been logged".to_owned()
            }
            ApiError::Malformed(fields) | ApiError::Invalid(fields) => fields
                .iter()
                .map(|error| format!("{}: {}", error.field, error.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        let mut body = json!({
            "type": format!("urn:mambogo:problem:{}", self.slug()),
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail,
        });
        if let ApiError::Malformed(fields) | ApiError::Invalid(fields) = &self {
            body["errors"] = json!(fields);
        }
        if let ApiError::OutOfStock { order_id, skus } = &self {
            body["orderId"] = json!(order_id);
            body["outOfStock"] = json!(skus);
        }
        if let ApiError::QuoteChanged { totals, .. } = &self {
            body["totals"] = json!(totals);
        }
        if let ApiError::OrderConflict { current, .. } = &self {
            body["currentStatus"] = json!(current);
        }
        let mut response = ApiResponse::json(status, &body);
        response.set_header("content-type", "application/problem+json");
        if let ApiError::Unauthorized(_) = self {
            response.set_header("www-authenticate", "Bearer");
        }
        if let ApiError::TooManyRequests {
            retry_after_seconds,
            ..
        } = self
        {
            response.set_header("retry-after", &retry_after_seconds.to_string());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict => {
                ApiError::Conflict("the record was changed by another request; try again".into())
            }
            StoreError::AlreadyExists => ApiError::Conflict("it exists already".into()),
            StoreError::SkuTaken(sku) => {
                ApiError::Conflict(format!("SKU {sku} belongs to another product"))
            }
            StoreError::Unavailable(detail) => ApiError::Unavailable(detail),
            StoreError::BadCursor => {
                ApiError::malformed("cursor", StoreError::BadCursor.to_string())
            }
            StoreError::Corrupt(detail) | StoreError::NotGranted(detail) => {
                ApiError::Internal(detail)
            }
        }
    }
}

impl From<PublishError> for ApiError {
    fn from(error: PublishError) -> Self {
        match error {
            PublishError::NotGranted(detail) => ApiError::Internal(detail),
            other => ApiError::Unavailable(other.to_string()),
        }
    }
}

impl From<ShopError> for ApiError {
    fn from(error: ShopError) -> Self {
        match error {
            ShopError::NotFound(id) => ApiError::NotFound(format!("no order {id}")),
            ShopError::Missing(detail) => ApiError::NotFound(detail),
            ShopError::Forbidden(detail) => ApiError::Forbidden(detail),
            ShopError::Conflict(detail) => ApiError::Conflict(detail),
            ShopError::WrongStatus { current, detail } => {
                ApiError::OrderConflict { current, detail }
            }
            ShopError::Invalid(fields) => ApiError::Invalid(fields),
            ShopError::OutOfStock { order_id, skus } => ApiError::OutOfStock { order_id, skus },
            ShopError::QuoteChanged { detail, totals } => ApiError::QuoteChanged { detail, totals },
            ShopError::Busy(_) => ApiError::Conflict(error.to_string()),
            ShopError::TooManyRequests {
                retry_after_seconds,
            } => ApiError::TooManyRequests {
                detail: format!(
                    "too many requests from you; send it again after {retry_after_seconds} s"
                ),
                retry_after_seconds,
            },
            ShopError::Cart(cart) => cart.into(),
            ShopError::Store(store) | ShopError::Inventory(InventoryError::Store(store)) => {
                store.into()
            }
            ShopError::Gateway(GatewayError::Unavailable(detail)) => ApiError::Unavailable(
                format!("the payment gateway is unavailable ({detail}); send the request again"),
            ),
            ShopError::Workflow(workflow) => workflow.into(),
            ShopError::Publish(publish) => publish.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// How long a client throttled by the workflow engine is asked to wait.
const THROTTLED_RETRY_AFTER_SECONDS: u64 = 1;

impl From<WorkflowError> for ApiError {
    fn from(error: WorkflowError) -> Self {
        match error {
            WorkflowError::Unavailable(detail) => ApiError::Unavailable(detail),
            WorkflowError::Throttled(_) => ApiError::TooManyRequests {
                detail: "checkout is busy: the order and its stock are kept; send the same \
                    request (the same Idempotency-Key) again after Retry-After seconds"
                    .to_owned(),
                retry_after_seconds: THROTTLED_RETRY_AFTER_SECONDS,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        ApiError::Unauthorized(error.to_string())
    }
}

impl From<CartError> for ApiError {
    fn from(error: CartError) -> Self {
        match error {
            CartError::QuantityOutOfRange | CartError::LineQuantityExceeded { .. } => {
                ApiError::invalid("quantity", error.to_string())
            }
            CartError::TooManyLines => ApiError::invalid("sku", error.to_string()),
            CartError::ItemNotFound(_) => ApiError::NotFound(error.to_string()),
        }
    }
}
