//! AWS for tests: one moto emulator per test process, started on first use and gone
//! when the process ends; DynamoDB tables that no two tests share; Step Functions.

use std::io::{BufRead, BufReader};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use mambogo::adapters::access::Table;

const WRAPPER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/moto_locked.py");
/// The key and TTL attributes that [`mambogo::adapters::dynamodb`] tables share.
const PK: &str = "pk";
const SK: &str = "sk";
const EXPIRES_AT: &str = "expires_at";
const INSTALL_HINT: &str = "install moto with `pip install -r tests/emulator/requirements.txt` \
     (set MAMBOGO_PYTHON to the python that has it if it is not `python3`)";

struct Emulator {
    endpoint: String,
    /// Never written to: the emulator exits when this pipe closes, that is, with us.
    _stdin: ChildStdin,
}

static EMULATOR: OnceLock<Emulator> = OnceLock::new();

/// The URL of this process's moto emulator, started on the first call.
///
/// Panics, saying how to install it, if python or moto is missing.
pub fn moto_endpoint() -> &'static str {
    &EMULATOR.get_or_init(start_emulator).endpoint
}

fn start_emulator() -> Emulator {
    let python = std::env::var("MAMBOGO_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let mut child = Command::new(&python)
        .arg(WRAPPER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run `{python}` ({error}); {INSTALL_HINT}"));
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        panic!("the emulator was started without pipes");
    };
    let mut ready = String::new();
    BufReader::new(stdout)
        .read_line(&mut ready)
        .unwrap_or_else(|error| panic!("cannot read from the moto emulator: {error}"));
    let Some(port) = ready.trim().strip_prefix("READY ") else {
        let exit = child
            .wait()
            .map_or_else(|error| error.to_string(), |status| status.to_string());
        panic!(
            "the moto emulator (`{python} {WRAPPER}`) did not start ({exit}, first line {ready:?}); \
             {INSTALL_HINT}"
        );
    };
    Emulator {
        endpoint: format!("http://127.0.0.1:{port}"),
        _stdin: stdin,
    }
}

/// A client of the emulator, with dummy credentials.
pub async fn dynamodb_client() -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    Client::from_conf(config)
}

/// The regions [`sfn_client`] hands out, one per call.
const SFN_REGIONS: [&str; 16] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "sa-east-1",
];
static SFN_CLIENTS: AtomicUsize = AtomicUsize::new(0);

/// A Step Functions client of the emulator, with dummy credentials, in a region no other
/// call in this process got. Moto is first told to really execute state machines (its
/// default only records them), so that task tokens are issued and checked as on AWS;
/// executing, moto 5 serves only one StartExecution that starts something per region
/// (the next fails copying the running one), hence the region per client.
///
/// Panics after 16 calls.
pub async fn sfn_client() -> aws_sdk_sfn::Client {
    let config_url = format!("{}/moto-api/config", moto_endpoint());
    reqwest::Client::new()
        .post(&config_url)
        .json(&serde_json::json!({ "stepfunctions": { "execute_state_machine": true } }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .unwrap_or_else(|error| panic!("cannot configure moto at {config_url}: {error}"));
    let Some(region) = SFN_REGIONS.get(SFN_CLIENTS.fetch_add(1, Ordering::Relaxed)) else {
        panic!(
            "more than {} Step Functions clients in one test process",
            SFN_REGIONS.len()
        );
    };
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(Region::new(*region))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    aws_sdk_sfn::Client::from_conf(config)
}

/// An EventBridge client of the emulator, with dummy credentials.
pub async fn eventbridge_client() -> aws_sdk_eventbridge::Client {
    let config = aws_sdk_eventbridge::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    aws_sdk_eventbridge::Client::from_conf(config)
}

/// An SQS client of the emulator, with dummy credentials: where EventBridge rules deliver.
pub async fn sqs_client() -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// An S3 client of the emulator, with dummy credentials and path-style addressing (the
/// emulator serves every bucket at one address), and a new bucket of its own.
pub async fn s3_bucket() -> (aws_sdk_s3::Client, String) {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(Region::new("us-east-1"))
        .force_path_style(true)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    let client = aws_sdk_s3::Client::from_conf(config);
    let bucket = format!("snapshots-{}", uuid::Uuid::new_v4().simple());
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("the emulator creates a bucket");
    (client, bucket)
}

/// A table name no other test uses.
pub fn unique_table_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A table as the adapters in [`mambogo::adapters::dynamodb`] expect it: partition key
/// `pk`, an optional sort key (both strings), global secondary indexes projecting all
/// attributes, the TTL attribute and the stream. The contract suites create their tables
/// from it, and the Terraform parity test holds `infra/terraform/tables.tf` to it.
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
        Table::Operations => TableLayout {
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

fn attribute(name: &str, attribute_type: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(attribute_type)
        .build()
        .expect("an attribute definition has a name and a type")
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("a key schema element has a name and a type")
}

/// Creates table `name` laid out as `table` (see [`table_layout`]), with on-demand
/// billing, then turns on its TTL if it has one.
pub async fn create_table(client: &Client, name: &str, table: Table) {
    let spec = table_layout(table);
    let mut attributes = vec![(PK, ScalarAttributeType::S)];
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(PK, KeyType::Hash));
    if let Some(sort) = spec.sort {
        attributes.push((sort, ScalarAttributeType::S));
        request = request.key_schema(key(sort, KeyType::Range));
    }
    for IndexLayout {
        name: index_name,
        partition,
        sort,
    } in spec.indexes
    {
        let index = GlobalSecondaryIndex::builder()
            .index_name(index_name)
            .key_schema(key(partition.0, KeyType::Hash))
            .key_schema(key(sort.0, KeyType::Range))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .expect("the index has a name and a key schema");
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
            .expect("a stream specification has a switch");
        request = request.stream_specification(stream);
    }
    for (attribute_name, attribute_type) in attributes {
        request = request.attribute_definitions(attribute(attribute_name, attribute_type));
    }
    let holds = table.as_str();
    request
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create {holds} table {name}: {error:?}"));
    let Some(ttl_attribute) = spec.ttl else {
        return;
    };
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name(ttl_attribute)
        .enabled(true)
        .build()
        .expect("a TTL specification has an attribute and a switch");
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(ttl)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot turn on TTL for {name}: {error:?}"));
}

/// Creates a catalog table.
pub async fn create_catalog_table(client: &Client, name: &str) {
    create_table(client, name, Table::Catalog).await;
}

/// Creates a cart table.
pub async fn create_cart_table(client: &Client, name: &str) {
    create_table(client, name, Table::Carts).await;
}

/// Creates an inventory table.
pub async fn create_inventory_table(client: &Client, name: &str) {
    create_table(client, name, Table::Inventory).await;
}

/// Creates an order table.
pub async fn create_order_table(client: &Client, name: &str) {
    create_table(client, name, Table::Orders).await;
}

/// Creates a payment table.
pub async fn create_payment_table(client: &Client, name: &str) {
    create_table(client, name, Table::Payments).await;
}

/// Creates an operations table.
pub async fn create_operations_table(client: &Client, name: &str) {
    create_table(client, name, Table::Operations).await;
}

/// Creates a flash sale table.
pub async fn create_flash_sales_table(client: &Client, name: &str) {
    create_table(client, name, Table::FlashSales).await;
}

/// Creates an idempotency table.
pub async fn create_idempotency_table(client: &Client, name: &str) {
    create_table(client, name, Table::Idempotency).await;
}

/// Creates a mock gateway ledger table.
pub async fn create_mock_ledger_table(client: &Client, name: &str) {
    create_table(client, name, Table::MockLedger).await;
}
