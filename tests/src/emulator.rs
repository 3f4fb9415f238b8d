//! AWS for tests: one moto emulator per test process, started on first use and gone
//! when the process ends; DynamoDB tables that no two tests share; Step Functions.

use std::io::{BufRead, BufReader};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::Client;
use mambogo::adapters::access::Table;
use mambogo::adapters::dynamodb::layout;

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

/// An SES (v2) client of the emulator, with dummy credentials.
pub async fn ses_client() -> aws_sdk_sesv2::Client {
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
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

/// Creates table `name` laid out as `table`, and turns on its TTL if it has one.
pub async fn create_table(client: &Client, name: &str, table: Table) {
    layout::create_table(client, name, table)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
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
