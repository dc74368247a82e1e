//! Demo bugs and their history, generated in independent chunks so that two cores
//! can work at once and the result is the same whatever the thread count.
//!
//! Each bug gets a lifetime drawn from its severity (critical bugs are fixed in
//! hours, low ones in weeks). If that lifetime has not ended by "now", the bug is
//! still open, at a stage matching how far through it is; otherwise it is shipped
//! or closed. That yields what a real tracker looks like: most of the past year
//! resolved, a long tail of recent open bugs, and some SLA breaches.

use super::rng::{Rng, ordered_uuid};
use super::words::*;
use crate::db::copy_text::Row;
use crate::domain::{BugStatus, Severity, priority_score};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

pub const CHUNK: u64 = 25_000;
const BUG_ID_SPACE: u16 = 0xb001;
const HISTORY_ID_SPACE: u16 = 0xb002;
pub const FIRST_NUMBER: u64 = 1001;

/// What bug generation needs to know about the rest of the demo data.
pub struct Context {
    pub seed: u64,
    pub now: DateTime<Utc>,
    pub users: Vec<Uuid>,
    pub projects: Vec<Uuid>,
}

/// One status change: (from, to, when).
type Step = (BugStatus, BugStatus, DateTime<Utc>);

struct Bug {
    id: Uuid,
    // Read by the consistency tests.
    #[cfg_attr(not(test), allow(dead_code))]
    status: BugStatus,
    #[cfg_attr(not(test), allow(dead_code))]
    created_at: DateTime<Utc>,
    #[cfg_attr(not(test), allow(dead_code))]
    resolved_at: Option<DateTime<Utc>>,
    steps: Vec<Step>,
    assignee: Option<Uuid>,
}

/// COPY text for bugs `[start, end)` and their history rows.
pub fn chunk(ctx: &Context, index: u64, total: u64) -> (String, String) {
    let start = index * CHUNK;
    let end = ((index + 1) * CHUNK).min(total);
    let mut rng = Rng::stream(ctx.seed, index + 1);
    let mut bugs = String::with_capacity(((end - start) * 420) as usize);
    let mut history = String::with_capacity(((end - start) * 330) as usize);
    for n in start..end {
        let bug = generate(&mut rng, ctx, &mut bugs, n);
        for (k, (from, to, at)) in bug.steps.iter().enumerate() {
            Row::new(&mut history)
                .display(ordered_uuid(HISTORY_ID_SPACE, n * 8 + k as u64))
                .display(bug.id)
                .text("status")
                .text(from.as_str())
                .text(to.as_str())
                .opt_display(bug.assignee)
                .time(*at)
                .end();
        }
    }
    (bugs, history)
}

fn generate(rng: &mut Rng, ctx: &Context, out: &mut String, n: u64) -> Bug {
    let now = ctx.now;
    let id = ordered_uuid(BUG_ID_SPACE, n);
    let number = FIRST_NUMBER + n;
    let age_minutes = (rng.unit().powf(1.25) * 365.0 * 1440.0) as i64;
    let created_at = now - Duration::minutes(age_minutes);
    let severity = Severity::ALL[rng.weighted(&[0.05, 0.2, 0.45, 0.3])];
    let median_hours = match severity {
        Severity::Critical => 6.0,
        Severity::High => 40.0,
        Severity::Medium => 120.0,
        Severity::Low => 480.0,
    };
    let never = rng.chance(0.004);
    let life = Duration::minutes((rng.log_normal(median_hours, 1.1) * 60.0).max(10.0) as i64);
    let (status, resolved_at, steps) = lifecycle(rng, created_at, life, never, now);

    let assignee = rng.chance(0.88).then(|| *rng.pick(&ctx.users));
    let creator = *rng.pick(&ctx.users);
    let project = (!ctx.projects.is_empty() && rng.chance(0.97))
        .then(|| ctx.projects[(rng.unit().powi(2) * ctx.projects.len() as f64) as usize]);
    let revenue = revenue_impact(rng, severity);
    let blocker = rng.chance(match severity {
        Severity::Critical => 0.25,
        Severity::High => 0.1,
        Severity::Medium => 0.02,
        Severity::Low => 0.005,
    });
    let estimate = half_hours(rng.log_normal(estimate_median(severity), 0.7));
    let actual = match status {
        BugStatus::Pending | BugStatus::Deferred => None,
        s if s.is_resolved() => Some(half_hours(rng.log_normal(estimate_f(estimate), 0.4))),
        _ => Some(half_hours(rng.log_normal(estimate_f(estimate) * 0.5, 0.5))),
    };
    let title = title(rng, severity);
    let description = description(rng);
    let impact = (matches!(severity, Severity::Critical | Severity::High) || rng.chance(0.3))
        .then(|| *rng.pick(IMPACTS));
    let priority = priority_score(severity, revenue, blocker, created_at, now);
    let sla_hours = severity.sla_hours();
    let updated_at = steps.last().map_or(created_at, |s| s.2);

    Row::new(out)
        .display(id)
        .display(format_args!("BUG-{number}"))
        .text(&title)
        .text(&description)
        .text(severity.as_str())
        .text(status.as_str())
        .opt_display(assignee)
        .opt_display(project)
        .display(sla_hours)
        .opt_text(impact)
        .money(revenue)
        .bool(blocker)
        .display(priority)
        .money(Some(estimate))
        .money(actual)
        .time(created_at)
        .time(updated_at)
        .opt_time(resolved_at)
        .display(creator)
        .display(1 + steps.len())
        .time(created_at + Duration::hours(sla_hours as i64))
        .end();
    Bug {
        id,
        status,
        created_at,
        resolved_at,
        steps,
        assignee,
    }
}

/// The bug's current status, when it was resolved, and the status changes that
/// led there, each dated inside the bug's life so far.
fn lifecycle(
    rng: &mut Rng,
    created: DateTime<Utc>,
    life: Duration,
    never: bool,
    now: DateTime<Utc>,
) -> (BugStatus, Option<DateTime<Utc>>, Vec<Step>) {
    use BugStatus::*;
    let at = |f: f64| created + Duration::seconds((life.num_seconds() as f64 * f) as i64);
    let resolved = created + life;
    if resolved <= now && !never {
        if rng.chance(0.04) {
            return (Closed, Some(resolved), vec![(Pending, Closed, resolved)]);
        }
        let mut steps = vec![
            (Pending, InProgress, at(0.15)),
            (InProgress, Verified, at(0.7)),
            (
                Verified,
                Shipped,
                at(if rng.chance(0.4) { 1.0 } else { 0.9 }),
            ),
        ];
        if steps[2].2 == resolved {
            return (Shipped, Some(resolved), steps);
        }
        steps.push((Shipped, Closed, resolved));
        return (Closed, Some(resolved), steps);
    }
    let elapsed = (now - created).num_seconds() as f64;
    if never || rng.chance(0.08) {
        let when = created + Duration::seconds((elapsed * 0.5) as i64);
        return (Deferred, None, vec![(Pending, Deferred, when)]);
    }
    let progress = elapsed / life.num_seconds().max(1) as f64;
    let mut steps = Vec::new();
    if progress >= 0.3 {
        steps.push((Pending, InProgress, at(0.3)));
    }
    if progress >= 0.8 {
        steps.push((InProgress, Verified, at(0.8)));
    }
    let status = steps.last().map_or(Pending, |s| s.1);
    (status, None, steps)
}

fn revenue_impact(rng: &mut Rng, severity: Severity) -> Option<Decimal> {
    let (p, median) = match severity {
        Severity::Critical => (0.9, 3000.0),
        Severity::High => (0.6, 800.0),
        Severity::Medium => (0.2, 100.0),
        Severity::Low => (0.05, 20.0),
    };
    rng.chance(p)
        .then(|| Decimal::new((rng.log_normal(median, 1.0) * 100.0) as i64, 2))
}

fn estimate_median(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 8.0,
        Severity::High => 6.0,
        Severity::Medium => 4.0,
        Severity::Low => 2.0,
    }
}

fn estimate_f(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(1.0)
}

fn half_hours(h: f64) -> Decimal {
    Decimal::new(((h * 2.0).round() as i64).max(1) * 5, 1)
}

fn title(rng: &mut Rng, severity: Severity) -> String {
    let prefix = match (severity, rng.unit()) {
        (Severity::Critical, x) if x < 0.3 => "🔥 ",
        (_, x) if x < 0.08 => "[Regression] ",
        _ => "",
    };
    format!(
        "{prefix}{} {} {}",
        rng.pick(COMPONENTS),
        rng.pick(PROBLEMS),
        rng.pick(CONTEXTS)
    )
}

fn description(rng: &mut Rng) -> String {
    let n = rng.range(2, 5);
    (0..n)
        .map(|_| *rng.pick(DESCRIPTION_SENTENCES))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx(users: &[Uuid], projects: &[Uuid]) -> Context {
        Context {
            seed: 9,
            now: Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap(),
            users: users.to_vec(),
            projects: projects.to_vec(),
        }
    }

    #[test]
    fn chunks_are_deterministic() {
        let c = ctx(&[Uuid::nil()], &[Uuid::max()]);
        assert_eq!(chunk(&c, 0, 500), chunk(&c, 0, 500));
        let other = Context {
            seed: 10,
            ..ctx(&[Uuid::nil()], &[Uuid::max()])
        };
        assert_ne!(chunk(&c, 0, 500).0, chunk(&other, 0, 500).0);
    }

    #[test]
    fn history_agrees_with_status_and_mostly_resolved() {
        let c = ctx(&[Uuid::nil()], &[Uuid::max()]);
        let mut rng = Rng::new(3);
        let mut open = 0;
        for n in 0..5000 {
            let mut out = String::new();
            let bug = generate(&mut rng, &c, &mut out, n);
            let fields: Vec<&str> = out.trim_end().split('\t').collect();
            assert_eq!(fields.len(), 21, "{out}");
            match bug.steps.last() {
                Some(step) => assert_eq!(step.1, bug.status),
                None => assert_eq!(bug.status, BugStatus::Pending),
            }
            for w in bug.steps.windows(2) {
                assert_eq!(w[0].1, w[1].0, "steps chain");
                assert!(w[0].2 <= w[1].2, "steps in time order");
            }
            for (from, to, at) in &bug.steps {
                assert!(crate::domain::check_transition(*from, *to).is_ok());
                assert!(*at >= bug.created_at && *at <= c.now);
            }
            assert_eq!(bug.resolved_at.is_some(), bug.status.is_resolved());
            open += bug.status.is_open() as u32;
        }
        assert!((100..1500).contains(&open), "open bugs: {open}");
    }
}
