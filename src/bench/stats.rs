//! Timing samples and their summary.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct Samples(pub Vec<Duration>);

impl Samples {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    /// The value below which `q` (0..=1) of the samples fall (nearest rank).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let mut v = self.0.clone();
        v.sort_unstable();
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    }

    pub fn p50(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn p95(&self) -> Duration {
        self.quantile(0.95)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Every figure stops sampling after this long (with at least `MIN_SAMPLES`),
/// so a slow baseline at a million rows cannot stretch the run to an hour.
pub const BUDGET: Duration = Duration::from_secs(8);
pub const MIN_SAMPLES: usize = 5;

/// Runs `f` `warmup` times untimed, then up to `n` times timed (see `BUDGET`).
pub async fn time_async<F, Fut, T>(warmup: usize, n: usize, mut f: F) -> Samples
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = T>,
{
    let started = Instant::now();
    for i in 0..warmup {
        std::hint::black_box(f(i).await);
        if started.elapsed() > BUDGET / 4 {
            break;
        }
    }
    let started = Instant::now();
    let mut s = Samples::default();
    for i in 0..n {
        let t = Instant::now();
        std::hint::black_box(f(warmup + i).await);
        s.push(t.elapsed());
        if s.len() >= MIN_SAMPLES && started.elapsed() > BUDGET {
            break;
        }
    }
    s
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_nearest_rank() {
        let s = Samples((1..=100).map(Duration::from_millis).collect());
        assert_eq!(s.p50(), Duration::from_millis(50));
        assert_eq!(s.p95(), Duration::from_millis(95));
        assert_eq!(
            Samples(vec![Duration::from_millis(7)]).p95(),
            Duration::from_millis(7)
        );
        assert_eq!(Samples::default().p50(), Duration::ZERO);
    }
}
