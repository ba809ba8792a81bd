//! The request log behind `-v/--verbose`: what the HTTP client did, one event per attempt
//! (the URL without credentials, the answer or the failure, how long it took) and per
//! retry (how long it waits). Off unless [`HttpOptions::log`](super::HttpOptions::log) is
//! set; the client never prints.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::url::CleanUrl;

/// One thing the client did.
#[derive(Debug, Clone, Copy)]
pub enum RequestEvent<'a> {
    /// An attempt got an answer pubgate reads (any status it returns to the caller).
    Answered {
        url: &'a CleanUrl,
        attempt: u32,
        status: u16,
        elapsed: Duration,
    },
    /// An attempt failed; `retry_in` is the wait before the next one, `None` when the
    /// request gives up.
    Failed {
        url: &'a CleanUrl,
        attempt: u32,
        failure: &'a str,
        elapsed: Duration,
        retry_in: Option<Duration>,
    },
    /// The in-flight limit changed: backing off an overloaded index, or growing back
    /// (text pubgate wrote; the host name is the only part of a URL in it).
    Concurrency { change: &'a str },
}

impl fmt::Display for RequestEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestEvent::Answered {
                url,
                attempt,
                status,
                elapsed,
            } => write!(
                f,
                "GET {url} -> {status} in {} ms (attempt {attempt})",
                elapsed.as_millis()
            ),
            RequestEvent::Failed {
                url,
                attempt,
                failure,
                elapsed,
                retry_in,
            } => {
                write!(
                    f,
                    "GET {url} -> {failure} after {} ms (attempt {attempt})",
                    elapsed.as_millis()
                )?;
                match retry_in {
                    Some(wait) => write!(f, "; retrying in {} ms", wait.as_millis()),
                    None => f.write_str("; giving up"),
                }
            }
            RequestEvent::Concurrency { change } => f.write_str(change),
        }
    }
}

/// Where request events go.
#[derive(Clone)]
pub struct RequestLog(Arc<dyn Fn(&RequestEvent<'_>) + Send + Sync>);

impl RequestLog {
    pub fn new(sink: impl Fn(&RequestEvent<'_>) + Send + Sync + 'static) -> RequestLog {
        RequestLog(Arc::new(sink))
    }

    /// Each event as one `pubgate: …` line on stderr.
    #[allow(
        clippy::print_stderr,
        reason = "`--verbose` request log: diagnostics go to stderr"
    )]
    pub fn stderr() -> RequestLog {
        RequestLog::new(|event| eprintln!("pubgate: {event}"))
    }

    pub(crate) fn event(&self, event: &RequestEvent<'_>) {
        (self.0)(event)
    }
}

impl fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestLog")
    }
}
