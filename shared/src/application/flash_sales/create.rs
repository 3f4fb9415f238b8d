//! Creating a sale: its terms checked against the variant it sells, its units set aside
//! from stock in holds that go back to stock when it ends.

use super::holds;
use super::views::AdminSaleView;
use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::flash_sale::{FlashSale, NewSale};
use crate::domain::ids::SaleId;
use crate::domain::inventory::{InventoryError, StockLine};

/// Creates the sale `terms` describe and sets its units aside; 409 when the SKU has
/// fewer units available, and then nothing is kept.
pub async fn create_sale(services: &Services, terms: NewSale) -> Result<AdminSaleView, ShopError> {
    let now = services.clock.now();
    let product = services.catalog.product_by_sku(&terms.sku).await?;
    let (product_id, regular_price) = product
        .and_then(|product| {
            let price = product.variant(&terms.sku)?.price;
            Some((product.id, price))
        })
        .ok_or_else(|| ShopError::Missing(format!("no product sells SKU {}", terms.sku)))?;
    terms
        .check(regular_price, now)
        .map_err(ShopError::Invalid)?;
    let sale = FlashSale {
        id: SaleId::from_uuid(services.ids.next_uuid()),
        sku: terms.sku,
        product_id,
        units: terms.units,
        sale_price: terms.sale_price,
        regular_price,
        starts_at: terms.starts_at,
        ends_at: terms.ends_at,
        per_customer_limit: terms.per_customer_limit,
        token_ttl_seconds: terms.token_ttl_seconds,
        // No hold without a unit in it.
        holds: terms.holds.min(terms.units),
        created_at: now,
    };
    if let Err(error) = set_aside(services, &sale).await {
        give_back(services, &sale).await;
        return Err(error);
    }
    if let Err(error) = services.flash_sales.create_sale(&sale).await {
        give_back(services, &sale).await;
        return Err(error.into());
    }
    tracing::info!(sale_id = %sale.id, sku = %sale.sku, units = sale.units, "flash sale created");
    let holds = holds::read(services, &sale).await?;
    Ok(AdminSaleView::new(&sale, &holds, 0, 0, now))
}

/// Sets every hold of `sale` aside from stock until the sale ends.
async fn set_aside(services: &Services, sale: &FlashSale) -> Result<(), ShopError> {
    let now = services.clock.now();
    for (hold, units) in sale.hold_ids().iter().zip(sale.units_per_hold()) {
        let line = StockLine {
            sku: sale.sku.clone(),
            quantity: units,
        };
        match services
            .inventory
            .set_aside(hold, &line, sale.ends_at, now)
            .await
        {
            Ok(_) => {}
            Err(InventoryError::OutOfStock(_)) => {
                return Err(ShopError::Conflict(format!(
                    "SKU {} has fewer than {} units available",
                    sale.sku, sale.units
                )))
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

/// Returns to stock whatever holds of `sale` were set aside, after a failed creation; a
/// hold that cannot be released now goes back when it expires, at the sale's end.
async fn give_back(services: &Services, sale: &FlashSale) {
    for hold in sale.hold_ids() {
        if let Err(error) = services.inventory.release(&hold).await {
            tracing::warn!(sale_id = %sale.id, %hold, %error, "hold kept until the sale ends");
        }
    }
}
