//! Reading an enquiry out of a mail's text: first by the portal's known layout (PROVIDERS.md
//! "Portal lead emails" — Property Finder's "<Name> has sent you a message regarding your
//! property" and call summaries, Bayut's `INQUIRY MESSAGE` / `INQUIRER DETAILS` / `PROPERTY
//! DETAILS` sections and call notifications, dubizzle's `Ref No:` / `Telephone:` labels and
//! phone leads), then by labelled lines in English, Arabic and Persian (`Name:`, `الاسم:`,
//! `نام:`, …). Layouts drift: every rule here only adds what it finds, and a mail that gives
//! neither a phone nor an email is no enquiry (the caller keeps it as unparsed).

use super::parse::Mail;
use super::{Enquiry, EnquiryKind, EnquiryVia, Portal};
use chrono::{DateTime, Utc};

/// What a labelled line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Phone,
    Email,
    Message,
    Reference,
    Permit,
    LeadId,
}

/// Labels (compared lower-cased, without the colon and surrounding space) in English, Arabic
/// and Persian, the portals' own among them.
const LABELS: &[(Field, &[&str])] = &[
    (Field::Name, &[
        "name", "full name", "client name", "customer name", "contact name", "inquirer name", "enquirer name", "sender name", "your name",
        "الاسم", "الاسم الكامل", "اسم", "اسم العميل",
        "نام", "نام و نام خانوادگی", "نام کامل", "نام مشتری",
    ]),
    (Field::Phone, &[
        "phone", "phone number", "mobile", "mobile number", "mobile no", "telephone", "tel", "contact number", "cell", "cell phone",
        "caller number", "caller", "caller id", "whatsapp", "whatsapp number", "phone no",
        "الهاتف", "رقم الهاتف", "هاتف", "الجوال", "رقم الجوال", "جوال", "الموبايل", "موبايل", "رقم المتصل", "واتساب",
        "تلفن", "شماره تلفن", "موبایل", "شماره موبایل", "شماره تماس", "تلفن همراه", "شماره همراه", "واتساپ",
    ]),
    (Field::Email, &[
        "email", "e-mail", "email address", "e-mail address", "your email",
        "البريد الإلكتروني", "البريد الالكتروني", "البريد", "الايميل", "الإيميل",
        "ایمیل", "پست الکترونیک", "آدرس ایمیل", "پست الکترونیکی",
    ]),
    (Field::Message, &[
        "message", "comments", "comment", "enquiry", "inquiry", "inquiry message", "enquiry message", "your message", "details",
        "الرسالة", "رسالة", "نص الرسالة", "استفسار", "الاستفسار",
        "پیام", "متن پیام", "توضیحات",
    ]),
    (Field::Reference, &[
        "reference", "ref", "ref no", "ref. no", "ref no.", "ref.", "reference no", "reference no.", "reference number", "listing reference",
        "property reference", "listing ref", "property ref",
        "المرجع", "رقم المرجع", "مرجع", "الرقم المرجعي",
        "شماره مرجع", "کد ملک", "کد آگهی",
    ]),
    (Field::Permit, &[
        "permit", "permit no", "permit number", "rera permit", "rera permit number", "trakheesi", "trakheesi permit", "dld permit",
        "dld permit number", "رقم التصريح", "تصريح", "رقم تصريح", "مجوز", "شماره مجوز",
    ]),
    (Field::LeadId, &["lead id", "enquiry id", "inquiry id", "lead reference", "lead ref"]),
];

/// Section headings of Bayut's layout: a message section, and sections that end it.
const BAYUT_MESSAGE: &str = "inquiry message";
const SECTION_HEADINGS: &[&str] = &["inquiry message", "inquirer details", "property details", "agent details", "call details", "lead details"];

/// The longest a single value may be before it is no value (a paragraph after a colon).
const MAX_VALUE: usize = 300;

fn field_of(label: &str) -> Option<Field> {
    let l = label.trim().trim_end_matches([':', '：', '-']).trim();
    // Lower-casing keeps those marks and never makes fewer characters: a line of text too long
    // to be a label is known so without lower-casing it.
    if l.trim_start_matches(['*', '•', '-', ' ']).trim().chars().nth(40).is_some() {
        return None;
    }
    let l = l.to_lowercase();
    let l = l.trim_start_matches(['*', '•', '-', ' ']).trim();
    if l.is_empty() || l.chars().count() > 40 {
        return None;
    }
    labels().get(l).copied()
}

/// [`LABELS`] by name (the first field naming it, as a search of the list in order finds).
fn labels() -> &'static std::collections::HashMap<&'static str, Field> {
    static BY_NAME: std::sync::OnceLock<std::collections::HashMap<&'static str, Field>> = std::sync::OnceLock::new();
    BY_NAME.get_or_init(|| {
        let mut by_name = std::collections::HashMap::new();
        for (field, names) in LABELS {
            for name in *names {
                by_name.entry(*name).or_insert(*field);
            }
        }
        by_name
    })
}

/// A line as `label: value` (or `label` alone, its value on the next line), for a known label.
fn labelled(line: &str) -> Option<(Field, &str)> {
    let line = line.trim();
    for sep in [':', '：'] {
        if let Some((label, value)) = line.split_once(sep) {
            if let Some(f) = field_of(label) {
                return Some((f, value.trim()));
            }
        }
    }
    // "Phone +971…" / "Email a@b" in a table row whose cells lost their colon, or the label alone.
    field_of(line).map(|f| (f, ""))
}

fn is_heading(line: &str) -> bool {
    SECTION_HEADINGS.contains(&line.trim().trim_end_matches(':').to_lowercase().as_str())
}

/// Whether the mail is a call (a call summary, a call received or missed, a phone lead).
pub fn is_call(mail: &Mail) -> bool {
    let s = mail.subject.as_deref().unwrap_or("").to_lowercase();
    ["call summary", "call received", "call missed", "phone lead", "missed a call", "missed call", "new call", "call lead"]
        .iter()
        .any(|w| s.contains(w))
}

/// The enquiry `mail` makes, from `portal` (or a lead sender that is no portal). It may have no
/// phone and no email ([`Enquiry::has_contact`]): then it is no lead.
pub fn enquiry(mail: &Mail, portal: Option<Portal>, now: DateTime<Utc>) -> Enquiry {
    let mut e = read(mail, portal);
    e.at = made_at(mail, now);
    e
}

/// When the enquiry in `mail` was made: the mail's date, unless it is in the future of `now`
/// or before 2000 (then `now`).
pub fn made_at(mail: &Mail, now: DateTime<Utc>) -> DateTime<Utc> {
    mail.date.filter(|d| *d <= now && *d >= crate::clock::earliest()).unwrap_or(now)
}

/// [`enquiry`] without the clock, so it can be read on another thread: everything but its
/// `at`, which is left at [`crate::clock::earliest`] for [`made_at`] to give.
pub fn read(mail: &Mail, portal: Option<Portal>) -> Enquiry {
    let kind = if is_call(mail) { EnquiryKind::Call } else { EnquiryKind::Message };
    let mut e = Enquiry::new(portal, kind, EnquiryVia::Email, crate::clock::earliest());
    let lines: Vec<&str> = mail.text.lines().map(str::trim).collect();

    let mut listing_id = None;
    match portal {
        Some(Portal::PropertyFinder) => property_finder(&lines, &mut e),
        Some(Portal::Bayut) => listing_id = bayut(&lines, &mut e),
        _ => {}
    }
    labelled_lines(&lines, &mut e);
    if e.listing_reference.is_none() {
        // Bayut's own listing id, when the agent's reference is missing.
        e.listing_reference = listing_id;
    }
    links(mail, &mut e);
    if e.email.is_none() && portal.is_none() {
        // A web form's mail often answers to the enquirer.
        e.email = mail.reply_to.clone().filter(|r| Some(r) != mail.from.as_ref());
    }
    if e.message.is_none() && kind == EnquiryKind::Message && portal.is_none() && e.has_contact() {
        // A lead sender's mail with no message label: its text is the message.
        e.message = Some(mail.text.chars().take(2000).collect());
    }
    for v in [&mut e.name, &mut e.phone, &mut e.email, &mut e.listing_reference, &mut e.permit, &mut e.portal_lead_id] {
        *v = v.take().map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && s.chars().count() <= MAX_VALUE);
    }
    e.message = e.message.take().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    e
}

/// Property Finder: "Dear <Agent>, <Name> has sent you a message regarding your property …";
/// the message, when not labelled, is the quoted text after it.
fn property_finder(lines: &[&str], e: &mut Enquiry) {
    const SENT: &str = " has sent you a message";
    for (i, line) in lines.iter().enumerate() {
        // Most lines do not have it: a plain scan, without lower-casing them or building a
        // searcher for each (the words compared in any case, as lower-casing the line did).
        if !line.as_bytes().windows(SENT.len()).any(|w| w.eq_ignore_ascii_case(SENT.as_bytes())) {
            continue;
        }
        let lower = line.to_lowercase();
        if let Some(pos) = lower.find(SENT) {
            // Byte offsets of the lower-cased line hold for the line only when lower-casing
            // kept its length; otherwise the sentence is not Property Finder's.
            if lower.len() == line.len() {
                let before = &line[..pos];
                let name = before.rsplit(',').next().unwrap_or(before).trim();
                let name = name.strip_prefix("Dear ").unwrap_or(name);
                if !name.is_empty() && e.name.is_none() {
                    e.name = Some(name.to_string());
                }
            }
            // A quoted message in the lines that follow.
            if e.message.is_none() {
                for next in lines.iter().skip(i + 1).filter(|l| !l.is_empty()).take(12) {
                    let q = next.trim();
                    if q.chars().count() > 2 && (q.starts_with('"') || q.starts_with('“')) {
                        e.message = Some(q.trim_matches(['"', '“', '”']).trim().to_string());
                        break;
                    }
                }
            }
        }
    }
}

/// Bayut: the lines under `INQUIRY MESSAGE` up to the next section are the message. Answers
/// the `Bayut ID:` (the listing's id at Bayut), a reference when there is no other.
fn bayut(lines: &[&str], e: &mut Enquiry) -> Option<String> {
    let mut in_message = false;
    let mut message: Vec<&str> = vec![];
    let mut bayut_id = None;
    for line in lines {
        if is_heading(line) {
            in_message = line.trim().trim_end_matches(':').eq_ignore_ascii_case(BAYUT_MESSAGE);
            continue;
        }
        if in_message {
            if labelled(line).is_some() && !message.is_empty() {
                in_message = false;
            } else if !line.is_empty() || !message.is_empty() {
                message.push(line);
            }
        }
        if let Some((label, value)) = line.split_once(':') {
            if label.trim().eq_ignore_ascii_case("bayut id") && !value.trim().is_empty() {
                bayut_id = Some(value.trim().to_string());
            }
        }
    }
    while message.last().is_some_and(|l| l.is_empty()) {
        message.pop();
    }
    if !message.is_empty() {
        e.message = Some(message.join("\n"));
    }
    bayut_id
}

/// Every `label: value` line; a value alone on the line after its label; a message runs on to
/// a blank line or the next label.
fn labelled_lines(lines: &[&str], e: &mut Enquiry) {
    let mut i = 0;
    while i < lines.len() {
        let Some((field, value)) = labelled(lines[i]) else {
            i += 1;
            continue;
        };
        let mut value = value.to_string();
        let mut used = 1;
        if value.is_empty() {
            if let Some(next) = lines.get(i + 1).filter(|l| !l.is_empty() && labelled(l).is_none() && !is_heading(l)) {
                value = next.to_string();
                used = 2;
            }
        }
        if field == Field::Message {
            // The message's further lines, to a blank line, a label or a heading.
            let mut more = vec![];
            for next in lines.iter().skip(i + used) {
                if next.is_empty() || labelled(next).is_some() || is_heading(next) {
                    break;
                }
                more.push(*next);
            }
            used += more.len();
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push('\n');
                }
                value.push_str(&more.join("\n"));
            }
        }
        if !value.is_empty() {
            let slot = match field {
                Field::Name => &mut e.name,
                Field::Phone => &mut e.phone,
                Field::Email => &mut e.email,
                Field::Message => &mut e.message,
                Field::Reference => &mut e.listing_reference,
                Field::Permit => &mut e.permit,
                Field::LeadId => &mut e.portal_lead_id,
            };
            if slot.is_none() {
                *slot = Some(match field {
                    Field::Phone => phone_part(&value),
                    Field::Email => email_part(&value),
                    _ => value,
                });
            }
        }
        i += used;
    }
}

/// The number in a phone value ("+971 50 123 4567 (WhatsApp)", "tel:+9715…").
fn phone_part(v: &str) -> String {
    let v = v.trim().trim_start_matches("tel:");
    let end = v.find(|c: char| !(c.is_numeric() || " +-()./".contains(c))).unwrap_or(v.len());
    let part = v[..end].trim().trim_end_matches(['(', '-', '.', '/', ' ']);
    if part.chars().filter(|c| c.is_numeric()).count() >= 5 { part.to_string() } else { v.to_string() }
}

/// The address in an email value ("Aisha <a@x.ae>", "mailto:a@x.ae", "a@x.ae (verified)").
fn email_part(v: &str) -> String {
    let v = v.trim().trim_start_matches("mailto:");
    v.split(|c: char| c.is_whitespace() || "<>()[],;".contains(c))
        .find(|w| w.contains('@'))
        .map(|w| w.trim_start_matches("mailto:").split('?').next().unwrap_or(w).to_string())
        .unwrap_or_else(|| v.to_string())
}

/// A phone or email only given as a link (`tel:`, `mailto:`, `wa.me/`), when no label gave one.
fn links(mail: &Mail, e: &mut Enquiry) {
    for link in &mail.links {
        let l = link.to_lowercase();
        if e.phone.is_none() {
            if let Some(n) = l.strip_prefix("tel:") {
                e.phone = Some(n.trim().to_string());
            } else if let Some(i) = l.find("wa.me/") {
                let n: String = l[i + 6..].chars().take_while(|c| c.is_ascii_digit()).collect();
                if n.len() >= 8 {
                    e.phone = Some(format!("+{n}"));
                }
            }
        }
        if e.email.is_none() {
            if let Some(a) = l.strip_prefix("mailto:") {
                let a = a.split('?').next().unwrap_or("").trim().to_string();
                // Not the portal's own address, nor the agent's (the mail's sender).
                if a.contains('@') && Some(&a) != mail.from.as_ref() && !is_portal_domain(&a) {
                    e.email = Some(a);
                }
            }
        }
    }
}

fn is_portal_domain(address: &str) -> bool {
    let d = address.rsplit('@').next().unwrap_or("");
    ["propertyfinder.ae", "propertyfinder.com", "bayut.com", "dubizzle.com", "email.dubizzle.com"].iter().any(|p| d == *p || d.ends_with(&format!(".{p}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(subject: &str, text: &str) -> Mail {
        Mail { subject: Some(subject.into()), text: text.into(), from: Some("forms@agency.ae".into()), ..Mail::default() }
    }

    fn now() -> DateTime<Utc> {
        "2026-03-01T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn labelled_lines_read_in_english_arabic_and_persian() {
        for text in [
            "Name: Aisha Khan\nPhone: 050 123 4567\nEmail: Aisha@Example.ae\nMessage: Is it still available?\nReference: AP-123",
            "الاسم: Aisha Khan\nالجوال: ٠٥٠١٢٣٤٥٦٧\nالبريد الإلكتروني: Aisha@Example.ae\nالرسالة: Is it still available?\nالمرجع: AP-123",
            "نام: Aisha Khan\nموبایل: ۰۵۰۱۲۳۴۵۶۷\nایمیل: Aisha@Example.ae\nپیام: Is it still available?\nشماره مرجع: AP-123",
        ] {
            let e = enquiry(&mail("New enquiry", text), None, now());
            assert_eq!(e.name.as_deref(), Some("Aisha Khan"), "{text}");
            assert!(e.phone.is_some(), "{text}");
            assert_eq!(e.email.as_deref(), Some("Aisha@Example.ae"), "{text}");
            assert_eq!(e.message.as_deref(), Some("Is it still available?"), "{text}");
            assert_eq!(e.listing_reference.as_deref(), Some("AP-123"), "{text}");
        }
    }

    #[test]
    fn a_value_on_the_line_after_its_label_is_read() {
        let e = enquiry(&mail("x", "Name\nOmar\nMobile:\n+971 50 765 4321 (WhatsApp)"), None, now());
        assert_eq!(e.name.as_deref(), Some("Omar"));
        assert_eq!(e.phone.as_deref(), Some("+971 50 765 4321"));
    }

    #[test]
    fn a_call_subject_makes_a_call() {
        assert_eq!(enquiry(&mail("Bayut.com Lead Notification: CALL Missed", "Caller Number: 0501234567"), Some(Portal::Bayut), now()).kind, EnquiryKind::Call);
        assert_eq!(enquiry(&mail("Call summary", "Caller: 0501234567"), Some(Portal::PropertyFinder), now()).kind, EnquiryKind::Call);
    }

    #[test]
    fn text_without_labels_gives_no_contact() {
        let e = enquiry(&mail("Your listing is live", "Congratulations, your listing AP-1 is now live."), Some(Portal::PropertyFinder), now());
        assert!(!e.has_contact());
    }
}
