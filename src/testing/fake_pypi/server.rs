//! A small HTTP/1.1 server on loopback that serves a directory laid out like PyPI, with
//! switches for latency and faults and a log of every request.
//!
//! Directory layout (what [`super::FakeIndex::write`] produces):
//!
//! ```text
//! ROOT/simple/<name>/index.json        PEP 691 JSON page
//! ROOT/simple/<name>/index.html        PEP 503 HTML page
//! ROOT/integrity/<name>/<version>/<filename>/provenance
//! ```
//!
//! Page bodies may contain [`BASE_PLACEHOLDER`], replaced by `http://127.0.0.1:<port>` when
//! served, so pages built before the port is known can carry absolute links.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use globset::{Glob, GlobMatcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::dist::normalize_name;

/// Replaced by the server's base URL in every body it serves.
pub const BASE_PLACEHOLDER: &str = "__FAKE_PYPI_BASE__";

/// A fault to inject instead of (or on top of) the normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (and `Retry-After` seconds when given) and a JSON message.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Accept the request and never answer.
    Hang,
    /// Announce the full `Content-Length`, send half the body, close the connection.
    Truncate,
    /// Answer 200 with the normal content type and a body of garbage bytes.
    Garbage,
    /// Answer with the normal body under this content type.
    ContentType(String),
    /// Send the normal answer `chunk` bytes at a time, `interval` apart.
    Trickle { chunk: usize, interval: Duration },
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Close the connection without answering.
    Drop,
    /// Answer `302 Found` with this `Location`.
    Redirect(String),
    /// Answer with exactly this status, content type and body.
    Respond {
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
    /// Answer with this status, content type, extra headers (e.g. `Content-Encoding`) and
    /// body bytes, sent as given.
    RespondWithHeaders {
        status: u16,
        content_type: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
}

/// A fault for requests whose path matches a glob (`*` crosses `/`), optionally only for
/// the first `times` matching requests.
#[derive(Debug, Clone)]
pub struct FaultRule {
    pattern: String,
    matcher: GlobMatcher,
    fault: Fault,
    remaining: Option<u32>,
}

impl FaultRule {
    /// A rule for every request whose path (without query) matches `pattern`.
    pub fn new(pattern: &str, fault: Fault) -> Result<FaultRule, String> {
        let matcher = Glob::new(pattern)
            .map_err(|e| format!("bad fault pattern `{pattern}`: {e}"))?
            .compile_matcher();
        Ok(FaultRule {
            pattern: pattern.to_string(),
            matcher,
            fault,
            remaining: None,
        })
    }

    /// Applies only to the first `n` matching requests, then requests pass through.
    pub fn times(mut self, n: u32) -> FaultRule {
        self.remaining = Some(n);
        self
    }
}

/// One request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The path as requested (percent-encoded, without query).
    pub path: String,
    pub accept: Option<String>,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
    /// The fault applied, if any: `<pattern>: <fault>`.
    pub fault: Option<String>,
    /// The request named an absolute URL (`GET http://host/path`), as clients do through a proxy.
    pub via_proxy: bool,
}

#[derive(Debug, Default)]
struct Config {
    latency: Duration,
    html_only: bool,
    faults: Vec<FaultRule>,
    /// Requests in flight served at most; the others get a 429 (a rate-limiting front).
    capacity: Option<usize>,
}

#[derive(Debug)]
struct State {
    root: PathBuf,
    base: String,
    config: Mutex<Config>,
    log: Mutex<Vec<RequestRecord>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Counts a request in flight until dropped.
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn new(state: &'a State) -> InFlight<'a> {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running fake PyPI. Stops when dropped.
#[derive(Debug)]
pub struct FakePypi {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakePypi {
    /// Serves `root` on `127.0.0.1` at a free port, on a thread of its own (so it works
    /// under any test runtime, or none).
    pub fn start(root: impl Into<PathBuf>) -> std::io::Result<FakePypi> {
        Self::start_on(root, 0)
    }

    /// Serves `root` on `127.0.0.1:port` (`0`: any free port).
    pub fn start_on(root: impl Into<PathBuf>, port: u16) -> std::io::Result<FakePypi> {
        let root = root.into();
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let state = Arc::new(State {
            root,
            base: format!("http://{addr}"),
            config: Mutex::new(Config::default()),
            log: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread_state = state.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("fake-pypi".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(std_listener) else {
                        return;
                    };
                    tokio::select! {
                        _ = accept_loop(listener, thread_state) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime cancels connections still hanging.
                runtime.shutdown_background();
            })?;
        Ok(FakePypi {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.state.base.clone()
    }

    /// `http://127.0.0.1:<port>/simple`.
    pub fn index_url(&self) -> String {
        format!("{}/simple", self.state.base)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The directory served.
    pub fn root(&self) -> &Path {
        &self.state.root
    }

    /// Latency added to every request.
    pub fn set_latency(&self, latency: Duration) {
        self.config().latency = latency;
    }

    /// Answer `429 Too Many Requests` to a request that arrives while `capacity` others are
    /// in flight, as a rate-limiting front does (`None`: no limit).
    pub fn set_capacity(&self, capacity: Option<usize>) {
        self.config().capacity = capacity;
    }

    /// Serve HTML pages even to clients that ask for JSON (an HTML-only index).
    pub fn set_html_only(&self, html_only: bool) {
        self.config().html_only = html_only;
    }

    /// Adds a fault rule; the first matching rule with uses left applies.
    pub fn add_fault(&self, rule: FaultRule) {
        self.config().faults.push(rule);
    }

    pub fn clear_faults(&self) {
        self.config().faults.clear();
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn request_count(&self) -> usize {
        self.state.log.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// Requests whose path matches the glob `pattern`.
    pub fn count_matching(&self, pattern: &str) -> usize {
        let Ok(glob) = Glob::new(pattern) else {
            return 0;
        };
        let matcher = glob.compile_matcher();
        self.requests()
            .iter()
            .filter(|r| matcher.is_match(&r.path))
            .count()
    }

    /// Empties the request log and resets the in-flight high-water mark.
    pub fn clear_log(&self) {
        if let Ok(mut log) = self.state.log.lock() {
            log.clear();
        }
        self.state.max_in_flight.store(0, Ordering::SeqCst);
    }

    /// The most requests that were being answered at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Blocks until the server stops (for `examples/fake_pypi.rs serve`).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn config(&self) -> std::sync::MutexGuard<'_, Config> {
        self.state.config.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for FakePypi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let _ = serve_connection(stream, state).await;
        });
    }
}

struct Request {
    method: String,
    path: String,
    via_proxy: bool,
    accept: Option<String>,
    authorization: Option<String>,
    user_agent: Option<String>,
    close: bool,
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 4);
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_string();
            let target = first.next()?.to_string();
            let version = first.next().unwrap_or("HTTP/1.1").to_string();
            // Absolute-form targets come from clients using this server as an HTTP proxy.
            let (target, via_proxy) = match target
                .strip_prefix("http://")
                .or_else(|| target.strip_prefix("https://"))
            {
                Some(rest) => (rest.find('/').map_or("/", |i| &rest[i..]).to_string(), true),
                None => (target, false),
            };
            let mut request = Request {
                method,
                via_proxy,
                path: target.split('?').next().unwrap_or("").to_string(),
                accept: None,
                authorization: None,
                user_agent: None,
                close: version == "HTTP/1.0",
            };
            for line in lines {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                let value = value.trim().to_string();
                match name.trim().to_ascii_lowercase().as_str() {
                    "accept" => request.accept = Some(value),
                    "authorization" => request.authorization = Some(value),
                    "user-agent" => request.user_agent = Some(value),
                    "connection" if value.eq_ignore_ascii_case("close") => request.close = true,
                    _ => {}
                }
            }
            return Some(request);
        }
        if buffer.len() > 64 * 1024 {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

async fn serve_connection(mut stream: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        let _in_flight = InFlight::new(&state);
        let (latency, fault, html_only) = {
            let mut config = state.config.lock().unwrap_or_else(|e| e.into_inner());
            let mut chosen = None;
            for rule in config.faults.iter_mut() {
                if rule.remaining == Some(0) || !rule.matcher.is_match(&request.path) {
                    continue;
                }
                if let Some(n) = rule.remaining.as_mut() {
                    *n -= 1;
                }
                chosen = Some((rule.pattern.clone(), rule.fault.clone()));
                break;
            }
            let over = config
                .capacity
                .is_some_and(|capacity| state.in_flight.load(Ordering::SeqCst) > capacity);
            if over && chosen.is_none() {
                let fault = Fault::Status {
                    status: 429,
                    retry_after: None,
                };
                chosen = Some(("(over capacity)".to_string(), fault));
            }
            (config.latency, chosen, config.html_only)
        };
        if let Ok(mut log) = state.log.lock() {
            log.push(RequestRecord {
                method: request.method.clone(),
                path: request.path.clone(),
                accept: request.accept.clone(),
                authorization: request.authorization.clone(),
                user_agent: request.user_agent.clone(),
                fault: fault
                    .as_ref()
                    .map(|(pattern, f)| format!("{pattern}: {f:?}")),
                via_proxy: request.via_proxy,
            });
        }
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let response = answer(&state, &request, html_only);
        let keep_open = match fault.map(|(_, f)| f) {
            None => {
                write_response(&mut stream, &response, None).await?;
                true
            }
            Some(Fault::Latency(extra)) => {
                tokio::time::sleep(extra).await;
                write_response(&mut stream, &response, None).await?;
                true
            }
            Some(Fault::Status {
                status,
                retry_after,
            }) => {
                let mut faulty = Response::json(
                    status,
                    format!("{{\"message\": \"injected HTTP {status}\"}}"),
                );
                if let Some(seconds) = retry_after {
                    faulty
                        .headers
                        .push(("Retry-After".into(), seconds.to_string()));
                }
                write_response(&mut stream, &faulty, None).await?;
                true
            }
            Some(Fault::Hang) => {
                std::future::pending::<()>().await;
                false
            }
            Some(Fault::Drop) => false,
            Some(Fault::Truncate) => {
                let head = response_head(&response, response.body.len());
                stream.write_all(head.as_bytes()).await?;
                stream
                    .write_all(&response.body[..response.body.len() / 2])
                    .await?;
                stream.flush().await?;
                false
            }
            Some(Fault::Garbage) => {
                let garbage = Response {
                    status: 200,
                    content_type: response.content_type.clone(),
                    headers: Vec::new(),
                    body: b"\x00\xff\xfe<<garbage>> {\"files\": [ \x01\x02".to_vec(),
                };
                write_response(&mut stream, &garbage, None).await?;
                true
            }
            Some(Fault::ContentType(content_type)) => {
                let wrong = Response {
                    content_type,
                    ..response
                };
                write_response(&mut stream, &wrong, None).await?;
                true
            }
            Some(Fault::Trickle { chunk, interval }) => {
                write_response(&mut stream, &response, Some((chunk.max(1), interval))).await?;
                true
            }
            Some(Fault::Redirect(location)) => {
                let mut redirect = Response::redirect(location);
                redirect.status = 302;
                write_response(&mut stream, &redirect, None).await?;
                true
            }
            Some(Fault::Respond {
                status,
                content_type,
                body,
            }) => {
                let custom = Response {
                    status,
                    content_type,
                    headers: Vec::new(),
                    body,
                };
                write_response(&mut stream, &custom, None).await?;
                true
            }
            Some(Fault::RespondWithHeaders {
                status,
                content_type,
                headers,
                body,
            }) => {
                let custom = Response {
                    status,
                    content_type,
                    headers,
                    body,
                };
                write_response(&mut stream, &custom, None).await?;
                true
            }
        };
        if !keep_open || request.close {
            break;
        }
    }
    let _ = stream.shutdown().await;
    Ok(())
}

struct Response {
    status: u16,
    content_type: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "application/json".into(),
            headers: Vec::new(),
            body: body.into_bytes(),
        }
    }

    fn not_found() -> Response {
        Response {
            status: 404,
            content_type: "text/html".into(),
            headers: Vec::new(),
            body: b"<html><body><h1>404 Not Found</h1></body></html>".to_vec(),
        }
    }

    fn redirect(location: String) -> Response {
        Response {
            status: 301,
            content_type: "text/plain".into(),
            headers: vec![("Location".into(), location)],
            body: Vec::new(),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        403 => "Forbidden",
        404 => "Not Found",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn response_head(response: &Response, content_length: usize) -> String {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {content_length}\r\nServer: fake-pypi\r\n",
        response.status,
        reason(response.status),
        response.content_type
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head
}

async fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    trickle: Option<(usize, Duration)>,
) -> std::io::Result<()> {
    let mut bytes = response_head(response, response.body.len()).into_bytes();
    bytes.extend_from_slice(&response.body);
    match trickle {
        None => stream.write_all(&bytes).await?,
        Some((chunk, interval)) => {
            for piece in bytes.chunks(chunk) {
                stream.write_all(piece).await?;
                stream.flush().await?;
                tokio::time::sleep(interval).await;
            }
        }
    }
    stream.flush().await
}

/// A segment that may be joined to a directory path without escaping it.
fn safe(segment: &str) -> bool {
    !segment.is_empty() && segment != "." && segment != ".." && !segment.contains(['/', '\\', '\0'])
}

fn accepts(accept: Option<&str>, media: &str) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|part| {
            let part = part.trim();
            let media_part = part.split(';').next().unwrap_or("").trim();
            let refused = part.split(';').skip(1).any(|p| p.trim() == "q=0");
            media_part.eq_ignore_ascii_case(media) && !refused
        })
    })
}

fn answer(state: &State, request: &Request, html_only: bool) -> Response {
    if request.method != "GET" {
        return Response::json(405, "{\"message\": \"Method not allowed\"}".into());
    }
    let raw_segments: Vec<&str> = request.path.split('/').skip(1).collect();
    let segments: Vec<String> = raw_segments
        .iter()
        .map(|s| crate::url::percent_decode(s))
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["simple", ""] | ["simple"] => project_list(state),
        ["simple", name] if !name.is_empty() => {
            Response::redirect(format!("/simple/{}/", normalize_name(name)))
        }
        ["simple", name, ""] if safe(name) => {
            let normalized = normalize_name(name);
            if normalized != *name {
                return Response::redirect(format!("/simple/{normalized}/"));
            }
            project_page(state, &normalized, request.accept.as_deref(), html_only)
        }
        ["integrity", name, version, filename, "provenance"]
            if safe(name) && safe(version) && safe(filename) =>
        {
            let accept = request.accept.as_deref();
            let acceptable = accept.is_none()
                || accepts(accept, "application/vnd.pypi.integrity.v1+json")
                || accepts(accept, "application/json")
                || accepts(accept, "*/*")
                || accepts(accept, "application/*");
            if !acceptable {
                return Response::json(406, "{\"message\": \"Request not acceptable\"}".into());
            }
            let path = state
                .root
                .join("integrity")
                .join(name)
                .join(version)
                .join(filename)
                .join("provenance");
            match std::fs::read(&path) {
                Ok(body) => Response {
                    status: 200,
                    content_type: "application/vnd.pypi.integrity.v1+json".into(),
                    headers: vec![("Cache-Control".into(), "max-age=600, public".into())],
                    body: substitute(state, body),
                },
                Err(_) => Response::json(
                    404,
                    serde_json::json!({ "message": format!("No provenance available for {filename}") })
                        .to_string(),
                ),
            }
        }
        _ => Response::not_found(),
    }
}

fn project_page(state: &State, name: &str, accept: Option<&str>, html_only: bool) -> Response {
    let dir = state.root.join("simple").join(name);
    let json = dir.join("index.json");
    let html = dir.join("index.html");
    let wants_json = accepts(accept, "application/vnd.pypi.simple.v1+json") && !html_only;
    if wants_json {
        if let Ok(body) = std::fs::read(&json) {
            return Response {
                status: 200,
                content_type: "application/vnd.pypi.simple.v1+json".into(),
                headers: vec![("Cache-Control".into(), "max-age=600, public".into())],
                body: substitute(state, body),
            };
        }
    }
    match std::fs::read(&html) {
        Ok(body) => Response {
            status: 200,
            content_type: if accepts(accept, "application/vnd.pypi.simple.v1+html") {
                "application/vnd.pypi.simple.v1+html".into()
            } else {
                "text/html".into()
            },
            headers: vec![("Cache-Control".into(), "max-age=600, public".into())],
            body: substitute(state, body),
        },
        Err(_) => Response::not_found(),
    }
}

fn project_list(state: &State) -> Response {
    let mut names: Vec<String> = std::fs::read_dir(state.root.join("simple"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut body = String::from(
        "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.4\"></head><body>\n",
    );
    for name in names {
        body.push_str(&format!("<a href=\"/simple/{name}/\">{name}</a>\n"));
    }
    body.push_str("</body></html>\n");
    Response {
        status: 200,
        content_type: "text/html".into(),
        headers: Vec::new(),
        body: body.into_bytes(),
    }
}

fn substitute(state: &State, body: Vec<u8>) -> Vec<u8> {
    let placeholder = BASE_PLACEHOLDER.as_bytes();
    if !body.windows(placeholder.len()).any(|w| w == placeholder) {
        return body;
    }
    String::from_utf8_lossy(&body)
        .replace(BASE_PLACEHOLDER, &state.base)
        .into_bytes()
}
