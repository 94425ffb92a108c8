//! Message templates: `{variable}` placeholders filled from the lead, the workspace and (for
//! listings) the property, in the lead's language. A variable with no value renders its
//! fallback text — never `{...}`, never "None".

use crate::leads::Lead;
use crate::model::Language;
use crate::listings::properties::Property;
use crate::workspace::Workspace;

/// What a template can say, and what it says instead when the value is missing.
pub const VARIABLES: &[&str] = &[
    "first_name", "name", "agent_name", "location", "budget", "property_type", "bedrooms",
    "property_title", "property_location", "price", "permit",
];

fn fallback(var: &str, lang: Language) -> &'static str {
    use Language::*;
    match (var, lang) {
        ("first_name" | "name", En) => "there",
        ("first_name" | "name", Fa) => "دوست عزیز",
        ("first_name" | "name", Ar) => "عزيزي",
        ("agent_name", En) => "your agent",
        ("agent_name", Fa) => "مشاور املاک شما",
        ("agent_name", Ar) => "وكيلك العقاري",
        ("location" | "property_location", En) => "Dubai",
        ("location" | "property_location", Fa) => "دبی",
        ("location" | "property_location", Ar) => "دبي",
        ("budget" | "price", En) => "your budget",
        ("budget" | "price", Fa) => "بودجه شما",
        ("budget" | "price", Ar) => "ميزانيتك",
        ("property_type" | "property_title", En) => "a property",
        ("property_type" | "property_title", Fa) => "یک ملک",
        ("property_type" | "property_title", Ar) => "عقار",
        ("bedrooms", En) => "the right number of",
        ("bedrooms", Fa) => "تعداد دلخواه",
        ("bedrooms", Ar) => "العدد المناسب من",
        ("permit", En) => "pending",
        ("permit", Fa) => "در انتظار صدور",
        ("permit", Ar) => "قيد الإصدار",
        _ => "",
    }
}

/// `2500000` → `2,500,000`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The values a template can draw on.
pub struct Context<'a> {
    pub lead: &'a Lead,
    pub workspace: &'a Workspace,
    pub property: Option<&'a Property>,
}

impl Context<'_> {
    pub fn language(&self) -> Language {
        self.lead.language.unwrap_or(self.workspace.language)
    }

    fn value(&self, var: &str) -> Option<String> {
        let l = self.lead;
        let p = self.property;
        match var {
            "first_name" => l.name.split_whitespace().next().map(String::from),
            "name" => Some(l.name.clone()),
            "agent_name" => self.workspace.agent_name.clone(),
            "location" => (!l.locations.is_empty()).then(|| l.locations.join(", ")),
            "budget" => l.budget_max.or(l.budget_min).map(|b| format!("{} {}", self.workspace.currency, thousands(b))),
            "property_type" => l.property_type.map(|t| t.as_str().to_string()),
            "bedrooms" => l.bedrooms.map(|b| b.to_string()),
            "property_title" => p.map(|p| p.title.clone()),
            "property_location" => p.map(|p| p.location.clone()),
            "price" => p.map(|p| thousands(p.price)),
            "permit" => p.and_then(|p| p.permit.clone()),
            _ => None,
        }
    }
}

/// Fills every `{variable}` of `template`. Unknown names render as nothing; an unclosed `{`
/// stays as typed.
pub fn render(template: &str, ctx: &Context) -> String {
    let lang = ctx.language();
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let var = &after[..end];
                out.push_str(&ctx.value(var).filter(|v| !v.trim().is_empty()).unwrap_or_else(|| fallback(var, lang).to_string()));
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{names}` in `template` that are not variables a template can use.
pub fn unknown_variables(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                if !VARIABLES.contains(&&after[..end]) {
                    out.push(after[..end].to_string());
                }
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// The message that tells a matching buyer about a new listing.
pub fn property_alert(lang: Language) -> &'static str {
    match lang {
        Language::En => "Hi {first_name}, a new listing just came in that fits what you are looking for: {property_title} in {property_location}, AED {price} (permit {permit}). Would you like the details or a viewing? — {agent_name}",
        Language::Fa => "سلام {first_name}، ملک جدیدی مطابق خواسته شما رسیده است: {property_title} در {property_location}، {price} درهم (شماره مجوز {permit}). مایلید جزئیات را بفرستم یا بازدید هماهنگ کنیم؟ — {agent_name}",
        Language::Ar => "مرحباً {first_name}، وصل للتو عقار جديد يناسب ما تبحث عنه: {property_title} في {property_location}، بسعر {price} درهم (رقم التصريح {permit}). هل تود معرفة التفاصيل أو ترتيب معاينة؟ — {agent_name}",
    }
}

/// Where a viewing's time and meeting point go in its messages: filled after the template's
/// variables, so a typed meeting point is never read as one.
pub const TIME_MARK: &str = "⟦time⟧";
pub const PLACE_MARK: &str = "⟦place⟧";

/// The confirmation a lead gets when a viewing is booked.
pub fn viewing_confirmation(lang: Language) -> &'static str {
    match lang {
        Language::En => "Hi {first_name}, your viewing of {property_title} in {property_location} is booked for ⟦time⟧⟦place⟧. See you there! — {agent_name}",
        Language::Fa => "سلام {first_name}، بازدید شما از {property_title} در {property_location} برای ⟦time⟧ رزرو شد⟦place⟧. می‌بینمتان! — {agent_name}",
        Language::Ar => "مرحباً {first_name}، تم حجز معاينتك لـ {property_title} في {property_location} بتاريخ ⟦time⟧⟦place⟧. نراك هناك! — {agent_name}",
    }
}

/// The reminder a lead gets before a viewing.
pub fn viewing_reminder(lang: Language) -> &'static str {
    match lang {
        Language::En => "Reminder: your viewing of {property_title} is at ⟦time⟧⟦place⟧. — {agent_name}",
        Language::Fa => "یادآوری: بازدید شما از {property_title} در ⟦time⟧ است⟦place⟧. — {agent_name}",
        Language::Ar => "تذكير: معاينتك لـ {property_title} في ⟦time⟧⟦place⟧. — {agent_name}",
    }
}

/// How a meeting point reads after the time, in `lang`.
pub fn place_phrase(lang: Language, place: Option<&str>) -> String {
    match (place, lang) {
        (None, _) => String::new(),
        (Some(p), Language::En) => format!(" (meeting point: {p})"),
        (Some(p), Language::Fa) => format!(" (محل ملاقات: {p})"),
        (Some(p), Language::Ar) => format!(" (نقطة اللقاء: {p})"),
    }
}

/// A template rendered for one lead of `ws` (the editor's live preview), in `language` if given.
pub fn preview(conn: &rusqlite::Connection, ws: &Workspace, lead_id: i64, template: &str, language: Option<crate::model::Language>) -> crate::error::Result<String> {
    let mut lead = crate::leads::get(conn, ws, lead_id)?;
    if language.is_some() {
        lead.language = language;
    }
    Ok(render(template, &Context { lead: &lead, workspace: ws, property: None }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_time;

    fn ws() -> Workspace {
        Workspace::for_tests()
    }

    #[test]
    fn a_missing_variable_renders_its_fallback_never_braces() {
        let lead = Lead::blank("Aisha Khan", parse_time("2026-01-01T00:00:00Z").unwrap());
        let ws = ws();
        let ctx = Context { lead: &lead, workspace: &ws, property: None };
        let out = render("Hi {first_name}, homes in {location} within {budget}. {agent_name}{unknown}", &ctx);
        assert_eq!(out, "Hi Aisha, homes in Dubai within your budget. your agent");
        assert!(!out.contains('{') && !out.contains("None"));
    }

    #[test]
    fn values_fill_in_and_the_language_picks_the_fallback() {
        let mut lead = Lead::blank("  ", parse_time("2026-01-01T00:00:00Z").unwrap());
        lead.budget_max = Some(2_500_000);
        lead.language = Some(Language::Fa);
        let ws = ws();
        let ctx = Context { lead: &lead, workspace: &ws, property: None };
        assert_eq!(render("{first_name} {budget} {oops", &ctx), "دوست عزیز AED 2,500,000 {oops");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_200_000), "1,200,000");
    }
}
