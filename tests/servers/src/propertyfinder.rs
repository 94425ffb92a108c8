//! Property Finder's Enterprise API ("Atlas"): `POST /v1/auth/token` with `{apiKey,
//! apiSecret}` → a bearer token that expires (1800 s unless a test shortens it), and `GET
//! /v1/leads` with it: `page` ≥ 1, `perPage` 1–50, `orderBy`/`orderDirection`,
//! `createdAtFrom`/`createdAtTo` (RFC 3339, from at most three months back), `channel`.
//! Errors in the legacy body `{detail, title, type}`, or with `X-PF-Error-Format:
//! problem-json-v2` as `application/problem+json` `{type, code, title, detail, status,
//! errors[]}`. Limits: 60 requests a minute on the token endpoint, 650 elsewhere, then 429 with
//! `Retry-After`; a test can force 429s, and take the scope `leads:read` away (403).
//!
//! Guesses where the documentation is silent: the three-month bound is taken as 89 days (the
//! shortest three months), a token's JWT is an opaque string here, and `createdAtFrom` is
//! inclusive.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::http::{lock, unique_hex32, Reply, Request, Server};

/// The shortest "three months back" (1 February to 1 May).
const MAX_BACK_DAYS: i64 = 89;

/// A lead as the stand-in holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct PfLead {
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// `email`, `whatsapp` or `call`.
    pub channel: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub listing_reference: Option<String>,
}

impl PfLead {
    /// An email lead created at `created_at` (RFC 3339).
    pub fn new(id: &str, created_at: &str, name: &str) -> PfLead {
        PfLead {
            id: id.into(),
            created_at: DateTime::parse_from_rfc3339(created_at).expect("an RFC 3339 time").with_timezone(&Utc),
            channel: "email".into(),
            name: name.into(),
            phone: None,
            email: None,
            listing_reference: None,
        }
    }

    pub fn phone(mut self, phone: &str) -> PfLead {
        self.phone = Some(phone.into());
        self
    }

    pub fn email(mut self, email: &str) -> PfLead {
        self.email = Some(email.into());
        self
    }

    pub fn listing(mut self, reference: &str) -> PfLead {
        self.listing_reference = Some(reference.into());
        self
    }

    pub fn channel(mut self, channel: &str) -> PfLead {
        self.channel = channel.into();
        self
    }

    fn json(&self) -> Value {
        let mut contacts = vec![];
        if let Some(p) = &self.phone {
            contacts.push(json!({"type": "phone", "value": p}));
            if self.channel == "whatsapp" {
                contacts.push(json!({"type": "whatsappUsername", "value": p}));
            }
        }
        if let Some(e) = &self.email {
            contacts.push(json!({"type": "email", "value": e}));
        }
        let mut v = json!({
            "id": self.id,
            "createdAt": self.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "channel": self.channel,
            "status": "delivered",
            "entityType": "listing",
            "listing": {"id": format!("L{}", self.id), "reference": self.listing_reference},
            "responseLink": format!("https://expert.propertyfinder.ae/leads/{}", self.id),
            "tags": [],
            "sender": {"name": self.name, "contacts": contacts},
        });
        if self.channel == "call" {
            v["call"] = json!({"talkTime": 42, "waitTime": 3, "recordFile": null});
        }
        v
    }
}

/// The Property Finder stand-in. See the crate documentation.
pub struct PropertyFinder {
    server: Server,
    state: Arc<Mutex<State>>,
}

struct State {
    key: String,
    secret: String,
    lifetime: Duration,
    tokens: HashMap<String, Instant>,
    leads: Vec<PfLead>,
    scope_leads: bool,
    /// Fixed "now" for the three-month bound (else the system clock).
    now: Option<DateTime<Utc>>,
    token_window: VecDeque<Instant>,
    other_window: VecDeque<Instant>,
    token_limit: usize,
    other_limit: usize,
    forced_429: usize,
    retry_after: Option<u64>,
    token_requests: usize,
    /// The query pairs of every `GET /v1/leads` answered 200.
    lead_queries: Vec<Vec<(String, String)>>,
    rejected_429: usize,
}

impl PropertyFinder {
    /// Starts a server accepting the key `api_key` with `api_secret`.
    pub fn start(api_key: &str, api_secret: &str) -> PropertyFinder {
        let state = Arc::new(Mutex::new(State {
            key: api_key.into(),
            secret: api_secret.into(),
            lifetime: Duration::from_secs(1800),
            tokens: HashMap::new(),
            leads: vec![],
            scope_leads: true,
            now: None,
            token_window: VecDeque::new(),
            other_window: VecDeque::new(),
            token_limit: 60,
            other_limit: 650,
            forced_429: 0,
            retry_after: None,
            token_requests: 0,
            lead_queries: vec![],
            rejected_429: 0,
        }));
        let server = {
            let state = state.clone();
            Server::start("propertyfinder", move |request| {
                let reply = lock(&state).handle(&request);
                async move { reply }
            })
        };
        PropertyFinder { server, state }
    }

    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Every HTTP request seen.
    pub fn requests(&self) -> usize {
        self.server.requests()
    }

    pub fn down(&self) {
        self.server.down()
    }

    pub fn up(&self) {
        self.server.up()
    }

    pub fn add_lead(&self, lead: PfLead) {
        lock(&self.state).leads.push(lead);
    }

    /// Tokens issued from now on last this long (1800 s by default).
    pub fn token_lifetime(&self, lifetime: Duration) {
        lock(&self.state).lifetime = lifetime;
    }

    /// Every token issued so far stops working (401), as at expiry.
    pub fn expire_tokens(&self) {
        lock(&self.state).tokens.clear();
    }

    /// Replaces the accepted key and secret; tokens already issued stop working.
    pub fn set_credentials(&self, api_key: &str, api_secret: &str) {
        let mut s = lock(&self.state);
        s.key = api_key.into();
        s.secret = api_secret.into();
        s.tokens.clear();
    }

    /// Whether the key has the scope `leads:read` (without it, `GET /v1/leads` → 403).
    pub fn scope_leads(&self, granted: bool) {
        lock(&self.state).scope_leads = granted;
    }

    /// The three-month bound counts back from `now` instead of the system clock.
    pub fn set_now(&self, now: &str) {
        lock(&self.state).now = Some(DateTime::parse_from_rfc3339(now).expect("an RFC 3339 time").with_timezone(&Utc));
    }

    /// The next `n` requests (any endpoint) get 429, with `Retry-After: secs` when given.
    pub fn force_429(&self, n: usize, retry_after: Option<u64>) {
        let mut s = lock(&self.state);
        s.forced_429 = n;
        s.retry_after = retry_after;
    }

    /// Per-minute limits: `token` on the token endpoint, `other` elsewhere (60 and 650).
    pub fn limits(&self, token: usize, other: usize) {
        let mut s = lock(&self.state);
        s.token_limit = token;
        s.other_limit = other;
    }

    /// Token requests received (answered or refused).
    pub fn token_requests(&self) -> usize {
        lock(&self.state).token_requests
    }

    /// The query of every `GET /v1/leads` answered with leads, in order.
    pub fn lead_queries(&self) -> Vec<Vec<(String, String)>> {
        lock(&self.state).lead_queries.clone()
    }

    pub fn rejected_429(&self) -> usize {
        lock(&self.state).rejected_429
    }
}

/// An error in the format the request asked for.
fn error(request: &Request, status: u16, code: &str, title: &str, detail: &str, errors: Value) -> Reply {
    if request.header("x-pf-error-format") == Some("problem-json-v2") {
        let body = json!({"type": format!("https://atlas.propertyfinder.com/errors/{}", code.to_ascii_lowercase()),
            "code": code, "title": title, "detail": detail, "status": status, "errors": errors});
        Reply::raw(status, "application/problem+json", &body.to_string())
    } else {
        let kind = match status {
            401 => "AUTHENTICATION",
            403 => "AUTHORIZATION",
            429 => "RATE_LIMIT",
            _ => "VALIDATION",
        };
        Reply::json(status, json!({"detail": detail, "title": title, "type": kind}))
    }
}

fn over(window: &mut VecDeque<Instant>, limit: usize) -> bool {
    let now = Instant::now();
    while window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60)) {
        window.pop_front();
    }
    if window.len() >= limit {
        return true;
    }
    window.push_back(now);
    false
}

impl State {
    fn handle(&mut self, request: &Request) -> Reply {
        let token_route = request.path == "/v1/auth/token";
        if token_route {
            self.token_requests += 1;
        }
        let limited = if self.forced_429 > 0 {
            self.forced_429 -= 1;
            true
        } else if token_route {
            over(&mut self.token_window, self.token_limit)
        } else {
            over(&mut self.other_window, self.other_limit)
        };
        if limited {
            self.rejected_429 += 1;
            let reply = error(request, 429, "RATE_LIMIT_EXCEEDED", "Too Many Requests", "Rate limit exceeded", json!([]));
            return match self.retry_after.take() {
                Some(s) => reply.with_header("Retry-After", &s.to_string()),
                None => reply,
            };
        }
        match (request.method.as_str(), request.path.as_str()) {
            ("POST", "/v1/auth/token") => self.token(request),
            ("GET", "/v1/leads") => self.leads(request),
            _ => error(request, 404, "NOT_FOUND", "Not Found", "No route", json!([])),
        }
    }

    fn token(&mut self, request: &Request) -> Reply {
        if request.content_type() != "application/json" {
            return error(request, 400, "BAD_REQUEST", "Bad Request", "The body must be JSON", json!([]));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let (Some(key), Some(secret)) = (body["apiKey"].as_str(), body["apiSecret"].as_str()) else {
            return error(request, 400, "BAD_REQUEST", "Bad Request", "apiKey and apiSecret are required",
                json!([{"field": "apiKey", "message": "is required"}]));
        };
        if key != self.key || secret != self.secret {
            return error(request, 401, "INVALID_CREDENTIALS", "Unauthorized", "Invalid API key or secret", json!([]));
        }
        let token = format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", unique_hex32());
        self.tokens.insert(token.clone(), Instant::now() + self.lifetime);
        Reply::json(200, json!({"accessToken": token, "expiresIn": self.lifetime.as_secs(), "tokenType": "Bearer"}))
    }

    fn leads(&mut self, request: &Request) -> Reply {
        let bearer = request.header("authorization").and_then(|h| h.strip_prefix("Bearer "));
        let valid = bearer.and_then(|t| self.tokens.get(t)).is_some_and(|until| Instant::now() < *until);
        if !valid {
            return error(request, 401, "UNAUTHORIZED", "Unauthorized", "The access token is missing, invalid or expired", json!([]));
        }
        if !self.scope_leads {
            return error(request, 403, "FORBIDDEN", "Forbidden", "The API key lacks the scope leads:read", json!([]));
        }
        let q = request.query_pairs();
        let get = |name: &str| q.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let invalid = |field: &str, message: &str| {
            error(request, 422, "VALIDATION_ERROR", "Validation failed", "The request is invalid", json!([{"field": field, "message": message}]))
        };
        let page = match get("page").map(|p| p.parse::<usize>()) {
            None => 1,
            Some(Ok(p)) if p >= 1 => p,
            _ => return invalid("page", "must be an integer of at least 1"),
        };
        let per_page = match get("perPage").map(|p| p.parse::<usize>()) {
            None => 20,
            Some(Ok(p)) if (1..=50).contains(&p) => p,
            _ => return invalid("perPage", "must be between 1 and 50"),
        };
        let now = self.now.unwrap_or_else(Utc::now);
        let time = |name: &str| -> Result<Option<DateTime<Utc>>, Box<Reply>> {
            match get(name) {
                None => Ok(None),
                Some(t) => DateTime::parse_from_rfc3339(&t)
                    .map(|t| Some(t.with_timezone(&Utc)))
                    .map_err(|_| Box::new(invalid(name, "must be an RFC 3339 date-time"))),
            }
        };
        let from = match time("createdAtFrom") {
            Ok(t) => t,
            Err(r) => return *r,
        };
        let to = match time("createdAtTo") {
            Ok(t) => t,
            Err(r) => return *r,
        };
        if from.is_some_and(|f| f < now - chrono::Duration::days(MAX_BACK_DAYS)) {
            return invalid("createdAtFrom", "must be within the last 3 months");
        }
        let order_by = get("orderBy").unwrap_or_else(|| "createdAt".into());
        if order_by != "createdAt" && order_by != "id" {
            return invalid("orderBy", "must be createdAt or id");
        }
        let desc = match get("orderDirection").as_deref() {
            None | Some("desc") => true,
            Some("asc") => false,
            _ => return invalid("orderDirection", "must be asc or desc"),
        };
        let channel = get("channel");
        if channel.as_deref().is_some_and(|c| !["whatsapp", "email", "call"].contains(&c)) {
            return invalid("channel", "must be whatsapp, email or call");
        }
        let mut all: Vec<&PfLead> = self
            .leads
            .iter()
            .filter(|l| from.map_or(true, |f| l.created_at >= f) && to.map_or(true, |t| l.created_at <= t))
            .filter(|l| channel.as_deref().map_or(true, |c| l.channel == c))
            .collect();
        all.sort_by(|a, b| if order_by == "id" { a.id.cmp(&b.id) } else { a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)) });
        if desc {
            all.reverse();
        }
        let total = all.len();
        let total_pages = total.div_ceil(per_page).max(1);
        let data: Vec<Value> = all.iter().skip((page - 1) * per_page).take(per_page).map(|l| l.json()).collect();
        let mut pagination = json!({"total": total, "page": page, "perPage": per_page, "totalPages": total_pages});
        if page < total_pages {
            pagination["nextPage"] = json!(page + 1);
        }
        if page > 1 {
            pagination["prevPage"] = json!(page - 1);
        }
        self.lead_queries.push(q.clone());
        Reply::json(200, json!({"data": data, "pagination": pagination}))
    }
}
