//! Portfolio-wide financial totals over projects.

use rust_decimal::Decimal;

use crate::domain::enums::ProjectStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectFinancials {
    pub status: ProjectStatus,
    pub dcf_valuation: Option<Decimal>,
    pub year3_revenue: Option<Decimal>,
    pub monthly_infra_cost: Option<Decimal>,
    pub arr: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortfolioTotals {
    /// Σ dcf_valuation over non-cancelled projects.
    pub valuation: Decimal,
    /// Σ year3_revenue over non-cancelled projects.
    pub year3_revenue_total: Decimal,
    /// Σ monthly_infra_cost over active projects: only they are still running up bills.
    pub monthly_infra_cost: Decimal,
    /// Σ arr over active and shipped projects: the revenue actually recurring
    /// (a deferred project is on hold, a cancelled one is gone).
    pub arr_total: Decimal,
    pub projects_total: i64,
    pub projects_shipped: i64,
}

pub fn portfolio_totals(projects: &[ProjectFinancials]) -> PortfolioTotals {
    portfolio_totals_grouped(projects.iter().map(|p| (p, 1)))
}

/// The same totals from groups of projects: each group's money summed over
/// its `count` projects of one status (e.g. one row per status from SQL), so
/// a thousand projects need not cross the wire. Every rule is a sum by
/// status, so grouping does not change the result.
pub fn portfolio_totals_grouped<'a>(
    groups: impl IntoIterator<Item = (&'a ProjectFinancials, i64)>,
) -> PortfolioTotals {
    let mut totals = PortfolioTotals::default();
    for (p, count) in groups {
        totals.projects_total += count;
        if p.status == ProjectStatus::Shipped {
            totals.projects_shipped += count;
        }
        // Cancelled projects will never realise their value.
        if p.status != ProjectStatus::Cancelled {
            totals.valuation += p.dcf_valuation.unwrap_or_default();
            totals.year3_revenue_total += p.year3_revenue.unwrap_or_default();
        }
        if p.status == ProjectStatus::Active {
            totals.monthly_infra_cost += p.monthly_infra_cost.unwrap_or_default();
        }
        if matches!(p.status, ProjectStatus::Active | ProjectStatus::Shipped) {
            totals.arr_total += p.arr.unwrap_or_default();
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectStatus::*;
    use rust_decimal_macros::dec;

    fn project(status: ProjectStatus, dcf: i64, y3: i64, infra: i64) -> ProjectFinancials {
        ProjectFinancials {
            status,
            dcf_valuation: Some(Decimal::from(dcf)),
            year3_revenue: Some(Decimal::from(y3)),
            monthly_infra_cost: Some(Decimal::from(infra)),
            arr: Some(Decimal::from(infra * 10)),
        }
    }

    #[test]
    fn empty_portfolio_is_all_zero() {
        assert_eq!(portfolio_totals(&[]), PortfolioTotals::default());
    }

    #[test]
    fn each_status_counts_where_it_should() {
        let cases = [
            // status, valuation, year3, infra, arr, shipped
            (Active, dec!(1000), dec!(200), dec!(30), dec!(300), 0),
            (Shipped, dec!(1000), dec!(200), dec!(0), dec!(300), 1),
            (Deferred, dec!(1000), dec!(200), dec!(0), dec!(0), 0),
            (Cancelled, dec!(0), dec!(0), dec!(0), dec!(0), 0),
        ];
        for (status, valuation, year3, infra, arr, shipped) in cases {
            let totals = portfolio_totals(&[project(status, 1000, 200, 30)]);
            assert_eq!(
                totals,
                PortfolioTotals {
                    valuation,
                    year3_revenue_total: year3,
                    monthly_infra_cost: infra,
                    arr_total: arr,
                    projects_total: 1,
                    projects_shipped: shipped,
                },
                "{status}"
            );
        }
    }

    #[test]
    fn mixed_portfolio_with_missing_figures() {
        let projects = [
            project(Active, 1_000_000, 500_000, 1_200),
            ProjectFinancials {
                status: Active,
                dcf_valuation: None,
                year3_revenue: Some(dec!(0.50)),
                monthly_infra_cost: Some(dec!(99.99)),
                arr: Some(dec!(0.25)),
            },
            project(Shipped, 250_000, 80_000, 400),
            project(Shipped, 1, 1, 1),
            project(Deferred, 10, 20, 30),
            project(Cancelled, 9_999_999, 9_999_999, 9_999),
            ProjectFinancials {
                status: Active,
                dcf_valuation: None,
                year3_revenue: None,
                monthly_infra_cost: None,
                arr: None,
            },
        ];
        assert_eq!(
            portfolio_totals(&projects),
            PortfolioTotals {
                valuation: dec!(1_250_011),
                year3_revenue_total: dec!(580_021.50),
                monthly_infra_cost: dec!(1_299.99),
                // 12,000 + 0.25 (active) + 4,000 + 10 (shipped); deferred and
                // cancelled left out.
                arr_total: dec!(16_010.25),
                projects_total: 7,
                projects_shipped: 2,
            }
        );
        // One summed row per status, as the KPI engine reads them (SQL's sum
        // skips NULLs; an all-NULL group sums to NULL), gives the same totals.
        let mut groups: Vec<(ProjectFinancials, i64)> = Vec::new();
        for p in &projects {
            let add = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
            };
            match groups.iter_mut().find(|(g, _)| g.status == p.status) {
                Some((g, n)) => {
                    g.dcf_valuation = add(g.dcf_valuation, p.dcf_valuation);
                    g.year3_revenue = add(g.year3_revenue, p.year3_revenue);
                    g.monthly_infra_cost = add(g.monthly_infra_cost, p.monthly_infra_cost);
                    g.arr = add(g.arr, p.arr);
                    *n += 1;
                }
                None => groups.push((*p, 1)),
            }
        }
        assert_eq!(groups.len(), 4);
        assert_eq!(
            portfolio_totals_grouped(groups.iter().map(|(g, n)| (g, *n))),
            portfolio_totals(&projects)
        );
    }
}
