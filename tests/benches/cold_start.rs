//! Cold start of every Lambda function, as a whole process: from spawning its binary
//! until it asks the Runtime API for its first event (init), and until it has answered
//! that event (first response). Each function gets the environment its entry in
//! `functions/manifest.json` grants and real AWS clients, pointed at the moto emulator.
//!
//! `cargo bench -p mambogo-tests --bench cold_start [-- function...]` first builds the
//! functions for this host with the `lambda` profile, the one `scripts/package-lambdas`
//! ships (`COLD_START_PROFILE` names another; `release` is no quicker to build: each
//! binary links the AWS SDK with LTO either way, about a minute per function on two
//! cores). Then it runs each function `COLD_START_RUNS` times (5 by default) against a
//! Runtime API served here, and prints init p50 and max, first-response p50 and the
//! answer, beside the zip size in dist/lambda (from `scripts/package-lambdas`, "—" when
//! not packaged), and two references measured in the same run: spawning a process that
//! does nothing, and parsing the embedded OpenAPI file as every API function does at init.
//!
//! The host is not Lambda: more CPU than a 256 MB function gets, but the system's CA
//! directory is read at init (/etc/ssl/certs here, a few files on Lambda's images).
//! Each process's logs go to target/cold-start/<function>.log.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use mambogo::api::{routes, AuthRequirement, OPENAPI_YAML};
use mambogo_tests::emulator;
use serde_json::{json, Value};
use tokio::sync::mpsc;

const DEFAULT_RUNS: usize = 5;
/// What a function's init may take, spawn to first `/next`.
const INIT_TARGET: Duration = Duration::from_millis(15);
/// How long a process may take to answer before the run counts as failed.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
const RUNTIME_PREFIX: &str = "/2018-06-01/runtime";

// ---------------------------------------------------------------------------------------
// The functions, as the manifest describes them.

/// One function of `functions/manifest.json`, with only what the bench uses.
struct Function {
    name: String,
    trigger: String,
    operation_id: Option<String>,
    tables: Vec<String>,
    publishes: bool,
    workflow: Vec<String>,
    secrets: Vec<String>,
    dead_letters: bool,
    memory_mb: Option<u64>,
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn read_manifest(root: &Path) -> Vec<Function> {
    let path = root.join("functions/manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let manifest: Value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
    let Some(functions) = manifest["functions"].as_object() else {
        panic!("{} has no `functions` object", path.display());
    };
    functions
        .iter()
        .map(|(name, entry)| Function {
            name: name.clone(),
            trigger: entry["trigger"].as_str().unwrap_or("").to_owned(),
            operation_id: entry["operationId"].as_str().map(str::to_owned),
            tables: strings(&entry["tables"]),
            publishes: entry["publishes"].as_bool().unwrap_or(false),
            workflow: strings(&entry["workflow"]),
            secrets: strings(&entry["secrets"]),
            dead_letters: entry.get("deadLetters").is_some(),
            memory_mb: entry["memory"].as_u64(),
        })
        .collect()
}

/// The variable that names `table` to a function (as Terraform sets it).
fn table_variable(table: &str) -> String {
    match table {
        "carts" => "CART_TABLE".to_owned(),
        "orders" => "ORDER_TABLE".to_owned(),
        "payments" => "PAYMENT_TABLE".to_owned(),
        other => format!("{}_TABLE", other.to_uppercase().replace('-', "_")),
    }
}

// ---------------------------------------------------------------------------------------
// The emulated AWS account: tables, secrets, names.

struct Account {
    endpoint: String,
    /// Manifest table name → table name in moto.
    tables: BTreeMap<String, String>,
    /// Manifest secret name → the secret's ARN in moto.
    secret_arns: BTreeMap<String, String>,
    /// Every consumer's queue and dead-letter queue, as `DEAD_LETTER_QUEUES` names them.
    dead_letter_queues: String,
}

/// Every secret's value, and the variable that may carry it directly outside AWS.
fn secret_value(secret: &str) -> (&'static str, &'static str) {
    match secret {
        "webhook-secrets" => ("WEBHOOK_SECRETS", "whsec_cold_start_bench"),
        "payment-gateway-api-key" => ("PAYMENT_GATEWAY_API_KEY", "cold-start-bench-key"),
        _ => ("", "cold-start-bench-secret"),
    }
}

/// The variable that holds `secret`'s ARN, as Terraform sets it.
fn secret_arn_variable(secret: &str) -> String {
    format!("{}_ARN", secret.to_uppercase().replace('-', "_"))
}

async fn create_account(functions: &[Function]) -> Account {
    let endpoint = emulator::moto_endpoint().to_owned();
    let dynamodb = emulator::dynamodb_client().await;
    let mut tables = BTreeMap::new();
    for function in functions {
        for table in &function.tables {
            if tables.contains_key(table) {
                continue;
            }
            let name = format!("cold-start-{table}");
            match table.as_str() {
                "catalog" => emulator::create_catalog_table(&dynamodb, &name).await,
                "carts" => emulator::create_cart_table(&dynamodb, &name).await,
                "inventory" => emulator::create_inventory_table(&dynamodb, &name).await,
                "orders" => emulator::create_order_table(&dynamodb, &name).await,
                "payments" => emulator::create_payment_table(&dynamodb, &name).await,
                "idempotency" => emulator::create_idempotency_table(&dynamodb, &name).await,
                "operations" => emulator::create_operations_table(&dynamodb, &name).await,
                "flash-sales" => emulator::create_flash_sales_table(&dynamodb, &name).await,
                "mock-ledger" => emulator::create_mock_ledger_table(&dynamodb, &name).await,
                other => {
                    println!(
                        "note: no builder for the {other} table; its name is passed, no table made"
                    );
                }
            }
            tables.insert(table.clone(), name);
        }
    }
    let secrets = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .build(),
    );
    let mut secret_arns = BTreeMap::new();
    for secret in functions.iter().flat_map(|function| &function.secrets) {
        if secret_arns.contains_key(secret) {
            continue;
        }
        let created = secrets
            .create_secret()
            .name(format!("mambogo/{secret}"))
            .secret_string(secret_value(secret).1)
            .send()
            .await
            .unwrap_or_else(|error| panic!("cannot create secret {secret} in moto: {error:?}"));
        let arn = created
            .arn()
            .expect("CreateSecret answers the ARN")
            .to_owned();
        secret_arns.insert(secret.clone(), arn);
    }
    let dead_letter_queues: serde_json::Map<String, Value> = functions
        .iter()
        .filter(|function| function.trigger == "queue")
        .map(|function| {
            let queue = format!("{endpoint}/{ACCOUNT}/{}", function.name);
            let queues = json!({ "queueUrl": queue, "dlqUrl": format!("{queue}-dlq") });
            (function.name.clone(), queues)
        })
        .collect();
    Account {
        endpoint,
        tables,
        secret_arns,
        dead_letter_queues: Value::Object(dead_letter_queues).to_string(),
    }
}

/// What Lambda sets for every function, then what Terraform (infra/terraform/functions.tf)
/// derives from the function's manifest entry.
fn environment(bench: &Bench, function: &Function) -> Vec<(String, String)> {
    let account = &bench.account;
    // Terraform's default memory per trigger, when the manifest entry names none.
    let default_memory = if function.trigger == "schedule" {
        512
    } else {
        256
    };
    let memory = function.memory_mb.unwrap_or(default_memory).to_string();
    let mut variables: Vec<(String, String)> = vec![
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        ("LANG".into(), "en_US.UTF-8".into()),
        ("TZ".into(), ":UTC".into()),
        ("AWS_LAMBDA_RUNTIME_API".into(), bench.runtime_api.clone()),
        ("AWS_LAMBDA_FUNCTION_NAME".into(), function.name.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), memory),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE".into(), "on-demand".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME".into(),
            format!("/aws/lambda/{}", function.name),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME".into(),
            "2030/01/01/[$LATEST]cold-start-bench".into(),
        ),
        ("AWS_REGION".into(), REGION.into()),
        ("AWS_DEFAULT_REGION".into(), REGION.into()),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ("AWS_SESSION_TOKEN".into(), "testing".into()),
        ("AWS_ENDPOINT_URL".into(), account.endpoint.clone()),
    ];
    let mut grant = |name: &str, value: &str| variables.push((name.to_owned(), value.to_owned()));
    let trigger = function.trigger.as_str();
    let mock = matches!(trigger, "mock-api" | "mock-stream");
    for table in &function.tables {
        grant(&table_variable(table), &account.tables[table]);
    }
    // Saga steps name the bus in the events they hand back to the state machine.
    if function.publishes || trigger == "saga" {
        grant("EVENT_BUS_NAME", "cold-start-bus");
    }
    let starts_or_describes = function
        .workflow
        .iter()
        .any(|action| action == "start" || action == "describe");
    if starts_or_describes && trigger != "saga" {
        grant(
            "STATE_MACHINE_ARN",
            &format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:checkout"),
        );
    }
    for secret in &function.secrets {
        grant(&secret_arn_variable(secret), &account.secret_arns[secret]);
        // The value itself too, for code that does not read secrets by reference.
        let (plain, value) = secret_value(secret);
        if !plain.is_empty() {
            grant(plain, value);
        }
        // The mock gateway holds the key to check its callers with, and gets no URL.
        if secret == "payment-gateway-api-key" && !mock {
            grant("PAYMENT_GATEWAY_URL", "http://127.0.0.1:9");
        }
    }
    if function.dead_letters {
        grant("DEAD_LETTER_QUEUES", &account.dead_letter_queues);
    }
    if matches!(trigger, "api" | "saga") {
        grant("RESERVATION_TTL_SECONDS", "900");
        grant("SHOP_CURRENCY", "USD");
    }
    if trigger == "api" {
        grant("RETURN_WINDOW_DAYS", "30");
        let operation = function.operation_id.as_deref().unwrap_or_default();
        let optional_auth = bench.api_routes.iter().any(|route| {
            route.operation_id == operation && route.auth == AuthRequirement::Optional
        });
        // Fetched on the first token that needs checking, never at init.
        if optional_auth {
            grant("JWT_JWKS_URL", "http://127.0.0.1:9/.well-known/jwks.json");
            grant(
                "JWT_ISSUER",
                "https://cognito-idp.us-east-1.amazonaws.com/bench",
            );
            grant("JWT_AUDIENCE", "cold-start-bench");
        }
    }
    if trigger == "mock-stream" {
        grant("WEBHOOK_URL", "http://127.0.0.1:9/webhooks/payments");
    }
    variables
}

// ---------------------------------------------------------------------------------------
// The one event each function gets.

fn epoch_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis())
}

/// An API Gateway HTTP API event (payload 2.0) without credentials: `method` on `path`,
/// whose `{name}` parameters are filled in.
fn http_api_event(method: &str, route_path: &str, route_key: &str) -> Value {
    let mut path_parameters = serde_json::Map::new();
    let raw_path: String = route_path
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let value = "00000000-0000-4000-8000-000000000001";
                    path_parameters.insert(name.to_owned(), json!(value));
                    value.to_owned()
                }
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/");
    let has_body = matches!(method, "POST" | "PUT" | "PATCH");
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "content-type": "application/json",
            "host": "bench.execute-api.us-east-1.amazonaws.com",
            "user-agent": "cold-start-bench",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "bench",
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "bench",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "cold-start-bench",
            },
            "requestId": "cold-start-request",
            "routeKey": route_key,
            "stage": "$default",
            "time": "01/Jan/2030:00:00:00 +0000",
            "timeEpoch": 1_893_456_000_000_i64,
        },
        "isBase64Encoded": false,
    });
    if !path_parameters.is_empty() {
        event["pathParameters"] = Value::Object(path_parameters);
    }
    if has_body {
        event["body"] = json!("{}");
    }
    event
}

/// The event for `function`: a cheap request on its route, or a small event of its
/// trigger's kind. Answering it with an error still counts as answering.
fn first_event(function: &Function, api_routes: &[mambogo::api::Route]) -> Value {
    match function.trigger.as_str() {
        "api" => {
            let operation = function.operation_id.as_deref().unwrap_or_default();
            match api_routes
                .iter()
                .find(|route| route.operation_id == operation)
            {
                Some(route) => {
                    let method = route.method.as_str();
                    http_api_event(method, &route.path, &format!("{method} {}", route.path))
                }
                None => http_api_event("GET", "/unknown-operation", "$default"),
            }
        }
        "mock-api" => http_api_event("POST", "/payments/authorize", "$default"),
        "queue" | "mock-stream" => json!({ "Records": [] }),
        "schedule" => json!({
            "version": "0",
            "id": "00000000-0000-4000-8000-000000000002",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": "2030-01-01T00:00:00Z",
            "region": REGION,
            "resources": [format!("arn:aws:events:{REGION}:{ACCOUNT}:rule/{}", function.name)],
            "detail": {},
        }),
        // A saga step's payload without the order: answered with the step's error.
        _ => json!({}),
    }
}

// ---------------------------------------------------------------------------------------
// A Lambda Runtime API that hands out one event per process.

/// What the Runtime API saw of the process being measured.
enum Signal {
    Next(Instant),
    Answered(Instant, String),
    InitError(String),
}

struct Invocation {
    request_id: String,
    function_arn: String,
    event: Vec<u8>,
    handed_out: bool,
    signals: mpsc::UnboundedSender<Signal>,
}

#[derive(Clone, Default)]
struct RuntimeApi {
    current: Arc<Mutex<Option<Invocation>>>,
}

impl RuntimeApi {
    fn signal(&self, signal: Signal) {
        if let Some(invocation) = self.current.lock().expect("runtime state").as_ref() {
            let _ = invocation.signals.send(signal);
        }
    }
}

async fn next_invocation(State(api): State<RuntimeApi>) -> Response {
    let now = Instant::now();
    let event = {
        let mut current = api.current.lock().expect("runtime state");
        current.as_mut().map(|invocation| {
            let _ = invocation.signals.send(Signal::Next(now));
            if invocation.handed_out {
                return None;
            }
            invocation.handed_out = true;
            Some((
                invocation.request_id.clone(),
                invocation.function_arn.clone(),
                invocation.event.clone(),
            ))
        })
    };
    let Some(Some((request_id, function_arn, event))) = event else {
        // One event per process: the next call waits until the process is killed.
        return std::future::pending().await;
    };
    let deadline = epoch_millis() + ANSWER_TIMEOUT.as_millis();
    (
        [
            ("content-type", "application/json".to_owned()),
            ("lambda-runtime-aws-request-id", request_id),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            ("lambda-runtime-invoked-function-arn", function_arn),
            (
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000001;Parent=0000000000000001;Sampled=0"
                    .to_owned(),
            ),
        ],
        event,
    )
        .into_response()
}

/// The answer in a few words: an HTTP event's status, or `ok` for any other event.
fn describe_response(body: &[u8]) -> String {
    let status = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|answer| answer.get("statusCode").and_then(Value::as_u64));
    status.map_or_else(|| "ok".to_owned(), |status| status.to_string())
}

fn describe_error(headers: &HeaderMap, body: &[u8]) -> String {
    let error_type = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|error| {
            error
                .get("errorType")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            headers
                .get("lambda-runtime-function-error-type")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned());
    format!("error {error_type}")
}

async fn invocation_response(State(api): State<RuntimeApi>, body: Bytes) -> StatusCode {
    api.signal(Signal::Answered(Instant::now(), describe_response(&body)));
    StatusCode::ACCEPTED
}

async fn invocation_error(
    State(api): State<RuntimeApi>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    api.signal(Signal::Answered(
        Instant::now(),
        describe_error(&headers, &body),
    ));
    StatusCode::ACCEPTED
}

async fn init_error(State(api): State<RuntimeApi>, headers: HeaderMap, body: Bytes) -> StatusCode {
    api.signal(Signal::InitError(describe_error(&headers, &body)));
    StatusCode::ACCEPTED
}

/// Serves the Runtime API on a free loopback port; answers its `host:port`.
async fn start_runtime_api(api: RuntimeApi) -> String {
    let router = Router::new()
        .route(
            &format!("{RUNTIME_PREFIX}/invocation/next"),
            get(next_invocation),
        )
        .route(
            &format!("{RUNTIME_PREFIX}/invocation/{{id}}/response"),
            post(invocation_response),
        )
        .route(
            &format!("{RUNTIME_PREFIX}/invocation/{{id}}/error"),
            post(invocation_error),
        )
        .route(&format!("{RUNTIME_PREFIX}/init/error"), post(init_error))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port for the Runtime API");
    let address = listener.local_addr().expect("the Runtime API's address");
    tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("the Runtime API serves");
    });
    address.to_string()
}

// ---------------------------------------------------------------------------------------
// Cold starts.

/// A function process that is killed however the run ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct ColdStart {
    init: Duration,
    first_response: Duration,
    answer: String,
}

/// Starts `binary` once and waits for its first answer; `Err` says why there was none.
async fn cold_start(
    api: &RuntimeApi,
    binary: &Path,
    function: &Function,
    variables: &[(String, String)],
    event: &Value,
    log: &File,
) -> Result<ColdStart, String> {
    let (signals, mut received) = mpsc::unbounded_channel();
    *api.current.lock().expect("runtime state") = Some(Invocation {
        request_id: uuid::Uuid::new_v4().to_string(),
        function_arn: format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:{}",
            function.name
        ),
        event: event.to_string().into_bytes(),
        handed_out: false,
        signals,
    });
    let output = |log: &File| log.try_clone().map_or_else(|_| Stdio::null(), Stdio::from);
    let started = Instant::now();
    let mut process = Process(
        Command::new(binary)
            .env_clear()
            .envs(variables.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(output(log))
            .stderr(output(log))
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?,
    );
    let mut init = None;
    let outcome = loop {
        if started.elapsed() > ANSWER_TIMEOUT {
            break Err(format!("no answer within {ANSWER_TIMEOUT:?}"));
        }
        match tokio::time::timeout(Duration::from_millis(5), received.recv()).await {
            Ok(Some(Signal::Next(at))) => {
                init.get_or_insert(at - started);
            }
            Ok(Some(Signal::Answered(at, answer))) => {
                break init
                    .map(|init| ColdStart {
                        init,
                        first_response: at - started,
                        answer,
                    })
                    .ok_or_else(|| "answered before asking for an event".to_owned());
            }
            Ok(Some(Signal::InitError(error))) => break Err(format!("init error: {error}")),
            Ok(None) => break Err("the Runtime API stopped".to_owned()),
            Err(_) => {
                if let Ok(Some(status)) = process.0.try_wait() {
                    break Err(format!("exited before answering ({status})"));
                }
            }
        }
    };
    drop(process);
    *api.current.lock().expect("runtime state") = None;
    outcome
}

/// The nearest-rank percentile of `sorted`, which is not empty.
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The cost of starting a process at all: spawning `true` until it exits.
fn process_spawn_floor(runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(5))
        .map(|_| {
            let started = Instant::now();
            let _ = Command::new("true").status();
            started.elapsed()
        })
        .collect();
    times.sort();
    percentile(&times, 50)
}

/// What every API function does at init: reading the embedded OpenAPI file as a route
/// table (in this process, built with the bench profile).
fn openapi_parse_time() -> Duration {
    let mut times: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            let routes = routes(OPENAPI_YAML).expect("the embedded OpenAPI file is readable");
            std::hint::black_box(routes);
            started.elapsed()
        })
        .collect();
    times.sort();
    percentile(&times, 50)
}

// ---------------------------------------------------------------------------------------
// Building, and the whole run.

/// The directory this bench was built in (`<target>/<profile>/deps/cold_start-…`).
fn target_dir() -> PathBuf {
    let executable = std::env::current_exe().expect("the bench's own path");
    executable
        .ancestors()
        .nth(3)
        .expect("the bench runs from <target>/<profile>/deps")
        .to_path_buf()
}

/// Builds the binaries of `functions` for this host with `profile`; answers where they
/// are. Functions without a binary are left out (and reported as such). The mock
/// gateway's functions are built with the `mock-gateway` feature they require, the
/// shop's without, as `scripts/package-lambdas` builds them.
fn build_functions(root: &Path, target: &Path, profile: &str, functions: &[Function]) -> PathBuf {
    let sources = root.join("functions/src/bin");
    let with_binary: Vec<&Function> = functions
        .iter()
        .filter(|function| sources.join(format!("{}.rs", function.name)).exists())
        .collect();
    println!(
        "building {} function(s) for this host: \
         cargo build --profile {profile} -p mambogo-functions --bin …",
        with_binary.len()
    );
    let started = Instant::now();
    let (mock, shop): (Vec<&Function>, Vec<&Function>) = with_binary
        .into_iter()
        .partition(|function| matches!(function.trigger.as_str(), "mock-api" | "mock-stream"));
    for (group, features) in [(shop, None), (mock, Some("mock-gateway"))] {
        if group.is_empty() {
            continue;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut command = Command::new(cargo);
        command
            .args(["build", "--profile", profile, "-p", "mambogo-functions"])
            .arg("--target-dir")
            .arg(target)
            .current_dir(root);
        if let Some(features) = features {
            command.args(["--features", features]);
        }
        for function in group {
            command.args(["--bin", function.name.as_str()]);
        }
        let status = command.status().expect("cargo runs");
        assert!(status.success(), "building the functions failed ({status})");
    }
    println!("built in {:.0} s", started.elapsed().as_secs_f64());
    let profile_dir = match profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        other => other,
    };
    target.join(profile_dir)
}

fn zip_size(root: &Path, function: &str) -> String {
    let zip = root.join("dist/lambda").join(format!("{function}.zip"));
    std::fs::metadata(zip).map_or_else(
        |_| "—".to_owned(),
        |zip| format!("{:.2}", zip.len() as f64 / 1e6),
    )
}

/// Everything the runs share.
struct Bench {
    api: RuntimeApi,
    runtime_api: String,
    account: Account,
    api_routes: Vec<mambogo::api::Route>,
    runs: usize,
}

/// `runs` cold starts of `function` from `binary`, its logs in `log`; stops at the first
/// that fails.
async fn measure(
    bench: &Bench,
    function: &Function,
    binary: &Path,
    log: &File,
) -> Result<Vec<ColdStart>, String> {
    let variables = environment(bench, function);
    let event = first_event(function, &bench.api_routes);
    let mut starts = Vec::with_capacity(bench.runs);
    for _ in 0..bench.runs {
        starts.push(cold_start(&bench.api, binary, function, &variables, &event, log).await?);
    }
    Ok(starts)
}

fn print_header() {
    println!(
        "{:<26} {:<11} {:>7} {:>9} {:>9} {:>8} {:>11}  {:<22} init ≤ {} ms",
        "function",
        "trigger",
        "zip MB",
        "init p50",
        "init max",
        "p50/ref",
        "1st answer",
        "answer",
        INIT_TARGET.as_millis(),
    );
}

/// Prints one function's row; answers whether its init p50 is within the target.
fn print_row(function: &Function, zip: &str, starts: &[ColdStart], spawn_floor: Duration) -> bool {
    let mut inits: Vec<Duration> = starts.iter().map(|start| start.init).collect();
    inits.sort();
    let mut answers: Vec<Duration> = starts.iter().map(|start| start.first_response).collect();
    answers.sort();
    let init_p50 = percentile(&inits, 50);
    let within = init_p50 <= INIT_TARGET;
    println!(
        "{:<26} {:<11} {zip:>7} {:>9.1} {:>9.1} {:>8.1} {:>11.1}  {:<22} {}",
        function.name,
        function.trigger,
        millis(init_p50),
        millis(percentile(&inits, 100)),
        init_p50.as_secs_f64() / spawn_floor.as_secs_f64(),
        millis(percentile(&answers, 50)),
        starts[0].answer,
        if within { "✓" } else { "✗" },
    );
    within
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .to_path_buf();
    if std::env::var_os("MAMBOGO_PYTHON").is_none() && root.join(".venv/bin/python").exists() {
        // Where scripts/test installs moto; set before the emulator first starts.
        std::env::set_var("MAMBOGO_PYTHON", root.join(".venv/bin/python"));
    }
    let runs: usize = std::env::var("COLD_START_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .filter(|runs| *runs > 0)
        .unwrap_or(DEFAULT_RUNS);
    let profile = std::env::var("COLD_START_PROFILE").unwrap_or_else(|_| "lambda".to_owned());
    // `cargo bench` passes `--bench`; any other argument names a function to measure.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|argument| !argument.starts_with("--"))
        .collect();

    let mut functions = read_manifest(&root);
    if !only.is_empty() {
        functions.retain(|function| only.contains(&function.name));
    }
    let binaries = build_functions(&root, &target_dir(), &profile, &functions);
    let logs = target_dir().join("cold-start");
    std::fs::create_dir_all(&logs).expect("a directory for the functions' logs");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let api = RuntimeApi::default();
        let bench = Bench {
            runtime_api: start_runtime_api(api.clone()).await,
            api,
            account: create_account(&functions).await,
            api_routes: routes(OPENAPI_YAML).expect("the embedded OpenAPI file is readable"),
            runs,
        };
        let spawn_floor = process_spawn_floor(runs);
        let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        println!(
            "{runs} cold starts per function ({profile} profile, {cores} cores), moto at {}, \
             Runtime API at {}",
            bench.account.endpoint, bench.runtime_api,
        );
        println!(
            "references: spawning a process that does nothing {:.2} ms; \
             parsing the embedded OpenAPI file {:.2} ms",
            millis(spawn_floor),
            millis(openapi_parse_time()),
        );
        print_header();
        let mut missed = 0;
        for function in &functions {
            let (name, trigger) = (&function.name, &function.trigger);
            let zip = zip_size(&root, name);
            let binary = binaries.join(name);
            let source = root.join(format!("functions/src/bin/{name}.rs"));
            if !source.exists() || !binary.exists() {
                println!("{name:<26} {trigger:<11} {zip:>7} no binary functions/src/bin/{name}.rs");
                missed += 1;
                continue;
            }
            let log_path = logs.join(format!("{name}.log"));
            let log = File::create(&log_path).expect("a log file");
            match measure(&bench, function, &binary, &log).await {
                Ok(starts) => {
                    if !print_row(function, &zip, &starts, spawn_floor) {
                        missed += 1;
                    }
                }
                Err(error) => {
                    println!(
                        "{name:<26} {trigger:<11} {zip:>7} FAILED: {error} (log: {})",
                        log_path.display()
                    );
                    missed += 1;
                }
            }
        }
        println!(
            "ms from spawn: init = until the first /next, 1st answer = until the answer to the \
             first event; p50/ref = init p50 over spawning a process that does nothing"
        );
        println!(
            "{missed} of {} function(s) failed, have no binary or missed the init target",
            functions.len()
        );
    });
}
