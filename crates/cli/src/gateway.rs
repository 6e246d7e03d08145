//! `unicrm serve`, `unicrm projects …`, `unicrm accounts …`: the gateway and its store.

use anyhow::{bail, Context as _};
use clap::Subcommand;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use unicrm_server::store::{AccountRow, AccountView, CredentialPairs, NewAccount};
use unicrm_server::{Config, Environment, Gateway, KeySource, Store};

/// The default store: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://unicrm.db?mode=rwc";

/// `unicrm projects …`.
#[derive(Subcommand)]
pub enum ProjectsCommand {
    /// Create a project; prints its id and both keys (shown once, only hashes are stored).
    Create {
        /// Project name.
        #[arg(long)]
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List projects (ids and names; keys cannot be shown again).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `unicrm accounts …`.
#[derive(Subcommand)]
pub enum AccountsCommand {
    /// Link an end user's CRM account to a project; prints the account id (the dialect
    /// "unified" `x-account-id`).
    Link {
        /// Project id.
        #[arg(long)]
        project: String,
        /// Connector id (see `unicrm connectors`).
        #[arg(long)]
        provider: String,
        /// Your id of the end user.
        #[arg(long)]
        end_user: String,
        /// A sandbox (test-mode) account, used with the project's sk_test_ key.
        #[arg(long, conflicts_with = "credential")]
        sandbox: bool,
        /// A credential `key=value` (access_token, api_key, refresh_token, client_id,
        /// client_secret, instance_url, expires_at, base_url, setting.<name>); repeatable.
        #[arg(long, value_name = "KEY=VALUE")]
        credential: Vec<String>,
        /// A field mapping `unified_name=provider_field` for `unified_custom_fields`; repeatable.
        #[arg(long, value_name = "NAME=FIELD")]
        field_map: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List linked accounts (credentials are never shown).
    List {
        /// Only this project's.
        #[arg(long)]
        project: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn open(database_url: &str) -> anyhow::Result<Store> {
    let key = std::env::var("UNICRM_MASTER_KEY").ok();
    let (store, source) = unicrm_server::open_store(database_url, key.as_deref())
        .await
        .with_context(|| {
            format!(
                "opening the store {}",
                unicrm_server::store::redact_url(database_url)
            )
        })?;
    // A generated key file is logged by `open_store`.
    if source == KeySource::Ephemeral {
        eprintln!("note: in-memory database with a throw-away master key");
    }
    Ok(store)
}

fn pairs(list: &[String], what: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in list {
        let Some((k, v)) = item.split_once('=') else {
            bail!("--{what} {item:?}: expected KEY=VALUE");
        };
        out.insert(k.trim().to_owned(), v.to_owned());
    }
    Ok(out)
}

/// Runs `unicrm projects …`.
pub fn projects(database_url: &str, cmd: ProjectsCommand) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let store = open(database_url).await?;
        match cmd {
            ProjectsCommand::Create { name, json } => {
                let p = store.create_project(&name).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&p)?);
                } else {
                    println!("project  {}  ({})", p.project.id, p.project.name);
                    println!("live key {}", p.live_key);
                    println!("test key {}", p.test_key);
                    println!("(the keys are shown only now: unicrm stores their hashes)");
                }
            }
            ProjectsCommand::List { json } => {
                let all = store.projects().await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&all)?);
                } else {
                    for p in all {
                        println!("{}  {}  {}", p.id, p.created_at, p.name);
                    }
                }
            }
        }
        Ok(())
    })
}

/// Runs `unicrm accounts …`.
pub fn accounts(database_url: &str, cmd: AccountsCommand) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let store = open(database_url).await?;
        match cmd {
            AccountsCommand::Link {
                project,
                provider,
                end_user,
                sandbox,
                credential,
                field_map,
                json,
            } => {
                if unicrm_registry::get(&provider).is_none() {
                    bail!(
                        "unknown provider {provider:?}; compiled-in connectors: {}",
                        unicrm_registry::ids().join(", ")
                    );
                }
                unicrm_core::http::check_identifier("--end-user", &end_user)?;
                if store.project(&project).await?.is_none() {
                    bail!("no project {project:?} (see `unicrm projects list`)");
                }
                let field_mapping: Map<String, Value> = pairs(&field_map, "field-map")?
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                let new = if sandbox {
                    let mut n = unicrm_server::state::sandbox_account(&project, &provider, &end_user);
                    n.field_mapping = field_mapping;
                    n
                } else {
                    let creds = pairs(&credential, "credential")?;
                    if creds.is_empty() {
                        bail!("give --sandbox, or the account's credentials with --credential KEY=VALUE");
                    }
                    let creds = CredentialPairs(creds);
                    unicrm_server::state::split_credentials(&creds)?;
                    // The same host checks as `POST /api/v1/accounts`: a live account's URLs
                    // must be on the provider's own domains.
                    let connector = unicrm_registry::get(&provider)
                        .context("the provider was checked above")?;
                    unicrm_server::hosts::check_account_urls(
                        connector.info(),
                        Environment::Live,
                        &creds,
                    )?;
                    NewAccount {
                        project_id: project,
                        end_user_id: end_user,
                        provider,
                        environment: Environment::Live,
                        credentials: creds,
                        field_mapping,
                    }
                };
                let a = store.link_account(new).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&AccountView::from(&a))?);
                } else {
                    println!("{}", a.id);
                }
            }
            AccountsCommand::List { project, json } => {
                let mut all: Vec<AccountView> = Vec::new();
                for row in store.accounts_checked(project.as_deref()).await? {
                    match row {
                        AccountRow::Ok(a) => all.push(AccountView::from(&a)),
                        // One unreadable account is named, not a failed list.
                        AccountRow::Unreadable(a) => eprintln!(
                            "warning: linked account {} ({} {}, end user {:?}): its credentials cannot be decrypted with this master key; link it again",
                            a.id, a.environment, a.provider, a.end_user_id
                        ),
                    }
                }
                if json {
                    println!("{}", serde_json::to_string_pretty(&all)?);
                } else {
                    println!(
                        "{:<38}{:<38}{:<12}{:<6}END USER",
                        "ACCOUNT", "PROJECT", "PROVIDER", "ENV"
                    );
                    for a in all {
                        println!(
                            "{:<38}{:<38}{:<12}{:<6}{}",
                            a.id,
                            a.project_id,
                            a.provider,
                            a.environment.to_string(),
                            a.end_user_id
                        );
                    }
                }
            }
        }
        Ok(())
    })
}

/// Runs `unicrm serve`.
pub fn serve(
    database_url: &str,
    bind: SocketAddr,
    sandbox_url: Option<String>,
    config: Config,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let store = open(database_url).await?;
        if store.is_empty().await? {
            let p = store.create_project("default").await?;
            println!("Created the default project {} (keys are shown only now):", p.project.id);
            println!("  test key: {}", p.test_key);
            println!("  live key: {}", p.live_key);
        }
        // Test-mode accounts talk to the sandbox: the one given, or the emulators in-process;
        // none at all when test mode is off.
        let (sandbox_url, _sandbox) = match sandbox_url {
            _ if !config.test_mode => {
                tracing::info!("test mode is off: sk_test_ keys are refused, no sandbox runs");
                (None, None)
            }
            Some(url) => (Some(url), None),
            None => {
                let running = unicrm_sandbox::spawn("127.0.0.1:0")
                    .await
                    .context("starting the in-process sandbox")?;
                tracing::info!(url = %running.url(), "in-process sandbox for test-mode accounts");
                (Some(running.url()), Some(running))
            }
        };
        let config = match sandbox_url {
            Some(url) => config.sandbox_url(url),
            None => config,
        };
        let gateway = Gateway::new(store, config);
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("binding {bind}"))?;
        let addr = listener.local_addr()?;
        println!("unicrm gateway listening on http://{addr} (dialect \"unified\": /unified/crm/…, dialect \"v1\": /api/v1/…, /openapi.json)");
        // Answers go out at once (no Nagle delay behind a previous unacknowledged segment).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, unicrm_server::router(gateway))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}
