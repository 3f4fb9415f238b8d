//! Admission: tokens that ran out give their unused units back, then the next tickets in
//! line are admitted while units are left to promise. Each admission is one conditional
//! write on one hold (the hot write of a sale, spread over its holds), then one on the
//! buyer's own ticket.
//!
//! Any request of a sale's waiting room may run a round; one round per sale runs at a
//! time in a process, and a request that finds one running goes on without waiting. Rounds
//! in different processes may overlap: the conditional writes keep them from promising a
//! unit twice or admitting a ticket twice. A process that dies between the two writes of an
//! admission (or of an expiry) leaves a unit promised to nobody; it goes back to stock with
//! its hold when the sale ends, so a crash can undersell a sale but never oversell it.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};

use time::OffsetDateTime;

use super::holds;
use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::flash_sale::{FlashSale, SalePhase, Ticket};
use crate::domain::ids::SaleId;
use crate::domain::store::StoreError;

/// The most tickets one round admits, or expires.
const ROUND: u32 = 200;

/// Sales whose admission round runs in this process now.
static RUNNING: LazyLock<Mutex<HashSet<SaleId>>> = LazyLock::new(Mutex::default);

/// A running round of a sale, which ends when this is dropped.
struct Running(SaleId);

impl Running {
    /// The round of `sale`, unless one runs already.
    fn start(sale: SaleId) -> Option<Self> {
        let mut running = RUNNING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        running.insert(sale).then_some(Running(sale))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = RUNNING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        running.remove(&self.0);
    }
}

/// Runs an admission round of `sale` at the shop's clock, unless one runs in this
/// process already or the sale is not open: the units left to promise after it, when it
/// ran.
pub(super) async fn admit(services: &Services, sale: &FlashSale) -> Result<Option<u64>, ShopError> {
    let now = services.clock.now();
    if sale.phase(now) != SalePhase::Open {
        return Ok(None);
    }
    let Some(_round) = Running::start(sale.id) else {
        return Ok(None);
    };
    expire_tokens(services, sale, now).await?;
    let mut promisable = holds::read(services, sale).await?.promisable;
    let admittable: u32 = promisable
        .iter()
        .map(|units| units.div_ceil(sale.per_customer_limit))
        .sum();
    if admittable > 0 {
        let waiting = services
            .flash_sales
            .next_waiting(&sale.id, admittable.min(ROUND))
            .await?;
        for ticket in waiting {
            if !admit_one(services, sale, &ticket, &mut promisable, now).await? {
                break;
            }
        }
    }
    Ok(Some(promisable.iter().map(|units| u64::from(*units)).sum()))
}

/// Admits `ticket` with units of the first hold, from a random one on, that promises
/// them; `promisable` follows what this round learns. False when no hold has a unit left.
async fn admit_one(
    services: &Services,
    sale: &FlashSale,
    ticket: &Ticket,
    promisable: &mut [u32],
    now: OffsetDateTime,
) -> Result<bool, ShopError> {
    let count = promisable.len();
    let first = (services.ids.next_uuid().as_u128() % count.max(1) as u128) as usize;
    for index in (0..count).map(|step| (first + step) % count) {
        let units = promisable[index].min(sale.per_customer_limit);
        if units == 0 {
            continue;
        }
        let hold = sale.hold_id(index as u32);
        if !services.inventory.promise(&hold, units).await? {
            // Another round promised them first: this hold's count is stale.
            promisable[index] = 0;
            continue;
        }
        promisable[index] -= units;
        let token = services.ids.next_uuid();
        let admitted = ticket.admitted(index as u32, units, token, sale.token_expiry(now));
        return match services.flash_sales.update_ticket(&admitted).await {
            Ok(()) => Ok(true),
            Err(error) => {
                // Admitted by another round, or not written: the units go back.
                services.inventory.unpromise(&hold, units).await?;
                promisable[index] += units;
                if error == StoreError::Conflict {
                    Ok(true)
                } else {
                    Err(error.into())
                }
            }
        };
    }
    Ok(false)
}

/// Marks the tickets whose tokens ran out by `now` expired, and gives their unused units
/// back to their holds, the ticket first so that no checkout can use a unit given back.
async fn expire_tokens(
    services: &Services,
    sale: &FlashSale,
    now: OffsetDateTime,
) -> Result<(), ShopError> {
    let run_out = services
        .flash_sales
        .expired_tokens(&sale.id, now, ROUND)
        .await?;
    for ticket in run_out {
        let Some(expired) = ticket.expired(now) else {
            continue;
        };
        match services.flash_sales.update_ticket(&expired).await {
            Ok(()) => {}
            // Changed since it was listed (a claim, another round): the next round sees it.
            Err(StoreError::Conflict) => continue,
            Err(error) => return Err(error.into()),
        }
        if let (Some(hold), unused @ 1..) = (expired.hold, expired.unused()) {
            services
                .inventory
                .unpromise(&sale.hold_id(hold), unused)
                .await?;
        }
    }
    Ok(())
}
