//! The Telegram Bot API: `getMe`, `sendMessage`, `getUpdates` (with long polling),
//! `setWebhook`, `deleteWebhook` and `getWebhookInfo` under `{base}/bot{token}/{method}`.
//!
//! As strict as Telegram where Leadbook's behaviour depends on it: `getUpdates` is refused
//! (409) while a webhook is set, and — once [`Telegram::require_start`] is on — a bot cannot
//! write first to a user who never wrote to it or pressed Start (403).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use crate::http::{common_api, lock, unique_hex32, unix_now, Bucket, Common, Reply, Request, Server};

/// The bot's user id in `getMe` and in the `from` of sent messages.
const BOT_ID: i64 = 7_000_000_001;
/// The first update id handed out (ids then increase by one, as Telegram's do).
const FIRST_UPDATE_ID: i64 = 544_181_547;

/// A Telegram user writing to the bot (see [`Telegram::push_message`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl TgUser {
    /// A user with only an id and a first name.
    pub fn new(id: i64, first_name: impl Into<String>) -> TgUser {
        TgUser {
            id,
            first_name: first_name.into(),
            last_name: None,
            username: None,
            language_code: None,
        }
    }
}

/// A message the bot sent successfully, in arrival order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgSent {
    pub chat_id: i64,
    pub text: String,
    pub message_id: i64,
}

/// The Telegram Bot API stand-in. See the crate documentation.
pub struct Telegram {
    server: Server,
    state: Arc<Mutex<State>>,
    /// Wakes a waiting long poll when an update is pushed.
    arrivals: Arc<Notify>,
}

struct Update {
    id: i64,
    message_id: i64,
    from: TgUser,
    date: i64,
    /// The Message's content fields: `text`, or `voice`, `photo` + `caption`, `location`, …
    content: Map<String, Value>,
}

struct State {
    token: String,
    username: String,
    next_message_id: i64,
    next_update_id: i64,
    updates: VecDeque<Update>,
    polling: bool,
    /// The URL of the webhook set on the bot, if any.
    webhook: Option<String>,
    /// Refuse `sendMessage` to a user who never wrote to the bot.
    require_start: bool,
    unknown: HashSet<i64>,
    blocked: HashSet<i64>,
    deactivated: HashSet<i64>,
    per_chat: Option<u32>,
    chat_buckets: HashMap<i64, Bucket>,
    /// Users who wrote, by id: a private chat's name in what `sendMessage` returns.
    users: HashMap<i64, TgUser>,
    sent: Vec<TgSent>,
    common: Common,
}

common_api!(Telegram);

impl Telegram {
    /// Starts a server accepting the bot token `token`.
    pub fn start(token: &str) -> Telegram {
        let state = Arc::new(Mutex::new(State {
            token: token.to_string(),
            username: "leadbook_test_bot".to_string(),
            next_message_id: 1,
            next_update_id: FIRST_UPDATE_ID,
            updates: VecDeque::new(),
            polling: false,
            webhook: None,
            require_start: false,
            unknown: HashSet::new(),
            blocked: HashSet::new(),
            deactivated: HashSet::new(),
            per_chat: None,
            chat_buckets: HashMap::new(),
            users: HashMap::new(),
            sent: Vec::new(),
            common: Common::default(),
        }));
        let arrivals = Arc::new(Notify::new());
        let server = {
            let (state, arrivals) = (state.clone(), arrivals.clone());
            Server::start("telegram", move |request| {
                handle(state.clone(), arrivals.clone(), request)
            })
        };
        Telegram {
            server,
            state,
            arrivals,
        }
    }

    /// Replaces the accepted token; the old one now gets 401.
    pub fn set_token(&self, token: &str) {
        lock(&self.state).token = token.to_string();
    }

    /// The bot's `username` in `getMe` (default `leadbook_test_bot`).
    pub fn set_bot_username(&self, username: &str) {
        lock(&self.state).username = username.to_string();
    }

    /// `sendMessage` to this chat → 400 `Bad Request: chat not found`.
    pub fn unknown_chat(&self, chat_id: i64) {
        lock(&self.state).unknown.insert(chat_id);
    }

    /// `sendMessage` to this chat → 403 `Forbidden: bot was blocked by the user`.
    pub fn block(&self, chat_id: i64) {
        lock(&self.state).blocked.insert(chat_id);
    }

    /// `sendMessage` to this chat → 403 `Forbidden: user is deactivated`.
    pub fn deactivate(&self, chat_id: i64) {
        lock(&self.state).deactivated.insert(chat_id);
    }

    /// A token bucket per chat, like [`Telegram::limit_rate`] (Telegram: about 1 a second).
    pub fn limit_per_chat(&self, per_second: u32) {
        let mut state = lock(&self.state);
        state.per_chat = (per_second > 0).then_some(per_second);
        state.chat_buckets.clear();
    }

    /// A user writes `text` to the bot in their private chat; returns the update's id.
    pub fn push_message(&self, from: TgUser, text: &str) -> i64 {
        let mut content = Map::new();
        content.insert("text".into(), json!(text));
        if let Some(entities) = command_entities(text) {
            content.insert("entities".into(), entities);
        }
        self.push_content(from, content)
    }

    /// A user sends the bot a Message with these content fields, as the Bot API spells them:
    /// `{"voice": {...}}`, `{"photo": [...], "caption": "..."}`, `{"location": {...}}`,
    /// `{"contact": {...}}`… (see the `push_voice`, `push_photo`, … shorthands). Returns the
    /// update's id.
    pub fn push_content(&self, from: TgUser, content: Map<String, Value>) -> i64 {
        let id = {
            let mut state = lock(&self.state);
            let id = state.next_update_id;
            state.next_update_id += 1;
            let message_id = state.next_message_id;
            state.next_message_id += 1;
            state.users.insert(from.id, from.clone());
            let update = Update {
                id,
                message_id,
                from,
                date: unix_now(),
                content,
            };
            state.updates.push_back(update);
            id
        };
        self.arrivals.notify_waiters();
        id
    }

    /// A voice note of `duration` seconds.
    pub fn push_voice(&self, from: TgUser, duration: u32) -> i64 {
        let id = unique_hex32();
        self.push_content(from, fields(json!({"voice": {
            "file_id": format!("AwACAgQAAxkBAAI{id}"), "file_unique_id": format!("AgAD{}", &id[..12]),
            "duration": duration, "mime_type": "audio/ogg", "file_size": 6114,
        }})))
    }

    /// A photo (Telegram sends several sizes), with a caption if given.
    pub fn push_photo(&self, from: TgUser, caption: Option<&str>) -> i64 {
        let id = unique_hex32();
        let size = |w: u32, h: u32, suffix: &str| json!({
            "file_id": format!("AgACAgQAAxkBAAI{id}{suffix}"), "file_unique_id": format!("AQAD{}{suffix}", &id[..10]),
            "file_size": w * h / 8, "width": w, "height": h,
        });
        let mut content = fields(json!({"photo": [size(90, 67, "s"), size(320, 240, "m"), size(1280, 960, "y")]}));
        if let Some(caption) = caption {
            content.insert("caption".into(), json!(caption));
        }
        self.push_content(from, content)
    }

    /// A document (a file), with a caption if given.
    pub fn push_document(&self, from: TgUser, file_name: &str, caption: Option<&str>) -> i64 {
        let id = unique_hex32();
        let mut content = fields(json!({"document": {
            "file_name": file_name, "mime_type": "application/pdf",
            "file_id": format!("BQACAgQAAxkBAAI{id}"), "file_unique_id": format!("AgAD{}", &id[..12]), "file_size": 48213,
        }}));
        if let Some(caption) = caption {
            content.insert("caption".into(), json!(caption));
        }
        self.push_content(from, content)
    }

    /// A shared location.
    pub fn push_location(&self, from: TgUser, latitude: f64, longitude: f64) -> i64 {
        self.push_content(from, fields(json!({"location": {"latitude": latitude, "longitude": longitude}})))
    }

    /// A shared contact.
    pub fn push_contact(&self, from: TgUser, phone_number: &str, first_name: &str) -> i64 {
        self.push_content(from, fields(json!({"contact": {"phone_number": phone_number, "first_name": first_name}})))
    }

    /// Sets a webhook on the bot (as `setWebhook` does): `getUpdates` now gets 409.
    pub fn set_webhook(&self, url: &str) {
        lock(&self.state).webhook = Some(url.to_string());
    }

    /// The webhook set on the bot, if any.
    pub fn webhook(&self) -> Option<String> {
        lock(&self.state).webhook.clone()
    }

    /// From now on, `sendMessage` to a user who never wrote to the bot (nor pressed Start) is
    /// refused with 403 `Forbidden: bot can't initiate conversation with a user`, as Telegram
    /// does. Off by default, so tests whose leads have a typed Telegram id stand for chats that
    /// already wrote.
    pub fn require_start(&self) {
        lock(&self.state).require_start = true;
    }

    /// The messages sent successfully, in arrival order.
    pub fn sent(&self) -> Vec<TgSent> {
        lock(&self.state).sent.clone()
    }
}

async fn handle(state: Arc<Mutex<State>>, arrivals: Arc<Notify>, request: Request) -> Reply {
    let poll = match lock(&state).handle(&request) {
        Answer::Now(reply) => return reply,
        Answer::Poll(params) => params,
    };
    get_updates(state, arrivals, &poll).await
}

/// What a request gets: an answer now, or a `getUpdates` (with these parameters) that may wait.
enum Answer {
    Now(Reply),
    Poll(Map<String, Value>),
}

/// `/bot{token}/{method}` → (token, method).
fn split_path(path: &str) -> Option<(&str, &str)> {
    let (token, method) = path.strip_prefix("/bot")?.split_once('/')?;
    (!method.is_empty() && !method.contains('/')).then_some((token, method))
}

/// The parameters from the query string and the body (JSON or form), the body winning.
/// Multipart bodies are not supported (our client never sends them).
fn params(request: &Request) -> Result<Map<String, Value>, Box<Reply>> {
    let mut params: Map<String, Value> = request
        .query_pairs()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let content_type = request.content_type();
    if content_type == "application/json" && !request.body.is_empty() {
        // Guess: the exact description Telegram gives for a malformed JSON body is unverified.
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(body)) => params.extend(body),
            _ => return Err(Box::new(error(400, "Bad Request: can't parse JSON object"))),
        }
    } else if content_type == "application/x-www-form-urlencoded" {
        params.extend(
            request
                .form()
                .into_iter()
                .map(|(k, v)| (k, Value::String(v))),
        );
    }
    Ok(params)
}

fn int_param(params: &Map<String, Value>, name: &str) -> Option<i64> {
    match params.get(name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl State {
    fn handle(&mut self, request: &Request) -> Answer {
        let Some((token, method)) = split_path(&request.path) else {
            return Answer::Now(error(404, "Not Found"));
        };
        let method = method.to_ascii_lowercase();
        if method == "sendmessage" {
            if let Some(reply) = self.common.injected_failure() {
                return Answer::Now(reply);
            }
        }
        let reply = if token != self.token {
            error(401, "Unauthorized")
        } else {
            match (method.as_str(), params(request)) {
                ("getme" | "sendmessage" | "getupdates" | "setwebhook" | "deletewebhook", Err(reply)) => *reply,
                ("getme", Ok(_)) => json_ok(self.bot()),
                ("getwebhookinfo", _) => json_ok(json!({
                    "url": self.webhook.clone().unwrap_or_default(),
                    "has_custom_certificate": false,
                    "pending_update_count": self.updates.len(),
                })),
                ("setwebhook", Ok(params)) => match params.get("url").and_then(Value::as_str) {
                    Some(url) if !url.is_empty() => {
                        self.webhook = Some(url.to_string());
                        Reply::json(200, json!({"ok": true, "result": true, "description": "Webhook was set"}))
                    }
                    _ => {
                        self.webhook = None;
                        Reply::json(200, json!({"ok": true, "result": true, "description": "Webhook was deleted"}))
                    }
                },
                ("deletewebhook", Ok(params)) => {
                    let drop = matches!(params.get("drop_pending_updates"), Some(Value::Bool(true)))
                        || matches!(params.get("drop_pending_updates"), Some(Value::String(s)) if s == "true");
                    if drop {
                        self.updates.clear();
                    }
                    let description = if self.webhook.take().is_some() { "Webhook was deleted" } else { "Webhook is already deleted" };
                    Reply::json(200, json!({"ok": true, "result": true, "description": description}))
                }
                ("sendmessage", Ok(params)) => self.send_message(&params),
                ("getupdates", Ok(params)) => return Answer::Poll(params),
                _ => error(404, "Not Found"),
            }
        };
        Answer::Now(if method == "sendmessage" {
            self.common.finish(reply)
        } else {
            reply
        })
    }

    fn bot(&self) -> Value {
        json!({
            "id": BOT_ID,
            "is_bot": true,
            "first_name": "Leadbook Test",
            "username": self.username,
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": false,
        })
    }

    fn send_message(&mut self, params: &Map<String, Value>) -> Reply {
        let chat_id = match params.get("chat_id") {
            None | Some(Value::Null) => return error(400, "Bad Request: chat_id is empty"),
            Some(Value::String(s)) if s.trim().is_empty() => {
                return error(400, "Bad Request: chat_id is empty")
            }
            Some(_) => int_param(params, "chat_id"),
        };
        // An `@channelusername` (or anything else that is not a number) names no chat we know.
        let Some(chat_id) = chat_id else {
            return error(400, "Bad Request: chat not found");
        };
        let text = match params.get("text") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        // Telegram trims the text; its limit counts characters after entity parsing (we count
        // Unicode scalar values and do not parse entities: close enough for plain text).
        if text.trim().is_empty() {
            return error(400, "Bad Request: message text is empty");
        }
        if text.chars().count() > 4096 {
            return error(400, "Bad Request: message is too long");
        }

        // Guess: the order of the rate check relative to the chat checks is unverified.
        let overall = self.common.rate_wait();
        let per_chat = match self.per_chat {
            Some(rate) => self
                .chat_buckets
                .entry(chat_id)
                .or_insert_with(|| Bucket::new(rate))
                .wait(),
            None => 0,
        };
        let wait = overall.max(per_chat);
        if wait > 0 {
            self.common.rejected_429 += 1;
            return Reply::json(
                429,
                json!({
                    "ok": false,
                    "error_code": 429,
                    "description": format!("Too Many Requests: retry after {wait}"),
                    "parameters": {"retry_after": wait},
                }),
            );
        }
        self.common.rate_take();
        if let Some(bucket) = self.chat_buckets.get_mut(&chat_id) {
            bucket.take();
        }

        if self.unknown.contains(&chat_id) {
            return error(400, "Bad Request: chat not found");
        }
        if self.blocked.contains(&chat_id) {
            return error(403, "Forbidden: bot was blocked by the user");
        }
        if self.deactivated.contains(&chat_id) {
            return error(403, "Forbidden: user is deactivated");
        }
        if self.require_start && chat_id > 0 && !self.users.contains_key(&chat_id) {
            return error(403, "Forbidden: bot can't initiate conversation with a user");
        }

        let message_id = self.next_message_id;
        self.next_message_id += 1;
        self.sent.push(TgSent {
            chat_id,
            text: text.clone(),
            message_id,
        });
        let mut message = json!({
            "message_id": message_id,
            "from": {"id": BOT_ID, "is_bot": true, "first_name": "Leadbook Test", "username": self.username},
            "chat": self.chat(chat_id),
            "date": unix_now(),
            "text": text,
        });
        if let (Some(entities), Value::Object(m)) = (command_entities(&text), &mut message) {
            m.insert("entities".into(), entities);
        }
        json_ok(message)
    }

    fn chat(&self, chat_id: i64) -> Value {
        match self.users.get(&chat_id) {
            Some(user) => private_chat(user),
            // Guess: names for chats nobody wrote from; negative ids are groups in Telegram.
            None if chat_id < 0 => {
                json!({"id": chat_id, "title": "Leadbook Test Group", "type": "group"})
            }
            None => json!({"id": chat_id, "first_name": "Lead", "type": "private"}),
        }
    }

    /// Forgets the updates an `offset` confirms: ids below it, or for a negative offset all but
    /// the last `-offset`.
    fn confirm(&mut self, offset: Option<i64>) {
        match offset {
            Some(offset) if offset > 0 => {
                while self.updates.front().is_some_and(|u| u.id < offset) {
                    self.updates.pop_front();
                }
            }
            Some(offset) if offset < 0 => {
                let keep = offset.unsigned_abs() as usize;
                while self.updates.len() > keep {
                    self.updates.pop_front();
                }
            }
            _ => {}
        }
    }

    fn batch(&self, limit: usize) -> Reply {
        json_ok(self.updates.iter().take(limit).map(update_json).collect())
    }
}

/// Clears the "a long poll is waiting" flag however the poll ends (answered or dropped).
struct PollGuard(Arc<Mutex<State>>);

impl Drop for PollGuard {
    fn drop(&mut self) {
        lock(&self.0).polling = false;
    }
}

async fn get_updates(
    state: Arc<Mutex<State>>,
    arrivals: Arc<Notify>,
    params: &Map<String, Value>,
) -> Reply {
    let limit = int_param(params, "limit").unwrap_or(100).clamp(1, 100) as usize;
    let timeout = int_param(params, "timeout").unwrap_or(0).max(0) as u64;
    {
        let mut s = lock(&state);
        if s.webhook.is_some() {
            return error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            );
        }
        if s.polling {
            return error(409, "Conflict: terminated by other long poll or webhook");
        }
        s.confirm(int_param(params, "offset"));
        if timeout == 0 || !s.updates.is_empty() {
            return s.batch(limit);
        }
        s.polling = true;
    }
    let _guard = PollGuard(state.clone());
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let arrival = arrivals.notified();
        tokio::pin!(arrival);
        arrival.as_mut().enable(); // registered before looking, so no push is missed
        {
            let s = lock(&state);
            if !s.updates.is_empty() || Instant::now() >= deadline {
                return s.batch(limit);
            }
        }
        tokio::select! {
            _ = arrival => {}
            _ = tokio::time::sleep_until(deadline.into()) => {}
        }
    }
}

fn update_json(update: &Update) -> Value {
    let mut message = Map::new();
    message.insert("message_id".into(), json!(update.message_id));
    message.insert("from".into(), user_json(&update.from));
    message.insert("chat".into(), private_chat(&update.from));
    message.insert("date".into(), json!(update.date));
    message.extend(update.content.clone());
    json!({"update_id": update.id, "message": Value::Object(message)})
}

/// A JSON object's fields.
fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A User object; absent optional fields are omitted, as Telegram does.
fn user_json(user: &TgUser) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(user.id));
    m.insert("is_bot".into(), json!(false));
    m.insert("first_name".into(), json!(user.first_name));
    insert_some(&mut m, "last_name", &user.last_name);
    insert_some(&mut m, "username", &user.username);
    insert_some(&mut m, "language_code", &user.language_code);
    Value::Object(m)
}

/// The private Chat with a user (`chat.id == from.id`).
fn private_chat(user: &TgUser) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(user.id));
    m.insert("first_name".into(), json!(user.first_name));
    insert_some(&mut m, "last_name", &user.last_name);
    insert_some(&mut m, "username", &user.username);
    m.insert("type".into(), json!("private"));
    Value::Object(m)
}

fn insert_some(m: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        m.insert(key.into(), json!(value));
    }
}

/// A text starting with a command (`/start payload`) carries a `bot_command` entity, its
/// length in UTF-16 code units, as Telegram's do.
fn command_entities(text: &str) -> Option<Value> {
    if !text.starts_with('/') {
        return None;
    }
    let command = text.split_whitespace().next().unwrap_or(text);
    let length = command.encode_utf16().count();
    Some(json!([{"offset": 0, "length": length, "type": "bot_command"}]))
}

fn json_ok(result: Value) -> Reply {
    Reply::json(200, json!({"ok": true, "result": result}))
}

/// Telegram's error shape; the HTTP status equals `error_code`.
fn error(code: u16, description: &str) -> Reply {
    Reply::json(
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}
