//! The SES mailer against the emulator's SES (v2): a message from a verified identity
//! is sent as the raw MIME message, through the configuration set; one from an
//! unverified sender is refused for good.

use mambogo::adapters::mail::{Sender, SesMailer};
use mambogo::domain::mail::{EmailAddress, Mail, MailError, Mailer};
use mambogo_tests::emulator::{moto_endpoint, ses_client};
use serde_json::Value;
use time::macros::datetime;
use uuid::Uuid;

fn mail(reference: &str) -> Mail {
    Mail {
        reference: reference.to_owned(),
        to: EmailAddress::parse("alice@example.com").unwrap(),
        subject: "Your order is confirmed".to_owned(),
        body: "Thank you! We have your payment.".to_owned(),
        at: datetime!(2026-03-01 12:00 UTC),
    }
}

/// The raw messages the emulator's SES has accepted, by message id.
async fn sent_raw_messages() -> Vec<Value> {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", moto_endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    data["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn mail_from_a_verified_identity_is_sent_raw_and_an_unverified_sender_refused() {
    let client = ses_client().await;
    let domain = format!("shop-{}.example.com", Uuid::new_v4().simple());
    client
        .create_email_identity()
        .email_identity(&domain)
        .send()
        .await
        .unwrap();
    let configuration_set = format!("mambogo-{}", Uuid::new_v4().simple());
    client
        .create_configuration_set()
        .configuration_set_name(&configuration_set)
        .send()
        .await
        .unwrap();

    let sender = Sender::parse(&format!("Mambogo <orders@{domain}>")).unwrap();
    let mailer = SesMailer::new(client.clone(), sender, Some(configuration_set));
    let reference = format!("{}.OrderConfirmed", Uuid::new_v4());
    let message_id = mailer.send(&mail(&reference)).await.unwrap();

    let sent = sent_raw_messages().await;
    let message = sent
        .iter()
        .find(|message| message["id"] == message_id.as_str())
        .unwrap_or_else(|| panic!("{message_id} not among {sent:#?}"));
    assert_eq!(message["source"], format!("orders@{domain}"));
    let raw = message["raw_data"].as_str().unwrap();
    for header in [
        format!("From: Mambogo <orders@{domain}>\r\n"),
        "To: alice@example.com\r\n".to_owned(),
        "Subject: Your order is confirmed\r\n".to_owned(),
        format!("Message-ID: <{reference}@{domain}>\r\n"),
    ] {
        assert!(raw.contains(&header), "{header:?} missing from\n{raw}");
    }
    assert!(raw.contains("Thank you! We have your payment."), "{raw}");

    let stranger = Sender::parse("orders@unverified.example.org").unwrap();
    let unverified = SesMailer::new(client, stranger, None);
    let refused = unverified.send(&mail("refused.OrderConfirmed")).await;
    assert!(
        matches!(&refused, Err(MailError::Refused(reason)) if reason.contains("MessageRejected")),
        "{refused:?}"
    );
}
