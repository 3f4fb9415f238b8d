//! The mock payment gateway as an HTTP service: its handler behind a loopback server,
//! driven through [`HttpGateway`] as the shop's functions drive it, its webhooks caught by
//! a loopback receiver that checks their signatures; and its DynamoDB ledger on the
//! emulator, concurrent calls included.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use mambogo::adapters::dynamodb::DynamoMockLedger;
use mambogo::adapters::http_gateway::wire::API_KEY_HEADER;
use mambogo::adapters::http_gateway::HttpGateway;
use mambogo::adapters::mock_gateway::service::MockService;
use mambogo::adapters::mock_gateway::{
    Answering, AuthorizeOutcome, HttpWebhooks, MockGateway, MockLedger, MockPayment,
    NewAuthorization, Stage, Step, StepOutcome, StepRecorded, WebhookSender, APPROVE, DECLINE,
    NO_ANSWER,
};
use mambogo::domain::clock::{RandomIds, SystemClock};
use mambogo::domain::ids::OrderId;
use mambogo::domain::money::{Currency, Money};
use mambogo::domain::payments::signature::{verify, SignatureError, SIGNATURE_HEADER};
use mambogo::domain::payments::{
    AuthorizeRequest, GatewayError, GatewayEvent, GatewayEventKind, PaymentGateway, PaymentMethod,
};
use mambogo_tests::emulator::{create_mock_ledger_table, dynamodb_client, unique_table_name};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const API_KEY: &str = "mock-gateway-key";
const SECRET: &[u8] = b"whsec_mock";

/// A webhook as the receiver got it, with the outcome of its signature check.
struct Received {
    event: GatewayEvent,
    signature: Result<(), SignatureError>,
}

/// Serves `router` on an ephemeral loopback port and returns its base URL.
async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

async fn receive(
    State(received): State<mpsc::UnboundedSender<Received>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = verify(
        headers
            .get(SIGNATURE_HEADER)
            .and_then(|value| value.to_str().ok()),
        &body,
        &[SECRET.to_vec()],
        OffsetDateTime::now_utc(),
    )
    .map(drop);
    let Ok(event) = serde_json::from_slice(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    match received.send(Received { event, signature }) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Stands in for the shop's `/webhooks/payments`: its URL, and the webhooks it gets.
async fn webhook_receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let router = Router::new()
        .route("/webhooks/payments", post(receive))
        .with_state(sender);
    (
        format!("{}/webhooks/payments", serve(router).await),
        receiver,
    )
}

fn loopback(url: String) -> Arc<HttpWebhooks> {
    let url = reqwest::Url::parse(&url).expect("a loopback URL");
    Arc::new(HttpWebhooks::new(reqwest::Client::new(), url))
}

/// `gateway` behind the mock service on a loopback server; its base URL.
async fn serve_mock(gateway: Arc<dyn PaymentGateway>) -> String {
    let service = Arc::new(MockService::new(gateway, API_KEY));
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let service = Arc::clone(&service);
            async move {
                let answer = service.answer(&method, uri.path(), headers, body).await;
                let mut response = Response::new(Body::from(answer.body));
                *response.status_mut() = answer.status;
                *response.headers_mut() = answer.headers;
                response
            }
        },
    );
    serve(router).await
}

fn client_of(base_url: &str, api_key: &str) -> HttpGateway {
    HttpGateway::new(reqwest::Client::new(), base_url, api_key).unwrap()
}

/// The in-memory mock as the local shop has it, served over HTTP, and its client.
struct Rig {
    gateway: Arc<MockGateway>,
    http: HttpGateway,
    base_url: String,
    webhooks: mpsc::UnboundedReceiver<Received>,
}

async fn rig() -> Rig {
    let (url, webhooks) = webhook_receiver().await;
    let gateway = Arc::new(MockGateway::new(
        loopback(url),
        SECRET.to_vec(),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    ));
    let base_url = serve_mock(gateway.clone()).await;
    Rig {
        gateway,
        http: client_of(&base_url, API_KEY),
        base_url,
        webhooks,
    }
}

fn usd(amount: i64) -> Money {
    Money::new(amount, Currency::USD)
}

fn authorize(token: &str, idempotency_key: &str) -> AuthorizeRequest {
    AuthorizeRequest {
        order_id: OrderId::from_uuid(uuid::Uuid::new_v4()),
        amount: usd(1_000),
        payment_token: token.to_owned(),
        method: PaymentMethod::Upi,
        idempotency_key: idempotency_key.to_owned(),
    }
}

fn is_invalid_state<T>(outcome: &Result<T, GatewayError>) -> bool {
    matches!(outcome, Err(GatewayError::InvalidState(_)))
}

#[tokio::test]
async fn an_approved_authorization_is_answered_by_a_signed_webhook() {
    let mut rig = rig().await;
    let request = authorize(APPROVE, "order-1:authorize");
    let reference = rig.http.authorize(&request).await.unwrap();
    assert!(reference.starts_with("pay_"), "{reference}");
    let received = rig.webhooks.recv().await.unwrap();
    assert_eq!(received.signature, Ok(()));
    let event = received.event;
    assert_eq!(
        (event.kind, event.reference, event.order_id, event.amount),
        (
            GatewayEventKind::Authorized,
            reference,
            request.order_id,
            request.amount
        )
    );
}

#[tokio::test]
async fn declined_unanswered_and_unknown_tokens() {
    let mut rig = rig().await;
    let unanswered = rig
        .http
        .authorize(&authorize(NO_ANSWER, "k-none"))
        .await
        .unwrap();
    let declined = rig
        .http
        .authorize(&authorize(DECLINE, "k-decline"))
        .await
        .unwrap();
    assert_ne!(unanswered, declined);
    let received = rig.webhooks.recv().await.unwrap();
    assert_eq!(received.signature, Ok(()));
    assert_eq!(
        (received.event.kind, received.event.reference),
        (GatewayEventKind::Declined, declined)
    );
    assert!(received.event.reason.is_some());
    assert_eq!(
        rig.gateway.sent_webhooks().len(),
        1,
        "the unanswered authorization sent nothing"
    );
    let unknown = rig
        .http
        .authorize(&authorize("tok_stolen", "k-other"))
        .await;
    assert!(
        matches!(&unknown, Err(GatewayError::Declined(reason)) if reason.contains("tok_stolen")),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn a_repeated_authorization_returns_the_first_reference_and_one_webhook() {
    let mut rig = rig().await;
    let request = authorize(APPROVE, "order-2:authorize");
    let first = rig.http.authorize(&request).await.unwrap();
    let retried = AuthorizeRequest {
        payment_token: DECLINE.to_owned(),
        ..request.clone()
    };
    assert_eq!(rig.http.authorize(&retried).await.unwrap(), first);
    assert_eq!(rig.http.authorize(&request).await.unwrap(), first);
    let received = rig.webhooks.recv().await.unwrap();
    assert_eq!(
        (received.event.kind, received.event.reference),
        (GatewayEventKind::Authorized, first)
    );
    assert_eq!(rig.gateway.sent_webhooks().len(), 1);
}

#[tokio::test]
async fn captures_voids_and_refunds_follow_the_payment_and_their_keys() {
    let rig = rig().await;
    let http = &rig.http;
    let amount = usd(1_000);
    let reference = http.authorize(&authorize(APPROVE, "k1")).await.unwrap();
    assert!(is_invalid_state(
        &http.capture(&reference, usd(1_001), "too-much").await
    ));
    assert_eq!(http.capture(&reference, amount, "capture").await, Ok(()));
    assert_eq!(
        http.capture(&reference, amount, "capture").await,
        Ok(()),
        "a performed key is answered the same"
    );
    assert!(is_invalid_state(
        &http.capture(&reference, amount, "capture-again").await
    ));
    assert!(is_invalid_state(&http.void(&reference, "void").await));
    assert_eq!(http.refund(&reference, amount, "refund").await, Ok(()));
    assert_eq!(http.refund(&reference, amount, "refund").await, Ok(()));
    assert!(is_invalid_state(
        &http.refund(&reference, amount, "refund-again").await
    ));

    let unanswered = http.authorize(&authorize(NO_ANSWER, "k2")).await.unwrap();
    assert!(is_invalid_state(
        &http.refund(&unanswered, amount, "refund-2").await
    ));
    assert_eq!(http.void(&unanswered, "void-2").await, Ok(()));
    assert_eq!(http.void(&unanswered, "void-3").await, Ok(()));
    assert!(is_invalid_state(
        &http.capture(&unanswered, amount, "capture-2").await
    ));
    assert_eq!(
        http.capture("pay_unknown", amount, "capture-3").await,
        Err(GatewayError::UnknownReference("pay_unknown".into()))
    );
}

#[tokio::test]
async fn a_wrong_api_key_is_refused_and_changes_nothing() {
    let mut rig = rig().await;
    let amount = usd(1_000);
    let reference = rig.http.authorize(&authorize(APPROVE, "k1")).await.unwrap();
    rig.webhooks.recv().await.unwrap();

    let intruder = client_of(&rig.base_url, "guessed-key");
    let refusals = [
        intruder
            .authorize(&authorize(APPROVE, "k-intruder"))
            .await
            .map(drop),
        intruder.void(&reference, "void").await,
        intruder.capture(&reference, amount, "capture").await,
    ];
    for refused in refusals {
        assert!(
            matches!(&refused, Err(GatewayError::Unavailable(detail)) if detail.contains("401")),
            "{refused:?}"
        );
    }
    let keyless = reqwest::Client::new()
        .post(format!("{}/payments/{reference}/void", rig.base_url))
        .json(&serde_json::json!({ "idempotencyKey": "void" }))
        .send()
        .await
        .unwrap();
    assert_eq!(keyless.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        keyless.headers()["content-type"],
        "application/problem+json"
    );
    let wrong = reqwest::Client::new()
        .post(format!("{}/payments/{reference}/void", rig.base_url))
        .header(API_KEY_HEADER, format!("{API_KEY}x"))
        .json(&serde_json::json!({ "idempotencyKey": "void" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    assert_eq!(
        rig.gateway.sent_webhooks().len(),
        1,
        "no webhook was signed"
    );
    assert_eq!(
        rig.http
            .capture(&reference, amount, "capture-for-real")
            .await,
        Ok(()),
        "the payment was neither voided nor captured by the intruder"
    );
    let fresh = rig
        .http
        .authorize(&authorize(NO_ANSWER, "k-intruder"))
        .await
        .unwrap();
    assert_ne!(fresh, reference, "the intruder's key was never recorded");
}

#[tokio::test]
async fn an_unreachable_gateway_is_unavailable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let http = client_of(&format!("http://{address}"), API_KEY);
    let outcome = http.authorize(&authorize(APPROVE, "k1")).await;
    assert!(
        matches!(outcome, Err(GatewayError::Unavailable(_))),
        "{outcome:?}"
    );
}

/// The mock on a fresh DynamoDB ledger table, answering by its ledger as the Lambda does,
/// served over HTTP; with the table's client and name.
async fn dynamodb_rig() -> (HttpGateway, aws_sdk_dynamodb::Client, String) {
    let client = dynamodb_client().await;
    let table = unique_table_name("mock-ledger");
    create_mock_ledger_table(&client, &table).await;
    let gateway = MockGateway::with_ledger(
        DynamoMockLedger::new(client.clone(), table.clone()),
        Answering::ByLedger,
        Arc::new(RandomIds),
    );
    let base_url = serve_mock(Arc::new(gateway)).await;
    (client_of(&base_url, API_KEY), client, table)
}

/// The keys of every item in `table`, sorted.
async fn item_keys(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<String> {
    let scanned = client.scan().table_name(table).send().await.unwrap();
    let mut keys: Vec<String> = scanned
        .items()
        .iter()
        .map(|item| item["pk"].as_s().unwrap().clone())
        .collect();
    keys.sort();
    keys
}

/// The webhooks the table's stream would hand the webhook function: those of its items.
async fn stored_webhooks(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<GatewayEvent> {
    let scanned = client.scan().table_name(table).send().await.unwrap();
    scanned
        .items()
        .iter()
        .filter_map(|item| DynamoMockLedger::webhook_in(item).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_ledger_keeps_each_webhook_for_the_webhook_function() {
    let (http, client, table) = dynamodb_rig().await;
    let approved = http.authorize(&authorize(APPROVE, "k1")).await.unwrap();
    let declined = http.authorize(&authorize(DECLINE, "k2")).await.unwrap();
    http.authorize(&authorize(NO_ANSWER, "k3")).await.unwrap();
    assert_eq!(
        http.authorize(&authorize(APPROVE, "k1")).await.unwrap(),
        approved
    );

    let mut webhooks = stored_webhooks(&client, &table).await;
    webhooks.sort_by_key(|webhook| webhook.kind == GatewayEventKind::Declined);
    let kept: Vec<_> = webhooks
        .iter()
        .map(|webhook| (webhook.kind, webhook.reference.clone()))
        .collect();
    assert_eq!(
        kept,
        [
            (GatewayEventKind::Authorized, approved.clone()),
            (GatewayEventKind::Declined, declined.clone())
        ]
    );

    let (url, mut received) = webhook_receiver().await;
    let sender = WebhookSender::new(loopback(url), SECRET.to_vec(), Arc::new(SystemClock));
    for webhook in &webhooks {
        sender.send(webhook).await.unwrap();
        let got = received.recv().await.unwrap();
        assert_eq!(got.signature, Ok(()));
        assert_eq!(&got.event, webhook);
    }

    let amount = usd(1_000);
    assert_eq!(http.capture(&approved, amount, "capture").await, Ok(()));
    assert_eq!(http.capture(&approved, amount, "capture").await, Ok(()));
    assert!(is_invalid_state(&http.void(&approved, "void").await));
    assert!(is_invalid_state(&http.void(&approved, "void").await));
    assert!(is_invalid_state(
        &http.capture(&declined, amount, "capture-2").await
    ));
    assert_eq!(http.void(&declined, "void-2").await, Ok(()));
    assert_eq!(
        http.void("pay_unknown", "void-3").await,
        Err(GatewayError::UnknownReference("pay_unknown".into()))
    );
    assert_eq!(
        stored_webhooks(&client, &table).await.len(),
        2,
        "captures and voids add no webhooks"
    );
    assert_eq!(
        http.refund(&approved, amount, "order:refund:cancel").await,
        Ok(())
    );
    let refunds: Vec<_> = stored_webhooks(&client, &table)
        .await
        .into_iter()
        .filter(|webhook| webhook.kind == GatewayEventKind::RefundSucceeded)
        .map(|webhook| (webhook.refund_id, webhook.reference, webhook.amount))
        .collect();
    assert_eq!(refunds, [(Some("cancel".to_owned()), approved, amount)]);
}

#[tokio::test]
async fn partial_refunds_are_each_answered_by_a_signed_webhook() {
    let mut rig = rig().await;
    let http = &rig.http;
    let request = authorize(APPROVE, "order-4:authorize");
    let reference = http.authorize(&request).await.unwrap();
    assert_eq!(
        rig.webhooks.recv().await.unwrap().event.kind,
        GatewayEventKind::Authorized
    );
    assert_eq!(
        http.capture(&reference, usd(1_000), "order-4:capture")
            .await,
        Ok(())
    );

    assert_eq!(
        http.refund(&reference, usd(250), "order-4:refund:return-1")
            .await,
        Ok(())
    );
    assert_eq!(
        http.refund(&reference, usd(250), "order-4:refund:return-1")
            .await,
        Ok(()),
        "a replayed refund is answered as the first"
    );
    assert!(is_invalid_state(
        &http
            .refund(&reference, usd(751), "order-4:refund:too-much")
            .await
    ));
    assert_eq!(
        http.refund(&reference, usd(750), "order-4:refund:return-2")
            .await,
        Ok(())
    );
    assert!(is_invalid_state(
        &http
            .refund(&reference, usd(1), "order-4:refund:return-3")
            .await
    ));

    let mut refunds = Vec::new();
    for _ in 0..2 {
        let received = rig.webhooks.recv().await.unwrap();
        assert_eq!(received.signature, Ok(()));
        let event = received.event;
        assert_eq!(
            (event.kind, &event.reference, event.order_id),
            (
                GatewayEventKind::RefundSucceeded,
                &reference,
                request.order_id
            )
        );
        refunds.push((event.refund_id, event.amount));
    }
    refunds.sort_by_key(|(_, amount)| amount.amount);
    assert_eq!(
        refunds,
        [
            (Some("return-1".to_owned()), usd(250)),
            (Some("return-2".to_owned()), usd(750))
        ]
    );
    assert_eq!(
        rig.gateway.sent_webhooks().len(),
        3,
        "the authorization and two refunds; the replay sent nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_partial_refunds_on_the_dynamodb_ledger_never_pass_the_capture() {
    let (http, client, table) = dynamodb_rig().await;
    let http = Arc::new(http);
    let reference = http.authorize(&authorize(APPROVE, "k1")).await.unwrap();
    http.capture(&reference, usd(1_000), "capture")
        .await
        .unwrap();
    let calls = (0..8).map(|call| {
        let (http, reference) = (Arc::clone(&http), reference.clone());
        tokio::spawn(async move {
            http.refund(&reference, usd(300), &format!("order:refund:r{call}"))
                .await
        })
    });
    let outcomes: Vec<_> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|call| call.unwrap())
        .collect();
    let refunded = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(refunded, 3, "{outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|outcome| outcome.is_ok() || is_invalid_state(outcome)));
    assert_eq!(
        http.refund(&reference, usd(100), "order:refund:rest").await,
        Ok(())
    );
    let ledger = DynamoMockLedger::new(client.clone(), table.clone());
    let payment = ledger.payment(&reference).await.unwrap().unwrap();
    assert_eq!(
        (payment.stage, payment.captured, payment.refunded),
        (Stage::Refunded, 1_000, 1_000)
    );
    let refund_webhooks = stored_webhooks(&client, &table)
        .await
        .into_iter()
        .filter(|webhook| webhook.kind == GatewayEventKind::RefundSucceeded)
        .count();
    assert_eq!(refund_webhooks, 4, "one webhook per refund made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_authorizations_with_one_key_make_one_payment() {
    let (http, client, table) = dynamodb_rig().await;
    let http = Arc::new(http);
    let request = authorize(APPROVE, "order-3:authorize");
    let calls = (0..20).map(|_| {
        let (http, request) = (Arc::clone(&http), request.clone());
        tokio::spawn(async move { http.authorize(&request).await })
    });
    let mut references: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|call| call.unwrap().unwrap())
        .collect();
    references.sort();
    references.dedup();
    assert_eq!(references.len(), 1, "{references:?}");
    let keys = item_keys(&client, &table).await;
    let kinds: Vec<&str> = keys
        .iter()
        .map(|key| key.split('#').next().unwrap())
        .collect();
    assert_eq!(kinds, ["AUTH", "PAYMENT", "WEBHOOK"], "{keys:?}");
    assert_eq!(keys[1], format!("PAYMENT#{}", references[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_captures_capture_once() {
    let (http, _client, _table) = dynamodb_rig().await;
    let http = Arc::new(http);
    let reference = http.authorize(&authorize(APPROVE, "k1")).await.unwrap();
    let calls = (0..10).map(|call| {
        let (http, reference) = (Arc::clone(&http), reference.clone());
        tokio::spawn(async move {
            http.capture(&reference, usd(1_000), &format!("capture-{call}"))
                .await
        })
    });
    let outcomes: Vec<_> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|call| call.unwrap())
        .collect();
    let captured = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let refused = outcomes
        .iter()
        .filter(|outcome| is_invalid_state(outcome))
        .count();
    assert_eq!((captured, refused), (1, 9), "{outcomes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_ledger_makes_the_gateway_unavailable() {
    let gateway = MockGateway::with_ledger(
        DynamoMockLedger::new(dynamodb_client().await, unique_table_name("missing")),
        Answering::ByLedger,
        Arc::new(RandomIds),
    );
    let http = client_of(&serve_mock(Arc::new(gateway)).await, API_KEY);
    let outcome = http.authorize(&authorize(APPROVE, "k1")).await;
    assert!(
        matches!(&outcome, Err(GatewayError::Unavailable(detail)) if detail.contains("503")),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_ledger_writes_only_under_its_conditions() {
    let client = dynamodb_client().await;
    let table = unique_table_name("mock-ledger");
    create_mock_ledger_table(&client, &table).await;
    let ledger = DynamoMockLedger::new(client.clone(), table.clone());
    let payment = MockPayment::new(
        OrderId::from_uuid(uuid::Uuid::new_v4()),
        usd(1_000),
        Stage::Authorized,
    );
    let first = NewAuthorization {
        idempotency_key: "k1".into(),
        reference: "pay_first".into(),
        payment: payment.clone(),
        webhook: None,
    };
    let second = NewAuthorization {
        reference: "pay_second".into(),
        ..first.clone()
    };
    assert_eq!(
        ledger.authorize(&first).await,
        Ok(AuthorizeOutcome::Recorded)
    );
    assert_eq!(
        ledger.authorize(&second).await,
        Ok(AuthorizeOutcome::Known("pay_first".into()))
    );
    assert_eq!(ledger.payment("pay_second").await, Ok(None));
    assert_eq!(ledger.payment("pay_first").await, Ok(Some(payment.clone())));

    let at = |stage| MockPayment {
        stage,
        ..payment.clone()
    };
    let captured = MockPayment {
        captured: 1_000,
        ..at(Stage::Captured)
    };
    let capture =
        |from: MockPayment, key: &str| Step::decided(key, "pay_first", &from, Ok(captured.clone()));
    assert_eq!(
        ledger.record_step(&capture(at(Stage::Pending), "c1")).await,
        Ok(StepRecorded::Stale)
    );
    assert_eq!(
        ledger
            .record_step(&capture(at(Stage::Authorized), "c1"))
            .await,
        Ok(StepRecorded::Recorded)
    );
    assert_eq!(
        ledger
            .record_step(&capture(at(Stage::Authorized), "c1"))
            .await,
        Ok(StepRecorded::Earlier(StepOutcome::Performed))
    );
    let refusal = Step::decided("c2", "pay_first", &captured, Err("already captured".into()));
    assert_eq!(
        ledger.record_step(&refusal).await,
        Ok(StepRecorded::Recorded)
    );
    assert_eq!(
        ledger.record_step(&capture(captured.clone(), "c2")).await,
        Ok(StepRecorded::Earlier(StepOutcome::Refused(
            "already captured".into()
        )))
    );
    assert_eq!(
        ledger.payment("pay_first").await,
        Ok(Some(captured.clone()))
    );

    let refund = |from: &MockPayment, refunded: i64, key: &str| {
        let to = MockPayment {
            refunded,
            ..from.clone()
        };
        Step::decided(key, "pay_first", from, Ok(to))
    };
    let stale = refund(&at(Stage::Captured), 400, "r0");
    assert_eq!(
        ledger.record_step(&stale).await,
        Ok(StepRecorded::Stale),
        "decided on a payment that was never captured so"
    );
    let mut first_refund = refund(&captured, 400, "r1");
    first_refund.webhook = Some(GatewayEvent {
        id: "evt_refund_1".into(),
        kind: GatewayEventKind::RefundSucceeded,
        order_id: payment.order_id,
        reference: "pay_first".into(),
        amount: usd(400),
        reason: None,
        refund_id: Some("return-1".into()),
    });
    assert_eq!(
        ledger.record_step(&first_refund).await,
        Ok(StepRecorded::Recorded)
    );
    assert_eq!(
        ledger.record_step(&refund(&captured, 400, "r2")).await,
        Ok(StepRecorded::Stale),
        "decided before the first refund, which changed the payment"
    );
    assert_eq!(
        ledger
            .payment("pay_first")
            .await
            .unwrap()
            .map(|payment| payment.refunded),
        Some(400)
    );
    assert_eq!(
        item_keys(&client, &table).await,
        [
            "AUTH#k1",
            "PAYMENT#pay_first",
            "STEP#c1",
            "STEP#c2",
            "STEP#r1",
            "WEBHOOK#evt_refund_1"
        ]
    );
}
