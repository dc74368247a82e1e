use crate::cli::{Format, KpisArgs};
use crate::config::Config;
use crate::db::{self, kpis::Kpis};
use crate::format::{count, money};
use chrono::Utc;
use color_eyre::eyre::Result;
use std::fmt::Write;

pub async fn run(cfg: &Config, args: &KpisArgs) -> Result<()> {
    let db = super::open_for_reading(cfg).await?;
    let mut conn = db.pool.acquire().await?;
    let kpis = db::kpis::load(&mut conn, Utc::now()).await?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&kpis)?),
        Format::Table => print!("{}", table(&kpis)),
    }
    Ok(())
}

/// The KPI table for people: labels left, values right-aligned.
pub fn table(k: &Kpis) -> String {
    let o = &k.open_by_severity;
    let mttr = k
        .mean_time_to_resolve_hours
        .map_or_else(|| "—".to_string(), |h| format!("{h:.1} h"));
    let rows: Vec<(&str, String)> = vec![
        ("Open bugs", count(k.open_total)),
        ("  critical", count(o.critical)),
        ("  high", count(o.high)),
        ("  medium", count(o.medium)),
        ("  low", count(o.low)),
        ("  of which deferred", count(k.deferred)),
        ("Blockers (open)", count(k.blockers)),
        ("SLA breached", count(k.sla_breached)),
        ("Revenue at risk / day", money(k.revenue_at_risk_daily)),
        ("Revenue at risk / month", money(k.revenue_at_risk_monthly)),
        ("Portfolio valuation", money(k.portfolio_valuation)),
        ("Year-3 revenue (total)", money(k.year3_revenue_total)),
        ("Monthly infra cost", money(k.monthly_infra_cost)),
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
        ("Mean time to resolve (30 d)", mttr),
        ("Engineering cost (all bugs)", money(k.engineering_cost)),
    ];
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
