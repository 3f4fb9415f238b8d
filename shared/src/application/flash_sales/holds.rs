//! What a sale's holds say: per hold, the units still to promise; over all of them, the
//! units left and the units buyers' orders took.

use futures::future::try_join_all;

use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::flash_sale::FlashSale;
use crate::domain::inventory::ReservationStatus;

/// A sale's holds as read just now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Holds {
    /// Per hold index, the units it may still promise (0 once it has gone back to stock).
    pub promisable: Vec<u32>,
    /// Units still in the holds, promised or not, while they are pending.
    pub held: u64,
    /// Units the holds had when they went back to stock (the sale ended).
    pub returned: u64,
}

impl Holds {
    /// Units not yet sold or promised.
    pub fn left(&self) -> u64 {
        self.promisable.iter().map(|units| u64::from(*units)).sum()
    }

    /// Units of `sale` its buyers' orders took (and did not give back).
    pub fn sold(&self, sale: &FlashSale) -> u64 {
        u64::from(sale.units).saturating_sub(self.held + self.returned)
    }
}

/// Reads every hold of `sale`, all at once (the embedded store answers them in one batch).
pub(super) async fn read(services: &Services, sale: &FlashSale) -> Result<Holds, ShopError> {
    let ids = sale.hold_ids();
    let read = try_join_all(ids.iter().map(|id| services.inventory.reservation(id))).await?;
    let mut holds = Holds {
        promisable: Vec::with_capacity(read.len()),
        held: 0,
        returned: 0,
    };
    for hold in read {
        let (status, units, promisable) = hold.map_or((None, 0, 0), |hold| {
            let units = u64::from(hold.units_of(&sale.sku));
            (Some(hold.status), units, hold.promisable.unwrap_or(0))
        });
        match status {
            Some(ReservationStatus::Pending) => {
                holds.held += units;
                holds.promisable.push(promisable);
            }
            Some(_) => {
                holds.returned += units;
                holds.promisable.push(0);
            }
            None => holds.promisable.push(0),
        }
    }
    Ok(holds)
}
