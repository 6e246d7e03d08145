use std::collections::HashSet;

use serde_json::{json, Value};
use unicrm_sandbox::paging::{
    after_cursor, decode_cursor, encode_cursor, offset_limit, PagingError,
};
use unicrm_sandbox::Sandbox;

use crate::{client, create, get_json, start, url};

fn keys(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

/// Walks every page with the cursor helper and returns the items in order.
fn walk_cursor(items: &[u64], limit: usize) -> (Vec<u64>, usize) {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = after_cursor(items.to_vec(), |k| *k, after.as_deref(), limit).unwrap();
        pages += 1;
        assert!(page.items.len() <= limit);
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
        assert!(pages <= items.len() + 1, "paging does not terminate");
    }
    (out, pages)
}

#[test]
fn cursor_boundaries() {
    // Empty listing: one empty page, no next.
    let page = after_cursor(Vec::<u64>::new(), |k| *k, None, 10).unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
    assert_eq!(page.total, 0);
    // Exactly one page: no next cursor (no empty trailing page).
    let (all, pages) = walk_cursor(&keys(10), 10);
    assert_eq!((all, pages), (keys(10), 1));
    // Page size 1: one page per item.
    let (all, pages) = walk_cursor(&keys(7), 1);
    assert_eq!((all, pages), (keys(7), 7));
    // Partial last page.
    let (all, pages) = walk_cursor(&keys(11), 5);
    assert_eq!((all, pages), (keys(11), 3));
    // Limit larger than the listing.
    let (all, pages) = walk_cursor(&keys(3), 100);
    assert_eq!((all, pages), (keys(3), 1));
}

#[test]
fn cursor_refuses_invalid_cursor_and_zero_limit() {
    for bad in [
        "garbage!",
        "%%%",
        &encode_cursor(5)[..1],
        "bm90LWEtbnVtYmVy",
    ] {
        assert!(
            matches!(
                after_cursor(keys(3), |k| *k, Some(bad), 2),
                Err(PagingError::InvalidCursor(_))
            ),
            "{bad} accepted"
        );
    }
    assert_eq!(
        after_cursor(keys(3), |k| *k, None, 0),
        Err(PagingError::InvalidLimit)
    );
    // An empty cursor means "from the start".
    assert_eq!(
        after_cursor(keys(3), |k| *k, Some(""), 2).unwrap().items,
        vec![1, 2]
    );
    assert_eq!(decode_cursor(&encode_cursor(u64::MAX)).unwrap(), u64::MAX);
}

#[test]
fn cursor_is_stable_when_records_are_deleted_between_pages() {
    let mut items = keys(6);
    let first = after_cursor(items.clone(), |k| *k, None, 2).unwrap();
    assert_eq!(first.items, vec![1, 2]);
    // Delete the last item of the page just served and the next one.
    items.retain(|k| *k != 2 && *k != 3);
    let second = after_cursor(items, |k| *k, first.next.as_deref(), 2).unwrap();
    assert_eq!(second.items, vec![4, 5]);
}

#[test]
fn offset_boundaries() {
    let page = offset_limit(Vec::<u64>::new(), 0, 5).unwrap();
    assert!(page.items.is_empty() && !page.has_more() && page.total == 0);
    let page = offset_limit(keys(5), 0, 5).unwrap();
    assert_eq!((page.items.len(), page.next_offset), (5, None));
    let page = offset_limit(keys(5), 4, 1).unwrap();
    assert_eq!((page.items, page.next_offset), (vec![5], None));
    let page = offset_limit(keys(5), 3, 1).unwrap();
    assert_eq!((page.items, page.next_offset), (vec![4], Some(4)));
    let page = offset_limit(keys(5), 99, 5).unwrap();
    assert!(page.items.is_empty() && !page.has_more());
    assert_eq!(offset_limit(keys(5), 0, 0), Err(PagingError::InvalidLimit));
    // Walking with size 1 visits everything once.
    let mut seen = Vec::new();
    let mut offset = Some(0);
    while let Some(o) = offset {
        let page = offset_limit(keys(4), o, 1).unwrap();
        seen.extend(page.items.iter().copied());
        offset = page.next_offset;
    }
    assert_eq!(seen, keys(4));
}

fn values(n: usize) -> Vec<Value> {
    (0..n).map(|i| json!({"n": i})).collect()
}

#[test]
fn token_pages_boundaries() {
    let sb = Sandbox::new(0);
    let store = sb.tenant("tok");
    // Empty: a single empty page.
    let page = store.open_token_pages("L0", Vec::new(), 3).unwrap();
    assert!(page.items.is_empty() && page.next.is_none() && page.total == 0);
    // Exactly one page.
    let page = store.open_token_pages("L1", values(3), 3).unwrap();
    assert_eq!((page.items.len(), page.next), (3, None));
    // Page size 1: every item through tokens.
    let mut page = store.open_token_pages("L2", values(4), 1).unwrap();
    let mut seen = page.items.clone();
    while let Some(token) = page.next.clone() {
        page = store.next_token_page(&token).unwrap();
        seen.extend(page.items.clone());
    }
    assert_eq!(seen, values(4));
    // Last page is partial.
    let first = store.open_token_pages("L3", values(5), 2).unwrap();
    assert_eq!(first.next.as_deref(), Some("L3-2"));
    let last = store.next_token_page("L3-4").unwrap();
    assert_eq!((last.items, last.next), (vec![json!({"n": 4})], None));
    assert_eq!(
        store.open_token_pages("L4", values(1), 0),
        Err(PagingError::InvalidLimit)
    );
}

#[test]
fn token_pages_refuse_foreign_and_malformed_tokens() {
    let sb = Sandbox::new(0);
    let mine = sb.tenant("mine");
    let theirs = sb.tenant("theirs");
    let page = mine.open_token_pages("LOC", values(6), 2).unwrap();
    let token = page.next.unwrap();
    for bad in [
        "", "LOC", "LOC-", "LOC-x", "LOC-3", "LOC-6", "LOC-0", "NOPE-2", "-2",
    ] {
        assert!(
            matches!(
                mine.next_token_page(bad),
                Err(PagingError::InvalidCursor(_))
            ),
            "{bad} accepted"
        );
    }
    // Another account cannot use my token.
    assert!(theirs.next_token_page(&token).is_err());
    // The snapshot does not change when the store does.
    mine.insert("items", "x", json!({})).unwrap();
    assert_eq!(mine.next_token_page(&token).unwrap().total, 6);
    // Reset forgets snapshots.
    mine.clear();
    assert!(mine.next_token_page(&token).is_err());
}

#[tokio::test]
async fn http_cursor_paging_sees_everything_once() {
    let sb = start().await;
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(create(&sb, "tok-page", json!({"i": i})).await);
    }
    for limit in [1, 2, 3, 7, 50] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(a) => format!("/v1/items?limit={limit}&after={a}"),
                None => format!("/v1/items?limit={limit}"),
            };
            let (status, body) = get_json(&sb, "tok-page", &path).await;
            assert_eq!(status, 200);
            for item in body["results"].as_array().unwrap() {
                seen.push(item["id"].as_str().unwrap().to_owned());
            }
            match body["paging"]["next"]["after"].as_str() {
                Some(a) => after = Some(a.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, created, "limit {limit}");
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len());
    }
    let (status, body) = get_json(&sb, "tok-page", "/v1/items?after=not-a-cursor").await;
    assert_eq!(status, 400);
    assert_eq!(body["kind"], "paging");
    let (status, _) = get_json(&sb, "tok-page", "/v1/items?limit=0").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn http_offset_and_token_paging() {
    let sb = start().await;
    for i in 0..5 {
        create(&sb, "tok-off", json!({"i": i})).await;
    }
    let (_, body) = get_json(&sb, "tok-off", "/v1/offset/items?offset=4&limit=2").await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["more"], false);
    let (_, body) = get_json(&sb, "tok-off", "/v1/offset/items?offset=0&limit=2").await;
    assert_eq!(
        (body["more"].clone(), body["next_start"].clone()),
        (json!(true), json!(2))
    );

    let resp = client()
        .post(url(&sb, "/v1/query"))
        .bearer_auth("tok-off")
        .json(&json!({"page_size": 2}))
        .send()
        .await
        .unwrap();
    let mut body: Value = resp.json().await.unwrap();
    let mut n = body["records"].as_array().unwrap().len();
    while let Some(token) = body["nextToken"].as_str().map(str::to_owned) {
        let (status, next) = get_json(&sb, "tok-off", &format!("/v1/query/{token}")).await;
        assert_eq!(status, 200);
        // Another account cannot follow the token.
        let (other, _) = get_json(&sb, "tok-other", &format!("/v1/query/{token}")).await;
        assert_eq!(other, 400);
        n += next["records"].as_array().unwrap().len();
        body = next;
    }
    assert_eq!(n, 5);
    assert_eq!(body["done"], true);
}
