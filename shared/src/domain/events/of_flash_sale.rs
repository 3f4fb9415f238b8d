//! The flash sales' events. A sale sells out once, whoever notices: its
//! `FlashSaleSoldOut` has an id of its own, the same every time it is built.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::events::payloads::FlashSaleSoldOut;
use crate::domain::events::{DomainEvent, EventType};
use crate::domain::flash_sale::FlashSale;

/// The namespace of sold-out events' ids (UUID v5 of the sale id).
const SOLD_OUT_NAMESPACE: Uuid = Uuid::from_u128(0x736f_6c64_2d6f_7574_8066_6c61_7368_2d73);

/// `FlashSaleSoldOut`: every unit of `sale` was found promised at `at`.
pub fn flash_sale_sold_out(
    sale: &FlashSale,
    at: OffsetDateTime,
) -> Result<DomainEvent, serde_json::Error> {
    let payload = FlashSaleSoldOut {
        sale_id: sale.id,
        sku: sale.sku.clone(),
        units: sale.units,
    };
    let event_id = Uuid::new_v5(&SOLD_OUT_NAMESPACE, sale.id.to_string().as_bytes());
    DomainEvent::without_order(EventType::FlashSaleSoldOut, event_id, at, payload)
}
