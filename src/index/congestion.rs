//! Adaptive concurrency for the HTTP client: `--concurrency` is a ceiling, not a target.
//! The number of requests in flight starts at the ceiling, is halved when the index
//! signals overload (429, 503, 504, 408, a timeout) and grows back by one for each
//! window of successful requests (additive increase, multiplicative decrease). A burst of
//! overload answers to requests that were already in flight when the limit was cut
//! counts once, so one bad moment does not drive the limit to 1.
//!
//! Changes are said on stderr with `-v` (or when `PUBGATE_LOG=debug` is set).

use std::sync::Mutex;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// The limit on requests in flight.
pub(crate) struct AdaptiveLimit {
    max: usize,
    /// Whether changes of the limit are said on stderr.
    verbose: bool,
    permits: Semaphore,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    limit: usize,
    /// Permits still out that must not come back (the limit was cut below what was in flight).
    debt: usize,
    /// Successes since the limit last grew or was cut.
    successes: usize,
    /// When the limit was last cut: overload signals from requests started before then
    /// belong to the same episode.
    last_cut: Option<Instant>,
}

/// A place in flight; returned (or, after a cut, retired) when dropped.
pub(crate) struct Slot<'a> {
    limit: &'a AdaptiveLimit,
    permit: Option<SemaphorePermit<'a>>,
    pub(crate) started: Instant,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut state = self.limit.lock();
        if state.debt > 0 {
            state.debt -= 1;
            if let Some(permit) = self.permit.take() {
                permit.forget();
            }
        }
    }
}

impl AdaptiveLimit {
    pub(crate) fn new(max: usize, verbose: bool) -> AdaptiveLimit {
        let max = max.max(1);
        AdaptiveLimit {
            max,
            verbose: verbose || debug_enabled(),
            permits: Semaphore::new(max),
            state: Mutex::new(State {
                limit: max,
                debt: 0,
                successes: 0,
                last_cut: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current limit.
    #[cfg(test)]
    pub(crate) fn current(&self) -> usize {
        self.lock().limit
    }

    /// Waits for a place in flight.
    pub(crate) async fn acquire(&self) -> Slot<'_> {
        // The semaphore is never closed.
        let permit = self.permits.acquire().await.ok();
        Slot {
            limit: self,
            permit,
            started: Instant::now(),
        }
    }

    /// A request got an answer: after `limit` of them, one more may be in flight.
    pub(crate) fn succeeded(&self) {
        let mut state = self.lock();
        state.successes += 1;
        if state.limit < self.max && state.successes >= state.limit {
            state.successes = 0;
            state.limit += 1;
            if state.debt > 0 {
                state.debt -= 1;
            } else {
                self.permits.add_permits(1);
            }
            let limit = state.limit;
            drop(state);
            self.say(&format!(
                "the index keeps up: up to {limit} requests in flight"
            ));
        }
    }

    /// The index signalled overload (`why`) to a request that started at `started`.
    /// Returns the new limit when this cut it.
    pub(crate) fn overloaded(&self, started: Instant, why: &str) -> Option<usize> {
        let mut state = self.lock();
        if state.last_cut.is_some_and(|cut| started <= cut) {
            return None;
        }
        state.last_cut = Some(Instant::now());
        state.successes = 0;
        let cut = state.limit - (state.limit / 2).max(1);
        if cut == 0 {
            return None;
        }
        state.limit -= cut;
        let forgotten = self.permits.forget_permits(cut);
        state.debt += cut - forgotten;
        let limit = state.limit;
        drop(state);
        self.say(&format!(
            "{why}: backing off to {limit} request(s) in flight"
        ));
        Some(limit)
    }
}

/// Whether `PUBGATE_LOG=debug` asks for the client's debug lines.
fn debug_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("PUBGATE_LOG").is_ok_and(|v| v.eq_ignore_ascii_case("debug")))
}

impl AdaptiveLimit {
    /// One line on stderr when verbose (text pubgate wrote; the host name is the only
    /// part from the URL, never credentials).
    fn say(&self, line: &str) {
        if self.verbose {
            eprintln!("pubgate: {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn halves_on_overload_once_per_episode_and_grows_back() {
        let limit = AdaptiveLimit::new(8, false);
        let slots: Vec<Slot<'_>> = futures::future::join_all((0..8).map(|_| limit.acquire())).await;
        assert_eq!(limit.permits.available_permits(), 0);
        // All eight were in flight when the first 429 came: one cut, not three.
        assert_eq!(limit.overloaded(slots[0].started, "HTTP 429"), Some(4));
        assert_eq!(limit.overloaded(slots[1].started, "HTTP 429"), None);
        assert_eq!(limit.overloaded(slots[2].started, "HTTP 429"), None);
        drop(slots);
        assert_eq!(
            limit.permits.available_permits(),
            4,
            "four returned, four retired"
        );
        // A request started after the cut is a new episode.
        let slot = limit.acquire().await;
        assert_eq!(limit.overloaded(slot.started, "timeout"), Some(2));
        drop(slot);
        assert_eq!(limit.permits.available_permits(), 2);
        // Two successes at limit 2 make it 3, three more make it 4.
        for _ in 0..5 {
            limit.succeeded();
        }
        assert_eq!(limit.current(), 4);
        assert_eq!(limit.permits.available_permits(), 4);
        // Never above the ceiling, never below one.
        for _ in 0..100 {
            limit.succeeded();
        }
        assert_eq!(limit.current(), 8);
        assert_eq!(limit.permits.available_permits(), 8);
        let one = AdaptiveLimit::new(1, false);
        let slot = one.acquire().await;
        assert_eq!(one.overloaded(slot.started, "HTTP 503"), None);
        assert_eq!(one.current(), 1);
    }
}
