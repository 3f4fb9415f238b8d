//! `cargo run`: the whole shop on 127.0.0.1:3000; `cargo run -- token --user alice` mints a
//! development token.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mambogo::api::auth::mint_token;
use mambogo::application::rate_limits::{Limit, RateLimitSettings};
use mambogo::domain::mail::EmailAddress;
use mambogo_local::aws::AwsStack;
use mambogo_local::telemetry::{OtlpTracing, OTLP_ENDPOINT};
use mambogo_local::{
    start, DataLocation, LocalConfig, TokenConfig, DEV_JWT_SECRET, DEV_OPERATORS_EMAIL,
    DEV_WEBHOOK_SECRET, READ_TIMEOUT,
};
use time::{Duration, OffsetDateTime};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

#[derive(Parser)]
#[command(
    name = "mambogo",
    about = "Mambogo's local shop: the whole API on one machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the shop (the default).
    Serve(Box<ServeArgs>),
    /// Print a development token signed with the local secret.
    Token(TokenArgs),
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000", env = "MAMBOGO_LISTEN")]
    listen: SocketAddr,
    /// SQLite file for the shop's data.
    #[arg(long, default_value = ".mambogo/shop.db", env = "MAMBOGO_DATA")]
    data: PathBuf,
    /// Keep everything in memory instead of the data file.
    #[arg(long)]
    memory: bool,
    /// Start with an empty catalog instead of the demo catalog.
    #[arg(long)]
    no_demo: bool,
    /// Check RS256 tokens against this JWKS file instead of HS256 development tokens.
    #[arg(long, env = "MAMBOGO_JWKS_FILE")]
    jwks_file: Option<PathBuf>,
    /// With --jwks-file: the issuer tokens must carry.
    #[arg(long, env = "MAMBOGO_JWT_ISSUER", requires = "jwks_file")]
    jwt_issuer: Option<String>,
    /// With --jwks-file: the audience tokens must carry.
    #[arg(long, env = "MAMBOGO_JWT_AUDIENCE", requires = "jwks_file")]
    jwt_audience: Option<String>,
    /// The HS256 secret of development tokens.
    #[arg(long, env = "MAMBOGO_JWT_SECRET", default_value = DEV_JWT_SECRET, hide_default_value = true)]
    jwt_secret: String,
    /// The secret the mock payment gateway signs its webhooks with.
    #[arg(long, env = "MAMBOGO_WEBHOOK_SECRET", default_value = DEV_WEBHOOK_SECRET, hide_default_value = true)]
    webhook_secret: String,
    /// Requests a signed-in buyer may send to the flash-sale and checkout routes:
    /// `RATE/BURST` (per second, at once), or `off`.
    #[arg(long, env = "MAMBOGO_BUYER_RATE_LIMIT", default_value = "5/10")]
    buyer_rate_limit: String,
    /// Requests one client address may send to those routes: `RATE/BURST`, or `off`.
    #[arg(long, env = "MAMBOGO_CLIENT_RATE_LIMIT", default_value = "100/200")]
    client_rate_limit: String,
    /// Run on AWS's services at this endpoint (an emulator such as moto, or `aws` for the
    /// account's own endpoints): the stores on DynamoDB tables, the events on an
    /// EventBridge bus and SQS queues, the webhook secret in Secrets Manager.
    /// Credentials and the region come from the usual AWS variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_PROFILE`, `AWS_REGION`, …).
    #[arg(long, env = "MAMBOGO_AWS_ENDPOINT")]
    aws_endpoint: Option<String>,
    /// With --aws-endpoint: put before each resource's name (`mambogo-dev-` for the
    /// resources of a Terraform stack whose prefix is `mambogo-dev`).
    #[arg(long, env = "MAMBOGO_TABLE_PREFIX", default_value = "mambogo-local-")]
    table_prefix: String,
    /// With --aws-endpoint: create the tables, bus, rules, queues and secret that are
    /// missing first.
    #[arg(long, requires = "aws_endpoint")]
    create_tables: bool,
    /// Deliver mail as `.eml` files into this folder (default: `mail` beside the data
    /// file; with --memory, none is written unless this is given).
    #[arg(long, env = "MAMBOGO_MAIL_FOLDER")]
    mail_folder: Option<PathBuf>,
    /// Mail the operators' notifications (low stock) to this address; `off` mails none.
    #[arg(long, env = "MAMBOGO_OPERATORS_EMAIL", default_value = DEV_OPERATORS_EMAIL)]
    operators_email: String,
    /// Export the shop's spans to the OpenTelemetry collector at this base URL
    /// (`http://127.0.0.1:4318`), over OTLP/HTTP.
    #[arg(long, env = OTLP_ENDPOINT)]
    otlp_endpoint: Option<String>,
}

#[derive(clap::Args)]
struct TokenArgs {
    /// The user id (the token's `sub`).
    #[arg(long)]
    user: String,
    /// Put the user in the admin group.
    #[arg(long)]
    admin: bool,
    /// How many hours the token lasts.
    #[arg(long, default_value_t = 12)]
    hours: i64,
    /// The HS256 secret to sign with.
    #[arg(long, env = "MAMBOGO_JWT_SECRET", default_value = DEV_JWT_SECRET, hide_default_value = true)]
    jwt_secret: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Token(args)) => print_token(&args),
        Some(Command::Serve(args)) => serve(*args),
        None => serve(cli.serve),
    }
}

fn print_token(args: &TokenArgs) -> ExitCode {
    let now = OffsetDateTime::now_utc();
    match mint_token(
        args.jwt_secret.as_bytes(),
        &args.user,
        args.admin,
        now,
        Duration::hours(args.hours),
    ) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot mint a token: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Where the shop's AWS resources are, if it runs on AWS's services.
struct AwsArgs {
    endpoint: Option<String>,
    prefix: String,
    create: bool,
}

/// The stack at `endpoint` (`aws`: each service's own endpoint), with credentials and a
/// region from the environment; at an emulator, which takes any region, `us-east-1` when
/// no variable names one (without asking the instance metadata service).
async fn aws_stack(endpoint: &str, prefix: String, create_missing: bool) -> AwsStack {
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    let loader = match endpoint {
        "aws" => loader,
        endpoint => loader.endpoint_url(endpoint).region(
            aws_config::meta::region::RegionProviderChain::first_try(
                aws_config::environment::EnvironmentVariableRegionProvider::new(),
            )
            .or_else(aws_config::Region::new("us-east-1")),
        ),
    };
    AwsStack {
        sdk: loader.load().await,
        prefix,
        create_missing,
    }
}

fn config(args: ServeArgs) -> Result<LocalConfig, String> {
    let tokens = match &args.jwks_file {
        Some(path) => TokenConfig::KeySet {
            jwks_json: std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?,
            issuer: args.jwt_issuer,
            audience: args.jwt_audience,
        },
        None => TokenConfig::SharedSecret(args.jwt_secret),
    };
    Ok(LocalConfig {
        listen: args.listen,
        data: if args.memory {
            DataLocation::Memory
        } else {
            DataLocation::File(args.data)
        },
        tokens,
        seed_demo: !args.no_demo,
        webhook_secret: args.webhook_secret,
        saga_retry_delay_scale: 1.0,
        rate_limits: RateLimitSettings {
            per_buyer: Limit::parse_setting(&args.buyer_rate_limit)
                .map_err(|error| format!("--buyer-rate-limit: {error}"))?,
            per_client: Limit::parse_setting(&args.client_rate_limit)
                .map_err(|error| format!("--client-rate-limit: {error}"))?,
        },
        read_timeout: READ_TIMEOUT,
        aws: None,
        mail_folder: args.mail_folder,
        operators_email: match args.operators_email.as_str() {
            "off" => None,
            raw => Some(
                EmailAddress::parse(raw).map_err(|error| format!("--operators-email: {error}"))?,
            ),
        },
    })
}

/// The log on stderr (stdout's first line is the address to open), and the spans
/// exported to `otlp_endpoint` when one is given.
fn init_tracing(otlp_endpoint: Option<&str>) -> Result<Option<OtlpTracing>, String> {
    let log = tracing_subscriber::fmt::layer()
        .compact()
        .with_writer(std::io::stderr)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()));
    let otlp = otlp_endpoint
        .map(OtlpTracing::new)
        .transpose()
        .map_err(|error| format!("--otlp-endpoint: {error}"))?;
    tracing_subscriber::registry()
        .with(log)
        .with(otlp.as_ref().map(OtlpTracing::layer))
        .init();
    Ok(otlp)
}

fn serve(args: ServeArgs) -> ExitCode {
    let otlp = match init_tracing(args.otlp_endpoint.as_deref()) {
        Ok(otlp) => otlp,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let aws = AwsArgs {
        endpoint: args.aws_endpoint.clone(),
        prefix: args.table_prefix.clone(),
        create: args.create_tables,
    };
    let config = match config(args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let data = match &config.data {
        DataLocation::File(path) => path.display().to_string(),
        DataLocation::Memory => "memory".to_owned(),
    };
    let mail = config.mail_folder().map_or_else(
        || "none, in memory".to_owned(),
        |folder| folder.display().to_string(),
    );
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let exit = runtime.block_on(async move {
        let (mut config, mut data) = (config, data);
        if let Some(endpoint) = &aws.endpoint {
            data = format!("the AWS resources {}* at {endpoint}", aws.prefix);
            config.aws = Some(aws_stack(endpoint, aws.prefix, aws.create).await);
        }
        let shop = match start(config).await {
            Ok(shop) => shop,
            Err(error) => {
                eprintln!("the shop could not start: {error}");
                return ExitCode::FAILURE;
            }
        };
        let url = shop.url();
        println!(
            "\nMambogo is open at {url}/  (open it in a browser to shop; data: {data}; mail: {mail})\n\n  \
             The API answers at the same address:\n  \
             curl '{url}/search?q=speakr&sort=price&limit=3'\n  \
             curl -i -X POST {url}/cart/items -H 'content-type: application/json' -d '{{\"sku\":\"MB-0002-BLK\",\"quantity\":1}}'\n  \
             scripts/demo-checkout    checks out from an empty cart to a CONFIRMED order\n\n  \
             A token for a shopper:  TOKEN=$(cargo run -q -- token --user alice)\n  \
             A token for an admin:   TOKEN=$(cargo run -q -- token --user ops --admin)\n  \
             then add  -H \"authorization: Bearer $TOKEN\"  to any request.  Ctrl-C stops the shop.\n"
        );
        shop.serve_until_interrupted().await;
        ExitCode::SUCCESS
    });
    if let Some(otlp) = otlp {
        otlp.shutdown();
    }
    exit
}
