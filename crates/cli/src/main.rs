//! `unicrm`: list connectors, show what a body maps to, run the sandbox and the gateway.

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Read;
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::{Operation, Resource};

mod export;
mod gateway;
mod keys;

/// mimalloc instead of the system allocator: the gateway allocates and frees many small objects
/// per request (headers, JSON values, strings) across worker threads, where glibc's malloc spent
/// about a fifth of the gateway's CPU under load (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "unicrm",
    version,
    about = "One unified CRM API over HubSpot, Salesforce and more"
)]
struct Cli {
    /// The gateway's store: `sqlite://…` (default: unicrm.db in the working directory) or
    /// `postgres://…`.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = gateway::DEFAULT_DATABASE_URL, hide_env_values = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the compiled-in connectors and what each supports.
    Connectors {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show what a body becomes: a request body (stdin) as the provider body it is sent as, or a
    /// provider record (stdin) as the unified record.
    Map {
        /// Connector id (see `unicrm connectors`).
        #[arg(long)]
        provider: String,
        /// Resource: contact, lead, deal, meeting, account.
        #[arg(long)]
        resource: String,
        /// What stdin holds.
        #[arg(long, value_enum)]
        from: From,
        /// Dialect to print a provider record in (with `--from provider`).
        #[arg(long, value_enum, default_value = "unified")]
        to: To,
    },
    /// Serve every compiled-in provider emulator: a local CRM to develop and test against.
    Sandbox {
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1:5002")]
        bind: std::net::SocketAddr,
        /// Seed of ids, seed data and fault decisions: the same seed gives the same run.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Realistic records (people, companies, deals, meetings) each account starts with.
        #[arg(long, default_value_t = 0)]
        seed_data: usize,
    },
    /// Run the gateway: both API dialects over every compiled-in connector. On an empty store it
    /// creates a default project and prints its keys once.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:5001")]
        bind: std::net::SocketAddr,
        /// A running `unicrm sandbox` for test-mode (sk_test_) accounts; without it the
        /// emulators run in-process on an ephemeral loopback port.
        #[arg(long)]
        sandbox_url: Option<String>,
        /// Timeout of one provider call (`30s`, `1500ms`); past it the answer is a 504 naming
        /// the provider.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        provider_timeout: std::time::Duration,
        /// Count each linked account's provider calls in the store, so the per-account quota
        /// holds across every gateway process sharing one PostgreSQL.
        #[arg(long, env = "UNICRM_SHARED_RATE_LIMIT")]
        shared_rate_limit: bool,
        /// Refuse test-mode (sk_test_) keys and run no sandbox: for production gateways.
        #[arg(long, env = "UNICRM_NO_TEST_MODE", conflicts_with = "sandbox_url")]
        no_test_mode: bool,
        #[command(flatten)]
        limits: gateway::LimitArgs,
    },
    /// Create and list projects (each owns a live and a test key).
    Projects {
        #[command(subcommand)]
        command: gateway::ProjectsCommand,
    },
    /// Link and list end users' CRM accounts.
    Accounts {
        #[command(subcommand)]
        command: gateway::AccountsCommand,
    },
    /// Named API keys of projects (create, list, revoke, rotate) and `rotate-master`.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Export every record of a resource of a linked account as JSON lines (dialect "unified"),
    /// page by page, resumable: `unicrm export contact --provider hubspot --end-user u1 > out.jsonl`.
    Export(export::ExportArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum From {
    /// A dialect "unified" request body.
    Unified,
    /// A dialect "v1" request body.
    V1,
    /// A provider record.
    Provider,
}

#[derive(Clone, Copy, ValueEnum)]
enum To {
    /// Dialect "unified".
    Unified,
    /// Dialect "v1".
    V1,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    unicrm_registry::check().context("connector registry")?;
    match cli.command {
        Command::Connectors { json } => connectors(json),
        Command::Map {
            provider,
            resource,
            from,
            to,
        } => map(&provider, &resource, from, to),
        Command::Sandbox {
            bind,
            seed,
            seed_data,
        } => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(unicrm_sandbox::serve(
                unicrm_sandbox::ServeOptions::new(bind)
                    .seed(seed)
                    .seed_data(seed_data),
            ))?;
            Ok(())
        }
        Command::Serve {
            bind,
            sandbox_url,
            provider_timeout,
            shared_rate_limit,
            no_test_mode,
            limits,
        } => gateway::serve(
            &cli.database_url,
            bind,
            sandbox_url,
            limits.apply(
                unicrm_server::Config::default()
                    .provider_timeout(provider_timeout)
                    .shared_rate_limit(shared_rate_limit)
                    .test_mode(!no_test_mode),
            ),
        ),
        Command::Projects { command } => gateway::projects(&cli.database_url, command),
        Command::Accounts { command } => gateway::accounts(&cli.database_url, command),
        Command::Keys { command } => keys::run(&cli.database_url, command),
        Command::Export(args) => export::run(&cli.database_url, args),
    }
}

fn connectors(json: bool) -> anyhow::Result<()> {
    let all = unicrm_registry::all();
    if json {
        let infos: Vec<_> = all.iter().map(|c| c.info()).collect();
        println!("{}", serde_json::to_string_pretty(&infos)?);
        return Ok(());
    }
    if all.is_empty() {
        println!("no connectors compiled in (enable unicrm-registry features)");
        return Ok(());
    }
    print!("{:<14}{:<14}", "CONNECTOR", "NAME");
    for r in Resource::ALL {
        print!("{:<10}", r.as_str());
    }
    println!();
    for c in &all {
        let info = c.info();
        print!("{:<14}{:<14}", info.id, info.display_name);
        for r in Resource::ALL {
            let ops: String = Operation::ALL
                .iter()
                .map(|op| {
                    if info.supports(r, *op) {
                        op.as_str()
                            .chars()
                            .next()
                            .unwrap_or('?')
                            .to_ascii_uppercase()
                    } else {
                        '-'
                    }
                })
                .collect();
            print!("{ops:<10}");
        }
        println!();
    }
    println!("\nC=create G=get L=list U=update D=delete");
    Ok(())
}

fn map(provider: &str, resource: &str, from: From, to: To) -> anyhow::Result<()> {
    let Some(connector) = unicrm_registry::get(provider) else {
        bail!(
            "unknown provider {provider:?}; compiled-in connectors: {}",
            unicrm_registry::ids().join(", ")
        );
    };
    let Some(resource) = Resource::parse(resource) else {
        bail!("unknown resource {resource:?}; expected contact, lead, deal, meeting or account");
    };
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let out = match from {
        From::Unified => {
            dialect::request_to_provider(&*connector, Dialect::Unified, resource, &input)
        }
        From::V1 => dialect::request_to_provider(&*connector, Dialect::V1, resource, &input),
        From::Provider => {
            let payload = dialect::parse_json::<serde_json::Value>(&input)?;
            let to = match to {
                To::Unified => Dialect::Unified,
                To::V1 => Dialect::V1,
            };
            dialect::provider_to_dialect(&*connector, resource, &payload, to)
        }
    }?;
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// `30s`, `1500ms`, `2m` or plain seconds (`30`, `0.5`).
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 30s, 1500ms)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit {unit:?} (ms, s or m)")),
    };
    if !secs.is_finite() || secs <= 0.0 {
        return Err("must be more than zero".into());
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn provider_timeout_values() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["", "0s", "-1s", "5h", "abc", "NaNs"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
