//! The emulator's associations and list paging straight over HTTP: associations rendered from the
//! store's index stay consistent through creates, updates, archiving and removals; list pages by
//! `after` neither repeat nor skip a record when records are archived or created between pages.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use unicrm_sandbox::RunningSandbox;

struct Api {
    sb: RunningSandbox,
    http: reqwest::Client,
    token: &'static str,
}

impl Api {
    async fn new(token: &'static str) -> Api {
        // Links the connector crate, whose emulator registration the sandbox server mounts.
        let _ = connector_hubspot::HubSpot::default();
        Api {
            sb: unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox"),
            http: reqwest::Client::new(),
            token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.base_url("hubspot"))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.bearer_auth(self.token).send().await.expect("send");
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(self.http.get(self.url(path))).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn create(&self, obj: &str, body: Value) -> String {
        let path = format!("/crm/v3/objects/{obj}");
        let (status, body) = self.send(self.http.post(self.url(&path)).json(&body)).await;
        assert_eq!(status, 201, "POST {path}: {body}");
        body["id"].as_str().expect("id").to_owned()
    }

    async fn status(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> u16 {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await.0
    }

    /// `{to type: [(id, type name)]}` of one record, as a read renders them.
    async fn associations(
        &self,
        obj: &str,
        id: &str,
        to: &[&str],
    ) -> Vec<(String, String, String)> {
        let body = self
            .get(&format!(
                "/crm/v3/objects/{obj}/{id}?associations={}",
                to.join(",")
            ))
            .await;
        flatten(&body)
    }
}

fn flatten(record: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    if let Some(map) = record["associations"].as_object() {
        for (to, v) in map {
            for r in v["results"].as_array().into_iter().flatten() {
                out.push((
                    to.clone(),
                    r["id"].as_str().unwrap_or_default().to_owned(),
                    r["type"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    out
}

fn t(to: &str, id: &str, ty: &str) -> (String, String, String) {
    (to.to_owned(), id.to_owned(), ty.to_owned())
}

#[tokio::test]
async fn associations_follow_creates_updates_archives_and_removals() {
    let api = Api::new("assoc-index").await;
    let acme = api
        .create("companies", json!({"properties": {"name": "Acme"}}))
        .await;
    let globex = api
        .create("companies", json!({"properties": {"name": "Globex"}}))
        .await;
    let ada = api
        .create(
            "contacts",
            json!({
                "properties": {"email": "ada@example.com"},
                "associations": [{"to": {"id": acme}, "types": [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}
                ]}]
            }),
        )
        .await;
    let bob = api
        .create(
            "contacts",
            json!({"properties": {"email": "bob@example.com"}}),
        )
        .await;
    // Both directions, from the create body.
    assert_eq!(
        api.associations("contacts", &ada, &["companies"]).await,
        [t("companies", &acme, "contact_to_company_unlabeled")]
    );
    assert_eq!(
        api.associations("companies", &acme, &["contacts"]).await,
        [t("contacts", &ada, "company_to_contact_unlabeled")]
    );
    assert!(api
        .associations("contacts", &bob, &["companies"])
        .await
        .is_empty());

    // Added by the v4 endpoint, both ways; other records untouched.
    let put = format!("/crm/v4/objects/contacts/{ada}/associations/default/companies/{globex}");
    assert_eq!(api.status(reqwest::Method::PUT, &put, None).await, 200);
    let put = format!("/crm/v4/objects/companies/{acme}/associations/default/contacts/{bob}");
    assert_eq!(api.status(reqwest::Method::PUT, &put, None).await, 200);
    assert_eq!(
        api.associations("contacts", &ada, &["companies"]).await,
        [
            t("companies", &acme, "contact_to_company_unlabeled"),
            t("companies", &globex, "contact_to_company_unlabeled"),
        ]
    );
    assert_eq!(
        api.associations("companies", &acme, &["contacts"]).await,
        [
            t("contacts", &ada, "company_to_contact_unlabeled"),
            t("contacts", &bob, "company_to_contact_unlabeled"),
        ]
    );

    // An update of the record keeps its associations.
    let patch = format!("/crm/v3/objects/contacts/{ada}");
    let body = json!({"properties": {"firstname": "Ada"}});
    assert_eq!(
        api.status(reqwest::Method::PATCH, &patch, Some(body)).await,
        200
    );
    assert_eq!(
        api.associations("contacts", &ada, &["companies"])
            .await
            .len(),
        2
    );

    // Removal, both directions, only that pair.
    let del = format!("/crm/v4/objects/contacts/{ada}/associations/companies/{acme}");
    assert_eq!(api.status(reqwest::Method::DELETE, &del, None).await, 204);
    assert_eq!(
        api.associations("contacts", &ada, &["companies"]).await,
        [t("companies", &globex, "contact_to_company_unlabeled")]
    );
    assert_eq!(
        api.associations("companies", &acme, &["contacts"]).await,
        [t("contacts", &bob, "company_to_contact_unlabeled")]
    );

    // An archived record drops out of the associations rendered on the others.
    let del = format!("/crm/v3/objects/companies/{globex}");
    assert_eq!(api.status(reqwest::Method::DELETE, &del, None).await, 204);
    assert!(api
        .associations("contacts", &ada, &["companies"])
        .await
        .is_empty());
    let del = format!("/crm/v3/objects/contacts/{bob}");
    assert_eq!(api.status(reqwest::Method::DELETE, &del, None).await, 204);
    assert!(api
        .associations("companies", &acme, &["contacts"])
        .await
        .is_empty());

    // A list renders the same associations as a read.
    let list = api
        .get("/crm/v3/objects/companies?limit=100&associations=contacts")
        .await;
    let acme_listed = list["results"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == acme.as_str()))
        .cloned()
        .expect("acme listed");
    assert!(flatten(&acme_listed).is_empty());
    let put = format!("/crm/v4/objects/contacts/{ada}/associations/default/companies/{acme}");
    assert_eq!(api.status(reqwest::Method::PUT, &put, None).await, 200);
    let list = api
        .get("/crm/v3/objects/contacts?limit=100&associations=companies")
        .await;
    let listed: Vec<_> = list["results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| {
            let id = r["id"].as_str().unwrap_or_default().to_owned();
            flatten(r).into_iter().map(move |a| (id.clone(), a))
        })
        .collect();
    assert_eq!(
        listed,
        [(
            ada.clone(),
            t("companies", &acme, "contact_to_company_unlabeled")
        )]
    );
    api.sb.shutdown().await;
}

#[tokio::test]
async fn list_pages_repeat_and_skip_nothing_across_archives_and_creates() {
    let api = Api::new("list-paging").await;
    let mut live: Vec<String> = Vec::new();
    for i in 0..23 {
        let id = api
            .create(
                "contacts",
                json!({"properties": {"email": format!("p{i}@example.com")}}),
            )
            .await;
        live.push(id);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut archived: BTreeSet<String> = BTreeSet::new();
    let mut after: Option<String> = None;
    let mut round = 0;
    loop {
        let path = match &after {
            Some(a) => format!("/crm/v3/objects/contacts?limit=5&after={a}"),
            None => "/crm/v3/objects/contacts?limit=5".to_owned(),
        };
        let body = api.get(&path).await;
        let page: Vec<String> = body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(page.len() <= 5);
        seen.extend(page.iter().cloned());
        let Some(next) = body["paging"]["next"]["after"].as_str() else {
            break;
        };
        after = Some(next.to_owned());
        round += 1;
        // Archive one record already listed and the next record itself (the cursor's own
        // record), then create one: the listing must carry on from the record after it.
        let behind = page[0].clone();
        for id in [behind, next.to_owned()] {
            let del = format!("/crm/v3/objects/contacts/{id}");
            assert_eq!(api.status(reqwest::Method::DELETE, &del, None).await, 204);
            archived.insert(id);
        }
        let id = api
            .create(
                "contacts",
                json!({"properties": {"email": format!("new{round}@example.com")}}),
            )
            .await;
        live.push(id);
    }
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(
        distinct.len(),
        seen.len(),
        "a record listed twice: {seen:?}"
    );
    let numeric: Vec<u64> = seen.iter().map(|s| s.parse().unwrap()).collect();
    assert!(numeric.windows(2).all(|w| w[0] < w[1]), "by id: {seen:?}");
    // Everything not archived ahead of the cursor, including the records created meanwhile.
    let listed_before_archive: BTreeSet<&String> = seen.iter().collect();
    let expected: Vec<&String> = live
        .iter()
        .filter(|id| !archived.contains(*id) || listed_before_archive.contains(id))
        .collect();
    let mut expected_sorted: Vec<&String> = expected.clone();
    expected_sorted.sort_by_key(|s| s.parse::<u64>().unwrap());
    assert_eq!(seen.iter().collect::<Vec<_>>(), expected_sorted);
    assert!(round >= 4);

    // The archived ones are their own listing, by id.
    let body = api
        .get("/crm/v3/objects/contacts?limit=100&archived=true")
        .await;
    let listed: Vec<String> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut want: Vec<String> = archived.into_iter().collect();
    want.sort_by_key(|s| s.parse::<u64>().unwrap());
    assert_eq!(listed, want);
    api.sb.shutdown().await;
}
