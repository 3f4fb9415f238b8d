//! AWS that fails on demand: a proxy in front of the moto emulator that answers chosen
//! calls of the JSON-protocol services (DynamoDB, EventBridge, SQS, Step Functions) with
//! the errors those services send under load, or loses the connection before or after
//! the call took effect. The SDK clients point at the proxy and meet these faults
//! exactly as they would meet AWS's: through their own error parsing and retry policy.
//!
//! A call is named by the operation of its `X-Amz-Target` header (`TransactWriteItems`,
//! `PutEvents`, `StartExecution`).
//!
//! moto ignores `ClientRequestToken` on `TransactWriteItems`; DynamoDB answers a repeat
//! of a token it applied within ten minutes with the first answer, without writing
//! again. The SDK fills the token in and keeps it across its retries, so the proxy keeps
//! that promise itself, or every retry of a transaction whose answer was lost would be
//! refused by its own first write.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use axum::body::{to_bytes, Body};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::emulator::moto_endpoint;

/// How many attempts the SDK makes of each call, as its standard retry mode does.
pub const SDK_ATTEMPTS: u32 = 3;

/// The retries of the functions' clients (the SDK's standard mode), but with a
/// millisecond's backoff instead of a second's, so that tests do not wait out real time.
pub fn sdk_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(SDK_ATTEMPTS)
        .with_initial_backoff(std::time::Duration::from_millis(1))
        .with_max_backoff(std::time::Duration::from_millis(5))
}

/// The largest request body the proxy forwards; AWS's own limits are far below it.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// One thing that can go wrong with a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsFault {
    /// DynamoDB's and Step Functions' `ThrottlingException` (400), before the call.
    Throttling,
    /// DynamoDB's `ProvisionedThroughputExceededException` (400), before the call.
    ThroughputExceeded,
    /// Another transaction is writing one of the items (400): for `TransactWriteItems`
    /// a `TransactionCanceledException` whose first reason is `TransactionConflict`, for
    /// a single-item write a `TransactionConflictException`.
    TransactionConflict,
    /// For `TransactWriteItems`, a `TransactionCanceledException` whose last item failed
    /// its condition (`ConditionalCheckFailed`), as when another writer changed that item
    /// between the caller's read and its write.
    LastItemRefused,
    /// `InternalServerError` (500), before the call.
    InternalError,
    /// The connection closes before the call reaches the service.
    Dropped,
    /// The call takes effect, then the connection closes before its answer: the caller
    /// cannot tell whether it happened, as after a timeout.
    AppliedThenDropped,
    /// `PutEvents` answers 200, refusing the first entry (`ThrottlingException`) and
    /// taking the others.
    FirstEntryRefused,
}

/// Which calls a fault hits: of the calls of `operation`, after the first `skip` of
/// them, the first `burst` of every `period`, `times` in all. A rule counting
/// invocations counts a call and the retries of it as one, and hits the first
/// `attempts` calls of an invocation it hits.
#[derive(Clone, Debug)]
pub struct FaultRule {
    pub operation: String,
    pub fault: AwsFault,
    pub skip: usize,
    pub period: usize,
    pub burst: usize,
    pub times: usize,
    pub attempts: Option<u32>,
}

impl FaultRule {
    /// The next `times` calls of `operation` meet `fault`.
    pub fn next(operation: &str, fault: AwsFault, times: usize) -> FaultRule {
        FaultRule {
            operation: operation.to_owned(),
            fault,
            skip: 0,
            period: 1,
            burst: 1,
            times,
            attempts: None,
        }
    }

    /// Every other invocation of `operation`, starting with the next, meets `fault` on
    /// its first attempt, which the SDK's retry then passes. Counted by invocation, so
    /// that what each one meets does not hang on how other callers' calls fall between
    /// its attempts.
    pub fn every_other_invocation(operation: &str, fault: AwsFault) -> FaultRule {
        FaultRule {
            period: 2,
            attempts: Some(1),
            ..FaultRule::next(operation, fault, usize::MAX)
        }
    }

    /// An outage: the next `invocations` invocations of `operation` meet `fault` on
    /// every attempt the SDK makes, failing past its retries; then it is over.
    pub fn outage(operation: &str, fault: AwsFault, invocations: usize) -> FaultRule {
        FaultRule {
            attempts: Some(SDK_ATTEMPTS),
            ..FaultRule::next(operation, fault, invocations * SDK_ATTEMPTS as usize)
        }
    }

    /// Lets the first `calls` matching calls through.
    pub fn after(mut self, calls: usize) -> FaultRule {
        self.skip = calls;
        self
    }
}

/// A rule and how many calls (or invocations) it has seen and how many calls it hit.
struct Armed {
    rule: FaultRule,
    seen: usize,
    hit: usize,
    /// Of a rule counting invocations: whether it hits each one seen, and how many of
    /// its attempts arrived.
    invocations: HashMap<String, (bool, u32)>,
}

#[derive(Default)]
struct State {
    rules: Vec<Armed>,
    /// The answers to `TransactWriteItems` calls that took effect, by client token.
    applied_tokens: HashMap<String, (u16, Bytes)>,
}

/// The proxy: its URL for the SDK clients, and the rules it follows.
#[derive(Clone)]
pub struct FaultyAws {
    endpoint: String,
    state: Arc<Mutex<State>>,
}

impl FaultyAws {
    /// A proxy in front of this process's moto emulator, on a free port of 127.0.0.1,
    /// serving until the process ends.
    pub async fn start() -> FaultyAws {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap_or_else(|error| panic!("cannot listen for the AWS proxy: {error}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("the AWS proxy has no address: {error}"))
            .port();
        let proxy = FaultyAws {
            endpoint: format!("http://127.0.0.1:{port}"),
            state: Arc::default(),
        };
        let upstream = Upstream {
            client: reqwest::Client::new(),
            base: moto_endpoint().to_owned(),
            state: Arc::clone(&proxy.state),
        };
        tokio::spawn(accept(listener, upstream));
        proxy
    }

    /// The URL to give the SDK clients.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Adds `rule`; it applies to calls arriving from now on.
    pub fn arm(&self, rule: FaultRule) {
        self.lock().rules.push(Armed {
            rule,
            seen: 0,
            hit: 0,
            invocations: HashMap::new(),
        });
    }

    /// Removes every rule, saying how many calls each hit, in the order they were armed.
    pub fn disarm(&self) -> Vec<usize> {
        self.lock().rules.drain(..).map(|armed| armed.hit).collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where calls go when no fault stops them.
#[derive(Clone)]
struct Upstream {
    client: reqwest::Client,
    base: String,
    state: Arc<Mutex<State>>,
}

async fn accept(listener: TcpListener, upstream: Upstream) {
    while let Ok((stream, _)) = listener.accept().await {
        let upstream = upstream.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let upstream = upstream.clone();
                async move { upstream.handle(request).await }
            });
            // A service error closes the connection without an answer: that is how a
            // fault drops it.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Why the proxy closed a connection instead of answering.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Dropped(String);

/// A call as it arrived.
struct Call {
    method: hyper::Method,
    target: String,
    headers: hyper::HeaderMap,
    body: Bytes,
    operation: String,
}

impl Upstream {
    async fn handle(&self, request: Request<Incoming>) -> Result<Response<Body>, Dropped> {
        let (parts, body) = request.into_parts();
        let body = to_bytes(Body::new(body), MAX_BODY)
            .await
            .map_err(|error| Dropped(format!("cannot read the request: {error}")))?;
        let operation = parts
            .headers
            .get("x-amz-target")
            .and_then(|value| value.to_str().ok())
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        let call = Call {
            method: parts.method,
            target: parts
                .uri
                .path_and_query()
                .map_or("/".to_owned(), ToString::to_string),
            headers: parts.headers,
            body,
            operation,
        };
        let token = client_token(&call);
        let fault = {
            let mut state = lock(&self.state);
            if let Some(answer) = token.as_ref().and_then(|t| state.applied_tokens.get(t)) {
                return Ok(respond(answer.0, answer.1.clone()));
            }
            fault_for(&mut state, &call)
        };
        match fault {
            None => self.forward(&call, token).await,
            Some(AwsFault::Dropped) => Err(Dropped("dropped before the call".into())),
            Some(AwsFault::AppliedThenDropped) => {
                self.forward(&call, token).await?;
                Err(Dropped("dropped after the call".into()))
            }
            Some(AwsFault::FirstEntryRefused) => self.first_entry_refused(&call).await,
            Some(refusal) => Ok(error_answer(refusal, &call)),
        }
    }

    /// Sends `call` to moto and relays its answer, keeping it under `token` if the call
    /// took effect.
    async fn forward(&self, call: &Call, token: Option<String>) -> Result<Response<Body>, Dropped> {
        let (status, body, headers) = self.send(call, call.body.clone()).await?;
        if let (Some(token), 200) = (token, status) {
            lock(&self.state)
                .applied_tokens
                .insert(token, (status, body.clone()));
        }
        let mut answer = respond(status, body);
        // moto's own headers (its content type, SQS's query-compatible error code), but
        // not how it framed its answer.
        for (name, value) in &headers {
            if ![
                hyper::header::CONTENT_LENGTH,
                hyper::header::TRANSFER_ENCODING,
                hyper::header::CONNECTION,
            ]
            .contains(name)
            {
                answer.headers_mut().insert(name, value.clone());
            }
        }
        Ok(answer)
    }

    async fn send(
        &self,
        call: &Call,
        body: Bytes,
    ) -> Result<(u16, Bytes, hyper::HeaderMap), Dropped> {
        let mut headers = call.headers.clone();
        headers.remove(hyper::header::HOST);
        headers.remove(hyper::header::CONTENT_LENGTH);
        let answer = self
            .client
            .request(call.method.clone(), format!("{}{}", self.base, call.target))
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|error| Dropped(format!("moto did not answer: {error}")))?;
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        let body = answer
            .bytes()
            .await
            .map_err(|error| Dropped(format!("moto's answer broke off: {error}")))?;
        Ok((status, body, headers))
    }

    /// `PutEvents` with its first entry refused: the others are sent on, and the
    /// refusal is put first among their results.
    async fn first_entry_refused(&self, call: &Call) -> Result<Response<Body>, Dropped> {
        let mut request: Value = serde_json::from_slice(&call.body)
            .map_err(|error| Dropped(format!("PutEvents without a JSON body: {error}")))?;
        let refused = json!({
            "ErrorCode": "ThrottlingException",
            "ErrorMessage": "Rate exceeded (injected)",
        });
        let Some(entries) = request["Entries"].as_array_mut().filter(|e| !e.is_empty()) else {
            return Err(Dropped("PutEvents without entries".into()));
        };
        entries.remove(0);
        let mut results = vec![refused];
        if !entries.is_empty() {
            let body = Bytes::from(request.to_string());
            let (status, answer, _) = self.send(call, body).await?;
            if status != 200 {
                return Ok(respond(status, answer));
            }
            let answer: Value = serde_json::from_slice(&answer)
                .map_err(|error| Dropped(format!("moto's PutEvents answer: {error}")))?;
            results.extend(answer["Entries"].as_array().cloned().unwrap_or_default());
        }
        let failed = results
            .iter()
            .filter(|result| result.get("ErrorCode").is_some())
            .count();
        let answer = json!({ "FailedEntryCount": failed, "Entries": results });
        Ok(respond(200, Bytes::from(answer.to_string())))
    }
}

/// The client token of a `TransactWriteItems` call.
fn client_token(call: &Call) -> Option<String> {
    if call.operation != "TransactWriteItems" {
        return None;
    }
    let body: Value = serde_json::from_slice(&call.body).ok()?;
    body["ClientRequestToken"].as_str().map(str::to_owned)
}

/// Which invocation `call` is an attempt of: the SDK's invocation id, which its retries
/// keep. A `PutEvents` whose first entry is to be refused is named by that entry
/// instead, as the publisher sends a refused entry again in a call of its own. A call
/// without an id is an invocation of its own.
fn invocation(call: &Call, fault: AwsFault) -> Option<String> {
    if fault == AwsFault::FirstEntryRefused {
        let body = serde_json::from_slice::<Value>(&call.body).ok()?;
        return Some(body["Entries"][0].to_string());
    }
    call.headers
        .get("amz-sdk-invocation-id")
        .and_then(|id| id.to_str().ok())
        .map(str::to_owned)
}

/// The fault the first rule that hits `call` says, counting the call against every
/// rule it matches.
fn fault_for(state: &mut State, call: &Call) -> Option<AwsFault> {
    let mut fault = None;
    for armed in &mut state.rules {
        let rule = &armed.rule;
        if rule.operation != call.operation {
            continue;
        }
        let due = |seen: usize| {
            seen.checked_sub(rule.skip + 1)
                .is_some_and(|after| after % rule.period.max(1) < rule.burst)
        };
        let hits = match rule.attempts {
            None => {
                armed.seen += 1;
                due(armed.seen)
            }
            Some(attempts) => {
                let id = invocation(call, rule.fault);
                let known = id.as_ref().and_then(|id| armed.invocations.get_mut(id));
                let (hit, attempt) = match known {
                    Some((hit, attempt)) => (*hit, *attempt + 1),
                    None => {
                        armed.seen += 1;
                        (due(armed.seen), 1)
                    }
                };
                if let Some(id) = id {
                    armed.invocations.insert(id, (hit, attempt));
                }
                hit && attempt <= attempts
            }
        };
        if fault.is_none() && hits && armed.hit < rule.times {
            armed.hit += 1;
            fault = Some(rule.fault);
        }
    }
    fault
}

/// The error answer of `fault` to `call`, as the service sends it.
fn error_answer(fault: AwsFault, call: &Call) -> Response<Body> {
    let (status, code) = match fault {
        AwsFault::Throttling => (400, "ThrottlingException"),
        AwsFault::ThroughputExceeded => (400, "ProvisionedThroughputExceededException"),
        AwsFault::InternalError => (500, "InternalServerError"),
        AwsFault::TransactionConflict if call.operation == "TransactWriteItems" => {
            return respond(400, Bytes::from(transaction_conflict(call).to_string()));
        }
        AwsFault::LastItemRefused => {
            return respond(400, Bytes::from(last_item_refused(call).to_string()));
        }
        _ => (400, "TransactionConflictException"),
    };
    let body = json!({ "__type": code, "message": "injected by the test" });
    respond(status, Bytes::from(body.to_string()))
}

/// A `TransactionCanceledException` for `call`: its first item in conflict, the others
/// not looked at.
fn transaction_conflict(call: &Call) -> Value {
    cancelled(
        call,
        |position, _| position == 0,
        json!({ "Code": "TransactionConflict", "Message": "Transaction is ongoing for the item" }),
    )
}

/// A `TransactionCanceledException` for `call`: its last item refused by its condition.
fn last_item_refused(call: &Call) -> Value {
    cancelled(
        call,
        |position, items| position + 1 == items,
        json!({ "Code": "ConditionalCheckFailed", "Message": "The conditional request failed" }),
    )
}

/// A `TransactionCanceledException` for `call` giving `reason` for the items `at` picks
/// (by position and the number of items), and `None` for the others.
fn cancelled(call: &Call, at: impl Fn(usize, usize) -> bool, reason: Value) -> Value {
    let items = serde_json::from_slice::<Value>(&call.body)
        .ok()
        .and_then(|body| body["TransactItems"].as_array().map(Vec::len))
        .unwrap_or(1);
    let reasons: Vec<Value> = (0..items)
        .map(|position| {
            if at(position, items) {
                reason.clone()
            } else {
                json!({ "Code": "None" })
            }
        })
        .collect();
    let codes = reason["Code"].as_str().unwrap_or_default();
    json!({
        "__type": "TransactionCanceledException",
        "Message": format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]"),
        "CancellationReasons": reasons,
    })
}

fn respond(status: u16, body: Bytes) -> Response<Body> {
    let mut answer = Response::new(Body::from(body));
    *answer.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    answer.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    answer
}
