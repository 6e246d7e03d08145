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

    // Made-up providers: the check is the same for every connector, so no real one is needed.
    /// Two declared domains (an app domain and a second one, as a CRM with a CDN domain has).
    static EXAMPLE: ConnectorInfo = ConnectorInfo::new(
        "example-crm",
        "Example CRM",
        &[],
        &[],
        "https://api.example-crm.com",
    )
    .with_api_domains(&["example-crm.com", "crm-cloud.example"]);
    /// Regional domains under multi-label public suffixes.
    static REGIONAL: ConnectorInfo = ConnectorInfo::new(
        "regional-crm",
        "Regional CRM",
        &[],
        &[],
        "https://api.crm.example.co.uk",
    )
    .with_api_domains(&["crm.example.co.uk", "crm.example.com.au"]);
    /// No declared domains: the exact host of its default base URL.
    static PLAIN: ConnectorInfo = ConnectorInfo::new(
        "plain-crm",
        "Plain CRM",
        &[],
        &[],
        "https://api.plain-crm.example",
    );

    fn refused(info: &ConnectorInfo, k: &str, v: &str) {
        let e = check_live_urls(info, &pairs(k, v)).expect_err(v);
        assert_eq!(e.http_status(), 400, "{v}");
        assert!(
            e.to_string().starts_with(&format!("credentials.{k}:")),
            "{e}"
        );
    }

    #[test]
    fn provider_hosts_pass_others_are_refused() {
        for ok in [
            "https://acme.app.example-crm.com",
            "https://example-crm.com",
            "https://acme.eu.crm-cloud.example",
            "https://API.Example-CRM.com./v2",
        ] {
            check_live_urls(&EXAMPLE, &pairs("instance_url", ok)).unwrap();
        }
        for bad in [
            // Not https.
            "http://127.0.0.1:4010",
            "http://acme.app.example-crm.com",
            // Look-alikes: the domain as a prefix, or without a label boundary.
            "https://example-crm.com.evil.example",
            "https://evilexample-crm.com",
            "https://example-crm.community",
            "https://crm-cloud.example.evil",
            // Addresses, userinfo, a fragment.
            "https://169.254.169.254/latest",
            "https://user:pw@acme.app.example-crm.com",
            "https://user@acme.app.example-crm.com",
            "https://acme.app.example-crm.com/#x",
            "not a url",
        ] {
            refused(&EXAMPLE, "instance_url", bad);
        }
        check_live_urls(&EXAMPLE, &pairs("base_url", "https://api.example-crm.com")).unwrap();
        refused(&EXAMPLE, "base_url", "https://localhost");
        refused(&EXAMPLE, "setting.token_url", "http://10.0.0.1/token");
        refused(&EXAMPLE, "setting.api_domain", "http://127.0.0.1:22");
        // Not a URL key: untouched.
        check_live_urls(&EXAMPLE, &pairs("access_token", "http://x")).unwrap();
    }

    #[test]
    fn multi_label_public_suffixes_admit_only_the_declared_domain() {
        for ok in [
            "https://api.crm.example.co.uk",
            "https://crm.example.co.uk",
            "https://www.crm.example.com.au/v8",
        ] {
            check_live_urls(&REGIONAL, &pairs("instance_url", ok)).unwrap();
        }
        // Neither the public suffix nor the provider's parent domain nor a sibling is admitted
        // ("the last two labels" would admit every `*.co.uk` host).
        for bad in [
            "https://evil.co.uk",
            "https://co.uk",
            "https://example.co.uk",
            "https://evil.example.co.uk",
            "https://evilcrm.example.co.uk",
            "https://evil.com.au",
            "https://crm.example.com",
            "http://api.crm.example.co.uk",
        ] {
            refused(&REGIONAL, "instance_url", bad);
        }
    }

    #[test]
    fn without_declared_domains_the_default_host_is_the_domain() {
        for ok in [
            "https://api.plain-crm.example",
            "https://eu.api.plain-crm.example",
        ] {
            check_live_urls(&PLAIN, &pairs("base_url", ok)).unwrap();
        }
        for bad in [
            "https://plain-crm.example",
            "https://other.plain-crm.example",
            "https://api.plain-crm.example.evil",
        ] {
            refused(&PLAIN, "base_url", bad);
        }
    }

    #[test]
    fn test_accounts_carry_no_urls() {
        use crate::crypto::Environment::Test;
        for (k, v) in [
            ("instance_url", "http://127.0.0.1:4010/_sandbox/faults#"),
            ("base_url", "http://169.254.169.254/latest"),
            ("setting.api_domain", "file:///etc/passwd"),
            ("setting.accounts_url", "http://[::1]:22/"),
            // Even the provider's own host: a test-mode account only calls the sandbox.
            ("setting.login_url", "https://login.example-crm.com"),
            ("setting.token_url", "http://127.0.0.1:1/token"),
            ("setting.whatever", "gopher://127.0.0.1:70/"),
        ] {
            let e = check_account_urls(&EXAMPLE, Test, &pairs(k, v)).expect_err(k);
            assert_eq!(e.http_status(), 400, "{k}");
            assert!(
                e.to_string().starts_with(&format!("credentials.{k}:")),
                "{e}"
            );
        }
        check_account_urls(&EXAMPLE, Test, &pairs("access_token", "t")).unwrap();
        check_account_urls(
            &EXAMPLE,
            Test,
            &pairs("setting.company_account", "link_only"),
        )
        .unwrap();
        // A live account goes through the domain check.
        use crate::crypto::Environment::Live;
        check_account_urls(
            &EXAMPLE,
            Live,
            &pairs("base_url", "https://api.example-crm.com"),
        )
        .unwrap();
        assert!(
            check_account_urls(&EXAMPLE, Live, &pairs("base_url", "https://evil.example")).is_err()
        );
    }
}
