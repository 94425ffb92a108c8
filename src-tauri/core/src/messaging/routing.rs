//! Which way a message goes to its lead (SPEC §6, §12): the step's channel if usable, else
//! Telegram if linked, else WhatsApp (free text inside the 24-hour window, a template outside
//! it), else SMS, else email (the agent's mailbox), else a manual task with a click-to-chat or
//! call link. A channel the lead
//! opted out of, or that a provider said cannot reach the lead, is never used, nor one the text
//! is too long for (over 10 SMS segments; over 4 096 characters on Telegram or WhatsApp).

use crate::messaging::channels::config::Channels;
use crate::messaging::channels::whatsapp::{in_window, Template};
use crate::messaging::channels::Provider;
use crate::followups::Step;
use crate::leads::Lead;
use crate::model::{lengths, Channel};
use crate::followups::templates::{self, Context};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};

/// Where one message goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Telegram { chat_id: i64 },
    /// WhatsApp Cloud API, free text (inside the window).
    WhatsappText { to: String },
    /// WhatsApp Cloud API, an approved template (outside the window).
    WhatsappTemplate { to: String, template: Template },
    /// WhatsApp through Twilio's sender (inside the window).
    TwilioWhatsapp { to: String, from: String },
    Sms { to: String, from: String },
    /// The agent's mailbox, to the lead's address.
    Email { to: String },
    /// No provider can carry it: the agent sends it by hand.
    Manual { link: Option<String> },
    /// The provider this lead should get it through needs the agent (its token was refused):
    /// the message waits rather than going another way.
    Wait { provider: Provider },
    /// Too long for every channel that reaches the lead (`model::lengths`): it fails, sent
    /// nowhere, with `reason`.
    TooLong { reason: String },
}

impl Route {
    /// The channel recorded on the message.
    pub fn channel(&self) -> &'static str {
        match self {
            Route::Telegram { .. } => "telegram",
            Route::WhatsappText { .. } | Route::WhatsappTemplate { .. } | Route::TwilioWhatsapp { .. } => "whatsapp",
            Route::Sms { .. } => "sms",
            Route::Email { .. } => "email",
            Route::Manual { .. } | Route::Wait { .. } | Route::TooLong { .. } => "manual",
        }
    }

    pub fn provider(&self) -> Option<Provider> {
        match self {
            Route::Telegram { .. } => Some(Provider::Telegram),
            Route::WhatsappText { .. } | Route::WhatsappTemplate { .. } => Some(Provider::Whatsapp),
            Route::TwilioWhatsapp { .. } | Route::Sms { .. } => Some(Provider::Twilio),
            Route::Email { .. } => Some(Provider::Email),
            Route::Manual { .. } | Route::TooLong { .. } => None,
            Route::Wait { provider } => Some(*provider),
        }
    }

    /// Who receives it, for the per-recipient rate limit.
    pub fn recipient(&self) -> String {
        match self {
            Route::Telegram { chat_id } => chat_id.to_string(),
            Route::WhatsappText { to } | Route::WhatsappTemplate { to, .. } | Route::TwilioWhatsapp { to, .. } | Route::Sms { to, .. } | Route::Email { to } => to.clone(),
            Route::Manual { .. } | Route::Wait { .. } | Route::TooLong { .. } => String::new(),
        }
    }
}

/// What routing needs to know of one message.
pub struct Target<'a> {
    pub lead: &'a Lead,
    pub workspace: &'a Workspace,
    pub body: &'a str,
    /// The campaign step it belongs to (its preferred channel and WhatsApp template).
    pub step: Option<&'a Step>,
    pub whatsapp_inbound_at: Option<DateTime<Utc>>,
    /// The provider whose business number the lead wrote to (the window is that number's);
    /// `None` when not known (any).
    pub whatsapp_inbound_via: Option<Provider>,
}

/// The route of a message; `avoid` lists channels already found closed for it (WhatsApp
/// outside its window).
pub fn route(t: &Target, ch: &Channels, avoid: &[Channel], now: DateTime<Utc>) -> Route {
    let lead = t.lead;
    let preferred = t.step.and_then(|s| s.channel.as_deref()).and_then(|c| Channel::parse("channel", c).ok());
    let order = preferred.into_iter().chain([Channel::Telegram, Channel::Whatsapp, Channel::Sms, Channel::Email]);
    let closed = |c: Channel| lead.opt_outs.contains(&c) || lead.unusable_channels.contains(&c) || avoid.contains(&c);
    let number = lead.whatsapp.clone().or_else(|| lead.phone.clone());
    let via = |c: Channel| -> Option<Route> {
        match c {
            Channel::Telegram => {
                if let (Some(id), Some(tg)) = (lead.telegram_id, &ch.telegram) {
                    return Some(if tg.attention { Route::Wait { provider: Provider::Telegram } } else { Route::Telegram { chat_id: id } });
                }
            }
            Channel::Whatsapp => {
                let to = number.clone()?;
                // The window is the number's the lead wrote to: free text goes only from it.
                let open_on = |p: Provider| in_window(t.whatsapp_inbound_at, now) && t.whatsapp_inbound_via.is_none_or(|v| v == p);
                // Free text inside a window, from the number it is open on (the Cloud number
                // first); else the Cloud API's template.
                if let Some(wa) = ch.whatsapp.as_ref().filter(|_| open_on(Provider::Whatsapp)) {
                    return Some(if wa.attention { Route::Wait { provider: Provider::Whatsapp } } else { Route::WhatsappText { to } });
                }
                if let Some(tw) = ch.twilio.as_ref().filter(|_| open_on(Provider::Twilio)) {
                    if let Some(from) = &tw.settings.whatsapp_from {
                        if tw.attention {
                            return Some(Route::Wait { provider: Provider::Twilio });
                        }
                        return Some(Route::TwilioWhatsapp { to: format!("whatsapp:{to}"), from: format!("whatsapp:{from}") });
                    }
                }
                if let Some(wa) = &ch.whatsapp {
                    if let Some(template) = template_for(t, &wa.settings) {
                        return Some(if wa.attention { Route::Wait { provider: Provider::Whatsapp } } else { Route::WhatsappTemplate { to, template } });
                    }
                }
            }
            Channel::Sms => {
                let to = lead.phone.clone().or_else(|| lead.whatsapp.clone());
                if let (Some(to), Some(tw)) = (to, &ch.twilio) {
                    if tw.attention {
                        return Some(Route::Wait { provider: Provider::Twilio });
                    }
                    if let Some(from) = tw.settings.from.clone() {
                        return Some(Route::Sms { to, from });
                    }
                }
            }
            Channel::Email => {
                if let (Some(to), Some(mail)) = (lead.email.clone(), &ch.email) {
                    return Some(if mail.attention { Route::Wait { provider: Provider::Email } } else { Route::Email { to } });
                }
            }
        }
        None
    };
    // A text too long for a channel goes another way (an approved WhatsApp template does not
    // carry the text: it may still go); too long for every way that reaches the lead, it fails.
    let mut too_long = false;
    for c in order {
        if closed(c) {
            continue;
        }
        let Some(route) = via(c) else { continue };
        if !matches!(route, Route::WhatsappTemplate { .. }) && !fits(c, t.body) {
            too_long = true;
            continue;
        }
        return route;
    }
    if too_long {
        return Route::TooLong { reason: too_long_reason(t.body) };
    }
    Route::Manual { link: manual_link(lead, t.body) }
}

/// Whether `body` is within what `channel` carries (see `model::lengths`).
pub fn fits(channel: Channel, body: &str) -> bool {
    match channel {
        Channel::Telegram => lengths::chars(body) <= lengths::TELEGRAM_MAX,
        Channel::Whatsapp => lengths::chars(body) <= lengths::WHATSAPP_MAX,
        Channel::Sms => lengths::sms_segments(body) <= lengths::SMS_MAX_SEGMENTS,
        Channel::Email => true,
    }
}

/// Why a message no channel reaching its lead can carry failed.
fn too_long_reason(body: &str) -> String {
    format!(
        "too long to send: {} characters ({} SMS segments); Telegram and WhatsApp carry at most {} characters and an SMS at most {} segments — shorten it and send it again",
        lengths::chars(body),
        lengths::sms_segments(body),
        lengths::TELEGRAM_MAX,
        lengths::SMS_MAX_SEGMENTS
    )
}

/// The step's template, else the workspace's default one (whose one parameter is the lead's
/// first name), with exactly the parameters it declares rendered for the lead, in the lead's
/// language: the lead's (else the workspace's) `en`/`fa`/`ar` → the code set for it in the
/// channel's settings (`template_language_en`…), else the step's or the default template's
/// language.
fn template_for(t: &Target, settings: &crate::messaging::channels::config::Settings) -> Option<Template> {
    let ctx = Context { lead: t.lead, workspace: t.workspace, property: None };
    let render = |var: &str| templates::render(&format!("{{{var}}}"), &ctx);
    let language = t.lead.language.unwrap_or(t.workspace.language);
    let for_language = match language {
        crate::model::Language::En => settings.template_language_en.clone(),
        crate::model::Language::Fa => settings.template_language_fa.clone(),
        crate::model::Language::Ar => settings.template_language_ar.clone(),
    };
    if let Some(step) = t.step {
        if let Some(name) = &step.wa_template {
            return Some(Template {
                name: name.clone(),
                language: for_language.or_else(|| step.wa_template_language.clone()).unwrap_or_else(|| "en_US".into()),
                params: step.wa_template_params.iter().map(|v| render(v)).collect(),
            });
        }
    }
    settings.default_template.as_ref().map(|name| Template {
        name: name.clone(),
        language: for_language.or_else(|| settings.default_template_language.clone()).unwrap_or_else(|| "en_US".into()),
        params: vec![render("first_name")],
    })
}

/// A link the agent opens to send by hand: WhatsApp click-to-chat with the text filled in,
/// else a call, else the lead's Telegram profile.
pub fn manual_link(lead: &Lead, body: &str) -> Option<String> {
    let number = lead.whatsapp.as_ref().or(lead.phone.as_ref());
    if let Some(n) = number.filter(|_| !lead.opt_outs.contains(&Channel::Whatsapp)) {
        return Some(format!("https://wa.me/{}?text={}", n.trim_start_matches('+'), percent_encode(body)));
    }
    if let Some(p) = &lead.phone {
        return Some(format!("tel:{p}"));
    }
    lead.telegram_username.as_ref().filter(|_| !lead.opt_outs.contains(&Channel::Telegram)).map(|u| format!("https://t.me/{u}"))
}

/// Percent-encodes all but the unreserved characters of RFC 3986 (UTF-8 bytes).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::channels::config::{Settings, TelegramChannel, TwilioChannel, WhatsappChannel};
    use crate::messaging::channels::{telegram::Telegram, twilio::Twilio, whatsapp::WhatsApp};
    use crate::clock::parse_time;

    fn now() -> DateTime<Utc> {
        parse_time("2026-03-02T10:00:00Z").unwrap()
    }

    fn ws() -> Workspace {
        Workspace::for_tests()
    }

    fn all(default_template: bool) -> Channels {
        let http = reqwest::Client::new();
        Channels {
            telegram: Some(TelegramChannel { client: Telegram::new(http.clone(), "http://x", "t"), settings: Settings::default(), attention: false, cursor: None }),
            whatsapp: Some(WhatsappChannel {
                client: WhatsApp::new(http.clone(), "http://x", "v21.0", "1", "t"),
                settings: Settings { default_template: default_template.then(|| "hello".into()), default_template_language: Some("en_US".into()), ..Settings::default() },
                attention: false,
            }),
            twilio: Some(TwilioChannel {
                client: Twilio::new(http, "http://x", "AC", "t"),
                settings: Settings { from: Some("LEADBOOK".into()), whatsapp_from: Some("+14155238886".into()), ..Settings::default() },
                attention: false,
                cursor: None,
            }),
            email: None,
        }
    }

    fn lead() -> Lead {
        let mut l = Lead::blank("Aisha Khan", now());
        l.telegram_id = Some(42);
        l.phone = Some("+971501234567".into());
        l
    }

    fn go(l: &Lead, ch: &Channels, inbound: Option<&str>) -> Route {
        let w = ws();
        route(&Target { lead: l, workspace: &w, body: "Hi Aisha", step: None, whatsapp_inbound_at: inbound.and_then(parse_time), whatsapp_inbound_via: None }, ch, &[], now())
    }

    #[test]
    fn telegram_first_then_whatsapp_then_sms_then_by_hand() {
        let ch = all(false);
        let mut l = lead();
        assert_eq!(go(&l, &ch, None), Route::Telegram { chat_id: 42 });
        l.opt_outs.push(Channel::Telegram);
        // Outside the window with no template: WhatsApp cannot carry it; SMS can.
        assert_eq!(go(&l, &ch, None), Route::Sms { to: "+971501234567".into(), from: "LEADBOOK".into() });
        assert_eq!(go(&l, &ch, Some("2026-03-02T09:00:00Z")), Route::WhatsappText { to: "+971501234567".into() });
        l.opt_outs.push(Channel::Sms);
        assert_eq!(go(&l, &ch, None), Route::Manual { link: Some("https://wa.me/971501234567?text=Hi%20Aisha".into()) });
        l.opt_outs.push(Channel::Whatsapp);
        assert_eq!(go(&l, &ch, None), Route::Manual { link: Some("tel:+971501234567".into()) });
    }

    #[test]
    fn outside_the_window_whatsapp_sends_the_template() {
        let ch = all(true);
        let mut l = lead();
        l.unusable_channels.push(Channel::Telegram);
        let Route::WhatsappTemplate { to, template } = go(&l, &ch, Some("2026-02-20T09:00:00Z")) else { panic!("a template") };
        assert_eq!((to.as_str(), template.name.as_str(), template.params.clone()), ("+971501234567", "hello", vec!["Aisha".to_string()]));
    }

    #[test]
    fn the_steps_channel_comes_first_and_a_channel_needing_attention_holds_the_message() {
        let mut ch = all(false);
        let l = lead();
        let w = ws();
        let step = Step {
            position: 1, offset_minutes: 0, label: "x".into(), template_en: "x".into(), template_fa: "x".into(), template_ar: "x".into(),
            channel: Some("sms".into()), wa_template: None, wa_template_language: None, wa_template_params: vec![], subject_en: String::new(), subject_fa: String::new(), subject_ar: String::new(), variants: vec![],
        };
        let t = Target { lead: &l, workspace: &w, body: "b", step: Some(&step), whatsapp_inbound_at: None, whatsapp_inbound_via: None };
        assert_eq!(route(&t, &ch, &[], now()), Route::Sms { to: "+971501234567".into(), from: "LEADBOOK".into() });
        ch.twilio.as_mut().unwrap().attention = true;
        assert_eq!(route(&t, &ch, &[], now()), Route::Wait { provider: Provider::Twilio });
    }

    #[test]
    fn a_text_too_long_for_a_channel_routes_on_and_too_long_for_every_one_fails() {
        let ch = all(true);
        let l = lead();
        let w = ws();
        let step = Step {
            position: 1, offset_minutes: 0, label: "x".into(), template_en: "x".into(), template_fa: "x".into(), template_ar: "x".into(),
            channel: Some("sms".into()), wa_template: None, wa_template_language: None, wa_template_params: vec![], subject_en: String::new(), subject_fa: String::new(), subject_ar: String::new(), variants: vec![],
        };
        let at = |body: &str, step: Option<&Step>, inbound: Option<&str>| {
            route(&Target { lead: &l, workspace: &w, body, step, whatsapp_inbound_at: inbound.and_then(parse_time), whatsapp_inbound_via: None }, &ch, &[], now())
        };
        // 670 Arabic letters are 10 SMS segments, 671 are 11: the SMS step's text goes by Telegram.
        assert!(matches!(at(&"س".repeat(670), Some(&step), None), Route::Sms { .. }));
        assert_eq!(at(&"س".repeat(671), Some(&step), None), Route::Telegram { chat_id: 42 });
        // 4 096 characters go to Telegram; 4 097 do not: free WhatsApp text cannot carry them
        // either, the approved template (which does not carry the text) can.
        assert_eq!(at(&"a".repeat(4096), None, None), Route::Telegram { chat_id: 42 });
        assert!(matches!(at(&"a".repeat(4097), None, None), Route::WhatsappTemplate { .. }));
        // Inside the window (free text only), nothing can carry 4 097 characters: it fails.
        let Route::TooLong { reason } = at(&"a".repeat(4097), None, Some("2026-03-02T09:00:00Z")) else { panic!("too long") };
        assert!(reason.contains("4097 characters") && reason.contains("27 SMS segments"), "{reason}");
        // A lead no provider reaches still becomes the agent's, whatever the length.
        let mut hand = lead();
        hand.telegram_id = None;
        let none = Channels::default();
        let t = Target { lead: &hand, workspace: &w, body: &"a".repeat(5000), step: None, whatsapp_inbound_at: None, whatsapp_inbound_via: None };
        assert!(matches!(route(&t, &none, &[], now()), Route::Manual { .. }));
    }

    #[test]
    fn email_comes_after_sms_and_before_the_agent_and_never_to_an_address_that_opted_out() {
        use crate::messaging::channels::config::EmailChannel;
        use crate::messaging::channels::email::{EmailClient, Endpoint, Security};
        let mut ch = all(false);
        let at = |port| Endpoint { host: "127.0.0.1".into(), port, security: Security::None };
        ch.email = Some(EmailChannel { client: EmailClient::new(at(1), at(2), "u", "p", "a@b.ae", "INBOX"), settings: Settings::default(), attention: false, cursor: None });
        let mut l = lead();
        l.email = Some("aisha@example.org".into());
        l.opt_outs.push(Channel::Telegram);
        assert!(matches!(go(&l, &ch, None), Route::Sms { .. }), "SMS before email");
        l.opt_outs.push(Channel::Sms);
        assert_eq!(go(&l, &ch, None), Route::Email { to: "aisha@example.org".into() });
        // Email carries any length: nothing is too long for a lead it reaches.
        let w = ws();
        let long = "a".repeat(20_000);
        let t = Target { lead: &l, workspace: &w, body: &long, step: None, whatsapp_inbound_at: None, whatsapp_inbound_via: None };
        assert!(matches!(route(&t, &ch, &[], now()), Route::Email { .. }));
        ch.email.as_mut().unwrap().attention = true;
        assert_eq!(go(&l, &ch, None), Route::Wait { provider: Provider::Email }, "a refused login holds the mail");
        ch.email.as_mut().unwrap().attention = false;
        l.opt_outs.push(Channel::Email);
        assert!(matches!(go(&l, &ch, None), Route::Manual { .. }));
    }

    #[test]
    fn with_no_provider_set_up_every_message_is_for_the_agent() {
        let l = lead();
        assert!(matches!(go(&l, &Channels::default(), None), Route::Manual { .. }));
    }

    #[test]
    fn whatsapp_through_twilio_inside_the_window_when_the_cloud_api_is_not_set_up() {
        let mut ch = all(false);
        ch.whatsapp = None;
        let mut l = lead();
        l.telegram_id = None;
        assert_eq!(
            go(&l, &ch, Some("2026-03-02T09:00:00Z")),
            Route::TwilioWhatsapp { to: "whatsapp:+971501234567".into(), from: "whatsapp:+14155238886".into() }
        );
    }

    #[test]
    fn free_text_goes_only_from_the_number_the_lead_wrote_to() {
        let ch = all(false);
        let mut l = lead();
        l.telegram_id = None;
        l.opt_outs.push(Channel::Sms);
        let w = ws();
        let at = parse_time("2026-03-02T09:00:00Z");
        let via = |p: Option<Provider>| route(&Target { lead: &l, workspace: &w, body: "b", step: None, whatsapp_inbound_at: at, whatsapp_inbound_via: p }, &ch, &[], now());
        // She wrote to the Twilio sender: the Cloud number's window is closed (no template set
        // up here), so the text goes from Twilio's sender.
        assert_eq!(via(Some(Provider::Twilio)), Route::TwilioWhatsapp { to: "whatsapp:+971501234567".into(), from: "whatsapp:+14155238886".into() });
        assert_eq!(via(Some(Provider::Whatsapp)), Route::WhatsappText { to: "+971501234567".into() });
        let mut with_template = all(true);
        with_template.twilio = None;
        let t = Target { lead: &l, workspace: &w, body: "b", step: None, whatsapp_inbound_at: at, whatsapp_inbound_via: Some(Provider::Twilio) };
        assert!(matches!(route(&t, &with_template, &[], now()), Route::WhatsappTemplate { .. }), "never free text from the Cloud number");
    }

    #[test]
    fn a_template_goes_in_the_leads_language_with_the_code_the_workspace_set_for_it() {
        let mut ch = all(true);
        let wa = &mut ch.whatsapp.as_mut().unwrap().settings;
        wa.template_language_fa = Some("fa".into());
        wa.template_language_en = Some("en_GB".into());
        let mut l = lead();
        l.telegram_id = None;
        let lang = |l: &Lead| match go(l, &ch, None) {
            Route::WhatsappTemplate { template, .. } => template.language,
            other => panic!("{other:?}"),
        };
        l.language = Some(crate::model::Language::Fa);
        assert_eq!(lang(&l), "fa");
        l.language = Some(crate::model::Language::Ar);
        assert_eq!(lang(&l), "en_US", "no code set for Arabic: the default template's language");
        l.language = None;
        assert_eq!(lang(&l), "en_GB", "no language of its own: the workspace's (English)");
    }
}
