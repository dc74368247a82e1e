//! `ctodash kpis --check`, `ctodash completions` and `ctodash db status|stop`
//! as the real binary: exit codes and output a script or a shell relies on.

#[path = "common/cli.rs"]
mod cli;

use cli::seeded;
use ctodash::db::cluster::Cluster;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn kpi(json: &Value, name: &str) -> i64 {
    json[name]
        .as_i64()
        .unwrap_or_else(|| panic!("{name} in {json}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_pass_fail_and_refuse_bad_expressions() {
    let (_db, cli) = seeded().await;
    let k: Value =
        serde_json::from_str(&cli.run(&["kpis", "--format", "json"]).await.ok().stdout).unwrap();
    let breached = kpi(&k, "sla_breached");
    assert!(breached > 0, "the seed has breaches");
    let at = format!("sla_breached<={breached}");
    let under = format!("sla_breached<={}", breached - 1);

    let pass = cli
        .run(&[
            "kpis",
            "--check",
            &at,
            "--check",
            "revenue_at_risk_daily>=0",
        ])
        .await
        .ok();
    let lines: Vec<&str> = pass.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", pass.stdout);
    assert!(
        lines[0].starts_with("ok") && lines[0].contains(&at),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with(&format!("value {}", ctodash::format::count(breached))),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("value $"),
        "money in dollars: {}",
        lines[1]
    );

    let fail = cli.run(&["kpis", "--check", &at, "--check", &under]).await;
    assert_eq!(fail.code, 3, "{fail:?}");
    assert!(
        fail.stdout.lines().nth(1).unwrap().starts_with("FAIL"),
        "{}",
        fail.stdout
    );
    assert!(
        fail.stderr.is_empty(),
        "a failed check is not an error: {}",
        fail.stderr
    );

    let json = cli
        .run(&["kpis", "--format", "json", "--check", &under])
        .await;
    assert_eq!(json.code, 3);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["pass"], false);
    assert_eq!(doc["checks"][0]["value"], breached.to_string());

    for (bad, needle) in [
        ("sla_breachd<=100", "unknown KPI `sla_breachd`"),
        ("sla_breached", "has no comparison"),
        ("sla_breached<=many", "`many` is not a number"),
    ] {
        let run = cli.run(&["kpis", "--check", bad]).await;
        assert_eq!(run.code, 2, "{bad}: {run:?}");
        assert!(run.stdout.is_empty());
        let err = run.stderr.trim();
        let paragraph = err.split("\n\n").next().unwrap();
        assert!(!paragraph.contains('\n'), "one paragraph: {err}");
        assert!(paragraph.contains(needle), "{bad}: {err}");
        assert!(
            paragraph.contains("sla_breached, sla_breached_deferred"),
            "lists the names: {err}"
        );
    }
}

fn ctodash(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ctodash"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CTODASH_CONFIG")
        .env_remove("CTODASH_DATA_DIR")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run ctodash")
}

#[test]
fn completions_are_scripts_the_shells_accept() {
    let subcommands = [
        "kpis",
        "bugs",
        "projects",
        "import",
        "snapshot",
        "doctor",
        "completions",
        "db",
    ];
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef ctodash"),
        ("fish", "complete -c ctodash"),
    ] {
        // A broken config must not break completion.
        let out = ctodash(&["--config", "/nonexistent.toml", "completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}");
        for sub in subcommands {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
        let check = if shell == "fish" {
            "-l check"
        } else {
            "--check"
        };
        assert!(script.contains(check), "{shell} lacks kpis --check");
        if shell == "bash" {
            let path = std::env::temp_dir().join(format!("ctodash-{}.bash", std::process::id()));
            std::fs::write(&path, &script).unwrap();
            let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
            std::fs::remove_file(&path).ok();
            assert!(syntax.status.success(), "bash -n: {syntax:?}");
        }
    }
    let bad = ctodash(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A scratch data directory the `postgres` user can reach when we are root.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn db_cmd(dir: &Path, sub: &str) -> (i32, String) {
    let out = ctodash(&[
        "--config",
        "/dev/null",
        "--data-dir",
        dir.to_str().unwrap(),
        "db",
        sub,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "db {sub}: {stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn db_status_and_stop_report_and_stop_the_private_cluster() {
    let base = if ctodash::db::cluster::running_as_root() {
        PathBuf::from("/var/lib")
    } else {
        std::env::temp_dir()
    };
    let dir = ScratchDir(base.join(format!("ctodash-dbcmd-{}", std::process::id())));

    let (code, out) = db_cmd(&dir.0, "status");
    assert_eq!(code, 0);
    assert!(out.starts_with("No private cluster in"), "{out}");
    let (code, out) = db_cmd(&dir.0, "stop");
    assert_eq!(code, 0);
    assert!(out.contains("Nothing to stop"), "{out}");

    // A socket name nobody else uses (the cluster listens on its own socket only).
    let port = 40000 + (std::process::id() % 10000) as u16;
    let mut cluster = Cluster::new(&dir.0)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_port(port);
    cluster
        .ensure_running()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let (code, out) = db_cmd(&dir.0, "status");
    assert_eq!(code, 0);
    assert!(out.contains("state:    running"), "{out}");
    assert!(out.contains(&format!("port:     {port}")), "{out}");
    assert!(out.contains(&format!(".s.PGSQL.{port}")), "{out}");
    assert!(
        out.contains(&format!("data dir: {}", dir.0.display())),
        "{out}"
    );
    let size = out
        .lines()
        .find_map(|l| l.strip_prefix("size:"))
        .unwrap_or_else(|| panic!("{out}"));
    let mb: f64 = size.trim().split(' ').next().unwrap().parse().unwrap();
    assert!(mb > 1.0, "an initialised cluster is tens of MB: {size}");
    assert!(out.contains("ctodash db stop"), "{out}");

    let (code, out) = db_cmd(&dir.0, "stop");
    assert_eq!(code, 0);
    assert!(out.starts_with("Stopped the private cluster"), "{out}");
    assert!(!cluster.is_running().await.unwrap(), "really stopped");

    let (_, out) = db_cmd(&dir.0, "stop");
    assert!(out.contains("is not running; nothing to stop"), "{out}");
    let (_, out) = db_cmd(&dir.0, "status");
    assert!(out.contains("state:    stopped"), "{out}");
    assert!(!out.contains("port:"), "{out}");
}
