//! A simulated year (SPEC §14, issue #17): 10 000 leads arriving over 365 days, hourly ticks
//! and delivery rounds against the local Telegram Bot API server, the agent sending by hand
//! what no channel carries, random replies, STOPs in English, Persian and Arabic, declined and
//! unanswered calls, closed deals, numbers on the Do Not Call Register (re-imported mid-year),
//! listings with and without permits (some added later), offline gaps of hours and days and
//! the app closed for a day and a half. Then, from the contact log and from what the provider
//! itself recorded, it counts every broken rule: each must be 0.
//!
//! A release-mode test (`make test` runs `cargo test --release -p leadbook-core --test year`);
//! in a debug build it is ignored. It prints its counts and its run time.

use chrono::{DateTime, Duration, Timelike, Utc};
use leadbook_core::clock::parse_time;
use leadbook_core::compliance::report::{ContactEntry, LogFilter};
use leadbook_core::compliance::{ContactOutcome, ContactPurpose};
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::messaging::delivery::Pacer;
use leadbook_core::model::{MessageStatus, Status};
use leadbook_core::secrets::MemoryStore;
use leadbook_core::tasks::calls::CallOutcome;
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::{TgUser, Telegram};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

const TOKEN: &str = "7000000003:AAE-year";
const LEADS: usize = 10_000;
const DAYS: i64 = 365;
/// Monday 6 January 2025, midnight UTC (04:00 in Dubai): in the past of the machine's clock, so
/// what the provider stamps never comes after the simulated now.
const START: &str = "2025-01-06T00:00:00Z";
const AREAS: &[&str] = &[
    "JVC", "Dubai Marina", "Downtown", "Business Bay", "Arabian Ranches", "JLT", "Palm Jumeirah", "Dubai Hills", "Al Barsha", "Mirdif",
];

/// A small deterministic generator (xorshift64*): the same year every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What happens to one lead, decided when it arrives.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// Never answers: must get every step.
    Silent,
    Replies,
    Stops(usize),
    Declines,
    Wins,
    UnansweredCall,
}

struct Planned {
    at: DateTime<Utc>,
    lead: usize,
    fate: Fate,
}

struct Sim {
    book: Book,
    clock: Arc<FixedClock>,
    ws: leadbook_core::workspace::Workspace,
    telegram: Telegram,
    rt: tokio::runtime::Runtime,
    channels: leadbook_core::messaging::channels::config::Channels,
}

fn hour_local(ws: &leadbook_core::workspace::Workspace, t: DateTime<Utc>) -> u32 {
    t.with_timezone(&ws.tz()).hour()
}

fn phone(i: usize) -> String {
    format!("+97150{:07}", 1_000_000 + i)
}

fn telegram_id(i: usize) -> i64 {
    7_000_000 + i as i64
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a release-mode test: make test runs it with --release")]
fn a_simulated_year_of_ten_thousand_leads_breaks_no_rule() {
    let started = Instant::now();
    let start = parse_time(START).unwrap();
    let clock = Arc::new(FixedClock::at(START));
    let dir = tempfile::tempdir().unwrap();
    let mut book = Book::open(&dir.path().join("year.db"), clock.clone()).unwrap();
    let ws = book.workspace("Default").unwrap();
    let telegram = Telegram::start(TOKEN);
    let secrets = MemoryStore::default();
    let s = Settings { base_url: Some(telegram.base_url()), ..Settings::default() };
    book.set_channel(&ws, &secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap();
    let channels = book.load_channels(&ws, &secrets, &channels::http_client().unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut sim = Sim { book, clock, ws, telegram, rt, channels };
    let mut rng = Rng(0x5EED_2025_0001);

    // Who arrives when (about 27 a day, at any hour), how each is reached, and what each does.
    let mut arrivals: Vec<(DateTime<Utc>, usize)> =
        (0..LEADS).map(|i| (start + Duration::minutes((i as i64 * DAYS * 24 * 60) / LEADS as i64 + rng.below(50) as i64), i)).collect();
    arrivals.sort();
    let by_telegram: Vec<bool> = (0..LEADS).map(|_| rng.chance(85)).collect();
    let listed_first: BTreeSet<usize> = (0..LEADS).filter(|_| rng.chance(5)).collect();
    // Mid-year the register is re-imported: a fifth of the numbers leave it, others join (ordered
    // sets: which leave must not depend on a hash seed).
    let leave: BTreeSet<usize> = listed_first.iter().copied().filter(|_| rng.chance(20)).collect();
    let join: BTreeSet<usize> = (0..LEADS).filter(|i| !listed_first.contains(i) && rng.chance(2)).collect();
    let listed_second: BTreeSet<usize> = listed_first.difference(&leave).copied().chain(join.iter().copied()).collect();
    let reimport_at = start + Duration::days(180);
    let mut plans: Vec<Planned> = vec![];
    let mut fates = vec![Fate::Silent; LEADS];
    for &(at, i) in &arrivals {
        let roll = rng.below(100);
        let fate = match roll {
            0..=24 => Fate::Replies,
            25..=30 => Fate::Stops(rng.below(3) as usize),
            31..=33 => Fate::Declines,
            34..=35 => Fate::Wins,
            36..=40 => Fate::UnansweredCall,
            _ => Fate::Silent,
        };
        // A STOP needs a channel to write on.
        let fate = if matches!(fate, Fate::Stops(_) | Fate::Replies) && !by_telegram[i] { Fate::Silent } else { fate };
        fates[i] = fate;
        if fate != Fate::Silent {
            // Calls happen in working hours; messages at any hour.
            let mut when = at + Duration::hours(1 + rng.below(20 * 24) as i64);
            if matches!(fate, Fate::Declines | Fate::UnansweredCall) {
                let local = hour_local(&sim.ws, when) as i64;
                when += Duration::hours((24 + 11 - local) % 24);
            }
            plans.push(Planned { at: when, lead: i, fate });
        }
    }
    plans.sort_by_key(|p| p.at);

    // The register, first as the TDRA's list: numbers in mixed spellings.
    let register = dir.path().join("dncr.csv");
    let write_register = |set: &BTreeSet<usize>| {
        let mut text = String::from("Phone Number\n");
        for (n, i) in set.iter().enumerate() {
            let p = phone(*i);
            text.push_str(&match n % 3 {
                0 => p.clone(),
                1 => format!("00{}", &p[1..]),
                _ => format!("0{} {} {}", &p[4..6], &p[6..9], &p[9..]),
            });
            text.push('\n');
        }
        std::fs::write(&register, text).unwrap();
    };
    write_register(&listed_first);
    let imported = sim.book.import_dncr(&sim.ws, &register).unwrap();
    assert_eq!(imported.numbers, listed_first.len());

    // Offline gaps (no delivery, no inbox) and the app closed (nothing at all).
    let offline = |t: DateTime<Utc>| {
        let d = (t - start).num_hours();
        (60 * 24..63 * 24).contains(&d) || (200 * 24 + 3..200 * 24 + 11).contains(&d) || (250 * 24 + 8..250 * 24 + 10).contains(&d)
    };
    let closed = |t: DateTime<Utc>| {
        let d = (t - start).num_hours();
        (300 * 24..301 * 24 + 12).contains(&d)
    };

    let mut ids: Vec<Option<i64>> = vec![None; LEADS];
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut next_arrival = 0;
    let mut next_plan = 0;
    // Event times, by lead: what the assertions measure against.
    let mut replied_at: HashMap<usize, DateTime<Utc>> = HashMap::new();
    let mut stopped_at: HashMap<usize, DateTime<Utc>> = HashMap::new();
    let mut closed_at: HashMap<usize, DateTime<Utc>> = HashMap::new();
    let mut permit_at: HashMap<i64, DateTime<Utc>> = HashMap::new();
    let mut pending_permits: Vec<(DateTime<Utc>, i64)> = vec![];
    let mut reimported = false;
    let mut pushed = 0usize;
    let stop_words = ["STOP", "لغو", "إلغاء"];
    let reply_words = ["Yes, I am interested, please call me", "بله، علاقه‌مندم، لطفا تماس بگیرید", "نعم، أنا مهتم، اتصل بي من فضلك"];
    let mut properties = 0;
    let mut later: Vec<Planned> = vec![];

    for h in 0..DAYS * 24 {
        let now = start + Duration::hours(h);
        sim.clock.set(now);
        let open = !closed(now);
        let online = open && !offline(now);
        // New leads (a closed app meets them when it opens: they were typed in afterwards).
        while open && next_arrival < arrivals.len() && arrivals[next_arrival].0 <= now {
            let i = arrivals[next_arrival].1;
            let input = LeadInput {
                name: Some(format!("Lead {i}")),
                phone: Some(phone(i)),
                telegram_id: by_telegram[i].then(|| telegram_id(i)),
                locations: vec![AREAS[i % AREAS.len()].to_string()],
                budget_max: Some(1_000_000 + (i as i64 % 20) * 250_000),
                purpose: Some("buy".into()),
                language: Some(["en", "fa", "ar"][i % 3].into()),
                ..Default::default()
            };
            let id = sim.book.add_lead(&sim.ws, &input).unwrap().id;
            ids[i] = Some(id);
            index.insert(id, i);
            next_arrival += 1;
        }
        // What the leads and the agent do this hour.
        while open && next_plan < plans.len() && plans[next_plan].at <= now {
            let p = &plans[next_plan];
            next_plan += 1;
            let Some(id) = ids[p.lead] else { continue };
            if matches!(p.fate, Fate::Declines | Fate::UnansweredCall) {
                // The agent calls from Today, which holds a call to a number on the register
                // and one that pacing or the window does not allow: tried again tomorrow.
                let lead = sim.book.lead(&sim.ws, id).unwrap();
                let conn = sim.book.conn();
                let may = !leadbook_core::compliance::dncr::listed(conn, &sim.ws, &lead).unwrap()
                    && leadbook_core::followups::in_window(&sim.ws, now)
                    && leadbook_core::compliance::pacing_allows(conn, &sim.ws, id, 0, now).unwrap();
                if !may {
                    if lead.do_not_market_at.is_none() && lead.status != Status::Won {
                        later.push(Planned { at: now + Duration::days(1), lead: p.lead, fate: p.fate });
                    }
                    continue;
                }
            }
            match p.fate {
                Fate::Replies => {
                    sim.telegram.push_message(TgUser::new(telegram_id(p.lead), format!("Lead {}", p.lead)), reply_words[p.lead % 3]);
                    pushed += 1;
                }
                Fate::Stops(w) => {
                    sim.telegram.push_message(TgUser::new(telegram_id(p.lead), format!("Lead {}", p.lead)), stop_words[w]);
                    pushed += 1;
                }
                Fate::Declines => {
                    sim.book.log_call(&sim.ws, id, CallOutcome::Declined, None, Some(20)).unwrap();
                    closed_at.insert(p.lead, now);
                }
                Fate::UnansweredCall => {
                    sim.book.log_call(&sim.ws, id, CallOutcome::NoAnswer, None, None).unwrap();
                }
                Fate::Wins => {
                    sim.book.set_status(&sim.ws, id, Status::Won).unwrap();
                    closed_at.insert(p.lead, now);
                }
                Fate::Silent => {}
            }
        }
        if !later.is_empty() {
            let rest: Vec<Planned> = plans.drain(next_plan..).chain(later.drain(..)).collect();
            plans.truncate(next_plan);
            let mut rest = rest;
            rest.sort_by_key(|p| p.at);
            plans.extend(rest);
        }
        // A listing every five days at 10:00 in Dubai; two in five without a permit, half of
        // those getting one a few days later.
        if open && h % 120 == 6 {
            let with_permit = !rng.chance(40);
            let permit = format!("7{:010}", 1000 + properties);
            let input = PropertyInput {
                title: Some(format!("Listing {properties}")),
                location: Some(AREAS[rng.below(AREAS.len() as u64) as usize].into()),
                price: Some(800_000 + rng.below(3_000_000) as i64),
                permit: with_permit.then(|| permit.clone()),
                ..Default::default()
            };
            let id = sim.book.add_property(&sim.ws, &input).unwrap().id;
            properties += 1;
            if with_permit {
                permit_at.insert(id, now);
            } else if rng.chance(50) {
                pending_permits.push((now + Duration::days(2 + rng.below(5) as i64), id));
            }
        }
        for (at, pid) in pending_permits.iter().filter(|(at, _)| open && *at <= now) {
            let p = sim.book.property(&sim.ws, *pid).unwrap();
            let input = PropertyInput {
                title: Some(p.title.clone()),
                location: Some(p.location.clone()),
                price: Some(p.price),
                permit: Some(format!("7{:010}", 900_000 + pid)),
                ..Default::default()
            };
            sim.book.update_property(&sim.ws, *pid, &input).unwrap();
            permit_at.insert(*pid, *at.max(&now));
        }
        pending_permits.retain(|(at, _)| !(open && *at <= now));
        if open && !reimported && now >= reimport_at {
            write_register(&listed_second);
            sim.book.import_dncr(&sim.ws, &register).unwrap();
            reimported = true;
        }
        if !open {
            continue;
        }
        if online && pushed > 0 {
            let ws = sim.ws.clone();
            sim.rt.block_on(sim.book.sync_inbox(&ws, &sim.channels, std::time::Duration::ZERO)).unwrap();
            pushed = 0;
        }
        sim.book.followup_tick(&sim.ws).unwrap();
        if online {
            let ws = sim.ws.clone();
            sim.rt.block_on(sim.book.deliver(&ws, &sim.channels, &mut Pacer::unlimited())).unwrap();
        }
        // In working hours the agent sends by hand what no channel carries.
        let local = hour_local(&sim.ws, now);
        if (9..18).contains(&local) {
            for m in sim.book.outbox_page(&sim.ws, &leadbook_core::outbox::OutboxFilter { manual: true, ..Default::default() }, None, 500).unwrap().messages {
                sim.book.mark_message_done(&sim.ws, m.id).unwrap();
            }
        }
    }
    // Replies and STOPs as the book recorded them (the inbox stamps them when it reads them).
    let inbound: Vec<(i64, Option<String>)> = sim
        .book
        .conn()
        .prepare("SELECT id, last_inbound_at FROM leads")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (id, last) in inbound {
        let (Some(&i), Some(t)) = (index.get(&id), last.as_deref().and_then(parse_time)) else { continue };
        match fates[i] {
            Fate::Stops(_) => {
                stopped_at.insert(i, t);
            }
            Fate::Replies => {
                replied_at.insert(i, t);
            }
            _ => {}
        }
    }
    let simulated = started.elapsed();

    // --- the counts, from the contact log and the provider's own record ---
    let log = all_entries(&sim.book, &sim.ws);
    let outbox: HashMap<i64, leadbook_core::outbox::Message> =
        sim.book.outbox(&sim.ws, None, None).unwrap().into_iter().map(|m| (m.id, m)).collect();
    let at = |e: &ContactEntry| parse_time(&e.at).unwrap();
    let went: Vec<&ContactEntry> = log.iter().filter(|e| e.outcome != ContactOutcome::Held).collect();
    let marketing: Vec<&ContactEntry> = went.iter().copied().filter(|e| e.purpose == ContactPurpose::Marketing).collect();
    let lead_of = |e: &ContactEntry| index.get(&e.lead_id).copied();
    let is_followup = |e: &ContactEntry| e.outbox_id.and_then(|id| outbox.get(&id)).is_some_and(|m| m.kind.as_str() == "followup");
    let is_alert = |e: &ContactEntry| e.outbox_id.and_then(|id| outbox.get(&id)).is_some_and(|m| m.kind.as_str() == "property");

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bump = |k: &'static str, n: usize| *counts.entry(k).or_default() += n;
    bump("followups after a reply", went.iter().filter(|e| is_followup(e) && lead_of(e).and_then(|i| replied_at.get(&i)).is_some_and(|r| at(e) > *r)).count());
    bump("messages after a STOP", went.iter().filter(|e| e.channel == "telegram" && lead_of(e).and_then(|i| stopped_at.get(&i)).is_some_and(|s| at(e) > *s)).count());
    bump(
        "marketing after a decline or a closed deal",
        marketing.iter().filter(|e| e.channel != "call" && is_followup(e) && lead_of(e).and_then(|i| closed_at.get(&i)).is_some_and(|c| at(e) > *c)).count(),
    );
    bump("marketing outside 09:00-18:00", marketing.iter().filter(|e| !(9..18).contains(&hour_local(&sim.ws, at(e)))).count());
    bump("contacts that broke a rule by hand", went.iter().filter(|e| !e.broke.is_empty() && e.channel != "call").count());
    bump("marketing to a number on the register", marketing.iter().filter(|e| lead_of(e).is_some_and(|i| listed_at(i, at(e), &listed_first, &listed_second, reimport_at))).count());
    bump(
        "alerts without a permit",
        went.iter()
            .filter(|e| is_alert(e))
            .filter(|e| {
                let pid = e.outbox_id.and_then(|id| outbox.get(&id)).and_then(|m| m.property_id);
                pid.and_then(|p| permit_at.get(&p)).is_none_or(|p| at(e) < *p)
            })
            .count(),
    );
    // And what the provider got: every alert's text carries its listing's permit number.
    let permits: HashMap<i64, String> =
        sim.book.properties(&sim.ws).unwrap().into_iter().filter_map(|p| p.permit.map(|n| (p.id, n))).collect();
    let sent_texts: HashSet<String> = sim.telegram.sent().into_iter().map(|m| m.text).collect();
    bump(
        "alerts the provider got without the listing's permit number",
        went.iter()
            .filter(|e| is_alert(e) && e.channel == "telegram")
            .filter_map(|e| e.outbox_id.and_then(|id| outbox.get(&id)))
            .filter(|m| !(sent_texts.contains(&m.body) && m.property_id.and_then(|p| permits.get(&p)).is_some_and(|n| m.body.contains(n.as_str()))))
            .count(),
    );
    // Pacing: at most one marketing contact per local day and two in any 7 days per lead
    // (calls that were answered do not count).
    let mut per_lead: HashMap<i64, Vec<(DateTime<Utc>, String)>> = HashMap::new();
    for e in &marketing {
        if e.channel == "call" && e.detail.as_deref() == Some("answered") {
            continue;
        }
        let kind = e.outbox_id.and_then(|id| outbox.get(&id)).map_or("call", |m| m.kind.as_str());
        per_lead.entry(e.lead_id).or_default().push((at(e), format!("{} {}", e.channel, kind)));
    }
    let mut over = 0;
    let mut shown = 0;
    for times in per_lead.values_mut() {
        times.sort();
        let mut broke = |what: &str, w: &[(DateTime<Utc>, String)]| {
            over += 1;
            if shown < 5 {
                shown += 1;
                println!("  over pacing ({what}): {w:?}");
            }
        };
        for w in times.windows(2) {
            if sim.ws.local_day(w[0].0) == sim.ws.local_day(w[1].0) {
                broke("a day", w);
            }
        }
        for w in times.windows(3) {
            if w[2].0 - w[0].0 < Duration::days(7) {
                broke("a week", w);
            }
        }
    }
    bump("over pacing", over);
    // Duplicates: each message once in the log, and the provider got exactly what the log says.
    let mut seen = HashSet::new();
    bump("messages logged twice", went.iter().filter(|e| e.outbox_id.is_some() && !seen.insert(e.outbox_id)).count());
    let telegram_logged = went.iter().filter(|e| e.channel == "telegram").count();
    let provider_got = sim.telegram.sent().len();
    bump("provider and log disagree", telegram_logged.abs_diff(provider_got));
    let mut steps: HashSet<(i64, i64)> = HashSet::new();
    bump(
        "a step sent twice to one lead",
        went.iter().filter(|e| is_followup(e)).filter(|e| !steps.insert((e.lead_id, outbox[&e.outbox_id.unwrap()].campaign_step.unwrap_or(0)))).count(),
    );
    // Every lead who never answered, was never listed and arrived in time got all five steps.
    let cutoff = start + Duration::days(DAYS - 75);
    let mut short = 0;
    let mut silent = 0;
    for &(arrived, i) in &arrivals {
        if arrived > cutoff || fates[i] != Fate::Silent || listed_first.contains(&i) || listed_second.contains(&i) {
            continue;
        }
        let Some(id) = ids[i] else { continue };
        silent += 1;
        let got: HashSet<i64> = steps.iter().filter(|(l, _)| *l == id).map(|(_, s)| *s).collect();
        if got.len() != 5 {
            short += 1;
        }
    }
    bump("silent leads missing a step", short);
    // Every held or waiting message says why.
    bump("held without a reason", outbox.values().filter(|m| m.status == MessageStatus::Held && m.held_for.is_none()).count());
    bump(
        "deferred or waiting without a reason",
        outbox.values().filter(|m| (m.status == MessageStatus::Deferred || m.next_attempt_at.is_some()) && m.status != MessageStatus::Sent && m.error.is_none()).count(),
    );
    let held = log.iter().filter(|e| e.outcome == ContactOutcome::Held).count();
    println!(
        "simulated year: {LEADS} leads, {properties} listings, {} contacts logged ({} marketing, {} by hand, {} calls), {held} held, \
         the provider got {provider_got}; {silent} silent leads checked; simulated in {:.1} s, counted in {:.1} s",
        went.len(),
        marketing.len(),
        went.iter().filter(|e| e.channel == "manual").count(),
        went.iter().filter(|e| e.channel == "call").count(),
        simulated.as_secs_f64(),
        (started.elapsed() - simulated).as_secs_f64(),
    );
    for (k, v) in &counts {
        println!("  {k}: {v}");
    }
    assert!(held > 0 && went.len() > 40_000 && silent > 1000, "the year must exercise the rules");
    let broken: Vec<_> = counts.iter().filter(|(_, v)| **v > 0).collect();
    assert!(broken.is_empty(), "rules broken: {broken:?}");
}

/// Whether lead `i`'s number was on the register at `t`.
fn listed_at(i: usize, t: DateTime<Utc>, first: &BTreeSet<usize>, second: &BTreeSet<usize>, reimport: DateTime<Utc>) -> bool {
    if t < reimport { first.contains(&i) } else { second.contains(&i) }
}

fn all_entries(book: &Book, ws: &leadbook_core::workspace::Workspace) -> Vec<ContactEntry> {
    let mut out = vec![];
    let mut before = None;
    loop {
        let page = book.contact_log(ws, &LogFilter::default(), before, 500).unwrap();
        out.extend(page.entries);
        match page.next {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    out.reverse();
    out
}
