//! How every table is laid out, in one place: the stores read and write by it, the tests
//! and the local shop create their tables from it, and the Terraform parity test holds
//! `infra/terraform/tables.tf` to it.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

use super::error::invalid_request;
use super::item::{EXPIRES_AT, PK, SK};
use crate::adapters::access::Table;
use crate::adapters::aws_error::described;
use crate::domain::store::StoreError;

/// A table as the adapters expect it: partition key `pk`, an optional sort key (both
/// strings), global secondary indexes projecting all attributes, the TTL attribute and
/// the stream.
pub struct TableLayout {
    pub sort: Option<&'static str>,
    pub indexes: Vec<IndexLayout>,
    pub ttl: Option<&'static str>,
    pub new_image_stream: bool,
}

/// A global secondary index: its name, and its partition and sort keys with their types.
pub struct IndexLayout {
    pub name: &'static str,
    pub partition: (&'static str, ScalarAttributeType),
    pub sort: (&'static str, ScalarAttributeType),
}

impl TableLayout {
    /// A table keyed by `pk` alone, with no index, TTL or stream.
    const fn keyed_by_pk() -> Self {
        TableLayout {
            sort: None,
            indexes: Vec::new(),
            ttl: None,
            new_image_stream: false,
        }
    }
}

fn index(
    name: &'static str,
    partition: (&'static str, ScalarAttributeType),
    sort: (&'static str, ScalarAttributeType),
) -> IndexLayout {
    IndexLayout {
        name,
        partition,
        sort,
    }
}

/// The layout of `table`.
pub fn table_layout(table: Table) -> TableLayout {
    use ScalarAttributeType::{N, S};
    match table {
        Table::Catalog => TableLayout {
            sort: Some(SK),
            indexes: vec![index("by_kind", ("kind", S), (PK, S))],
            ..TableLayout::keyed_by_pk()
        },
        Table::Inventory => TableLayout {
            sort: Some(SK),
            indexes: vec![index("pending_by_expiry", ("pending", S), (EXPIRES_AT, N))],
            ..TableLayout::keyed_by_pk()
        },
        Table::Orders => TableLayout {
            indexes: vec![
                index("by_user", ("user_id", S), ("created_at", N)),
                index("by_status", ("status", S), ("created_at", N)),
            ],
            ..TableLayout::keyed_by_pk()
        },
        Table::Payments => TableLayout {
            indexes: vec![index("by_status", ("status", S), ("updated_at", N))],
            ttl: Some(EXPIRES_AT),
            ..TableLayout::keyed_by_pk()
        },
        Table::Operations | Table::Journal => TableLayout {
            sort: Some(SK),
            ttl: Some(EXPIRES_AT),
            ..TableLayout::keyed_by_pk()
        },
        Table::FlashSales => TableLayout {
            sort: Some(SK),
            indexes: vec![index("queue", ("queue_pk", S), ("queue_sk", N))],
            ..TableLayout::keyed_by_pk()
        },
        Table::Carts | Table::Idempotency => TableLayout {
            ttl: Some(EXPIRES_AT),
            ..TableLayout::keyed_by_pk()
        },
        Table::AddressBooks => TableLayout::keyed_by_pk(),
        Table::Coupons => TableLayout {
            sort: Some(SK),
            ..TableLayout::keyed_by_pk()
        },
        Table::Reviews => TableLayout {
            sort: Some(SK),
            indexes: vec![
                index("newest", ("listed_product", S), ("newest_key", S)),
                index("best", ("listed_product", S), ("rating_key", S)),
                index("ratings", ("kind", S), (PK, S)),
            ],
            ..TableLayout::keyed_by_pk()
        },
        Table::MockLedger => TableLayout {
            new_image_stream: true,
            ..TableLayout::keyed_by_pk()
        },
    }
}

fn attribute(
    name: &str,
    attribute_type: ScalarAttributeType,
) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(attribute_type)
        .build()
        .map_err(invalid_request)
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(invalid_request)
}

/// Creates table `name` laid out as `table` (see [`table_layout`]), with on-demand
/// billing, then turns on its TTL if it has one.
pub async fn create_table(client: &Client, name: &str, table: Table) -> Result<(), StoreError> {
    let spec = table_layout(table);
    let mut attributes = vec![(PK, ScalarAttributeType::S)];
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(PK, KeyType::Hash)?);
    if let Some(sort) = spec.sort {
        attributes.push((sort, ScalarAttributeType::S));
        request = request.key_schema(key(sort, KeyType::Range)?);
    }
    for IndexLayout {
        name: index_name,
        partition,
        sort,
    } in spec.indexes
    {
        let index = GlobalSecondaryIndex::builder()
            .index_name(index_name)
            .key_schema(key(partition.0, KeyType::Hash)?)
            .key_schema(key(sort.0, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(invalid_request)?;
        request = request.global_secondary_indexes(index);
        for (attribute_name, attribute_type) in [partition, sort] {
            if attributes.iter().all(|(known, _)| *known != attribute_name) {
                attributes.push((attribute_name, attribute_type));
            }
        }
    }
    if spec.new_image_stream {
        let stream = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::NewImage)
            .build()
            .map_err(invalid_request)?;
        request = request.stream_specification(stream);
    }
    for (attribute_name, attribute_type) in attributes {
        request = request.attribute_definitions(attribute(attribute_name, attribute_type)?);
    }
    request.send().await.map_err(|error| {
        StoreError::Unavailable(format!(
            "cannot create the {} table {name}: {}",
            table.as_str(),
            described("DynamoDB", &error)
        ))
    })?;
    let Some(ttl_attribute) = spec.ttl else {
        return Ok(());
    };
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name(ttl_attribute)
        .enabled(true)
        .build()
        .map_err(invalid_request)?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(ttl)
        .send()
        .await
        .map_err(|error| {
            StoreError::Unavailable(format!(
                "cannot turn on TTL for {name}: {}",
                described("DynamoDB", &error)
            ))
        })?;
    Ok(())
}

/// Creates table `name` laid out as `table` unless a table of that name exists; whether
/// it created it. An existing table is taken as it is.
pub async fn create_if_missing(
    client: &Client,
    name: &str,
    table: Table,
) -> Result<bool, StoreError> {
    match client.describe_table().table_name(name).send().await {
        Ok(_) => Ok(false),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|missing| missing.is_resource_not_found_exception()) =>
        {
            create_table(client, name, table).await.map(|()| true)
        }
        Err(error) => Err(StoreError::Unavailable(format!(
            "cannot look up the table {name}: {}",
            described("DynamoDB", &error)
        ))),
    }
}
