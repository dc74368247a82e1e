//! The benchmark table, as printed and as written to BENCHMARKS.md.

use super::stats::ms;
use super::{Figure, Measure, ScaleReport, Target};
use std::fmt::Write;

fn fmt_ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn p50_p95(m: &Measure) -> String {
    match m {
        Measure::Latency(s) if s.is_empty() => "—".into(),
        Measure::Latency(s) => format!(
            "{} / {} ms (n={})",
            fmt_ms(ms(s.p50())),
            fmt_ms(ms(s.p95())),
            s.len()
        ),
        Measure::Value { value, unit } if *value >= 1_000.0 => {
            format!("{} {unit}", crate::format::count(value.round() as i64))
        }
        Measure::Value { value, unit } => format!("{value:.1} {unit}"),
        Measure::Absent(why) => format!("— ({why})"),
    }
}

/// The number the target is checked against: p95 for latencies, else the value.
fn headline(m: &Measure) -> Option<f64> {
    match m {
        Measure::Latency(s) if !s.is_empty() => Some(ms(s.p95())),
        Measure::Value { value, .. } => Some(*value),
        _ => None,
    }
}

pub fn verdict(f: &Figure) -> &'static str {
    match (f.target, headline(&f.ours)) {
        (Target::Report, _) | (_, None) => "report",
        (Target::P95Ms(limit) | Target::AtMost(limit), Some(v)) if v <= limit => "met",
        (Target::AtLeast(floor), Some(v)) if v >= floor => "met",
        _ => "**MISSED**",
    }
}

fn target_text(t: Target, m: &Measure) -> String {
    let unit = match m {
        Measure::Value { unit, .. } => *unit,
        _ => "ms",
    };
    match t {
        Target::P95Ms(v) => format!("p95 ≤ {} ms", fmt_ms(v)),
        Target::AtMost(v) => format!("≤ {v} {unit}"),
        Target::AtLeast(v) => format!("≥ {} {unit}", crate::format::count(v as i64)),
        Target::Report => "—".into(),
    }
}

/// Ours ÷ baseline: of the p95 for latencies, of the values when both are
/// values in the same unit (so for a rate, above 1× means ours is faster).
fn ratio(f: &Figure) -> String {
    let r = match (&f.ours, &f.baseline) {
        (Measure::Latency(a), Some((_, Measure::Latency(b)))) if !a.is_empty() && !b.is_empty() => {
            ms(a.p95()) / ms(b.p95()).max(1e-9)
        }
        (
            Measure::Value { value: a, unit: ua },
            Some((_, Measure::Value { value: b, unit: ub })),
        ) if ua == ub && *b > 0.0 => a / b,
        _ => return "—".into(),
    };
    if r < 0.1 {
        format!("{r:.3}×")
    } else {
        format!("{r:.2}×")
    }
}

pub fn markdown(scales: &[ScaleReport]) -> String {
    let mut out = String::new();
    for s in scales {
        let _ = writeln!(
            out,
            "\n### {} bugs, {} projects\n",
            crate::format::count(s.bugs as i64),
            s.projects
        );
        let _ = writeln!(
            out,
            "| figure | ours p50 / p95 | baseline p50 / p95 | ours ÷ baseline | target | verdict |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for f in &s.figures {
            let base = f
                .baseline
                .as_ref()
                .map_or("—".to_string(), |(_, m)| p50_p95(m));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                f.name,
                p50_p95(&f.ours),
                base,
                ratio(f),
                target_text(f.target, &f.ours),
                verdict(f)
            );
        }
    }
    out
}

/// What each figure measures and what its baseline is (the same at every scale).
pub fn legend(s: &ScaleReport) -> String {
    let mut out = String::from("\n| figure | how | baseline |\n|---|---|---|\n");
    for f in &s.figures {
        let base = f.baseline.as_ref().map_or("—", |(how, _)| how.as_str());
        let _ = writeln!(out, "| {} | {} | {} |", f.name, f.how, base);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::stats::Samples;
    use std::time::Duration;

    fn fig(p95_ms: u64, target: Target) -> Figure {
        Figure {
            name: "x",
            how: String::new(),
            ours: Measure::Latency(Samples(vec![Duration::from_millis(p95_ms)])),
            baseline: Some((
                "b".into(),
                Measure::Latency(Samples(vec![Duration::from_millis(p95_ms * 4)])),
            )),
            target,
        }
    }

    #[test]
    fn verdicts_and_ratios() {
        assert_eq!(verdict(&fig(5, Target::P95Ms(10.0))), "met");
        assert_eq!(verdict(&fig(15, Target::P95Ms(10.0))), "**MISSED**");
        assert_eq!(verdict(&fig(15, Target::Report)), "report");
        assert_eq!(ratio(&fig(5, Target::Report)), "0.25×");
        let table = markdown(&[ScaleReport {
            bugs: 1000,
            projects: 12,
            figures: vec![fig(5, Target::P95Ms(10.0))],
        }]);
        assert!(
            table.contains(
                "| x | 5.00 / 5.00 ms (n=1) | 20.00 / 20.00 ms (n=1) | 0.25× | p95 ≤ 10.00 ms | met |"
            ),
            "{table}"
        );
    }

    #[test]
    fn rates_compare_as_values_in_the_same_unit() {
        let rate = |v: f64| Measure::Value {
            value: v,
            unit: "rows/s",
        };
        let f = Figure {
            name: "import",
            how: String::new(),
            ours: rate(24_500.0),
            baseline: Some(("loop".into(), rate(4_900.0))),
            target: Target::Report,
        };
        assert_eq!(ratio(&f), "5.00×");
        assert_eq!(p50_p95(&f.ours), "24,500 rows/s");
        let other_unit = Figure {
            baseline: Some((
                "x".into(),
                Measure::Value {
                    value: 1.0,
                    unit: "MB",
                },
            )),
            ..f
        };
        assert_eq!(ratio(&other_unit), "—");
    }
}
