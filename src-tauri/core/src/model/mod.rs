//! The closed vocabularies of the domain (sources, statuses, grades, …), each with one text
//! form shared by the database, JSON, the command line and the UI.

pub mod areas;
pub mod lengths;
pub mod normalize;
pub mod score;
pub mod words;

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the text form (case-insensitive, trimmed); an unknown value is a
            /// validation error on `field` that lists the allowed values.
            pub fn parse(field: &str, s: &str) -> $crate::error::Result<Self> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(t)).ok_or_else(|| {
                    $crate::error::Error::validation(field, format!(
                        "unknown {} '{}'; allowed: {}", field.replace('_', " "), t,
                        [$($text),+].join(", ")))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Bound in SQL as its text form, so no statement spells the vocabulary itself.
        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(self.as_str().as_bytes())))
            }
        }
    };
}

pub(crate) use text_enum;

text_enum!(
    /// Where a lead came from. `property_finder`, `bayut` and `dubizzle` (an enquiry from that
    /// portal) score as `portal`; `email` is a lead sender the agent listed (SPEC §12).
    Source {
        Linkedin = "linkedin", Telegram = "telegram", Whatsapp = "whatsapp", Referral = "referral",
        Portal = "portal", Website = "website", WalkIn = "walk_in", Manual = "manual", Import = "import",
        PropertyFinder = "property_finder", Bayut = "bayut", Dubizzle = "dubizzle", Email = "email",
    }
);

impl Source {
    /// Whether the source scores as `portal` (SPEC §3): the generic `portal`, a named portal,
    /// or an enquiry by email from a lead sender.
    pub fn scores_as_portal(self) -> bool {
        matches!(self, Source::Portal | Source::PropertyFinder | Source::Bayut | Source::Dubizzle | Source::Email)
    }
}

text_enum!(
    /// A listing portal whose enquiries Leadbook reads (by email or by its API).
    Portal { PropertyFinder = "property_finder", Bayut = "bayut", Dubizzle = "dubizzle" }
);

impl Portal {
    /// The source a lead from this portal has.
    pub fn source(self) -> Source {
        match self {
            Portal::PropertyFinder => Source::PropertyFinder,
            Portal::Bayut => Source::Bayut,
            Portal::Dubizzle => Source::Dubizzle,
        }
    }

    /// How the agent reads its name.
    pub fn label(self) -> &'static str {
        match self {
            Portal::PropertyFinder => "Property Finder",
            Portal::Bayut => "Bayut",
            Portal::Dubizzle => "dubizzle",
        }
    }
}

text_enum!(
    /// What an enquiry is: a written message, or a call (a call summary, a missed call).
    EnquiryKind { Message = "message", Call = "call" }
);

text_enum!(
    /// How an enquiry reached Leadbook: a notification email, or the portal's API.
    EnquiryVia { Email = "email", Api = "api" }
);

text_enum!(PropertyType {
    Apartment = "apartment", Villa = "villa", Townhouse = "townhouse", Penthouse = "penthouse",
    Office = "office", Land = "land",
});

text_enum!(
    /// What the lead wants to do.
    Purpose { Buy = "buy", Rent = "rent" }
);

text_enum!(Language { En = "en", Fa = "fa", Ar = "ar" });

text_enum!(
    /// Where the lead stands in the pipeline.
    Status {
        New = "new", Contacted = "contacted", Replied = "replied", Qualified = "qualified",
        Viewing = "viewing", Negotiating = "negotiating", Won = "won", Lost = "lost",
    }
);

text_enum!(
    /// A way of reaching a lead; also what a lead can opt out of.
    Channel { Telegram = "telegram", Whatsapp = "whatsapp", Sms = "sms", Email = "email" }
);

text_enum!(
    /// A (Hot) ≥ 70, B (Warm) 45–69, C (Cool) 25–44, D (Cold) < 25.
    Grade { A = "A", B = "B", C = "C", D = "D" }
);

impl Grade {
    /// The lowest score of an A lead (SQL that orders by grade compares with it).
    pub const A_MIN: i64 = 70;

    /// The grade of a score; a score never computed counts as 0.
    pub fn of(score: Option<i64>) -> Grade {
        match score.unwrap_or(0) {
            s if s >= Grade::A_MIN => Grade::A,
            s if s >= 45 => Grade::B,
            s if s >= 25 => Grade::C,
            _ => Grade::D,
        }
    }
}

text_enum!(
    /// What a listing is offered for.
    ListingPurpose { Sale = "sale", Rent = "rent" }
);

text_enum!(PropertyStatus { Available = "available", Reserved = "reserved", Sold = "sold" });

text_enum!(
    /// Why a message is in the outbox.
    MessageKind { Followup = "followup", Property = "property", Manual = "manual", Viewing = "viewing" }
);

text_enum!(
    /// Where a message stands: queued → sending → sent (→ delivered/read), or failed
    /// (permanent), deferred (to be retried), unknown (the app died mid-send; the agent confirms),
    /// held (a compliance rule keeps it back, SPEC §14: it goes once the rule no longer holds).
    MessageStatus {
        Queued = "queued", Sending = "sending", Sent = "sent", Delivered = "delivered", Read = "read",
        Failed = "failed", Deferred = "deferred", Unknown = "unknown", Held = "held",
    }
);

text_enum!(
    /// Why a message is `held`: the compliance rule that keeps it back until it no longer holds
    /// (SPEC §14; see `compliance`).
    HoldReason { Dncr = "dncr", NoConsent = "no_consent", NoPermit = "no_permit", DoNotMarket = "do_not_market", Review = "review" }
);

text_enum!(
    /// Where an outbox message's text came from: the step's `template`, a language `model`, or
    /// the `agent` (edited in review).
    DraftSource { Template = "template", Model = "model", Agent = "agent" }
);

text_enum!(
    /// A drafted message held for the agent: `pending` until approved or rejected.
    Review { Pending = "pending", Approved = "approved", Rejected = "rejected" }
);

impl ListingPurpose {
    /// The lead purpose this listing serves: buyers for a sale, tenants for a rental.
    pub fn wanted_by(self) -> Purpose {
        match self {
            ListingPurpose::Sale => Purpose::Buy,
            ListingPurpose::Rent => Purpose::Rent,
        }
    }
}

impl Grade {
    /// The scores (inclusive) that make this grade.
    pub fn score_range(self) -> (i64, i64) {
        match self {
            Grade::A => (70, i64::MAX),
            Grade::B => (45, 69),
            Grade::C => (25, 44),
            Grade::D => (i64::MIN, 24),
        }
    }
}

impl Status {
    /// Statuses in which a lead is being actively worked with the agent.
    pub fn is_engaged(self) -> bool {
        matches!(self, Status::Qualified | Status::Viewing | Status::Negotiating)
    }

    /// Statuses that end automatic nurturing: the agent works the lead by hand, or it is closed.
    pub fn ends_nurturing(self) -> bool {
        self.is_engaged() || matches!(self, Status::Won | Status::Lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_value_lists_the_allowed_ones() {
        let e = Source::parse("source", "fax").unwrap_err();
        assert_eq!(e.field(), Some("source"));
        assert!(e.to_string().contains("linkedin, telegram"), "{e}");
    }

    #[test]
    fn parsing_ignores_case_and_spaces() {
        assert_eq!(Status::parse("status", " Won ").unwrap(), Status::Won);
        assert_eq!(Grade::parse("grade", "a").unwrap(), Grade::A);
    }

    #[test]
    fn grade_boundaries_follow_the_spec() {
        for (score, grade) in [(None, Grade::D), (Some(0), Grade::D), (Some(24), Grade::D), (Some(25), Grade::C),
            (Some(44), Grade::C), (Some(45), Grade::B), (Some(69), Grade::B), (Some(70), Grade::A), (Some(100), Grade::A)] {
            assert_eq!(Grade::of(score), grade, "score {score:?}");
        }
    }
}
