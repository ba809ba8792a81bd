//! Runs each keyed computation once per run; later and concurrent callers share its result,
//! failures included (a failure is not retried by the next caller either).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

pub(crate) struct SingleFlight<T> {
    cells: Mutex<HashMap<String, Arc<OnceCell<T>>>>,
}

impl<T: Clone> Default for SingleFlight<T> {
    fn default() -> Self {
        SingleFlight {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> SingleFlight<T> {
    /// The result for `key`: computed by the first caller, shared with every other.
    pub(crate) async fn run<F, Fut>(&self, key: String, compute: F) -> T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(key).or_default().clone()
        };
        cell.get_or_init(compute).await.clone()
    }

    /// Drops what is kept for `key`: the next caller computes it again. Callers already
    /// waiting on it still get its result.
    pub(crate) fn forget(&self, key: &str) {
        let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        cells.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn computes_each_key_once_for_concurrent_callers() {
        let flight = SingleFlight::<Result<usize, String>>::default();
        let runs = AtomicUsize::new(0);
        let compute = || async {
            runs.fetch_add(1, Ordering::Relaxed);
            tokio::task::yield_now().await;
            Err::<usize, String>("refused".into())
        };
        let (a, b) = tokio::join!(
            flight.run("k".into(), compute),
            flight.run("k".into(), compute)
        );
        assert_eq!((a, b), (Err("refused".into()), Err("refused".into())));
        assert_eq!(flight.run("k".into(), compute).await, Err("refused".into()));
        assert_eq!(
            runs.load(Ordering::Relaxed),
            1,
            "a failure is shared, not retried"
        );
        let _ = flight.run("other".into(), compute).await;
        assert_eq!(runs.load(Ordering::Relaxed), 2);
    }
}
