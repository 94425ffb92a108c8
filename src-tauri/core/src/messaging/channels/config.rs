//! Each workspace's channel settings (table `channels`) and the secrets beside them (a
//! [`SecretStore`]): saving them, showing them without the secrets, and building the clients
//! delivery and the inbox use.

use super::email::{EmailClient, Endpoint, Security};
use super::telegram::Telegram;
use super::twilio::Twilio;
use super::whatsapp::WhatsApp;
use super::{base_url, Identity, Provider};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::secrets::SecretStore;
use crate::store::settings::{self, Setting};
use crate::store::Store;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The settings of one provider, as typed (no secret). Every field is optional here; each
/// provider requires its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(rename = "ChannelSettings")]
pub struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    // Telegram
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_username: Option<String>,
    // WhatsApp Cloud
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_template_language: Option<String>,
    /// The language code templates go in to a lead who speaks English, Persian or Arabic
    /// (`en_US`, `fa`, `ar`…); unset: the template's default language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_language_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_language_fa: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_language_ar: Option<String>,
    // Twilio
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp_from: Option<String>,
    // Email (`from` is the address mail goes from)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imap_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imap_port: Option<u16>,
    /// `tls`, `starttls` or `none` (only for this machine); unset: `tls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imap_security: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_security: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The folder read (unset: `INBOX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
}

impl Settings {
    /// These settings with every field `newer` gives laid over them (a given empty value
    /// clears): what `channel set` on the command line changes, keeping what it does not name.
    pub fn overlay(&self, newer: &Settings) -> Settings {
        let pick = |old: &Option<String>, new: &Option<String>| new.clone().or_else(|| old.clone());
        Settings {
            base_url: pick(&self.base_url, &newer.base_url),
            bot_username: pick(&self.bot_username, &newer.bot_username),
            phone_number_id: pick(&self.phone_number_id, &newer.phone_number_id),
            api_version: pick(&self.api_version, &newer.api_version),
            default_template: pick(&self.default_template, &newer.default_template),
            default_template_language: pick(&self.default_template_language, &newer.default_template_language),
            template_language_en: pick(&self.template_language_en, &newer.template_language_en),
            template_language_fa: pick(&self.template_language_fa, &newer.template_language_fa),
            template_language_ar: pick(&self.template_language_ar, &newer.template_language_ar),
            account_sid: pick(&self.account_sid, &newer.account_sid),
            from: pick(&self.from, &newer.from),
            whatsapp_from: pick(&self.whatsapp_from, &newer.whatsapp_from),
            imap_host: pick(&self.imap_host, &newer.imap_host),
            imap_port: newer.imap_port.or(self.imap_port),
            imap_security: pick(&self.imap_security, &newer.imap_security),
            smtp_host: pick(&self.smtp_host, &newer.smtp_host),
            smtp_port: newer.smtp_port.or(self.smtp_port),
            smtp_security: pick(&self.smtp_security, &newer.smtp_security),
            username: pick(&self.username, &newer.username),
            folder: pick(&self.folder, &newer.folder),
        }
    }
}

/// A channel as Settings shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ChannelInfo {
    pub provider: Provider,
    /// `unconfigured`, `untested` (saved, not tried yet), `ok` (a test or a send went
    /// through), `unreachable` (the last test or send could not reach the provider) or
    /// `needs_attention` (the provider refused what was saved).
    #[ts(type = "\"unconfigured\" | \"untested\" | \"ok\" | \"unreachable\" | \"needs_attention\"")]
    pub state: String,
    pub detail: Option<String>,
    pub settings: Option<Settings>,
    pub has_secret: bool,
    /// Whether Leadbook hears replies through it (WhatsApp Cloud: no).
    pub inbound: bool,
    pub checked_at: Option<String>,
    /// A webhook is set on the Telegram bot, so its messages go to that address and not to
    /// Leadbook: the window offers to remove it (`channel_delete_webhook`). Present only when
    /// true, so `channel list` reads as before for every channel without one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub webhook: bool,
}

/// Where the secrets are, for Settings' warning.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SecretStoreInfo {
    pub kind: &'static str,
    pub path: Option<String>,
    pub warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ChannelOverview {
    pub secret_store: SecretStoreInfo,
    pub channels: Vec<ChannelInfo>,
}

/// A stored channel row.
#[derive(Debug, Clone)]
pub struct Row {
    pub settings: Settings,
    pub state: String,
    pub detail: Option<String>,
    pub cursor: Option<String>,
    pub checked_at: Option<String>,
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

fn required(v: &Option<String>, field: &str, what: &str) -> Result<String> {
    clean(v).ok_or_else(|| Error::validation(field, format!("{what} is required")))
}

fn e164(v: &str, field: &str) -> Result<String> {
    let digits = v.strip_prefix('+').unwrap_or("");
    if (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0') {
        Ok(v.to_string())
    } else {
        Err(Error::validation(field, format!("'{v}' is not a number in international form (+971…)")))
    }
}

/// Where requests to a base URL go: scheme, host and port (`https`, `api.telegram.org`, 443).
/// Two base URLs with the same origin reach the same server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

impl Origin {
    /// Whether the host is this machine (127.0.0.0/8, ::1, localhost): nothing sent there
    /// crosses a network, so plain `http://` is acceptable.
    pub fn is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        match host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        }
    }
}

/// The origin of a base URL, if it reads as one.
pub fn origin(url: &str) -> Option<Origin> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(Origin { scheme: u.scheme().to_string(), host: u.host_str()?.to_ascii_lowercase(), port: u.port_or_known_default() })
}

/// A provider's (or the language model's) base URL as typed: an http(s) address whose host can
/// be read, and `https://` unless that host is this machine. Tokens travel in the request (in
/// Telegram's path): over plain http to another machine anyone on the way could read them.
pub fn checked_base_url(typed: Option<&str>, default: &str, field: &str) -> Result<String> {
    // The scheme in any case (HTTPS://…) is the same scheme.
    let typed = typed.map(|t| match t.trim().split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") => format!("{}://{rest}", scheme.to_ascii_lowercase()),
        _ => t.to_string(),
    });
    let url = base_url(typed.as_deref(), default, field)?;
    let Some(o) = origin(&url) else {
        return Err(Error::validation(field, format!("'{url}' is not an http(s) address")));
    };
    if o.scheme != "https" && !o.is_loopback() {
        return Err(Error::validation(field, format!("'{url}' must start with https:// (plain http:// only for this machine: 127.0.0.1, ::1, localhost)")));
    }
    Ok(url)
}

/// Refuses to keep a stored secret when its host changes: the secret was given for `before`
/// and is not sent to `after` until the agent gives it again. `field` names the secret's input
/// (`token`, `auth_token`, `api_key`).
pub fn secret_stays_with_host(before: Option<&str>, after: &str, secret_given: bool, has_stored: bool, field: &str, what: &str) -> Result<()> {
    if secret_given || !has_stored {
        return Ok(());
    }
    let (old, new) = (before.and_then(origin), origin(after));
    if old.is_some() && old == new {
        return Ok(());
    }
    let from = old.map(|o| o.to_string()).unwrap_or_else(|| "its old address".into());
    let to = new.map(|o| o.to_string()).unwrap_or_else(|| after.to_string());
    Err(Error::validation(
        field,
        format!("the address moves from {from} to {to}: give {what} again (the saved one is only ever sent to the host it was given for)"),
    ))
}

/// The base URL a provider's clients use: its own, else the provider's.
fn default_base(provider: Provider) -> &'static str {
    match provider {
        Provider::Telegram => super::telegram::DEFAULT_BASE,
        Provider::Whatsapp => super::whatsapp::DEFAULT_BASE,
        Provider::Twilio => super::twilio::DEFAULT_BASE,
        Provider::Email => "https://localhost",
    }
}

/// Whether `host` is this machine (127.0.0.0/8, ::1, localhost).
pub fn is_loopback_host(host: &str) -> bool {
    Origin { scheme: String::new(), host: host.to_string(), port: None }.is_loopback()
}

/// A mail server's host as typed: a name or an address, no scheme, port or spaces.
fn mail_host(v: &Option<String>, field: &str, what: &str) -> Result<String> {
    let h = required(v, field, what)?.to_ascii_lowercase();
    let bare = h.trim_start_matches('[').trim_end_matches(']');
    let ok = h.len() <= 253 && bare.parse::<std::net::IpAddr>().is_ok()
        || (!h.starts_with(['.', '-']) && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    if !ok {
        return Err(Error::validation(field, format!("'{h}' is not a host name (like imap.example.com, without https:// or a port)")));
    }
    Ok(bare.to_string())
}

fn mail_security(v: &Option<String>, host: &str, field: &str) -> Result<Security> {
    let sec = match clean(v) {
        Some(t) => Security::parse(field, &t)?,
        None => Security::Tls,
    };
    if sec == Security::None && !is_loopback_host(host) {
        return Err(Error::validation(
            field,
            format!("{host} is another machine: the password would cross the network unencrypted — use tls or starttls (none only for 127.0.0.1, ::1, localhost)"),
        ));
    }
    Ok(sec)
}

/// Checks and tidies `s` for `provider`: what is required is there, ids look like ids.
pub fn validate(provider: Provider, s: &Settings) -> Result<Settings> {
    let mut out = Settings { base_url: clean(&s.base_url), ..Settings::default() };
    if out.base_url.is_some() {
        out.base_url = Some(checked_base_url(out.base_url.as_deref(), default_base(provider), "base_url")?);
    }
    let foreign = |f: &Option<String>, name: &str| -> Result<()> {
        match clean(f) {
            Some(_) => Err(Error::validation(name, format!("{provider} has no setting {name}"))),
            None => Ok(()),
        }
    };
    if provider != Provider::Email {
        for (f, n) in [(&s.imap_host, "imap_host"), (&s.smtp_host, "smtp_host"), (&s.username, "username"), (&s.folder, "folder")] {
            foreign(f, n)?;
        }
    }
    match provider {
        Provider::Email => {
            if out.base_url.is_some() {
                return Err(Error::validation("base_url", "email has no base URL: give the IMAP and SMTP hosts"));
            }
            let imap_host = mail_host(&s.imap_host, "imap_host", "the IMAP server (for reading)")?;
            let imap_sec = mail_security(&s.imap_security, &imap_host, "imap_security")?;
            let smtp_host = mail_host(&s.smtp_host, "smtp_host", "the SMTP server (for sending)")?;
            let smtp_sec = mail_security(&s.smtp_security, &smtp_host, "smtp_security")?;
            for (p, n) in [(s.imap_port, "imap_port"), (s.smtp_port, "smtp_port")] {
                if p == Some(0) {
                    return Err(Error::validation(n, "a port is 1 to 65535"));
                }
            }
            out.imap_port = Some(s.imap_port.unwrap_or(imap_sec.imap_port()));
            out.smtp_port = Some(s.smtp_port.unwrap_or(smtp_sec.smtp_port()));
            out.imap_host = Some(imap_host);
            out.smtp_host = Some(smtp_host);
            out.imap_security = Some(imap_sec.as_str().into());
            out.smtp_security = Some(smtp_sec.as_str().into());
            let user = required(&s.username, "username", "the username (often the email address)")?;
            if user.len() > 320 || user.chars().any(char::is_control) {
                return Err(Error::validation("username", "the username is one line of at most 320 characters"));
            }
            out.username = Some(user);
            let from = required(&s.from, "from", "the address mail is sent from")?;
            out.from = Some(crate::model::normalize::email(&from).map_err(|_| Error::validation("from", format!("'{from}' is not an email address")))?);
            let folder = clean(&s.folder).unwrap_or_else(|| "INBOX".into());
            if folder.chars().count() > 200 || folder.chars().any(|c| c.is_control() || c == '"' || c == '\\') {
                return Err(Error::validation("folder", "a folder name is one line of at most 200 characters, without quotes or backslashes"));
            }
            out.folder = Some(folder);
            for (f, n) in [(&s.bot_username, "bot_username"), (&s.phone_number_id, "phone_number_id"), (&s.account_sid, "account_sid"), (&s.whatsapp_from, "whatsapp_from")] {
                foreign(f, n)?;
            }
        }
        Provider::Telegram => {
            if let Some(u) = clean(&s.bot_username) {
                let u = u.trim_start_matches('@').to_string();
                if !(5..=32).contains(&u.len()) || !u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(Error::validation("bot_username", "a bot's username is 5 to 32 letters, digits or _ (like leadbook_bot)"));
                }
                out.bot_username = Some(u);
            }
            for (f, n) in [(&s.phone_number_id, "phone_number_id"), (&s.account_sid, "account_sid"), (&s.from, "from")] {
                foreign(f, n)?;
            }
        }
        Provider::Whatsapp => {
            let id = required(&s.phone_number_id, "phone_number_id", "the phone number id")?;
            if !id.chars().all(|c| c.is_ascii_digit()) {
                return Err(Error::validation("phone_number_id", "the phone number id is the number Meta shows under API setup (digits only)"));
            }
            out.phone_number_id = Some(id);
            if let Some(v) = clean(&s.api_version) {
                let ok = v.strip_prefix('v').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'));
                if !ok {
                    return Err(Error::validation("api_version", "an API version looks like v21.0"));
                }
                out.api_version = Some(v);
            }
            out.default_template = clean(&s.default_template);
            out.default_template_language = clean(&s.default_template_language);
            if out.default_template.is_some() && out.default_template_language.is_none() {
                out.default_template_language = Some("en_US".into());
            }
            for (given, kept, name) in [
                (&s.template_language_en, &mut out.template_language_en, "template_language_en"),
                (&s.template_language_fa, &mut out.template_language_fa, "template_language_fa"),
                (&s.template_language_ar, &mut out.template_language_ar, "template_language_ar"),
            ] {
                if let Some(code) = clean(given) {
                    // Meta's codes: `fa`, `ar`, `en_US`, `pt_BR`…
                    let (lang, region) = code.split_once('_').unwrap_or((&code, ""));
                    let ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase())
                        && (region.is_empty() || (region.len() == 2 && region.chars().all(|c| c.is_ascii_uppercase())));
                    if !ok {
                        return Err(Error::validation(name, format!("'{code}' is not a template language code (like en_US, fa or ar)")));
                    }
                    *kept = Some(code);
                }
            }
            for (f, n) in [(&s.bot_username, "bot_username"), (&s.account_sid, "account_sid"), (&s.from, "from")] {
                foreign(f, n)?;
            }
        }
        Provider::Twilio => {
            let sid = required(&s.account_sid, "account_sid", "the account SID")?;
            if !(sid.len() == 34 && sid.starts_with("AC") && sid[2..].chars().all(|c| c.is_ascii_hexdigit())) {
                return Err(Error::validation("account_sid", "an account SID is AC followed by 32 hexadecimal characters"));
            }
            out.account_sid = Some(sid);
            let from = required(&s.from, "from", "the sender (a number or an alphanumeric sender id)")?;
            let alnum = (1..=11).contains(&from.len()) && from.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') && from.chars().any(|c| c.is_ascii_alphabetic());
            out.from = Some(if alnum { from } else { e164(&from, "from")? });
            out.whatsapp_from = clean(&s.whatsapp_from).map(|w| e164(w.trim_start_matches("whatsapp:"), "whatsapp_from")).transpose()?;
            for (f, n) in [(&s.bot_username, "bot_username"), (&s.phone_number_id, "phone_number_id")] {
                foreign(f, n)?;
            }
        }
    }
    Ok(out)
}

/// The name of a provider's secret for this book and workspace.
pub fn secret_name(book_id: &str, ws: &Workspace, provider: Provider) -> String {
    format!("{book_id}/{}/{provider}", ws.id)
}

/// The book's own random id (made once, kept in `app_settings`).
pub fn book_id(conn: &Connection) -> Result<String> {
    if let Some(id) = settings::get(conn, Setting::BookId)? {
        return Ok(id);
    }
    // Another process may have made one meanwhile: the first one kept is the book's.
    settings::set_if_absent(conn, Setting::BookId, &random_token(16)?)?;
    settings::get(conn, Setting::BookId)?.ok_or(Error::Db(rusqlite::Error::QueryReturnedNoRows))
}

/// `bytes` random bytes as URL-safe text (`[A-Za-z0-9_-]`).
pub fn random_token(bytes: usize) -> Result<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::internal(format!("no randomness from the system: {e}")))?;
    Ok(buf.iter().map(|b| ALPHABET[(*b & 63) as usize] as char).collect())
}

pub fn row(conn: &Connection, ws: &Workspace, provider: Provider) -> Result<Option<Row>> {
    conn.prepare_cached("SELECT settings, state, detail, cursor, checked_at FROM channels WHERE workspace_id = ?1 AND provider = ?2")?
        .query_row(params![ws.id, provider.as_str()], |r| {
            let s: String = r.get(0)?;
            Ok(Row {
                settings: serde_json::from_str(&s).map_err(|e| crate::store::rows::bad_column(0, e))?,
                state: r.get(1)?,
                detail: r.get(2)?,
                cursor: r.get(3)?,
                checked_at: r.get(4)?,
            })
        })
        .optional()
        .map_err(Into::into)
}

/// Saves `settings` (checked) and, if given, the secret. A channel with no secret yet needs one.
pub fn set(
    conn: &Connection,
    ws: &Workspace,
    secrets: &dyn SecretStore,
    provider: Provider,
    settings: &Settings,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ChannelInfo> {
    ws.refuse_if_sample()?;
    let settings = validate(provider, settings)?;
    let name = secret_name(&book_id(conn)?, ws, provider);
    let secret = secret.map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = secret {
        // A mail password may have spaces inside (app passwords come in groups of four).
        let bad = if provider == Provider::Email { s.chars().any(char::is_control) } else { s.chars().any(|c| c.is_control() || c.is_whitespace()) };
        if s.len() > 4096 || bad {
            let what = if provider == Provider::Email { "a password is one line of printable characters" } else { "a token is one line of printable characters without spaces" };
            return Err(Error::validation("secret", what));
        }
    } else if secrets.get(&name)?.is_none() {
        let what = match provider {
            Provider::Twilio => "the auth token",
            Provider::Email => "the password",
            _ => "the token",
        };
        return Err(Error::validation("secret", format!("{what} is required")));
    } else if provider == Provider::Email {
        // The saved password goes only to the servers it was given for.
        let before = row(conn, ws, provider)?.map(|r| (r.settings.imap_host, r.settings.smtp_host));
        let after = (settings.imap_host.clone(), settings.smtp_host.clone());
        if let Some(before) = before.filter(|b| *b != after) {
            let host = |h: &Option<String>| h.clone().unwrap_or_default();
            return Err(Error::validation(
                "secret",
                format!(
                    "the servers move from {} / {} to {} / {}: give the password again (the saved one is only ever sent to the servers it was given for)",
                    host(&before.0), host(&before.1), host(&after.0), host(&after.1)
                ),
            ));
        }
    } else {
        // The saved token goes only where it was given for: a new host needs it again.
        let before = row(conn, ws, provider)?.map(|r| base_url(r.settings.base_url.as_deref(), default_base(provider), "base_url")).transpose()?;
        let after = base_url(settings.base_url.as_deref(), default_base(provider), "base_url")?;
        let (field, what) = if provider == Provider::Twilio { ("auth_token", "the auth token") } else { ("token", "the token") };
        secret_stays_with_host(before.as_deref(), &after, false, true, field, what)?;
    }
    if let (Provider::Telegram, Some(token)) = (provider, secret) {
        if let Some(other) = workspace_with_bot(conn, ws, secrets, token)? {
            return Err(Error::validation(
                "secret",
                format!("this bot already serves the workspace '{other}': Telegram gives a bot's messages to one reader, so each workspace needs its own bot (@BotFather makes one)"),
            ));
        }
    }
    let json = serde_json::to_string(&settings).map_err(|e| Error::internal_from(e.to_string(), e))?;
    // A new token or new settings get a fresh start: the agent just fixed what needed attention.
    // But saved is not connected: a channel is `ok` only once a test or a send went through.
    let fresh = "untested";
    conn.prepare_cached(
        "INSERT INTO channels (workspace_id, provider, settings, state, detail, updated_at) VALUES (?1, ?2, ?3, ?5, NULL, ?4)
         ON CONFLICT (workspace_id, provider) DO UPDATE SET settings = excluded.settings, state = excluded.state, detail = NULL,
            updated_at = excluded.updated_at",
    )?
    .execute(params![ws.id, provider.as_str(), json, fmt_time(now), fresh])?;
    if let Some(s) = secret {
        secrets.set(&name, s)?;
    }
    info(conn, ws, secrets, provider)
}

/// The other workspace of this book whose Telegram token is for the same bot (the id before the
/// token's colon), if any. Two workspaces polling one bot would take each other's replies.
fn workspace_with_bot(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore, token: &str) -> Result<Option<String>> {
    let bot = |t: &str| t.split_once(':').map(|(id, _)| id.to_string()).unwrap_or_else(|| t.to_string());
    let book = book_id(conn)?;
    for other in crate::workspace::list(conn)?.into_iter().filter(|o| o.id != ws.id) {
        if let Some(theirs) = secrets.get(&secret_name(&book, &other, Provider::Telegram))? {
            if bot(&theirs) == bot(token) {
                return Ok(Some(other.name));
            }
        }
    }
    Ok(None)
}

/// Forgets a provider's settings and secret.
pub fn remove(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore, provider: Provider) -> Result<ChannelInfo> {
    conn.execute("DELETE FROM channels WHERE workspace_id = ?1 AND provider = ?2", params![ws.id, provider.as_str()])?;
    secrets.delete(&secret_name(&book_id(conn)?, ws, provider))?;
    info(conn, ws, secrets, provider)
}

pub fn info(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore, provider: Provider) -> Result<ChannelInfo> {
    let row = row(conn, ws, provider)?;
    let has_secret = secrets.get(&secret_name(&book_id(conn)?, ws, provider))?.is_some();
    let inbound = match provider {
        Provider::Whatsapp => false,
        _ => true,
    };
    Ok(match row {
        Some(r) => ChannelInfo {
            provider,
            webhook: has_secret
                && provider == Provider::Telegram
                && r.state == "needs_attention"
                && r.detail.as_deref() == Some(super::telegram::WEBHOOK_SET),
            state: if has_secret { r.state } else { "unconfigured".into() },
            detail: r.detail,
            settings: Some(r.settings),
            has_secret,
            inbound,
            checked_at: r.checked_at,
        },
        None => ChannelInfo { provider, state: "unconfigured".into(), detail: None, settings: None, has_secret, inbound, checked_at: None, webhook: false },
    })
}

pub fn overview(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore) -> Result<ChannelOverview> {
    let warning = (secrets.kind() == "file").then(|| {
        format!(
            "No system keychain was found, so tokens are kept in {}, a file only your user can read.",
            secrets.path().map(|p| p.display().to_string()).unwrap_or_default()
        )
    });
    Ok(ChannelOverview {
        secret_store: SecretStoreInfo { kind: secrets.kind(), path: secrets.path().map(|p| p.display().to_string()), warning },
        channels: Provider::ALL.iter().map(|p| info(conn, ws, secrets, *p)).collect::<Result<_>>()?,
    })
}

/// Records that a provider refused our credentials (or accepted them again).
pub fn set_state(conn: &Connection, ws: &Workspace, provider: Provider, attention: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    let state = if attention.is_some() { "needs_attention" } else { "ok" };
    conn.prepare_cached("UPDATE channels SET state = ?3, detail = ?4, checked_at = ?5 WHERE workspace_id = ?1 AND provider = ?2")?
        .execute(params![ws.id, provider.as_str(), state, attention, fmt_time(now)])?;
    Ok(())
}

/// "Test connection": asks the provider who we are (no transaction is open meanwhile) and
/// records the answer on the channel — a provider that could not be reached included.
pub async fn test(store: &mut Store, ws: &Workspace, ch: &Channels, provider: Provider) -> Result<Identity> {
    let answer = ch.test(provider).await;
    store.write(|tx, now| record_test_answer(tx, ws, provider, &answer, now))?;
    answer
}

/// What a test's answer, or its failure, means for the channel. For a shell that must not hold
/// the store while the provider answers: [`Channels::test`], then this in a write.
pub fn record_test_answer(conn: &Connection, ws: &Workspace, provider: Provider, answer: &Result<Identity>, now: DateTime<Utc>) -> Result<()> {
    match answer {
        Ok(id) => record_test(conn, ws, provider, id, now),
        Err(e @ Error::Offline { .. }) => record_unreachable(conn, ws, provider, &e.to_string(), now),
        Err(_) => Ok(()),
    }
}

/// The provider could not be reached (connection refused, no network, a wrong address): the
/// channel is not "connected" until a test or a send goes through. A refusal the agent must fix
/// (`needs_attention`) stays what it says.
pub fn record_unreachable(conn: &Connection, ws: &Workspace, provider: Provider, error: &str, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE channels SET state = 'unreachable', detail = ?3, checked_at = ?4
         WHERE workspace_id = ?1 AND provider = ?2 AND state <> 'needs_attention'",
    )?
    .execute(params![ws.id, provider.as_str(), error, fmt_time(now)])?;
    Ok(())
}

/// What a test's answer means for the channel: a refusal needs the agent, a success clears that.
/// For a shell that must not hold the store while the provider answers: [`Channels::test`],
/// then this in a write.
pub fn record_test(conn: &Connection, ws: &Workspace, provider: Provider, id: &Identity, now: DateTime<Utc>) -> Result<()> {
    let attention = if id.ok { None } else { id.message.as_deref() };
    set_state(conn, ws, provider, attention, now)
}

/// A send went through: the channel works (an untested or unreachable one is connected from now on).
pub fn confirm_working(conn: &Connection, ws: &Workspace, provider: Provider, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE channels SET state = 'ok', detail = NULL, checked_at = ?3
         WHERE workspace_id = ?1 AND provider = ?2 AND state IN ('untested', 'unreachable')",
    )?
        .execute(params![ws.id, provider.as_str(), fmt_time(now)])?;
    Ok(())
}

pub fn set_cursor(conn: &Connection, ws: &Workspace, provider: Provider, cursor: &str) -> Result<()> {
    conn.prepare_cached("UPDATE channels SET cursor = ?3 WHERE workspace_id = ?1 AND provider = ?2")?
        .execute(params![ws.id, provider.as_str(), cursor])?;
    Ok(())
}

/// A configured Telegram bot.
pub struct TelegramChannel {
    pub client: Telegram,
    pub settings: Settings,
    pub attention: bool,
    pub cursor: Option<i64>,
}

pub struct WhatsappChannel {
    pub client: WhatsApp,
    pub settings: Settings,
    pub attention: bool,
}

/// The agent's mailbox.
pub struct EmailChannel {
    pub client: EmailClient,
    pub settings: Settings,
    pub attention: bool,
    /// `uidvalidity:last uid` of the folder, as last saved.
    pub cursor: Option<String>,
}

pub struct TwilioChannel {
    pub client: Twilio,
    pub settings: Settings,
    pub attention: bool,
    pub cursor: Option<String>,
}

/// The mail client of saved (validated) settings.
fn email_client(s: &Settings, password: &str) -> Result<EmailClient> {
    let endpoint = |host: &Option<String>, port: Option<u16>, sec: &Option<String>, field: &str, default: fn(Security) -> u16| -> Result<Endpoint> {
        let host = host.clone().ok_or_else(|| Error::validation(field, "the host is not set"))?;
        let security = mail_security(sec, &host, field)?;
        Ok(Endpoint { port: port.unwrap_or(default(security)), host, security })
    };
    let imap = endpoint(&s.imap_host, s.imap_port, &s.imap_security, "imap_host", Security::imap_port)?;
    let smtp = endpoint(&s.smtp_host, s.smtp_port, &s.smtp_security, "smtp_host", Security::smtp_port)?;
    Ok(EmailClient::new(
        imap,
        smtp,
        s.username.as_deref().unwrap_or_default(),
        password,
        s.from.as_deref().unwrap_or_default(),
        s.folder.as_deref().unwrap_or("INBOX"),
    ))
}

/// The workspace's configured providers, ready to talk.
#[derive(Default)]
pub struct Channels {
    pub telegram: Option<TelegramChannel>,
    pub whatsapp: Option<WhatsappChannel>,
    pub twilio: Option<TwilioChannel>,
    pub email: Option<EmailChannel>,
}

impl Channels {
    /// Builds the clients of every provider with settings and a secret.
    pub fn load(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore, http: &reqwest::Client) -> Result<Channels> {
        let book = book_id(conn)?;
        let mut out = Channels::default();
        for p in Provider::ALL {
            let (Some(r), Some(secret)) = (row(conn, ws, *p)?, secrets.get(&secret_name(&book, ws, *p))?) else { continue };
            let attention = r.state == "needs_attention";
            let s = r.settings.clone();
            match p {
                Provider::Telegram => {
                    let base = base_url(s.base_url.as_deref(), super::telegram::DEFAULT_BASE, "base_url")?;
                    out.telegram = Some(TelegramChannel {
                        client: Telegram::new(http.clone(), &base, &secret),
                        cursor: r.cursor.as_deref().and_then(|c| c.parse().ok()),
                        settings: s,
                        attention,
                    });
                }
                Provider::Whatsapp => {
                    let base = base_url(s.base_url.as_deref(), super::whatsapp::DEFAULT_BASE, "base_url")?;
                    let version = s.api_version.clone().unwrap_or_else(|| super::whatsapp::DEFAULT_VERSION.into());
                    let id = s.phone_number_id.clone().unwrap_or_default();
                    out.whatsapp = Some(WhatsappChannel { client: WhatsApp::new(http.clone(), &base, &version, &id, &secret), settings: s, attention });
                }
                Provider::Twilio => {
                    let base = base_url(s.base_url.as_deref(), super::twilio::DEFAULT_BASE, "base_url")?;
                    let sid = s.account_sid.clone().unwrap_or_default();
                    out.twilio = Some(TwilioChannel { client: Twilio::new(http.clone(), &base, &sid, &secret), settings: s, attention, cursor: r.cursor });
                }
                Provider::Email => {
                    out.email = Some(EmailChannel { client: email_client(&s, &secret)?, settings: s, attention, cursor: r.cursor });
                }
            }
        }
        Ok(out)
    }

    /// Whether any provider can carry messages.
    pub fn any(&self) -> bool {
        self.telegram.is_some() || self.whatsapp.is_some() || self.twilio.is_some() || self.email.is_some()
    }

    /// Removes the webhook set on the Telegram bot (`deleteWebhook`); the other providers have
    /// none Leadbook could remove.
    pub async fn delete_webhook(&self, provider: Provider) -> Result<()> {
        match (provider, &self.telegram) {
            (Provider::Telegram, Some(tg)) => tg.client.delete_webhook().await,
            (Provider::Telegram, None) => Err(Error::validation("provider", "telegram is not set up")),
            _ => Err(Error::validation("provider", format!("{provider} has no webhook Leadbook can remove"))),
        }
    }

    /// "Test connection": the provider's identity endpoint.
    pub async fn test(&self, provider: Provider) -> Result<Identity> {
        let missing = || Error::validation("provider", format!("{provider} is not set up"));
        match provider {
            Provider::Telegram => self.telegram.as_ref().ok_or_else(missing)?.client.identity().await,
            Provider::Whatsapp => self.whatsapp.as_ref().ok_or_else(missing)?.client.identity().await,
            Provider::Twilio => self.twilio.as_ref().ok_or_else(missing)?.client.identity().await,
            Provider::Email => Ok(self.email.as_ref().ok_or_else(missing)?.client.identity().await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;
    use crate::{Book, FixedClock};
    use std::sync::Arc;

    fn s(f: impl FnOnce(&mut Settings)) -> Settings {
        let mut v = Settings::default();
        f(&mut v);
        v
    }

    #[test]
    fn an_overlay_keeps_what_it_does_not_name_and_clears_what_it_empties() {
        let stored = s(|v| {
            v.bot_username = Some("leadbook_bot".into());
            v.base_url = Some("http://127.0.0.1:1".into());
        });
        let out = stored.overlay(&s(|v| v.base_url = Some("http://127.0.0.1:2".into())));
        assert_eq!((out.bot_username.as_deref(), out.base_url.as_deref()), (Some("leadbook_bot"), Some("http://127.0.0.1:2")));
        let cleared = validate(Provider::Telegram, &stored.overlay(&s(|v| v.base_url = Some("".into())))).unwrap();
        assert_eq!(cleared.base_url, None);
    }

    #[test]
    fn each_provider_requires_its_own_settings() {
        assert_eq!(validate(Provider::Twilio, &s(|v| v.from = Some("+97145550000".into()))).unwrap_err().field(), Some("account_sid"));
        let sid = format!("AC{}", "a".repeat(32));
        assert_eq!(validate(Provider::Twilio, &s(|v| v.account_sid = Some(sid.clone()))).unwrap_err().field(), Some("from"));
        let ok = validate(Provider::Twilio, &s(|v| {
            v.account_sid = Some(sid.clone());
            v.from = Some("LEADBOOK".into());
            v.whatsapp_from = Some("whatsapp:+14155238886".into());
        }))
        .unwrap();
        assert_eq!((ok.from.as_deref(), ok.whatsapp_from.as_deref()), (Some("LEADBOOK"), Some("+14155238886")));
        assert_eq!(validate(Provider::Twilio, &s(|v| { v.account_sid = Some(sid.clone()); v.from = Some("0501234567".into()); })).unwrap_err().field(), Some("from"));
        assert_eq!(validate(Provider::Whatsapp, &s(|_| {})).unwrap_err().field(), Some("phone_number_id"));
        assert_eq!(validate(Provider::Telegram, &s(|v| v.bot_username = Some("@leadbook_bot".into()))).unwrap().bot_username.as_deref(), Some("leadbook_bot"));
        assert_eq!(validate(Provider::Telegram, &s(|v| v.bot_username = Some("a b".into()))).unwrap_err().field(), Some("bot_username"));
        assert_eq!(validate(Provider::Telegram, &s(|v| v.account_sid = Some(sid.clone()))).unwrap_err().field(), Some("account_sid"));
        assert_eq!(validate(Provider::Telegram, &s(|v| v.base_url = Some("file:///etc".into()))).unwrap_err().field(), Some("base_url"));
    }

    #[test]
    fn an_email_account_needs_both_servers_and_refuses_no_encryption_to_another_machine() {
        let ok = |f: fn(&mut Settings)| {
            let mut v = s(|v| {
                v.imap_host = Some(" IMAP.Example.com ".into());
                v.smtp_host = Some("smtp.example.com".into());
                v.username = Some("agent@example.com".into());
                v.from = Some("Agent@Example.com".into());
            });
            f(&mut v);
            validate(Provider::Email, &v)
        };
        let v = ok(|_| {}).unwrap();
        assert_eq!((v.imap_host.as_deref(), v.imap_port, v.smtp_port, v.folder.as_deref()), (Some("imap.example.com"), Some(993), Some(465), Some("INBOX")));
        assert_eq!((v.imap_security.as_deref(), v.from.as_deref()), (Some("tls"), Some("agent@example.com")));
        let st = ok(|v| { v.imap_security = Some("starttls".into()); v.smtp_security = Some("STARTTLS".into()); }).unwrap();
        assert_eq!((st.imap_port, st.smtp_port), (Some(143), Some(587)));
        assert_eq!(ok(|v| v.imap_security = Some("none".into())).unwrap_err().field(), Some("imap_security"));
        assert_eq!(ok(|v| v.smtp_security = Some("ssl".into())).unwrap_err().field(), Some("smtp_security"));
        for host in ["127.0.0.1", "::1", "localhost", "127.0.0.5"] {
            let h = host.to_string();
            let mut v = ok(|_| {}).unwrap();
            v.imap_host = Some(h.clone());
            v.imap_security = Some("none".into());
            assert!(validate(Provider::Email, &v).is_ok(), "{host}");
        }
        assert_eq!(ok(|v| v.smtp_host = None).unwrap_err().field(), Some("smtp_host"));
        assert_eq!(ok(|v| v.imap_host = Some("https://imap.example.com".into())).unwrap_err().field(), Some("imap_host"));
        assert_eq!(ok(|v| v.from = Some("not an address".into())).unwrap_err().field(), Some("from"));
        assert_eq!(ok(|v| v.imap_port = Some(0)).unwrap_err().field(), Some("imap_port"));
        assert_eq!(ok(|v| v.folder = Some("a\"b".into())).unwrap_err().field(), Some("folder"));
        assert_eq!(ok(|v| v.bot_username = Some("leadbook_bot".into())).unwrap_err().field(), Some("bot_username"));
        assert_eq!(validate(Provider::Telegram, &s(|v| v.imap_host = Some("x".into()))).unwrap_err().field(), Some("imap_host"));
    }

    #[test]
    fn a_saved_mail_password_goes_only_to_the_servers_it_was_given_for() {
        let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        let store = MemoryStore::default();
        let v = s(|v| {
            v.imap_host = Some("imap.example.com".into());
            v.smtp_host = Some("smtp.example.com".into());
            v.username = Some("agent@example.com".into());
            v.from = Some("agent@example.com".into());
        });
        assert_eq!(book.write(|tx, now| set(tx, &ws, &store, Provider::Email, &v, None, now)).unwrap_err().field(), Some("secret"));
        let info = book.write(|tx, now| set(tx, &ws, &store, Provider::Email, &v, Some("app pass word 1"), now)).unwrap();
        assert_eq!(info.state, "untested", "saved is not connected");
        let moved = Settings { smtp_host: Some("smtp.elsewhere.com".into()), ..v.clone() };
        assert_eq!(book.write(|tx, now| set(tx, &ws, &store, Provider::Email, &moved, None, now)).unwrap_err().field(), Some("secret"));
        book.write(|tx, now| set(tx, &ws, &store, Provider::Email, &v, None, now)).unwrap();
    }

    #[test]
    fn a_secret_goes_to_the_store_never_to_the_database_and_is_never_shown() {
        let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        let store = MemoryStore::default();
        let settings = s(|v| v.bot_username = Some("leadbook_bot".into()));
        let err = book.write(|tx, now| set(tx, &ws, &store, Provider::Telegram, &settings, None, now)).unwrap_err();
        assert_eq!(err.field(), Some("secret"), "the first save needs the token");
        let info = book.write(|tx, now| set(tx, &ws, &store, Provider::Telegram, &settings, Some("123456:SECRET-TOKEN"), now)).unwrap();
        assert_eq!((info.state.as_str(), info.has_secret), ("untested", true), "saved is not connected");
        assert!(!serde_json::to_string(&info).unwrap().contains("SECRET-TOKEN"));
        let dump: String = book.conn().query_row("SELECT group_concat(settings) FROM channels", [], |r| r.get(0)).unwrap();
        assert!(!dump.contains("SECRET-TOKEN"));
        // Saving again without a token keeps the stored one.
        book.write(|tx, now| set(tx, &ws, &store, Provider::Telegram, &settings, None, now)).unwrap();
        let name = secret_name(&book_id(book.conn()).unwrap(), &ws, Provider::Telegram);
        assert_eq!(store.get(&name).unwrap().as_deref(), Some("123456:SECRET-TOKEN"));
        // Another workspace has its own channels.
        let other = book.add_workspace("Other", None).unwrap();
        assert_eq!(info_of(&book, &other, &store).state, "unconfigured");
        book.write(|tx, _| remove(tx, &ws, &store, Provider::Telegram)).unwrap();
        assert_eq!(store.get(&name).unwrap(), None);
    }

    #[test]
    fn one_telegram_bot_serves_one_workspace() {
        let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        let other = book.add_workspace("Abu Dhabi", None).unwrap();
        let store = MemoryStore::default();
        let none = Settings::default();
        book.write(|tx, now| set(tx, &ws, &store, Provider::Telegram, &none, Some("123456:FIRST"), now)).unwrap();
        // The same bot with its token regenerated is still the same bot.
        let err = book.write(|tx, now| set(tx, &other, &store, Provider::Telegram, &none, Some("123456:REGENERATED"), now)).unwrap_err();
        assert_eq!(err.field(), Some("secret"));
        assert!(err.to_string().contains("'Default'") && !err.to_string().contains("FIRST"), "{err}");
        assert_eq!(info_of(&book, &other, &store).state, "unconfigured", "nothing was saved");
        // Its own bot is welcome, and the first workspace may take a new token for its own bot.
        book.write(|tx, now| set(tx, &other, &store, Provider::Telegram, &none, Some("654321:SECOND"), now)).unwrap();
        book.write(|tx, now| set(tx, &ws, &store, Provider::Telegram, &none, Some("123456:ROTATED"), now)).unwrap();
    }

    fn info_of(book: &Book, ws: &Workspace, store: &MemoryStore) -> ChannelInfo {
        info(book.conn(), ws, store, Provider::Telegram).unwrap()
    }
}
