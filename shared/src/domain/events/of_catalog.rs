//! The catalog's events: a product or a category changed, a SKU's stock was set. Each
//! gets a fresh id: a repeated admin call changes the catalog again and says so again,
//! and what consumes them (the search indexer) re-reads what it is told about, so a
//! copy costs it one read.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::events::payloads::{
    CategoryChanged, ProductChange, ProductChanged, StockChanged,
};
use crate::domain::events::{DomainEvent, EventType};
use crate::domain::ids::{CategoryId, ProductId};
use crate::domain::inventory::StockLevel;

type Built = Result<DomainEvent, serde_json::Error>;

/// `ProductChanged`: `product` was created, replaced or rated at `at`.
pub fn product_changed(
    event_id: Uuid,
    product: &ProductId,
    change: ProductChange,
    at: OffsetDateTime,
) -> Built {
    let payload = ProductChanged {
        product_id: product.clone(),
        change,
    };
    DomainEvent::without_order(EventType::ProductChanged, event_id, at, payload)
}

/// `CategoryChanged`: `category` was created, renamed or moved at `at`.
pub fn category_changed(event_id: Uuid, category: &CategoryId, at: OffsetDateTime) -> Built {
    let payload = CategoryChanged {
        category_id: category.clone(),
    };
    DomainEvent::without_order(EventType::CategoryChanged, event_id, at, payload)
}

/// `StockChanged`: an operator set the stock of `level`'s SKU to `level` at `at`.
pub fn stock_changed(event_id: Uuid, level: &StockLevel, at: OffsetDateTime) -> Built {
    let payload = StockChanged {
        sku: level.sku.clone(),
        on_hand: level.on_hand,
        available: level.available,
    };
    DomainEvent::without_order(EventType::StockChanged, event_id, at, payload)
}
