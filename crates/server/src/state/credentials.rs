//! Credential pairs as stored ↔ core [`Credentials`], settings and base URL: the account entry a
//! call uses, and a new sandbox account's credentials.

use crate::crypto::{self, Environment};
use crate::store::{CredentialPairs, LinkedAccount, NewAccount};
use std::collections::BTreeMap;
use unicrm_core::{Credentials, Error, OwnerCache};

/// A linked account ready for calls: decrypted, split into connector credentials and settings.
#[derive(Debug)]
pub struct AccountEntry {
    /// The account.
    pub account: LinkedAccount,
    /// Connector credentials.
    pub credentials: Credentials,
    /// Connector settings (`setting.<name>=…` credential pairs).
    pub settings: BTreeMap<String, String>,
    /// Base URL override (`base_url=…`), live accounts only.
    pub base_url: Option<String>,
    /// Owner lookups of this account, kept across requests.
    pub owners: OwnerCache,
}

/// Core credentials back as pairs (for storing refreshed credentials), keeping the
/// gateway's own `base_url` / `setting.*` pairs of `previous`.
pub fn join_credentials(c: &Credentials, previous: &CredentialPairs) -> CredentialPairs {
    use secrecy::ExposeSecret;
    let mut out: BTreeMap<String, String> = previous
        .0
        .iter()
        .filter(|(k, _)| k.starts_with("setting.") || k.as_str() == "base_url")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.insert(k.to_owned(), v);
        }
    };
    put(
        "access_token",
        c.access_token
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
    );
    put(
        "api_key",
        c.api_key.as_ref().map(|s| s.expose_secret().to_owned()),
    );
    put(
        "refresh_token",
        c.refresh_token
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
    );
    put("client_id", c.client_id.clone());
    put(
        "client_secret",
        c.client_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
    );
    put("instance_url", c.instance_url.clone());
    put(
        "expires_at",
        c.expires_at
            .map(|t| unicrm_core::model::format_timestamp(&t)),
    );
    CredentialPairs(out)
}

/// Splits credential pairs into core credentials, settings and a base URL; names the bad pair.
pub fn split_credentials(
    pairs: &CredentialPairs,
) -> unicrm_core::Result<(Credentials, BTreeMap<String, String>, Option<String>)> {
    let mut settings = BTreeMap::new();
    let mut base_url = None;
    let mut rest = Vec::new();
    for (k, v) in &pairs.0 {
        if let Some(name) = k.strip_prefix("setting.") {
            settings.insert(name.to_owned(), v.clone());
        } else if k == "base_url" {
            url::Url::parse(v)
                .map_err(|e| Error::invalid("credentials.base_url", format!("not a URL: {e}")))?;
            base_url = Some(v.trim_end_matches('/').to_owned());
        } else {
            rest.push((k.as_str(), v.as_str()));
        }
    }
    Ok((Credentials::from_pairs(rest)?, settings, base_url))
}

/// A new sandbox account: a random sandbox token as its credentials.
pub fn sandbox_account(project_id: &str, provider: &str, end_user_id: &str) -> NewAccount {
    let mut creds = BTreeMap::new();
    creds.insert("access_token".to_owned(), crypto::random_token("sbx_"));
    NewAccount {
        project_id: project_id.to_owned(),
        end_user_id: end_user_id.to_owned(),
        provider: provider.to_owned(),
        environment: Environment::Test,
        credentials: CredentialPairs(creds),
        field_mapping: Default::default(),
    }
}
