//! An OpenAI-compatible chat-completions server (what llama.cpp's server, Ollama and vLLM
//! speak): `POST {base}/v1/chat/completions` with an optional bearer key. It records every
//! prompt and answers with the text it was told to, or — by default — a rewrite of the last
//! user message that a test can recognise.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::http::{common_api, lock, unique_hex32, Common, Reply, Request, Server};

/// One chat-completions call that was answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Chat {
    pub model: String,
    /// (role, content) in order.
    pub messages: Vec<(String, String)>,
    pub answer: String,
}

/// The chat-completions stand-in. See the crate documentation.
pub struct OpenAi {
    server: Server,
    state: Arc<Mutex<State>>,
}

struct State {
    key: Option<String>,
    answer: Option<String>,
    chats: Vec<Chat>,
    common: Common,
}

common_api!(OpenAi);

impl OpenAi {
    /// Starts a server; with `key`, requests must carry `Authorization: Bearer <key>`.
    pub fn start(key: Option<&str>) -> OpenAi {
        let state = Arc::new(Mutex::new(State { key: key.map(String::from), answer: None, chats: Vec::new(), common: Common::default() }));
        let server = {
            let state = state.clone();
            Server::start("openai", move |request| {
                let reply = lock(&state).handle(&request);
                async move { reply }
            })
        };
        OpenAi { server, state }
    }

    /// Every answer from now on is `text` (by default: `Rewritten: ` and the last user message's
    /// last line).
    pub fn answer_with(&self, text: &str) {
        lock(&self.state).answer = Some(text.to_string());
    }

    /// The calls answered, in order.
    pub fn chats(&self) -> Vec<Chat> {
        lock(&self.state).chats.clone()
    }
}

fn error(status: u16, kind: &str, message: &str) -> Reply {
    Reply::json(status, json!({"error": {"message": message, "type": kind, "param": null, "code": null}}))
}

impl State {
    fn handle(&mut self, request: &Request) -> Reply {
        if request.path != "/v1/chat/completions" {
            return error(404, "invalid_request_error", &format!("Unknown request URL: {}", request.path));
        }
        if request.method != hyper::Method::POST {
            return error(405, "invalid_request_error", "Only POST is supported");
        }
        if let Some(reply) = self.common.injected_failure() {
            return reply;
        }
        if let Some(key) = &self.key {
            let given = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).map(str::trim);
            if given != Some(key.as_str()) {
                return error(401, "invalid_request_error", "Incorrect API key provided");
            }
        }
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return error(400, "invalid_request_error", "We could not parse the JSON body of your request.");
        };
        let model = body["model"].as_str().unwrap_or_default().to_string();
        let Some(list) = body["messages"].as_array().filter(|m| !m.is_empty()) else {
            return error(400, "invalid_request_error", "'messages' is a required property");
        };
        let messages: Vec<(String, String)> = list
            .iter()
            .map(|m| (m["role"].as_str().unwrap_or_default().to_string(), m["content"].as_str().unwrap_or_default().to_string()))
            .collect();
        let last_user = messages.iter().rev().find(|(r, _)| r == "user").map(|(_, c)| c.clone()).unwrap_or_default();
        let answer = self.answer.clone().unwrap_or_else(|| format!("Rewritten: {}", last_user.lines().last().unwrap_or_default().trim()));
        self.chats.push(Chat { model: model.clone(), messages, answer: answer.clone() });
        let reply = Reply::json(
            200,
            json!({
                "id": format!("chatcmpl-{}", &unique_hex32()[..24]),
                "object": "chat.completion",
                "created": 1_746_268_800,
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140},
            }),
        );
        self.common.finish(reply)
    }
}
