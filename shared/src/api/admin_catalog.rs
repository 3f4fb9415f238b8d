//! Operator catalog routes: create and replace products, create and rename categories.

use http::StatusCode;
use serde::Deserialize;

use super::{ApiError, ApiRequest, ApiResponse};
use crate::api::auth::User;
use crate::application::Services;
use crate::domain::catalog::{Category, Product, ProductDraft};
use crate::domain::ids::{CategoryId, ProductId};
use crate::domain::validation::Checks;

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

/// Sets inventory for every variant whose draft names its stock.
async fn apply_stock(
    services: &Services,
    draft_stock: &[(crate::domain::ids::Sku, Option<u32>)],
) -> Result<(), ApiError> {
    for (sku, stock) in draft_stock {
        if let Some(units) = stock {
            services
                .inventory
                .set_on_hand(sku, *units)
                .await
                .map_err(|error| match error {
                    crate::domain::inventory::InventoryError::Store(store) => ApiError::from(store),
                    other => ApiError::Conflict(other.to_string()),
                })?;
        }
    }
    Ok(())
}

fn draft_stock(draft: &ProductDraft) -> Vec<(crate::domain::ids::Sku, Option<u32>)> {
    draft
        .variants
        .iter()
        .map(|variant| (variant.sku.clone(), variant.stock))
        .collect()
}

async fn checked_draft(
    services: &Services,
    request: &ApiRequest,
) -> Result<ProductDraft, ApiError> {
    let draft: ProductDraft = request.json_body()?;
    draft
        .validate(services.currency)
        .map_err(ApiError::Invalid)?;
    let categories = services.catalog.categories().await?;
    if !categories
        .iter()
        .any(|category| category.id == draft.category_id)
    {
        return Err(ApiError::invalid(
            "categoryId",
            format!("no category {}", draft.category_id),
        ));
    }
    Ok(draft)
}

/// `POST /admin/products`: adds a product; its id is generated.
pub async fn create_product(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let draft = checked_draft(services, &request).await?;
    let id = ProductId::parse(&format!("prod_{}", services.ids.next_uuid().simple()))
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    let stock = draft_stock(&draft);
    let product = Product::create(id, draft, services.clock.now());
    services.catalog.create_product(&product).await?;
    apply_stock(services, &stock).await?;
    tracing::info!(product_id = %product.id, "product created");
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
    let draft = checked_draft(services, &request).await?;
    let previous = services
        .catalog
        .product(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no product {id}")))?;
    let product = previous.replaced_by(draft, services.clock.now());
    services
        .catalog
        .replace_product(&previous, &product)
        .await?;
    tracing::info!(product_id = %product.id, version = product.version, "product replaced");
    Ok(ApiResponse::ok(&product))
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
    let mut checks = Checks::default();
    checks.text_length(&draft.name, 1, 100, "name");
    checks.finish().map_err(ApiError::Invalid)?;
    if let Some(parent) = &draft.parent_id {
        let categories = services.catalog.categories().await?;
        // Walking up from the new parent must neither fail nor meet this category.
        // Stored data with a cycle must not loop forever, hence the bound.
        let mut ancestor = Some(parent.clone());
        for _ in 0..=categories.len() {
            let Some(current) = ancestor else { break };
            if current == id {
                return Err(ApiError::invalid(
                    "parentId",
                    "a category cannot sit below itself",
                ));
            }
            let found = categories
                .iter()
                .find(|category| category.id == current)
                .ok_or_else(|| ApiError::invalid("parentId", format!("no category {current}")))?;
            ancestor = found.parent_id.clone();
        }
    }
    let category = Category {
        id,
        name: draft.name,
        parent_id: draft.parent_id,
    };
    services.catalog.put_category(&category).await?;
    Ok(ApiResponse::ok(&category))
}
