//! A raw mail (RFC 5322 bytes, as IMAP gives them) read into what Leadbook looks at: who sent
//! it, its subject (RFC 2047 decoded), its ids (`Message-ID`, `In-Reply-To`, `References`), its
//! date, its text — the plain part, or the HTML part made text when there is none — and, for a
//! delivery status notification, what it reports.
//!
//! MIME through `mail-parser`, which never panics on broken input. What is read is bounded: the
//! first [`MAX_READ`] bytes of a mail (a 30 MB attachment is cut off, the text before it
//! stays), attachments are skipped, and the text kept is at most [`MAX_TEXT`] characters.

use chrono::{DateTime, Utc};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders, PartType};

/// The most of a raw mail that is parsed (bytes).
pub const MAX_READ: usize = 4 * 1024 * 1024;
/// The most of a mail's text that is kept (characters).
pub const MAX_TEXT: usize = 200_000;

/// A mail as Leadbook reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mail {
    /// The sender's address, lower-cased.
    pub from: Option<String>,
    /// The sender's display name.
    pub from_name: Option<String>,
    /// The `Reply-To` address, lower-cased (a form plugin may put the enquirer there).
    pub reply_to: Option<String>,
    pub subject: Option<String>,
    /// The `Message-ID` without its angle brackets.
    pub message_id: Option<String>,
    /// The ids `In-Reply-To` names, without angle brackets.
    pub in_reply_to: Vec<String>,
    /// The ids `References` names, oldest first.
    pub references: Vec<String>,
    pub date: Option<DateTime<Utc>>,
    /// The body as text (the plain part; else the HTML part made text).
    pub text: String,
    /// Whether an HTML part was made text for [`Mail::text`].
    pub from_html: bool,
    /// The `tel:`, `mailto:` and `wa.me` links of its HTML (a phone may be only a link).
    pub links: Vec<String>,
    /// An automatic answer (`Auto-Submitted`, `Precedence: auto_reply`…): nobody wrote it.
    pub automatic: bool,
    /// The report of a delivery status notification.
    pub report: Option<Report>,
    /// The mail was longer than [`MAX_READ`] and only its beginning was read.
    pub cut: bool,
}

/// What a delivery status notification (`multipart/report; report-type=delivery-status`)
/// says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// `Final-Recipient` / `Original-Recipient` addresses, lower-cased.
    pub recipients: Vec<String>,
    /// The `Message-ID` of the mail that failed (from the returned headers), without brackets.
    pub original_message_id: Option<String>,
    /// Some recipient's `Action` is `failed` (not `delayed`, `delivered`, `relayed`).
    pub failed: bool,
    /// The server's words (`Diagnostic-Code`, or `Status`).
    pub diagnostic: Option<String>,
}

/// Reads a raw mail. `None` for bytes in which no header can be found.
pub fn read(raw: &[u8]) -> Option<Mail> {
    let cut = raw.len() > MAX_READ;
    let raw = &raw[..raw.len().min(MAX_READ)];
    let msg = MessageParser::default().parse(raw)?;
    if msg.headers().is_empty() {
        return None;
    }
    let addr = |a: Option<&mail_parser::Address>| a.and_then(|a| a.first()).and_then(|a| a.address()).map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let from = addr(msg.from()).or_else(|| addr(msg.sender()));
    let from_name = msg.from().and_then(|a| a.first()).and_then(|a| a.name()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let header_text = |name: &str| -> Option<String> {
        msg.headers().iter().find(|h| h.name().eq_ignore_ascii_case(name)).and_then(|h| match h.value() {
            HeaderValue::Text(t) => Some(t.to_string()),
            HeaderValue::TextList(l) => Some(l.join(", ")),
            _ => None,
        })
    };
    let automatic = header_text("Auto-Submitted").is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"))
        || header_text("Precedence").is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "auto_reply" | "bulk" | "junk"))
        || header_text("X-Autoreply").is_some()
        || header_text("X-Autorespond").is_some();

    let mut text = String::new();
    let mut from_html = false;
    for id in msg.text_body.iter().copied() {
        let Some(part) = msg.parts.get(id as usize) else { continue };
        let piece = match &part.body {
            PartType::Text(t) => t.to_string(),
            PartType::Html(h) => {
                from_html = true;
                html_to_text(h)
            }
            _ => continue,
        };
        push_capped(&mut text, &piece);
        if text.chars().count() >= MAX_TEXT {
            break;
        }
    }
    if text.trim().is_empty() {
        // No plain part: the first HTML part, made text.
        if let Some(PartType::Html(h)) = msg.html_body.first().and_then(|id| msg.parts.get(*id as usize)).map(|p| &p.body) {
            from_html = true;
            push_capped(&mut text, &html_to_text(h));
        }
    }

    let mut links = vec![];
    for id in msg.html_body.iter().copied() {
        if let Some(PartType::Html(h)) = msg.parts.get(id as usize).map(|p| &p.body) {
            contact_links(h, &mut links);
        }
    }

    let report = msg
        .content_type()
        .filter(|ct| ct.c_type.eq_ignore_ascii_case("multipart") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report")))
        .filter(|ct| ct.attribute("report-type").is_none_or(|t| t.eq_ignore_ascii_case("delivery-status")))
        .map(|_| delivery_report(&msg));

    Some(Mail {
        from,
        from_name,
        reply_to: addr(msg.reply_to()),
        subject: msg.subject().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        message_id: msg.message_id().map(bare_id).filter(|s| !s.is_empty()),
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
        date: msg.date().and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
        text,
        from_html,
        links,
        automatic,
        report,
        cut,
    })
}

fn push_capped(into: &mut String, piece: &str) {
    let room = MAX_TEXT.saturating_sub(into.chars().count());
    if room == 0 {
        return;
    }
    if !into.is_empty() {
        into.push('\n');
    }
    into.extend(piece.chars().take(room));
}

/// The `tel:`, `mailto:` and `wa.me/` targets of the links in `html`, decoded, at most 50.
fn contact_links(html: &str, out: &mut Vec<String>) {
    let lower = html.to_ascii_lowercase();
    for (i, _) in lower.match_indices("href=") {
        if out.len() >= 50 {
            break;
        }
        let value = &html[i + 5..];
        let (quote, value) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (q, &value[1..]),
            _ => (' ', value),
        };
        let end = value.find([quote, '>']).unwrap_or(value.len()).min(500);
        let Some(target) = value.get(..end) else { continue };
        let target = decode_entities(target.trim());
        let t = target.to_ascii_lowercase();
        if t.starts_with("tel:") || t.starts_with("mailto:") || t.contains("wa.me/") {
            let target = percent_decode(&target);
            if !out.contains(&target) {
                out.push(target);
            }
        }
    }
}

/// `%2B971…` → `+971…`; a broken escape stays as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() {
            if let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An id without the angle brackets and space around it.
pub fn bare_id(s: &str) -> String {
    s.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string()
}

fn ids(v: &HeaderValue) -> Vec<String> {
    let list: Vec<String> = match v {
        HeaderValue::Text(t) => t.split_whitespace().map(bare_id).collect(),
        HeaderValue::TextList(l) => l.iter().flat_map(|t| t.split_whitespace().map(bare_id).collect::<Vec<_>>()).collect(),
        _ => vec![],
    };
    list.into_iter().filter(|s| !s.is_empty() && s.len() <= 998).take(100).collect()
}

/// What the parts after the first of a delivery report say: the recipients that failed, the
/// returned mail's `Message-ID`, the diagnostic.
fn delivery_report(msg: &mail_parser::Message) -> Report {
    let mut r = Report::default();
    for part in msg.parts.iter().skip(2) {
        // The report part (message/delivery-status) and the returned mail or its headers.
        let original_id = match &part.body {
            PartType::Message(m) => m.message_id().map(bare_id),
            _ => None,
        };
        if r.original_message_id.is_none() {
            r.original_message_id = original_id;
        }
        let contents = part.contents();
        let text = String::from_utf8_lossy(&contents[..contents.len().min(256 * 1024)]);
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((name, value)) = line.split_once(':') else { continue };
            let mut value = value.trim().to_string();
            // A folded header: its value on the next line.
            if value.is_empty() {
                if let Some(next) = lines.get(i + 1).filter(|l| l.starts_with([' ', '\t'])) {
                    value = next.trim().to_string();
                }
            }
            match name.trim().to_ascii_lowercase().as_str() {
                "final-recipient" | "original-recipient" => {
                    // `rfc822; someone@example.com`
                    let a = value.rsplit(';').next().unwrap_or("").trim().trim_start_matches('<').trim_end_matches('>').to_lowercase();
                    if a.contains('@') && !r.recipients.contains(&a) {
                        r.recipients.push(a);
                    }
                }
                "action" if value.eq_ignore_ascii_case("failed") => r.failed = true,
                // The server's own words win over a bare status code.
                "diagnostic-code" if r.diagnostic.as_deref().is_none_or(|d| d.starts_with("status ")) => {
                    r.diagnostic = Some(value.chars().take(300).collect())
                }
                "status" if r.diagnostic.is_none() && value.starts_with('5') => r.diagnostic = Some(format!("status {value}")),
                "message-id" if r.original_message_id.is_none() => r.original_message_id = Some(bare_id(&value)).filter(|s| !s.is_empty()),
                _ => {}
            }
        }
    }
    r
}

/// HTML made plain text: tags gone (and what `<script>`, `<style>` and `<head>` hold), block
/// elements and `<br>` as line breaks, table cells side by side, entities decoded, runs of
/// space as one, at most one blank line in a row.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    // The text since the last tag (comments and stray `<` run on in it), decoded at each tag.
    let mut text = String::new();
    let mut decoded = String::new();
    let flush = |text: &mut String, decoded: &mut String, out: &mut String| {
        if text.is_empty() {
            return;
        }
        // Most text between tags is a line break or an indent: it only parts words.
        if text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')) {
            if !out.is_empty() && !out.ends_with([' ', '\n']) {
                out.push(' ');
            }
            text.clear();
            return;
        }
        decoded.clear();
        decode_entities_into(text, decoded);
        // Runs of space as one; a no-break space is a space but does not join words.
        for (i, word) in decoded.split(|c: char| c.is_whitespace() && c != '\u{a0}').enumerate() {
            if i > 0 && !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
            if word.contains('\u{a0}') {
                out.extend(word.chars().map(|c| if c == '\u{a0}' { ' ' } else { c }));
            } else {
                out.push_str(word);
            }
        }
        text.clear();
    };
    // Tags are a few bytes apart: a plain scan finds the next one sooner than a searcher.
    let find = |s: &str, b: u8| s.bytes().position(|c| c == b);
    let mut rest = html;
    while let Some(lt) = find(rest, b'<') {
        text.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map(|e| &comment[e + 3..]).unwrap_or("");
            continue;
        }
        let Some(gt) = find(after, b'>') else {
            // A `<` that opens no tag is text.
            text.push('<');
            rest = after;
            continue;
        };
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        let closing = tag.starts_with('/');
        let bare = tag.trim_start_matches('/');
        let name = &bare[..bare.bytes().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(bare.len())];
        if name.is_empty() {
            // `<!DOCTYPE …>` and `<?xml …?>` are dropped; `< 5` is text, read on from after it.
            if !tag.starts_with('!') && !tag.starts_with('?') {
                text.push('<');
                rest = after;
            }
            continue;
        }
        flush(&mut text, &mut decoded, &mut out);
        match Tag::of(name) {
            Tag::Hidden if !closing && !tag.ends_with('/') => {
                // Skip to its end tag (any case).
                rest = end_tag(rest, name).map(|e| &rest[e..]).unwrap_or("");
            }
            Tag::Block => out.push('\n'),
            Tag::Cell if closing => out.push(' '),
            _ => {}
        }
    }
    text.push_str(rest);
    flush(&mut text, &mut decoded, &mut out);
    // Each line trimmed, at most one blank line in a row, none at the ends.
    let mut lines: Vec<&str> = vec![];
    for line in out.lines().map(str::trim) {
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// What a tag does to the text [`html_to_text`] makes.
enum Tag {
    /// Its own line: `<br>`, `<p>`, `<div>`, `<tr>`, `<li>`, `<h1>`…
    Block,
    /// A table cell: a space after it.
    Cell,
    /// What it holds is no text: `<script>`, `<style>`, `<head>`…
    Hidden,
    Other,
}

impl Tag {
    /// The tag named `name` (letters and digits, any case).
    fn of(name: &str) -> Tag {
        let mut lower = [0u8; 10];
        let Some(l) = lower.get_mut(..name.len()) else { return Tag::Other };
        l.copy_from_slice(name.as_bytes());
        l.make_ascii_lowercase();
        match &*l {
            b"br" | b"p" | b"div" | b"tr" | b"li" | b"ul" | b"ol" | b"table" | b"tbody" | b"thead" | b"h1" | b"h2" | b"h3"
            | b"h4" | b"h5" | b"h6" | b"hr" | b"blockquote" | b"section" | b"article" | b"header" | b"footer" | b"center"
            | b"dt" | b"dd" | b"pre" | b"address" | b"form" => Tag::Block,
            b"td" | b"th" => Tag::Cell,
            b"script" | b"style" | b"head" | b"title" | b"noscript" | b"template" => Tag::Hidden,
            _ => Tag::Other,
        }
    }
}

/// Where the first `</name` (any ASCII case) of `html` begins.
fn end_tag(html: &str, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let n = name.len();
    let mut from = 0;
    while let Some(i) = html[from..].find("</").map(|i| from + i) {
        if bytes.get(i + 2..i + 2 + n).is_some_and(|b| b.eq_ignore_ascii_case(name.as_bytes())) {
            return Some(i);
        }
        from = i + 2;
    }
    None
}

/// `&amp;`, `&#1605;`, `&#x645;`, `&nbsp;` and the other common entities decoded; an unknown one
/// stays as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    decode_entities_into(s, &mut out);
    out
}

/// [`decode_entities`] appended to `out`.
fn decode_entities_into(s: &str, out: &mut String) {
    if !s.contains('&') {
        out.push_str(s);
        return;
    }
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.char_indices().take(12).find(|(_, c)| *c == ';').map(|(i, _)| i);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = if let Some(num) = name.strip_prefix('#') {
                let n = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse::<u32>().ok(),
                };
                n.and_then(char::from_u32).filter(|c| *c != '\0')
            } else {
                Some(match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    "nbsp" => '\u{a0}',
                    "ndash" => '–',
                    "mdash" => '—',
                    "lsquo" => '‘',
                    "rsquo" => '’',
                    "ldquo" => '“',
                    "rdquo" => '”',
                    "hellip" => '…',
                    "bull" => '•',
                    "middot" => '·',
                    "copy" => '©',
                    "reg" => '®',
                    "trade" => '™',
                    "zwnj" => '\u{200c}',
                    "zwj" => '\u{200d}',
                    "lrm" => '\u{200e}',
                    "rlm" => '\u{200f}',
                    _ => return None,
                })
            }?;
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// A stable 128-bit hash (two FNV-1a 64 runs) of `bytes` in hex: the key of a mail without a
/// `Message-ID`. Stable across builds and platforms, unlike std's hasher.
pub fn stable_hash(bytes: &[u8]) -> String {
    let fnv = |basis: u64| bytes.iter().fold(basis, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{:016x}{:016x}", fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_tables_become_one_line_per_row() {
        let html = "<html><head><style>td{color:red}</style><title>x</title></head><body>\
            <table><tr><td>Name:</td><td><b>Aisha  Khan</b></td></tr>\
            <tr><td>Email:</td><td><a href=\"mailto:a@x.ae\">a@x.ae</a></td></tr></table>\
            <p>Tom &amp; Jerry&nbsp;&#1605;&#x645; &bogus; 5 < 6</p><!-- hidden --><script>alert(1)</script></body></html>";
        assert_eq!(html_to_text(html), "Name: Aisha Khan\n\nEmail: a@x.ae\n\nTom & Jerry مم &bogus; 5 < 6");
    }

    #[test]
    fn a_mail_without_headers_is_no_mail() {
        assert!(read(b"").is_none());
    }

    #[test]
    fn the_stable_hash_does_not_change() {
        assert_eq!(stable_hash(b"leadbook"), stable_hash(b"leadbook"));
        assert_ne!(stable_hash(b"leadbook"), stable_hash(b"leadbooK"));
        assert_eq!(stable_hash(b"").len(), 32);
    }
}
