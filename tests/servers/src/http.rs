//! What the three stand-ins share: an HTTP/1.1 server on 127.0.0.1 running on its own thread
//! and tokio runtime, taken down and brought back up on the same port; the fault injection and
//! the rate limit every provider offers; and request decoding (query strings, forms).

use std::convert::Infallible;
use std::future::{pending, Future};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc as std_mpsc, Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;

/// A request as a provider handler sees it: the body already read in full.
pub(crate) struct Request {
    pub method: Method,
    pub path: String,
    /// The raw query string, without the `?`.
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of the body, lower case, without parameters (`application/json`).
    pub fn content_type(&self) -> String {
        let value = self.header("content-type").unwrap_or("");
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    pub fn query_pairs(&self) -> Vec<(String, String)> {
        decode_form(&self.query)
    }

    /// The body decoded as `application/x-www-form-urlencoded`.
    pub fn form(&self) -> Vec<(String, String)> {
        decode_form(&String::from_utf8_lossy(&self.body))
    }
}

/// A handler's answer: a JSON body with a status, or hanging up without any answer.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
    /// Held this long before answering (or hanging up).
    pub delay: Duration,
    /// Close the connection instead of answering.
    pub hangup: bool,
    /// A body that is not JSON (a proxy's HTML page): its content type and text, sent instead
    /// of `body`.
    pub raw: Option<(String, String)>,
    /// Extra headers (`Retry-After`, a `Content-Type` other than `application/json`).
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body,
            delay: Duration::ZERO,
            hangup: false,
            raw: None,
            headers: Vec::new(),
        }
    }

    /// The same answer with the header `name: value` (it replaces one of the same name).
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// An answer whose body is `text` of `content_type`, not JSON.
    pub fn raw(status: u16, content_type: &str, text: &str) -> Reply {
        let mut reply = Reply::json(status, Value::Null);
        reply.raw = Some((content_type.to_string(), text.to_string()));
        reply
    }
}

/// Fault injection and the overall rate limit, the same for every provider. Each provider keeps
/// one inside its state and consults it on its "send" route only (sendMessage, POST
/// .../messages, POST .../Messages.json).
#[derive(Default)]
pub(crate) struct Common {
    fail_left: usize,
    fail_status: u16,
    fail_body: Value,
    delay: Duration,
    hangups_left: usize,
    /// Successful sends still to be answered with `after_reply` (status, content type, body).
    after_left: usize,
    after_reply: Option<(u16, String, String)>,
    pub rate: Option<Bucket>,
    pub rejected_429: usize,
}

impl Common {
    pub fn fail_next(&mut self, n: usize, status: u16, body: Value) {
        self.fail_left = n;
        self.fail_status = status;
        self.fail_body = body;
    }

    pub fn set_delay(&mut self, delay: Duration) {
        self.delay = delay;
    }

    pub fn drop_after_receive(&mut self, n: usize) {
        self.hangups_left = n;
    }

    pub fn answer_after_receive(&mut self, n: usize, status: u16, content_type: &str, body: &str) {
        self.after_left = n;
        self.after_reply = Some((status, content_type.to_string(), body.to_string()));
    }

    pub fn limit_rate(&mut self, per_second: u32) {
        self.rate = (per_second > 0).then(|| Bucket::new(per_second));
    }

    /// The first step of a send call: the injected answer, while `fail_next` has some left.
    /// It comes before every other check (as a failing front end would) and records nothing.
    pub fn injected_failure(&mut self) -> Option<Reply> {
        if self.fail_left == 0 {
            return None;
        }
        self.fail_left -= 1;
        let mut reply = Reply::json(self.fail_status, self.fail_body.clone());
        reply.delay = self.delay;
        Some(reply)
    }

    /// The last step of a send call: applies `delay`, and for a successful (so recorded) send
    /// turns the answer into a hang-up while `drop_after_receive` has some left.
    pub fn finish(&mut self, mut reply: Reply) -> Reply {
        reply.delay = self.delay;
        if (200..300).contains(&reply.status) && self.hangups_left > 0 {
            self.hangups_left -= 1;
            reply.hangup = true;
        } else if (200..300).contains(&reply.status) && self.after_left > 0 {
            if let Some((status, content_type, body)) = &self.after_reply {
                self.after_left -= 1;
                let delay = reply.delay;
                reply = Reply::raw(*status, content_type, body);
                reply.delay = delay;
            }
        }
        reply
    }

    /// Whole seconds until the overall limit lets one more request through; 0 = now.
    pub fn rate_wait(&mut self) -> u64 {
        self.rate.as_mut().map_or(0, Bucket::wait)
    }

    pub fn rate_take(&mut self) {
        if let Some(bucket) = self.rate.as_mut() {
            bucket.take();
        }
    }
}

/// A token bucket: capacity `per_second`, refilled continuously at `per_second` tokens a second.
pub(crate) struct Bucket {
    per_second: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    pub fn new(per_second: u32) -> Bucket {
        let per_second = f64::from(per_second.max(1));
        Bucket {
            per_second,
            tokens: per_second,
            at: Instant::now(),
        }
    }

    /// Whole seconds until a token is available, rounded up; 0 when one is available now.
    pub fn wait(&mut self) -> u64 {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(self.per_second);
        self.at = now;
        if self.tokens >= 1.0 {
            0
        } else {
            ((1.0 - self.tokens) / self.per_second).ceil().max(1.0) as u64
        }
    }

    pub fn take(&mut self) {
        self.tokens -= 1.0;
    }
}

/// Locks, going on with the data even if a panicking test thread poisoned the lock.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// 32 lower-case hex digits, unique within the process (the first half is a bijection of a
/// counter), otherwise random-looking.
pub(crate) fn unique_hex32() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let salt = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!("{:016x}{:016x}", mix(n), mix(n ^ salt.rotate_left(17)))
}

/// The splitmix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Decodes `a=1&b=x+y%21` (a query string or a form body). Malformed escapes are kept as they
/// are; invalid UTF-8 is replaced.
pub(crate) fn decode_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(hex),
                bytes.get(i + 2).and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encodes a query component (everything but unreserved characters).
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

type Handler = Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

enum Command {
    Down(std_mpsc::Sender<()>),
    Up(std_mpsc::Sender<io::Result<()>>),
}

/// One listening server. Dropping it stops the thread, the runtime and every connection.
pub(crate) struct Server {
    port: u16,
    commands: Option<mpsc::UnboundedSender<Command>>,
    thread: Option<JoinHandle<()>>,
    requests: Arc<AtomicUsize>,
}

impl Server {
    /// Binds an ephemeral port on 127.0.0.1 and serves every request with `handler`.
    pub fn start<H, F>(name: &str, handler: H) -> Server
    where
        H: Fn(Request) -> F + Send + Sync + 'static,
        F: Future<Output = Reply> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |request| Box::pin(handler(request)));
        let requests = Arc::new(AtomicUsize::new(0));
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = std_mpsc::channel();
        let counter = requests.clone();
        let thread = std::thread::Builder::new()
            .name(format!("{name}-test-server"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime for a test server");
                runtime.block_on(run(handler, command_rx, ready_tx, counter));
            })
            .expect("a thread for a test server");
        let port = match ready_rx.recv() {
            Ok(Ok(port)) => port,
            Ok(Err(e)) => panic!("{name} test server: cannot listen on 127.0.0.1: {e}"),
            Err(_) => panic!("{name} test server: its thread stopped before listening"),
        };
        Server {
            port,
            commands: Some(commands),
            thread: Some(thread),
            requests,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Closes the listener and every open connection; returns once they are closed.
    pub fn down(&self) {
        let (ack, done) = std_mpsc::channel();
        if self.send(Command::Down(ack)) {
            let _ = done.recv();
        }
    }

    /// Listens again on the same port.
    pub fn up(&self) {
        let (ack, done) = std_mpsc::channel();
        if self.send(Command::Up(ack)) {
            if let Ok(Err(e)) = done.recv() {
                panic!(
                    "test server: cannot listen again on port {}: {e}",
                    self.port
                );
            }
        }
    }

    fn send(&self, command: Command) -> bool {
        self.commands
            .as_ref()
            .is_some_and(|c| c.send(command).is_ok())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.commands.take(); // the loop ends when its command channel closes
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn bind(port: u16) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    socket.listen(1024)
}

async fn run(
    handler: Handler,
    mut commands: mpsc::UnboundedReceiver<Command>,
    ready: std_mpsc::Sender<io::Result<u16>>,
    requests: Arc<AtomicUsize>,
) {
    let first = bind(0).and_then(|l| Ok((l.local_addr()?.port(), l)));
    let (port, listener) = match first {
        Ok(bound) => bound,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(port));
    let mut listener = Some(listener);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None => break,
                Some(Command::Down(ack)) => {
                    listener = None;
                    connections.abort_all();
                    while connections.join_next().await.is_some() {}
                    let _ = ack.send(());
                }
                Some(Command::Up(ack)) => {
                    let result = match listener {
                        Some(_) => Ok(()),
                        None => bind(port).map(|l| listener = Some(l)),
                    };
                    let _ = ack.send(result);
                }
            },
            accepted = accept(listener.as_ref()) => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve(stream, handler.clone(), requests.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn accept(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => pending().await,
    }
}

/// Serves one connection until the client closes it, or a handler asks to hang up.
async fn serve(stream: TcpStream, handler: Handler, requests: Arc<AtomicUsize>) {
    let hangup = Arc::new(Notify::new());
    let on_request = {
        let hangup = hangup.clone();
        move |request: hyper::Request<hyper::body::Incoming>| {
            requests.fetch_add(1, Ordering::SeqCst);
            let handler = handler.clone();
            let hangup = hangup.clone();
            async move {
                let (parts, body) = request.into_parts();
                let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
                    hangup.notify_one();
                    return pending().await;
                };
                let request = Request {
                    method: parts.method,
                    path: parts.uri.path().to_string(),
                    query: parts.uri.query().unwrap_or("").to_string(),
                    headers: parts.headers,
                    body,
                };
                let reply = handler(request).await;
                if !reply.delay.is_zero() {
                    tokio::time::sleep(reply.delay).await;
                }
                if reply.hangup {
                    hangup.notify_one();
                    return pending().await;
                }
                Ok::<_, Infallible>(response(reply))
            }
        }
    };
    let connection =
        http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(on_request));
    tokio::select! {
        _ = connection => {}
        _ = hangup.notified() => {} // dropping the connection closes the socket, unanswered
    }
}

fn response(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let (content_type, body) = match reply.raw {
        Some((content_type, text)) => (
            HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("text/plain")),
            text.into_bytes(),
        ),
        None => (
            HeaderValue::from_static("application/json"),
            serde_json::to_vec(&reply.body).unwrap_or_default(),
        ),
    };
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    for (name, value) in &reply.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// The methods every stand-in has: address, request count, down/up, fault injection and the
/// overall rate limit. Expects fields `server: Server` and `state: Arc<Mutex<State>>` with
/// `State::common: Common`.
macro_rules! common_api {
    ($provider:ty) => {
        impl $provider {
            /// The port it listens on (kept across `down`/`up`).
            pub fn port(&self) -> u16 {
                self.server.port()
            }

            /// `http://127.0.0.1:PORT`, no trailing slash.
            pub fn base_url(&self) -> String {
                self.server.base_url()
            }

            /// Every HTTP request seen, answered or not.
            pub fn requests(&self) -> usize {
                self.server.requests()
            }

            /// Closes the listener and drops every open connection: clients get connection
            /// refused, and requests in flight get the connection closed unanswered.
            pub fn down(&self) {
                self.server.down()
            }

            /// Listens again on the same port.
            pub fn up(&self) {
                self.server.up()
            }

            /// Answers the next `n` send calls with `status` and `body`, before any other check;
            /// they are not recorded as sent.
            pub fn fail_next(&self, n: usize, status: u16, body: serde_json::Value) {
                $crate::http::lock(&self.state)
                    .common
                    .fail_next(n, status, body)
            }

            /// Holds every send call's answer this long (`Duration::ZERO` = off). A successful
            /// send is recorded when it arrives, before the wait.
            pub fn delay(&self, delay: std::time::Duration) {
                $crate::http::lock(&self.state).common.set_delay(delay)
            }

            /// Records the next `n` successful sends, then closes their connections without
            /// answering: the provider got the message, the client never hears so.
            pub fn drop_after_receive(&self, n: usize) {
                $crate::http::lock(&self.state).common.drop_after_receive(n)
            }

            /// Records the next `n` successful sends, then answers them with `status` and a body
            /// of `content_type` (`text/html` for a proxy's error page, or a JSON text): the
            /// provider took the message, but what came back says otherwise, as a gateway that
            /// timed out waiting for the provider's answer does (a 502 or 504).
            pub fn answer_after_receive(&self, n: usize, status: u16, content_type: &str, body: &str) {
                $crate::http::lock(&self.state)
                    .common
                    .answer_after_receive(n, status, content_type, body)
            }

            /// Overall limit on send calls: a token bucket holding `per_second`, refilled at
            /// `per_second` a second; beyond it the provider's 429. 0 turns it off (the default).
            pub fn limit_rate(&self, per_second: u32) {
                $crate::http::lock(&self.state)
                    .common
                    .limit_rate(per_second)
            }

            /// How many send calls were refused with 429.
            pub fn rejected_429(&self) -> usize {
                $crate::http::lock(&self.state).common.rejected_429
            }
        }
    };
}
pub(crate) use common_api;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_plus_percent_and_bare_keys() {
        let pairs = decode_form(
            "To=%2B971501234567&Body=Hi+there%21&DateSent%3E=2026-03-01&flag&bad=%zz%4",
        );
        assert_eq!(
            pairs,
            vec![
                ("To".into(), "+971501234567".into()),
                ("Body".into(), "Hi there!".into()),
                ("DateSent>".into(), "2026-03-01".into()),
                ("flag".into(), "".into()),
                ("bad".into(), "%zz%4".into()),
            ]
        );
        assert_eq!(decode_form("k=%D8%B9"), vec![("k".into(), "ع".into())]);
    }

    #[test]
    fn components_encode_round_trip() {
        let s = "whatsapp:+971 50&x=ü";
        assert_eq!(encode_component("DateSent>"), "DateSent%3E");
        assert_eq!(
            decode_form(&format!("a={}", encode_component(s))),
            vec![("a".into(), s.into())]
        );
    }

    #[test]
    fn ids_are_unique_hex() {
        let a = unique_hex32();
        let b = unique_hex32();
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }
}
