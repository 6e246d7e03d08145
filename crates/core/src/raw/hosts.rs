//! Where a live account's calls may go: `https` URLs on one of the API domains its connector
//! declares ([`ConnectorInfo::api_domains`]), matched on a label boundary, without credentials
//! in the URL. One check for every connector and for the gateway (at link time and again at
//! call time), so no copy can drift.
//!
//! Domains are declared, never derived: taking "the last two labels" of a host as its
//! registrable domain is wrong under multi-label public suffixes (`api.example.co.uk` would
//! admit every `*.co.uk` host), so a connector lists the exact domains its provider publishes
//! (`zohoapis.com.au`, `salesforce.com` …) and a host matches one when it *is* that domain or
//! ends with `.` + that domain.

use crate::connector::ConnectorInfo;
use crate::error::{Error, Result};
use url::Url;

/// Whether `host` is `domain` or a subdomain of it (label boundary, ASCII case-insensitive, a
/// trailing root dot ignored).
pub fn is_on_domain(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() {
        return false;
    }
    host == domain
        || host
            .strip_suffix(&domain)
            .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1)
}

/// The API domains of `info`: the declared ones, else the exact host of its default base URL.
pub fn domains(info: &ConnectorInfo) -> Vec<String> {
    if !info.api_domains.is_empty() {
        return info.api_domains.iter().map(|d| (*d).to_owned()).collect();
    }
    Url::parse(info.default_base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .into_iter()
        .collect()
}

/// Checks that `raw` (the value of `field`) is an `https` URL on one of `info`'s API domains,
/// without user name, password or fragment; answers it parsed. The error names `field` and the
/// domains allowed.
pub fn check_url(info: &ConnectorInfo, field: &str, raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::invalid(field, format!("`{raw}` is not a URL: {e}")))?;
    let domains = domains(info);
    let host = url.host_str().unwrap_or_default();
    let on_domain = matches!(url.host(), Some(url::Host::Domain(_)))
        && domains.iter().any(|d| is_on_domain(host, d));
    if url.scheme() != "https" || !on_domain {
        return Err(Error::invalid(
            field,
            format!(
                "`{raw}` is not a {} API URL (https:// on {}); other hosts are only for test-mode sandbox accounts",
                info.display_name,
                domains.join(", ")
            ),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(field, "must not carry credentials"));
    }
    if url.fragment().is_some() {
        return Err(Error::invalid(field, "must not carry a fragment"));
    }
    Ok(url)
}

/// [`check_url`] unless the context is a sandbox account's (whose calls core pins to the
/// sandbox where they are sent).
pub fn check_url_unless_sandbox(
    info: &ConnectorInfo,
    sandbox: bool,
    field: &str,
    raw: &str,
) -> Result<()> {
    if sandbox {
        return Ok(());
    }
    check_url(info, field, raw).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    static INFO: ConnectorInfo =
        ConnectorInfo::new("x", "Example", &[], &[], "https://api.example.co.uk")
            .with_api_domains(&["example.co.uk", "example.com.au"]);

    static UNDECLARED: ConnectorInfo =
        ConnectorInfo::new("y", "Other", &[], &[], "https://api.other.co.uk/v2");

    #[test]
    fn label_boundaries() {
        assert!(is_on_domain("api.example.co.uk", "example.co.uk"));
        assert!(is_on_domain("example.co.uk", "example.co.uk"));
        assert!(is_on_domain("API.Example.CO.UK.", "example.co.uk"));
        assert!(!is_on_domain("evilexample.co.uk", "example.co.uk"));
        assert!(!is_on_domain("example.co.uk.evil.example", "example.co.uk"));
        assert!(!is_on_domain(".example.co.uk", "example.co.uk"));
        assert!(!is_on_domain("co.uk", "example.co.uk"));
        assert!(!is_on_domain("anything", ""));
    }

    #[test]
    fn multi_label_suffixes_admit_only_the_declared_domain() {
        check_url(&INFO, "base_url", "https://api.example.co.uk/v1").unwrap();
        check_url(&INFO, "base_url", "https://www.example.com.au").unwrap();
        for bad in [
            "https://attacker.co.uk",
            "https://example.com.au.evil.example",
            "https://evil.com.au",
            "http://api.example.co.uk",
            "https://user:pw@api.example.co.uk",
            "https://api.example.co.uk/#frag",
            "https://127.0.0.1",
            "https://[::1]",
            "file:///etc/passwd",
            "not a url",
        ] {
            let e = check_url(&INFO, "base_url", bad).expect_err(bad);
            assert!(e.to_string().starts_with("base_url:"), "{e}");
        }
        // Nothing declared: only the default base URL's exact host, not its "last two labels".
        check_url(&UNDECLARED, "base_url", "https://api.other.co.uk").unwrap();
        assert!(check_url(&UNDECLARED, "base_url", "https://foo.co.uk").is_err());
        assert!(check_url(&UNDECLARED, "base_url", "https://other.co.uk").is_err());
        check_url_unless_sandbox(&INFO, true, "base_url", "http://127.0.0.1:1").unwrap();
    }
}
