//! The waiting room: buyers join a sale's queue, and each is told where their ticket
//! stands; what the sale itself looks like to buyers and to operators.

use time::OffsetDateTime;

use super::views::{AdminSaleView, JoinView, SaleView, TicketAnswer, TicketView};
use super::{admission, holds, sale};
use crate::application::error::ShopError;
use crate::application::metrics::{self, SALE_SOLD_OUT_ANSWERS};
use crate::application::Services;
use crate::domain::flash_sale::token::PurchaseToken;
use crate::domain::flash_sale::{FlashSale, QueueKey, SalePhase, Ticket, TicketStatus};
use crate::domain::ids::{SaleId, TicketId, UserId};

/// The most tickets counted ahead of one, and in the queue.
const COUNTED: u32 = 1_000;
/// The most tickets counted in the queue for operators.
const QUEUE_COUNTED: u32 = 1_000_000;
/// Admissions a second assumed when estimating a wait: a round admits up to 200, and
/// polls run rounds several times a second.
const ADMISSIONS_PER_SECOND: u32 = 1_000;

/// `buyer` joins the queue of `sale_id`; a buyer who has a ticket for it gets that one.
pub async fn join(
    services: &Services,
    sale_id: &SaleId,
    buyer: &UserId,
) -> Result<JoinView, ShopError> {
    let sale = sale(services, sale_id).await?;
    let now = services.clock.now();
    if sale.phase(now) == SalePhase::Ended {
        return Err(ShopError::Conflict(format!(
            "flash sale {sale_id} has ended"
        )));
    }
    let id = TicketId::from_uuid(services.ids.next_uuid());
    let ticket = services
        .flash_sales
        .join(&Ticket::new(&sale, buyer.clone(), id, now))
        .await?
        .ticket();
    let view = view(services, &sale, ticket, None).await?;
    Ok(JoinView {
        ticket_id: view.ticket_id,
        status: view.status,
    })
}

/// The ticket `ticket_id` of `buyer` in `sale_id`, after an admission round; another
/// buyer's ticket is as missing as one that does not exist.
pub async fn ticket_status(
    services: &Services,
    sale_id: &SaleId,
    ticket_id: &TicketId,
    buyer: &UserId,
) -> Result<TicketView, ShopError> {
    let sale = sale(services, sale_id).await?;
    let missing = || ShopError::Missing(format!("no ticket {ticket_id} of yours in this sale"));
    let ticket = owned_ticket(services, &sale, buyer, ticket_id)
        .await?
        .ok_or_else(missing)?;
    if ticket.status != TicketStatus::Waiting {
        return view(services, &sale, ticket, None).await;
    }
    let left = admission::admit(services, &sale).await?;
    let ticket = owned_ticket(services, &sale, buyer, ticket_id)
        .await?
        .ok_or_else(missing)?;
    view(services, &sale, ticket, left).await
}

/// `sale_id` as the public sees it.
pub async fn sale_for_public(services: &Services, sale_id: &SaleId) -> Result<SaleView, ShopError> {
    let sale = sale(services, sale_id).await?;
    let holds = holds::read(services, &sale).await?;
    Ok(SaleView::new(&sale, &holds, services.clock.now()))
}

/// `sale_id` as operators see it.
pub async fn sale_for_admin(
    services: &Services,
    sale_id: &SaleId,
) -> Result<AdminSaleView, ShopError> {
    let sale = sale(services, sale_id).await?;
    let holds = holds::read(services, &sale).await?;
    let tokens_out = services
        .flash_sales
        .admitted_count(&sale.id, QUEUE_COUNTED)
        .await?;
    let queue_length = services
        .flash_sales
        .waiting_ahead(&sale.id, QueueKey(i64::MAX), QUEUE_COUNTED)
        .await?;
    Ok(AdminSaleView::new(
        &sale,
        &holds,
        tokens_out,
        queue_length,
        services.clock.now(),
    ))
}

/// The ticket of `buyer` in `sale` if it is `ticket_id`.
async fn owned_ticket(
    services: &Services,
    sale: &FlashSale,
    buyer: &UserId,
    ticket_id: &TicketId,
) -> Result<Option<Ticket>, ShopError> {
    let ticket = services.flash_sales.ticket(&sale.id, buyer).await?;
    Ok(ticket.filter(|ticket| ticket.id == *ticket_id))
}

/// What the owner of `ticket` is told at the shop's clock; `left`, the units left to
/// promise, when this request's admission round has just counted them (a waiting ticket
/// is SOLD_OUT only then).
async fn view(
    services: &Services,
    sale: &FlashSale,
    ticket: Ticket,
    left: Option<u64>,
) -> Result<TicketView, ShopError> {
    let now = services.clock.now();
    let mut view = TicketView {
        ticket_id: ticket.id,
        status: TicketAnswer::Ended,
        position: 0,
        estimated_wait_seconds: 0,
        purchase_token: None,
        token_expires_at: None,
        units: None,
    };
    if sale.phase(now) == SalePhase::Ended {
        return Ok(view);
    }
    match ticket.status {
        TicketStatus::Waiting => {
            // Only a round this request ran, and the ticket read after it, tell SOLD_OUT
            // truly: while a round runs, units it has promised may be this ticket's.
            if left == Some(0) {
                view.status = TicketAnswer::SoldOut;
                services
                    .metrics
                    .increment(&metrics::count(SALE_SOLD_OUT_ANSWERS), 1);
                return Ok(view);
            }
            let ahead = services
                .flash_sales
                .waiting_ahead(&sale.id, ticket.queue_key, COUNTED)
                .await?;
            view.status = TicketAnswer::Waiting;
            view.position = ahead.saturating_add(1);
            view.estimated_wait_seconds = estimated_wait(sale, ahead, now);
        }
        TicketStatus::Admitted if !ticket.token_expired(now) => {
            let expires_at = ticket.token_expires_at.unwrap_or(now);
            let token = ticket.token_id.map(|id| {
                PurchaseToken::new(ticket.buyer.clone(), sale.id, ticket.id, id, expires_at)
                    .sign(&services.checkout.purchase_token_key)
            });
            view.status = TicketAnswer::Admitted;
            view.purchase_token = token;
            view.token_expires_at = Some(expires_at);
            view.units = Some(ticket.unused());
        }
        TicketStatus::Admitted | TicketStatus::Expired => view.status = TicketAnswer::Expired,
    }
    Ok(view)
}

/// About how many seconds a ticket with `ahead` tickets ahead waits from `now`: until the
/// start, then its turn at [`ADMISSIONS_PER_SECOND`].
fn estimated_wait(sale: &FlashSale, ahead: u32, now: OffsetDateTime) -> u32 {
    let until_start = (sale.starts_at - now).whole_seconds().max(0);
    let turn = i64::from(ahead.div_ceil(ADMISSIONS_PER_SECOND));
    u32::try_from(until_start + turn).unwrap_or(u32::MAX)
}
