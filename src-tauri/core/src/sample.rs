//! The sample book (SPEC §15, the first run): a workspace of made-up leads and listings to try
//! Leadbook on before the agent's own leads are in. It goes through the same paths as real
//! work (validation, de-duplication, scoring, follow-ups, matching), so what the agent sees in
//! it is what the app does. It can never send or read messages — its people do not exist —
//! and it is removed in one step, everything in it with it.

use crate::error::{Error, Result};
use crate::leads::validate::LeadInput;
use crate::listings::properties::PropertyInput;
use crate::model::{Channel, Language, Status};
use crate::workflows::{self, Announce};
use crate::workspace::{self, Workspace};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

/// The sample book's name in the agent's language.
pub fn name(language: Language) -> &'static str {
    match language {
        Language::En => "Sample book",
        Language::Fa => "دفتر نمونه",
        Language::Ar => "دفتر تجريبي",
    }
}

/// The sample workspace, if there is one.
pub fn find(conn: &Connection) -> Result<Option<Workspace>> {
    let id: Option<i64> = conn.query_row("SELECT id FROM workspaces WHERE sample = 1 ORDER BY id LIMIT 1", [], |r| r.get(0)).optional()?;
    id.map(|id| workspace::by_id(conn, id)).transpose()
}

struct Person {
    name: &'static str,
    phone: &'static str,
    email: Option<&'static str>,
    source: &'static str,
    budget: Option<(i64, i64)>,
    areas: &'static [&'static str],
    kind: Option<&'static str>,
    bedrooms: Option<i64>,
    purpose: Option<&'static str>,
    language: &'static str,
    status: Status,
    said: Option<&'static str>,
}

const fn p(name: &'static str, phone: &'static str, source: &'static str, language: &'static str) -> Person {
    Person { name, phone, email: None, source, budget: None, areas: &[], kind: None, bedrooms: None, purpose: None, language, status: Status::New, said: None }
}

/// The made-up people: UAE mobile numbers in the spellings agents receive, names in the three
/// scripts, e-mail only at example.com (a domain that can never receive mail).
fn people() -> Vec<Person> {
    vec![
        Person { email: Some("aisha.khan@example.com"), budget: Some((1_500_000, 2_200_000)), areas: &["Dubai Marina", "JLT"], kind: Some("apartment"), bedrooms: Some(2), purpose: Some("buy"), status: Status::Replied, said: Some("Yes, I'd like to see the Marina one this weekend."), ..p("Aisha Khan", "+971 50 555 0101", "linkedin", "en") },
        Person { budget: Some((4_000_000, 6_500_000)), areas: &["Palm Jumeirah"], kind: Some("villa"), bedrooms: Some(4), purpose: Some("buy"), status: Status::Viewing, ..p("Omar Haddad", "050 555 0102", "referral", "en") },
        Person { budget: Some((90_000, 120_000)), areas: &["JVC"], kind: Some("apartment"), bedrooms: Some(1), purpose: Some("rent"), ..p("Priya Sharma", "+971-52-555-0103", "portal", "en") },
        Person { email: Some("james.brown@example.com"), budget: Some((2_000_000, 3_000_000)), areas: &["Downtown Dubai", "Business Bay"], kind: Some("apartment"), bedrooms: Some(2), purpose: Some("buy"), status: Status::Contacted, ..p("James Brown", "00971 55 555 0104", "website", "en") },
        Person { budget: Some((1_200_000, 1_800_000)), areas: &["Dubai Hills Estate"], kind: Some("townhouse"), bedrooms: Some(3), purpose: Some("buy"), status: Status::Negotiating, ..p("Olga Petrova", "+971 56 555 0105", "telegram", "en") },
        Person { areas: &["Arabian Ranches"], kind: Some("villa"), purpose: Some("rent"), ..p("Daniel Smith", "+971 58 555 0106", "walk_in", "en") },
        Person { budget: Some((800_000, 1_100_000)), areas: &["Al Furjan", "JVC"], kind: Some("apartment"), bedrooms: Some(1), purpose: Some("buy"), ..p("Wei Chen", "+971 50 555 0107", "whatsapp", "en") },
        Person { purpose: Some("buy"), status: Status::Lost, ..p("Emma Wilson", "+971 52 555 0108", "import", "en") },
        Person { budget: Some((3_000_000, 4_500_000)), areas: &["Downtown Dubai"], kind: Some("penthouse"), bedrooms: Some(3), purpose: Some("buy"), status: Status::Qualified, ..p("محمد المنصوري", "٠٥٠ ٥٥٥ ٠١٠٩", "referral", "ar") },
        Person { budget: Some((150_000, 220_000)), areas: &["Jumeirah"], kind: Some("villa"), bedrooms: Some(3), purpose: Some("rent"), ..p("فاطمة النعيمي", "+971 55 555 0110", "portal", "ar") },
        Person { budget: Some((1_500_000, 2_500_000)), areas: &["Dubai Marina"], kind: Some("apartment"), bedrooms: Some(2), purpose: Some("buy"), status: Status::Replied, said: Some("نعم، أرسل لي المزيد من التفاصيل من فضلك"), ..p("خالد الزعابي", "+971 56 555 0111", "whatsapp", "ar") },
        Person { budget: Some((700_000, 950_000)), areas: &["Business Bay"], kind: Some("apartment"), purpose: Some("buy"), ..p("مريم الكتبي", "+971 50 555 0112", "linkedin", "ar") },
        Person { budget: Some((2_500_000, 3_500_000)), areas: &["Dubai Hills Estate", "Arabian Ranches"], kind: Some("villa"), bedrooms: Some(4), purpose: Some("buy"), status: Status::Contacted, ..p("علی رضایی", "۰۵۰ ۵۵۵ ۰۱۱۳", "telegram", "fa") },
        Person { budget: Some((100_000, 140_000)), areas: &["JLT", "Dubai Marina"], kind: Some("apartment"), bedrooms: Some(2), purpose: Some("rent"), status: Status::Replied, said: Some("سلام، ممنون. آیا امکان بازدید فردا هست؟"), ..p("مریم حسینی", "+971 52 555 0114", "telegram", "fa") },
        Person { budget: Some((1_800_000, 2_400_000)), areas: &["Downtown Dubai"], kind: Some("apartment"), bedrooms: Some(2), purpose: Some("buy"), status: Status::Won, ..p("رضا کریمی", "+971 55 555 0115", "referral", "fa") },
        Person { budget: Some((600_000, 900_000)), areas: &["JVC"], kind: Some("apartment"), bedrooms: Some(1), purpose: Some("buy"), ..p("سارا محمدی", "+971 58 555 0116", "import", "fa") },
    ]
}

fn listings() -> Vec<PropertyInput> {
    let l = |title: &str, location: &str, price: i64, kind: &str, bedrooms: i64, purpose: &str, permit: &str| PropertyInput {
        title: Some(title.into()),
        location: Some(location.into()),
        price: Some(price),
        property_type: Some(kind.into()),
        bedrooms: Some(bedrooms),
        purpose: Some(purpose.into()),
        permit: Some(permit.into()),
        reference: None,
    };
    vec![
        l("Marina view 2-bed, high floor", "Dubai Marina", 1_950_000, "apartment", 2, "sale", "7112345601"),
        l("Family villa with garden", "Palm Jumeirah", 5_800_000, "villa", 4, "sale", "7112345602"),
        l("Bright 1-bed near the park", "JVC", 105_000, "apartment", 1, "rent", "7112345603"),
        l("Downtown 2-bed, Burj view", "Downtown Dubai", 2_300_000, "apartment", 2, "sale", "7112345604"),
    ]
}

/// Makes the sample book (or returns the one there is) and fills it: the made-up leads go
/// through validation, scoring and follow-ups as an import would, the listings match them (their
/// alerts wait to be sent by hand: the sample book has no channel and never will), a few
/// leads have moved along the pipeline and three have written back. `template` lends its time
/// zone; `language` names the book.
pub fn create(conn: &Connection, template: &Workspace, language: Language, now: DateTime<Utc>) -> Result<Workspace> {
    if let Some(ws) = find(conn)? {
        return Ok(ws);
    }
    let mut name = name(language).to_string();
    let mut n = 1;
    while conn.query_row("SELECT 1 FROM workspaces WHERE name = ?1", [&name], |_| Ok(())).optional()?.is_some() {
        n += 1;
        name = format!("{} {n}", self::name(language));
    }
    let ws = workflows::add_workspace(conn, &name, Some(&template.timezone), now)?;
    let ws = workspace::make_sample(conn, ws.id, template)?;
    for person in people() {
        let input = LeadInput {
            name: Some(person.name.into()),
            email: person.email.map(Into::into),
            phone: Some(person.phone.into()),
            source: Some(person.source.into()),
            budget_min: person.budget.map(|b| b.0),
            budget_max: person.budget.map(|b| b.1),
            locations: person.areas.iter().map(|a| a.to_string()).collect(),
            property_type: person.kind.map(Into::into),
            bedrooms: person.bedrooms,
            purpose: person.purpose.map(Into::into),
            language: Some(person.language.into()),
            ..Default::default()
        };
        let id = workflows::add_lead(conn, &ws, &input, now)?.id;
        if let Some(text) = person.said {
            let via = if person.source == "telegram" { Channel::Telegram } else { Channel::Whatsapp };
            workflows::record_reply(conn, &ws, id, text, Some(via), now)?;
        }
        if person.status != Status::New && person.status != Status::Replied {
            workflows::set_status(conn, &ws, id, person.status, now)?;
        }
    }
    for listing in listings() {
        workflows::add_property(conn, &ws, &listing, Announce::Now, now)?;
    }
    workspace::by_id(conn, ws.id)
}

/// Removes the sample book and everything in it (every table's rows go with their workspace);
/// refuses any other workspace. The workspace to show next: the first that is left.
pub fn remove(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<Workspace> {
    let ws = workspace::by_id(conn, id)?;
    if !ws.sample {
        return Err(Error::validation("workspace", format!("'{}' is not the sample book: only the sample book is removed this way", ws.name)));
    }
    workspace::delete_sample(conn, id)?;
    match workspace::list(conn)?.into_iter().next() {
        Some(next) => Ok(next),
        None => workflows::add_workspace(conn, workspace::DEFAULT, Some(&ws.timezone), now),
    }
}
