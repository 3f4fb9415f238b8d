//! Admission: tokens that ran out give their unused units back, then the next tickets in
//! line are admitted while units are left to promise. Each admission is one conditional
//! write on one hold (the hot write of a sale, spread over its holds), then one on the
//! buyer's own ticket.
//!
//! Any poll of a waiting ticket runs a round, and so does the sweeper in every open sale
//! each minute ([`admit_in_open_sales`]); one round per sale at a time in a process:
//! a poll that finds one running waits for it and takes its count instead of running
//! another, so that however many buyers poll at once, the process runs one round after
//! another and each poll reads its ticket after a whole round. A waiting ticket is told
//! SOLD_OUT only then. Rounds in different processes may overlap: the conditional writes
//! keep them from promising a unit twice or admitting a ticket twice, and a ticket told
//! SOLD_OUT while another process's round is between its two writes for it gets its unit
//! back when the token expires. A process that dies between the two writes of an
//! admission (or of an expiry) leaves a unit promised to nobody; it goes back to stock with
//! its hold when the sale ends, so a crash can undersell a sale but never oversell it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use time::OffsetDateTime;

use super::holds;
use crate::application::error::ShopError;
use crate::application::metrics::{self, SALE_ADMISSIONS};
use crate::application::Services;
use crate::domain::events::flash_sale_sold_out;
use crate::domain::flash_sale::{FlashSale, SalePhase, Ticket};
use crate::domain::ids::SaleId;
use crate::domain::store::StoreError;

/// The most tickets one round admits, or expires.
const ROUND: u32 = 200;
/// The most sales one run of the sweeper moves on.
const SALES_PER_RUN: u32 = 100;

/// The rounds of one sale in this process.
#[derive(Default)]
struct Rounds {
    /// How many rounds have finished.
    finished: AtomicU64,
    /// Held while a round runs: the units left to promise after the last one.
    last: tokio::sync::Mutex<u64>,
}

/// Every sale's rounds in this process.
static ROUNDS: LazyLock<Mutex<HashMap<SaleId, Arc<Rounds>>>> = LazyLock::new(Mutex::default);

fn rounds_of(sale: SaleId) -> Arc<Rounds> {
    let mut rounds = ROUNDS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Arc::clone(rounds.entry(sale).or_default())
}

/// Runs an admission round of `sale` at the shop's clock, or waits for the one running
/// and takes its count: the units left to promise after it. `None` when the sale is not
/// open.
pub(super) async fn admit(services: &Services, sale: &FlashSale) -> Result<Option<u64>, ShopError> {
    if sale.phase(services.clock.now()) != SalePhase::Open {
        return Ok(None);
    }
    let rounds = rounds_of(sale.id);
    let arrived = rounds.finished.load(Ordering::SeqCst);
    let mut last = rounds.last.lock().await;
    if rounds.finished.load(Ordering::SeqCst) > arrived {
        // A round finished while this poll waited: its count is as fresh.
        return Ok(Some(*last));
    }
    let left = round(services, sale).await?;
    *last = left;
    rounds.finished.fetch_add(1, Ordering::SeqCst);
    Ok(Some(left))
}

/// Runs an admission round in every open sale at the shop's clock; how many had one.
/// The sweeper calls it every minute: a waiting room moves on only when someone polls
/// it, and once every unit was promised its buyers were told SOLD_OUT and stopped, so
/// without it a token that ran out would leave its unit unsold until the sale ended. A
/// sale whose round fails is logged and tried again on the next run.
///
/// A sale whose round leaves no unit to promise is sold out: `FlashSaleSoldOut` is
/// published for it, the same event (same id) each minute it stays so, which the
/// operators' notification keeps once. Polls never publish it: the waiting room's hot
/// path stays free of the bus.
pub async fn admit_in_open_sales(services: &Services) -> Result<usize, ShopError> {
    let now = services.clock.now();
    let sales = services
        .flash_sales
        .sales_not_ended(now, SALES_PER_RUN)
        .await?;
    let mut rounds = 0;
    for sale in sales {
        match admit(services, &sale).await {
            Ok(Some(0)) => {
                rounds += 1;
                sold_out(services, &sale, now).await;
            }
            Ok(Some(_)) => rounds += 1,
            Ok(None) => {}
            Err(error) => tracing::warn!(sale_id = %sale.id, %error, "admission round failed"),
        }
    }
    Ok(rounds)
}

/// Publishes that `sale` is sold out; a failure is logged, and the next run publishes
/// it again.
async fn sold_out(services: &Services, sale: &FlashSale, now: OffsetDateTime) {
    let published = match flash_sale_sold_out(sale, now) {
        Ok(event) => services
            .events
            .publish(vec![event])
            .await
            .map_err(|error| error.to_string()),
        Err(error) => Err(error.to_string()),
    };
    if let Err(error) = published {
        tracing::warn!(sale_id = %sale.id, %error, "cannot publish FlashSaleSoldOut");
    }
}

/// One round: tokens run out given back, then tickets admitted; the units left after it.
async fn round(services: &Services, sale: &FlashSale) -> Result<u64, ShopError> {
    let now = services.clock.now();
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
    Ok(promisable.iter().map(|units| u64::from(*units)).sum())
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
            Ok(()) => {
                services
                    .metrics
                    .increment(&metrics::count(SALE_ADMISSIONS), 1);
                Ok(true)
            }
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
