//! Adaptive concurrency for the HTTP client: `--concurrency` is a ceiling, not a target.
//! The number of requests in flight starts at the ceiling, is halved when the index
//! signals overload (429, 503, 504, 408, a timeout) and grows back by one for each
//! window of successful requests (additive increase, multiplicative decrease). A burst of
//! overload answers to requests that were already in flight when the limit was cut
//! counts once, so one bad moment does not drive the limit to 1.
//!
//! The limit at which the index last signalled overload is remembered: growing back to it
//! takes [`PROBE_WINDOWS`] windows instead of one, and an overload right there (a probe
//! that found the same capacity) costs one place, not half. So against an index that takes
//! N requests at once the limit settles just under N instead of see-sawing between N/2
//! and N, and a higher `--concurrency` does not make a run slower.
//!
//! Changes go to the request log (`-v`).

use std::sync::Mutex;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// The limit on requests in flight.
pub(crate) struct AdaptiveLimit {
    max: usize,
    /// Where changes of the limit are reported (`-v`); `None`: nowhere.
    log: Option<super::log::RequestLog>,
    permits: Semaphore,
    /// Slots out right now.
    outstanding: std::sync::atomic::AtomicUsize,
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
    /// The limit at which the index last signalled overload, until the limit grows past it.
    ceiling: Option<usize>,
}

/// Windows of successes before the limit grows back to where the index was overloaded.
const PROBE_WINDOWS: usize = 8;

/// A place in flight; returned (or, after a cut, retired) when dropped.
pub(crate) struct Slot<'a> {
    limit: &'a AdaptiveLimit,
    permit: Option<SemaphorePermit<'a>>,
    pub(crate) started: Instant,
    /// Requests in flight when this one was sent, itself included.
    pub(crate) in_flight: usize,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.limit
            .outstanding
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
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
    pub(crate) fn new(max: usize, log: Option<super::log::RequestLog>) -> AdaptiveLimit {
        let max = max.max(1);
        AdaptiveLimit {
            max,
            log,
            permits: Semaphore::new(max),
            outstanding: std::sync::atomic::AtomicUsize::new(0),
            state: Mutex::new(State {
                limit: max,
                debt: 0,
                successes: 0,
                last_cut: None,
                ceiling: None,
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
        let in_flight = 1 + self
            .outstanding
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Slot {
            limit: self,
            permit,
            started: Instant::now(),
            in_flight,
        }
    }

    /// A request got an answer: after `limit` of them, one more may be in flight.
    pub(crate) fn succeeded(&self) {
        let mut state = self.lock();
        state.successes += 1;
        let probing = state.ceiling.is_some_and(|c| state.limit + 1 >= c);
        let window = if probing {
            state.limit * PROBE_WINDOWS
        } else {
            state.limit
        };
        if state.limit < self.max && state.successes >= window {
            state.successes = 0;
            state.limit += 1;
            if state.ceiling.is_some_and(|c| state.limit > c) {
                state.ceiling = None;
            }
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

    /// Whether `slot`'s request was one too many: the limit has been cut since it was sent,
    /// and more were in flight then than the limit now allows.
    pub(crate) fn was_excess(&self, slot: &Slot<'_>) -> bool {
        let state = self.lock();
        state.last_cut.is_some_and(|cut| slot.started <= cut) && slot.in_flight > state.limit
    }

    /// The index signalled overload (`why`) to a request that started at `started`.
    /// Returns the new limit when this cut it.
    pub(crate) fn overloaded(&self, started: Instant, why: &str) -> Option<usize> {
        let mut state = self.lock();
        if state.last_cut.is_some_and(|cut| started <= cut) {
            return None;
        }
        state.successes = 0;
        let at = state.limit;
        // At the remembered ceiling this was a probe: the capacity is where it was.
        let cut = if state.ceiling.is_some_and(|c| at >= c) {
            usize::from(at > 1)
        } else {
            at - (at / 2).max(1)
        };
        state.ceiling = Some(at);
        if cut == 0 {
            return None;
        }
        state.last_cut = Some(Instant::now());
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

impl AdaptiveLimit {
    /// Reports a change of the limit to the request log, if there is one.
    fn say(&self, change: &str) {
        if let Some(log) = &self.log {
            log.event(&super::log::RequestEvent::Concurrency { change });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn halves_on_overload_once_per_episode_and_grows_back() {
        let limit = AdaptiveLimit::new(8, None);
        let slots: Vec<Slot<'_>> = futures::future::join_all((0..8).map(|_| limit.acquire())).await;
        assert_eq!(limit.permits.available_permits(), 0);
        // All eight were in flight when the first 429 came: one cut, not three.
        assert_eq!(limit.overloaded(slots[0].started, "HTTP 429"), Some(4));
        assert_eq!(limit.overloaded(slots[1].started, "HTTP 429"), None);
        assert_eq!(limit.overloaded(slots[2].started, "HTTP 429"), None);
        // The eighth was sent with eight in flight, more than the four now allowed: its
        // 429 is pubgate's doing (a free retry); the first was sent alone.
        assert!(limit.was_excess(&slots[7]));
        assert!(!limit.was_excess(&slots[0]));
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
        // Two successes at limit 2 make it 3; growing back to 4, where the index was
        // overloaded, takes eight windows (24 successes at 3).
        for _ in 0..2 {
            limit.succeeded();
        }
        assert_eq!(limit.current(), 3);
        for _ in 0..23 {
            limit.succeeded();
        }
        assert_eq!(limit.current(), 3, "probing the ceiling slowly");
        limit.succeeded();
        assert_eq!(limit.current(), 4);
        assert_eq!(limit.permits.available_permits(), 4);
        // An overload at the ceiling again costs one place, not half.
        let slot = limit.acquire().await;
        assert_eq!(limit.overloaded(slot.started, "HTTP 429"), Some(3));
        drop(slot);
        for _ in 0..24 {
            limit.succeeded();
        }
        assert_eq!(limit.current(), 4);
        // Never above the maximum, never below one.
        for _ in 0..200 {
            limit.succeeded();
        }
        assert_eq!(limit.current(), 8);
        assert_eq!(limit.permits.available_permits(), 8);
        let one = AdaptiveLimit::new(1, None);
        let slot = one.acquire().await;
        assert_eq!(one.overloaded(slot.started, "HTTP 503"), None);
        assert_eq!(one.current(), 1);
    }
}
