//! The conformance suite against the test CRM (`unicrm_testkit::testcrm`): passes for a correct connector, and names
//! the check each kind of connector bug breaks.

use std::sync::Arc;

use unicrm_testkit::testcrm::{Bug, TestCrm};
use unicrm_testkit::{run_conformance, run_conformance_with, Options, Outcome, Report};

unicrm_testkit::register_testcrm!();

async fn run(bug: Bug) -> Result<Report, unicrm_testkit::Failure> {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
    run_conformance(Arc::new(TestCrm::new(bug)), &sandbox).await
}

fn failed(report: &Report) -> Vec<String> {
    report.failures().map(|c| c.name.clone()).collect()
}

#[tokio::test]
async fn a_correct_connector_passes() {
    let report = match run(Bug::None).await {
        Ok(report) => report,
        Err(failure) => panic!("{failure}"),
    };
    println!("{report}");
    for expected in [
        "contact: create",
        "contact: get after create returns every declared field",
        "contact: list with page size 2 returns every record exactly once",
        "contact: listing spans several pages",
        "contact: update changes the field and keeps the others",
        "contact: get after delete answers NotFound",
        "contact: deal_ids shows the deal created with it",
        "meeting: undeclared delete answers Unsupported",
        "a rejected token answers Unauthorized",
        "an injected rate limit answers RateLimited with its retry_after",
        "an injected 503 answers a temporary Provider error",
        "a dropped connection answers Transport",
        "a truncated JSON body answers Transport",
        "a malformed JSON body answers Transport",
        "a single 429 is retried by the core retry policy",
        "deal: get of an unknown id answers NotFound",
        "an injected provider 404 answers NotFound",
        "an injected provider conflict on create answers Conflict",
        "an injected provider validation error on create answers InvalidInput",
        "contact: custom field definitions answer a list or Unsupported",
        "contact: a text custom field survives create and get",
        "provider calls are recorded for raw, without the credential",
        "a provider slower than the call timeout answers Timeout",
        "account: a create whose response is lost is not sent again",
        "contact: a malformed cursor answers InvalidInput",
        "contact: a second create with the same `emails` answers Conflict",
    ] {
        let check = report.checks.iter().find(|c| c.name == expected);
        assert!(
            check.is_some_and(|c| c.outcome == Outcome::Passed),
            "check {expected:?} did not pass\n{report}"
        );
    }
    // The owner cannot be round-tripped without a provider user: reported, not silently ignored.
    assert!(report
        .checks
        .iter()
        .any(|c| c.name == "contact: field `owner` round trip"
            && matches!(c.outcome, Outcome::Skipped(_))));
    // Everything the declared capabilities require passed (no hand-picked threshold).
    assert!(report.required.len() > 40, "{report}");
    assert!(report.passed() >= report.required.len(), "{report}");
}

#[tokio::test]
async fn each_bug_fails_the_check_that_covers_it() {
    let cases = [
        (
            Bug::DropsExtraEmails,
            "contact: create answers every declared field as sent",
        ),
        (
            Bug::RepeatsListItems,
            "contact: list with page size 2 returns every record exactly once",
        ),
        (
            Bug::FakesUnsupported,
            "meeting: undeclared delete answers Unsupported",
        ),
        (
            Bug::NotFoundAsProvider,
            "contact: get after delete answers NotFound",
        ),
        (
            Bug::LosesRetryAfter,
            "an injected rate limit answers RateLimited with its retry_after",
        ),
        (
            Bug::LenientBodies,
            "a malformed JSON body answers Transport",
        ),
        (
            Bug::DropsCustomFields,
            "contact: a text custom field survives create and get",
        ),
        (
            Bug::RetriesCreates,
            "account: a create whose response is lost is not sent again",
        ),
        (
            Bug::BadCursorAsProvider,
            "contact: a malformed cursor answers InvalidInput",
        ),
        (
            Bug::ConflictAsProvider,
            "contact: a second create with the same `emails` answers Conflict",
        ),
    ];
    for (bug, check) in cases {
        let failure = run(bug).await.expect_err(&format!("{bug:?} must fail"));
        let names = failed(&failure.report);
        assert!(
            names.iter().any(|n| n == check),
            "{bug:?}: expected {check:?} among {names:?}"
        );
    }
}

#[tokio::test]
async fn missing_emulator_is_reported() {
    // Another sandbox without our tenant data works the same; a connector whose id has no
    // emulator fails at once with a clear message.
    struct Unregistered;
    #[async_trait::async_trait]
    impl unicrm_core::Connector for Unregistered {
        fn info(&self) -> &'static unicrm_core::ConnectorInfo {
            static INFO: unicrm_core::ConnectorInfo =
                unicrm_core::ConnectorInfo::new("nope", "Nope", &[], &[], "https://nope.invalid");
            &INFO
        }
        fn to_provider(&self, _: &unicrm_core::Record) -> unicrm_core::Result<serde_json::Value> {
            Ok(serde_json::Value::Null)
        }
        fn from_provider(
            &self,
            _: unicrm_core::Resource,
            _: &serde_json::Value,
        ) -> unicrm_core::Result<unicrm_core::Record> {
            Err(unicrm_core::Error::Internal("unused".into()))
        }
    }
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.unwrap();
    let failure = run_conformance(Arc::new(Unregistered), &sandbox)
        .await
        .unwrap_err();
    assert!(
        failure.to_string().contains("no sandbox emulator `nope`"),
        "{failure}"
    );
}

#[tokio::test]
async fn runs_in_parallel_on_one_sandbox_without_interference() {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.unwrap();
    let a = run_conformance(Arc::new(TestCrm::new(Bug::None)), &sandbox);
    let b = run_conformance_with(
        Arc::new(TestCrm::new(Bug::None)),
        &sandbox,
        Options::default().page_size(3).list_records(7),
    );
    let (a, b) = tokio::join!(a, b);
    if let Err(f) = a {
        panic!("{f}");
    }
    if let Err(f) = b {
        panic!("{f}");
    }
    // Faults were scoped to each run and cleared afterwards.
    assert!(sandbox.sandbox.faults().is_empty());
}

#[tokio::test]
async fn known_failures_are_strict() {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.unwrap();
    let check = "an injected rate limit answers RateLimited with its retry_after";
    // A known failure is reported as skipped, with its reason.
    let report = run_conformance_with(
        Arc::new(TestCrm::new(Bug::LosesRetryAfter)),
        &sandbox,
        Options::default().known_failure(check, "tracked in issue 42"),
    )
    .await
    .unwrap_or_else(|f| panic!("{f}"));
    let c = report.checks.iter().find(|c| c.name == check).unwrap();
    assert!(
        matches!(&c.outcome, Outcome::Skipped(why) if why.contains("tracked in issue 42")),
        "{c:?}"
    );
    // A listed check that passes fails the run, and so does a name no check has.
    let failure = run_conformance_with(
        Arc::new(TestCrm::new(Bug::None)),
        &sandbox,
        Options::default()
            .known_failure(check, "fixed since")
            .known_failure("no such check", "typo"),
    )
    .await
    .unwrap_err();
    let names = failed(&failure.report);
    assert!(names.contains(&check.to_owned()), "{names:?}");
    assert!(
        names.contains(&"known failure `no such check`".to_owned()),
        "{names:?}"
    );
}

#[tokio::test]
async fn assert_conformance_spawns_and_reports() {
    let report = unicrm_testkit::assert_conformance(Arc::new(TestCrm::new(Bug::None))).await;
    assert_eq!(report.connector, "testcrm");
    assert!(report.failures().next().is_none());
    let failed = tokio::spawn(unicrm_testkit::assert_conformance(Arc::new(TestCrm::new(
        Bug::FakesUnsupported,
    ))))
    .await;
    let panic = failed.expect_err("a failing connector panics").into_panic();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("FAIL  meeting: undeclared delete answers Unsupported"),
        "{message}"
    );
}
