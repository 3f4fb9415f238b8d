//! Flash sales: a number of units of one SKU at a sale price, for a window of time,
//! sold through a waiting room.
//!
//! - [`FlashSale`]: the terms an operator sets, checked by [`NewSale::check`]; the
//!   sale's phase at an instant and its status as buyers see it; the ids of the holds
//!   its units are spread over, so that admissions land on different items.
//! - [`Ticket`]: a buyer's place in the waiting room ([`QueueKey`]: those who join before
//!   the start are shuffled, later ones queue behind), then the units it was promised,
//!   counted against the buyer's limit once per order ([`Ticket::claim`]).
//! - [`FlashSaleStore`]: where sales and tickets are kept.
//! - [`token::PurchaseToken`]: the signed proof of admission a buyer checks out with.

mod sale;
mod store;
mod ticket;
pub mod token;

pub use sale::{FlashSale, NewSale, SalePhase, SaleStatus, MAX_HOLDS};
pub use store::{FlashSaleStore, Joined};
pub use ticket::{Claim, ClaimRefused, QueueKey, Ticket, TicketStatus};
