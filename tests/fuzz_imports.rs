//! Bad input, at scale: arbitrary bytes as a CSV file and arbitrary JSON as a
//! GitHub answer, through the real import paths. Never a panic, never a
//! partial write (the table grows by exactly what the report says was
//! inserted, or not at all), always a clear error: a bad file or row is
//! reported as such, never as "the database rejected the import", and the
//! report for people is terminal-safe.
//!
//! Case counts keep the suite fast: pure properties run 256 cases, database
//! ones a few dozen against one throw-away database. `PROPTEST_CASES` raises
//! them all for a longer run.

use ctodash::cli::ImportKind;
use ctodash::commands::import::github::{GithubOptions, import_repos, parse_repo_list};
use ctodash::commands::import::{CsvOptions, ImportReport, import_csv};
use ctodash::db::testing::TestDb;
use ctodash::domain::ImportSource;
use ctodash::text_safety::is_unsafe;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use std::time::Instant;

const BUG_COLUMNS: [&str; 16] = [
    "bugNumber",
    "title",
    "description",
    "severity",
    "status",
    "assignedTo",
    "projectName",
    "slaHours",
    "businessImpact",
    "revenueImpact",
    "isBlocker",
    "priorityScore",
    "estimatedHours",
    "actualHours",
    "resolvedAt",
    "createdAt",
];
const BUG_REQUIRED: [&str; 3] = ["bugNumber", "title", "severity"];

const PROJECT_COLUMNS: [&str; 25] = [
    "name",
    "description",
    "githubUrl",
    "demoUrl",
    "language",
    "tags",
    "stars",
    "forks",
    "lastCommit",
    "status",
    "complexity",
    "clientAppeal",
    "currentMilestone",
    "totalMilestones",
    "arr",
    "year1Revenue",
    "year3Revenue",
    "roiScore",
    "tam",
    "sam",
    "somYear3",
    "tractionMrr",
    "marginPercent",
    "dcfValuation",
    "monthlyInfraCost",
];

/// Values that pass some column's check, so generated rows get past
/// validation and reach the database, mixed with anything at all.
const PLAUSIBLE: [&str; 34] = [
    "critical",
    "HIGH",
    "low",
    "pending",
    "in_progress",
    "closed",
    "active",
    "shipped",
    "yes",
    "false",
    "1",
    "0",
    "3",
    "100",
    "-5",
    "$1,200.50",
    "99999999999999999999",
    "1e3",
    "2026-03-01",
    "2026-03-01 09:30:00",
    "2026-03-01T09:30:00Z",
    "2999-01-01",
    "https://github.com/acme/a",
    "https://github.com/acme/a.git/",
    "http://x",
    "javascript:alert(1)",
    "{a,b}",
    "a;b;c",
    "cto@example.com",
    "BUG-1001",
    "BUG-900001",
    "1001",
    "Rust",
    "",
];

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => prop::sample::select(PLAUSIBLE.to_vec()).prop_map(String::from),
        2 => "[a-zA-Z0-9 ,\"\r\n;{}$.%_\\\\-]{0,16}",
        1 => "BUG-[0-9]{1,10}",
        1 => "-?[0-9]{1,16}(\\.[0-9]{1,6})?",
        1 => "\\PC{200,400}",
        // Controls, NUL and escape sequences: `any::<String>()` has none.
        2 => "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202e}a-z ]{1,12}",
    ]
}

/// Values a column accepts (mostly), so that rows get past validation and
/// reach the database; anything at all now and then.
fn column_cell(column: &str) -> BoxedStrategy<String> {
    let pick = |v: &[&'static str]| {
        prop::sample::select(v.to_vec())
            .prop_map(String::from)
            .boxed()
    };
    let specific: BoxedStrategy<String> = match column {
        "bugNumber" => "(BUG-)?[1-9][0-9]{3,8}".boxed(),
        "title" | "name" | "description" | "businessImpact" | "language" => prop_oneof![
            8 => "\\PC{1,40}",
            1 => any::<String>(),
            2 => "[a-z]{1,4}[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202e}a-z ]{1,12}",
            1 => Just(String::new()),
        ]
        .boxed(),
        "severity" => pick(&["critical", "High", "medium", "low", "LOW", ""]),
        "status" => pick(&[
            "pending",
            "in_progress",
            "verified",
            "shipped",
            "closed",
            "deferred",
            "active",
            "cancelled",
            "",
        ]),
        "assignedTo" => pick(&["cto@example.com", "", "", "", "nobody@example.com"]),
        "projectName" => pick(&["", "", "", "", "Atlantis"]),
        "isBlocker" => pick(&["true", "false", "yes", "no", "1", "0", ""]),
        "resolvedAt" | "createdAt" | "lastCommit" => pick(&[
            "2026-03-01",
            "2025-12-31 23:59:59",
            "2026-01-02T03:04:05Z",
            "",
            "2026-13-01",
            "2999-01-01",
        ]),
        "githubUrl" | "demoUrl" => prop_oneof![
            "[a-z]{1,10}".prop_map(|s| format!("https://github.com/fuzz/{s}")),
            Just(String::new()),
        ]
        .boxed(),
        "tags" => pick(&["a;b", "{x,y}", "", "solo"]),
        "complexity" => pick(&["1", "3", "5", ""]),
        "clientAppeal" | "currentMilestone" | "totalMilestones" => pick(&["0", "2", "9", ""]),
        "slaHours" | "priorityScore" | "stars" | "forks" | "marginPercent" => {
            prop_oneof![4 => "[0-9]{1,2}", 1 => Just(String::new()), 1 => "-?[0-9]{1,12}"].boxed()
        }
        _ => prop_oneof![
            3 => "[0-9]{1,7}(\\.[0-9]{1,2})?",
            1 => "\\$[0-9]{1,3}(,[0-9]{3}){0,3}(\\.[0-9]{2})?",
            1 => "-?[0-9]{1,30}(\\.[0-9]{1,6})?",
            1 => Just(String::new()),
        ]
        .boxed(),
    };
    prop_oneof![30 => specific, 1 => cell()].boxed()
}

/// A header (usually with the required columns, in any order, plus unknown
/// ones) and rows that mostly fit it, written with random quoting and line
/// ends.
fn csv_file(
    columns: &'static [&'static str],
    required: &'static [&'static str],
) -> BoxedStrategy<Vec<u8>> {
    let header = prop_oneof![
        6 => prop::sample::subsequence(columns.to_vec(), 0..=columns.len())
            .prop_map(move |mut h| {
                for r in required {
                    if !h.contains(r) {
                        h.push(r);
                    }
                }
                h.into_iter().map(String::from).collect::<Vec<_>>()
            })
            .prop_shuffle(),
        1 => prop::collection::vec(cell(), 0..6),
    ];
    header
        .prop_flat_map(|header| {
            let fitting: Vec<BoxedStrategy<String>> =
                header.iter().map(|c| column_cell(c)).collect();
            let row = prop_oneof![
                8 => fitting,
                1 => prop::collection::vec(cell(), 0..20),
            ];
            (
                Just(header),
                prop::collection::vec(row, 0..8),
                any::<u64>(),
                prop::sample::select(vec!["\n", "\r\n", "\r"]),
                any::<bool>(),
            )
        })
        .prop_map(|(header, rows, quote_bits, eol, bom)| {
            let mut bit = 0u32;
            let mut out = String::new();
            if bom {
                out.push('\u{FEFF}');
            }
            let mut line = |cells: &[String], out: &mut String| {
                let parts: Vec<String> = cells
                    .iter()
                    .map(|c| {
                        bit = (bit + 1) % 64;
                        if quote_bits >> bit & 1 == 1 || c.contains([',', '"', '\n', '\r']) {
                            format!("\"{}\"", c.replace('"', "\"\""))
                        } else {
                            c.clone()
                        }
                    })
                    .collect();
                out.push_str(&parts.join(","));
                out.push_str(eol);
            };
            line(&header, &mut out);
            for row in &rows {
                line(row, &mut out);
            }
            out.into_bytes()
        })
        .boxed()
}

fn csv_input(kind: ImportKind) -> BoxedStrategy<Vec<u8>> {
    let structured = match kind {
        ImportKind::Bugs => csv_file(&BUG_COLUMNS, &BUG_REQUIRED),
        ImportKind::Projects => csv_file(&PROJECT_COLUMNS, &["name"]),
    };
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..1024),
        // Valid structure with raw bytes spliced in: invalid UTF-8, NULs.
        1 => (structured.clone(), prop::collection::vec(any::<u8>(), 1..8), any::<prop::sample::Index>())
            .prop_map(|(mut bytes, junk, at)| {
                let i = at.index(bytes.len() + 1);
                bytes.splice(i..i, junk);
                bytes
            }),
        4 => structured,
    ]
    .boxed()
}

/// `default` cases, or `PROPTEST_CASES` when set (for a longer campaign).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

struct Counts {
    bugs: i64,
    projects: i64,
    logs: i64,
}

async fn counts(pool: &PgPool) -> Counts {
    let n = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    Counts {
        bugs: n("SELECT count(*) FROM bugs").await,
        projects: n("SELECT count(*) FROM projects").await,
        logs: n("SELECT count(*) FROM import_logs").await,
    }
}

/// What every import report must satisfy, whatever the input.
fn check_report(report: &ImportReport, input: &[u8]) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(&input[..input.len().min(300)]).into_owned();
    prop_assert!(
        [0, 1, 2].contains(&report.exit_code()),
        "exit code {} for {shown:?}",
        report.exit_code()
    );
    if let Some(fatal) = &report.fatal {
        prop_assert!(!fatal.trim().is_empty());
        // A bad file or row is the file's problem, named as such: the
        // database refusing what validation let through is a validation gap.
        prop_assert!(
            !fatal.contains("the database rejected"),
            "unclear error {fatal:?} for {shown:?}"
        );
        prop_assert_eq!(report.imported, 0);
    }
    for p in &report.errors {
        prop_assert!(!p.message.trim().is_empty(), "empty problem for {shown:?}");
    }
    let table = report.table();
    prop_assert!(
        !table.chars().any(|c| c != '\n' && is_unsafe(c)),
        "unsafe report:\n{table}"
    );
    Ok(())
}

/// Arbitrary CSV files through `import_csv`, against a small seeded database
/// (its users and projects make references resolvable).
fn run_csv_property(kind: ImportKind, cases: u32, dry_run: bool) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(async {
        let db = TestDb::new().await;
        let opts = ctodash::seed::SeedOptions {
            bugs: 30,
            projects: Some(3),
            users: Some(3),
            seed: 7,
            reset: false,
        };
        ctodash::seed::run(&db.pool, &opts).await.unwrap();
        db
    });
    let mut runner = TestRunner::new(Config {
        cases: self::cases(cases),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(
        &(csv_input(kind), prop::bool::weighted(0.2)),
        |(bytes, all_or_nothing)| {
            rt.block_on(async {
                let before = counts(&db.pool).await;
                let opts = CsvOptions {
                    kind,
                    dry_run,
                    all_or_nothing,
                    actor: None,
                    overwrite: false,
                };
                let report = import_csv(&db.pool, "fuzz.csv", &bytes, &opts)
                    .await
                    .map_err(|e| TestCaseError::fail(format!("import_csv failed: {e:?}")))?;
                check_report(&report, &bytes)?;
                let after = counts(&db.pool).await;
                let (grew, other) = match kind {
                    ImportKind::Bugs => {
                        (after.bugs - before.bugs, after.projects - before.projects)
                    }
                    ImportKind::Projects => {
                        (after.projects - before.projects, after.bugs - before.bugs)
                    }
                };
                prop_assert_eq!(other, 0);
                if dry_run {
                    prop_assert_eq!(grew, 0);
                    prop_assert_eq!(after.logs, before.logs, "a dry run writes no log");
                } else {
                    prop_assert_eq!(grew, report.inserted as i64, "{:?}", report);
                    prop_assert_eq!(after.logs, before.logs + 1, "one import_logs row");
                }
                if report.fatal.is_none() && report.aborted_at.is_none() {
                    prop_assert_eq!(report.rows, report.imported + report.skipped);
                }
                Ok(())
            })
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn arbitrary_csv_bugs_dry_run() {
    run_csv_property(ImportKind::Bugs, 64, true);
}

#[test]
fn arbitrary_csv_bugs_imported() {
    run_csv_property(ImportKind::Bugs, 24, false);
}

#[test]
fn arbitrary_csv_projects_dry_run() {
    run_csv_property(ImportKind::Projects, 64, true);
}

#[test]
fn arbitrary_csv_projects_imported() {
    run_csv_property(ImportKind::Projects, 24, false);
}

// ---------------------------------------------------------------------------
// GitHub answers.

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::hash_map(any::<String>(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Repository objects whose known fields hold anything (right type or not).
fn repo_like() -> impl Strategy<Value = Value> {
    let field_value = prop_oneof![
        3 => any_json(),
        2 => prop::sample::select(PLAUSIBLE.to_vec()).prop_map(|s| json!(s)),
        1 => "[a-z]{1,8}".prop_map(|s| json!(format!("https://github.com/fuzz/{s}"))),
        1 => (0i64..100_000).prop_map(|n| json!(n)),
        1 => prop::collection::vec("\\PC{0,12}", 0..4).prop_map(|v| json!(v)),
        // Controls and NUL: `any::<String>()` has none.
        1 => "[a-z]{0,3}[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}a-z]{1,8}".prop_map(|s| json!(s)),
        1 => prop::collection::vec("[a-z\\x00\\x1b]{1,6}", 1..3).prop_map(|v| json!(v)),
    ];
    prop::collection::btree_map(
        prop::sample::select(vec![
            "name",
            "description",
            "html_url",
            "homepage",
            "language",
            "topics",
            "stargazers_count",
            "forks_count",
            "pushed_at",
            "archived",
            "other",
        ]),
        field_value,
        0..11,
    )
    .prop_map(|m| {
        let mut o = Map::new();
        for (k, v) in m {
            o.insert(k.to_string(), v);
        }
        Value::Object(o)
    })
}

/// Text GitHub could send: anything, often with NUL, ESC or C1 controls.
fn github_text() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => any::<String>().prop_map(|s| json!(s)),
        2 => "[a-z \\x00\\x1b\\u{9b}]{1,8}".prop_map(|s| json!(s)),
        1 => "\\PC{300,600}".prop_map(|s| json!(s)),
        1 => Just(Value::Null),
    ]
}

/// A repository of the right shape, with anything in its text fields, and
/// now and then a field of the wrong type.
fn mostly_valid_repo() -> impl Strategy<Value = Value> {
    let field = |v: BoxedStrategy<Value>| prop_oneof![6 => v, 1 => any_json()];
    (
        prop_oneof![4 => "[a-z][a-z0-9-]{0,12}".prop_map(|s| json!(s)), 1 => github_text()],
        "[a-z][a-z0-9-]{0,12}",
        field(github_text().boxed()),
        field(github_text().boxed()),
        field(
            prop::collection::vec(github_text(), 0..4)
                .prop_map(Value::Array)
                .boxed(),
        ),
        field((0i64..1_000_000).prop_map(|n| json!(n)).boxed()),
        field(
            prop::sample::select(vec![
                "2026-01-02T03:04:05Z",
                "2020-05-01T00:00:00Z",
                "not a date",
            ])
            .prop_map(|s| json!(s))
            .boxed(),
        ),
        field(any::<bool>().prop_map(Value::Bool).boxed()),
    )
        .prop_map(
            |(name, slug, description, language, topics, stars, pushed, archived)| {
                json!({
                    "name": name,
                    "html_url": format!("https://github.com/fuzz/{slug}"),
                    "description": description,
                    "language": language,
                    "topics": topics,
                    "stargazers_count": stars,
                    "forks_count": 0,
                    "pushed_at": pushed,
                    "archived": archived,
                })
            },
        )
}

fn github_answer() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => any_json(),
        3 => prop::collection::vec(
            prop_oneof![3 => mostly_valid_repo(), 2 => repo_like(), 1 => any_json()],
            0..12,
        )
        .prop_map(Value::Array),
        1 => prop::collection::vec(repo_like(), 0..6).prop_map(|v| json!({ "items": v })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_a_github_answer_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = parse_repo_list(&bytes) {
            prop_assert!(!e.trim().is_empty());
        }
    }

    #[test]
    fn arbitrary_json_as_a_github_answer_is_a_list_or_a_clear_error(v in github_answer()) {
        let text = serde_json::to_vec(&v).unwrap();
        match parse_repo_list(&text) {
            Ok(_) => prop_assert!(v.is_array() || v.get("items").is_some_and(Value::is_array)),
            Err(e) => {
                prop_assert!(e.contains("expected a JSON array of repositories"), "{e}");
                prop_assert!(!v.is_array());
            }
        }
    }
}

/// Arbitrary repository lists through `import_repos`, written to a database.
#[test]
fn arbitrary_github_answers_import_whole_or_report_each_repository() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let mut runner = TestRunner::new(Config {
        cases: cases(32),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(github_answer(), any::<bool>()), |(answer, dry_run)| {
        rt.block_on(async {
            let bytes = serde_json::to_vec(&answer).unwrap();
            let Ok(repos) = parse_repo_list(&bytes) else {
                return Ok(());
            };
            let n = repos.len() as u64;
            let before = counts(&db.pool).await;
            let report = ImportReport::new(ImportSource::Github, "projects", "fuzz.json");
            let opts = GithubOptions {
                dry_run,
                actor: None,
            };
            let report = import_repos(&db.pool, repos, &opts, report, Instant::now())
                .await
                .map_err(|e| TestCaseError::fail(format!("import_repos failed: {e:?}")))?;
            check_report(&report, &bytes)?;
            prop_assert_eq!(report.rows, n);
            let after = counts(&db.pool).await;
            let grew = after.projects - before.projects;
            if dry_run {
                prop_assert_eq!(grew, 0);
            } else {
                prop_assert_eq!(grew, report.inserted as i64, "{:?}", report);
                prop_assert_eq!(report.imported + report.skipped, n);
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Found by the property above: PostgreSQL text cannot hold NUL, so a NUL in
/// any text field is that repository's problem, reported as such.
#[tokio::test]
async fn a_nul_in_a_github_text_field_is_a_bad_repository() {
    let db = TestDb::new().await;
    let repo = |name: &str, field: &str| {
        let mut r = json!({
            "name": name,
            "html_url": format!("https://github.com/fuzz/{name}"),
            "pushed_at": "2026-01-02T03:04:05Z",
        });
        r[field] = match field {
            "topics" => json!(["ok", "bad\u{0}topic"]),
            _ => json!("bad\u{0}value"),
        };
        r
    };
    let repos = vec![
        repo("good", "other"),
        repo("n1", "description"),
        repo("n2", "language"),
        repo("n3", "topics"),
        repo("n4", "homepage"),
        json!({ "name": "n\u{0}5", "html_url": "https://github.com/fuzz/n5" }),
    ];
    let report = ImportReport::new(ImportSource::Github, "projects", "nul.json");
    let opts = GithubOptions {
        dry_run: false,
        actor: None,
    };
    let report = import_repos(&db.pool, repos, &opts, report, Instant::now())
        .await
        .unwrap();
    assert_eq!(report.fatal, None, "{report:?}");
    // A bad homepage is left out with a warning, as any non-URL homepage is.
    assert_eq!(report.inserted, 2, "{report:?}");
    assert!(report.warnings[0].contains("homepage"), "{report:?}");
    assert_eq!(report.bad_rows, 4, "{report:?}");
    let fields: Vec<&str> = report
        .errors
        .iter()
        .map(|e| e.column.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(fields, ["description", "language", "topics", "name"]);
    for e in &report.errors {
        assert!(e.message.contains("NUL"), "{e}");
    }
}

/// Found by the CSV property: a NUL in a header cell made the `import_logs`
/// row unwritable, so the import failed with "cannot write the import_logs
/// row" instead of reporting the unknown column.
#[tokio::test]
async fn a_nul_in_a_csv_header_is_reported_and_logged() {
    let db = TestDb::new().await;
    let file = b"bugNumber,title,severity,Extra\0Column\nBUG-80001,Works,high,x\n";
    let opts = CsvOptions {
        kind: ImportKind::Bugs,
        dry_run: false,
        all_or_nothing: false,
        actor: None,
        overwrite: false,
    };
    let report = import_csv(&db.pool, "nul\0name.csv", file, &opts)
        .await
        .unwrap();
    assert_eq!(
        (report.fatal.as_deref(), report.inserted),
        (None, 1),
        "{report:?}"
    );
    assert_eq!(
        report.unknown_columns,
        ["Extra\0Column"],
        "the report keeps the data"
    );
    let (file, unknown): (String, String) = sqlx::query_as(
        "SELECT metadata->>'file', metadata->'unknown_columns'->>0 FROM import_logs",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        (file.as_str(), unknown.as_str()),
        ("nul\u{FFFD}name.csv", "Extra\u{FFFD}Column")
    );
}
