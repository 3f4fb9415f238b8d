//! A SKU's stock split over shards. One DynamoDB item takes about 1,000 writes a second
//! (half that in transactions), so a hot SKU's stock may be spread over up to
//! [`MAX_SHARDS`] items for reservations to land on different ones. Each shard keeps
//! its own `on_hand`, `reserved`, `available` and `sold`; `received` and the low-stock
//! threshold are kept once per SKU. The SKU's level is the sum of its shards, and the
//! invariant holds per shard, hence per SKU.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::{Deserialize, Serialize};

use super::{InventoryError, StockLevel};
use crate::domain::ids::{OrderId, Sku};

/// The most shards one SKU's stock may be split over. A recount rewrites every shard
/// and deletes the ones dropped in one DynamoDB transaction (at most 100 items).
pub const MAX_SHARDS: u32 = 32;

/// The counters of one shard of a SKU's stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardLevel {
    /// Its index, from 0.
    pub shard: u32,
    pub on_hand: i64,
    pub reserved: i64,
    /// `on_hand − reserved`.
    pub available: i64,
    pub sold: i64,
}

impl ShardLevel {
    /// A shard holding nothing.
    pub fn empty(shard: u32) -> Self {
        ShardLevel {
            shard,
            on_hand: 0,
            reserved: 0,
            available: 0,
            sold: 0,
        }
    }
}

/// Units of one SKU on one shard: what a reservation took there, or what a restock
/// gives back there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardTake {
    pub sku: Sku,
    pub shard: u32,
    pub quantity: u32,
}

/// A SKU's stock as its shards hold it, shard 0 first and no index skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardedStock {
    pub sku: Sku,
    /// Every unit ever received, for the whole SKU.
    pub received: i64,
    pub low_stock_threshold: Option<u32>,
    pub shards: Vec<ShardLevel>,
}

/// The shard a reservation of `order` looks at first: spread evenly over orders, and the
/// same on every retry of one order.
pub fn first_shard(order: &OrderId) -> u64 {
    let mut hasher = DefaultHasher::new();
    order.hash(&mut hasher);
    hasher.finish()
}

/// Checks a shard count asked for.
pub fn check_shard_count(shards: u32) -> Result<u32, InventoryError> {
    if (1..=MAX_SHARDS).contains(&shards) {
        Ok(shards)
    } else {
        Err(InventoryError::BadShardCount(shards))
    }
}

impl ShardedStock {
    /// A SKU's first stock: `on_hand` units spread over `shards` shards, all available,
    /// all received.
    pub fn initial(sku: Sku, on_hand: u32, shards: u32) -> Result<Self, InventoryError> {
        let empty = ShardedStock {
            sku,
            received: 0,
            low_stock_threshold: None,
            shards: vec![ShardLevel::empty(0)],
        };
        empty.recounted(on_hand, Some(shards))
    }

    /// The SKU's counters: the sum of its shards'.
    pub fn level(&self) -> StockLevel {
        let sum = |counter: fn(&ShardLevel) -> i64| self.shards.iter().map(counter).sum();
        StockLevel {
            sku: self.sku.clone(),
            on_hand: sum(|shard| shard.on_hand),
            reserved: sum(|shard| shard.reserved),
            available: sum(|shard| shard.available),
            sold: sum(|shard| shard.sold),
            received: self.received,
            low_stock_threshold: self.low_stock_threshold,
            shards: u32::try_from(self.shards.len()).unwrap_or(u32::MAX),
        }
    }

    /// This stock after an operator counted `on_hand` units, over `shards` shards (the
    /// same number when `None`). The units are spread as evenly as the reservations
    /// allow (no shard below its reserved units); an increase counts as received; a
    /// dropped shard's sold units move to shard 0. Refused below the reserved units,
    /// or when a dropped shard holds reserved units.
    pub fn recounted(&self, on_hand: u32, shards: Option<u32>) -> Result<Self, InventoryError> {
        let count = match shards {
            Some(shards) => check_shard_count(shards)?,
            None => u32::try_from(self.shards.len()).unwrap_or(MAX_SHARDS),
        };
        let mut kept: Vec<ShardLevel> = (0..count)
            .map(|index| {
                self.shards
                    .iter()
                    .find(|shard| shard.shard == index)
                    .cloned()
                    .unwrap_or_else(|| ShardLevel::empty(index))
            })
            .collect();
        for dropped in self.shards.iter().filter(|shard| shard.shard >= count) {
            if dropped.reserved > 0 {
                return Err(InventoryError::ShardReserved {
                    sku: self.sku.clone(),
                    shard: dropped.shard,
                    reserved: dropped.reserved,
                });
            }
            kept[0].sold += dropped.sold;
        }
        let reserved: i64 = kept.iter().map(|shard| shard.reserved).sum();
        let total = i64::from(on_hand);
        if total < reserved {
            return Err(InventoryError::BelowReserved {
                sku: self.sku.clone(),
                reserved,
            });
        }
        let floors: Vec<i64> = kept.iter().map(|shard| shard.reserved).collect();
        for (shard, units) in kept.iter_mut().zip(spread(total, &floors)) {
            shard.on_hand = units;
            shard.available = units - shard.reserved;
        }
        let before: i64 = self.shards.iter().map(|shard| shard.on_hand).sum();
        Ok(ShardedStock {
            received: self.received + (total - before).max(0),
            shards: kept,
            ..self.clone()
        })
    }

    /// Where `quantity` available units can be taken: one shard with enough, looking
    /// from `first` round, or else several. `None` when all shards together hold fewer.
    pub fn take(&self, quantity: u32, first: u64) -> Option<Vec<ShardTake>> {
        self.pick(quantity, first, |shard| shard.available)
    }

    /// Where `quantity` restocked units can go back: to shards that sold at least that
    /// many between them, looked at from `first` round as [`Self::take`] does.
    pub fn give_back(&self, quantity: u32, first: u64) -> Option<Vec<ShardTake>> {
        self.pick(quantity, first, |shard| shard.sold)
    }

    fn pick(
        &self,
        quantity: u32,
        first: u64,
        counter: fn(&ShardLevel) -> i64,
    ) -> Option<Vec<ShardTake>> {
        let count = self.shards.len();
        if count == 0 {
            return None;
        }
        let start = usize::try_from(first % count as u64).unwrap_or(0);
        let round: Vec<&ShardLevel> = self.shards.iter().cycle().skip(start).take(count).collect();
        let take = |shard: &ShardLevel, quantity: u32| ShardTake {
            sku: self.sku.clone(),
            shard: shard.shard,
            quantity,
        };
        if let Some(one) = round
            .iter()
            .find(|shard| counter(shard) >= i64::from(quantity))
        {
            return Some(vec![take(one, quantity)]);
        }
        let mut wanted = quantity;
        let mut takes = Vec::new();
        for shard in round {
            let here = u32::try_from(counter(shard).clamp(0, i64::from(wanted))).unwrap_or(0);
            if here > 0 {
                takes.push(take(shard, here));
                wanted -= here;
            }
            if wanted == 0 {
                return Some(takes);
            }
        }
        None
    }
}

/// `total` units over shards of which the `i`th must hold at least `floors[i]` (the
/// caller has checked that they fit): every shard at one level, or at its floor where
/// that is higher, the remainder one unit each to the first shards at the level.
fn spread(total: i64, floors: &[i64]) -> Vec<i64> {
    let needed = |level: i64| -> i64 { floors.iter().map(|floor| (*floor).max(level)).sum() };
    let (mut low, mut high) = (0, total);
    while low < high {
        let middle = low + (high - low + 1) / 2;
        if needed(middle) <= total {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    let mut left = total - needed(low);
    floors
        .iter()
        .map(|floor| {
            let mut units = (*floor).max(low);
            if *floor <= low && left > 0 {
                units += 1;
                left -= 1;
            }
            units
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku() -> Sku {
        Sku::parse("HP-1").expect("a valid SKU")
    }

    fn stock(shards: &[(i64, i64, i64)]) -> ShardedStock {
        ShardedStock {
            sku: sku(),
            received: shards.iter().map(|(on_hand, _, sold)| on_hand + sold).sum(),
            low_stock_threshold: None,
            shards: shards
                .iter()
                .enumerate()
                .map(|(index, &(on_hand, reserved, sold))| ShardLevel {
                    shard: u32::try_from(index).expect("a few shards"),
                    on_hand,
                    reserved,
                    available: on_hand - reserved,
                    sold,
                })
                .collect(),
        }
    }

    fn on_hand(stock: &ShardedStock) -> Vec<i64> {
        stock.shards.iter().map(|shard| shard.on_hand).collect()
    }

    fn takes(takes: Option<Vec<ShardTake>>) -> Option<Vec<(u32, u32)>> {
        takes.map(|takes| {
            takes
                .into_iter()
                .map(|take| (take.shard, take.quantity))
                .collect()
        })
    }

    #[test]
    fn first_stock_is_spread_evenly_and_all_received() {
        let first = ShardedStock::initial(sku(), 10, 4).expect("4 shards");
        assert_eq!(on_hand(&first), [3, 3, 2, 2]);
        let level = first.level();
        assert_eq!(
            (level.on_hand, level.available, level.received, level.shards),
            (10, 10, 10, 4)
        );
    }

    #[test]
    fn a_recount_keeps_each_shard_at_or_above_its_reserved_units() {
        let recounted = stock(&[(5, 5, 0), (2, 0, 0), (2, 1, 0)])
            .recounted(9, None)
            .expect("9 ≥ 6 reserved");
        assert_eq!(on_hand(&recounted), [5, 2, 2]);
        let recounted = stock(&[(5, 5, 0), (2, 0, 0), (2, 1, 0)])
            .recounted(12, None)
            .expect("12 ≥ 6 reserved");
        assert_eq!(on_hand(&recounted), [5, 4, 3]);
        assert_eq!(recounted.received, 12, "3 more received");
        assert_eq!(
            stock(&[(5, 5, 0), (2, 1, 0)]).recounted(5, None),
            Err(InventoryError::BelowReserved {
                sku: sku(),
                reserved: 6
            })
        );
    }

    #[test]
    fn dropping_shards_moves_their_sold_units_and_refuses_reserved_ones() {
        let merged = stock(&[(2, 0, 1), (3, 0, 4)])
            .recounted(5, Some(1))
            .expect("nothing reserved on shard 1");
        assert_eq!(on_hand(&merged), [5]);
        assert_eq!(merged.shards[0].sold, 5);
        assert_eq!(
            stock(&[(2, 0, 0), (3, 1, 0)]).recounted(5, Some(1)),
            Err(InventoryError::ShardReserved {
                sku: sku(),
                shard: 1,
                reserved: 1
            })
        );
        assert_eq!(
            stock(&[(2, 0, 0)]).recounted(5, Some(MAX_SHARDS + 1)),
            Err(InventoryError::BadShardCount(MAX_SHARDS + 1))
        );
    }

    #[test]
    fn a_take_prefers_one_shard_from_where_it_starts() {
        let stock = stock(&[(1, 0, 0), (5, 0, 0), (2, 0, 0)]);
        assert_eq!(takes(stock.take(2, 2)), Some(vec![(2, 2)]));
        assert_eq!(takes(stock.take(2, 0)), Some(vec![(1, 2)]));
        assert_eq!(takes(stock.take(1, 3)), Some(vec![(0, 1)]), "3 wraps to 0");
    }

    #[test]
    fn a_line_larger_than_any_shard_takes_from_several() {
        let stock = stock(&[(1, 0, 0), (5, 0, 0), (2, 1, 0)]);
        assert_eq!(takes(stock.take(7, 2)), Some(vec![(2, 1), (0, 1), (1, 5)]));
        assert_eq!(takes(stock.take(8, 0)), None, "7 available in all");
    }

    #[test]
    fn restocked_units_go_back_where_units_were_sold() {
        let stock = stock(&[(0, 0, 0), (0, 0, 2), (0, 0, 1)]);
        assert_eq!(takes(stock.give_back(3, 0)), Some(vec![(1, 2), (2, 1)]));
        assert_eq!(takes(stock.give_back(4, 0)), None);
    }
}
