use super::*;
use crate::clock::parse_time;

fn t(s: &str) -> DateTime<Utc> {
    parse_time(s).unwrap()
}

#[test]
fn a_message_outside_the_window_waits_until_this_morning_before_nine_and_tomorrow_after_six() {
    let ws = Workspace::for_tests();
    // Dubai is UTC+4: 09:00 there is 05:00 UTC.
    assert_eq!(crate::followups::window_opens(&ws, t("2026-03-02T01:00:00Z")), t("2026-03-02T05:00:00Z"));
    assert_eq!(crate::followups::window_opens(&ws, t("2026-03-02T05:00:00Z")), t("2026-03-02T05:00:00Z"));
    assert_eq!(crate::followups::window_opens(&ws, t("2026-03-02T15:00:00Z")), t("2026-03-03T05:00:00Z"));
    // 23:30 in Dubai is 19:30 UTC, still the 2nd there; 00:30 on the 3rd is 20:30 UTC on the 2nd.
    assert_eq!(crate::followups::window_opens(&ws, t("2026-03-02T20:30:00Z")), t("2026-03-03T05:00:00Z"));
}

#[test]
fn follow_ups_and_alerts_are_marketing_and_what_the_lead_asked_for_is_not() {
    assert_eq!(purpose_of(MessageKind::Followup), ContactPurpose::Marketing);
    assert_eq!(purpose_of(MessageKind::Property), ContactPurpose::Marketing);
    assert_eq!(purpose_of(MessageKind::Viewing), ContactPurpose::Transactional);
    assert_eq!(purpose_of(MessageKind::Manual), ContactPurpose::Transactional);
}

#[test]
fn every_hold_but_review_names_the_check_that_failed_and_every_one_has_words() {
    for &h in HoldReason::ALL {
        assert!(!hold_words(h).is_empty());
        assert_eq!(h.check().is_none(), h == HoldReason::Review);
    }
}

#[test]
fn checks_read_back_as_written_and_unknown_names_are_dropped() {
    let all = Check::ALL.to_vec();
    assert_eq!(checks_of(&joined(&all)), all);
    assert_eq!(checks_of("pacing,telepathy,,dncr"), [Check::Pacing, Check::Dncr]);
    assert!(checks_of("").is_empty());
}

#[test]
fn every_check_purpose_outcome_and_hold_reason_has_words_that_read_back() {
    crate::model::words::every_code_has_words_that_read_back::<Check>("check");
    crate::model::words::every_code_has_words_that_read_back::<ContactPurpose>("contact purpose");
    crate::model::words::every_code_has_words_that_read_back::<ContactOutcome>("contact outcome");
    crate::model::words::every_code_has_words_that_read_back::<crate::model::HoldReason>("hold reason");
}
