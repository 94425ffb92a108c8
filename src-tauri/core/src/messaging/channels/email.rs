//! The agent's mailbox (SPEC §12): IMAP to read it, SMTP submission to write from it. Like the
//! other clients it never touches the database: the reader hands raw messages to the inbox
//! (`messaging::mailbox`), a send turns what the server said into a [`SendOutcome`].
//!
//! Reading opens the folder read-only (`EXAMINE`), lists the UIDs after the last one taken and
//! fetches them with `BODY.PEEK[]`: nothing is marked read, deleted or moved. TLS is rustls
//! (ring, the roots reqwest trusts); `none` is allowed only for this machine and is checked
//! where the settings are saved (`config::validate`).
//!
//! No error text leaves this module with the password in it: the password is only ever given
//! to `LOGIN`/`AUTH`, and the texts below name the host and what failed.

use super::{Identity, SendOutcome, Effect, CONNECT_TIMEOUT, REQUEST_TIMEOUT};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

mod security {
    crate::model::text_enum!(
        /// How a connection to a mail server is protected: TLS from the first byte (993, 465),
        /// STARTTLS after the greeting (143, 587), or not at all (only to this machine).
        Security { Tls = "tls", Starttls = "starttls", None = "none" }
    );
}
pub use security::Security;

impl Security {
    pub fn imap_port(self) -> u16 {
        match self {
            Security::Tls => 993,
            Security::Starttls | Security::None => 143,
        }
    }

    pub fn smtp_port(self) -> u16 {
        match self {
            Security::Tls => 465,
            Security::Starttls | Security::None => 587,
        }
    }
}

/// One server: where it is and how the connection is protected.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Messages fetched per `UID FETCH`.
pub const FETCH_BATCH: usize = 100;
/// How long one batch of messages may take to arrive (a batch may hold a 30 MB message).
const FETCH_TIMEOUT: Duration = Duration::from_secs(180);

/// Why talking to a mail server failed.
#[derive(Debug, Clone, PartialEq)]
pub enum MailFault {
    /// The server could not be reached (refused, no route, no name, timed out before login).
    Offline(String),
    /// The server refused the username or password: the channel needs the agent.
    Auth(String),
    /// Anything else (a TLS certificate refused, the folder missing, a broken answer).
    Other(String),
}

impl MailFault {
    pub fn text(&self) -> &str {
        match self {
            MailFault::Offline(t) | MailFault::Auth(t) | MailFault::Other(t) => t,
        }
    }
}

/// A configured account: both servers, the login and the sender.
#[derive(Clone)]
pub struct EmailClient {
    pub imap: Endpoint,
    pub smtp: Endpoint,
    username: String,
    password: String,
    /// The address mail is sent from.
    pub from: String,
    pub folder: String,
}

impl std::fmt::Debug for EmailClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailClient").field("imap", &self.imap).field("smtp", &self.smtp).field("from", &self.from).finish_non_exhaustive()
    }
}

/// One message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct OutMail {
    pub to: String,
    /// The sender's display name (the agent's), beside the account's address.
    pub from_name: Option<String>,
    pub subject: String,
    pub body: String,
    /// `<…@domain>`, with its angle brackets.
    pub message_id: String,
    /// The lead's message this one answers, `<…>`.
    pub in_reply_to: Option<String>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}
type Session = async_imap::Session<Box<dyn Io>>;

/// An open folder, read-only.
pub struct Folder {
    session: Session,
    pub uid_validity: u32,
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

async fn tls_wrap(tcp: TcpStream, host: &str) -> Result<Box<dyn Io>, MailFault> {
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| MailFault::Other(format!("'{host}' is not a host name TLS can check")))?;
    let tls = tokio::time::timeout(CONNECT_TIMEOUT, tokio_rustls::TlsConnector::from(tls_config()).connect(name, tcp))
        .await
        .map_err(|_| MailFault::Offline(format!("{host}: the TLS handshake timed out")))?
        .map_err(|e| MailFault::Other(format!("{host}: TLS failed: {e}")))?;
    Ok(Box::new(tls))
}

fn io_fault(at: &Endpoint, e: &std::io::Error) -> MailFault {
    MailFault::Offline(format!("cannot reach {at}: {e}"))
}

fn imap_fault(at: &Endpoint, e: async_imap::error::Error) -> MailFault {
    match e {
        async_imap::error::Error::Io(io) => io_fault(at, &io),
        async_imap::error::Error::ConnectionLost => MailFault::Offline(format!("{at} closed the connection")),
        other => MailFault::Other(format!("{at}: {other}")),
    }
}

async fn within<T>(what: &Endpoint, limit: Duration, f: impl std::future::Future<Output = Result<T, MailFault>>) -> Result<T, MailFault> {
    tokio::time::timeout(limit, f).await.map_err(|_| MailFault::Offline(format!("{what} did not answer in {} s", limit.as_secs())))?
}

impl EmailClient {
    pub fn new(imap: Endpoint, smtp: Endpoint, username: &str, password: &str, from: &str, folder: &str) -> EmailClient {
        EmailClient { imap, smtp, username: username.into(), password: password.into(), from: from.into(), folder: folder.into() }
    }

    /// Logs in to the IMAP server.
    async fn imap_login(&self) -> Result<Session, MailFault> {
        let at = &self.imap;
        within(at, REQUEST_TIMEOUT, async {
            let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((at.host.as_str(), at.port)))
                .await
                .map_err(|_| MailFault::Offline(format!("cannot reach {at}: timed out")))?
                .map_err(|e| io_fault(at, &e))?;
            let stream: Box<dyn Io> = match at.security {
                Security::Tls => tls_wrap(tcp, &at.host).await?,
                Security::None => Box::new(tcp),
                Security::Starttls => {
                    let mut plain = async_imap::Client::new(tcp);
                    greeting(at, &mut plain).await?;
                    plain.run_command_and_check_ok("STARTTLS", None).await.map_err(|e| imap_fault(at, e))?;
                    tls_wrap(plain.into_inner(), &at.host).await?
                }
            };
            let mut client = async_imap::Client::new(stream);
            if at.security != Security::Starttls {
                greeting(at, &mut client).await?;
            }
            client.login(&self.username, &self.password).await.map_err(|(e, _)| match e {
                async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => {
                    MailFault::Auth(format!("the IMAP server {at} refused the username or password"))
                }
                other => imap_fault(at, other),
            })
        })
        .await
    }

    /// Opens the folder read-only (`EXAMINE`: nothing in it can change) and tells its
    /// UIDVALIDITY.
    pub async fn open_folder(&self) -> Result<Folder, MailFault> {
        let mut session = self.imap_login().await?;
        let at = &self.imap;
        let mailbox = within(at, REQUEST_TIMEOUT, async { session.examine(&self.folder).await.map_err(|e| imap_fault(at, e)) })
            .await
            .map_err(|f| match f {
                MailFault::Other(_) => MailFault::Other(format!("the folder '{}' cannot be opened on {at}", self.folder)),
                other => other,
            })?;
        // A server without UIDVALIDITY gives no stable UIDs; 0 stands for "unknown" and a
        // change from it restarts the reading as any change does.
        Ok(Folder { session, uid_validity: mailbox.uid_validity.unwrap_or(0) })
    }

    /// "Test connection": logs in to both servers and says which refused.
    pub async fn identity(&self) -> Identity {
        let imap = match self.open_folder().await {
            Ok(f) => {
                f.logout().await;
                Ok(())
            }
            Err(e) => Err(e),
        };
        let smtp = self.smtp_test().await;
        match (imap, smtp) {
            (Ok(()), Ok(())) => Identity { ok: true, identity: Some(self.from.clone()), message: None },
            (imap, smtp) => {
                let mut parts = vec![];
                if let Err(e) = &imap {
                    parts.push(format!("reading (IMAP) failed: {}", e.text()));
                }
                if let Err(e) = &smtp {
                    parts.push(format!("sending (SMTP) failed: {}", e.text()));
                }
                Identity { ok: false, identity: None, message: Some(parts.join("; ")) }
            }
        }
    }

    fn transport(&self) -> Result<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, MailFault> {
        use lettre::transport::smtp::client::{Tls, TlsParameters};
        use lettre::transport::smtp::authentication::Credentials;
        let at = &self.smtp;
        let tls = |host: &str| TlsParameters::builder(host.to_string()).build_rustls().map_err(|e| MailFault::Other(format!("{at}: TLS cannot start: {e}")));
        let mode = match at.security {
            Security::Tls => Tls::Wrapper(tls(&at.host)?),
            Security::Starttls => Tls::Required(tls(&at.host)?),
            Security::None => Tls::None,
        };
        Ok(lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(at.host.clone())
            .port(at.port)
            .tls(mode)
            .credentials(Credentials::new(self.username.clone(), self.password.clone()))
            .timeout(Some(REQUEST_TIMEOUT))
            .build())
    }

    /// Connects and logs in to the SMTP server, and says goodbye.
    async fn smtp_test(&self) -> Result<(), MailFault> {
        let t = self.transport()?;
        match t.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(MailFault::Other(format!("{} did not answer as an SMTP server", self.smtp))),
            Err(e) => Err(match smtp_fault(&self.smtp, &e) {
                SendOutcome::NeedsAttention { reason } => MailFault::Auth(reason),
                SendOutcome::Deferred { reason, offline: true, .. } => MailFault::Offline(reason),
                other => MailFault::Other(outcome_text(&other)),
            }),
        }
    }

    /// Sends one plain-text UTF-8 message with its `Message-ID`, `In-Reply-To`/`References`
    /// when it answers the lead, and `List-Unsubscribe` to the account's own address.
    pub async fn send(&self, m: &OutMail) -> SendOutcome {
        use lettre::message::header::{ContentType, HeaderName, HeaderValue};
        use lettre::message::Mailbox;
        let from: Mailbox = match self.from.parse::<lettre::Address>() {
            Ok(a) => Mailbox::new(m.from_name.clone().filter(|n| !n.trim().is_empty()), a),
            Err(_) => return SendOutcome::NeedsAttention { reason: format!("the account's address '{}' is not an email address", self.from) },
        };
        let to: Mailbox = match m.to.parse::<lettre::Address>() {
            Ok(a) => Mailbox::new(None, a),
            Err(_) => return SendOutcome::Failed { reason: format!("'{}' is not an email address", m.to), effect: Some(Effect::Unusable) },
        };
        let mut b = lettre::Message::builder().from(from).to(to).subject(m.subject.clone()).message_id(Some(m.message_id.clone()));
        if let Some(parent) = &m.in_reply_to {
            b = b.in_reply_to(parent.clone()).references(parent.clone());
        }
        let mut msg = match b.header(ContentType::TEXT_PLAIN).body(m.body.clone()) {
            Ok(msg) => msg,
            Err(e) => return SendOutcome::Failed { reason: format!("the message cannot be written: {e}"), effect: None },
        };
        if let Ok(name) = HeaderName::new_from_ascii("List-Unsubscribe".into()) {
            msg.headers_mut().insert_raw(HeaderValue::new(name, format!("<mailto:{}?subject=unsubscribe>", self.from)));
        }
        let t = match self.transport() {
            Ok(t) => t,
            Err(f) => return SendOutcome::NeedsAttention { reason: f.text().to_string() },
        };
        use lettre::AsyncTransport;
        match t.send(msg).await {
            Ok(resp) => {
                let said = resp.message().collect::<Vec<_>>().join(" ");
                let queued_as = said.split_whitespace().last().filter(|_| !said.is_empty()).unwrap_or("").to_string();
                SendOutcome::Sent { provider_id: if queued_as.is_empty() { m.message_id.clone() } else { format!("{} {queued_as}", m.message_id) } }
            }
            Err(e) => smtp_fault(&self.smtp, &e),
        }
    }
}

impl Folder {
    /// The UIDs after `last`, in order. (`UID SEARCH UID n:*` names the highest UID even when
    /// it is below `n`: that one is left out.)
    pub async fn uids_after(&mut self, last: u32) -> Result<Vec<u32>, MailFault> {
        let at = Endpoint { host: "IMAP".into(), port: 0, security: Security::None };
        let found = tokio::time::timeout(REQUEST_TIMEOUT, self.session.uid_search(format!("UID {}:*", last.saturating_add(1))))
            .await
            .map_err(|_| MailFault::Offline("the IMAP server did not answer the search".into()))?
            .map_err(|e| imap_fault(&at, e))?;
        let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > last).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The raw messages of `uids` (`BODY.PEEK[]`: their `\Seen` flag untouched), in UID
    /// order. A UID the server no longer has (expunged meanwhile) is left out.
    pub async fn fetch(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, MailFault> {
        if uids.is_empty() {
            return Ok(vec![]);
        }
        let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let at = Endpoint { host: "IMAP".into(), port: 0, security: Security::None };
        let fetched = tokio::time::timeout(FETCH_TIMEOUT, async {
            let mut stream = self.session.uid_fetch(&set, "(UID BODY.PEEK[])").await.map_err(|e| imap_fault(&at, e))?;
            let mut out = vec![];
            while let Some(item) = stream.next().await {
                let f = item.map_err(|e| imap_fault(&at, e))?;
                if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                    out.push((uid, body.to_vec()));
                }
            }
            Ok::<_, MailFault>(out)
        })
        .await
        .map_err(|_| MailFault::Offline(format!("the IMAP server did not send {} messages in {} s", uids.len(), FETCH_TIMEOUT.as_secs())))??;
        let mut fetched = fetched;
        fetched.sort_by_key(|(u, _)| *u);
        fetched.dedup_by_key(|(u, _)| *u);
        Ok(fetched)
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}

async fn greeting<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug>(at: &Endpoint, c: &mut async_imap::Client<T>) -> Result<(), MailFault> {
    match c.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(MailFault::Offline(format!("{at} closed the connection before greeting"))),
        Err(e) => Err(io_fault(at, &e)),
    }
}

/// What an SMTP error means for the message: not reached → deferred (offline); 4xx →
/// deferred; the login refused → the channel needs the agent; the recipient refused (550,
/// 551, 553) → failed, the address unusable; other 5xx → failed; a connection lost after the
/// message may have left → unknown.
fn smtp_fault(at: &Endpoint, e: &lettre::transport::smtp::Error) -> SendOutcome {
    let text = e.to_string();
    if let Some(code) = e.status() {
        let n: u16 = code.to_string().parse().unwrap_or(0);
        let said = format!("{at} answered {n}: {}", text.trim());
        return match n {
            530 | 534 | 535 | 538 | 454 => SendOutcome::NeedsAttention { reason: format!("the SMTP server {at} refused the username or password ({n})") },
            400..=499 => SendOutcome::Deferred { reason: said, retry_after: None, offline: false },
            550 | 551 | 553 => SendOutcome::Failed { reason: format!("the recipient was refused: {said}"), effect: Some(Effect::Unusable) },
            _ => SendOutcome::Failed { reason: said, effect: None },
        };
    }
    if e.is_tls() {
        return SendOutcome::NeedsAttention { reason: format!("{at}: TLS failed: {text}") };
    }
    // Refused, no route, no such host: nothing left.
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(io.kind(), ConnectionRefused | NotFound | AddrNotAvailable | HostUnreachable | NetworkUnreachable | NetworkDown) {
                return SendOutcome::Deferred { reason: format!("offline: cannot reach {at}: {io}"), retry_after: None, offline: true };
            }
        }
        source = s.source();
    }
    // lettre's connection errors all come before the first command: nothing left.
    if text.starts_with("Connection error") {
        return SendOutcome::Deferred { reason: format!("offline: cannot reach {at}: {text}"), retry_after: None, offline: true };
    }
    SendOutcome::Unknown { reason: format!("no answer from {at}: {text}") }
}

fn outcome_text(o: &SendOutcome) -> String {
    match o {
        SendOutcome::Failed { reason, .. } | SendOutcome::Deferred { reason, .. } | SendOutcome::NeedsAttention { reason } | SendOutcome::OutsideWindow { reason } | SendOutcome::Unknown { reason } => reason.clone(),
        SendOutcome::Sent { provider_id } => provider_id.clone(),
    }
}
