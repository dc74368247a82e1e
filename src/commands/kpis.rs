use crate::cli::{Format, KpisArgs};
use crate::config::Config;
use crate::db::{self, kpis::Kpis};
use crate::domain::BugStatus;
use crate::domain::alert::{Check, Outcome};
use crate::format::{count, money};
use chrono::Utc;
use color_eyre::eyre::Result;
use std::fmt::Write;

pub async fn run(cfg: &Config, args: &KpisArgs) -> Result<()> {
    let db = super::open_for_reading(cfg).await?;
    let mut conn = db.pool.acquire().await?;
    let kpis = db::kpis::load(&mut conn, Utc::now()).await?;
    if !args.checks.is_empty() {
        return checks(&kpis, &args.checks, args.format);
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&kpis)?),
        Format::Table => print!("{}", table(&kpis)),
    }
    Ok(())
}

/// `--check`: one line (or JSON object) per check; exit 3 when any failed.
fn checks(k: &Kpis, checks: &[Check], format: Format) -> Result<()> {
    let outcomes: Vec<Outcome> = checks.iter().map(|c| c.evaluate(k)).collect();
    let all_pass = outcomes.iter().all(|o| o.pass);
    match format {
        Format::Json => {
            let items: Vec<_> = outcomes
                .iter()
                .map(|o| {
                    serde_json::json!({
                        "check": o.check.to_string(),
                        "kpi": o.check.kpi.name(),
                        "value": o.value.map(|v| v.to_string()),
                        "pass": o.pass,
                    })
                })
                .collect();
            let doc = serde_json::json!({ "pass": all_pass, "checks": items });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Table => print!("{}", check_lines(&outcomes)),
    }
    if all_pass {
        Ok(())
    } else {
        Err(super::Finished { code: 3 }.into())
    }
}

/// "ok    sla_breached<=100    value 87", aligned.
pub fn check_lines(outcomes: &[Outcome]) -> String {
    let exprs: Vec<String> = outcomes.iter().map(|o| o.check.to_string()).collect();
    let w = exprs.iter().map(|e| e.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (o, expr) in outcomes.iter().zip(&exprs) {
        let verdict = if o.pass { "ok" } else { "FAIL" };
        let value = match o.value {
            Some(v) => o.check.kpi.format_value(v),
            None => "none (nothing resolved in the window)".into(),
        };
        let _ = writeln!(out, "{verdict:<5} {expr:<w$}  value {value}");
    }
    out
}

/// The KPI table for people: labels left, values right-aligned.
pub fn table(k: &Kpis) -> String {
    let o = &k.open_by_severity;
    let hours = |h: Option<f64>| h.map_or_else(|| "—".to_string(), |h| format!("{h:.1} h"));
    let pct = |p: f64| format!("{p:.2} %");
    let b = &k.by_status;
    let mut rows: Vec<(&str, String)> = vec![
        ("Open bugs", count(k.open_total)),
        ("  critical", count(o.critical)),
        ("  high", count(o.high)),
        ("  medium", count(o.medium)),
        ("  low", count(o.low)),
        ("  of which deferred", count(k.deferred)),
        ("Blockers (open)", count(k.blockers)),
        ("SLA breached (open)", count(k.sla_breached)),
        ("  of which deferred", count(k.sla_breached_deferred)),
        ("SLA compliance (all time)", pct(k.sla_compliance_pct)),
        ("SLA compliance (30 d)", pct(k.sla_compliance_pct_30d)),
        ("Revenue at risk / day", money(k.revenue_at_risk_daily)),
        ("Revenue at risk / month", money(k.revenue_at_risk_monthly)),
        ("Portfolio valuation", money(k.portfolio_valuation)),
        ("Year-3 revenue (total)", money(k.year3_revenue_total)),
        ("Monthly infra cost", money(k.monthly_infra_cost)),
        ("ARR (active + shipped)", money(k.arr_total)),
        (
            "Projects (shipped)",
            format!(
                "{} ({})",
                count(k.projects_total),
                count(k.projects_shipped)
            ),
        ),
        ("Opened, last 7 days", count(k.opened_last_7d)),
        ("Resolved, last 7 days", count(k.resolved_last_7d)),
        (
            "Mean time to resolve (30 d)",
            hours(k.mean_time_to_resolve_hours),
        ),
        (
            "Mean time to resolve (all)",
            hours(k.mean_time_to_resolve_hours_all),
        ),
        ("Engineering cost (all bugs)", money(k.engineering_cost)),
        (
            "All bugs by status",
            count(b.pending + b.in_progress + b.verified + b.shipped + b.closed + b.deferred),
        ),
    ];
    for status in BugStatus::ALL {
        rows.push((status_label(status), count(b.get(status))));
    }
    let width = rows
        .iter()
        .map(|(_, v)| v.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in rows {
        let _ = writeln!(out, "{label:<30}{value:>width$}");
    }
    let _ = writeln!(
        out,
        "{:<30}{}",
        "Refreshed at",
        k.refreshed_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    out
}

/// Indented, like the severities under "Open bugs".
fn status_label(s: BugStatus) -> &'static str {
    match s {
        BugStatus::Pending => "  pending",
        BugStatus::InProgress => "  in_progress",
        BugStatus::Verified => "  verified",
        BugStatus::Shipped => "  shipped",
        BugStatus::Closed => "  closed",
        BugStatus::Deferred => "  deferred",
    }
}
