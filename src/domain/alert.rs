//! KPIs by name, and thresholds over them: one table and one comparison for
//! the dashboard's `[[alerts]]` (a header mark, maybe a bell) and for
//! `ctodash kpis --check` (an exit code for cron and CI), so a name or a limit
//! means the same in both.

use crate::db::kpis::Kpis;
use crate::domain::Severity;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use std::fmt;

/// Every KPI a threshold can watch. Names are the keys of
/// `ctodash kpis --format json` (severities flattened: `open_critical`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KpiName {
    OpenTotal,
    Open(Severity),
    Deferred,
    Blockers,
    SlaBreached,
    SlaBreachedDeferred,
    SlaCompliancePct,
    SlaCompliancePct30d,
    RevenueAtRiskDaily,
    RevenueAtRiskMonthly,
    OpenedLast7d,
    ResolvedLast7d,
    /// Opened minus resolved over the last 7 days.
    BacklogChange7d,
    MeanTimeToResolveHours,
    MeanTimeToResolveHoursAll,
    EngineeringCost,
    PortfolioValuation,
    ArrTotal,
    MonthlyInfraCost,
    ProjectsTotal,
    ProjectsShipped,
    Year3RevenueTotal,
}

use KpiName::*;

impl KpiName {
    pub const ALL: [KpiName; 25] = [
        OpenTotal,
        Open(Severity::Critical),
        Open(Severity::High),
        Open(Severity::Medium),
        Open(Severity::Low),
        Deferred,
        Blockers,
        SlaBreached,
        SlaBreachedDeferred,
        SlaCompliancePct,
        SlaCompliancePct30d,
        RevenueAtRiskDaily,
        RevenueAtRiskMonthly,
        OpenedLast7d,
        ResolvedLast7d,
        BacklogChange7d,
        MeanTimeToResolveHours,
        MeanTimeToResolveHoursAll,
        EngineeringCost,
        PortfolioValuation,
        ArrTotal,
        MonthlyInfraCost,
        ProjectsTotal,
        ProjectsShipped,
        Year3RevenueTotal,
    ];

    /// The name used in config files, `--check` and JSON.
    pub fn name(self) -> &'static str {
        match self {
            OpenTotal => "open_total",
            Open(Severity::Critical) => "open_critical",
            Open(Severity::High) => "open_high",
            Open(Severity::Medium) => "open_medium",
            Open(Severity::Low) => "open_low",
            Deferred => "deferred",
            Blockers => "blockers",
            SlaBreached => "sla_breached",
            SlaBreachedDeferred => "sla_breached_deferred",
            SlaCompliancePct => "sla_compliance_pct",
            SlaCompliancePct30d => "sla_compliance_pct_30d",
            RevenueAtRiskDaily => "revenue_at_risk_daily",
            RevenueAtRiskMonthly => "revenue_at_risk_monthly",
            OpenedLast7d => "opened_last_7d",
            ResolvedLast7d => "resolved_last_7d",
            BacklogChange7d => "backlog_change_7d",
            MeanTimeToResolveHours => "mean_time_to_resolve_hours",
            MeanTimeToResolveHoursAll => "mean_time_to_resolve_hours_all",
            EngineeringCost => "engineering_cost",
            PortfolioValuation => "portfolio_valuation",
            ArrTotal => "arr_total",
            MonthlyInfraCost => "monthly_infra_cost",
            ProjectsTotal => "projects_total",
            ProjectsShipped => "projects_shipped",
            Year3RevenueTotal => "year3_revenue_total",
        }
    }

    /// How the dashboard labels it.
    pub fn label(self) -> &'static str {
        match self {
            OpenTotal => "Open bugs",
            Open(Severity::Critical) => "Open critical",
            Open(Severity::High) => "Open high",
            Open(Severity::Medium) => "Open medium",
            Open(Severity::Low) => "Open low",
            Deferred => "Deferred",
            Blockers => "Blockers",
            SlaBreached => "SLA breached",
            SlaBreachedDeferred => "SLA breached, deferred",
            SlaCompliancePct => "SLA met",
            SlaCompliancePct30d => "SLA met, 30 days",
            RevenueAtRiskDaily => "At risk / day",
            RevenueAtRiskMonthly => "At risk / month",
            OpenedLast7d => "Opened, 7 days",
            ResolvedLast7d => "Resolved, 7 days",
            BacklogChange7d => "Backlog change",
            MeanTimeToResolveHours => "Resolve, 30 days",
            MeanTimeToResolveHoursAll => "Resolve, all time",
            EngineeringCost => "Eng. cost",
            PortfolioValuation => "Valuation",
            ArrTotal => "ARR",
            MonthlyInfraCost => "Infra / month",
            ProjectsTotal => "Projects",
            ProjectsShipped => "Projects shipped",
            Year3RevenueTotal => "Year-3 revenue",
        }
    }

    /// Money is compared (and printed) in dollars with two decimals.
    pub fn is_money(self) -> bool {
        matches!(
            self,
            RevenueAtRiskDaily
                | RevenueAtRiskMonthly
                | EngineeringCost
                | PortfolioValuation
                | ArrTotal
                | MonthlyInfraCost
                | Year3RevenueTotal
        )
    }

    /// A value of this KPI for people: "$31,063", "43.20%", "295.3 h", "729".
    pub fn format_value(self, v: Decimal) -> String {
        match self {
            _ if self.is_money() => crate::format::money(v),
            SlaCompliancePct | SlaCompliancePct30d => format!("{v:.2}%"),
            MeanTimeToResolveHours | MeanTimeToResolveHoursAll => format!("{v:.1} h"),
            _ => match i64::try_from(v) {
                Ok(n) => crate::format::count(n),
                Err(_) => v.to_string(),
            },
        }
    }

    /// The figure now; `None` for a mean time to resolve with nothing resolved.
    pub fn value(self, k: &Kpis) -> Option<Decimal> {
        let count = |n: i64| Some(Decimal::from(n));
        let float = |x: f64, dp: u32| Decimal::from_f64(x).map(|d| d.round_dp(dp));
        match self {
            OpenTotal => count(k.open_total),
            Open(s) => count(k.open_by_severity.get(s)),
            Deferred => count(k.deferred),
            Blockers => count(k.blockers),
            SlaBreached => count(k.sla_breached),
            SlaBreachedDeferred => count(k.sla_breached_deferred),
            SlaCompliancePct => float(k.sla_compliance_pct, 2),
            SlaCompliancePct30d => float(k.sla_compliance_pct_30d, 2),
            RevenueAtRiskDaily => Some(k.revenue_at_risk_daily),
            RevenueAtRiskMonthly => Some(k.revenue_at_risk_monthly),
            OpenedLast7d => count(k.opened_last_7d),
            ResolvedLast7d => count(k.resolved_last_7d),
            BacklogChange7d => count(k.opened_last_7d - k.resolved_last_7d),
            MeanTimeToResolveHours => k.mean_time_to_resolve_hours.and_then(|h| float(h, 1)),
            MeanTimeToResolveHoursAll => k.mean_time_to_resolve_hours_all.and_then(|h| float(h, 1)),
            EngineeringCost => Some(k.engineering_cost),
            PortfolioValuation => Some(k.portfolio_valuation),
            ArrTotal => Some(k.arr_total),
            MonthlyInfraCost => Some(k.monthly_infra_cost),
            ProjectsTotal => count(k.projects_total),
            ProjectsShipped => count(k.projects_shipped),
            Year3RevenueTotal => Some(k.year3_revenue_total),
        }
    }

    /// "open_total, open_critical, …" for error messages.
    pub fn all_names() -> String {
        Self::ALL.map(KpiName::name).join(", ")
    }
}

impl std::str::FromStr for KpiName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(want))
            .ok_or_else(|| {
                format!(
                    "unknown KPI `{want}`; the KPIs are: {}",
                    KpiName::all_names()
                )
            })
    }
}

impl fmt::Display for KpiName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Op {
    /// Longest first, so `<=` is not read as `<`.
    const SPELLINGS: [(&'static str, Op); 6] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("=", Op::Eq),
    ];

    pub fn holds(self, value: Decimal, limit: Decimal) -> bool {
        match self {
            Op::Lt => value < limit,
            Op::Le => value <= limit,
            Op::Gt => value > limit,
            Op::Ge => value >= limit,
            Op::Eq => value == limit,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
        }
    }
}

/// "the KPI must satisfy OP LIMIT", e.g. `sla_breached<=100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub kpi: KpiName,
    pub op: Op,
    pub limit: Decimal,
}

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub check: Check,
    /// `None`: the KPI has no value now (a mean time with nothing resolved).
    pub value: Option<Decimal>,
    /// A KPI without a value passes: nothing was measured, so nothing is
    /// over (or under) the limit.
    pub pass: bool,
}

impl Check {
    pub fn evaluate(self, k: &Kpis) -> Outcome {
        let value = self.kpi.value(k);
        Outcome {
            check: self,
            value,
            pass: value.is_none_or(|v| self.op.holds(v, self.limit)),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.kpi, self.op.symbol(), self.limit)
    }
}

/// A limit as people write it: `50000`, `50_000`, `97.5`.
pub fn parse_limit(text: &str) -> Option<Decimal> {
    let clean: String = text.trim().chars().filter(|c| *c != '_').collect();
    clean.parse::<Decimal>().ok()
}

impl std::str::FromStr for Check {
    type Err = String;
    fn from_str(expr: &str) -> Result<Self, Self::Err> {
        let form = format!(
            "write NAME OP NUMBER, e.g. 'sla_breached<=100', where OP is one of <, <=, >, >=, == \
             and NAME one of: {}",
            KpiName::all_names()
        );
        let found = expr.char_indices().find_map(|(i, _)| {
            Op::SPELLINGS
                .iter()
                .find(|(s, _)| expr[i..].starts_with(s))
                .map(|(s, op)| (i, s.len(), *op))
        });
        let Some((at, len, op)) = found else {
            return Err(format!("`{expr}` has no comparison; {form}"));
        };
        let kpi: KpiName = expr[..at]
            .parse()
            .map_err(|e| format!("in `{expr}`: {e}"))?;
        let rest = &expr[at + len..];
        let limit = parse_limit(rest)
            .ok_or_else(|| format!("in `{expr}`: `{}` is not a number; {form}", rest.trim()))?;
        Ok(Check { kpi, op, limit })
    }
}

/// One `[[alerts]]` entry: the header marks the KPI while it is above
/// `above` or below `below`; with `bell`, the terminal bell rings when it
/// crosses (once per crossing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub kpi: KpiName,
    pub above: Option<Decimal>,
    pub below: Option<Decimal>,
    pub bell: bool,
}

impl Alert {
    /// `None` when no limit is set or they leave nothing allowed.
    pub fn new(
        kpi: KpiName,
        above: Option<Decimal>,
        below: Option<Decimal>,
        bell: bool,
    ) -> Result<Alert, String> {
        match (above, below) {
            (None, None) => Err(format!(
                "the alert on {kpi} has neither `above` nor `below`; add one, e.g. above = 100"
            )),
            (Some(a), Some(b)) if b > a => Err(format!(
                "the alert on {kpi} has below = {b} greater than above = {a}, so it would always \
                 fire; set below under above"
            )),
            _ => Ok(Alert {
                kpi,
                above,
                below,
                bell,
            }),
        }
    }

    /// The same thresholds as checks that must pass: above 100 is `<= 100`.
    pub fn checks(&self) -> Vec<Check> {
        let above = self.above.map(|limit| Check {
            kpi: self.kpi,
            op: Op::Le,
            limit,
        });
        let below = self.below.map(|limit| Check {
            kpi: self.kpi,
            op: Op::Ge,
            limit,
        });
        above.into_iter().chain(below).collect()
    }

    /// The first limit the KPI is past now, if any.
    pub fn crossed(&self, k: &Kpis) -> Option<Outcome> {
        self.checks()
            .into_iter()
            .map(|c| c.evaluate(k))
            .find(|o| !o.pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn kpis() -> Kpis {
        let mut k = crate::db::kpis::Kpis::empty();
        k.sla_breached = 120;
        k.revenue_at_risk_daily = dec!(45000.50);
        k.sla_compliance_pct = 97.13;
        k.opened_last_7d = 10;
        k.resolved_last_7d = 14;
        k
    }

    #[test]
    fn every_name_parses_back_and_is_unique() {
        for k in KpiName::ALL {
            assert_eq!(k.name().parse::<KpiName>(), Ok(k));
        }
        let mut names: Vec<_> = KpiName::ALL.map(KpiName::name).to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KpiName::ALL.len());
    }

    #[test]
    fn checks_parse_and_evaluate() {
        let k = kpis();
        let cases = [
            ("sla_breached<=100", false),
            ("sla_breached <= 120", true),
            ("sla_breached<120", false),
            ("sla_breached>=120", true),
            ("sla_breached == 120", true),
            ("revenue_at_risk_daily<=50_000", true),
            ("revenue_at_risk_daily>45000.5", false),
            ("sla_compliance_pct>=97.13", true),
            ("backlog_change_7d<0", true),
            // Nothing resolved: no value, which passes.
            ("mean_time_to_resolve_hours<=1", true),
        ];
        for (expr, pass) in cases {
            let check: Check = expr.parse().unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!(check.evaluate(&k).pass, pass, "{expr}");
        }
        assert_eq!(
            "sla_breached<=100".parse::<Check>().unwrap().to_string(),
            "sla_breached<=100"
        );
    }

    #[test]
    fn bad_checks_say_what_is_wrong() {
        for (expr, needle) in [
            ("sla_breachd<=1", "unknown KPI `sla_breachd`"),
            ("sla_breached", "has no comparison"),
            ("sla_breached<=lots", "`lots` is not a number"),
            ("<=5", "unknown KPI ``"),
        ] {
            let e = expr.parse::<Check>().unwrap_err();
            assert!(e.contains(needle), "{expr}: {e}");
        }
        let e = "nope>1".parse::<Check>().unwrap_err();
        assert!(e.contains("sla_breached, sla_breached_deferred"), "{e}");
    }

    #[test]
    fn alerts_fire_outside_their_limits() {
        let k = kpis();
        let above = Alert::new(KpiName::SlaBreached, Some(dec!(100)), None, false).unwrap();
        assert!(above.crossed(&k).is_some());
        let not_yet = Alert::new(KpiName::SlaBreached, Some(dec!(120)), None, false).unwrap();
        assert!(
            not_yet.crossed(&k).is_none(),
            "at the limit is not above it"
        );
        let below = Alert::new(KpiName::SlaCompliancePct, None, Some(dec!(98)), true).unwrap();
        assert_eq!(below.crossed(&k).unwrap().value, Some(dec!(97.13)));
        assert!(Alert::new(KpiName::Blockers, None, None, false).is_err());
        assert_eq!(KpiName::SlaCompliancePct.format_value(dec!(43.2)), "43.20%");
        assert_eq!(KpiName::SlaBreached.format_value(dec!(1234)), "1,234");
        assert_eq!(
            KpiName::MeanTimeToResolveHours.format_value(dec!(295.3)),
            "295.3 h"
        );
        assert_eq!(
            KpiName::ArrTotal.format_value(dec!(13827000)),
            "$13,827,000"
        );
        assert!(Alert::new(KpiName::Blockers, Some(dec!(1)), Some(dec!(5)), false).is_err());
    }
}
