//! The WhatsApp Business Cloud API: `POST {base}/v{version}/{phone_number_id}/messages` with a
//! text or a template message.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use crate::http::{common_api, lock, unique_hex32, Common, Reply, Request, Server};

/// A message accepted by the send call, in arrival order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaSent {
    /// The recipient, digits only.
    pub to: String,
    /// `"text"` or `"template"`.
    pub kind: String,
    /// A text message's body.
    pub body: Option<String>,
    /// A template message's name and language code.
    pub template: Option<String>,
    pub language: Option<String>,
    /// A template's text parameters, in the order of its components.
    pub params: Vec<String>,
}

/// The WhatsApp Cloud API stand-in. See the crate documentation.
pub struct WhatsApp {
    server: Server,
    state: Arc<Mutex<State>>,
}

struct State {
    token: String,
    token_expired: bool,
    phone_number_id: String,
    /// Numbers (digits) whose customer-service window is open.
    windows: HashSet<String>,
    not_on_whatsapp: HashSet<String>,
    stopped_marketing: HashSet<String>,
    approved: HashSet<String>,
    /// Templates declared as Meta stores them: name → (the languages it was approved in, the
    /// number of body parameters it declares).
    declared: HashMap<String, (Vec<String>, usize)>,
    sent: Vec<WaSent>,
    common: Common,
}

common_api!(WhatsApp);

impl WhatsApp {
    /// Starts a server accepting the access token `token` for the phone number id given.
    pub fn start(token: &str, phone_number_id: &str) -> WhatsApp {
        let state = Arc::new(Mutex::new(State {
            token: token.to_string(),
            token_expired: false,
            phone_number_id: phone_number_id.to_string(),
            windows: HashSet::new(),
            not_on_whatsapp: HashSet::new(),
            stopped_marketing: HashSet::new(),
            approved: HashSet::new(),
            declared: HashMap::new(),
            sent: Vec::new(),
            common: Common::default(),
        }));
        let server = {
            let state = state.clone();
            Server::start("whatsapp", move |request| {
                let reply = lock(&state).handle(&request);
                async move { reply }
            })
        };
        WhatsApp { server, state }
    }

    /// The current token now gets 401 code 190 "Session has expired".
    pub fn expire_token(&self) {
        lock(&self.state).token_expired = true;
    }

    /// Replaces the accepted token (a fresh one, not expired).
    pub fn set_token(&self, token: &str) {
        let mut state = lock(&self.state);
        state.token = token.to_string();
        state.token_expired = false;
    }

    /// The customer wrote: text messages to this number are allowed from now on (this server
    /// never lets the 24 hours run out; use [`WhatsApp::close_window`]).
    pub fn customer_wrote(&self, number: &str) {
        lock(&self.state).windows.insert(digits(number));
    }

    /// Text messages to this number → 400 code 131047 again.
    pub fn close_window(&self, number: &str) {
        lock(&self.state).windows.remove(&digits(number));
    }

    /// Any message to this number → 400 code 131026.
    pub fn not_on_whatsapp(&self, number: &str) {
        lock(&self.state).not_on_whatsapp.insert(digits(number));
    }

    /// Template messages to this number → 400 code 131050.
    pub fn stopped_marketing(&self, number: &str) {
        lock(&self.state).stopped_marketing.insert(digits(number));
    }

    /// The template `name` may be sent (in any language); others → 404 code 132001.
    pub fn approve_template(&self, name: &str) {
        lock(&self.state).approved.insert(name.to_string());
    }

    /// The template `name`, approved in exactly these `languages` (`en_US`, `fa`, `ar`…) with
    /// exactly `params` body parameters, as Meta keeps it: another language → 404 code 132001
    /// ("template name does not exist in the translation"), another number of parameters → 400
    /// code 132000.
    pub fn declare_template(&self, name: &str, languages: &[&str], params: usize) {
        let languages = languages.iter().map(|l| l.to_string()).collect();
        lock(&self.state).declared.insert(name.to_string(), (languages, params));
    }

    /// The messages accepted, in arrival order.
    pub fn sent(&self) -> Vec<WaSent> {
        lock(&self.state).sent.clone()
    }
}

/// The number's digits (`+971 50-123 4567` → `971501234567`).
fn digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// `/v21.0/{id}` → the id (a node read).
fn node_route(path: &str) -> Option<&str> {
    let mut parts = path.strip_prefix('/')?.split('/');
    let (version, id) = (parts.next()?.strip_prefix('v')?, parts.next()?);
    let version_ok = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    (version_ok && !id.is_empty() && parts.next().is_none()).then_some(id)
}

/// `/v21.0/{id}/messages` → the phone number id.
fn send_route(path: &str) -> Option<&str> {
    let mut parts = path.strip_prefix('/')?.split('/');
    let (version, id, edge) = (parts.next()?, parts.next()?, parts.next()?);
    let version = version.strip_prefix('v')?;
    let version_ok = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    (version_ok && !id.is_empty() && edge == "messages" && parts.next().is_none()).then_some(id)
}

impl State {
    fn handle(&mut self, request: &Request) -> Reply {
        if let Some(id) = node_route(&request.path).filter(|_| request.method == hyper::Method::GET) {
            return self.phone_number(request, id);
        }
        let Some(phone_number_id) = send_route(&request.path) else {
            // Guess: the Graph API's answer for a path it does not know.
            return graph_error(
                400,
                2500,
                &format!("Unknown path components: {}", request.path),
                None,
            );
        };
        if request.method != hyper::Method::POST {
            return unsupported(
                &request.method.as_str().to_ascii_lowercase(),
                phone_number_id,
            );
        }
        if let Some(reply) = self.common.injected_failure() {
            return reply;
        }
        let reply = self.send(request, phone_number_id);
        self.common.finish(reply)
    }

    /// `GET /v21.0/{id}`: the phone number node ("test connection" reads it).
    fn phone_number(&self, request: &Request, id: &str) -> Reply {
        if let Some(refused) = self.refuse_token(request) {
            return refused;
        }
        if id != self.phone_number_id {
            return unsupported("get", id);
        }
        Reply::json(
            200,
            json!({"verified_name": "Leadbook Test", "display_phone_number": "+971 4 555 0000", "id": id, "quality_rating": "GREEN"}),
        )
    }

    /// The answer to a missing, wrong or expired bearer token, if it is one.
    fn refuse_token(&self, request: &Request) -> Option<Reply> {
        let token = request.header("authorization").and_then(|h| {
            let (scheme, token) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
        if token != Some(self.token.as_str()) {
            // Unverified: a missing token gets code 190 here too (the Graph API may answer 400).
            return Some(graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token", None));
        }
        if self.token_expired {
            return Some(graph_error(401, 190, "Error validating access token: Session has expired", Some(463)));
        }
        None
    }

    fn send(&mut self, request: &Request, phone_number_id: &str) -> Reply {
        if let Some(refused) = self.refuse_token(request) {
            return refused;
        }
        if phone_number_id != self.phone_number_id {
            return unsupported("post", phone_number_id);
        }

        let message = match parse(&request.body) {
            Ok(message) => message,
            Err(Invalid(message)) => return graph_error(400, 100, &message, None),
        };
        let to = digits(&message.to);
        if to.is_empty() {
            // Guess: the code the API gives for a `to` with no digits.
            return whatsapp_error(
                400,
                131009,
                "Parameter value is not valid",
                "The recipient phone number is not valid.",
            );
        }
        if let Some((languages, params)) = message.sent.template.as_ref().and_then(|n| self.declared.get(n)) {
            let name = message.sent.template.as_deref().unwrap_or_default();
            let language = message.sent.language.as_deref().unwrap_or("");
            if !languages.iter().any(|l| l == language) {
                let details = format!("template name ({name}) does not exist in {language}");
                return whatsapp_error(404, 132001, "Template name does not exist in the translation", &details);
            }
            if message.sent.params.len() != *params {
                let details = format!("body: number of localizable_params ({}) does not match the expected number of params ({params})", message.sent.params.len());
                return whatsapp_error(400, 132000, "Number of parameters does not match the expected number of params", &details);
            }
        } else if let Some(name) = &message.sent.template {
            if !self.approved.contains(name) {
                let language = message.sent.language.as_deref().unwrap_or("");
                let details = format!("template name ({name}) does not exist in {language}");
                return whatsapp_error(
                    404,
                    132001,
                    "Template name does not exist in the translation",
                    &details,
                );
            }
        }

        if self.common.rate_wait() > 0 {
            self.common.rejected_429 += 1;
            return whatsapp_error(
                429,
                130429,
                "Rate limit hit",
                "Cloud API message throughput has been reached.",
            );
        }
        self.common.rate_take();

        // In production 131026, 131047 and 131050 often arrive later, in a status webhook;
        // this server gives them on the send call, which a client must handle as well.
        if self.not_on_whatsapp.contains(&to) {
            return whatsapp_error(
                400,
                131026,
                "Message undeliverable",
                "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number.",
            );
        }
        if message.sent.kind == "text" && !self.windows.contains(&to) {
            return whatsapp_error(
                400,
                131047,
                "Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            );
        }
        // Guess: applied to every template (we do not model template categories), never to
        // text inside the window.
        if message.sent.kind == "template" && self.stopped_marketing.contains(&to) {
            return whatsapp_error(
                400,
                131050,
                "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business",
                "The recipient has chosen to stop receiving marketing messages from your business.",
            );
        }

        self.sent.push(WaSent {
            to: to.clone(),
            ..message.sent
        });
        let id = format!(
            "wamid.HBgM{to}FQIAERgS{}",
            unique_hex32().to_ascii_uppercase()
        );
        Reply::json(
            200,
            json!({
                "messaging_product": "whatsapp",
                "contacts": [{"input": message.to, "wa_id": to}],
                "messages": [{"id": id}],
            }),
        )
    }
}

struct Message {
    /// `to` as sent.
    to: String,
    sent: WaSent,
}

/// Why the Graph API refuses a send call's body: its `(#100) …` message.
struct Invalid(String);

impl From<&str> for Invalid {
    fn from(message: &str) -> Self {
        Invalid(message.to_string())
    }
}

impl From<String> for Invalid {
    fn from(message: String) -> Self {
        Invalid(message)
    }
}

/// Validates a send call's JSON body; the error is the `(#100) …` message. The wording of these
/// messages follows the Graph API's style; the exact texts are unverified.
fn parse(body: &[u8]) -> Result<Message, Invalid> {
    let body: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(body)) => body,
        _ => return Err("(#100) Invalid parameter".into()),
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    if text(body.get("messaging_product")).as_deref() != Some("whatsapp") {
        return Err("(#100) The parameter messaging_product is required.".into());
    }
    let Some(to) = text(body.get("to")).filter(|t| !t.trim().is_empty()) else {
        return Err("(#100) The parameter to is required.".into());
    };
    let kind = text(body.get("type")).unwrap_or_else(|| "text".into());
    let mut sent = WaSent {
        to: String::new(),
        kind: kind.clone(),
        body: None,
        template: None,
        language: None,
        params: vec![],
    };
    match kind.as_str() {
        "text" => {
            let Some(text_body) = text(body.get("text").and_then(|t| t.get("body"))) else {
                return Err("(#100) The parameter text['body'] is required.".into());
            };
            if text_body.chars().count() > 4096 {
                return Err(
                    "(#100) Param text['body'] must be at most 4096 characters long.".into(),
                );
            }
            sent.body = Some(text_body);
        }
        "template" => {
            let template = body.get("template");
            let Some(name) = text(template.and_then(|t| t.get("name"))) else {
                return Err("(#100) The parameter template['name'] is required.".into());
            };
            let Some(language) = text(
                template
                    .and_then(|t| t.get("language"))
                    .and_then(|l| l.get("code")),
            ) else {
                return Err("(#100) The parameter template['language'] is required.".into());
            };
            let components = template
                .and_then(|t| t.get("components"))
                .and_then(Value::as_array);
            sent.params = components
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("parameters").and_then(Value::as_array))
                .flatten()
                .filter_map(|p| text(p.get("text")))
                .collect();
            sent.template = Some(name);
            sent.language = Some(language);
        }
        other => {
            return Err(format!(
            "(#100) Param type must be one of {{text, template}} in this test server, got {other}"
        )
        .into())
        }
    }
    Ok(Message { to, sent })
}

fn fbtrace_id() -> String {
    format!("A{}", &unique_hex32()[..22])
}

/// A Graph API error without `error_data`.
fn graph_error(status: u16, code: u32, message: &str, subcode: Option<u32>) -> Reply {
    let mut error = json!({"message": message, "type": "OAuthException", "code": code, "fbtrace_id": fbtrace_id()});
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    Reply::json(status, json!({ "error": error }))
}

/// The Graph API's answer for an object id it does not have (here: a wrong phone number id).
fn unsupported(method: &str, id: &str) -> Reply {
    let message = format!(
        "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing \
         permissions, or does not support this operation. Please read the Graph API documentation at \
         https://developers.facebook.com/docs/graph-api"
    );
    graph_error(400, 100, &message, Some(33))
}

/// A WhatsApp error: `(#CODE) title` plus `error_data.details`.
fn whatsapp_error(status: u16, code: u32, title: &str, details: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {
            "message": format!("(#{code}) {title}"),
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": fbtrace_id(),
        }}),
    )
}
