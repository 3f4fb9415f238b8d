//! `functions/manifest.json`, typed: every Lambda function, what invokes it, and exactly
//! which tables, event publishing, workflow actions and secrets it may use.
//!
//! Terraform builds each function's IAM policy from the same file, so what the code
//! reads here is what the function will be allowed on AWS.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

/// The manifest, embedded at compile time so that every binary and test sees the file
/// this build was made from.
pub const MANIFEST_JSON: &str = include_str!("../../../../functions/manifest.json");

/// A DynamoDB table (an SQLite table set locally) a function may be granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Table {
    Catalog,
    Carts,
    Inventory,
    Orders,
    Payments,
    Idempotency,
    /// The mock payment gateway's own ledger; no [`crate::application::Services`] port uses it.
    MockLedger,
    /// Notifications and sweep reports ([`crate::domain::operations::NotificationOutbox`],
    /// [`crate::domain::operations::OperationsLog`]).
    Operations,
    /// Flash sales and their waiting rooms' tickets
    /// ([`crate::domain::flash_sale::FlashSaleStore`]).
    FlashSales,
    /// Shoppers' address books ([`crate::domain::address_book::AddressBookStore`]).
    AddressBooks,
    /// Coupons and their redemptions ([`crate::domain::coupons::CouponStore`]).
    Coupons,
    /// Reviews and products' ratings ([`crate::domain::reviews::ReviewStore`]).
    Reviews,
    /// Orders' journals ([`crate::domain::journal::OrderJournal`]).
    Journal,
}

impl Table {
    /// Every table, in the order of the enum.
    pub const ALL: [Table; 13] = [
        Table::Catalog,
        Table::Carts,
        Table::Inventory,
        Table::Orders,
        Table::Payments,
        Table::Idempotency,
        Table::MockLedger,
        Table::Operations,
        Table::FlashSales,
        Table::AddressBooks,
        Table::Coupons,
        Table::Reviews,
        Table::Journal,
    ];

    /// The environment variable that names the table to a Lambda function.
    pub fn env_var(self) -> &'static str {
        match self {
            Table::Catalog => "CATALOG_TABLE",
            Table::Carts => "CART_TABLE",
            Table::Inventory => "INVENTORY_TABLE",
            Table::Orders => "ORDER_TABLE",
            Table::Payments => "PAYMENT_TABLE",
            Table::Idempotency => "IDEMPOTENCY_TABLE",
            Table::MockLedger => "MOCK_LEDGER_TABLE",
            Table::Operations => "OPERATIONS_TABLE",
            Table::FlashSales => "FLASH_SALE_TABLE",
            Table::AddressBooks => "ADDRESS_BOOK_TABLE",
            Table::Coupons => "COUPON_TABLE",
            Table::Reviews => "REVIEW_TABLE",
            Table::Journal => "JOURNAL_TABLE",
        }
    }

    /// The table's name in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Catalog => "catalog",
            Table::Carts => "carts",
            Table::Inventory => "inventory",
            Table::Orders => "orders",
            Table::Payments => "payments",
            Table::Idempotency => "idempotency",
            Table::MockLedger => "mock-ledger",
            Table::Operations => "operations",
            Table::FlashSales => "flash-sales",
            Table::AddressBooks => "address-books",
            Table::Coupons => "coupons",
            Table::Reviews => "reviews",
            Table::Journal => "journal",
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// How much of a table a function may use. Write includes read: a conditional write
/// reads the item it conditions on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// GetItem, BatchGetItem, Query, Scan.
    Read,
    /// Read, plus PutItem, UpdateItem, DeleteItem, ConditionCheckItem.
    Write,
}

impl Access {
    /// Whether holding `self` is enough for an operation that needs `needed`.
    pub fn allows(self, needed: Access) -> bool {
        self >= needed
    }

    /// The access's name in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What a function may do with the checkout saga's state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkflowAction {
    /// StartExecution.
    Start,
    /// SendTaskSuccess and SendTaskFailure.
    Callback,
    /// DescribeExecution and GetExecutionHistory, and ListExecutions.
    Describe,
}

impl WorkflowAction {
    /// The action's name in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowAction::Start => "start",
            WorkflowAction::Callback => "callback",
            WorkflowAction::Describe => "describe",
        }
    }
}

impl fmt::Display for WorkflowAction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What invokes a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// An API Gateway route, named by the function's `operationId`.
    Api,
    /// A Task state of the checkout saga.
    Saga,
    /// An SQS queue fed by an EventBridge rule.
    Queue,
    /// An EventBridge schedule, given by the function's `schedule`.
    Schedule,
    /// The mock payment gateway's own HTTP API.
    MockApi,
    /// The mock payment gateway's ledger stream, which sends its webhooks.
    MockStream,
}

/// A secret in Secrets Manager a function may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Secret {
    /// The secrets the payment webhooks are signed with.
    WebhookSecrets,
    /// The key the payment gateway's API expects.
    PaymentGatewayApiKey,
    /// The key flash-sale purchase tokens are signed with.
    PurchaseTokenKey,
}

impl Secret {
    /// The secret's name in the manifest; Terraform names it `<prefix>/<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Secret::WebhookSecrets => "webhook-secrets",
            Secret::PaymentGatewayApiKey => "payment-gateway-api-key",
            Secret::PurchaseTokenKey => "purchase-token-key",
        }
    }

    /// The environment variable that holds the secret's ARN.
    pub fn env_var(self) -> &'static str {
        match self {
            Secret::WebhookSecrets => "WEBHOOK_SECRETS_ARN",
            Secret::PaymentGatewayApiKey => "PAYMENT_GATEWAY_API_KEY_ARN",
            Secret::PurchaseTokenKey => "PURCHASE_TOKEN_KEY_ARN",
        }
    }
}

/// One function of the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunctionSpec {
    /// The function's name: its key in the manifest, its binary and its Lambda.
    #[serde(skip)]
    pub name: String,
    pub trigger: Trigger,
    /// The API operation it serves; exactly the `api` functions have one.
    #[serde(default)]
    pub operation_id: Option<String>,
    /// The tables it may use; a table not listed may not be touched at all.
    #[serde(default)]
    pub tables: BTreeMap<Table, Access>,
    /// Whether it may put events on the event bus itself.
    #[serde(default)]
    pub publishes: bool,
    /// Whether it may send e-mail (SES on AWS, `.eml` files locally).
    #[serde(default)]
    pub sends_mail: bool,
    /// What it may do with the checkout saga.
    #[serde(default)]
    pub workflow: BTreeSet<WorkflowAction>,
    /// The secrets it may read.
    #[serde(default)]
    pub secrets: BTreeSet<Secret>,
    /// What the function may do with the consumers' dead letters: `read` lists them,
    /// `write` also redrives them.
    #[serde(default)]
    pub dead_letters: Option<Access>,
    /// What the function may do with the search index's snapshots: `read` fetches them,
    /// `write` also publishes them.
    #[serde(default)]
    pub search_index: Option<Access>,
    /// For a `queue` function, the most batches its queue hands it at once (SQS event
    /// source mappings take 2 at least); unlimited when absent.
    #[serde(default)]
    pub max_concurrency: Option<u32>,
    /// The schedule expression of a `schedule` function.
    #[serde(default)]
    pub schedule: Option<String>,
    /// Memory in MB, when not the default.
    #[serde(default)]
    pub memory: Option<u32>,
    /// Timeout in seconds, when not the default.
    #[serde(default)]
    pub timeout: Option<u32>,
}

impl FunctionSpec {
    /// What the function may do with `table`, if anything.
    pub fn access(&self, table: Table) -> Option<Access> {
        self.tables.get(&table).copied()
    }
}

/// The embedded `functions/manifest.json` does not parse.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[error("functions/manifest.json does not parse: {0}")]
pub struct ManifestError(pub String);

/// Every function, by name.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// A note for readers of the file.
    #[serde(rename = "$comment", default)]
    pub comment: Option<String>,
    pub functions: BTreeMap<String, FunctionSpec>,
}

impl Manifest {
    /// Reads a manifest and names each function after its key.
    pub fn parse(json: &str) -> Result<Manifest, serde_json::Error> {
        let mut manifest: Manifest = serde_json::from_str(json)?;
        for (name, spec) in &mut manifest.functions {
            spec.name.clone_from(name);
        }
        Ok(manifest)
    }

    /// The manifest this build embeds, parsed once. A unit test parses it, so a build
    /// whose manifest does not parse never passes its tests.
    pub fn embedded() -> Result<&'static Manifest, ManifestError> {
        static EMBEDDED: OnceLock<Result<Manifest, ManifestError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                Manifest::parse(MANIFEST_JSON).map_err(|error| ManifestError(error.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The function named `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionSpec> {
        self.functions.get(name)
    }

    /// The `api` function that serves `operation_id`.
    pub fn by_operation(&self, operation_id: &str) -> Option<&FunctionSpec> {
        self.functions
            .values()
            .find(|spec| spec.operation_id.as_deref() == Some(operation_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_manifest_parses() {
        let manifest = Manifest::parse(MANIFEST_JSON).expect("functions/manifest.json parses");
        assert!(!manifest.functions.is_empty());
        for (name, spec) in &manifest.functions {
            assert_eq!(&spec.name, name);
        }
        assert_eq!(Manifest::embedded().unwrap(), &manifest);
    }

    #[test]
    fn exactly_the_api_functions_have_an_operation_id() {
        for spec in Manifest::embedded().unwrap().functions.values() {
            assert_eq!(
                spec.trigger == Trigger::Api,
                spec.operation_id.is_some(),
                "{}: an operationId belongs on api functions and only there",
                spec.name
            );
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let mut seen = BTreeSet::new();
        for spec in Manifest::embedded().unwrap().functions.values() {
            if let Some(operation_id) = &spec.operation_id {
                assert!(
                    seen.insert(operation_id),
                    "{operation_id} is served by two functions"
                );
            }
        }
    }

    #[test]
    fn only_schedule_functions_have_a_schedule() {
        for spec in Manifest::embedded().unwrap().functions.values() {
            assert_eq!(
                spec.trigger == Trigger::Schedule,
                spec.schedule.is_some(),
                "{}: a schedule belongs on schedule functions and only there",
                spec.name
            );
        }
    }

    #[test]
    fn lookups_find_functions_by_name_and_by_operation() {
        let manifest = Manifest::embedded().unwrap();
        let by_name = manifest.function("get-cart").expect("get-cart is declared");
        assert_eq!(manifest.by_operation("getCart"), Some(by_name));
        assert_eq!(manifest.function("no-such-function"), None);
        assert_eq!(manifest.by_operation("noSuchOperation"), None);
    }

    #[test]
    fn write_includes_read() {
        assert!(Access::Write.allows(Access::Read));
        assert!(Access::Write.allows(Access::Write));
        assert!(Access::Read.allows(Access::Read));
        assert!(!Access::Read.allows(Access::Write));
    }

    #[test]
    fn unknown_fields_and_names_are_refused() {
        let unknown_field = r#"{"functions": {"f": {"trigger": "saga", "tabels": {}}}}"#;
        assert!(Manifest::parse(unknown_field).is_err());
        let unknown_table =
            r#"{"functions": {"f": {"trigger": "saga", "tables": {"users": "read"}}}}"#;
        assert!(Manifest::parse(unknown_table).is_err());
        let unknown_access =
            r#"{"functions": {"f": {"trigger": "saga", "tables": {"carts": "admin"}}}}"#;
        assert!(Manifest::parse(unknown_access).is_err());
    }

    #[test]
    fn table_names_match_the_manifest_spelling() {
        for table in Table::ALL {
            let parsed: Table = serde_json::from_value(serde_json::json!(table.as_str()))
                .expect("as_str is the manifest spelling");
            assert_eq!(parsed, table);
        }
    }
}
