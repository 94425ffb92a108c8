//! Messages written for each lead by a language model. A step's rendered template is the base;
//! when a model is set up (any OpenAI-compatible chat-completions endpoint: a local llama.cpp
//! or Ollama server works with no internet), it is asked to rewrite the message for this lead
//! — name, language, areas, budget, the listing, the last reply. Offline, not set up, slow or
//! failing: the template goes, and the message says why. The prompt and the answer stay on the
//! message for audit. What the model writes waits for the agent's review when review is on
//! (the default once a model is set up), and always when it adds a link, a price or a phone
//! number the template did not have; campaigns in review mode hold all their messages.

use crate::store::settings::Setting;
use crate::store::{self, Store};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::leads::{self, Lead};
use crate::messaging::channels::config;
use crate::model::{DraftSource, Review};
use crate::outbox;
use crate::secrets::SecretStore;
use crate::workspace::Workspace;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// How long the model may take for one message before the template goes instead.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// The longest rewrite kept (a chat message, not an essay).
const MAX_CHARS: usize = 1_000;

/// The model's settings (the key is a secret, kept apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LlmSettings {
    pub base_url: String,
    pub model: String,
    /// Seconds the model may take per message (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Whether every message the model writes waits for the agent's review (follow-ups and
    /// listing alerts alike). On unless the agent turned it off; settings saved before it
    /// existed read as on.
    #[serde(default = "on")]
    #[ts(as = "Option<bool>", optional)]
    pub review: bool,
}

fn on() -> bool {
    true
}

fn secret_name(book_id: &str) -> String {
    format!("{book_id}/llm")
}

/// The settings, if a model is set up.
pub fn settings(conn: &Connection) -> Result<Option<LlmSettings>> {
    let raw = store::settings::get(conn, Setting::Llm)?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
}

/// Sets the model up (`key` None keeps a stored one; an empty key removes it).
pub fn set(conn: &Connection, secrets: &dyn SecretStore, base_url: &str, model: &str, key: Option<&str>, timeout_seconds: Option<u64>) -> Result<LlmSettings> {
    if timeout_seconds.is_some_and(|t| !(1..=300).contains(&t)) {
        return Err(Error::validation("timeout", "the model's time limit is 1 to 300 seconds"));
    }
    let base_url = config::checked_base_url(Some(base_url), "", "base_url")?;
    let model = model.trim();
    if model.is_empty() || model.len() > 200 {
        return Err(Error::validation("model", "the model's name is required (like llama3.1 or gpt-4o-mini)"));
    }
    let before = settings(conn)?;
    let name = secret_name(&config::book_id(conn)?);
    // The saved key goes only to the host it was given for.
    let has_key = secrets.get(&name)?.is_some();
    config::secret_stays_with_host(before.as_ref().map(|b| b.base_url.as_str()), &base_url, key.is_some(), has_key, "api_key", "the API key")?;
    // Review stays as the agent left it (on for a model set up for the first time).
    let review = before.map_or(true, |b| b.review);
    let s = LlmSettings { base_url, model: model.to_string(), timeout_seconds, review };
    let json = serde_json::to_string(&s).map_err(|e| Error::internal_from(e.to_string(), e))?;
    store::settings::set(conn, Setting::Llm, &json)?;
    match key.map(str::trim) {
        Some("") => secrets.delete(&name)?,
        Some(k) => secrets.set(&name, k)?,
        None => {}
    }
    Ok(s)
}

/// Turns review of the model's messages on or off (a model must be set up).
pub fn set_review(conn: &Connection, on: bool) -> Result<LlmSettings> {
    let Some(mut s) = settings(conn)? else {
        return Err(Error::validation("review", "set a language model up first"));
    };
    s.review = on;
    let json = serde_json::to_string(&s).map_err(|e| Error::internal_from(e.to_string(), e))?;
    store::settings::set(conn, Setting::Llm, &json)?;
    Ok(s)
}

/// What the model's text adds that the template it rewrote does not say: links, prices (a
/// number with a currency or a percent sign, or of four digits or more) and phone numbers,
/// each as written. Digits compare in any script (۱٬۲۰۰٬۰۰۰ is 1,200,000). Empty when it adds
/// none of these; a draft that adds any is held for the agent whatever the settings.
pub fn additions(template: &str, draft: &str) -> Vec<String> {
    let known_links = links(template);
    let known_numbers: Vec<String> = numbers(template).into_iter().map(|n| n.digits).collect();
    let mut out: Vec<String> = Vec::new();
    for l in links(draft) {
        if !known_links.contains(&l) {
            out.push(format!("a link ({l})"));
        }
    }
    for n in numbers(draft) {
        if known_numbers.contains(&n.digits) {
            continue;
        }
        let what = if n.phone { "a phone number" } else if n.money || n.digits.len() >= 4 { "a price" } else { continue };
        let item = format!("{what} ({})", n.written);
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The links in `text`, lower-cased, without the punctuation around them.
fn links(text: &str) -> Vec<String> {
    const TLDS: &[&str] = &[
        "com", "net", "org", "ae", "io", "me", "co", "ly", "info", "biz", "app", "link", "site", "online", "xyz", "ir", "uk",
        "us", "sa", "qa", "to", "gl", "gg", "ru", "de", "shop", "store", "page", "ai",
    ];
    let mut out = Vec::new();
    for word in text.split(char::is_whitespace) {
        let w = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '/').to_lowercase();
        let domain = w.split(['/', '?', '#']).next().unwrap_or("");
        let labels: Vec<&str> = domain.split('.').collect();
        let bare = labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            && labels.last().is_some_and(|tld| TLDS.contains(tld));
        if w.contains("://") || w.starts_with("www.") || bare {
            out.push(w);
        }
    }
    out
}

struct Number {
    /// Its digits in ASCII, separators dropped.
    digits: String,
    written: String,
    money: bool,
    phone: bool,
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
        _ => None,
    }
}

/// The numbers written in `text`: runs of digits with thousands or decimal separators inside
/// (`,` `.` `٬` `٫`), and — for a run that starts with `+` or `0`, as phone numbers do — spaces,
/// dashes and brackets too.
fn numbers(text: &str) -> Vec<Number> {
    const CURRENCIES: &[&str] = &["aed", "dhs", "dh", "dirham", "درهم", "د.إ", "$", "usd", "€", "eur", "£", "gbp", "ریال", "ريال", "تومان"];
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let plus = chars[i] == '+' && chars.get(i + 1).and_then(|c| ascii_digit(*c)).is_some();
        if !plus && ascii_digit(chars[i]).is_none() {
            i += 1;
            continue;
        }
        let start = i;
        let phone_like = plus || ascii_digit(chars[i]) == Some('0');
        let mut digits = String::new();
        let mut end = i;
        if plus {
            i += 1;
        }
        while i < chars.len() {
            let c = chars[i];
            if let Some(d) = ascii_digit(c) {
                digits.push(d);
                i += 1;
                end = i;
            } else if matches!(c, ',' | '.' | '٬' | '٫') || (phone_like && matches!(c, ' ' | '-' | '(' | ')')) {
                // A separator only inside the number: the next character must carry on.
                match chars.get(i + 1) {
                    Some(n) if ascii_digit(*n).is_some() || (phone_like && matches!(n, '(' | ' ')) => i += 1,
                    _ => break,
                }
            } else {
                break;
            }
        }
        i = end.max(start + 1);
        let written: String = chars[start..end].iter().collect();
        let around = |from: usize, to: usize| -> String { chars[from..to].iter().collect::<String>().to_lowercase() };
        let before = around(start.saturating_sub(6), start);
        let after = around(end, (end + 6).min(chars.len()));
        let percent = after.trim_start().starts_with(['%', '٪']);
        let money = percent || CURRENCIES.iter().any(|c| before.contains(c) || after.contains(c));
        let phone = (plus || (phone_like && digits.len() >= 7)) && !money;
        out.push(Number { digits, written, money, phone });
    }
    out
}

/// Why a message goes with its template rather than the model's text. Its text is the
/// message's `draft_note` (with the time appended).
#[derive(Debug, thiserror::Error)]
pub enum Fallback {
    #[error("no language model is set up")]
    NotSetUp,
    #[error("the model took too long")]
    Timeout,
    #[error("the model could not be reached: {0}")]
    Unreachable(#[source] reqwest::Error),
    #[error("the model answered HTTP {0} with no readable body")]
    Unreadable(reqwest::StatusCode),
    #[error("the model refused: HTTP {status} {message}")]
    Refused { status: reqwest::StatusCode, message: String },
    #[error("the model answered with no text")]
    NoText,
}

/// A chat-completions client.
#[derive(Clone)]
pub struct Llm {
    http: reqwest::Client,
    settings: LlmSettings,
    key: Option<String>,
}

impl Llm {
    /// The book's model, if one is set up.
    pub fn load(conn: &Connection, secrets: &dyn SecretStore, http: &reqwest::Client) -> Result<Option<Llm>> {
        let Some(settings) = settings(conn)? else { return Ok(None) };
        let key = secrets.get(&secret_name(&crate::messaging::channels::config::book_id(conn)?))?;
        Ok(Some(Llm { http: http.clone(), settings, key }))
    }

    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// The model's text for `messages`, or why there is none.
    pub async fn complete(&self, messages: &[(String, String)]) -> std::result::Result<String, Fallback> {
        let body = json!({
            "model": self.settings.model,
            "messages": messages.iter().map(|(role, content)| json!({"role": role, "content": content})).collect::<Vec<_>>(),
            "temperature": 0.4,
        });
        let limit = self.settings.timeout_seconds.map_or(TIMEOUT, Duration::from_secs);
        let mut req = self.http.post(format!("{}/v1/chat/completions", self.settings.base_url)).timeout(limit).json(&body);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().await.map_err(|e| {
            let e = e.without_url();
            if e.is_timeout() { Fallback::Timeout } else { Fallback::Unreachable(e) }
        })?;
        let status = resp.status();
        let v: Value = resp.json().await.map_err(|_| Fallback::Unreadable(status))?;
        if !status.is_success() {
            return Err(Fallback::Refused { status, message: v["error"]["message"].as_str().unwrap_or_default().to_string() });
        }
        let text = v["choices"][0]["message"]["content"].as_str().map(str::trim).unwrap_or_default();
        if text.is_empty() {
            return Err(Fallback::NoText);
        }
        Ok(text.chars().take(MAX_CHARS).collect())
    }
}

/// The conversation that asks for one lead's message.
pub fn prompt(lead: &Lead, ws: &Workspace, template_text: &str, last_reply: Option<&str>) -> Vec<(String, String)> {
    let language = match lead.language.unwrap_or(ws.language) {
        crate::model::Language::En => "English",
        crate::model::Language::Fa => "Persian (Farsi)",
        crate::model::Language::Ar => "Arabic",
    };
    let system = format!(
        "You write short, warm WhatsApp/Telegram messages for a real-estate agent in Dubai{agent}. \
         Rewrite the agent's draft for this one lead in {language}: keep every fact, price and link of the draft, \
         invent nothing, no more than 3 sentences, no greeting line of its own, no emojis unless the draft has them. \
         Answer with the message text only.",
        agent = ws.agent_name.as_deref().map(|a| format!(" named {a}")).unwrap_or_default()
    );
    let mut facts = vec![format!("Name: {}", lead.name)];
    if !lead.locations.is_empty() {
        facts.push(format!("Areas wanted: {}", lead.locations.join(", ")));
    }
    if let Some(b) = lead.budget_max.or(lead.budget_min) {
        facts.push(format!("Budget: {} {}", ws.currency, crate::followups::templates::thousands(b)));
    }
    if let Some(t) = lead.property_type {
        facts.push(format!("Looking for: {t}{}", lead.bedrooms.map(|b| format!(", {b}+ bedrooms")).unwrap_or_default()));
    }
    if let Some(r) = last_reply {
        facts.push(format!("Their last message: \"{}\"", r.chars().take(300).collect::<String>()));
    }
    let user = format!("About the lead:\n{}\n\nThe draft to rewrite:\n{}", facts.join("\n"), template_text);
    vec![("system".into(), system), ("user".into(), user)]
}

/// What drafting did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DraftReport {
    pub rewritten: usize,
    pub templates: usize,
    pub held_for_review: usize,
}

/// Drafts every queued message of `ws` not drafted yet: the model's text when it answers, else
/// the template (with the reason). What waits for the agent: every message of a campaign in
/// review mode; the model's text, follow-up or listing alert, while review is on; and the
/// model's text that adds a link, price or phone number, always.
pub async fn draft(store: &mut Store, ws: &Workspace, llm: Option<&Llm>) -> Result<DraftReport> {
    let mut report = DraftReport::default();
    for outbox::Undrafted { id, lead_id, body, campaign_id: campaign } in outbox::undrafted(store.conn(), ws, 200)? {
        let lead = leads::get(store.conn(), ws, lead_id)?;
        let last_reply: Option<String> = store
            .conn()
            .prepare_cached("SELECT detail FROM timeline WHERE workspace_id = ?1 AND lead_id = ?2 AND kind = 'replied' ORDER BY at DESC, id DESC LIMIT 1")?
            .query_row(params![ws.id, lead_id], |r| r.get(0))
            .optional()?;
        let review: bool = match campaign {
            Some(c) => store
                .conn()
                .prepare_cached("SELECT review_before_sending FROM campaigns WHERE workspace_id = ?1 AND id = ?2")?
                .query_row(params![ws.id, c], |r| r.get(0))
                .optional()?
                .unwrap_or(false),
            None => false,
        };
        let (text, source, note, asked, answer) = match llm {
            None => (body.clone(), DraftSource::Template, Some(Fallback::NotSetUp.to_string()), None, None),
            Some(m) => {
                let messages = prompt(&lead, ws, &body, last_reply.as_deref());
                let asked = serde_json::to_string(&messages.iter().map(|(r, c)| json!({"role": r, "content": c})).collect::<Vec<_>>()).ok();
                match m.complete(&messages).await {
                    Ok(t) => (t.clone(), DraftSource::Model, None, asked, Some(t)),
                    Err(why) => (body.clone(), DraftSource::Template, Some(why.to_string()), asked, None),
                }
            }
        };
        // What the model wrote waits for the agent when review is on, and always when it adds a
        // link, a price or a phone number the template did not have (SPEC §6a). A campaign in
        // review mode holds all of its messages, the model's or the template's.
        let (review, note) = if source == DraftSource::Model {
            let added = additions(&body, &text);
            if !added.is_empty() {
                (true, Some(format!("held for review: the model's text adds {} that the template does not have", added.join(", "))))
            } else if review {
                (true, Some("held for review: the campaign's messages are reviewed before sending".to_string()))
            } else if llm.is_some_and(|m| m.settings.review) {
                (true, Some("held for review: review of the model's messages is on".to_string()))
            } else {
                (false, note)
            }
        } else {
            (review, note)
        };
        let changed = store.write(|tx, now| {
            let note = note.as_ref().map(|n| format!("{n} ({})", fmt_time(now)));
            let d = outbox::Draft {
                body: &text,
                source,
                note: note.as_deref(),
                prompt: asked.as_deref(),
                answer: answer.as_deref(),
                review: review.then_some(Review::Pending),
            };
            outbox::set_draft(tx, ws, id, &d)
        })?;
        if changed == 1 {
            if source == DraftSource::Model { report.rewritten += 1 } else { report.templates += 1 }
            if review {
                report.held_for_review += 1;
            }
        }
    }
    Ok(report)
}

/// The agent's decision on a held draft: send it (with `text` if edited) or not at all.
pub fn review(conn: &Connection, ws: &Workspace, id: i64, approve: bool, text: Option<&str>) -> Result<()> {
    let current: Option<Option<String>> = conn
        .prepare_cached("SELECT review FROM outbox WHERE workspace_id = ?1 AND id = ?2")?
        .query_row(params![ws.id, id], |r| r.get(0))
        .optional()?;
    match current {
        None => return Err(Error::not_found(crate::Entity::Message, id)),
        Some(Some(r)) if r == Review::Pending.as_str() => {}
        Some(_) => return Err(Error::validation("review", "only a draft waiting for review can be approved or rejected")),
    }
    if approve {
        let edited = text.map(str::trim);
        if let Some(t) = edited {
            if t.is_empty() || t.chars().count() > 4_096 {
                return Err(Error::validation("text", "a message is 1 to 4096 characters"));
            }
        }
        outbox::approve(conn, ws, id, edited)
    } else {
        outbox::reject(conn, ws, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn a_draft_that_adds_a_link_a_price_or_a_phone_number_is_caught() {
        let template = "Hi Sara, a new listing just came in: JVC 1BR in JVC, AED 1,200,000. Would you like the details? — your agent";
        // Saying the same in other words (and other digits) adds nothing.
        assert!(additions(template, "Sara jan, a JVC 1BR for AED 1,200,000 — shall I send the details?").is_empty());
        assert!(additions(template, "سارا جان، یک آپارتمان یک‌خوابه در JVC به قیمت ۱٬۲۰۰٬۰۰۰ درهم آمده؛ ببینیمش؟").is_empty());
        assert!(additions(template, "Sara, 1 bedroom, 2 parking spots, 3 minutes to the metro.").is_empty(), "small counts are no prices");
        let added = additions(template, "Sara, JVC 1BR at AED 1,080,000 (10% off!) — book at https://deals.example.com/jvc or call +971 50 123 4567.");
        assert_eq!(
            added,
            ["a link (https://deals.example.com/jvc)", "a price (1,080,000)", "a price (10)", "a phone number (+971 50 123 4567)"],
            "{added:?}"
        );
        assert_eq!(additions(template, "See bit.ly/x3 or www.example.ae"), ["a link (bit.ly/x3)", "a link (www.example.ae)"]);
        assert_eq!(additions(template, "Call me on 050 123 4567"), ["a phone number (050 123 4567)"]);
        assert_eq!(additions("Hi {x}", "Only AED 950 today"), ["a price (950)"]);
    }

    #[test]
    fn each_fallback_reads_as_the_note_messages_have_always_kept() {
        // The text is stored on the message (`draft_note`) and shown to the agent: it must not drift.
        assert_eq!(Fallback::NotSetUp.to_string(), "no language model is set up");
        assert_eq!(Fallback::Timeout.to_string(), "the model took too long");
        assert_eq!(Fallback::Unreadable(StatusCode::BAD_GATEWAY).to_string(), "the model answered HTTP 502 Bad Gateway with no readable body");
        assert_eq!(
            Fallback::Refused { status: StatusCode::TOO_MANY_REQUESTS, message: "slow down".into() }.to_string(),
            "the model refused: HTTP 429 Too Many Requests slow down"
        );
        assert_eq!(Fallback::NoText.to_string(), "the model answered with no text");
    }
}
