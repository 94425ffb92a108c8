//! Twilio Programmable Messaging: `POST` (send) and `GET` (list) on
//! `{base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, `GET` of one message on
//! `…/Messages/{MessageSid}.json`, HTTP Basic auth.
//!
//! An accepted message moves on as Twilio moves it: `queued` → `sent` → `delivered` (or
//! `undelivered`/`failed` with the `error_code` a test set for its recipient). Here it moves one
//! step each time it is fetched on its own (`GET …/Messages/{sid}.json`), so a test sees each
//! state in turn; a list moves a queued one to `sent` and shows each where it stands.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::http::{
    common_api, encode_component, lock, unique_hex32, unix_now, Common, Reply, Request, Server,
};

const API: &str = "/2010-04-01/Accounts";

/// A message created through the API, in arrival order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwSent {
    /// `To` as sent (with its `whatsapp:` prefix, if any).
    pub to: String,
    /// `From` as sent, or the `MessagingServiceSid` when no `From` was given.
    pub from: String,
    pub body: String,
    pub sid: String,
}

/// The Twilio stand-in. See the crate documentation.
pub struct Twilio {
    server: Server,
    state: Arc<Mutex<State>>,
}

struct Message {
    seq: u64,
    sid: String,
    to: String,
    from: Option<String>,
    service: Option<String>,
    body: String,
    inbound: bool,
    /// Unix seconds; also its `date_sent` here (outbound ones are sent at once).
    created: i64,
    /// Outbound: where it is on its way (`queued`/`accepted`, `sent`, then its fate).
    status: &'static str,
    /// The fate it meets after `sent`: `delivered`, or a failure with its error code.
    fate: Fate,
    updated: i64,
}

/// How an outbound message ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// `undelivered` with this error code (30003–30008, 63016, 21610, …).
    Undelivered(u32),
    /// `failed` with this error code.
    Failed(u32),
}

struct State {
    account_sid: String,
    auth_token: String,
    messages: Vec<Message>,
    next_seq: u64,
    invalid: HashSet<String>,
    unsubscribed: HashSet<String>,
    not_mobile: HashSet<String>,
    fates: HashMap<String, Fate>,
    /// Fetches of one message (`GET …/Messages/{sid}.json`), per sid.
    fetches: HashMap<String, usize>,
    /// Inbound list requests answered, and the `To` of those that failed on purpose.
    list_failures: HashSet<String>,
    sent: Vec<TwSent>,
    common: Common,
}

common_api!(Twilio);

impl Twilio {
    /// Starts a server for the account `account_sid` accepting `auth_token`.
    pub fn start(account_sid: &str, auth_token: &str) -> Twilio {
        let state = Arc::new(Mutex::new(State {
            account_sid: account_sid.to_string(),
            auth_token: auth_token.to_string(),
            messages: Vec::new(),
            next_seq: 0,
            invalid: HashSet::new(),
            unsubscribed: HashSet::new(),
            not_mobile: HashSet::new(),
            fates: HashMap::new(),
            fetches: HashMap::new(),
            list_failures: HashSet::new(),
            sent: Vec::new(),
            common: Common::default(),
        }));
        let server = {
            let state = state.clone();
            Server::start("twilio", move |request| {
                let reply = lock(&state).handle(&request);
                async move { reply }
            })
        };
        Twilio { server, state }
    }

    /// Replaces the accepted auth token; the old one now gets 401 code 20003.
    pub fn set_token(&self, auth_token: &str) {
        lock(&self.state).auth_token = auth_token.to_string();
    }

    /// Sending to this number → 400 code 21211. Numbers match with or without `whatsapp:`.
    pub fn invalid(&self, number: &str) {
        lock(&self.state).invalid.insert(bare(number).to_string());
    }

    /// Sending to this number → 400 code 21610 (the recipient replied STOP).
    pub fn unsubscribed(&self, number: &str) {
        lock(&self.state)
            .unsubscribed
            .insert(bare(number).to_string());
    }

    /// Sending to this number → 400 code 21614 (a landline).
    pub fn not_mobile(&self, number: &str) {
        lock(&self.state)
            .not_mobile
            .insert(bare(number).to_string());
    }

    /// Messages accepted for this number from now on end `fate` (instead of `delivered`).
    /// Numbers match with or without `whatsapp:`.
    pub fn fate(&self, number: &str, fate: Fate) {
        lock(&self.state).fates.insert(bare(number).to_string(), fate);
    }

    /// Listing the messages sent to `to` (exactly as the `To` filter spells it) answers 500
    /// (code 20500) until [`Twilio::list_works`].
    pub fn list_fails(&self, to: &str) {
        lock(&self.state).list_failures.insert(to.to_string());
    }

    pub fn list_works(&self, to: &str) {
        lock(&self.state).list_failures.remove(to);
    }

    /// How many times the message `sid` was fetched on its own.
    pub fn fetches(&self, sid: &str) -> usize {
        lock(&self.state).fetches.get(sid).copied().unwrap_or(0)
    }

    /// The message's status now (`queued`, `sent`, `delivered`, `received`, …).
    pub fn status_of(&self, sid: &str) -> Option<String> {
        lock(&self.state).messages.iter().find(|m| m.sid == sid).map(|m| m.status.to_string())
    }

    /// Someone texts `to` from `from` (`+971…` or `whatsapp:+971…`) now; returns its sid.
    pub fn push_inbound(&self, from: &str, to: &str, body: &str) -> String {
        self.push_inbound_at(from, to, body, unix_now())
    }

    /// Like [`Twilio::push_inbound`], sent at `date_sent` (Unix seconds), for date filters.
    pub fn push_inbound_at(&self, from: &str, to: &str, body: &str, date_sent: i64) -> String {
        let mut state = lock(&self.state);
        let message = state.create(to, Some(from.to_string()), None, body, true, date_sent);
        message.sid.clone()
    }

    /// The messages created through the API, in arrival order.
    pub fn sent(&self) -> Vec<TwSent> {
        lock(&self.state).sent.clone()
    }
}

/// The number without a `whatsapp:` prefix.
fn bare(number: &str) -> &str {
    number.strip_prefix("whatsapp:").unwrap_or(number)
}

/// `^\+[1-9]\d{6,14}$`
fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

impl State {
    fn handle(&mut self, request: &Request) -> Reply {
        if let Some(sid) = account_route(&request.path).filter(|_| request.method == hyper::Method::GET) {
            if !self.authorized(request, sid) {
                return error(401, 20003, "Authenticate");
            }
            return Reply::json(
                200,
                json!({"sid": sid, "friendly_name": "Leadbook Test", "status": "active", "type": "Full",
                    "uri": format!("{API}/{sid}.json")}),
            );
        }
        if let Some((sid, message_sid)) = message_route(&request.path) {
            if !self.authorized(request, sid) {
                return error(401, 20003, "Authenticate");
            }
            if request.method != hyper::Method::GET {
                return error(405, 20004, "Method not allowed");
            }
            return self.fetch(message_sid, &request.path);
        }
        let Some(sid) = route(&request.path) else {
            return error(
                404,
                20404,
                &format!("The requested resource {} was not found", request.path),
            );
        };
        let send = request.method == hyper::Method::POST;
        if send {
            if let Some(reply) = self.common.injected_failure() {
                return reply;
            }
        }
        let reply = if !self.authorized(request, sid) {
            error(401, 20003, "Authenticate")
        } else if send {
            self.send(request)
        } else if request.method == hyper::Method::GET {
            self.list(request)
        } else {
            error(405, 20004, "Method not allowed")
        };
        if send {
            self.common.finish(reply)
        } else {
            reply
        }
    }

    fn authorized(&self, request: &Request, path_sid: &str) -> bool {
        let credentials = request.header("authorization").and_then(basic_credentials);
        credentials
            .is_some_and(|(user, password)| user == self.account_sid && password == self.auth_token)
            && path_sid == self.account_sid
    }

    fn send(&mut self, request: &Request) -> Reply {
        let form = request.form();
        let field = |name: &str| {
            let value = form
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
            value.filter(|v| !v.is_empty())
        };
        let Some(to) = field("To") else {
            return error(400, 21604, "A 'To' phone number is required.");
        };
        let (from, service) = (field("From"), field("MessagingServiceSid"));
        if from.is_none() && service.is_none() {
            return error(400, 21603, "A 'From' phone number is required.");
        }
        let Some(body) = field("Body") else {
            return error(400, 21602, "Message body is required.");
        };
        let number = bare(&to);
        if !is_e164(number) || self.invalid.contains(number) {
            return error(
                400,
                21211,
                &format!("The 'To' number {to} is not a valid phone number."),
            );
        }
        if body.chars().count() > 1600 {
            return error(
                400,
                21617,
                "The concatenated message body exceeds the 1600 character limit.",
            );
        }

        if self.common.rate_wait() > 0 {
            self.common.rejected_429 += 1;
            return error(429, 20429, "Too Many Requests");
        }
        self.common.rate_take();

        if self.not_mobile.contains(number) {
            return error(400, 21614, "'To' number is not a valid mobile number");
        }
        if self.unsubscribed.contains(number) {
            return error(400, 21610, "Attempt to send to unsubscribed recipient");
        }

        let sent_from = from.clone().or_else(|| service.clone()).unwrap_or_default();
        let fate = self.fates.get(number).copied().unwrap_or(Fate::Delivered);
        let sid = self
            .create(&to, from, service, &body, false, unix_now())
            .sid
            .clone();
        if let Some(m) = self.messages.last_mut() {
            m.fate = fate;
        }
        let resource = self
            .messages
            .last()
            .map_or(Value::Null, |m| m.resource(&self.account_sid));
        self.sent.push(TwSent {
            to,
            from: sent_from,
            body,
            sid,
        });
        Reply::json(201, resource)
    }

    fn create(
        &mut self,
        to: &str,
        from: Option<String>,
        service: Option<String>,
        body: &str,
        inbound: bool,
        created: i64,
    ) -> &Message {
        self.next_seq += 1;
        let status = match (inbound, service.is_some() && from.is_none()) {
            (true, _) => "received",
            (false, true) => "accepted",
            (false, false) => "queued",
        };
        self.messages.push(Message {
            seq: self.next_seq,
            sid: format!("SM{}", unique_hex32()),
            to: to.to_string(),
            from,
            service,
            body: body.to_string(),
            inbound,
            created,
            status,
            fate: Fate::Delivered,
            updated: created,
        });
        self.messages.last().expect("just pushed")
    }

    /// One message, after moving it one step on its way. Unknown sid → 404 code 20404.
    fn fetch(&mut self, message_sid: &str, path: &str) -> Reply {
        let account_sid = self.account_sid.clone();
        let Some(m) = self.messages.iter_mut().find(|m| m.sid == message_sid) else {
            return error(
                404,
                20404,
                &format!("The requested resource {path} was not found"),
            );
        };
        *self.fetches.entry(message_sid.to_string()).or_default() += 1;
        m.advance();
        Reply::json(200, m.resource(&account_sid))
    }

    /// The message list, newest first, filtered and paged as Twilio does.
    fn list(&mut self, request: &Request) -> Reply {
        let query = request.query_pairs();
        let get = |name: &str| {
            query
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };

        // Filters, kept (re-encoded) for the page URIs.
        let mut filter_query = String::new();
        let mut ranges = Vec::new(); // (parameter, [start, end) of the value)
        for name in ["To", "From", "DateSent", "DateSent>", "DateSent<"] {
            let Some(value) = get(name) else { continue };
            filter_query.push_str(&format!(
                "{}={}&",
                encode_component(name),
                encode_component(value)
            ));
            if name.starts_with("DateSent") {
                let Some(range) = date_range(value) else {
                    // Guess: the code and wording for a malformed date filter.
                    return error(400, 20001, &format!("Invalid {name} value: {value}"));
                };
                ranges.push((name, range));
            }
        }
        let matches = |m: &&Message| {
            get("To").map_or(true, |to| m.to == to)
                && get("From").map_or(true, |from| m.from.as_deref() == Some(from))
                && ranges.iter().all(|(name, (start, end))| match *name {
                    "DateSent>" => m.created >= *start,
                    "DateSent<" => m.created < *end,
                    _ => (*start..*end).contains(&m.created),
                })
        };
        if get("To").is_some_and(|to| self.list_failures.contains(to)) {
            return error(500, 20500, "Internal Server Error");
        }
        let mut items: Vec<&Message> = self.messages.iter().filter(matches).collect();
        items.sort_by_key(|m| std::cmp::Reverse((m.created, m.seq)));

        let page_size = get("PageSize")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(50)
            .clamp(1, 1000);
        let page = get("Page")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        // A PageToken (`PA` + the sid of the previous page's last item) wins over Page, so
        // pages stay stable while messages arrive. Guess: Twilio's tokens are opaque.
        let after_token = get("PageToken")
            .and_then(|t| t.strip_prefix("PA"))
            .and_then(|sid| items.iter().position(|m| m.sid == sid))
            .map(|i| i + 1);
        let nominal_start = page.saturating_mul(page_size);
        let start = after_token.unwrap_or(nominal_start).min(items.len());
        let end = start.saturating_add(page_size).min(items.len());
        // Once listed, an outbound message has gone from queued to sent (Twilio moves it on
        // within moments; on to its fate only when fetched, see the module's documentation).
        let listed: HashSet<String> = items[start..end].iter().filter(|m| matches!(m.status, "queued" | "accepted")).map(|m| m.sid.clone()).collect();
        drop(items);
        for m in self.messages.iter_mut().filter(|m| listed.contains(&m.sid)) {
            m.advance();
        }
        let mut items: Vec<&Message> = self.messages.iter().filter(matches).collect();
        items.sort_by_key(|m| std::cmp::Reverse((m.created, m.seq)));
        let on_page = &items[start..end];

        let base = format!(
            "{API}/{}/Messages.json?{filter_query}PageSize={page_size}",
            self.account_sid
        );
        let page_uri = |n: usize| format!("{base}&Page={n}");
        let next_page_uri = match on_page.last() {
            Some(last) if end < items.len() => {
                json!(format!("{}&PageToken=PA{}", page_uri(page + 1), last.sid))
            }
            _ => Value::Null,
        };
        // Guess: Twilio's previous-page URI carries a `PB…` token; ours pages by number.
        let previous_page_uri = if page > 0 {
            json!(page_uri(page - 1))
        } else {
            Value::Null
        };
        let mut uri = page_uri(page);
        if let Some(token) = get("PageToken") {
            uri.push_str(&format!("&PageToken={}", encode_component(token)));
        }
        Reply::json(
            200,
            json!({
                "messages": on_page.iter().map(|m| m.resource(&self.account_sid)).collect::<Vec<_>>(),
                "end": nominal_start + on_page.len().saturating_sub(1),
                "first_page_uri": page_uri(0),
                "next_page_uri": next_page_uri,
                "page": page,
                "page_size": page_size,
                "previous_page_uri": previous_page_uri,
                "start": nominal_start,
                "uri": uri,
            }),
        )
    }
}

impl Message {
    /// One step on its way: `queued`/`accepted` → `sent` → its fate; a final state stays.
    fn advance(&mut self) {
        let next = match (self.status, self.fate) {
            ("queued" | "accepted", _) => "sent",
            ("sent", Fate::Delivered) => "delivered",
            ("sent", Fate::Undelivered(_)) => "undelivered",
            ("sent", Fate::Failed(_)) => "failed",
            (s, _) => s,
        };
        if next != self.status {
            self.status = next;
            self.updated = unix_now().max(self.updated);
        }
    }

    /// The error Twilio reports on a message that did not arrive.
    fn error(&self) -> (Value, Value) {
        match (self.status, self.fate) {
            ("undelivered" | "failed", Fate::Undelivered(code) | Fate::Failed(code)) => {
                (json!(code), json!(error_message(code)))
            }
            _ => (Value::Null, Value::Null),
        }
    }

    /// The Message resource as it stands.
    fn resource(&self, account_sid: &str) -> Value {
        let date = rfc2822(self.created);
        let whatsapp = self.to.starts_with("whatsapp:");
        let uri = format!("{API}/{account_sid}/Messages/{}", self.sid);
        let unsent = matches!(self.status, "queued" | "accepted");
        let (error_code, error_message) = self.error();
        json!({
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "date_created": date,
            "date_sent": if unsent { Value::Null } else { json!(date) },
            "date_updated": rfc2822(self.updated),
            "direction": if self.inbound { "inbound" } else { "outbound-api" },
            "error_code": error_code,
            "error_message": error_message,
            "from": self.from,
            "messaging_service_sid": self.service,
            "num_media": "0",
            "num_segments": if self.inbound || whatsapp { 1 } else { segments(&self.body) }.to_string(),
            "price": null,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": format!("{uri}/Media.json")},
            "to": self.to,
            "uri": format!("{uri}.json"),
        })
    }
}

/// The wording of Twilio's error codes for messages that did not arrive (from its error
/// dictionary; Twilio sends `error_message` null on many of them, we send the title).
fn error_message(code: u32) -> &'static str {
    match code {
        30003 => "Unreachable destination handset",
        30004 => "Message blocked",
        30005 => "Unknown destination handset",
        30006 => "Landline or unreachable carrier",
        30007 => "Message filtered",
        30008 => "Unknown error",
        21610 => "Attempt to send to unsubscribed recipient",
        63016 => "Failed to send freeform message because you are outside the allowed window. Please use a Template.",
        _ => "Message delivery failed",
    }
}

/// SMS segments. Approximation: ASCII counts as GSM-7 (160, or 153 a part), anything else as
/// UCS-2 (70, or 67 a part, in UTF-16 units); GSM's extension characters are not counted twice.
fn segments(body: &str) -> usize {
    let (single, part, length) = if body.is_ascii() {
        (160, 153, body.len())
    } else {
        (70, 67, body.encode_utf16().count())
    };
    if length <= single {
        1
    } else {
        length.div_ceil(part)
    }
}

/// `/2010-04-01/Accounts/{sid}.json` (the account: "test connection") → the sid.
fn account_route(path: &str) -> Option<&str> {
    let sid = path.strip_prefix(API)?.strip_prefix('/')?.strip_suffix(".json")?;
    (!sid.is_empty() && !sid.contains('/')).then_some(sid)
}

/// `/2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json` → (the sid, the message's sid).
fn message_route(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(API)?.strip_prefix('/')?;
    let (sid, rest) = rest.split_once('/')?;
    let message = rest.strip_prefix("Messages/")?.strip_suffix(".json")?;
    (!sid.is_empty() && !message.is_empty() && !message.contains('/')).then_some((sid, message))
}

/// `/2010-04-01/Accounts/{sid}/Messages.json` → the sid.
fn route(path: &str) -> Option<&str> {
    let sid = path
        .strip_prefix(API)?
        .strip_prefix('/')?
        .strip_suffix("/Messages.json")?;
    (!sid.is_empty() && !sid.contains('/')).then_some(sid)
}

fn error(status: u16, code: u32, message: &str) -> Reply {
    Reply::json(
        status,
        json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        }),
    )
}

/// `Basic base64(user:password)` → (user, password).
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Standard base64, padding optional.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().take_while(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if month <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        month,
        day,
    )
}

/// `Tue, 26 Jul 2016 12:50:07 +0000`
fn rfc2822(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The seconds a date filter's value names, as `[start, end)`: a whole UTC day for
/// `YYYY-MM-DD`, one second for `YYYY-MM-DDTHH:MM:SSZ`.
fn date_range(value: &str) -> Option<(i64, i64)> {
    let number = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let (date, time) = match value.split_once('T') {
        Some((date, time)) => (date, Some(time.strip_suffix('Z').unwrap_or(time))),
        None => (value, None),
    };
    let mut parts = date.split('-');
    let (year, month, day) = (
        number(parts.next()?)?,
        number(parts.next()?)?,
        number(parts.next()?)?,
    );
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let start = days_from_civil(year, month, day) * 86_400;
    let Some(time) = time else {
        return Some((start, start + 86_400));
    };
    let mut hms = time.split(':');
    let (h, m, s) = (
        number(hms.next()?)?,
        number(hms.next()?)?,
        number(hms.next()?)?,
    );
    if hms.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let at = start + h * 3600 + m * 60 + s;
    Some((at, at + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_and_parse() {
        assert_eq!(rfc2822(1_469_537_407), "Tue, 26 Jul 2016 12:50:07 +0000");
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            date_range("2016-07-26"),
            Some((1_469_491_200, 1_469_577_600))
        );
        assert_eq!(
            date_range("2016-07-26T12:50:07Z"),
            Some((1_469_537_407, 1_469_537_408))
        );
        assert_eq!(date_range("2016-13-01"), None);
        assert_eq!(date_range("yesterday"), None);
        assert_eq!(date_range("2016-07-26-01"), None);
    }

    #[test]
    fn e164_and_basic_auth() {
        assert!(is_e164("+971501234567"));
        assert!(!is_e164("971501234567"));
        assert!(!is_e164("+0501234567"));
        assert!(!is_e164("+12345"));
        assert!(!is_e164("+1234567890123456"));
        assert_eq!(
            basic_credentials("Basic QUMxMjM6c2VjcmV0"),
            Some(("AC123".to_string(), "secret".to_string()))
        );
        assert_eq!(basic_credentials("Basic !!!"), None);
        assert_eq!(basic_credentials("Bearer QUMxMjM6c2VjcmV0"), None);
    }

    #[test]
    fn segments_follow_the_encoding() {
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"ع".repeat(70)), 1);
        assert_eq!(segments(&"ع".repeat(71)), 2);
    }
}
