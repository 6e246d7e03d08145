//! Where a live account may send the gateway: per-account URLs (`base_url`, `instance_url`,
//! `setting.*_url`) must be `https` on one of the provider's own domains, so a linked account
//! cannot turn the gateway into a proxy to arbitrary hosts (loopback, cloud metadata, an
//! internal network). Test-mode accounts always call the sandbox: they may not carry any
//! URL-valued credential or setting at all ([`check_account_urls`]), and core pins their calls to
//! the sandbox where each request is sent (`unicrm_core::http::check_sandbox_pin`).

use crate::store::CredentialPairs;
use unicrm_core::{Error, Result};

/// The domains of `provider`'s API: the registrable domain of its default base URL, plus the
/// provider's other published API domains.
pub fn provider_domains(provider: &str, default_base_url: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(host) = url::Url::parse(default_base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
    {
        let labels: Vec<&str> = host.split('.').collect();
        let n = labels.len();
        out.push(if n >= 2 {
            labels[n - 2..].join(".")
        } else {
            host.clone()
        });
    }
    let extra: &[&str] = match provider {
        // Instances are `*.my.salesforce.com`; Experience Cloud sites `*.force.com`.
        "salesforce" => &["salesforce.com", "force.com"],
        "hubspot" => &["hubapi.com", "hubspot.com"],
        // Zoho's data centres: https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html
        "zoho" => &[
            "zohoapis.com",
            "zohoapis.eu",
            "zohoapis.in",
            "zohoapis.com.au",
            "zohoapis.jp",
            "zohoapis.ca",
            "zohoapis.sa",
            "zohoapis.com.cn",
            "zoho.com",
            "zoho.eu",
            "zoho.in",
            "zoho.com.au",
            "zoho.jp",
            "zohocloud.ca",
            "zoho.sa",
            "zoho.com.cn",
        ],
        _ => &[],
    };
    for d in extra {
        if !out.iter().any(|o| o == d) {
            out.push((*d).to_owned());
        }
    }
    out
}

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
    provider: &str,
    default_base_url: &str,
    env: crate::crypto::Environment,
    pairs: &CredentialPairs,
) -> Result<()> {
    match env {
        crate::crypto::Environment::Live => check_live_urls(provider, default_base_url, pairs),
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

/// Checks every URL-valued pair of a live account of `provider`.
pub fn check_live_urls(
    provider: &str,
    default_base_url: &str,
    pairs: &CredentialPairs,
) -> Result<()> {
    let domains = provider_domains(provider, default_base_url);
    for (k, v) in &pairs.0 {
        if !is_url_key(k) {
            continue;
        }
        let field = format!("credentials.{k}");
        let url = url::Url::parse(v.trim())
            .map_err(|e| Error::invalid(&field, format!("not a URL: {e}")))?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let ok_host = domains
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")));
        if url.scheme() != "https" || !ok_host {
            return Err(Error::invalid(
                field,
                format!(
                    "a live {provider} account may only call https://…{}; {v:?} is refused (other hosts are only for test-mode sandbox accounts)",
                    domains.join(", https://…")
                ),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid(field, "must not carry credentials"));
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

    #[test]
    fn provider_hosts_pass_others_are_refused() {
        let sf = "https://login.salesforce.com";
        for ok in [
            "https://acme.my.salesforce.com",
            "https://acme.lightning.force.com",
        ] {
            check_live_urls("salesforce", sf, &pairs("instance_url", ok)).unwrap();
        }
        for bad in [
            "http://127.0.0.1:4010",
            "http://acme.my.salesforce.com",
            "https://salesforce.com.evil.example",
            "https://evilsalesforce.com",
            "https://169.254.169.254/latest",
            "https://user:pw@acme.my.salesforce.com",
        ] {
            let e = check_live_urls("salesforce", sf, &pairs("instance_url", bad)).unwrap_err();
            assert_eq!(e.http_status(), 400, "{bad}");
        }
        let hs = "https://api.hubapi.com";
        check_live_urls("hubspot", hs, &pairs("base_url", "https://api.hubapi.com")).unwrap();
        assert!(check_live_urls("hubspot", hs, &pairs("base_url", "https://localhost")).is_err());
        assert!(check_live_urls(
            "pipedrive",
            "https://api.pipedrive.com",
            &pairs("setting.token_url", "http://10.0.0.1/token")
        )
        .is_err());
        // Not a URL key: untouched.
        check_live_urls("hubspot", hs, &pairs("access_token", "http://x")).unwrap();
        // Zoho's api_domain setting is a host too.
        assert!(check_live_urls(
            "zoho",
            "https://www.zohoapis.com",
            &pairs("setting.api_domain", "http://127.0.0.1:22")
        )
        .is_err());
    }

    #[test]
    fn test_accounts_carry_no_urls() {
        use crate::crypto::Environment::Test;
        for (k, v) in [
            ("instance_url", "http://127.0.0.1:4010/_sandbox/faults#"),
            ("base_url", "http://169.254.169.254/latest"),
            ("setting.api_domain", "file:///etc/passwd"),
            ("setting.accounts_url", "http://[::1]:22/"),
            ("setting.login_url", "https://login.salesforce.com"),
            ("setting.token_url", "http://127.0.0.1:1/token"),
            ("setting.whatever", "gopher://127.0.0.1:70/"),
        ] {
            let e = check_account_urls("zoho", "https://www.zohoapis.com", Test, &pairs(k, v))
                .expect_err(k);
            assert_eq!(e.http_status(), 400, "{k}");
            assert!(
                e.to_string().starts_with(&format!("credentials.{k}:")),
                "{e}"
            );
        }
        check_account_urls(
            "zoho",
            "https://www.zohoapis.com",
            Test,
            &pairs("access_token", "t"),
        )
        .unwrap();
        check_account_urls(
            "zoho",
            "https://www.zohoapis.com",
            Test,
            &pairs("setting.company_account", "link_only"),
        )
        .unwrap();
    }
}
