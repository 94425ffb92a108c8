//! A deterministic synthetic book for benchmarks and load tests: leads with UAE names in
//! Latin, Arabic and Persian script, phones in mixed spellings, areas and budgets, about 5 %
//! duplicates and 2 % dirty rows; and properties. The same seed always gives the same book.

use crate::leads::validate::LeadInput;

/// SplitMix64: small, fast and good enough to make test data; not for anything secret.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const LATIN_FIRST: &[&str] = &[
    "Aisha", "Mohammed", "Fatima", "Omar", "Layla", "Ahmed", "Mariam", "Yousef", "Noura", "Khalid", "Sara", "Hassan",
    "Priya", "Rahul", "Olga", "James", "Emma", "Ali", "Reza", "Maryam", "Daniel", "Chloe", "Igor", "Wei",
];
const LATIN_LAST: &[&str] = &[
    "Al Mansoori", "Khan", "Al Nahyan", "Haddad", "Rahimi", "Sharma", "Petrova", "Smith", "Al Falasi", "Karimi",
    "Nasser", "Chen", "Hosseini", "Al Zaabi", "Patel", "Ivanova", "Brown", "Mahmoud",
];
const ARABIC: &[&str] = &[
    "محمد المنصوري", "عائشة الفلاسي", "خالد الزعابي", "فاطمة النعيمي", "عمر الحداد", "مريم الكتبي", "يوسف الشامسي", "نورة المهيري",
];
const PERSIAN: &[&str] = &[
    "علی رضایی", "مریم حسینی", "رضا کریمی", "زهرا احمدی", "سارا محمدی", "امیر نوری", "نگار رحیمی", "حسین تهرانی",
];
pub const AREAS: &[&str] = &[
    "Dubai Marina", "JVC", "Jumeirah Village Circle", "Downtown Dubai", "Downtown", "Business Bay", "JLT", "Palm Jumeirah",
    "Arabian Ranches", "Dubai Hills Estate", "Al Barsha", "Mirdif", "Dubai Creek Harbour", "Jumeirah", "DAMAC Hills",
    "Town Square", "Al Furjan", "Motor City", "Sports City", "Deira", "مرسى دبي", "International City",
];
const TYPES: &[&str] = &["apartment", "villa", "townhouse", "penthouse", "office", "land"];
const SOURCES: &[&str] = &["linkedin", "telegram", "whatsapp", "referral", "portal", "website", "walk_in", "manual", "import"];
const PREFIXES: &[&str] = &["50", "52", "54", "55", "56", "58"];

/// One row of the synthetic book, as a spreadsheet would hold it (all text).
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub whatsapp: String,
    pub linkedin: String,
    pub source: String,
    pub budget_min: String,
    pub budget_max: String,
    pub locations: String,
    pub property_type: String,
    pub bedrooms: String,
    pub purpose: String,
    pub language: String,
}

pub const CSV_HEADER: &str =
    "name,email,phone,whatsapp,linkedin_url,source,budget_min,budget_max,locations,property_type,bedrooms,purpose,language";

impl Row {
    pub fn to_input(&self) -> LeadInput {
        let s = |v: &str| Some(v.to_string());
        LeadInput {
            name: s(&self.name),
            email: s(&self.email),
            phone: s(&self.phone),
            whatsapp: s(&self.whatsapp),
            linkedin_url: s(&self.linkedin),
            source: s(&self.source),
            budget_min: self.budget_min.parse().ok(),
            budget_max: self.budget_max.parse().ok(),
            locations: crate::leads::validate::split_list(&self.locations),
            property_type: s(&self.property_type),
            bedrooms: self.bedrooms.parse().ok(),
            purpose: s(&self.purpose),
            language: s(&self.language),
            ..Default::default()
        }
    }

    pub fn to_csv_line(&self) -> String {
        [
            &self.name, &self.email, &self.phone, &self.whatsapp, &self.linkedin, &self.source, &self.budget_min,
            &self.budget_max, &self.locations, &self.property_type, &self.bedrooms, &self.purpose, &self.language,
        ]
        .iter()
        .map(|v| csv_field(v))
        .collect::<Vec<_>>()
        .join(",")
    }
}

fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// Writes a UAE mobile number in one of the ways people write them.
fn spell_phone(rng: &mut Rng, prefix: &str, rest: u64) -> String {
    let r = format!("{rest:07}");
    match rng.below(6) {
        0 => format!("0{prefix}-{} {}", &r[..3], &r[3..]),
        1 => format!("+971 (0){prefix} {} {}", &r[..3], &r[3..]),
        2 => format!("00971{prefix}{r}"),
        3 => format!("{prefix}{r}"),
        4 => format!("+971{prefix}{r}"),
        _ => format!("971 {prefix} {r}"),
    }
}

/// `n` rows: about 5 % repeat an earlier row's phone or email, about 2 % are dirty.
pub fn leads(n: usize, seed: u64) -> Vec<Row> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<Row> = Vec::with_capacity(n);
    for i in 0..n {
        let (name, language) = match rng.below(10) {
            0 => (rng.pick(ARABIC).to_string(), "ar"),
            1 => (rng.pick(PERSIAN).to_string(), "fa"),
            _ => (format!("{} {}", rng.pick(LATIN_FIRST), rng.pick(LATIN_LAST)), "en"),
        };
        let prefix = *rng.pick(PREFIXES);
        // Unique per row: the row number spread over the 7-digit space.
        let rest = (i as u64 * 7_919 + 1_000_003) % 10_000_000;
        let mut row = Row {
            name,
            language: language.to_string(),
            source: rng.pick(SOURCES).to_string(),
            ..Default::default()
        };
        if rng.chance(85) {
            row.phone = spell_phone(&mut rng, prefix, rest);
        }
        if rng.chance(40) {
            row.whatsapp = spell_phone(&mut rng, prefix, rest);
        }
        if rng.chance(35) {
            row.email = format!("lead{i}@example{}.ae", i % 97);
        }
        if rng.chance(25) {
            row.linkedin = format!("https://www.linkedin.com/in/lead-{i}/");
        }
        if rng.chance(70) {
            let max = (rng.below(60) + 5) * 100_000;
            row.budget_max = max.to_string();
            if rng.chance(50) {
                row.budget_min = (max / 2).to_string();
            }
        }
        if rng.chance(75) {
            let k = 1 + rng.below(2);
            row.locations = (0..k).map(|_| *rng.pick(AREAS)).collect::<Vec<_>>().join(";");
        }
        if rng.chance(60) {
            row.property_type = rng.pick(TYPES).to_string();
        }
        if rng.chance(55) {
            row.bedrooms = rng.below(6).to_string();
        }
        if rng.chance(65) {
            row.purpose = if rng.chance(70) { "buy" } else { "rent" }.to_string();
        }
        // ~5 % duplicates of an earlier lead, found through a differently spelled phone or the email.
        if i > 10 && rng.chance(5) {
            let j = rng.below(i as u64) as usize;
            let earlier = &out[j];
            if !earlier.phone.is_empty() {
                let jrest = (j as u64 * 7_919 + 1_000_003) % 10_000_000;
                let digits: String = earlier.phone.chars().filter(char::is_ascii_digit).collect();
                let jprefix = PREFIXES.iter().find(|p| digits.contains(&format!("{p}{jrest:07}"))).copied().unwrap_or("50");
                row.phone = spell_phone(&mut rng, jprefix, jrest);
            } else if !earlier.email.is_empty() {
                row.email = earlier.email.to_uppercase();
            }
        }
        // ~2 % dirty rows that validation must reject.
        if rng.chance(2) {
            match rng.below(3) {
                0 => row.email = format!("lead{i}-at-example.ae"),
                1 => row.name = "   ".into(),
                _ => row.phone = "12-34".into(),
            }
        }
        out.push(row);
    }
    out
}

/// A synthetic property listing.
#[derive(Debug, Clone)]
pub struct PropertyRow {
    pub title: String,
    pub location: String,
    pub price: i64,
    pub property_type: String,
    pub bedrooms: i64,
    pub purpose: String,
}

pub fn properties(n: usize, seed: u64) -> Vec<PropertyRow> {
    let mut rng = Rng::new(seed ^ 0x5EED);
    (0..n)
        .map(|i| {
            let t = rng.pick(TYPES).to_string();
            let beds = rng.below(6) as i64;
            let area = rng.pick(AREAS).to_string();
            let sale = rng.chance(70);
            let price = if sale { (rng.below(60) + 5) as i64 * 100_000 } else { (rng.below(40) + 4) as i64 * 10_000 };
            PropertyRow {
                title: format!("{beds}BR {t} in {area} #{i}"),
                location: area,
                price,
                property_type: t,
                bedrooms: beds,
                purpose: if sale { "sale" } else { "rent" }.into(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_book() {
        let a = leads(500, 7);
        let b = leads(500, 7);
        assert_eq!(a.iter().map(Row::to_csv_line).collect::<Vec<_>>(), b.iter().map(Row::to_csv_line).collect::<Vec<_>>());
    }

    #[test]
    fn the_book_has_dirty_rows_and_scripts_other_than_latin() {
        let rows = leads(5_000, 1);
        let dirty = rows.iter().filter(|r| r.name.trim().is_empty() || r.phone == "12-34" || r.email.contains("-at-")).count();
        assert!((50..=200).contains(&dirty), "{dirty} dirty rows");
        assert!(rows.iter().any(|r| r.name.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))));
    }
}
