//! How long to wait before trying an unreachable database again: doubling from
//! 0.5 s to at most 10 s, each wait shortened by a random part of up to a
//! quarter so that many dashboards cut off by the same outage do not all knock
//! at the same instant. Start-up, the reconnect probe (and so the refreshes
//! during an outage) and the listener all follow this one schedule.

use std::time::Duration;

pub const FIRST: Duration = Duration::from_millis(500);
pub const CAP: Duration = Duration::from_secs(10);

/// The wait before retry number `attempt` (0 = the first retry), given a
/// `jitter` in `[0, 1)`: `min(FIRST · 2^attempt, CAP) · (1 − jitter/4)`.
pub fn delay(attempt: u32, jitter: f64) -> Duration {
    let full = FIRST.saturating_mul(1u32 << attempt.min(16)).min(CAP);
    full.mul_f64(1.0 - jitter.clamp(0.0, 1.0) / 4.0)
}

/// The schedule's state for one retry loop.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The next wait (with fresh jitter), moving along the schedule.
    pub fn next_delay(&mut self) -> Duration {
        let d = delay(self.attempt, fastrand::f64());
        self.attempt = self.attempt.saturating_add(1);
        d
    }

    /// Back to the start, once the database has answered.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_half_a_second_to_ten_seconds() {
        let plain: Vec<f64> = (0..8).map(|a| delay(a, 0.0).as_secs_f64()).collect();
        assert_eq!(plain, [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]);
        assert_eq!(
            delay(u32::MAX, 0.0),
            CAP,
            "no overflow however long it lasts"
        );
    }

    #[test]
    fn jitter_shortens_by_at_most_a_quarter() {
        assert_eq!(delay(0, 0.999_999).as_millis(), 375);
        assert_eq!(delay(6, 0.5), Duration::from_millis(8750));
        let mut b = Backoff::default();
        let waits: Vec<Duration> = (0..10).map(|_| b.next_delay()).collect();
        for (a, w) in waits.iter().enumerate() {
            let full = delay(a as u32, 0.0);
            assert!(*w <= full && *w >= full.mul_f64(0.75), "{a}: {w:?}");
        }
        b.reset();
        assert!(b.next_delay() <= FIRST);
    }
}
