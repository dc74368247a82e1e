//! `[[alerts]]` in the config file: read into checked alerts, and every
//! mistake refused with one paragraph naming the file, the entry and the fix.

use ctodash::cli::GlobalArgs;
use ctodash::config::load;
use ctodash::domain::alert::KpiName;
use rust_decimal_macros::dec;
use std::path::PathBuf;

fn config_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctodash-alerts-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn load_file(path: &std::path::Path) -> Result<ctodash::config::Config, String> {
    let args = GlobalArgs {
        config: Some(path.to_path_buf()),
        ..Default::default()
    };
    load(&args, |_| None).map_err(|e| e.to_string())
}

#[test]
fn alerts_are_read_with_their_limits_and_bell() {
    let path = config_file(
        "good",
        "[[alerts]]\nkpi = \"sla_breached\"\nabove = 100\nbell = true\n\n\
         [[alerts]]\nkpi = \"revenue_at_risk_daily\"\nabove = 50000.50\n\n\
         [[alerts]]\nkpi = \"SLA_COMPLIANCE_PCT\"\nbelow = 90\nabove = 99.5\n",
    );
    let cfg = load_file(&path).unwrap();
    let a = &cfg.alerts;
    assert_eq!(a.len(), 3);
    assert_eq!(
        (a[0].kpi, a[0].above, a[0].below, a[0].bell),
        (KpiName::SlaBreached, Some(dec!(100)), None, true)
    );
    assert_eq!(a[1].above, Some(dec!(50000.50)));
    assert!(!a[1].bell, "bell is off unless asked for");
    assert_eq!(a[2].kpi, KpiName::SlaCompliancePct);
    assert_eq!((a[2].below, a[2].above), (Some(dec!(90)), Some(dec!(99.5))));
    assert!(
        load_file(&config_file("none", "refresh_seconds = 2\n"))
            .unwrap()
            .alerts
            .is_empty()
    );
}

#[test]
fn bad_alerts_name_the_file_the_entry_and_the_fix() {
    for (name, text, needles) in [
        (
            "unknown",
            "[[alerts]]\nkpi = \"sla_breached\"\nabove = 1\n[[alerts]]\nkpi = \"breaches\"\nabove = 1\n",
            &[
                "entry (number 2)",
                "unknown KPI `breaches`",
                "open_total, open_critical",
            ][..],
        ),
        (
            "nolimit",
            "[[alerts]]\nkpi = \"blockers\"\n",
            &["neither `above` nor `below`", "above = 100"][..],
        ),
        (
            "inverted",
            "[[alerts]]\nkpi = \"blockers\"\nabove = 5\nbelow = 10\n",
            &["below = 10 greater than above = 5"][..],
        ),
        (
            "typo",
            "[[alerts]]\nkpi = \"blockers\"\nabove = 5\nbel = true\n",
            &["line 4: unknown key `bel`", "`bell`"][..],
        ),
    ] {
        let path = config_file(name, text);
        let msg = load_file(&path).unwrap_err();
        assert!(msg.contains(&path.display().to_string()), "{name}: {msg}");
        assert!(!msg.contains('\n'), "{name}: one paragraph: {msg}");
        for n in needles {
            assert!(msg.contains(n), "{name}: {n:?} not in {msg}");
        }
        std::fs::remove_dir_all(path.parent().unwrap()).ok();
    }
}
