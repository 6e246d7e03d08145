//! Unified account ↔ Attio company record (`/v2/objects/companies/records`).

use super::*;
use crate::config::COMPANIES;
use unicrm_core::Account;

/// Company attributes the account fields map to (everything else is a custom field).
pub const KNOWN: &[&str] = &["name", "domains", "description", "primary_location"];

/// A company record as a unified account (`website` is `https://` + the first domain).
/// `raw` stays unset: the connector puts the record there (copied, or moved when owned).
pub fn account_from_wire<'a>(record: impl Into<wire::RecordRef<'a>>) -> Result<Account> {
    let record = record.into();
    let v = record.values;
    let (created_at, updated_at) = record_times(record)?;
    let domains = all_str(v, "domains", "domain");
    let mut custom_fields = custom_fields_from(v, KNOWN);
    if domains.len() > 1 {
        // The first domain is the website; the others are kept, not dropped.
        custom_fields.push(CustomField::named("domains", json!(domains)));
    }
    Ok(Account {
        id: Some(record.record_id.to_owned()),
        remote_id: Some(record.record_id.to_owned()),
        name: first_str(v, "name", "value"),
        website: domains.first().map(|d| format!("https://{d}")),
        description: first_str(v, "description", "value"),
        address: address_from_location(v, "primary_location"),
        custom_fields,
        created_at,
        updated_at,
        raw: None,
        ..Default::default()
    })
}

/// The domain Attio stores for a web site: the host, without scheme, path or port.
pub fn domain_of(website: &str) -> Result<String> {
    let s = website.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let host = s
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if host.is_empty() || !host.contains('.') || host.contains(char::is_whitespace) {
        return Err(Error::invalid(
            "website",
            format!("Attio stores a company's web site as a domain (e.g. \"acme.com\"), got {website:?}"),
        ));
    }
    Ok(host)
}

/// The `values` of a company create/update.
pub fn account_to_wire(a: &Account) -> Result<Map<String, Value>> {
    let mut values = Map::new();
    if let Some(n) = &a.name {
        values.insert("name".into(), json!(n));
    }
    if let Some(w) = &a.website {
        let domains = if w.trim().is_empty() {
            json!([])
        } else {
            json!([domain_of(w)?])
        };
        values.insert("domains".into(), domains);
    }
    if let Some(d) = &a.description {
        values.insert("description".into(), json!(d));
    }
    if let Some(addr) = &a.address {
        values.insert(
            "primary_location".into(),
            location_from_address("address", addr)?,
        );
    }
    let hint = "send it as a custom field naming one of your company attributes";
    if a.industry.is_some() {
        return Err(no_home(
            "industry",
            COMPANIES,
            "Attio's `categories` is a multiselect of workspace options; send it as a custom field `categories`",
        ));
    }
    if a.annual_revenue.is_some() {
        return Err(no_home(
            "annual_revenue",
            COMPANIES,
            "Attio's `estimated_arr_usd` is enriched and read-only; send your own attribute as a custom field",
        ));
    }
    if a.phone_numbers.is_some() {
        return Err(no_home("phone_numbers", COMPANIES, hint));
    }
    if a.owner.is_some() {
        return Err(no_home(
            "owner",
            COMPANIES,
            "companies have no record owner in Attio (deals do)",
        ));
    }
    put_custom_and_passthrough(&mut values, &a.custom_fields, &a.passthrough)?;
    Ok(values)
}

#[cfg(test)]
mod tests {
    #[test]
    fn domain_of_keeps_the_host() {
        assert_eq!(
            super::domain_of("https://7f6f2ccd-0.example.com").unwrap(),
            "7f6f2ccd-0.example.com"
        );
    }
}
