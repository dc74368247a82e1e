//! `ctodash projects list`: the portfolio pane's content, riskiest first.

use crate::app::model::ProjectRow;
use crate::cli::{DataFormat, ProjectsCommand, ProjectsListArgs};
use crate::commands::output::{self, Align, JsonArray, csv_row, csv_writer};
use crate::config::Config;
use crate::db;
use crate::domain::{ProjectStatus, RiskLevel};
use crate::format::{count, money_short};
use chrono::Utc;
use color_eyre::eyre::Result;
use rust_decimal::Decimal;
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use uuid::Uuid;

pub async fn run(cfg: &Config, cmd: &ProjectsCommand) -> Result<()> {
    match cmd {
        ProjectsCommand::List(args) => list_command(cfg, args).await,
    }
}

async fn list_command(cfg: &Config, args: &ProjectsListArgs) -> Result<()> {
    let db = super::open_for_reading(cfg).await?;
    let mut conn = db.pool.acquire().await?;
    let rows = db::portfolio::projects(&mut conn, Utc::now()).await?;
    let out = BufWriter::new(io::stdout());
    output::finish(write_projects(&rows, args.format, out))
}

/// One project in `projects list --format json|csv`. Money is a decimal
/// string; the risk score has one decimal place.
#[derive(Debug, Serialize)]
pub struct ProjectRecord<'a> {
    pub name: &'a str,
    pub status: ProjectStatus,
    pub roi_score: Option<Decimal>,
    pub dcf_valuation: Option<Decimal>,
    pub arr: Option<Decimal>,
    pub monthly_infra_cost: Option<Decimal>,
    pub current_milestone: i32,
    pub total_milestones: i32,
    pub open_bugs: i64,
    pub critical_bugs: i64,
    pub blocker_bugs: i64,
    pub risk_score: f64,
    pub risk_level: RiskLevel,
    pub risk_critical_bugs: f64,
    pub risk_stalled_prs: f64,
    pub risk_low_activity: f64,
    pub risk_overdue_milestones: f64,
    pub health_score: Option<i32>,
    pub id: Uuid,
}

pub const CSV_HEADER: [&str; 19] = [
    "name",
    "status",
    "roi_score",
    "dcf_valuation",
    "arr",
    "monthly_infra_cost",
    "current_milestone",
    "total_milestones",
    "open_bugs",
    "critical_bugs",
    "blocker_bugs",
    "risk_score",
    "risk_level",
    "risk_critical_bugs",
    "risk_stalled_prs",
    "risk_low_activity",
    "risk_overdue_milestones",
    "health_score",
    "id",
];

fn one_decimal(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

impl<'a> ProjectRecord<'a> {
    pub fn new(p: &'a ProjectRow) -> Self {
        ProjectRecord {
            name: &p.name,
            status: p.status,
            roi_score: p.roi_score,
            dcf_valuation: p.dcf_valuation,
            arr: p.arr,
            monthly_infra_cost: p.monthly_infra_cost,
            current_milestone: p.current_milestone,
            total_milestones: p.total_milestones,
            open_bugs: p.open_bugs,
            critical_bugs: p.critical_bugs,
            blocker_bugs: p.blocker_bugs,
            risk_score: one_decimal(p.risk.score),
            risk_level: p.risk.level,
            risk_critical_bugs: one_decimal(p.risk.critical),
            risk_stalled_prs: one_decimal(p.risk.stalled_prs),
            risk_low_activity: one_decimal(p.risk.low_activity),
            risk_overdue_milestones: one_decimal(p.risk.overdue_milestones),
            health_score: p.health_score,
            id: p.id,
        }
    }
}

const HEADERS: [(&str, Align); 12] = [
    ("Project", Align::Left),
    ("Status", Align::Left),
    ("ROI", Align::Right),
    ("Valuation", Align::Right),
    ("ARR", Align::Right),
    ("Infra/mo", Align::Right),
    ("Milestones", Align::Right),
    ("Open", Align::Right),
    ("Crit", Align::Right),
    ("Blk", Align::Right),
    ("Risk", Align::Left),
    ("Health", Align::Right),
];

/// The cells of one table line.
pub fn cells(p: &ProjectRow) -> Vec<String> {
    let dash = || "—".to_owned();
    let m = |v: Option<Decimal>| v.map_or_else(dash, money_short);
    vec![
        p.name.clone(),
        p.status.as_str().to_owned(),
        p.roi_score.map_or_else(dash, |r| format!("{r:.1}")),
        m(p.dcf_valuation),
        m(p.arr),
        m(p.monthly_infra_cost),
        format!("{}/{}", p.current_milestone, p.total_milestones),
        count(p.open_bugs),
        count(p.critical_bugs),
        count(p.blocker_bugs),
        format!("{:>3.0} {}", p.risk.score, p.risk.level),
        p.health_score.map_or_else(dash, |h| h.to_string()),
    ]
}

pub fn write_projects<W: Write>(
    rows: &[ProjectRow],
    format: DataFormat,
    mut out: W,
) -> io::Result<()> {
    match format {
        DataFormat::Table => {
            let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
            for line in output::auto_table(&HEADERS, &cells, 32) {
                writeln!(out, "{line}")?;
            }
            writeln!(
                out,
                "{} project{} (riskiest first; risk counts stalled PRs as 0: no PR data yet)",
                count(rows.len() as i64),
                if rows.len() == 1 { "" } else { "s" }
            )?;
        }
        DataFormat::Json => {
            let mut a = JsonArray::begin(&mut out)?;
            for p in rows {
                a.push(&ProjectRecord::new(p))?;
            }
            a.end()?;
        }
        DataFormat::Csv => {
            let mut w = csv_writer(&mut out, &CSV_HEADER)?;
            for p in rows {
                csv_row(&mut w, &ProjectRecord::new(p))?;
            }
            w.flush()?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::output::csv_header_of;
    use crate::domain::RiskBreakdown;

    fn project() -> ProjectRow {
        ProjectRow {
            id: Uuid::nil(),
            name: "Nova Pay".into(),
            status: ProjectStatus::Active,
            roi_score: Some(Decimal::new(425, 2)),
            dcf_valuation: Some(Decimal::new(4_600_000, 0)),
            arr: None,
            monthly_infra_cost: Some(Decimal::new(950, 0)),
            current_milestone: 3,
            total_milestones: 8,
            open_bugs: 1234,
            critical_bugs: 2,
            blocker_bugs: 1,
            risk: RiskBreakdown {
                critical: 40.0,
                stalled_prs: 0.0,
                low_activity: 12.345,
                overdue_milestones: 50.0,
                score: 25.969,
                level: RiskLevel::Medium,
            },
            health_score: Some(77),
        }
    }

    #[test]
    fn header_matches_record() {
        assert_eq!(csv_header_of(&ProjectRecord::new(&project())), CSV_HEADER);
    }

    #[test]
    fn table_and_json() {
        let mut out = Vec::new();
        write_projects(&[project()], DataFormat::Table, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Nova Pay"), "{text}");
        assert!(text.contains("$4.6M") && text.contains("3/8") && text.contains("1,234"));
        assert!(text.contains(" 26 medium"), "{text}");
        assert!(text.contains("1 project (riskiest first"), "{text}");

        let mut out = Vec::new();
        write_projects(&[project()], DataFormat::Json, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["risk_score"], 26.0);
        assert_eq!(v[0]["risk_level"], "medium");
        assert_eq!(v[0]["roi_score"], "4.25");
        assert_eq!(v[0]["arr"], serde_json::Value::Null);
    }
}
