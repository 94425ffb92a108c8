//! Campaigns and their steps: the default "New lead nurture" in three languages, editing
//! steps (templates checked for unknown variables, WhatsApp template parameters), review
//! before sending, and promoting an A/B test's winner.

use super::*;
use crate::model::lengths;

pub const DEFAULT_CAMPAIGN: &str = "New lead nurture";

/// The default campaign's name and its steps' labels, stored in English, in English, Persian
/// and Arabic: how a report (the `.xlsx` export) names them. The window has the same words in
/// its catalogue (`campaignName.ts`); a name the agent gave has no entry and is shown as typed.
pub const DEFAULT_WORDS: &[[&str; 3]] = &[
    [DEFAULT_CAMPAIGN, "پرورش سرنخ تازه", "رعاية العميل الجديد"],
    ["Introduction", "معرفی", "تعارف"],
    ["Value", "ارزش", "القيمة"],
    ["Urgency", "فوریت", "الإلحاح"],
    ["New listings", "آگهی‌های تازه", "عروض جديدة"],
    ["Check-in", "احوال‌پرسی", "اطمئنان"],
];

/// A campaign's or step's stored name in `lang`: the default campaign's own in words, any other
/// as it is.
pub fn name_in(name: &str, lang: Language) -> &str {
    DEFAULT_WORDS.iter().find(|w| w[0] == name).map_or(name, |w| crate::model::words::pick(*w, lang))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Step {
    pub position: i64,
    /// Minutes after enrolment.
    pub offset_minutes: i64,
    pub label: String,
    pub template_en: String,
    pub template_fa: String,
    pub template_ar: String,
    /// Preferred channel (telegram, whatsapp, sms, email) or none: routed at delivery.
    #[ts(type = "\"telegram\" | \"whatsapp\" | \"sms\" | \"email\" | null")]
    pub channel: Option<String>,
    /// The approved WhatsApp template sent instead when the lead has not written on WhatsApp
    /// in 24 hours, its language code (en_US) and its body parameters (variable names).
    #[serde(default)]
    pub wa_template: Option<String>,
    #[serde(default)]
    pub wa_template_language: Option<String>,
    #[serde(default)]
    pub wa_template_params: Vec<String>,
    /// The subject when the step goes by email, per language (empty: the default subject).
    #[serde(default)]
    pub subject_en: String,
    #[serde(default)]
    pub subject_fa: String,
    #[serde(default)]
    pub subject_ar: String,
    /// Other texts of the step under an A/B test (B, C, …); each enrolment gets one variant for
    /// the whole campaign, the step's own text being A.
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// An alternative text of a step, in the three languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Variant {
    pub template_en: String,
    pub template_fa: String,
    pub template_ar: String,
}

impl Step {
    pub fn template(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.template_en,
            Language::Fa => &self.template_fa,
            Language::Ar => &self.template_ar,
        }
    }

    /// The text of variant `v` (0 = the step's own) in `lang`.
    pub fn variant_template(&self, v: usize, lang: Language) -> &str {
        match (v, self.variants.get(v.wrapping_sub(1))) {
            (0, _) | (_, None) => self.template(lang),
            (_, Some(x)) => match lang {
                Language::En => &x.template_en,
                Language::Fa => &x.template_fa,
                Language::Ar => &x.template_ar,
            },
        }
    }
}

/// A variant's letter: 0 → A, 1 → B, …
pub fn variant_label(v: usize) -> String {
    char::from(b'A' + (v % 26) as u8).to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    /// Drafts wait for the agent's approval before they go.
    pub review_before_sending: bool,
    pub steps: Vec<Step>,
}

pub(super) fn default_steps() -> Vec<Step> {
    let s = |position: i64, offset_minutes: i64, label: &str, en: &str, fa: &str, ar: &str| Step {
        position,
        offset_minutes,
        label: label.into(),
        template_en: en.into(),
        template_fa: fa.into(),
        template_ar: ar.into(),
        channel: None,
        wa_template: None,
        wa_template_language: None,
        wa_template_params: vec![],
        subject_en: String::new(),
        subject_fa: String::new(),
        subject_ar: String::new(),
        variants: vec![],
    };
    vec![
        s(1, 60, "Introduction",
            "Hi {first_name}, this is {agent_name}. Thank you for your interest in property in {location}. What matters most to you in your next home?",
            "سلام {first_name}، {agent_name} هستم. از علاقه شما به املاک {location} ممنونم. مهم‌ترین ویژگی خانه بعدی‌تان برایتان چیست؟",
            "مرحباً {first_name}، معك {agent_name}. شكراً لاهتمامك بالعقارات في {location}. ما أهم ما تبحث عنه في منزلك القادم؟"),
        s(2, 3 * 24 * 60, "Value",
            "Hi {first_name}, a quick market note: well-priced homes in {location} are moving fast this month. Shall I send you the best options within {budget}?",
            "سلام {first_name}، یک نکته از بازار: خانه‌های خوش‌قیمت در {location} این ماه سریع فروخته می‌شوند. گزینه‌های مناسب در حد {budget} را برایتان بفرستم؟",
            "مرحباً {first_name}، ملاحظة سريعة عن السوق: المنازل ذات الأسعار الجيدة في {location} تُباع بسرعة هذا الشهر. هل أرسل لك أفضل الخيارات ضمن {budget}؟"),
        s(3, 6 * 24 * 60, "Urgency",
            "{first_name}, a few homes matching your brief in {location} just had price updates, and viewings this week are filling up. Shall I hold a slot for you?",
            "{first_name}، قیمت چند ملک مطابق خواسته شما در {location} به‌روز شده و وقت‌های بازدید این هفته در حال پر شدن است. برایتان وقت رزرو کنم؟",
            "{first_name}، تم تحديث أسعار بعض المنازل المطابقة لطلبك في {location}، ومواعيد المعاينة هذا الأسبوع تمتلئ. هل أحجز لك موعداً؟"),
        s(4, 10 * 24 * 60, "New listings",
            "Hi {first_name}, new listings with {bedrooms} bedrooms in {location} came in this week. Would you like the shortlist?",
            "سلام {first_name}، این هفته آگهی‌های جدیدی با {bedrooms} خواب در {location} رسیده است. فهرست منتخب را بفرستم؟",
            "مرحباً {first_name}، وصلت هذا الأسبوع عروض جديدة بعدد {bedrooms} غرف نوم في {location}. هل ترغب في القائمة المختصرة؟"),
        s(5, 14 * 24 * 60, "Check-in",
            "Hi {first_name}, just checking in: are you still looking in {location}? If your plans changed, reply and I will update my search. — {agent_name}",
            "سلام {first_name}، خواستم بپرسم هنوز در {location} دنبال ملک هستید؟ اگر برنامه‌تان تغییر کرده، پاسخ دهید تا جست‌وجو را به‌روز کنم. — {agent_name}",
            "مرحباً {first_name}، أردت الاطمئنان: هل ما زلت تبحث في {location}؟ إذا تغيرت خططك، رد علي وسأحدّث بحثي. — {agent_name}"),
    ]
}

/// Makes sure workspace `ws_id` has the default campaign.
pub fn ensure_default(conn: &Connection, ws_id: i64, now: DateTime<Utc>) -> Result<i64> {
    if let Some(id) = conn
        .prepare_cached("SELECT id FROM campaigns WHERE workspace_id = ?1 AND is_default = 1")?
        .query_row([ws_id], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO campaigns (workspace_id, name, is_default, created_at) VALUES (?1, ?2, 1, ?3)",
        params![ws_id, DEFAULT_CAMPAIGN, fmt_time(now)],
    )?;
    let id = conn.last_insert_rowid();
    save_steps(conn, id, &default_steps())?;
    Ok(id)
}

pub(super) fn save_steps(conn: &Connection, campaign_id: i64, steps: &[Step]) -> Result<()> {
    conn.execute("DELETE FROM campaign_steps WHERE campaign_id = ?1", [campaign_id])?;
    // The default steps are also written while migrating to schema 3, before variants existed.
    let has_variants: bool =
        conn.query_row("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'step_variants'", [], |r| r.get(0))?;
    if has_variants {
        conn.execute("DELETE FROM step_variants WHERE campaign_id = ?1", [campaign_id])?;
        for s in steps {
            for (i, v) in s.variants.iter().enumerate() {
                conn.execute(
                    "INSERT INTO step_variants (campaign_id, position, variant, template_en, template_fa, template_ar)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![campaign_id, s.position, i as i64 + 1, v.template_en, v.template_fa, v.template_ar],
                )?;
            }
        }
    }
    for s in steps {
        conn.execute(
            "INSERT INTO campaign_steps (campaign_id, position, offset_minutes, label, template_en, template_fa, template_ar, channel)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![campaign_id, s.position, s.offset_minutes, s.label, s.template_en, s.template_fa, s.template_ar, s.channel],
        )?;
        // Only steps that have one touch the template columns (schema 6): the default steps
        // are also written while migrating to schema 3.
        if s.wa_template.is_some() {
            conn.execute(
                "UPDATE campaign_steps SET wa_template = ?3, wa_template_language = ?4, wa_template_params = ?5
                 WHERE campaign_id = ?1 AND position = ?2",
                params![
                    campaign_id, s.position, s.wa_template, s.wa_template_language,
                    serde_json::to_string(&s.wa_template_params).unwrap_or_else(|_| "[]".into())
                ],
            )?;
        }
        // Likewise the subjects (a later schema than the default steps' first writing).
        if !(s.subject_en.is_empty() && s.subject_fa.is_empty() && s.subject_ar.is_empty()) {
            conn.execute(
                "UPDATE campaign_steps SET subject_en = ?3, subject_fa = ?4, subject_ar = ?5 WHERE campaign_id = ?1 AND position = ?2",
                params![campaign_id, s.position, s.subject_en, s.subject_fa, s.subject_ar],
            )?;
        }
    }
    Ok(())
}

pub(crate) fn steps_of(conn: &Connection, campaign_id: i64) -> Result<Vec<Step>> {
    let rows = conn
        .prepare_cached(
            "SELECT position, offset_minutes, label, template_en, template_fa, template_ar, channel,
                wa_template, wa_template_language, wa_template_params, subject_en, subject_fa, subject_ar
             FROM campaign_steps WHERE campaign_id = ?1 ORDER BY position",
        )?
        .query_map([campaign_id], |r| {
            Ok(Step {
                position: r.get(0)?,
                offset_minutes: r.get(1)?,
                label: r.get(2)?,
                template_en: r.get(3)?,
                template_fa: r.get(4)?,
                template_ar: r.get(5)?,
                channel: r.get(6)?,
                wa_template: r.get(7)?,
                wa_template_language: r.get(8)?,
                wa_template_params: crate::store::rows::json_col(r, 9)?,
                subject_en: r.get(10)?,
                subject_fa: r.get(11)?,
                subject_ar: r.get(12)?,
                variants: vec![],
            })
        })?
        .collect::<rusqlite::Result<Vec<Step>>>()?;
    let mut rows = rows;
    let mut stmt = conn.prepare_cached(
        "SELECT position, template_en, template_fa, template_ar FROM step_variants WHERE campaign_id = ?1 ORDER BY position, variant",
    )?;
    let variants = stmt.query_map([campaign_id], |r| {
        Ok((r.get::<_, i64>(0)?, Variant { template_en: r.get(1)?, template_fa: r.get(2)?, template_ar: r.get(3)? }))
    })?;
    for v in variants {
        let (position, v) = v?;
        if let Some(step) = rows.iter_mut().find(|s| s.position == position) {
            step.variants.push(v);
        }
    }
    Ok(rows)
}

pub fn campaigns(conn: &Connection, ws: &Workspace) -> Result<Vec<Campaign>> {
    let heads: Vec<(i64, String, bool, bool)> = conn
        .prepare_cached("SELECT id, name, is_default, review_before_sending FROM campaigns WHERE workspace_id = ?1 ORDER BY id")?
        .query_map([ws.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    heads
        .into_iter()
        .map(|(id, name, is_default, review_before_sending)| Ok(Campaign { id, name, is_default, review_before_sending, steps: steps_of(conn, id)? }))
        .collect()
}

pub fn campaign(conn: &Connection, ws: &Workspace, id: i64) -> Result<Campaign> {
    campaigns(conn, ws)?.into_iter().find(|c| c.id == id).ok_or_else(|| Error::not_found(crate::Entity::Campaign, id))
}

/// Turns a campaign's "review before sending" on or off.
pub fn set_review(conn: &Connection, ws: &Workspace, id: i64, on: bool) -> Result<Campaign> {
    campaign(conn, ws, id)?;
    conn.execute("UPDATE campaigns SET review_before_sending = ?3 WHERE workspace_id = ?1 AND id = ?2", params![ws.id, id, on])?;
    campaign(conn, ws, id)
}

/// The latest a step may fall after the lead joins: 10 years (3 653 days), in minutes.
/// Beyond it the due time would leave the calendar (`now + offset` overflows near `i64::MAX`).
pub const MAX_OFFSET_MINUTES: i64 = 3_653 * 24 * 60;

/// How long after enrolment a step falls due. Saving bounds an offset to ten years; one stored
/// beyond that (by an older build, or by hand) counts as ten years instead of overflowing.
pub fn step_offset(offset_minutes: i64) -> Duration {
    Duration::minutes(offset_minutes.clamp(0, MAX_OFFSET_MINUTES))
}

/// Replaces a campaign's steps (the editor saves them all at once). Offsets must increase;
/// every template must be non-blank and use only known variables.
/// A step sent by SMS: each language's text (as written, before its variables are filled in)
/// fits in [`lengths::SMS_MAX_SEGMENTS`] segments.
fn check_sms_length(which: &str, texts: [&String; 3]) -> Result<()> {
    for (field, t) in ["template_en", "template_fa", "template_ar"].into_iter().zip(texts) {
        let segments = lengths::sms_segments(t);
        if segments > lengths::SMS_MAX_SEGMENTS {
            return Err(Error::validation(
                field,
                format!("{which} is {segments} SMS segments; an SMS step has at most {}", lengths::SMS_MAX_SEGMENTS),
            ));
        }
    }
    Ok(())
}

pub fn update_steps(conn: &Connection, ws: &Workspace, id: i64, steps: &[Step]) -> Result<Campaign> {
    campaign(conn, ws, id)?;
    if steps.is_empty() || steps.len() > 20 {
        return Err(Error::validation("steps", "a campaign has 1 to 20 steps"));
    }
    let mut last = -1;
    for (i, s) in steps.iter().enumerate() {
        if s.offset_minutes <= last || s.offset_minutes < 0 {
            return Err(Error::validation("offset_minutes", format!("step {} must come after step {}", i + 1, i)));
        }
        if s.offset_minutes > MAX_OFFSET_MINUTES {
            return Err(Error::validation("offset_minutes", format!("step {} is more than 10 years after the lead joins", i + 1)));
        }
        last = s.offset_minutes;
        for (field, t) in [("template_en", &s.template_en), ("template_fa", &s.template_fa), ("template_ar", &s.template_ar)] {
            if t.trim().is_empty() || t.chars().count() > 1_000 {
                return Err(Error::validation(field, format!("step {} needs a message of 1 to 1000 characters", i + 1)));
            }
            if let Some(bad) = templates::unknown_variables(t).into_iter().next() {
                return Err(Error::validation(field, format!("step {}: unknown variable {{{bad}}}", i + 1)));
            }
        }
        if let Some(c) = &s.channel {
            if c != "telegram" && c != "whatsapp" && c != "sms" && c != "email" {
                return Err(Error::validation("channel", "a step's channel is telegram, whatsapp, sms or email"));
            }
        }
        for (field, t) in [("subject_en", &s.subject_en), ("subject_fa", &s.subject_fa), ("subject_ar", &s.subject_ar)] {
            if t.chars().count() > 200 || t.chars().any(char::is_control) {
                return Err(Error::validation(field, format!("step {}: an email subject is one line of at most 200 characters", i + 1)));
            }
            if let Some(bad) = templates::unknown_variables(t).into_iter().next() {
                return Err(Error::validation(field, format!("step {}: unknown variable {{{bad}}} in the subject", i + 1)));
            }
        }
        if s.channel.as_deref() == Some("sms") {
            check_sms_length(&format!("step {}", i + 1), [&s.template_en, &s.template_fa, &s.template_ar])?;
            for (j, v) in s.variants.iter().enumerate() {
                check_sms_length(&format!("step {} variant {}", i + 1, variant_label(j + 1)), [&v.template_en, &v.template_fa, &v.template_ar])?;
            }
        }
        check_wa_template(i + 1, s)?;
        if s.variants.len() > 3 {
            return Err(Error::validation("variants", format!("step {} has at most 4 variants (A to D)", i + 1)));
        }
        for (j, v) in s.variants.iter().enumerate() {
            for (field, t) in [("template_en", &v.template_en), ("template_fa", &v.template_fa), ("template_ar", &v.template_ar)] {
                let which = format!("step {} variant {}", i + 1, variant_label(j + 1));
                if t.trim().is_empty() || t.chars().count() > 1_000 {
                    return Err(Error::validation(field, format!("{which} needs a message of 1 to 1000 characters")));
                }
                if let Some(bad) = templates::unknown_variables(t).into_iter().next() {
                    return Err(Error::validation(field, format!("{which}: unknown variable {{{bad}}}")));
                }
            }
        }
    }
    let numbered: Vec<Step> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let template = s.wa_template.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(String::from);
            Step {
                position: i as i64 + 1,
                label: s.label.trim().to_string(),
                wa_template_language: template.as_ref().map(|_| {
                    s.wa_template_language.as_deref().map(str::trim).filter(|l| !l.is_empty()).unwrap_or("en_US").to_string()
                }),
                wa_template_params: if template.is_some() { s.wa_template_params.clone() } else { vec![] },
                wa_template: template,
                subject_en: s.subject_en.trim().to_string(),
                subject_fa: s.subject_fa.trim().to_string(),
                subject_ar: s.subject_ar.trim().to_string(),
                ..s.clone()
            }
        })
        .collect();
    save_steps(conn, id, &numbered)?;
    campaign(conn, ws, id)
}

/// A step's WhatsApp template: a Meta template name (lower case, digits, _), a language code
/// (`en`, `en_US`), at most 10 parameters, each a template variable.
pub(super) fn check_wa_template(n: usize, s: &Step) -> Result<()> {
    let Some(name) = s.wa_template.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { return Ok(()) };
    if name.len() > 512 || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(Error::validation("wa_template", format!("step {n}: a template name is lower-case letters, digits and _ (as approved by Meta)")));
    }
    if let Some(l) = s.wa_template_language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        let ok = l.len() <= 8 && l.split('_').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()));
        if !ok {
            return Err(Error::validation("wa_template_language", format!("step {n}: a language code looks like en_US, fa or ar")));
        }
    }
    if s.wa_template_params.len() > 10 {
        return Err(Error::validation("wa_template_params", format!("step {n}: at most 10 template parameters")));
    }
    if let Some(bad) = s.wa_template_params.iter().find(|p| !templates::VARIABLES.contains(&p.as_str())) {
        return Err(Error::validation("wa_template_params", format!("step {n}: unknown variable {bad}")));
    }
    Ok(())
}

/// Makes variant `v` the step's only text: the test is over.
pub fn promote(conn: &Connection, ws: &Workspace, campaign_id: i64, position: i64, v: usize) -> Result<Campaign> {
    let c = campaign(conn, ws, campaign_id)?;
    let mut steps = c.steps.clone();
    let step = steps.iter_mut().find(|s| s.position == position).ok_or_else(|| Error::not_found(crate::Entity::Step, format!("{position} of campaign {campaign_id}")))?;
    if v > step.variants.len() {
        return Err(Error::validation("variant", format!("step {position} has no variant {}", variant_label(v))));
    }
    if v > 0 {
        let chosen = step.variants[v - 1].clone();
        step.template_en = chosen.template_en;
        step.template_fa = chosen.template_fa;
        step.template_ar = chosen.template_ar;
    }
    step.variants.clear();
    save_steps(conn, campaign_id, &steps)?;
    campaign(conn, ws, campaign_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_campaign_and_every_default_step_have_words_in_three_languages() {
        assert_eq!(name_in(DEFAULT_CAMPAIGN, Language::Fa), "پرورش سرنخ تازه");
        for step in default_steps() {
            for lang in Language::ALL {
                let w = name_in(&step.label, *lang);
                assert!(!w.is_empty(), "{} in {lang:?}", step.label);
                if *lang != Language::En {
                    assert_ne!(w, step.label, "{} has words in {lang:?}", step.label);
                }
                assert!(!step.template(*lang).is_empty(), "step {} has a text in {lang:?}", step.position);
            }
        }
        assert_eq!(name_in("My campaign", Language::Ar), "My campaign");
    }
}
