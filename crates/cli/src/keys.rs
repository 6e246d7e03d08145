//! `unicrm keys …`: a project's named API keys (create, list, revoke, rotate with an overlap) and
//! the rotation of the master key that encrypts the store's secrets.

use anyhow::{bail, Context as _};
use clap::Subcommand;
use unicrm_server::store::{ApiKey, CreatedKey};
use unicrm_server::{Environment, KeySource, MasterKey};

/// `unicrm keys …`.
#[derive(Subcommand)]
pub enum KeysCommand {
    /// Create a named API key of a project; prints its secret once (only its hash is stored).
    Create {
        /// Project id.
        #[arg(long)]
        project: String,
        /// `live` (real CRM accounts) or `test` (sandbox accounts).
        #[arg(long, value_parser = parse_env)]
        env: Environment,
        /// A name for the key (who or what uses it).
        #[arg(long)]
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List a project's API keys: name, status, created, last used (never their secrets).
    List {
        /// Project id.
        #[arg(long)]
        project: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API key at once (every gateway stops accepting it within its key revalidation
    /// interval, 2 s by default).
    Revoke {
        /// Key id (`key_…`, see `unicrm keys list`).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rotate an API key: a new key of the same name (printed once); the old one keeps working
    /// for `--overlap`, then stops.
    Rotate {
        /// Key id.
        id: String,
        /// How long the old key keeps working: `0`, `90s`, `30m`, `24h`, `7d` (at most 30d).
        #[arg(long, default_value = "24h", value_parser = parse_overlap)]
        overlap: std::time::Duration,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Re-encrypt every stored secret (linked accounts' credentials, stored idempotent answers)
    /// under a new master key, in one transaction. The current key comes from
    /// `UNICRM_MASTER_KEY` (or the development key file), the new one from
    /// `UNICRM_NEW_MASTER_KEY` or `--generate`. Stop the gateways first; start them again with
    /// the new key.
    RotateMaster {
        /// Generate the new key (printed once on stdout) instead of reading
        /// `UNICRM_NEW_MASTER_KEY`.
        #[arg(long)]
        generate: bool,
    },
}

fn parse_env(s: &str) -> Result<Environment, String> {
    Environment::parse(s).ok_or_else(|| format!("{s:?}: expected live or test"))
}

/// `0`, `90s`, `30m`, `24h`, `7d` or plain seconds; at most 30 days.
pub fn parse_overlap(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 0, 90s, 30m, 24h, 7d)"))?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit {unit:?} (s, m, h or d)")),
    };
    let secs = n.checked_mul(per).ok_or("too long")?;
    if secs > unicrm_server::keys::MAX_OVERLAP.as_secs() {
        return Err("at most 30d".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

fn print_key(k: &ApiKey) {
    println!(
        "{:<48}{:<6}{:<10}{:<22}{:<22}{}",
        k.id,
        k.environment.to_string(),
        k.status,
        k.created_at,
        k.last_used_at.as_deref().unwrap_or("-"),
        k.name
    );
}

fn print_created(c: &CreatedKey, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(c)?);
    } else {
        println!(
            "key    {}  ({}, {})",
            c.key.id, c.key.name, c.key.environment
        );
        println!("secret {}", c.secret);
        println!("(the secret is shown only now: unicrm stores its hash)");
    }
    Ok(())
}

/// Runs `unicrm keys …`.
pub fn run(database_url: &str, cmd: KeysCommand) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        if let KeysCommand::RotateMaster { generate } = cmd {
            return rotate_master(database_url, generate).await;
        }
        let store = crate::gateway::open(database_url).await?;
        match cmd {
            KeysCommand::Create {
                project,
                env,
                name,
                json,
            } => {
                let name = unicrm_server::keys::check_name(&name)
                    .map_err(|r| anyhow::anyhow!("--name: {r}"))?;
                if store.project(&project).await?.is_none() {
                    bail!("no project {project:?} (see `unicrm projects list`)");
                }
                let created = store.create_key(&project, env, name).await?;
                print_created(&created, json)?;
            }
            KeysCommand::List { project, json } => {
                if store.project(&project).await?.is_none() {
                    bail!("no project {project:?} (see `unicrm projects list`)");
                }
                let keys = store.keys(&project, None).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&keys)?);
                } else {
                    println!(
                        "{:<48}{:<6}{:<10}{:<22}{:<22}NAME",
                        "KEY", "ENV", "STATUS", "CREATED", "LAST USED"
                    );
                    keys.iter().for_each(print_key);
                }
            }
            KeysCommand::Revoke { id, json } => {
                let Some(k) = store.revoke_key(None, &id).await? else {
                    bail!("no API key {id:?} (see `unicrm keys list --project …`)");
                };
                if json {
                    println!("{}", serde_json::to_string_pretty(&k)?);
                } else {
                    println!("revoked {} ({})", k.id, k.name);
                }
            }
            KeysCommand::Rotate { id, overlap, json } => {
                let Some((created, old)) = store.rotate_key(None, &id, overlap).await? else {
                    bail!("no API key {id:?} (see `unicrm keys list --project …`)");
                };
                print_created(&created, json)?;
                if !json {
                    println!(
                        "the old key {} works until {}",
                        old.id,
                        old.expires_at.as_deref().unwrap_or("-")
                    );
                }
            }
            KeysCommand::RotateMaster { .. } => unreachable!("handled above"),
        }
        Ok(())
    })
}

async fn rotate_master(database_url: &str, generate: bool) -> anyhow::Result<()> {
    let new = if generate {
        MasterKey::generate()
    } else {
        let Some(k) = std::env::var("UNICRM_NEW_MASTER_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
        else {
            bail!("set UNICRM_NEW_MASTER_KEY to the new key (base64 of 32 bytes, e.g. `openssl rand -base64 32`), or pass --generate");
        };
        MasterKey::from_base64(&k).context("UNICRM_NEW_MASTER_KEY")?
    };
    let current = std::env::var("UNICRM_MASTER_KEY").ok();
    let (store, source) = unicrm_server::open_store(database_url, current.as_deref())
        .await
        .with_context(|| {
            format!(
                "opening the store {}",
                unicrm_server::store::redact_url(database_url)
            )
        })?;
    match source {
        KeySource::File(path) | KeySource::Generated(path) => {
            // The new key is on disk before the store switches to it: a crash after the commit
            // leaves `<db>.key.new`, which the next open moves into place.
            let pending = unicrm_server::pending_key_path(&path);
            let _ = std::fs::remove_file(&pending);
            new.write_new_file(&pending)?;
            match store.rotate_master(&new).await {
                Ok(done) => {
                    std::fs::rename(&pending, &path)
                        .with_context(|| format!("moving {} into place", pending.display()))?;
                    println!(
                        "re-encrypted {} linked account(s) and {} idempotency record(s); the new key is in {}",
                        done.accounts,
                        done.idempotency_records,
                        path.display()
                    );
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&pending);
                    return Err(e.into());
                }
            }
        }
        KeySource::Environment => {
            let done = store.rotate_master(&new).await?;
            if generate {
                println!("{}", new.to_base64());
            }
            eprintln!(
                "re-encrypted {} linked account(s) and {} idempotency record(s): set UNICRM_MASTER_KEY to the new key{} and restart every gateway",
                done.accounts,
                done.idempotency_records,
                if generate { " (printed above, shown only now)" } else { "" }
            );
        }
        KeySource::Ephemeral => bail!("an in-memory store has no master key to rotate"),
        other => bail!("unexpected master key source {other:?}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_overlap;
    use std::time::Duration;

    #[test]
    fn overlap_values() {
        assert_eq!(parse_overlap("0"), Ok(Duration::ZERO));
        assert_eq!(parse_overlap("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_overlap("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_overlap("7d"), Ok(Duration::from_secs(7 * 86_400)));
        for bad in ["", "-1s", "31d", "5y", "abc", "1.5h"] {
            assert!(parse_overlap(bad).is_err(), "{bad}");
        }
    }
}
