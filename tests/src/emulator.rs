//! DynamoDB for tests: one moto emulator per test process, started on first use and
//! gone when the process ends, and tables that no two tests share.

use std::io::{BufRead, BufReader};
use std::process::{ChildStdin, Command, Stdio};
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
