//! `unicrm export`: every record of a resource of a linked account, one dialect "unified" JSON
//! object per line, page by page (one page in memory), resumable from a cursor file.

use anyhow::{bail, Context as _};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::io::{IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::export::Export;
use unicrm_core::limit::RateLimiter;
use unicrm_core::{ListQuery, Resource};
use unicrm_server::state::{split_credentials, AccountEntry, Target};
use unicrm_server::{Config, Gateway};

/// `unicrm export …`.
#[derive(Args)]
pub struct ExportArgs {
    /// Resource: contact, lead, deal, meeting, account.
    resource: String,
    /// Connector id of the linked account.
    #[arg(long)]
    provider: String,
    /// The end user whose linked account to export.
    #[arg(long)]
    end_user: String,
    /// The project of the account (needed when several projects link this end user).
    #[arg(long)]
    project: Option<String>,
    /// Only records changed at or after this time (RFC 3339, a date, or epoch milliseconds).
    #[arg(long)]
    since: Option<String>,
    /// Records per provider page (the connector clamps it to what the provider accepts).
    #[arg(long, default_value_t = 100)]
    page_size: u32,
    /// A cursor file: written after each page; an export started with an existing file continues
    /// after the last page it recorded.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Write to this file instead of stdout. With `--resume`, a continued export first cuts the
    /// file back to the end of the last recorded page, so no record is written twice.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// A running `unicrm sandbox`, for test-mode accounts.
    #[arg(long, env = "UNICRM_SANDBOX_URL")]
    sandbox_url: Option<String>,
    /// At most this many provider calls per second. Default: the account setting
    /// `rate_limit_per_second`, else the account's quota as the gateway applies it (the
    /// connector's published rate limit for live accounts); 429s are retried after `Retry-After`.
    #[arg(long)]
    rate: Option<u32>,
}

/// What the cursor file holds.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Checkpoint {
    account: String,
    resource: String,
    since: Option<String>,
    /// The cursor of the next page; `None` when the export finished.
    cursor: Option<String>,
    /// Records written so far.
    records: u64,
    /// Bytes of output written so far (with `--output`).
    bytes: u64,
    /// Whether the last page was written.
    done: bool,
}

impl Checkpoint {
    fn read(path: &Path) -> anyhow::Result<Option<Checkpoint>> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).with_context(|| {
                format!("{} is not a unicrm export cursor file", path.display())
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Written to a temporary file, then renamed over the old one: never half written.
    fn write(&self, path: &Path) -> anyhow::Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }
}

/// Runs `unicrm export`.
pub fn run(database_url: &str, args: ExportArgs) -> anyhow::Result<()> {
    let Some(resource) = Resource::parse(&args.resource) else {
        bail!(
            "unknown resource {:?}; expected contact, lead, deal, meeting or account",
            args.resource
        );
    };
    let Some(connector) = unicrm_registry::get(&args.provider) else {
        bail!(
            "unknown provider {:?}; compiled-in connectors: {}",
            args.provider,
            unicrm_registry::ids().join(", ")
        );
    };
    let since = args
        .since
        .as_deref()
        .map(|s| unicrm_core::convert::parse_timestamp("since", s))
        .transpose()?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let store = crate::gateway::open(database_url).await?;
        let mut found: Vec<_> = store
            .accounts(args.project.as_deref())
            .await?
            .into_iter()
            .filter(|a| a.provider == args.provider && a.end_user_id == args.end_user)
            .collect();
        let account = match found.len() {
            0 => bail!(
                "no {} account linked for end user {:?}{} (see `unicrm accounts list`)",
                args.provider,
                args.end_user,
                args.project
                    .as_deref()
                    .map(|p| format!(" in project {p}"))
                    .unwrap_or_default()
            ),
            1 => found.remove(0),
            _ => bail!(
                "several {} accounts are linked for end user {:?} ({}); choose one with --project",
                args.provider,
                args.end_user,
                found
                    .iter()
                    .map(|a| format!("{} in {} ({})", a.id, a.project_id, a.environment))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let (credentials, settings, base_url) = split_credentials(&account.credentials)?;
        let rate = match args.rate {
            Some(r) => Some(r),
            None => settings
                .get("rate_limit_per_second")
                .map(|s| s.parse::<u32>())
                .transpose()
                .context("the account setting rate_limit_per_second is not a number")?,
        };
        let mut config = Config::default();
        if let Some(url) = &args.sandbox_url {
            config = config.sandbox_url(url.trim_end_matches('/'));
        }
        // Batch work: ride out provider 429s and 5xx longer than an interactive request would.
        config = config.retry(
            unicrm_core::limit::RetryPolicy::new(6, Duration::from_millis(500))
                .max_delay(Duration::from_secs(60))
                .max_total(Duration::from_secs(300)),
        );
        let gateway = Gateway::new(store, config);
        let account_id = account.id.clone();
        let target = Target {
            entry: Arc::new(AccountEntry {
                account,
                credentials,
                settings,
                base_url,
                owners: Default::default(),
            }),
            connector: connector.clone(),
        };
        let mut cx = gateway.call_context(&target, None).await?;
        if let Some(r) = rate {
            cx = cx.with_limiter(RateLimiter::new(r.max(1), Duration::from_secs(1)));
        }

        let mut checkpoint = Checkpoint {
            account: account_id,
            resource: resource.as_str().to_owned(),
            since: args.since.clone(),
            cursor: None,
            records: 0,
            bytes: 0,
            done: false,
        };
        if let Some(path) = &args.resume {
            if let Some(saved) = Checkpoint::read(path)? {
                if (&saved.account, &saved.resource, &saved.since)
                    != (&checkpoint.account, &checkpoint.resource, &checkpoint.since)
                {
                    bail!(
                        "{} is the cursor of another export (account {}, {}, since {:?}); remove it to start over",
                        path.display(),
                        saved.account,
                        saved.resource,
                        saved.since
                    );
                }
                if saved.done {
                    eprintln!(
                        "{} records were exported already ({}); nothing to do",
                        saved.records,
                        path.display()
                    );
                    return Ok(());
                }
                checkpoint = saved;
            }
        }

        let mut out: Box<dyn Write> = match &args.output {
            Some(path) => {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .truncate(false)
                    .open(path)
                    .with_context(|| format!("opening {}", path.display()))?;
                // Cut what a page interrupted mid-write left after the last recorded page (a
                // regular file; `-o /dev/null` and pipes are written as they are).
                if f.metadata()?.is_file() {
                    f.set_len(checkpoint.bytes)?;
                    f.seek(std::io::SeekFrom::End(0))?;
                }
                Box::new(std::io::BufWriter::with_capacity(256 * 1024, f))
            }
            None => Box::new(std::io::BufWriter::with_capacity(
                256 * 1024,
                std::io::stdout().lock(),
            )),
        };

        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {human_pos} records · {per_sec} · {elapsed_precise} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar.set_position(checkpoint.records);
            bar
        } else {
            ProgressBar::hidden()
        };

        let query = ListQuery {
            cursor: checkpoint.cursor.clone(),
            page_size: Some(args.page_size.max(1)),
            updated_after: since,
        };
        let mut export = Export::new(connector, cx, resource, query);
        let mut line = Vec::with_capacity(4096);
        while let Some(page) = export.next_page().await? {
            for record in &page {
                line.clear();
                serde_json::to_writer(&mut line, &dialect::render(Dialect::Unified, record))?;
                line.push(b'\n');
                out.write_all(&line)?;
                checkpoint.bytes += line.len() as u64;
            }
            checkpoint.records += page.len() as u64;
            drop(page);
            out.flush()?;
            checkpoint.cursor = export.cursor().map(str::to_owned);
            checkpoint.done = export.is_done();
            if let Some(path) = &args.resume {
                checkpoint.write(path)?;
            }
            bar.set_position(checkpoint.records);
        }
        out.flush()?;
        bar.finish_and_clear();
        eprintln!(
            "exported {} {} records ({} pages in this run)",
            checkpoint.records,
            resource.as_str(),
            export.pages()
        );
        Ok(())
    })
}
