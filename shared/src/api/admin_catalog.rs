//! Operator catalog routes: create and replace products, create and rename categories.

use http::StatusCode;
use serde::Deserialize;

use super::{ApiError, ApiRequest, ApiResponse};
use crate::api::auth::User;
use crate::application::{catalog, Services};
use crate::domain::catalog::ProductDraft;
use crate::domain::ids::{CategoryId, ProductId};

/// The signed-in admin, or why the caller may not use admin routes.
pub(super) fn require_admin(request: &ApiRequest) -> Result<&User, ApiError> {
    match request.caller.user() {
        None => Err(ApiError::Unauthorized("sign in as an admin".into())),
        Some(user) if !user.admin => Err(ApiError::Forbidden(
            "admin group membership required".into(),
        )),
        Some(user) => Ok(user),
    }
}

/// `POST /admin/products`: adds a product; its id is generated.
pub async fn create_product(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let draft: ProductDraft = request.json_body()?;
    let product = catalog::create_product(services, draft).await?;
    Ok(ApiResponse::json(StatusCode::CREATED, &product)
        .with_header("location", &format!("/products/{}", product.id)))
}

/// `PUT /admin/products/{productId}`: replaces everything an operator controls.
pub async fn update_product(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let id = request.path_id("productId", ProductId::parse)?;
    let draft: ProductDraft = request.json_body()?;
    Ok(ApiResponse::ok(
        &catalog::replace_product(services, &id, draft).await?,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CategoryDraft {
    name: String,
    #[serde(default)]
    parent_id: Option<CategoryId>,
}

/// `PUT /admin/categories/{categoryId}`: creates or renames a category, or moves it.
pub async fn put_category(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let id = request.path_id("categoryId", CategoryId::parse)?;
    let draft: CategoryDraft = request.json_body()?;
    let category = catalog::put_category(services, id, draft.name, draft.parent_id).await?;
    Ok(ApiResponse::ok(&category))
}
