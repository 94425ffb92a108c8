//! Messages written for each lead by a language model. A step's rendered template is the base;
//! when a model is set up (any OpenAI-compatible chat-completions endpoint: a local llama.cpp
//! or Ollama server works with no internet), it is asked to rewrite the message for this lead
//! — name, language, areas, budget, the listing, the last reply. Offline, not set up, slow or
//! failing: the template goes, and the message says why. The prompt and the answer stay on the
//! message for audit. Campaigns in review mode hold the drafts for the agent.

use crate::store::settings::Setting;
use crate::store::{self, Store};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::leads::{self, Lead};
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
    let base_url = crate::messaging::channels::base_url(Some(base_url), "", "base_url")?;
    let model = model.trim();
    if model.is_empty() || model.len() > 200 {
        return Err(Error::validation("model", "the model's name is required (like llama3.1 or gpt-4o-mini)"));
    }
    let s = LlmSettings { base_url, model: model.to_string(), timeout_seconds };
    let json = serde_json::to_string(&s).map_err(|e| Error::internal_from(e.to_string(), e))?;
    store::settings::set(conn, Setting::Llm, &json)?;
    let name = secret_name(&crate::messaging::channels::config::book_id(conn)?);
    match key.map(str::trim) {
        Some("") => secrets.delete(&name)?,
        Some(k) => secrets.set(&name, k)?,
        None => {}
    }
    Ok(s)
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
/// the template (with the reason). Messages of campaigns in review mode wait for the agent.
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
            None => (body.clone(), DraftSource::Template, Some(Fallback::NotSetUp), None, None),
            Some(m) => {
                let messages = prompt(&lead, ws, &body, last_reply.as_deref());
                let asked = serde_json::to_string(&messages.iter().map(|(r, c)| json!({"role": r, "content": c})).collect::<Vec<_>>()).ok();
                match m.complete(&messages).await {
                    Ok(t) => (t.clone(), DraftSource::Model, None, asked, Some(t)),
                    Err(why) => (body.clone(), DraftSource::Template, Some(why), asked, None),
                }
            }
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
