//! The HTTP client: bounded concurrency, per-request and overall deadlines, retries with
//! exponential backoff and jitter (honouring `Retry-After`), streamed size limits, limited
//! redirects (never down to http, never off a plain-http origin), and credentials that are
//! sent but never shown.
//!
//! It knows nothing about PyPI: it fetches one URL and returns its status, content type
//! and body, or a [`FetchError`] (the URL without credentials, and a [`FetchFailure`]).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use tokio::time::Instant;

use bytes::{Bytes, BytesMut};

use super::congestion::AdaptiveLimit;
use super::log::RequestEvent;
use crate::evidence::{Expected, FetchError, FetchFailure};
use crate::url::{CleanUrl, InvalidUrl, SecretUrl, UserInfo};

/// Retries beyond `HttpOptions::retries` for 429 answers to requests sent in excess (see
/// `HttpClient::get`).
const MAX_THROTTLED_RETRIES: u32 = 8;

/// The User-Agent every request carries.
pub const USER_AGENT: &str = concat!(
    "pubgate/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/pubgate/pubgate)"
);

/// Network settings.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Time allowed for one attempt (connect, headers and body).
    pub request_timeout: Duration,
    /// Time allowed for every request of the run, retries and queueing included.
    pub overall_timeout: Duration,
    /// Retries after the first attempt (timeouts, connection errors, 408, 429, 5xx).
    pub retries: u32,
    /// First backoff; doubles each retry, with full jitter.
    pub backoff_base: Duration,
    /// Longest single wait, whether from backoff or from `Retry-After`.
    pub backoff_max: Duration,
    /// Redirects followed per request.
    pub max_redirects: usize,
    /// Where each attempt and retry is reported (`--verbose`); `None`: nowhere.
    pub log: Option<super::log::RequestLog>,
    /// Extra TLS roots and `.netrc` credentials ([`super::network`]).
    pub network: super::network::NetworkSettings,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            concurrency: 16,
            request_timeout: Duration::from_secs(30),
            overall_timeout: Duration::from_secs(300),
            retries: 3,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            max_redirects: 5,
            log: None,
            network: Default::default(),
        }
    }
}

/// A response pubgate accepted: any status the caller then interprets.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
    /// The URL the body came from after redirects, credentials removed.
    pub final_url: CleanUrl,
}

/// Basic-auth credentials for one origin (scheme, host, port).
#[derive(Clone)]
struct Credentials {
    user: String,
    password: Option<String>,
}

/// The shared client of one run.
pub struct HttpClient {
    client: std::sync::OnceLock<Result<reqwest::Client, String>>,
    options: HttpOptions,
    /// Requests in flight: at most `options.concurrency`, fewer while the index is
    /// overloaded.
    limit: AdaptiveLimit,
    deadline: Instant,
    credentials: Mutex<HashMap<String, Credentials>>,
    jitter_seed: std::collections::hash_map::RandomState,
    jitter_counter: AtomicU64,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Splits a URL into the URL without userinfo and the credentials it carried.
pub fn split_credentials(url: &str) -> Result<(CleanUrl, Option<UserInfo>), InvalidUrl> {
    CleanUrl::split(url)
}

/// `scheme://host:port`, the unit credentials are scoped to.
pub fn origin_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

impl HttpClient {
    /// Sets up the client. The underlying connection pool (TLS roots, proxies from
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`) is built on the first request, so a run served
    /// entirely from the cache never pays for it.
    pub fn new(options: HttpOptions) -> HttpClient {
        HttpClient {
            client: std::sync::OnceLock::new(),
            limit: AdaptiveLimit::new(options.concurrency, options.log.clone()),
            deadline: Instant::now() + options.overall_timeout,
            options,
            credentials: Mutex::new(HashMap::new()),
            jitter_seed: Default::default(),
            jitter_counter: AtomicU64::new(0),
        }
    }

    fn client(&self) -> Result<&reqwest::Client, String> {
        self.client
            .get_or_init(|| build_client(&self.options))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Makes the credentials an index URL carries apply to every request to its origin
    /// (its project pages, provenance links and redirects on the same origin).
    pub fn register_index(&self, index: &SecretUrl) {
        if let Ok((url, Some((user, password)))) = split_credentials(index.expose()) {
            if let Ok(mut map) = self.credentials.lock() {
                map.entry(origin_key(&url))
                    .or_insert(Credentials { user, password });
            }
        }
    }

    /// The options this client runs with.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// GETs `url` with `accept`, reading at most `limit` bytes of body (`of` names what is
    /// asked for in the error past it). Any status is returned except those worth retrying
    /// (408, 429, 5xx) once retries are exhausted, and 401/403, which are errors.
    pub async fn get(
        &self,
        url: &str,
        accept: &str,
        limit: usize,
        of: Expected,
    ) -> Result<HttpResponse, FetchError> {
        let (url, inline_credentials) = split_credentials(url)?;
        let err = |failure| FetchError::new(&url, failure);
        if !matches!(url.scheme(), "http" | "https") {
            return Err(err(FetchFailure::Request {
                message: format!("unsupported URL scheme `{}`", url.scheme()),
            }));
        }
        let credentials = match inline_credentials {
            Some((user, password)) => Some(Credentials { user, password }),
            None => self
                .credentials
                .lock()
                .ok()
                .and_then(|map| map.get(&origin_key(&url)).cloned())
                .or_else(|| {
                    let (user, password) = self.options.network.credentials_for(&url)?;
                    Some(Credentials { user, password })
                }),
        };

        let mut attempt: u32 = 0;
        // A 429 to a request sent while pubgate had more in flight than the index takes (the
        // in-flight limit has been cut since it was sent) is pubgate's doing, not the
        // index's: it does not use up `retries`, up to this many.
        let mut throttled: u32 = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let (outcome, too_many) = self
                .attempt(&url, accept, (limit, of), credentials.as_ref())
                .await;
            let log = |failure: &FetchFailure, retry_in: Option<Duration>| {
                self.log(&RequestEvent::Failed {
                    url: &url,
                    attempt,
                    failure: &failure.to_string(),
                    elapsed: started.elapsed(),
                    retry_in,
                })
            };
            let (kind, retry_after) = match outcome {
                Attempt::Done(response) => {
                    self.log(&RequestEvent::Answered {
                        url: &url,
                        attempt,
                        status: response.status,
                        elapsed: started.elapsed(),
                    });
                    return Ok(response);
                }
                Attempt::Fatal(failure) => {
                    log(&failure, None);
                    return Err(err(failure));
                }
                Attempt::Retry { kind, retry_after } => {
                    if too_many && throttled < MAX_THROTTLED_RETRIES {
                        throttled += 1;
                    }
                    if attempt > self.options.retries + throttled {
                        let failure = kind.with_attempts(attempt);
                        log(&failure, None);
                        return Err(err(failure));
                    }
                    (kind, retry_after)
                }
            };
            let wait = match retry_after {
                Some(after) => after.min(self.options.backoff_max),
                None => self.backoff((attempt - throttled).max(1)),
            };
            if Instant::now() + wait >= self.deadline {
                log(&kind.with_attempts(attempt), None);
                return Err(err(self.deadline_passed()));
            }
            log(&kind.with_attempts(attempt), Some(wait));
            tokio::time::sleep(wait).await;
        }
    }

    /// Reports an event to the request log, if there is one.
    fn log(&self, event: &RequestEvent<'_>) {
        if let Some(log) = &self.options.log {
            log.event(event);
        }
    }

    fn deadline_passed(&self) -> FetchFailure {
        FetchFailure::NetworkDeadline {
            limit: self.options.overall_timeout,
        }
    }

    /// Full-jitter exponential backoff for retry number `attempt` (1-based).
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .options
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.options.backoff_max);
        let mut hasher = self.jitter_seed.build_hasher();
        hasher.write_u64(self.jitter_counter.fetch_add(1, Ordering::Relaxed));
        let fraction = (hasher.finish() % 1_000_000) as f64 / 1_000_000.0;
        // Never less than half the ceiling, so retries do not bunch up at zero.
        ceiling.mul_f64(0.5 + fraction / 2.0)
    }

    async fn attempt(
        &self,
        url: &Url,
        accept: &str,
        limit: (usize, Expected),
        credentials: Option<&Credentials>,
    ) -> (Attempt, bool) {
        let Ok(slot) = tokio::time::timeout_at(self.deadline, self.limit.acquire()).await else {
            return (Attempt::Fatal(self.deadline_passed()), false);
        };
        let now = Instant::now();
        if now >= self.deadline {
            return (Attempt::Fatal(self.deadline_passed()), false);
        }
        let budget = self.options.request_timeout.min(self.deadline - now);
        let hit_deadline = budget < self.options.request_timeout;
        let outcome = match tokio::time::timeout(
            budget,
            self.exchange(url, accept, limit, credentials),
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(_) if hit_deadline => Attempt::Fatal(self.deadline_passed()),
            Err(_) => Attempt::Retry {
                kind: RetryKind::Timeout,
                retry_after: None,
            },
        };
        let host = url.host_str().unwrap_or("the index");
        let mut too_many = false;
        match &outcome {
            Attempt::Done(_) => self.limit.succeeded(),
            Attempt::Retry {
                kind: RetryKind::Timeout,
                ..
            } => {
                self.limit
                    .overloaded(slot.started, &format!("a request to `{host}` timed out"));
            }
            Attempt::Retry {
                kind: RetryKind::Status(status @ (408 | 429 | 503 | 504)),
                ..
            } => {
                self.limit
                    .overloaded(slot.started, &format!("HTTP {status} from `{host}`"));
                // Only "too many requests" is about how many were sent; a 503 or 504 says
                // the index is failing, and is retried as many times as ever.
                too_many = *status == 429 && self.limit.was_excess(&slot);
            }
            _ => {}
        }
        drop(slot);
        (outcome, too_many)
    }

    async fn exchange(
        &self,
        url: &Url,
        accept: &str,
        (limit, of): (usize, Expected),
        credentials: Option<&Credentials>,
    ) -> Attempt {
        let client = match self.client() {
            Ok(client) => client,
            Err(message) => return Attempt::Fatal(FetchFailure::Request { message }),
        };
        let mut request = client.get(url.clone()).header(ACCEPT, accept);
        if let Some(c) = credentials {
            request = request.basic_auth(&c.user, c.password.as_ref());
        }
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => return classify_send_error(e),
        };
        let status = response.status();
        let final_url = CleanUrl::from_url(response.url().clone());
        if status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS
            || status.is_server_error()
        {
            return Attempt::Retry {
                kind: RetryKind::Status(status.as_u16()),
                retry_after: retry_after(response.headers()),
            };
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::PROXY_AUTHENTICATION_REQUIRED
        {
            return Attempt::Fatal(FetchFailure::Unauthorized {
                status: status.as_u16(),
            });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Attempt::Fatal(FetchFailure::TooLarge { limit, of });
        }
        // Sized from the announced length (already within the limit; at most 16 MiB up
        // front, so a false announcement reserves little): no doubling, no spare capacity
        // kept with the body.
        let mut body = BytesMut::with_capacity(
            response
                .content_length()
                .map_or(0, |n| n as usize)
                .min(16 * 1024 * 1024),
        );
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Attempt::Fatal(FetchFailure::TooLarge { limit, of });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Attempt::Retry {
                        kind: RetryKind::Body(error_chain(&e.without_url())),
                        retry_after: None,
                    }
                }
            }
        }
        Attempt::Done(HttpResponse {
            status: status.as_u16(),
            content_type,
            body: body.freeze(),
            final_url,
        })
    }
}

/// Why a redirect from `from` to `to` is not followed, if it is not. Never from https down
/// to http; and a plain-http hop only to its own origin (or the same host over https):
/// anyone on the path of a plain-http index could otherwise send pubgate to any host,
/// such as a metadata service or another machine on the runner's network.
pub fn redirect_refusal(previous: &[Url], to: &Url) -> Option<String> {
    let from = previous.last()?;
    if to.scheme() == "http" && previous.iter().any(|u| u.scheme() == "https") {
        return Some("refusing a redirect from https to http".into());
    }
    if from.scheme() == "http" || to.scheme() == "http" {
        let same_origin = origin_key(from) == origin_key(to);
        let upgrade = to.scheme() == "https" && to.host_str() == from.host_str();
        if !same_origin && !upgrade {
            return Some(format!(
                "refusing a redirect from plain http `{}` to another origin `{}`",
                origin_key(from),
                origin_key(to)
            ));
        }
    }
    None
}

fn build_client(options: &HttpOptions) -> Result<reqwest::Client, String> {
    let max_redirects = options.max_redirects;
    let redirect = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max_redirects {
            attempt.error(format!("more than {max_redirects} redirects"))
        } else if let Some(refusal) = redirect_refusal(attempt.previous(), attempt.url()) {
            attempt.error(refusal)
        } else {
            attempt.follow()
        }
    });
    let builder = options.network.apply(reqwest::Client::builder())?;
    builder
        .user_agent(USER_AGENT)
        .redirect(redirect)
        .connect_timeout(options.request_timeout.min(Duration::from_secs(10)))
        .read_timeout(options.request_timeout)
        .pool_max_idle_per_host(options.concurrency.max(1))
        // HTTP/2 is negotiated (ALPN) wherever the index offers it: every request to a host
        // then shares one connection, multiplexed, instead of one connection each.
        .http2_adaptive_window(true)
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {}", e.without_url()))
}

enum Attempt {
    Done(HttpResponse),
    Retry {
        kind: RetryKind,
        retry_after: Option<Duration>,
    },
    Fatal(FetchFailure),
}

enum RetryKind {
    Timeout,
    Connect(String),
    Status(u16),
    Body(String),
}

impl RetryKind {
    fn with_attempts(self, attempts: u32) -> FetchFailure {
        match self {
            RetryKind::Timeout => FetchFailure::Timeout { attempts },
            RetryKind::Connect(message) => FetchFailure::Connection { attempts, message },
            RetryKind::Status(status) => FetchFailure::Status { status, attempts },
            RetryKind::Body(message) => FetchFailure::BrokenBody { attempts, message },
        }
    }
}

fn classify_send_error(e: reqwest::Error) -> Attempt {
    let e = e.without_url();
    if e.is_redirect() {
        return Attempt::Fatal(FetchFailure::Redirect {
            message: error_chain(&e),
        });
    }
    if e.is_timeout() {
        return Attempt::Retry {
            kind: RetryKind::Timeout,
            retry_after: None,
        };
    }
    if e.is_builder() {
        return Attempt::Fatal(FetchFailure::Request {
            message: error_chain(&e),
        });
    }
    Attempt::Retry {
        kind: RetryKind::Connect(error_chain(&e)),
        retry_after: None,
    }
}

/// An error and its sources on one line, with any URL redacted.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    crate::url::redact(&message)
}

/// `Retry-After` in seconds (HTTP dates are rare on indexes and ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A shared handle.
pub type SharedClient = Arc<HttpClient>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_credentials_off_urls() {
        let (url, creds) =
            split_credentials("https://us%40er:to%3Aken@host.example/simple/").unwrap();
        assert_eq!(url.as_str(), "https://host.example/simple/");
        assert_eq!(creds, Some(("us@er".into(), Some("to:ken".into()))));
        let (url, creds) = split_credentials("http://127.0.0.1:8080/simple").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/simple");
        assert_eq!(creds, None);
        let err = split_credentials("https://user:secret@bad host/simple").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let client = HttpClient::new(HttpOptions {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(350),
            ..HttpOptions::default()
        });
        let first = client.backoff(1);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        let third = client.backoff(3);
        assert!(third >= Duration::from_millis(175) && third <= Duration::from_millis(350));
        assert!(client.backoff(30) <= Duration::from_millis(350));
    }

    #[test]
    fn plain_http_redirects_stay_on_their_origin() {
        let url = |u: &str| Url::parse(u).unwrap();
        let refused = |from: &str, to: &str| redirect_refusal(&[url(from)], &url(to));
        assert_eq!(
            refused("http://a.example/simple/x", "http://a.example/simple/x/"),
            None
        );
        assert_eq!(
            refused("http://a.example/x", "https://a.example/x"),
            None,
            "upgrade"
        );
        assert!(refused("http://a.example/x", "http://169.254.169.254/latest").is_some());
        assert!(refused("http://a.example/x", "http://a.example:8080/x").is_some());
        assert!(refused("http://a.example/x", "https://b.example/x").is_some());
        assert!(refused("https://a.example/x", "http://a.example/x").is_some());
        assert_eq!(refused("https://a.example/x", "https://b.example/x"), None);
        // Once a hop was https, nothing goes back to http, even on its origin.
        let chain = [url("http://a.example/x"), url("https://a.example/x")];
        assert!(redirect_refusal(&chain, &url("http://a.example/y")).is_some());
    }

    #[test]
    fn user_agent_names_the_tool_and_repository() {
        assert!(USER_AGENT.starts_with("pubgate/"));
        assert!(USER_AGENT.contains("github.com/pubgate/pubgate"));
    }
}
