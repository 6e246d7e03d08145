//! Where a live account may send the gateway: per-account URLs (`base_url`, `instance_url`,
//! `setting.*_url`) must be `https` on one of the provider's own domains, so a linked account
//! cannot turn the gateway into a proxy to arbitrary hosts (loopback, cloud metadata, an
//! internal network). Test-mode accounts always call the sandbox and are not restricted.

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

/// Whether `key` of a credential pair holds a URL the gateway would call.
pub fn is_url_key(key: &str) -> bool {
    matches!(key, "base_url" | "instance_url")
        || key
            .strip_prefix("setting.")
            .is_some_and(|s| s.ends_with("_url"))
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
    }
}
