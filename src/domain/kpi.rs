//! KPI maths over counts the database summarises: SLA compliance and mean time
//! to resolve. The counting rules themselves (what is breached, what is within
//! SLA) live in `sla`.

/// SLA compliance as the source product computed it: the share of resolved
/// bugs (shipped or closed, with a resolved date) resolved within their SLA
/// hours, in percent with two decimals; 100 when nothing was resolved (no bug
/// has missed its SLA yet).
pub fn sla_compliance_pct(within: i64, resolved: i64) -> f64 {
    if resolved <= 0 {
        return 100.0;
    }
    let pct = within.clamp(0, resolved) as f64 * 100.0 / resolved as f64;
    (pct * 100.0).round() / 100.0
}

/// Mean hours from creation to resolution, one decimal; `None` when no bug
/// was resolved.
pub fn mean_hours_to_resolve(total_seconds: f64, resolved: i64) -> Option<f64> {
    (resolved > 0).then(|| {
        let hours = total_seconds / resolved as f64 / 3600.0;
        (hours * 10.0).round() / 10.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compliance_is_a_share_of_resolved_bugs_with_two_decimals() {
        let cases = [
            // within, resolved, expected
            (0, 0, 100.0),
            (0, 1, 0.0),
            (1, 1, 100.0),
            (2, 3, 66.67),
            (1, 3, 33.33),
            (199, 200, 99.5),
            (9_712, 10_000, 97.12),
            (999_999, 1_000_000, 100.0), // 99.9999 rounds up
            (999_949, 1_000_000, 99.99),
        ];
        for (within, resolved, expected) in cases {
            assert_eq!(
                sla_compliance_pct(within, resolved),
                expected,
                "{within}/{resolved}"
            );
        }
    }

    #[test]
    fn compliance_never_leaves_0_to_100() {
        // A summary briefly out of step (never expected) cannot show 120%.
        assert_eq!(sla_compliance_pct(5, 4), 100.0);
        assert_eq!(sla_compliance_pct(-1, 4), 0.0);
    }

    #[test]
    fn mean_time_to_resolve_in_hours() {
        assert_eq!(mean_hours_to_resolve(0.0, 0), None);
        assert_eq!(mean_hours_to_resolve(7_200.0, 1), Some(2.0));
        // 4 h and 6 h 30 m → 5.25 h → 5.3 (one decimal).
        assert_eq!(mean_hours_to_resolve(14_400.0 + 23_400.0, 2), Some(5.3));
    }
}
