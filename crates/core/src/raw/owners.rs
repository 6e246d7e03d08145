//! The one owner resolution: a record's owner id → name and e-mail, through the account's
//! [`OwnerCache`](crate::OwnerCache) and, on a miss, one provider call the connector supplies.
//!
//! The policy lives here once: an owner the record already names fully is cached as it is; a
//! cached owner fills what the record lacks; a lookup that finds nobody (`Ok(None)`, `NotFound`)
//! or may not look (`Forbidden`, `Unauthorized`: a missing users scope) is remembered as the id
//! alone, so a page of records with that owner costs one call; any other failure leaves the
//! owner as the id for this read only. Resolution never fails the read that carries the owner.

use std::future::Future;

use crate::{Context, Error, Owner, Result};

/// Completes `owner` (when there is one with a non-empty id) from the cache or `fetch(id)`.
pub async fn resolve<F, Fut>(cx: &Context, owner: &mut Option<Owner>, fetch: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<Option<Owner>>>,
{
    let Some(o) = owner.as_mut() else { return };
    if o.id.is_empty() {
        return;
    }
    if o.name.is_some() && o.email.is_some() {
        cx.owners.insert(o.clone());
        return;
    }
    if let Some(known) = cx.owners.get(&o.id) {
        fill(o, known);
        return;
    }
    match fetch(o.id.clone()).await {
        Ok(Some(mut found)) => {
            if found.id.is_empty() {
                found.id = o.id.clone();
            }
            cx.owners.insert(found.clone());
            fill(o, found);
        }
        Ok(None)
        | Err(Error::NotFound { .. } | Error::Forbidden { .. } | Error::Unauthorized { .. }) => {
            tracing::debug!(owner = %o.id, "owner not found or not readable; keeping the id");
            cx.owners.insert(Owner::id(o.id.clone()));
        }
        Err(e) => tracing::debug!(owner = %o.id, error = %e, "owner lookup failed; keeping the id"),
    }
}

/// The looked-up name and e-mail where the record has none (what the record carried wins; a
/// blank value counts as none).
fn fill(owner: &mut Owner, found: Owner) {
    if owner.name.is_none() {
        owner.name = found.name.filter(|n| !n.is_empty());
    }
    if owner.email.is_none() {
        owner.email = found.email.filter(|e| !e.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn cx() -> Context {
        Context::new("http://127.0.0.1:9", Credentials::default())
    }

    fn named(id: &str) -> Owner {
        Owner {
            id: id.into(),
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.com".into()),
        }
    }

    #[tokio::test]
    async fn a_hit_is_fetched_once_then_cached() {
        let cx = cx();
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let mut owner = Some(Owner::id("7"));
            resolve(&cx, &mut owner, |id| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move { Ok(Some(named(&id))) }
            })
            .await;
            assert_eq!(owner, Some(named("7")));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn misses_and_refusals_keep_the_id_and_are_remembered() {
        let cx = cx();
        let calls = AtomicUsize::new(0);
        for outcome in [0, 1, 2] {
            let id = format!("u{outcome}");
            for _ in 0..2 {
                let mut owner = Some(Owner::id(id.clone()));
                resolve(&cx, &mut owner, |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async move {
                        match outcome {
                            0 => Ok(None),
                            1 => Err(Error::not_found("no such user")),
                            _ => Err(Error::Forbidden {
                                message: "users scope missing".into(),
                                provider: None,
                            }),
                        }
                    }
                })
                .await;
                assert_eq!(owner, Some(Owner::id(id.clone())));
            }
        }
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn other_failures_keep_the_id_and_are_tried_again() {
        let cx = cx();
        let calls = AtomicUsize::new(0);
        for _ in 0..2 {
            let mut owner = Some(Owner::id("9"));
            resolve(&cx, &mut owner, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(Error::Internal("provider down".into())) }
            })
            .await;
            assert_eq!(owner, Some(Owner::id("9")));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn nothing_to_resolve_makes_no_call() {
        let cx = cx();
        let never = |_: String| async { panic!("no lookup expected") };
        resolve(&cx, &mut None, never).await;
        let mut empty = Some(Owner::id(""));
        resolve(&cx, &mut empty, never).await;
        let mut full = Some(named("3"));
        resolve(&cx, &mut full, never).await;
        assert_eq!(cx.owners.get("3"), Some(named("3")));
    }
}
