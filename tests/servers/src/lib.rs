//! Local stand-ins for the three messaging providers Leadbook talks to — the Telegram Bot API,
//! the WhatsApp Business Cloud API and Twilio Programmable Messaging — and for an
//! OpenAI-compatible language model server, listening on
//! `127.0.0.1` (an ephemeral port each) and speaking the providers' real HTTP contracts (see
//! `shared/PROVIDERS.md`): real paths, authentication, status codes and JSON bodies. They
//! record what they receive, so Leadbook's channel clients, delivery and inbox code are tested
//! against the wire contract rather than against a mock of our own code.
//!
//! **For**: integration and end-to-end tests, benchmarks, and developers trying the app
//! without real accounts (the `leadbook-test-servers` binary starts all three and prints their
//! URLs). **Not for**: production, or as a specification of the providers — only the calls
//! Leadbook makes are implemented, messages are never delivered anywhere, state lives in
//! memory, and there is no TLS. Details the providers' documentation leaves open are guesses,
//! marked as such in the code.
//!
//! Each server runs on its own thread with its own tokio runtime. The API is synchronous, so
//! it serves plain `#[test]` functions, async tests and benchmarks alike; dropping a server
//! shuts it down. Every server also has the same fault injection: `down`/`up`, `fail_next`,
//! `delay`, `drop_after_receive`, and an overall `limit_rate`.
//!
//! ```no_run
//! use leadbook_test_servers::{Telegram, TgUser};
//!
//! let telegram = Telegram::start("123:ABC");
//! telegram.push_message(TgUser::new(336435018, "Ray"), "/start lead-42");
//! // point the client at telegram.base_url(), then:
//! assert!(telegram.sent().iter().all(|m| m.chat_id == 336435018));
//! ```

mod bayut;
mod http;
pub mod mail;
mod openai;
mod propertyfinder;
mod telegram;
mod twilio;
mod whatsapp;

pub use bayut::{Bayut, ByLead};
pub use mail::{Dovecot, ImapTalk, Received, Smtp};
pub use openai::{Chat, OpenAi};
pub use propertyfinder::{PfLead, PropertyFinder};
pub use telegram::{Telegram, TgSent, TgUser};
pub use twilio::{Fate, TwSent, Twilio};
pub use whatsapp::{WaSent, WhatsApp};
