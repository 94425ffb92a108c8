//! Bayut's (and dubizzle's) Profolio leads API: `GET /v1/leads` with `Authorization: Bearer
//! <token>`, `is_lead=1` (0 answers view counts, not leads), `created_from`/`created_to`
//! (`YYYY-MM-DD`, else 422), `page` ≥ 1, `per_page` 1–100 (else 422), `channel`, `target` →
//! `{"data":[{lead, inquirer_details, listing_details}], "meta":{current_page, from, to,
//! total, per_page, last_page}}` with `date_time` in Dubai time without a zone; and the older
//! `GET /api-v7/stats/website-client-leads` (`type`, `is_trulead`, `timestamp` `YYYY-MM-DD
//! HH:MM:SS`) → a bare array of `{lead_id, source, date_time, listing_details,
//! inquirer_details}`, no paging. An expired key answers the HTML login page (200) on both;
//! a test can make v1 answer 404 or 410 (an account without it), force 429s, and have the
//! older endpoint list a lead twice.
//!
//! Guesses where the documentation is silent: the older endpoint takes the same bearer token;
//! errors are Laravel's `{"message", "errors":{field:[..]}}`; leads are listed oldest first.

use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use crate::http::{lock, Reply, Request, Server};

/// A lead as the stand-in holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct ByLead {
    /// `sms|<uuid>`, `call|…`, `website|…` on v1; the older endpoint shows it as `lead_id`.
    pub id: String,
    /// Dubai wall-clock time, `YYYY-MM-DD HH:MM:SS`.
    pub date_time: String,
    pub channel: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub message: Option<String>,
    pub reference: Option<String>,
}

impl ByLead {
    pub fn new(id: &str, date_time: &str, name: &str) -> ByLead {
        NaiveDateTime::parse_from_str(date_time, "%Y-%m-%d %H:%M:%S").expect("YYYY-MM-DD HH:MM:SS");
        ByLead {
            id: id.into(),
            date_time: date_time.into(),
            channel: "website".into(),
            name: name.into(),
            phone: None,
            email: None,
            message: None,
            reference: None,
        }
    }

    pub fn phone(mut self, phone: &str) -> ByLead {
        self.phone = Some(phone.into());
        self
    }

    pub fn email(mut self, email: &str) -> ByLead {
        self.email = Some(email.into());
        self
    }

    pub fn message(mut self, message: &str) -> ByLead {
        self.message = Some(message.into());
        self
    }

    pub fn listing(mut self, reference: &str) -> ByLead {
        self.reference = Some(reference.into());
        self
    }

    pub fn channel(mut self, channel: &str) -> ByLead {
        self.channel = channel.into();
        self
    }

    fn at(&self) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&self.date_time, "%Y-%m-%d %H:%M:%S").unwrap_or_default()
    }

    fn v1(&self) -> Value {
        json!({
            "lead": {"id": self.id, "source": "bayut", "target": "listing", "channel": self.channel, "date_time": self.date_time},
            "inquirer_details": {"name": self.name, "phone": self.phone, "email": self.email, "message": self.message},
            "listing_details": {"id": 1000, "reference": self.reference, "title": "Apartment"},
        })
    }

    fn older(&self) -> Value {
        json!({
            "lead_id": self.id, "source": "bayut", "date_time": self.date_time,
            "listing_details": {"listing_id": 1000, "listing_reference": self.reference},
            "inquirer_details": {"name": self.name, "cell": self.phone, "email": self.email, "message": self.message},
        })
    }
}

const LOGIN_PAGE: &str = "<!DOCTYPE html><html><head><title>Login | Profolio</title></head><body><form action=\"/login\" method=\"post\"><input name=\"email\"><input name=\"password\" type=\"password\"></form></body></html>";

/// The Bayut/dubizzle Profolio stand-in. See the crate documentation.
pub struct Bayut {
    server: Server,
    state: Arc<Mutex<State>>,
}

struct State {
    token: String,
    expired: bool,
    leads: Vec<ByLead>,
    v1_status: Option<u16>,
    forced_429: usize,
    retry_after: Option<u64>,
    older_repeats: bool,
    v1_queries: Vec<Vec<(String, String)>>,
    older_queries: Vec<Vec<(String, String)>>,
}

impl Bayut {
    pub fn start(token: &str) -> Bayut {
        let state = Arc::new(Mutex::new(State {
            token: token.into(),
            expired: false,
            leads: vec![],
            v1_status: None,
            forced_429: 0,
            retry_after: None,
            older_repeats: false,
            v1_queries: vec![],
            older_queries: vec![],
        }));
        let server = {
            let state = state.clone();
            Server::start("bayut", move |request| {
                let reply = lock(&state).handle(&request);
                async move { reply }
            })
        };
        Bayut { server, state }
    }

    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn requests(&self) -> usize {
        self.server.requests()
    }

    pub fn down(&self) {
        self.server.down()
    }

    pub fn up(&self) {
        self.server.up()
    }

    pub fn add_lead(&self, lead: ByLead) {
        lock(&self.state).leads.push(lead);
    }

    /// The key has expired: every answer is the HTML login page (200), as Bayut's site gives.
    pub fn expire_key(&self, expired: bool) {
        lock(&self.state).expired = expired;
    }

    /// `GET /v1/leads` answers `status` (404, 410) from now on; `None` serves it again.
    pub fn v1_answers(&self, status: Option<u16>) {
        lock(&self.state).v1_status = status;
    }

    pub fn force_429(&self, n: usize, retry_after: Option<u64>) {
        let mut s = lock(&self.state);
        s.forced_429 = n;
        s.retry_after = retry_after;
    }

    /// The older endpoint lists every lead twice (it has no paging and repeats itself).
    pub fn older_repeats(&self, repeats: bool) {
        lock(&self.state).older_repeats = repeats;
    }

    pub fn v1_queries(&self) -> Vec<Vec<(String, String)>> {
        lock(&self.state).v1_queries.clone()
    }

    pub fn older_queries(&self) -> Vec<Vec<(String, String)>> {
        lock(&self.state).older_queries.clone()
    }
}

fn invalid(field: &str, message: &str) -> Reply {
    Reply::json(422, json!({"message": "The given data was invalid.", "errors": {field: [message]}}))
}

impl State {
    fn handle(&mut self, request: &Request) -> Reply {
        if self.forced_429 > 0 {
            self.forced_429 -= 1;
            let reply = Reply::json(429, json!({"message": "Too Many Attempts."}));
            return match self.retry_after.take() {
                Some(s) => reply.with_header("Retry-After", &s.to_string()),
                None => reply,
            };
        }
        let older = request.path == "/api-v7/stats/website-client-leads" || request.path == "/profolio/api-v7/stats/website-client-leads";
        if request.path != "/v1/leads" && !older {
            return Reply::json(404, json!({"message": "Not Found"}));
        }
        if request.method != hyper::Method::GET {
            return Reply::json(405, json!({"message": "The method is not supported for this route."}));
        }
        if self.expired {
            return Reply::raw(200, "text/html; charset=UTF-8", LOGIN_PAGE);
        }
        let bearer = request.header("authorization").and_then(|h| h.strip_prefix("Bearer "));
        if bearer != Some(self.token.as_str()) {
            return Reply::json(401, json!({"message": "Unauthenticated."}));
        }
        if older {
            self.older(request)
        } else if let Some(status) = self.v1_status {
            Reply::json(status, json!({"message": if status == 410 { "Gone" } else { "Not Found" }}))
        } else {
            self.v1(request)
        }
    }

    fn v1(&mut self, request: &Request) -> Reply {
        let q = request.query_pairs();
        let get = |name: &str| q.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let day = |name: &str| -> Result<Option<NaiveDate>, Box<Reply>> {
            match get(name) {
                None => Ok(None),
                Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| Box::new(invalid(name, &format!("The {} does not match the format Y-m-d.", name.replace('_', " "))))),
            }
        };
        let from = match day("created_from") {
            Ok(d) => d,
            Err(r) => return *r,
        };
        let to = match day("created_to") {
            Ok(d) => d,
            Err(r) => return *r,
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return invalid("created_to", "The created to must be a date after or equal to created from.");
            }
        }
        let page = match get("page").map(|p| p.parse::<usize>()) {
            None => 1,
            Some(Ok(p)) if p >= 1 => p,
            _ => return invalid("page", "The page must be at least 1."),
        };
        let per_page = match get("per_page").map(|p| p.parse::<usize>()) {
            None => 15,
            Some(Ok(p)) if (1..=100).contains(&p) => p,
            _ => return invalid("per_page", "The per page must be between 1 and 100."),
        };
        let channel = get("channel");
        if get("is_lead").as_deref() != Some("1") {
            // Views, not leads.
            return Reply::json(200, json!({"data": [{"date": from.map(|d| d.to_string()), "views": 17}], "meta": {"current_page": 1, "from": 1, "to": 1, "total": 1}}));
        }
        let mut all: Vec<&ByLead> = self
            .leads
            .iter()
            .filter(|l| from.map_or(true, |f| l.at().date() >= f) && to.map_or(true, |t| l.at().date() <= t))
            .filter(|l| channel.as_deref().map_or(true, |c| l.channel == c))
            .collect();
        all.sort_by(|a, b| a.at().cmp(&b.at()).then(a.id.cmp(&b.id)));
        let total = all.len();
        let data: Vec<Value> = all.iter().skip((page - 1) * per_page).take(per_page).map(|l| l.v1()).collect();
        let first = (page - 1) * per_page + 1;
        let (from_n, to_n) = if data.is_empty() { (Value::Null, Value::Null) } else { (json!(first), json!(first + data.len() - 1)) };
        self.v1_queries.push(q.clone());
        Reply::json(200, json!({"data": data, "meta": {"current_page": page, "from": from_n, "to": to_n, "total": total,
            "per_page": per_page, "last_page": total.div_ceil(per_page).max(1)}}))
    }

    fn older(&mut self, request: &Request) -> Reply {
        let q = request.query_pairs();
        let get = |name: &str| q.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let since = match get("timestamp") {
            None => None,
            Some(t) => match NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S") {
                Ok(t) => Some(t),
                Err(_) => return invalid("timestamp", "The timestamp does not match the format Y-m-d H:i:s."),
            },
        };
        let kind = get("type");
        if kind.as_deref().is_some_and(|k| !["email", "whatsapp", "sms", "phone", "call_logs"].contains(&k)) {
            return invalid("type", "The selected type is invalid.");
        }
        let mut rows: Vec<Value> = vec![];
        for l in self.leads.iter().filter(|l| since.map_or(true, |s| l.at() >= s)) {
            rows.push(l.older());
            if self.older_repeats {
                rows.push(l.older());
            }
        }
        self.older_queries.push(q.clone());
        Reply::json(200, Value::Array(rows))
    }
}
