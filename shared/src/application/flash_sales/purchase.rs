//! A checkout with a purchase token: the token checked, its units claimed on the buyer's
//! ticket (at most the units it holds, over all the buyer's orders: the ticket's version
//! makes concurrent checkouts of one buyer take turns), and the claim taken back when the
//! checkout fails.

use super::sale;
use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::flash_sale::token::PurchaseToken;
use crate::domain::flash_sale::{Claim, FlashSale, Ticket, TicketStatus};
use crate::domain::ids::{OrderId, UserId};
use crate::domain::store::retry_on_conflict;

/// What a purchase token buys: the sale, and the hold its units are promised from.
#[derive(Clone, Debug)]
pub struct SaleLine {
    pub sale: FlashSale,
    pub hold: OrderId,
    token: PurchaseToken,
}

/// The sale line `token` gives `buyer`; refused (403) when the token is forged, expired,
/// someone else's or superseded.
pub async fn sale_line(
    services: &Services,
    buyer: &UserId,
    token: &str,
) -> Result<SaleLine, ShopError> {
    let now = services.clock.now();
    let token = PurchaseToken::verify(token, &services.checkout.purchase_token_key, buyer, now)
        .map_err(|refused| ShopError::Forbidden(refused.to_string()))?;
    let sale = sale(services, &token.sale).await?;
    let ticket = ticket(services, &sale, buyer).await?;
    let hold = match ticket.hold {
        Some(hold) if ticket.id == token.ticket && ticket.token_id == Some(token.jti) => hold,
        _ => {
            return Err(ShopError::Forbidden(
                "the purchase token is not your ticket's".into(),
            ))
        }
    };
    Ok(SaleLine {
        hold: sale.hold_id(hold),
        sale,
        token,
    })
}

/// Counts `quantity` units of `line` against its ticket for `order`, once however often
/// the checkout is retried; 409 when the token has fewer units left or has run out.
pub async fn claim(
    services: &Services,
    line: &SaleLine,
    order: &OrderId,
    quantity: u32,
) -> Result<(), ShopError> {
    retry_on_conflict(|| async {
        let now = services.clock.now();
        let ticket = ticket(services, &line.sale, &line.token.sub).await?;
        let limit = line.sale.per_customer_limit;
        match ticket.claim(line.token.jti, *order, quantity, limit, now) {
            Ok(Claim::AlreadyCounted) => Ok(()),
            Ok(Claim::Counted(claimed)) => Ok(services.flash_sales.update_ticket(&claimed).await?),
            Err(refused) => Err(ShopError::Conflict(refused.to_string())),
        }
    })
    .await
}

/// Takes back the claim `order` made of `quantity` units of `line`, its checkout having
/// failed: the buyer may use them again while the token holds; after that they go back
/// to the hold.
pub async fn unclaim(
    services: &Services,
    line: &SaleLine,
    order: &OrderId,
    quantity: u32,
) -> Result<(), ShopError> {
    let unclaimed = retry_on_conflict(|| async {
        let ticket = ticket(services, &line.sale, &line.token.sub).await?;
        let Some(unclaimed) = ticket.unclaimed(*order, quantity) else {
            return Ok(None);
        };
        services.flash_sales.update_ticket(&unclaimed).await?;
        Ok::<_, ShopError>(Some(unclaimed))
    })
    .await?;
    if let Some(ticket) = unclaimed {
        if ticket.status == TicketStatus::Expired {
            services.inventory.unpromise(&line.hold, quantity).await?;
        }
    }
    Ok(())
}

/// The ticket of `buyer` in `sale`; a token for a ticket the store lacks is refused.
async fn ticket(
    services: &Services,
    sale: &FlashSale,
    buyer: &UserId,
) -> Result<Ticket, ShopError> {
    services
        .flash_sales
        .ticket(&sale.id, buyer)
        .await?
        .ok_or_else(|| ShopError::Forbidden("the purchase token is not your ticket's".into()))
}
