//! Flash sales and their waiting rooms' tickets in DynamoDB; the table design is in the
//! [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use futures::future::try_join_all;
use time::OffsetDateTime;

use super::error::written_or;
use super::item::{
    attributes, body, composite_key, get, number, previous_version, read_body, read_number, text,
    Item, BODY, VERSION,
};
use super::query::Listing;
use super::transaction::{expression_values, Names};
use crate::adapters::cursor::{nanos, token_expiry};
use crate::domain::flash_sale::{
    FlashSale, FlashSaleStore, Joined, QueueKey, Ticket, TicketStatus,
};
use crate::domain::ids::{SaleId, UserId};
use crate::domain::store::StoreError;

/// The sort key of a sale's own item.
const SALE: &str = "SALE";
/// The sort key of a ticket's item.
const TICKET: &str = "TICKET";
/// The sparse index of waiting tickets by queue key and admitted ones by token expiry.
const QUEUE: &str = "queue";
/// The `queue` index's partition key: the ticket's status, sale and shard.
const QUEUE_PK: &str = "queue_pk";
/// The shards of each status of a sale's tickets in the `queue` index. A partition of an
/// index takes about 1,000 writes a second, and a throttled index holds back the table's
/// writes: spread over 16 partitions, the waiting room takes the sale's joins 16 times
/// as fast; a listing reads the shards at once and merges them.
const QUEUE_SHARDS: u8 = 16;
/// The `queue` index's sort key: the queue key of a waiting ticket, the token expiry of
/// an admitted one, the end of a sale.
const QUEUE_SK: &str = "queue_sk";
/// The `queue` partition of every sale, by its end: a sale is written once, when it is
/// created, so one partition takes them all.
const SALES: &str = "SALES";
/// Sales that end after `:bound`.
const ENDING_AFTER: &str = "queue_pk = :partition AND queue_sk > :bound";
/// The condition of every put that creates an item.
const NEW_ITEM: &str = "attribute_not_exists(pk)";
/// A sale's tickets in one status.
const IN_STATUS: &str = "queue_pk = :partition";
/// Those of them below `:bound`.
const BELOW: &str = "queue_pk = :partition AND queue_sk < :bound";
/// Those of them at or below `:bound`.
const UP_TO: &str = "queue_pk = :partition AND queue_sk <= :bound";

/// [`FlashSaleStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoFlashSales {
    client: Client,
    table: String,
}

impl DynamoFlashSales {
    /// The sales and tickets kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoFlashSales {
            client,
            table: table.into(),
        }
    }

    /// Puts `item` if `condition` holds; `refusal` if it does not.
    async fn put_if(
        &self,
        item: Item,
        condition: &str,
        values: Item,
        refusal: StoreError,
    ) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_values(expression_values(values))
            .send()
            .await;
        written_or(put, refusal)
    }

    /// The Queries of `sale`'s tickets in `status` in the `queue` index, one per shard,
    /// lowest `queue_sk` first, under `key_condition` ([`IN_STATUS`], [`BELOW`] or
    /// [`UP_TO`], with `bound` for the latter two).
    fn queue<'a>(
        &'a self,
        status: TicketStatus,
        sale: &'a SaleId,
        key_condition: &'a str,
        bound: Option<i64>,
    ) -> impl Iterator<Item = Listing<'a>> {
        (0..QUEUE_SHARDS).map(move |shard| {
            let partition = queue_partition(status, sale, shard);
            let mut values = attributes([(":partition", text(partition))]);
            if let Some(bound) = bound {
                values.insert(":bound".to_owned(), number(bound));
            }
            Listing {
                table: &self.table,
                index: Some(QUEUE),
                key_condition,
                names: Names::new(),
                values,
                forward: true,
                start_key: None,
            }
        })
    }

    /// The first `limit` tickets of the shards' `listings`, lowest `queue_sk` first.
    async fn tickets<'a>(
        &self,
        listings: impl Iterator<Item = Listing<'a>>,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        let wanted = limit as usize;
        let shards = try_join_all(listings.map(|listing| listing.read(&self.client, wanted)));
        let mut found = shards
            .await?
            .into_iter()
            .flatten()
            .map(|item| Ok((read_number::<i64>(&item, QUEUE_SK)?, item)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        found.sort_by_key(|(position, _)| *position);
        found
            .iter()
            .take(wanted)
            .map(|(_, item)| read_body(item))
            .collect()
    }

    /// How many tickets the shards' `listings` hold together, counting at most `cap`.
    async fn count<'a>(
        &self,
        listings: impl Iterator<Item = Listing<'a>>,
        cap: u32,
    ) -> Result<u32, StoreError> {
        let counts =
            try_join_all(listings.map(|listing| listing.count(&self.client, cap as usize)));
        let counted: usize = counts.await?.into_iter().sum();
        Ok(u32::try_from(counted).unwrap_or(cap).min(cap))
    }
}

fn sale_partition(id: &SaleId) -> String {
    format!("SALE#{id}")
}

fn sale_key(id: &SaleId) -> Item {
    composite_key(sale_partition(id), SALE)
}

/// A ticket is a partition of its own, so that a sale's joins spread over the table.
fn ticket_key(sale: &SaleId, buyer: &UserId) -> Item {
    composite_key(format!("SALE#{sale}#BUYER#{}", buyer.as_str()), TICKET)
}

/// The `queue` partition of `sale`'s tickets in `status` on `shard`.
fn queue_partition(status: TicketStatus, sale: &SaleId, shard: u8) -> String {
    format!("{}#{sale}#{shard}", status.as_str())
}

/// The shard of the `queue` index a ticket is on, for as long as it is there: from the
/// low bits of its id, random for a v4 UUID (and counting up for sequential ids), so the
/// shards fill evenly. Not from the queue key: a late joiner's is a time, whose low bits
/// a coarse clock leaves at zero.
fn queue_shard(ticket: &Ticket) -> u8 {
    let [.., last] = *ticket.id.as_uuid().as_bytes();
    last % QUEUE_SHARDS
}

/// The ticket's item: in the `queue` index while it waits (by queue key) or holds a token
/// (by its expiry), out of it once expired.
fn ticket_item(ticket: &Ticket) -> Result<Item, StoreError> {
    let mut item = ticket_key(&ticket.sale_id, &ticket.buyer);
    item.insert(VERSION.to_owned(), number(ticket.version));
    item.insert(BODY.to_owned(), body(ticket)?);
    let position = match ticket.status {
        TicketStatus::Waiting => Some(ticket.queue_key.0),
        TicketStatus::Admitted => Some(token_expiry(ticket)),
        TicketStatus::Expired => None,
    };
    if let Some(position) = position {
        let partition = queue_partition(ticket.status, &ticket.sale_id, queue_shard(ticket));
        item.insert(QUEUE_PK.to_owned(), text(partition));
        item.insert(QUEUE_SK.to_owned(), number(position));
    }
    Ok(item)
}

#[async_trait]
impl FlashSaleStore for DynamoFlashSales {
    async fn create_sale(&self, sale: &FlashSale) -> Result<(), StoreError> {
        let mut item = sale_key(&sale.id);
        item.insert(BODY.to_owned(), body(sale)?);
        item.insert(QUEUE_PK.to_owned(), text(SALES));
        item.insert(QUEUE_SK.to_owned(), number(nanos(sale.ends_at)));
        self.put_if(item, NEW_ITEM, Item::new(), StoreError::AlreadyExists)
            .await
    }

    async fn sale(&self, id: &SaleId) -> Result<Option<FlashSale>, StoreError> {
        get(&self.client, &self.table, sale_key(id))
            .await?
            .map(|item| read_body(&item))
            .transpose()
    }

    async fn sales_not_ended(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<FlashSale>, StoreError> {
        let listing = Listing {
            table: &self.table,
            index: Some(QUEUE),
            key_condition: ENDING_AFTER,
            names: Names::new(),
            values: attributes([(":partition", text(SALES)), (":bound", number(nanos(now)))]),
            forward: true,
            start_key: None,
        };
        listing
            .read(&self.client, limit as usize)
            .await?
            .iter()
            .map(read_body)
            .collect()
    }

    async fn join(&self, ticket: &Ticket) -> Result<Joined, StoreError> {
        let item = ticket_item(ticket)?;
        match self
            .put_if(item, NEW_ITEM, Item::new(), StoreError::AlreadyExists)
            .await
        {
            Ok(()) => return Ok(Joined::New(ticket.clone())),
            Err(StoreError::AlreadyExists) => {}
            Err(error) => return Err(error),
        }
        // Tickets are never deleted: the one that refused the put is there to read.
        self.ticket(&ticket.sale_id, &ticket.buyer)
            .await?
            .map(Joined::Existing)
            .ok_or(StoreError::Conflict)
    }

    async fn ticket(&self, sale: &SaleId, buyer: &UserId) -> Result<Option<Ticket>, StoreError> {
        get(&self.client, &self.table, ticket_key(sale, buyer))
            .await?
            .map(|item| read_body(&item))
            .transpose()
    }

    async fn update_ticket(&self, ticket: &Ticket) -> Result<(), StoreError> {
        self.put_if(
            ticket_item(ticket)?,
            "version = :previous",
            previous_version(ticket.version),
            StoreError::Conflict,
        )
        .await
    }

    async fn waiting_ahead(
        &self,
        sale: &SaleId,
        key: QueueKey,
        cap: u32,
    ) -> Result<u32, StoreError> {
        let ahead = self.queue(TicketStatus::Waiting, sale, BELOW, Some(key.0));
        self.count(ahead, cap).await
    }

    async fn next_waiting(&self, sale: &SaleId, limit: u32) -> Result<Vec<Ticket>, StoreError> {
        let waiting = self.queue(TicketStatus::Waiting, sale, IN_STATUS, None);
        self.tickets(waiting, limit).await
    }

    async fn admitted_count(&self, sale: &SaleId, cap: u32) -> Result<u32, StoreError> {
        let admitted = self.queue(TicketStatus::Admitted, sale, IN_STATUS, None);
        self.count(admitted, cap).await
    }

    async fn expired_tokens(
        &self,
        sale: &SaleId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        let run_out = self.queue(TicketStatus::Admitted, sale, UP_TO, Some(nanos(now)));
        self.tickets(run_out, limit).await
    }
}
