//! Flash sales and their waiting rooms' tickets in DynamoDB; the table design is in the
//! [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;

use super::error::written_or;
use super::item::{
    attributes, body, composite_key, get, number, previous_version, read_body, text, Item, BODY,
    VERSION,
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
/// The sparse index of waiting tickets by queue key and admitted ones by token expiry.
const QUEUE: &str = "queue";
/// The `queue` index's partition key: the ticket's status and sale.
const QUEUE_PK: &str = "queue_pk";
/// The `queue` index's sort key: the queue key of a waiting ticket, the token expiry of
/// an admitted one.
const QUEUE_SK: &str = "queue_sk";
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

    /// The Query of `sale`'s tickets in `status` in the `queue` index, lowest `queue_sk`
    /// first, under `key_condition` ([`IN_STATUS`], [`BELOW`] or [`UP_TO`], with `bound`
    /// for the latter two).
    fn queue<'a>(
        &'a self,
        status: TicketStatus,
        sale: &SaleId,
        key_condition: &'a str,
        bound: Option<i64>,
    ) -> Listing<'a> {
        let mut values = attributes([(":partition", text(queue_partition(status, sale)))]);
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
    }

    /// The tickets `listing` reads, at most `limit`.
    async fn tickets(&self, listing: Listing<'_>, limit: u32) -> Result<Vec<Ticket>, StoreError> {
        let items = listing.read(&self.client, limit as usize).await?;
        items.iter().map(read_body).collect()
    }

    /// How many tickets `listing` holds, counting at most `cap`.
    async fn count(&self, listing: Listing<'_>, cap: u32) -> Result<u32, StoreError> {
        let counted = listing.count(&self.client, cap as usize).await?;
        Ok(u32::try_from(counted).unwrap_or(cap))
    }
}

fn sale_partition(id: &SaleId) -> String {
    format!("SALE#{id}")
}

fn sale_key(id: &SaleId) -> Item {
    composite_key(sale_partition(id), SALE)
}

fn ticket_key(sale: &SaleId, buyer: &UserId) -> Item {
    composite_key(sale_partition(sale), &format!("BUYER#{}", buyer.as_str()))
}

/// The `queue` partition of `sale`'s tickets in `status`.
fn queue_partition(status: TicketStatus, sale: &SaleId) -> String {
    format!("{}#{sale}", status.as_str())
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
        let partition = queue_partition(ticket.status, &ticket.sale_id);
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
        self.put_if(item, NEW_ITEM, Item::new(), StoreError::AlreadyExists)
            .await
    }

    async fn sale(&self, id: &SaleId) -> Result<Option<FlashSale>, StoreError> {
        get(&self.client, &self.table, sale_key(id))
            .await?
            .map(|item| read_body(&item))
            .transpose()
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
