//! Retry policy and per-account rate limiting, applied by [`Context::send`](crate::Context::send)
//! to every provider call of every connector.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// When and how often a failed provider call is repeated.
///
/// Repeated: 429 and 502/503/504 answers and timeouts — for requests that are safe to repeat
/// (reads, PUT/PATCH/DELETE by id) — and connection failures where the request never reached the
/// provider (for every request, creates included) — and only while the error is temporary
/// ([`Error::is_temporary`](crate::Error::is_temporary)): an answer the connector's `parse_error`
/// calls permanent (a quota used up for the day) is answered at once, never repeated. A
/// `Retry-After` the provider sends is honoured
/// (up to `max_delay`); otherwise the delay grows exponentially from `base_delay`, with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub max_attempts: u32,
    /// First backoff delay.
    pub base_delay: Duration,
    /// Largest single delay.
    pub max_delay: Duration,
    /// Give up retrying once this much time has passed since the first attempt.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_total: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        }
    }

    /// A policy with `max_attempts` attempts and the given base delay.
    pub fn new(max_attempts: u32, base_delay: Duration) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            base_delay,
            ..Default::default()
        }
    }

    /// Sets the largest single delay.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Sets the overall retry budget.
    pub fn max_total(mut self, d: Duration) -> Self {
        self.max_total = d;
        self
    }

    /// The delay before attempt `attempt + 1` (attempt counts from 1), given an optional
    /// provider-requested `retry_after`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(ra) = retry_after {
            return ra.min(self.max_delay);
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        // Full jitter: uniform in [cap/2, cap].
        let half = cap / 2;
        half + cap.mul_f64(rand::random::<f64>() * 0.5)
    }
}

/// A token bucket: at most `capacity` calls per `per`, refilled continuously. Shared (cheap
/// `Clone`) by every call of one linked account, so a burst from one account does not eat
/// another's budget.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    inner: Arc<Mutex<Bucket>>,
    capacity: f64,
    per: Duration,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// At most `capacity` calls per `per`.
    pub fn new(capacity: u32, per: Duration) -> Self {
        let capacity = f64::from(capacity.max(1));
        RateLimiter {
            inner: Arc::new(Mutex::new(Bucket {
                tokens: capacity,
                at: Instant::now(),
            })),
            capacity,
            per,
        }
    }

    /// Waits until a call may be made, then takes one token.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut b = self.inner.lock().await;
                let now = Instant::now();
                let rate = self.capacity / self.per.as_secs_f64();
                b.tokens =
                    (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(self.capacity);
                b.at = now;
                if b.tokens >= 1.0 {
                    b.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - b.tokens) / rate)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Calls that may be made right now without waiting (rounded down).
    pub async fn available(&self) -> u32 {
        let b = self.inner.lock().await;
        let rate = self.capacity / self.per.as_secs_f64();
        let t = (b.tokens + Instant::now().duration_since(b.at).as_secs_f64() * rate)
            .min(self.capacity);
        t as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_honour_retry_after() {
        let p = RetryPolicy::new(5, Duration::from_millis(100)).max_delay(Duration::from_secs(1));
        let d1 = p.delay(1, None);
        assert!(
            d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
            "{d1:?}"
        );
        let d3 = p.delay(3, None);
        assert!(
            d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400),
            "{d3:?}"
        );
        assert!(p.delay(30, None) <= Duration::from_secs(1));
        assert_eq!(
            p.delay(1, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn bucket_limits_rate() {
        let l = RateLimiter::new(10, Duration::from_secs(1));
        let start = Instant::now();
        for _ in 0..30 {
            l.acquire().await;
        }
        // 10 immediately, then 20 more at 10/s.
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(1900) && took <= Duration::from_millis(2100),
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn buckets_are_independent() {
        let a = RateLimiter::new(2, Duration::from_secs(10));
        let b = RateLimiter::new(2, Duration::from_secs(10));
        a.acquire().await;
        a.acquire().await;
        assert_eq!(a.available().await, 0);
        assert_eq!(b.available().await, 2);
    }
}
