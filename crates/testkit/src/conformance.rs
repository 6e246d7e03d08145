//! The conformance suite: what every connector must do against its own emulator.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use unicrm_core::{
    Connector, ConnectorInfo, Context, Credentials, Error, ListQuery, Operation, Record, Recorder,
    Resource, RetryPolicy,
};
use unicrm_sandbox::faults::{FaultConfig, FaultScope};
use unicrm_sandbox::{EmulatorRegistration, RunningSandbox};

use crate::samples::{self, Links, Sample};

/// The order records are created in, as a user would: accounts, then contacts linked to them,
/// deals linked to both, meetings linked to contacts, leads. Deletion runs backwards.
const ORDER: [Resource; 5] = [
    Resource::Account,
    Resource::Contact,
    Resource::Deal,
    Resource::Meeting,
    Resource::Lead,
];

/// How the suite runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Page size asked for when listing (small, so listing spans several pages). Default 2.
    pub page_size: u32,
    /// Records of each resource present when listing (created by the suite). Default 5.
    pub list_records: usize,
    /// Whether to run the fault-injection checks (429, 5xx, 401, dropped connection, bad JSON).
    pub faults: bool,
    /// Sandbox account token to run as (default: a fresh one per run).
    pub token: Option<String>,
    /// Longest a single connector call may take.
    pub call_timeout: Duration,
    /// Checks known to fail, with why (see [`Options::known_failure`]).
    pub known_failures: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            page_size: 2,
            list_records: 5,
            faults: true,
            token: None,
            call_timeout: Duration::from_secs(20),
            known_failures: Vec::new(),
        }
    }
}

impl Options {
    /// Sets [`Options::page_size`].
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Sets [`Options::list_records`].
    pub fn list_records(mut self, n: usize) -> Self {
        self.list_records = n;
        self
    }

    /// Sets [`Options::faults`].
    pub fn faults(mut self, on: bool) -> Self {
        self.faults = on;
        self
    }

    /// Records that the check named `check` is known to fail, and why (a tracked connector
    /// limitation): its failure is reported as skipped. Strict: the run fails when the check
    /// passes (remove the entry) or does not run (a stale name).
    pub fn known_failure(mut self, check: impl Into<String>, reason: impl Into<String>) -> Self {
        self.known_failures.push((check.into(), reason.into()));
        self
    }

    /// Sets [`Options::token`].
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The connector behaved as required.
    Passed,
    /// The check did not apply (with why), e.g. an operation the connector does not declare.
    Skipped(String),
    /// The connector misbehaved (with what happened).
    Failed(String),
}

/// One named check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, e.g. `contact: get after create returns every declared field`.
    pub name: String,
    /// How it went.
    pub outcome: Outcome,
}

/// Every check of one conformance run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The connector's id.
    pub connector: String,
    /// The checks in the order they ran.
    pub checks: Vec<Check>,
    /// The checks the connector's declared capabilities (and its emulator's error formats)
    /// require to pass: the run fails when one of them did not run, or was skipped without
    /// being a declared known gap. This replaces a hand-picked pass threshold.
    pub required: Vec<String>,
}

impl Report {
    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
    }

    /// How many checks passed.
    pub fn passed(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Passed)
            .count()
    }

    /// How many checks were skipped.
    pub fn skipped(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped(_)))
            .count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "conformance of `{}`: {} passed ({} required by its capabilities), {} skipped, {} failed",
            self.connector,
            self.passed(),
            self.required.len(),
            self.skipped(),
            self.failures().count()
        )?;
        for check in &self.checks {
            match &check.outcome {
                Outcome::Passed => writeln!(f, "  ok    {}", check.name)?,
                Outcome::Skipped(why) => writeln!(f, "  skip  {} ({why})", check.name)?,
                Outcome::Failed(what) => writeln!(f, "  FAIL  {}: {what}", check.name)?,
            }
        }
        Ok(())
    }
}

/// A conformance run with at least one failed check; the report holds every check.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{report}")]
pub struct Failure {
    /// Every check of the run.
    pub report: Report,
}

/// Runs the conformance suite for `connector` against its emulator in `sandbox` with default
/// [`Options`]. `Ok` when every check passed or was skipped.
pub async fn run_conformance(
    connector: Arc<dyn Connector>,
    sandbox: &RunningSandbox,
) -> Result<Report, Failure> {
    run_conformance_with(connector, sandbox, Options::default()).await
}

/// Runs the conformance suite with the given options.
///
/// The run uses its own sandbox account (token), so runs in parallel on one sandbox do not
/// interfere, and resets that account at the end. Records are built as a user would: accounts,
/// then contacts linked to them, deals linked to both, meetings linked to contacts, leads.
///
/// * For every resource the connector's `info()` declares: create → get → list across several
///   pages of `page_size` (nothing missing, nothing twice) → update (one field changed, an
///   explicitly empty list cleared, everything else kept) → get → delete → get is `NotFound`,
///   list omits it, deleting again is `NotFound` or `Ok`.
/// * Every declared field is compared after each round trip: unicode and long strings, several
///   e-mails and phones (a connector may refuse extras with `InvalidInput` naming the field),
///   empty lists, decimals, dates, enumerations, links between records (and `deal_ids` seen
///   from the contact side); provider-vocabulary fields get a few candidate values.
/// * Custom field definitions answer a list or `Unsupported`; with `custom_fields` declared, a
///   text custom field from the connector's own definitions survives create → get.
/// * Every undeclared operation answers `Error::Unsupported` naming it; a rejected token
///   `Unauthorized`; unknown ids `NotFound` on get and update.
/// * Through the fault layer (scoped to the run's token and the connector's emulator): a rate
///   limit answers `RateLimited` with the `retry_after` the emulator advertised (reads and
///   creates); 500/503 a temporary `Provider` error with that status; an injected 401
///   `Unauthorized`; a dropped connection, a truncated or a malformed body `Transport`; a slow
///   provider `Timeout`; a single 429 is retried by the core retry policy (when the provider's
///   rate limit is a 429); injected provider 404 / conflict / validation errors (where the
///   emulator renders them) `NotFound` / `Conflict` / `InvalidInput` with provider details; a
///   create whose response is lost (the record was created) is not sent again.
/// * Provider calls are recorded in the context's recorder without the credential.
/// * Generic contract checks: a malformed cursor answers `InvalidInput` on every declared list;
///   a second create with the value of a field the provider keeps unique
///   ([`ConnectorInfo::unique_fields`]) answers `Conflict`.
///
/// The checks the declared capabilities require ([`Report::required`]) must pass; the
/// connector's [`ConnectorInfo::known_gaps`] are added to [`Options::known_failures`].
pub async fn run_conformance_with(
    connector: Arc<dyn Connector>,
    sandbox: &RunningSandbox,
    mut options: Options,
) -> Result<Report, Failure> {
    let info = connector.info();
    for (check, why) in info.known_gaps {
        if !options.known_failures.iter().any(|(c, _)| c == check) {
            options = options.known_failure(*check, *why);
        }
    }
    let token = options.token.clone().unwrap_or_else(|| {
        format!(
            "conformance-{}-{}",
            info.id,
            sandbox.sandbox.uuid().get(..8).unwrap_or("run")
        )
    });
    let run_marker: String = token
        .rsplit('-')
        .next()
        .unwrap_or("run")
        .chars()
        .take(8)
        .collect();
    let mut run = Run {
        connector,
        info,
        sandbox,
        base_url: sandbox.base_url(info.id),
        token,
        run: run_marker,
        options,
        checks: Vec::new(),
        created: BTreeMap::new(),
        links: Links::default(),
        emulator: None,
    };
    run.execute().await;
    let required = run.required_checks();
    if run.emulator.is_some() {
        for name in &required {
            let known = run.options.known_failures.iter().any(|(c, _)| c == name);
            match run
                .checks
                .iter()
                .find(|c| &c.name == name)
                .map(|c| &c.outcome)
            {
                Some(Outcome::Passed) | Some(Outcome::Failed(_)) => {}
                Some(Outcome::Skipped(_)) if known => {}
                Some(Outcome::Skipped(why)) => {
                    let what = format!(
                        "required by the declared capabilities, but skipped ({why}); declare it \
                         in ConnectorInfo::known_gaps if it is a tracked limitation"
                    );
                    run.fail(format!("required check `{name}`"), what);
                }
                None => run.fail(
                    format!("required check `{name}`"),
                    "required by the declared capabilities, but did not run",
                ),
            }
        }
    }
    for (check, _) in run.options.known_failures.clone() {
        if !run.checks.iter().any(|c| c.name == check) {
            run.fail(
                format!("known failure `{check}`"),
                "no check with this name ran (stale or misspelt entry)",
            );
        }
    }
    sandbox.sandbox.reset_tenant(&run.token);
    let report = Report {
        connector: info.id.to_owned(),
        checks: run.checks,
        required,
    };
    if report.failures().next().is_some() {
        Err(Failure { report })
    } else {
        Ok(report)
    }
}

/// The Context a connector gets for a sandbox account: the emulator's base URL (also as the
/// instance URL), the token as access token and API key, sandbox mode, and no retries.
pub fn sandbox_context(base_url: &str, token: &str) -> Context {
    let credentials = Credentials::from_pairs([
        ("access_token", token),
        ("api_key", token),
        ("instance_url", base_url),
    ])
    .unwrap_or_else(|_| Credentials::bearer(token));
    Context::new(base_url, credentials)
        .sandboxed(true)
        .with_retry(RetryPolicy::none())
        .with_timeout(Duration::from_secs(10))
}

/// A record the suite created, with what it sent.
struct Created {
    id: String,
    /// The unified JSON that was sent (and is expected back for `fields`).
    expected: Value,
    /// Declared fields the suite set and compares.
    fields: Vec<&'static str>,
    /// What the provider last answered for the record.
    record: Record,
}

struct Run<'a> {
    connector: Arc<dyn Connector>,
    info: &'static ConnectorInfo,
    sandbox: &'a RunningSandbox,
    base_url: String,
    token: String,
    run: String,
    options: Options,
    checks: Vec<Check>,
    /// Records created per resource; the first is the one every step follows.
    created: BTreeMap<Resource, Vec<Created>>,
    links: Links,
    emulator: Option<&'static EmulatorRegistration>,
}

fn describe(e: &Error) -> String {
    let mut s = format!("{} error: {e}", e.kind());
    if let Some(d) = e.provider_details() {
        s.push_str(&format!(" (provider status {}", d.status));
        if let Some(code) = &d.code {
            s.push_str(&format!(", code {code}"));
        }
        s.push(')');
    }
    s
}

impl Run<'_> {
    fn push(&mut self, name: impl Into<String>, outcome: Outcome) {
        let name = name.into();
        let known = self
            .options
            .known_failures
            .iter()
            .find(|(check, _)| *check == name)
            .map(|(_, reason)| reason.clone());
        let outcome = match (known, outcome) {
            (Some(reason), Outcome::Failed(what)) => {
                Outcome::Skipped(format!("known failure ({reason}): {what}"))
            }
            (Some(reason), Outcome::Passed) => Outcome::Failed(format!(
                "listed as a known failure ({reason}) but passes now: remove it from the list"
            )),
            (_, outcome) => outcome,
        };
        self.checks.push(Check { name, outcome });
    }

    fn pass(&mut self, name: impl Into<String>) {
        self.push(name, Outcome::Passed);
    }

    fn skip(&mut self, name: impl Into<String>, why: impl Into<String>) {
        self.push(name, Outcome::Skipped(why.into()));
    }

    fn fail(&mut self, name: impl Into<String>, what: impl Into<String>) {
        self.push(name, Outcome::Failed(what.into()));
    }

    fn result(&mut self, name: impl Into<String>, result: Result<(), String>) {
        match result {
            Ok(()) => self.pass(name),
            Err(e) => self.fail(name, e),
        }
    }

    fn cx(&self) -> Context {
        sandbox_context(&self.base_url, &self.token)
    }

    fn supports(&self, r: Resource, op: Operation) -> bool {
        self.info.supports(r, op)
    }

    fn declared(&self, r: Resource) -> &'static [&'static str] {
        self.info.capability(r).map(|c| c.fields).unwrap_or(&[])
    }

    /// Runs a connector call with the per-call time limit.
    async fn call<T>(&self, fut: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        match tokio::time::timeout(self.options.call_timeout, fut).await {
            Ok(result) => result,
            Err(_) => Err(Error::Internal(format!(
                "conformance: the call did not finish within {:?}",
                self.options.call_timeout
            ))),
        }
    }

    async fn execute(&mut self) {
        match unicrm_sandbox::emulators() {
            Ok(list) => self.emulator = list.into_iter().find(|e| e.id == self.info.id),
            Err(e) => {
                self.fail("emulators are registered", e.to_string());
                return;
            }
        }
        if self.emulator.is_none() {
            self.fail(
                "an emulator is registered under the connector id",
                format!(
                    "no sandbox emulator `{}` is linked (enable the connector crate's `sandbox` feature)",
                    self.info.id
                ),
            );
            return;
        }
        self.pass("an emulator is registered under the connector id");
        if self.info.capabilities.is_empty() {
            self.fail(
                "declares capabilities",
                "the connector declares no resource",
            );
        }
        self.unsupported().await;
        self.unauthorized().await;
        for r in ORDER {
            self.create_and_get(r).await;
        }
        self.associations().await;
        self.duplicates().await;
        self.raw_calls().await;
        for r in ORDER {
            self.list(r).await;
        }
        self.bad_cursor().await;
        // Accounts last: contacts and leads may show their account's name as company_name.
        for r in [
            Resource::Contact,
            Resource::Deal,
            Resource::Meeting,
            Resource::Lead,
            Resource::Account,
        ] {
            self.update(r).await;
        }
        self.custom_fields().await;
        self.not_found().await;
        if self.options.faults {
            self.faults().await;
        }
        for r in ORDER.into_iter().rev() {
            self.delete(r).await;
        }
    }

    /// The names of the checks the declared capabilities (and the emulator's error formats)
    /// require: each must pass, or be a declared known gap.
    fn required_checks(&self) -> Vec<String> {
        let mut names = vec!["an emulator is registered under the connector id".to_owned()];
        let page = self.options.page_size;
        for r in Resource::ALL {
            for op in Operation::ALL {
                if !self.supports(r, op) {
                    names.push(format!("{r}: undeclared {op} answers Unsupported"));
                }
            }
        }
        let mut first_creatable = None;
        for r in ORDER {
            if self.info.capability(r).is_none() {
                continue;
            }
            let create = self.supports(r, Operation::Create);
            let get = self.supports(r, Operation::Get);
            let list = self.supports(r, Operation::List);
            let update = self.supports(r, Operation::Update)
                && samples::update_value(r, self.declared(r), &self.run).is_some();
            if create {
                first_creatable.get_or_insert(r);
                names.push(format!("{r}: create"));
                names.push(format!("{r}: create answers every declared field as sent"));
                if get {
                    names.push(format!(
                        "{r}: get after create returns every declared field"
                    ));
                }
                if list {
                    names.push(format!(
                        "{r}: list with page size {page} returns every record exactly once"
                    ));
                }
                if update {
                    let name = format!("{r}: update changes the field and keeps the others");
                    // A known-failing update stops there: its get-after check does not run.
                    let gap = self.options.known_failures.iter().any(|(c, _)| *c == name);
                    names.push(name);
                    if get && !gap {
                        names.push(format!("{r}: get after update shows the change"));
                    }
                }
                if self.supports(r, Operation::Delete) {
                    names.push(format!("{r}: delete"));
                    if get {
                        names.push(format!("{r}: get after delete answers NotFound"));
                    }
                    if list {
                        names.push(format!("{r}: list after delete omits the deleted records"));
                    }
                    names.push(format!(
                        "{r}: deleting a deleted record answers NotFound or succeeds"
                    ));
                }
            }
            if list {
                names.push(format!("{r}: a malformed cursor answers InvalidInput"));
            }
            names.push(format!(
                "{r}: custom field definitions answer a list or Unsupported"
            ));
            if get {
                names.push(format!("{r}: get of an unknown id answers NotFound"));
            }
            if update {
                names.push(format!("{r}: update of an unknown id answers NotFound"));
            }
        }
        for (r, field) in self.info.unique_fields {
            names.push(Self::duplicate_check(*r, field));
        }
        if !self.has_read() {
            return names;
        }
        names.push("a rejected token answers Unauthorized".into());
        names.push("provider calls are recorded for raw, without the credential".into());
        if !self.options.faults {
            return names;
        }
        for name in [
            "an injected rate limit answers RateLimited with its retry_after",
            "an injected 500 answers a temporary Provider error",
            "an injected 503 answers a temporary Provider error",
            "an injected 401 (expired token) answers Unauthorized",
            "a dropped connection answers Transport",
            "a truncated JSON body answers Transport",
            "a malformed JSON body answers Transport",
            "a provider slower than the call timeout answers Timeout",
        ] {
            names.push(name.into());
        }
        let Some(errors) = self.emulator.map(|e| e.errors) else {
            return names;
        };
        if errors
            .rate_limited(Duration::from_secs(1))
            .status()
            .as_u16()
            == 429
        {
            names.push("a single 429 is retried by the core retry policy".into());
        }
        if errors.not_found().is_some() {
            names.push("an injected provider 404 answers NotFound".into());
        }
        if let Some(r) = first_creatable {
            names.push(format!("{r}: a rate-limited create answers RateLimited"));
            names.push(format!(
                "{r}: a create whose response is lost is not sent again"
            ));
            if errors.conflict().is_some() {
                names.push("an injected provider conflict on create answers Conflict".into());
            }
            if errors.validation_error().is_some() {
                names.push(
                    "an injected provider validation error on create answers InvalidInput".into(),
                );
            }
        }
        names
    }

    fn duplicate_check(r: Resource, field: &str) -> String {
        format!("{r}: a second create with the same `{field}` answers Conflict")
    }

    /// Where the provider keeps a field unique ([`ConnectorInfo::unique_fields`]), creating the
    /// first record again answers `Conflict` (and creates nothing).
    async fn duplicates(&mut self) {
        for (r, field) in self.info.unique_fields {
            let (r, field) = (*r, *field);
            let name = Self::duplicate_check(r, field);
            if !self.supports(r, Operation::Create) {
                self.fail(
                    name,
                    format!("{field} is declared unique but {r} create is not"),
                );
                continue;
            }
            let Some(first) = self.created.get(&r).and_then(|v| v.first()) else {
                self.skip(name, "no record was created");
                continue;
            };
            if !first.fields.contains(&field) || first.expected[field].is_null() {
                self.fail(
                    name,
                    format!("`{field}` is not a declared field the suite sets on {r}"),
                );
                continue;
            }
            let record: Record = match serde_json::from_value(first.expected.clone()) {
                Ok(record) => record,
                Err(e) => {
                    self.fail(name, format!("testkit bug: {e}"));
                    continue;
                }
            };
            match self.call(self.connector.create(&self.cx(), record)).await {
                Err(Error::Conflict { .. }) => self.pass(name),
                Err(e) => self.fail(name, describe(&e)),
                Ok(created) => {
                    if let Some(id) = created.id().map(str::to_owned) {
                        // Cleaned up with the others.
                        self.created.entry(r).or_default().push(Created {
                            id,
                            expected: Value::Null,
                            fields: Vec::new(),
                            record: created,
                        });
                    }
                    self.fail(name, "the second create succeeded");
                }
            }
        }
    }

    /// A cursor the connector never handed out answers `InvalidInput` (the caller's mistake),
    /// not a provider error, an empty page or the first page again.
    async fn bad_cursor(&mut self) {
        for r in ORDER {
            if !self.supports(r, Operation::List) {
                continue;
            }
            let name = format!("{r}: a malformed cursor answers InvalidInput");
            let q = ListQuery {
                cursor: Some("!conformance: not a cursor~".into()),
                page_size: Some(self.options.page_size),
                ..Default::default()
            };
            match self.call(self.connector.list(&self.cx(), r, &q)).await {
                Err(Error::InvalidInput { .. }) => self.pass(name),
                Err(e) => self.fail(name, describe(&e)),
                Ok(page) => self.fail(
                    name,
                    format!("answered a page of {} records", page.items.len()),
                ),
            }
        }
    }

    fn empty_record(r: Resource) -> Record {
        match r {
            Resource::Contact => Record::Contact(Default::default()),
            Resource::Lead => Record::Lead(Default::default()),
            Resource::Deal => Record::Deal(Default::default()),
            Resource::Meeting => Record::Meeting(Default::default()),
            Resource::Account => Record::Account(Default::default()),
        }
    }

    async fn unsupported(&mut self) {
        let mut any = false;
        for r in Resource::ALL {
            for op in Operation::ALL {
                if self.supports(r, op) {
                    continue;
                }
                any = true;
                let cx = self.cx();
                let id = "conformance-unsupported-id";
                let c = Arc::clone(&self.connector);
                let result = match op {
                    Operation::Create => self
                        .call(c.create(&cx, Self::empty_record(r)))
                        .await
                        .map(|_| ()),
                    Operation::Get => self.call(c.get(&cx, r, id)).await.map(|_| ()),
                    Operation::List => self
                        .call(c.list(&cx, r, &ListQuery::default()))
                        .await
                        .map(|_| ()),
                    Operation::Update => self
                        .call(c.update(&cx, id, Self::empty_record(r)))
                        .await
                        .map(|_| ()),
                    Operation::Delete => self.call(c.delete(&cx, r, id)).await,
                };
                let name = format!("{r}: undeclared {op} answers Unsupported");
                match result {
                    Err(Error::Unsupported {
                        resource,
                        operation,
                        ..
                    }) if resource == r && operation == op => self.pass(name),
                    Err(Error::Unsupported {
                        resource,
                        operation,
                        ..
                    }) => self.fail(
                        name,
                        format!("Unsupported names {operation} on {resource} instead"),
                    ),
                    Err(e) => self.fail(name, describe(&e)),
                    Ok(()) => self.fail(name, "the call succeeded"),
                }
            }
        }
        if !any {
            self.skip(
                "undeclared operations answer Unsupported",
                "every operation on every resource is declared",
            );
        }
    }

    /// A read the connector supports, for auth and fault checks: get of a created record when
    /// there is one, else a list page, else a get of an unknown id.
    async fn probe(&self, cx: &Context) -> Result<(), Error> {
        for r in ORDER {
            if let (true, Some(created)) = (
                self.supports(r, Operation::Get),
                self.created.get(&r).and_then(|v| v.first()),
            ) {
                return self
                    .call(self.connector.get(cx, r, &created.id))
                    .await
                    .map(|_| ());
            }
        }
        for r in ORDER {
            if self.supports(r, Operation::List) {
                let q = ListQuery {
                    page_size: Some(self.options.page_size),
                    ..Default::default()
                };
                return self.call(self.connector.list(cx, r, &q)).await.map(|_| ());
            }
        }
        for r in ORDER {
            if self.supports(r, Operation::Get) {
                return self
                    .call(self.connector.get(cx, r, &samples::unknown_id_like(None)))
                    .await
                    .map(|_| ());
            }
        }
        Err(Error::Internal("the connector declares no read".into()))
    }

    fn has_read(&self) -> bool {
        ORDER
            .iter()
            .any(|r| self.supports(*r, Operation::Get) || self.supports(*r, Operation::List))
    }

    async fn unauthorized(&mut self) {
        let name = "a rejected token answers Unauthorized";
        if !self.has_read() {
            self.skip(name, "the connector declares no get or list");
            return;
        }
        let cx = sandbox_context(&self.base_url, "invalid-conformance-token");
        match self.probe(&cx).await {
            Err(Error::Unauthorized { .. }) => self.pass(name),
            Err(e) => self.fail(name, describe(&e)),
            Ok(()) => self.fail(name, "the call succeeded"),
        }
    }

    fn link_fields(&mut self, r: Resource, id: &str, sent: &Value) {
        match r {
            Resource::Account => {
                self.links.account = Some(id.to_owned());
                self.links.account_name = sent["name"].as_str().map(str::to_owned);
            }
            Resource::Contact => self.links.contact = Some(id.to_owned()),
            Resource::Deal => self.links.deal = Some(id.to_owned()),
            _ => {}
        }
    }

    /// Creates sample `n` of `r`, trying vocabulary candidates and fewer e-mails/phones when the
    /// provider refuses them. Returns the sample sent, the notes, and the answer.
    async fn create_sample(
        &self,
        r: Resource,
        n: usize,
        custom: Option<&Value>,
    ) -> (Sample, Vec<String>, Result<Record, Error>) {
        let declared = self.declared(r);
        let mut notes = Vec::new();
        let mut attempt = 0;
        let mut single_email = false;
        let mut single_phone = false;
        loop {
            let mut sample = samples::sample(r, declared, &self.run, n, &self.links, attempt);
            if let (Some(obj), Some(custom)) = (sample.json.as_object_mut(), custom) {
                obj.insert("custom_fields".into(), json!([custom]));
            }
            if let Some(obj) = sample.json.as_object_mut() {
                for (flag, field) in [(single_email, "emails"), (single_phone, "phone_numbers")] {
                    if let (true, Some(Value::Array(list))) = (flag, obj.get_mut(field)) {
                        list.truncate(1);
                    }
                }
            }
            let record = match sample.record() {
                Ok(r) => r,
                Err(e) => return (sample, notes, Err(Error::Internal(e))),
            };
            let result = self.call(self.connector.create(&self.cx(), record)).await;
            match &result {
                Err(Error::InvalidInput { field, reason, .. }) => {
                    let f = field.to_ascii_lowercase();
                    if f.contains("email") && !single_email && sample.set.contains(&"emails") {
                        single_email = true;
                        notes.push(format!(
                            "several e-mails refused ({field}: {reason}); one e-mail used"
                        ));
                        continue;
                    }
                    if f.contains("phone") && !single_phone && sample.set.contains(&"phone_numbers")
                    {
                        single_phone = true;
                        notes.push(format!(
                            "several phone numbers refused ({field}: {reason}); one used"
                        ));
                        continue;
                    }
                    if attempt + 1 < samples::ATTEMPTS {
                        notes.push(format!(
                            "attempt {} refused ({field}: {reason}); trying other vocabulary values",
                            attempt + 1
                        ));
                        attempt += 1;
                        continue;
                    }
                    return (sample, notes, result);
                }
                _ => return (sample, notes, result),
            }
        }
    }

    async fn create_and_get(&mut self, r: Resource) {
        if !self.supports(r, Operation::Create) {
            if self.supports(r, Operation::List) || self.supports(r, Operation::Get) {
                let seeded = self
                    .sandbox
                    .sandbox
                    .emulator(self.emulator.map_or("", |e| e.id))
                    .seed_tenant(&self.token, self.options.list_records);
                let why = if seeded {
                    "create is not declared; the emulator's seed data is listed instead"
                } else {
                    "create is not declared and the emulator has no seed data"
                };
                self.skip(format!("{r}: create"), why);
            }
            return;
        }
        let (sample, notes, result) = self.create_sample(r, 0, None).await;
        for (field, why) in &sample.left_out {
            self.skip(format!("{r}: field `{field}` round trip"), why.clone());
        }
        for note in notes {
            self.skip(format!("{r}: create with every sample value"), note);
        }
        let name = format!("{r}: create");
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                self.fail(name, describe(&e));
                return;
            }
        };
        let Some(id) = record.id().map(str::to_owned) else {
            self.fail(name, "the created record has no id");
            return;
        };
        if record.resource() != r {
            self.fail(name, format!("answered a {} record", record.resource()));
            return;
        }
        self.pass(name);
        let fields = sample.set.clone();
        let diffs = samples::compare_fields(&fields, &sample.json, &samples::to_json(&record));
        self.result(
            format!("{r}: create answers every declared field as sent"),
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(diffs.join("; "))
            },
        );
        self.link_fields(r, &id, &sample.json);
        let mut latest = record;
        if self.supports(r, Operation::Get) {
            let name = format!("{r}: get after create returns every declared field");
            match self.call(self.connector.get(&self.cx(), r, &id)).await {
                Ok(got) => {
                    let mut diffs =
                        samples::compare_fields(&fields, &sample.json, &samples::to_json(&got));
                    if got.id() != Some(id.as_str()) {
                        diffs.push(format!("id {:?} instead of {id}", got.id()));
                    }
                    self.result(
                        name,
                        if diffs.is_empty() {
                            Ok(())
                        } else {
                            Err(diffs.join("; "))
                        },
                    );
                    latest = got;
                }
                Err(e) => self.fail(name, describe(&e)),
            }
        }
        self.created.entry(r).or_default().push(Created {
            id,
            expected: sample.json,
            fields,
            record: latest,
        });
    }

    async fn associations(&mut self) {
        let name = "contact: deal_ids shows the deal created with it";
        let declared = self.declared(Resource::Contact).contains(&"deal_ids")
            && self.declared(Resource::Deal).contains(&"contact_ids");
        let (Some(contact), Some(deal)) = (self.links.contact.clone(), self.links.deal.clone())
        else {
            if declared {
                self.skip(name, "no contact and deal were created");
            }
            return;
        };
        if !declared || !self.supports(Resource::Contact, Operation::Get) {
            return;
        }
        match self
            .call(self.connector.get(&self.cx(), Resource::Contact, &contact))
            .await
        {
            Ok(Record::Contact(c)) => {
                let ids = c.deal_ids.unwrap_or_default();
                self.result(
                    name,
                    if ids.contains(&deal) {
                        Ok(())
                    } else {
                        Err(format!("deal_ids {ids:?} lacks {deal}"))
                    },
                );
            }
            Ok(other) => self.fail(name, format!("answered a {} record", other.resource())),
            Err(e) => self.fail(name, describe(&e)),
        }
    }

    /// Provider calls land in the context's recorder (for `raw`), and neither they nor the
    /// context's `Debug` show the credential.
    async fn raw_calls(&mut self) {
        if !self.has_read() {
            return;
        }
        let name = "provider calls are recorded for raw, without the credential";
        let recorder = Recorder::new();
        let cx = self.cx().with_recorder(recorder.clone());
        if let Err(e) = self.probe(&cx).await {
            self.fail(name, describe(&e));
            return;
        }
        let calls = recorder.calls();
        let recorded = serde_json::to_string(&calls).unwrap_or_default();
        let debug = format!("{cx:?}");
        self.result(
            name,
            if calls.is_empty() {
                Err("no call was recorded (does the connector send through Context::send?)".into())
            } else if recorded.contains(&self.token) {
                Err("a recorded call contains the access token".into())
            } else if debug.contains(&self.token) {
                Err("the context's Debug shows the access token".into())
            } else {
                Ok(())
            },
        );
    }

    /// Every page of a listing: the ids in order, or why the walk failed.
    async fn walk(&self, r: Resource) -> Result<(Vec<String>, usize, usize), String> {
        let mut ids = Vec::new();
        let mut pages = 0;
        let mut largest = 0;
        let mut cursor: Option<String> = None;
        let mut seen_cursors = HashSet::new();
        loop {
            let q = ListQuery {
                cursor: cursor.clone(),
                page_size: Some(self.options.page_size),
                ..Default::default()
            };
            let page = self
                .call(self.connector.list(&self.cx(), r, &q))
                .await
                .map_err(|e| format!("page {}: {}", pages + 1, describe(&e)))?;
            pages += 1;
            largest = largest.max(page.items.len());
            for item in &page.items {
                if item.resource() != r {
                    return Err(format!("listed a {} record", item.resource()));
                }
                match item.id() {
                    Some(id) => ids.push(id.to_owned()),
                    None => return Err("a listed record has no id".into()),
                }
            }
            match page.next_cursor {
                Some(next) => {
                    if !seen_cursors.insert(next.clone()) {
                        return Err(format!("cursor {next:?} came back twice (endless listing)"));
                    }
                    if pages > 1000 {
                        return Err("more than 1000 pages".into());
                    }
                    cursor = Some(next);
                }
                None => return Ok((ids, pages, largest)),
            }
        }
    }

    async fn list(&mut self, r: Resource) {
        if !self.supports(r, Operation::List) {
            return;
        }
        let creatable = self.supports(r, Operation::Create);
        if creatable {
            let have = self.created.get(&r).map_or(0, Vec::len);
            if have == 0 {
                self.skip(
                    format!("{r}: list across pages"),
                    "no record could be created",
                );
                return;
            }
            for n in have..self.options.list_records {
                let (sample, _, result) = self.create_sample(r, n, None).await;
                match result {
                    Ok(record) => match record.id() {
                        Some(id) => {
                            let id = id.to_owned();
                            self.created.entry(r).or_default().push(Created {
                                id,
                                expected: sample.json,
                                fields: sample.set,
                                record,
                            });
                        }
                        None => {
                            self.fail(format!("{r}: create for listing"), "no id");
                            return;
                        }
                    },
                    Err(e) => {
                        self.fail(format!("{r}: create for listing"), describe(&e));
                        return;
                    }
                }
            }
        }
        let name = format!(
            "{r}: list with page size {} returns every record exactly once",
            self.options.page_size
        );
        let (ids, pages, largest) = match self.walk(r).await {
            Ok(walked) => walked,
            Err(e) => {
                self.fail(name, e);
                return;
            }
        };
        let mut seen = HashSet::new();
        let twice: Vec<&String> = ids.iter().filter(|id| !seen.insert(*id)).collect();
        let created: Vec<String> = self
            .created
            .get(&r)
            .map(|v| v.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default();
        let missing: Vec<&String> = created.iter().filter(|id| !seen.contains(*id)).collect();
        let mut problems = Vec::new();
        if !twice.is_empty() {
            problems.push(format!("listed twice: {twice:?}"));
        }
        if !missing.is_empty() {
            problems.push(format!("missing: {missing:?}"));
        }
        if !creatable && ids.is_empty() {
            self.skip(name, "nothing to list (create not declared, no seed data)");
            return;
        }
        self.result(
            name,
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("; "))
            },
        );
        let paging = format!("{r}: listing spans several pages");
        if ids.len() > self.options.page_size as usize && pages == 1 {
            self.skip(
                paging,
                format!(
                    "one page of {largest} records for page size {} (the connector's minimum page size?)",
                    self.options.page_size
                ),
            );
        } else if ids.len() > self.options.page_size as usize {
            self.pass(paging);
        }
        if !creatable && self.supports(r, Operation::Get) {
            if let Some(first) = ids.first() {
                let name = format!("{r}: get a listed record");
                let result = self.call(self.connector.get(&self.cx(), r, first)).await;
                self.result(
                    name,
                    match result {
                        Ok(rec) if rec.id() == Some(first.as_str()) => Ok(()),
                        Ok(rec) => Err(format!("answered id {:?}", rec.id())),
                        Err(e) => Err(describe(&e)),
                    },
                );
            }
        }
    }

    async fn update(&mut self, r: Resource) {
        if !self.supports(r, Operation::Update) {
            return;
        }
        let name = format!("{r}: update changes the field and keeps the others");
        let Some(first) = self.created.get(&r).and_then(|v| v.first()) else {
            if self.supports(r, Operation::Create) {
                self.skip(name, "no record could be created");
            } else {
                self.skip(name, "create is not declared, nothing to update");
            }
            return;
        };
        let declared = self.declared(r);
        let Some((field, new_value)) = samples::update_value(r, declared, &self.run) else {
            self.skip(
                name,
                "the connector declares none of the fields the suite updates",
            );
            return;
        };
        let id = first.id.clone();
        let mut expected = first.expected.clone();
        let mut fields = first.fields.clone();
        let before = first.record.updated_at();
        let mut patch = json!({"resource": r.as_str(), field: new_value.clone()});
        expected[field] = new_value;
        if !fields.contains(&field) {
            fields.push(field);
        }
        // Clearing a list: send an explicitly empty list and expect it back empty.
        if fields.contains(&"tags") {
            patch["tags"] = json!([]);
            expected["tags"] = json!([]);
        }
        let patch: Record = match serde_json::from_value(patch) {
            Ok(p) => p,
            Err(e) => {
                self.fail(name, format!("testkit bug: {e}"));
                return;
            }
        };
        let answer = match self
            .call(self.connector.update(&self.cx(), &id, patch))
            .await
        {
            Ok(answer) => answer,
            Err(e) => {
                self.fail(name, describe(&e));
                return;
            }
        };
        let diffs = samples::compare_fields(&fields, &expected, &samples::to_json(&answer));
        self.result(
            name,
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(diffs.join("; "))
            },
        );
        let mut latest = answer;
        if self.supports(r, Operation::Get) {
            let name = format!("{r}: get after update shows the change");
            match self.call(self.connector.get(&self.cx(), r, &id)).await {
                Ok(got) => {
                    let mut diffs =
                        samples::compare_fields(&fields, &expected, &samples::to_json(&got));
                    if let (Some(before), Some(after)) = (before, got.updated_at()) {
                        if after < before {
                            diffs.push(format!("updated_at went back from {before} to {after}"));
                        }
                    }
                    self.result(
                        name,
                        if diffs.is_empty() {
                            Ok(())
                        } else {
                            Err(diffs.join("; "))
                        },
                    );
                    latest = got;
                }
                Err(e) => self.fail(name, describe(&e)),
            }
        }
        if let Some(first) = self.created.get_mut(&r).and_then(|v| v.first_mut()) {
            first.expected = expected;
            first.fields = fields;
            first.record = latest;
        }
    }

    /// Custom field definitions answer a list (or `Unsupported`); where the connector declares
    /// `custom_fields`, a text custom field the provider defines survives create → get.
    async fn custom_fields(&mut self) {
        for r in ORDER {
            if self.info.capability(r).is_none() {
                continue;
            }
            let name = format!("{r}: custom field definitions answer a list or Unsupported");
            let definitions = match self
                .call(self.connector.custom_field_definitions(&self.cx(), r))
                .await
            {
                Ok(definitions) => {
                    self.pass(name);
                    definitions
                }
                Err(Error::Unsupported { .. }) => {
                    self.pass(name);
                    continue;
                }
                Err(e) => {
                    self.fail(name, describe(&e));
                    continue;
                }
            };
            let declared = self.declared(r).contains(&"custom_fields");
            if !declared || !self.supports(r, Operation::Create) {
                continue;
            }
            let name = format!("{r}: a text custom field survives create and get");
            let Some(definition) = definitions
                .iter()
                .find(|d| d.kind == unicrm_core::FieldType::Text)
            else {
                self.skip(name, "the emulator defines no text custom field");
                continue;
            };
            let remote_id = definition.remote_id.clone();
            let value = json!(format!("Ünïcode ✓ custom {}", self.run));
            let custom = json!({"remote_id": remote_id, "value": value});
            let (sample, _, result) = self.create_sample(r, 70, Some(&custom)).await;
            let created = match result {
                Ok(record) => record,
                Err(e @ Error::InvalidInput { .. }) => {
                    self.skip(name, format!("`{remote_id}` refused: {}", describe(&e)));
                    continue;
                }
                Err(e) => {
                    self.fail(name, describe(&e));
                    continue;
                }
            };
            let Some(id) = created.id().map(str::to_owned) else {
                self.fail(name, "the created record has no id");
                continue;
            };
            let got = if self.supports(r, Operation::Get) {
                self.call(self.connector.get(&self.cx(), r, &id)).await
            } else {
                Ok(created.clone())
            };
            self.created.entry(r).or_default().push(Created {
                id,
                expected: sample.json,
                fields: sample.set,
                record: created,
            });
            match got {
                Ok(record) => {
                    let found = record
                        .custom_fields()
                        .iter()
                        .find(|c| c.target() == Some(remote_id.as_str()));
                    self.result(
                        name,
                        match found {
                            Some(c) if c.value == value => Ok(()),
                            Some(c) => Err(format!("`{remote_id}`: sent {value}, got {}", c.value)),
                            None => Err(format!("`{remote_id}` is not among the custom fields")),
                        },
                    );
                }
                Err(e) => self.fail(name, describe(&e)),
            }
        }
    }

    async fn not_found(&mut self) {
        for r in ORDER {
            let example = self
                .created
                .get(&r)
                .and_then(|v| v.first())
                .map(|c| c.id.clone());
            let unknown = samples::unknown_id_like(example.as_deref());
            if self.supports(r, Operation::Get) {
                let name = format!("{r}: get of an unknown id answers NotFound");
                match self.call(self.connector.get(&self.cx(), r, &unknown)).await {
                    Err(Error::NotFound { .. }) => self.pass(name),
                    Err(e) => self.fail(name, format!("id {unknown}: {}", describe(&e))),
                    Ok(_) => self.fail(name, format!("id {unknown}: the call succeeded")),
                }
            }
            if self.supports(r, Operation::Update) {
                let declared = self.declared(r);
                if let Some((field, value)) = samples::update_value(r, declared, &self.run) {
                    let name = format!("{r}: update of an unknown id answers NotFound");
                    let patch: Result<Record, _> =
                        serde_json::from_value(json!({"resource": r.as_str(), field: value}));
                    let Ok(patch) = patch else { continue };
                    match self
                        .call(self.connector.update(&self.cx(), &unknown, patch))
                        .await
                    {
                        Err(Error::NotFound { .. }) => self.pass(name),
                        Err(e) => self.fail(name, format!("id {unknown}: {}", describe(&e))),
                        Ok(_) => self.fail(name, format!("id {unknown}: the call succeeded")),
                    }
                }
            }
        }
    }

    fn scope(&self) -> FaultScope {
        FaultScope::tenant(self.token.clone()).in_emulator(self.info.id)
    }

    async fn with_fault(&mut self, config: FaultConfig) -> Result<(), Error> {
        if let Err(e) = self.sandbox.sandbox.set_faults(self.scope(), config) {
            return Err(Error::Internal(e.to_string()));
        }
        let result = self.probe(&self.cx()).await;
        self.sandbox.sandbox.clear_faults(&self.scope());
        result
    }

    async fn faults(&mut self) {
        if !self.has_read() {
            self.skip("fault handling", "the connector declares no get or list");
            return;
        }
        let advertised = self.emulator.and_then(|e| {
            e.errors
                .rate_limited(Duration::from_secs(2))
                .headers()
                .get(http_retry_after())
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
        let name = "an injected rate limit answers RateLimited with its retry_after";
        match self
            .with_fault(FaultConfig::new().rate_limit(1.0).retry_after_secs(2))
            .await
        {
            Err(Error::RateLimited { retry_after, .. }) => match advertised {
                Some(secs) if retry_after != Some(Duration::from_secs(secs)) => self.fail(
                    name,
                    format!("the emulator sent Retry-After {secs}, the error has {retry_after:?}"),
                ),
                _ => self.pass(name),
            },
            Err(e) => self.fail(name, describe(&e)),
            Ok(()) => self.fail(name, "the call succeeded"),
        }
        // A create the provider accepted before, sent again under a rate limit on POST.
        let accepted = ORDER.iter().find_map(|r| {
            let first = self.created.get(r)?.first()?;
            let record: Record = serde_json::from_value(first.expected.clone()).ok()?;
            Some((*r, record))
        });
        if let Some((r, record)) = accepted {
            let name = format!("{r}: a rate-limited create answers RateLimited");
            let set = self.sandbox.sandbox.set_faults(
                self.scope(),
                FaultConfig::new().rate_limit(1.0).methods(["POST"]),
            );
            let result = match set {
                Ok(()) => self
                    .call(self.connector.create(&self.cx(), record))
                    .await
                    .map(|_| ()),
                Err(e) => Err(Error::Internal(e.to_string())),
            };
            self.sandbox.sandbox.clear_faults(&self.scope());
            match result {
                Err(Error::RateLimited { .. }) => self.pass(name),
                Err(e) => self.fail(name, describe(&e)),
                Ok(()) => self.fail(name, "the call succeeded"),
            }
        }
        self.provider_error_faults().await;
        self.lost_create_response().await;
        for status in [500u16, 503] {
            let name = format!("an injected {status} answers a temporary Provider error");
            match self
                .with_fault(
                    FaultConfig::new()
                        .server_error(1.0)
                        .server_error_status(status),
                )
                .await
            {
                Err(e @ Error::Provider(_)) => {
                    let got = e.provider_details().map(|d| d.status);
                    if got != Some(status) {
                        self.fail(name, format!("status {got:?} in the error"));
                    } else if !e.is_temporary() {
                        self.fail(name, "the error is not marked temporary");
                    } else {
                        self.pass(name);
                    }
                }
                Err(e) => self.fail(name, describe(&e)),
                Ok(()) => self.fail(name, "the call succeeded"),
            }
        }
        let name = "an injected 401 (expired token) answers Unauthorized";
        match self.with_fault(FaultConfig::new().unauthorized(1.0)).await {
            Err(Error::Unauthorized { .. }) => self.pass(name),
            Err(e) => self.fail(name, describe(&e)),
            Ok(()) => self.fail(name, "the call succeeded"),
        }
        for (what, config) in [
            (
                "a dropped connection",
                FaultConfig::new().drop_connection(1.0),
            ),
            (
                "a truncated JSON body",
                FaultConfig::new().truncated_json(1.0),
            ),
            (
                "a malformed JSON body",
                FaultConfig::new().malformed_json(1.0),
            ),
        ] {
            let name = format!("{what} answers Transport");
            match self.with_fault(config).await {
                Err(Error::Transport { .. }) => self.pass(name),
                Err(e) => self.fail(name, describe(&e)),
                Ok(()) => self.fail(name, "the call succeeded"),
            }
        }
        let name = "a provider slower than the call timeout answers Timeout";
        let set = self
            .sandbox
            .sandbox
            .set_faults(self.scope(), FaultConfig::new().latency_ms(1500));
        let cx = self.cx().with_timeout(Duration::from_millis(300));
        let result = match set {
            Ok(()) => self.probe(&cx).await,
            Err(e) => Err(Error::Internal(e.to_string())),
        };
        self.sandbox.sandbox.clear_faults(&self.scope());
        match result {
            Err(Error::Timeout { .. }) => self.pass(name),
            Err(e) => self.fail(name, describe(&e)),
            Ok(()) => self.fail(name, "the call succeeded"),
        }
        let name = "a single 429 is retried by the core retry policy";
        let status = self.emulator.map(|e| {
            e.errors
                .rate_limited(Duration::from_secs(1))
                .status()
                .as_u16()
        });
        if status != Some(429) {
            self.skip(
                name,
                format!(
                    "the provider signals rate limits with status {} (a quota, not a 429 to retry)",
                    status.unwrap_or_default()
                ),
            );
            return;
        }
        let config = FaultConfig::new()
            .rate_limit(1.0)
            .retry_after_secs(1)
            .max_faults(1);
        let set = self.sandbox.sandbox.set_faults(self.scope(), config);
        let cx = self.cx().with_retry(
            RetryPolicy::new(3, Duration::from_millis(50)).max_delay(Duration::from_secs(2)),
        );
        let result = match set {
            Ok(()) => self.probe(&cx).await,
            Err(e) => Err(Error::Internal(e.to_string())),
        };
        self.sandbox.sandbox.clear_faults(&self.scope());
        match result {
            Ok(()) => self.pass(name),
            Err(e) => self.fail(name, describe(&e)),
        }
    }

    /// A create whose response is lost (the provider did create the record) must not be sent
    /// again by the retry policy: that would create a duplicate.
    async fn lost_create_response(&mut self) {
        let accepted = ORDER.iter().find_map(|r| {
            let first = self.created.get(r)?.first()?;
            let record: Record = serde_json::from_value(first.expected.clone()).ok()?;
            Some((*r, record))
        });
        let Some((r, record)) = accepted else {
            return;
        };
        let name = format!("{r}: a create whose response is lost is not sent again");
        let before = self.sandbox.sandbox.requests_of(&self.token).len();
        let set = self.sandbox.sandbox.set_faults(
            self.scope(),
            FaultConfig::new()
                .drop_response(1.0)
                .methods(["POST"])
                .max_faults(1),
        );
        let cx = self
            .cx()
            .with_retry(RetryPolicy::new(3, Duration::from_millis(20)));
        let result = match set {
            Ok(()) => self.call(self.connector.create(&cx, record)).await,
            Err(e) => Err(Error::Internal(e.to_string())),
        };
        self.sandbox.sandbox.clear_faults(&self.scope());
        let log = self.sandbox.sandbox.requests_of(&self.token);
        let lost_then_posted = log
            .iter()
            .skip(before)
            .skip_while(|q| q.status.is_some())
            .skip(1)
            .filter(|q| q.method == "POST" && q.emulator == self.info.id)
            .count();
        match result {
            Err(Error::Transport { .. }) if lost_then_posted == 0 => self.pass(name),
            Err(Error::Transport { .. }) => self.fail(
                name,
                format!("{lost_then_posted} more POST(s) after the lost response"),
            ),
            Err(e) => self.fail(name, describe(&e)),
            Ok(created) => {
                // The record the provider did create is cleaned up with the others.
                if let Some(id) = created.id().map(str::to_owned) {
                    self.created.entry(r).or_default().push(Created {
                        id,
                        expected: Value::Null,
                        fields: Vec::new(),
                        record: created,
                    });
                }
                self.fail(
                    name,
                    format!("the call succeeded after the lost response ({lost_then_posted} more POSTs)"),
                );
            }
        }
    }

    /// Injected provider errors the emulator renders in its own format: a 404 on a read, a
    /// conflict and a validation error on a create.
    async fn provider_error_faults(&mut self) {
        let Some(errors) = self.emulator.map(|e| e.errors) else {
            return;
        };
        let name = "an injected provider 404 answers NotFound";
        if errors.not_found().is_none() {
            self.skip(name, "the emulator does not render injected 404s");
        } else {
            match self.with_fault(FaultConfig::new().not_found(1.0)).await {
                Err(Error::NotFound { .. }) => self.pass(name),
                Err(e) => self.fail(name, describe(&e)),
                Ok(()) => self.fail(name, "the call succeeded"),
            }
        }
        let accepted = ORDER.iter().find_map(|r| {
            let first = self.created.get(r)?.first()?;
            let record: Record = serde_json::from_value(first.expected.clone()).ok()?;
            Some((*r, record))
        });
        let rendered = [
            (
                "conflict",
                errors.conflict().is_some(),
                FaultConfig::new().conflict(1.0),
            ),
            (
                "validation error",
                errors.validation_error().is_some(),
                FaultConfig::new().validation_error(1.0),
            ),
        ];
        for (what, is_rendered, config) in rendered {
            let name = format!(
                "an injected provider {what} on create answers {}",
                if what == "conflict" {
                    "Conflict"
                } else {
                    "InvalidInput"
                }
            );
            let Some((_, record)) = accepted.clone() else {
                self.skip(name, "no record was created");
                continue;
            };
            if !is_rendered {
                self.skip(
                    name,
                    format!("the emulator does not render injected {what}s"),
                );
                continue;
            }
            let set = self
                .sandbox
                .sandbox
                .set_faults(self.scope(), config.methods(["POST"]));
            let result = match set {
                Ok(()) => self
                    .call(self.connector.create(&self.cx(), record))
                    .await
                    .map(|_| ()),
                Err(e) => Err(Error::Internal(e.to_string())),
            };
            self.sandbox.sandbox.clear_faults(&self.scope());
            match (what, result) {
                ("conflict", Err(Error::Conflict { .. })) => self.pass(name),
                (
                    "validation error",
                    Err(Error::InvalidInput {
                        provider: Some(_), ..
                    }),
                ) => self.pass(name),
                ("validation error", Err(Error::InvalidInput { provider: None, .. })) => {
                    self.fail(name, "InvalidInput without the provider's details")
                }
                (_, Err(e)) => self.fail(name, describe(&e)),
                (_, Ok(())) => self.fail(name, "the call succeeded"),
            }
        }
    }

    async fn delete(&mut self, r: Resource) {
        if !self.supports(r, Operation::Delete) {
            return;
        }
        let Some(records) = self.created.remove(&r) else {
            self.skip(format!("{r}: delete"), "no record was created");
            return;
        };
        let name = format!("{r}: delete");
        let mut failures = Vec::new();
        for c in &records {
            if let Err(e) = self.call(self.connector.delete(&self.cx(), r, &c.id)).await {
                failures.push(format!("{}: {}", c.id, describe(&e)));
            }
        }
        if !failures.is_empty() {
            self.fail(name, failures.join("; "));
            return;
        }
        self.pass(name);
        let Some(first) = records.first() else { return };
        if self.supports(r, Operation::Get) {
            let name = format!("{r}: get after delete answers NotFound");
            match self
                .call(self.connector.get(&self.cx(), r, &first.id))
                .await
            {
                Err(Error::NotFound { .. }) => self.pass(name),
                Err(e) => self.fail(name, describe(&e)),
                Ok(_) => self.fail(name, "the deleted record is still there"),
            }
        }
        if self.supports(r, Operation::List) {
            let name = format!("{r}: list after delete omits the deleted records");
            match self.walk(r).await {
                Ok((ids, _, _)) => {
                    let still: Vec<&String> = records
                        .iter()
                        .map(|c| &c.id)
                        .filter(|id| ids.contains(id))
                        .collect();
                    self.result(
                        name,
                        if still.is_empty() {
                            Ok(())
                        } else {
                            Err(format!("still listed: {still:?}"))
                        },
                    );
                }
                Err(e) => self.fail(name, e),
            }
        }
        let name = format!("{r}: deleting a deleted record answers NotFound or succeeds");
        match self
            .call(self.connector.delete(&self.cx(), r, &first.id))
            .await
        {
            Ok(()) | Err(Error::NotFound { .. }) => self.pass(name),
            Err(e) => self.fail(name, describe(&e)),
        }
    }
}

fn http_retry_after() -> &'static str {
    "retry-after"
}
