//! Demo users and projects: small tables, generated whole.

use super::rng::Rng;
use super::words::*;
use crate::db::copy_text::Row;
use crate::domain::{ProjectStatus, UserRole};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// The demo CTO: a known login for trying edits (`--user cto@example.com`).
pub const DEMO_CTO_EMAIL: &str = "cto@example.com";

pub struct DemoUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: UserRole,
}

pub fn users(rng: &mut Rng, count: u32) -> Vec<DemoUser> {
    let mut out = Vec::with_capacity(count as usize);
    let mut seen = std::collections::HashSet::new();
    for i in 0..count {
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let role = match i {
            0 => UserRole::Cto,
            _ => match rng.weighted(&[0.08, 0.55, 0.22, 0.15]) {
                0 => UserRole::Manager,
                1 => UserRole::Engineer,
                2 => UserRole::SeniorEngineer,
                _ => UserRole::QaEngineer,
            },
        };
        let email = if i == 0 {
            DEMO_CTO_EMAIL.to_string()
        } else {
            let base = format!("{}.{}", ascii_slug(first), ascii_slug(last));
            let mut candidate = format!("{base}@example.com");
            let mut n = 2;
            while !seen.insert(candidate.clone()) {
                candidate = format!("{base}{n}@example.com");
                n += 1;
            }
            candidate
        };
        out.push(DemoUser {
            id: rng.uuid(),
            email,
            name: format!("{first} {last}"),
            role,
        });
    }
    out
}

pub fn users_copy(users: &[DemoUser], now: DateTime<Utc>) -> String {
    let mut s = String::new();
    let created = now - Duration::days(400);
    for u in users {
        Row::new(&mut s)
            .display(u.id)
            .text(&u.email)
            .text(&u.name)
            .text(u.role.as_str())
            .time(created)
            .time(created)
            .end();
    }
    s
}

pub struct DemoProject {
    pub id: Uuid,
    pub status: ProjectStatus,
}

/// Projects as COPY text plus the facts bug generation needs.
pub fn projects(rng: &mut Rng, count: u32, now: DateTime<Utc>) -> (Vec<DemoProject>, String) {
    let mut out = Vec::with_capacity(count as usize);
    let mut s = String::new();
    for i in 0..count {
        let adjective = PROJECT_ADJECTIVES[i as usize % PROJECT_ADJECTIVES.len()];
        // Walks the noun list diagonally so neighbouring projects differ in both
        // words; unique for the first adjectives × nouns projects.
        let n = i as usize;
        let noun = PROJECT_NOUNS[(n / PROJECT_ADJECTIVES.len() + n) % PROJECT_NOUNS.len()];
        let round = i as usize / (PROJECT_ADJECTIVES.len() * PROJECT_NOUNS.len());
        let name = match round {
            0 => format!("{adjective} {noun}"),
            r => format!("{adjective} {noun} {}", r + 1),
        };
        let slug = ascii_slug(&name).replace(' ', "-");
        let status = match rng.weighted(&[0.6, 0.25, 0.1, 0.05]) {
            0 => ProjectStatus::Active,
            1 => ProjectStatus::Shipped,
            2 => ProjectStatus::Deferred,
            _ => ProjectStatus::Cancelled,
        };
        let id = rng.uuid();
        let language = *rng.pick(LANGUAGES);
        let tags: Vec<&str> = (0..rng.range(1, 4)).map(|_| *rng.pick(TAGS)).collect();
        let mut tags = tags;
        tags.sort_unstable();
        tags.dedup();
        let stale_days = match status {
            ProjectStatus::Active => rng.log_normal(3.0, 1.0),
            ProjectStatus::Shipped => rng.log_normal(20.0, 0.8),
            ProjectStatus::Deferred => 60.0 + rng.unit() * 140.0,
            ProjectStatus::Cancelled => 100.0 + rng.unit() * 265.0,
        };
        let last_commit =
            (!rng.chance(0.04)).then(|| now - Duration::minutes((stale_days * 1440.0) as i64));
        let arr = money(rng.log_normal(400_000.0, 1.1), 1000);
        let year1 = money(arr_f(arr) * (0.8 + rng.unit() * 0.6), 1000);
        let year3 = money(arr_f(year1) * (1.8 + rng.unit() * 2.5), 1000);
        let margin = Decimal::new((rng.range(0, 8000) as i64) - 1000, 2);
        let tam = money(rng.log_normal(2.0e9, 1.2), 1_000_000);
        let sam = money(arr_f(tam) * (0.05 + rng.unit() * 0.2), 1_000_000);
        let som = money(arr_f(sam) * (0.01 + rng.unit() * 0.05), 1000);
        let dcf = money(arr_f(year3) * (2.0 + rng.unit() * 6.0), 1000);
        let total_milestones = rng.range(0, 13) as i32;
        let current_milestone = match status {
            ProjectStatus::Shipped => total_milestones,
            _ if total_milestones == 0 => 0,
            _ => rng.range(0, total_milestones as u64 + 1) as i32,
        };
        let infra = money(rng.log_normal(1800.0, 1.0), 1);
        Row::new(&mut s)
            .display(id)
            .text(&name)
            .text(&format!(
                "{name}: {} for {} teams.",
                noun.to_lowercase(),
                tags.join(", ")
            ))
            .text(&format!("https://github.com/acme/{slug}"))
            .opt_text(
                rng.chance(0.6)
                    .then(|| format!("https://{slug}.demo.example.com"))
                    .as_deref(),
            )
            .text(language)
            .words(&tags)
            .display(rng.log_normal(120.0, 1.5) as i64)
            .display(rng.log_normal(15.0, 1.4) as i64)
            .opt_time(last_commit)
            .text(status.as_str())
            .money(Some(arr))
            .money(Some(year1))
            .money(Some(year3))
            .money(Some(Decimal::new(rng.range(0, 50_000) as i64, 2)))
            .money(Some(dcf))
            .money(Some(tam))
            .money(Some(sam))
            .money(Some(som))
            .money(Some(money(arr_f(arr) / 12.0 * rng.unit(), 1)))
            .money(Some(margin))
            .display(rng.range(1, 6))
            .display(rng.range(0, 11))
            .display(current_milestone)
            .display(total_milestones)
            .money(Some(infra))
            .time(now - Duration::days(rng.range(200, 900) as i64))
            .time(now - Duration::days(rng.range(0, 30) as i64))
            .end();
        out.push(DemoProject { id, status });
    }
    (out, s)
}

/// Weekly health snapshots for the last 12 weeks, one row per project and week.
pub fn project_metrics_copy(rng: &mut Rng, projects: &[DemoProject], now: DateTime<Utc>) -> String {
    let mut s = String::new();
    let today = now.date_naive();
    for p in projects {
        let base: f64 = match p.status {
            ProjectStatus::Active => 70.0,
            ProjectStatus::Shipped => 80.0,
            ProjectStatus::Deferred => 45.0,
            ProjectStatus::Cancelled => 25.0,
        };
        let mut loc = rng.log_normal(40_000.0, 1.0) as i64;
        let contributors = rng.range(1, 25) as i64;
        let stack: Vec<&str> = (0..rng.range(1, 4)).map(|_| *rng.pick(LANGUAGES)).collect();
        let mut stack = stack;
        stack.sort_unstable();
        stack.dedup();
        for week in (0..12).rev() {
            let health = (base + rng.normal() * 12.0).clamp(0.0, 100.0) as i64;
            loc += rng.range(0, 2_000) as i64;
            Row::new(&mut s)
                .display(rng.uuid())
                .display(p.id)
                .display(rng.range(0, 120))
                .display(contributors)
                .display(loc)
                .words(&stack)
                .display(health)
                .date(today - Duration::weeks(week))
                .time(now)
                .end();
        }
    }
    s
}

fn arr_f(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

/// Rounds a generated amount to a whole multiple of `step` dollars, as planners do.
fn money(x: f64, step: i64) -> Decimal {
    let whole = ((x / step as f64).round() as i64).max(0) * step;
    Decimal::new(whole, 0).round_dp(2)
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | ' ' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'à' | 'á' | 'â' | 'ä' | 'Å' | 'å' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' | 'ễ' => Some('e'),
            'í' | 'ï' => Some('i'),
            'ó' | 'ö' | 'ø' | 'Ø' | 'ọ' => Some('o'),
            'ú' | 'ü' => Some('u'),
            'ñ' => Some('n'),
            'ş' | 'ṣ' => Some('s'),
            'ı' => Some('i'),
            _ => None,
        })
        .collect::<String>()
        .replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_and_urls_are_unique_and_varied() {
        let now = chrono::Utc::now();
        let (_, text) = projects(&mut Rng::new(1), 1000, now);
        let mut names = std::collections::HashSet::new();
        let mut urls = std::collections::HashSet::new();
        for line in text.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(
                names.insert(cols[1].to_string()),
                "duplicate name {}",
                cols[1]
            );
            assert!(
                urls.insert(cols[3].to_string()),
                "duplicate url {}",
                cols[3]
            );
        }
        let nouns: std::collections::HashSet<&str> = names
            .iter()
            .take(12)
            .filter_map(|n| n.split(' ').nth(1))
            .collect();
        assert!(
            nouns.len() > 1,
            "the first projects should not all share a noun"
        );
    }

    #[test]
    fn emails_are_unique_and_ascii() {
        let users = users(&mut Rng::new(1), 400);
        let mut emails: Vec<&str> = users.iter().map(|u| u.email.as_str()).collect();
        assert!(emails.iter().all(|e| e.is_ascii() && e.contains('@')));
        emails.sort_unstable();
        emails.dedup();
        assert_eq!(emails.len(), 400);
        assert_eq!(users[0].email, DEMO_CTO_EMAIL);
        assert_eq!(users[0].role, UserRole::Cto);
    }
}
