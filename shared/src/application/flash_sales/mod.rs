//! Flash sales: an operator sets a sale's units aside, buyers queue in its waiting room,
//! are admitted with a purchase token while units are left to promise, and check out with
//! it (the checkout is [`crate::application::checkout`]'s).
//!
//! - [`create`]: a new sale, its units set aside from stock in holds.
//! - [`holds`]: what the holds say of a sale: units left, promised, sold.
//! - [`admission`]: expiring tokens and admitting the next in line, one conditional write
//!   on one hold per admission; on a poll, and every minute in every open sale.
//! - [`waiting_room`]: joining the queue, and what a ticket's owner is told.
//! - [`purchase`]: a checkout's claim on its token's units.
//! - [`views`]: what the routes answer.

mod admission;
mod create;
mod holds;
mod purchase;
mod views;
mod waiting_room;

pub use admission::admit_in_open_sales;
pub use create::create_sale;
pub use purchase::{claim, sale_line, unclaim, SaleLine};
pub use views::{AdminSaleView, JoinView, SaleView, TicketAnswer, TicketView};
pub use waiting_room::{join, sale_for_admin, sale_for_public, ticket_status};

use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::flash_sale::FlashSale;
use crate::domain::ids::SaleId;

/// The sale `id`; [`ShopError::Missing`] when there is none.
async fn sale(services: &Services, id: &SaleId) -> Result<FlashSale, ShopError> {
    services
        .flash_sales
        .sale(id)
        .await?
        .ok_or_else(|| ShopError::Missing(format!("no flash sale {id}")))
}
