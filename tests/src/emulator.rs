//! AWS for tests: one moto emulator per test process, started on first use and gone
//! when the process ends; DynamoDB tables that no two tests share; Step Functions.

use std::io::{BufRead, BufReader};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

const WRAPPER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/moto_locked.py");
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

/// A table name no other test uses.
pub fn unique_table_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
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

/// Creates a catalog table as [`mambogo::adapters::dynamodb`] describes it: `pk`/`sk`
/// and the `by_kind` index.
pub async fn create_catalog_table(client: &Client, name: &str) {
    let by_kind = GlobalSecondaryIndex::builder()
        .index_name("by_kind")
        .key_schema(key("kind", KeyType::Hash))
        .key_schema(key("pk", KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .expect("the index has a name and a key schema");
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute("pk"))
        .attribute_definitions(string_attribute("sk"))
        .attribute_definitions(string_attribute("kind"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(by_kind)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create catalog table {name}: {error:?}"));
}

/// Creates a cart table as [`mambogo::adapters::dynamodb`] describes it: `pk`, with
/// `expires_at` as its TTL attribute.
pub async fn create_cart_table(client: &Client, name: &str) {
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute("pk"))
        .key_schema(key("pk", KeyType::Hash))
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create cart table {name}: {error:?}"));
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name("expires_at")
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

/// Creates an inventory table as [`mambogo::adapters::dynamodb`] describes it: `pk`/`sk`
/// and the sparse `pending_by_expiry` index (`pending` S, `expires_at` N).
pub async fn create_inventory_table(client: &Client, name: &str) {
    let expires_at = AttributeDefinition::builder()
        .attribute_name("expires_at")
        .attribute_type(ScalarAttributeType::N)
        .build()
        .expect("an attribute definition has a name and a type");
    let pending_by_expiry = GlobalSecondaryIndex::builder()
        .index_name("pending_by_expiry")
        .key_schema(key("pending", KeyType::Hash))
        .key_schema(key("expires_at", KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .expect("the index has a name and a key schema");
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute("pk"))
        .attribute_definitions(string_attribute("sk"))
        .attribute_definitions(string_attribute("pending"))
        .attribute_definitions(expires_at)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(pending_by_expiry)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create inventory table {name}: {error:?}"));
}

/// Creates an order table as [`mambogo::adapters::dynamodb`] describes it: `pk` and the
/// `by_user` index (`user_id` S, `created_at` N).
pub async fn create_order_table(client: &Client, name: &str) {
    let created_at = AttributeDefinition::builder()
        .attribute_name("created_at")
        .attribute_type(ScalarAttributeType::N)
        .build()
        .expect("an attribute definition has a name and a type");
    let by_user = GlobalSecondaryIndex::builder()
        .index_name("by_user")
        .key_schema(key("user_id", KeyType::Hash))
        .key_schema(key("created_at", KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .expect("the index has a name and a key schema");
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute("pk"))
        .attribute_definitions(string_attribute("user_id"))
        .attribute_definitions(created_at)
        .key_schema(key("pk", KeyType::Hash))
        .global_secondary_indexes(by_user)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create order table {name}: {error:?}"));
}

/// Creates a payment table as [`mambogo::adapters::dynamodb`] describes it: `pk`, with
/// `expires_at` as its TTL attribute.
pub async fn create_payment_table(client: &Client, name: &str) {
    create_expiring_table(client, name).await;
}

/// Creates an idempotency table as [`mambogo::adapters::dynamodb`] describes it: `pk`,
/// with `expires_at` as its TTL attribute.
pub async fn create_idempotency_table(client: &Client, name: &str) {
    create_expiring_table(client, name).await;
}

/// Creates a table keyed by `pk` alone whose items expire at their `expires_at`.
async fn create_expiring_table(client: &Client, name: &str) {
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute("pk"))
        .key_schema(key("pk", KeyType::Hash))
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create table {name}: {error:?}"));
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name("expires_at")
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

/// Creates a mock gateway ledger table as [`mambogo::adapters::dynamodb`] describes it:
/// `pk`, with a stream of new images (the webhooks' delivery trigger).
pub async fn create_mock_ledger_table(client: &Client, name: &str) {
    let stream = aws_sdk_dynamodb::types::StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::NewImage)
        .build()
        .expect("a stream specification has a switch");
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute("pk"))
        .key_schema(key("pk", KeyType::Hash))
        .stream_specification(stream)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create mock ledger table {name}: {error:?}"));
}
