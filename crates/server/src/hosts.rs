//! Where a live account may send the gateway: per-account URLs (`base_url`, `instance_url`,
//! `setting.*_url`) must be `https` on one of the provider's own domains, so a linked account
//! cannot turn the gateway into a proxy to arbitrary hosts (loopback, cloud metadata, an
//! internal network). Test-mode accounts always call the sandbox: they may not carry any
//! URL-valued credential or setting at all ([`check_account_urls`]), and core pins their calls to
//! the sandbox where each request is sent (`unicrm_core::http::check_sandbox_pin`).

use crate::store::CredentialPairs;
use unicrm_core::{ConnectorInfo, Error, Result};

/// Whether `key` of a credential pair holds a URL or host the gateway would call
/// (`base_url`, `instance_url`, `setting.*_url`, `setting.*_domain`, `setting.*_host`).
pub fn is_url_key(key: &str) -> bool {
    matches!(key, "base_url" | "instance_url")
        || key.strip_prefix("setting.").is_some_and(|s| {
            s.ends_with("_url") || s.ends_with("_domain") || s.ends_with("_host") || s == "url"
        })
}

/// Checks the URL-valued pairs of an account about to be linked or updated: a live account's
/// must be on the provider's own domains ([`check_live_urls`]); a test-mode account may carry
/// none at all — it always calls the configured sandbox, so a URL there could only point the
/// gateway somewhere else. Every refusal is a 400 naming the pair.
pub fn check_account_urls(
    info: &ConnectorInfo,
    env: crate::crypto::Environment,
    pairs: &CredentialPairs,
) -> Result<()> {
    match env {
        crate::crypto::Environment::Live => check_live_urls(info, pairs),
        crate::crypto::Environment::Test => {
            for (k, v) in &pairs.0 {
                if is_url_key(k) || v.contains("://") {
                    return Err(Error::invalid(
                        format!("credentials.{k}"),
                        "a test-mode account always calls the gateway's sandbox: URL-valued credentials and settings are refused (link a live account with an sk_live_ key to call a provider)",
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Checks every URL-valued pair of a live account of `info`'s provider: `https` on one of the
/// API domains the connector declares ([`unicrm_core::raw::hosts`]), no credentials in the URL.
pub fn check_live_urls(info: &ConnectorInfo, pairs: &CredentialPairs) -> Result<()> {
    for (k, v) in &pairs.0 {
        if is_url_key(k) {
            unicrm_core::raw::hosts::check_url(info, &format!("credentials.{k}"), v)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn pairs(k: &str, v: &str) -> CredentialPairs {
        CredentialPairs(BTreeMap::from([(k.to_owned(), v.to_owned())]))
    }

    fn info(id: &str) -> &'static ConnectorInfo {
        unicrm_registry::get(id).expect(id).info()
    }

    #[test]
    fn provider_hosts_pass_others_are_refused() {
        let sf = info("salesforce");
        for ok in [
            "https://acme.my.salesforce.com",
            "https://acme.lightning.force.com",
        ] {
            check_live_urls(sf, &pairs("instance_url", ok)).unwrap();
        }
        for bad in [
            "http://127.0.0.1:4010",
            "http://acme.my.salesforce.com",
            "https://salesforce.com.evil.example",
            "https://evilsalesforce.com",
            "https://169.254.169.254/latest",
            "https://user:pw@acme.my.salesforce.com",
        ] {
            let e = check_live_urls(sf, &pairs("instance_url", bad)).unwrap_err();
            assert_eq!(e.http_status(), 400, "{bad}");
        }
        let hs = info("hubspot");
        check_live_urls(hs, &pairs("base_url", "https://api.hubapi.com")).unwrap();
        assert!(check_live_urls(hs, &pairs("base_url", "https://localhost")).is_err());
        assert!(check_live_urls(
            info("pipedrive"),
            &pairs("setting.token_url", "http://10.0.0.1/token")
        )
        .is_err());
        // Not a URL key: untouched.
        check_live_urls(hs, &pairs("access_token", "http://x")).unwrap();
        // Zoho's api_domain setting is a host too; Zoho's multi-label data centres are exact.
        let zoho = info("zoho");
        assert!(
            check_live_urls(zoho, &pairs("setting.api_domain", "http://127.0.0.1:22")).is_err()
        );
        check_live_urls(zoho, &pairs("instance_url", "https://www.zohoapis.com.au")).unwrap();
        assert!(check_live_urls(zoho, &pairs("instance_url", "https://evil.com.au")).is_err());
        // The gateway and the Close connector agree on Close's hosts.
        check_live_urls(info("close"), &pairs("base_url", "https://api.close.io")).unwrap();
    }

    #[test]
    fn test_accounts_carry_no_urls() {
        use crate::crypto::Environment::Test;
        let zoho = info("zoho");
        for (k, v) in [
            ("instance_url", "http://127.0.0.1:4010/_sandbox/faults#"),
            ("base_url", "http://169.254.169.254/latest"),
            ("setting.api_domain", "file:///etc/passwd"),
            ("setting.accounts_url", "http://[::1]:22/"),
            ("setting.login_url", "https://login.salesforce.com"),
            ("setting.token_url", "http://127.0.0.1:1/token"),
            ("setting.whatever", "gopher://127.0.0.1:70/"),
        ] {
            let e = check_account_urls(zoho, Test, &pairs(k, v)).expect_err(k);
            assert_eq!(e.http_status(), 400, "{k}");
            assert!(
                e.to_string().starts_with(&format!("credentials.{k}:")),
                "{e}"
            );
        }
        check_account_urls(zoho, Test, &pairs("access_token", "t")).unwrap();
        check_account_urls(zoho, Test, &pairs("setting.company_account", "link_only")).unwrap();
    }
}
