//! The Bayut/dubizzle Profolio stand-in, driven over real TCP: bearer auth, v1 paging and its
//! bounds, 422 on bad dates, the older array endpoint, 404/410 on v1, and an expired key's
//! HTML login page.

mod common;

use common::get;
use leadbook_test_servers::{Bayut, ByLead};

fn v1(b: &Bayut, token: &str, query: &str) -> common::Response {
    let auth = format!("Bearer {token}");
    get(&b.base_url(), &format!("/v1/leads?{query}"), &[("Authorization", auth.as_str())])
}

fn older(b: &Bayut, query: &str) -> common::Response {
    get(&b.base_url(), &format!("/api-v7/stats/website-client-leads?{query}"), &[("Authorization", "Bearer tok")])
}

fn server() -> Bayut {
    let b = Bayut::start("tok");
    for i in 0..5 {
        b.add_lead(ByLead::new(&format!("sms|{i}"), &format!("2025-09-0{} 13:02:23", i + 1), "Omid").phone("+971501112233").listing("BY-1"));
    }
    b
}

#[test]
fn v1_pages_leads_from_a_dubai_day_with_its_meta() {
    let b = server();
    let r = v1(&b, "tok", "is_lead=1&created_from=2025-09-02&per_page=3&page=1");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(r.body["data"][0]["lead"]["date_time"], "2025-09-02 13:02:23");
    assert_eq!((r.body["meta"]["total"].as_u64(), r.body["meta"]["to"].as_u64()), (Some(4), Some(3)));
    let next = v1(&b, "tok", "is_lead=1&created_from=2025-09-02&per_page=3&page=2");
    assert_eq!((next.body["data"].as_array().unwrap().len(), next.body["meta"]["to"].as_u64()), (1, Some(4)));
    let views = v1(&b, "tok", "is_lead=0&created_from=2025-09-02");
    assert!(views.body["data"][0]["views"].is_number(), "is_lead=0 gives view counts, not leads");
}

#[test]
fn v1_refuses_bad_dates_and_pages_with_422_and_a_wrong_token_with_401() {
    let b = server();
    for bad in ["created_from=02-09-2025", "created_to=2025-13-01", "per_page=101", "per_page=0", "page=0", "created_from=2025-09-03&created_to=2025-09-01"] {
        let r = v1(&b, "tok", &format!("is_lead=1&{bad}"));
        assert_eq!(r.status, 422, "{bad}");
        assert!(r.body["errors"].is_object(), "{}", r.body);
    }
    assert_eq!(v1(&b, "tok", "is_lead=1&per_page=100").status, 200);
    assert_eq!(v1(&b, "other", "is_lead=1").status, 401);
}

#[test]
fn the_older_endpoint_answers_a_bare_array_from_a_timestamp() {
    let b = server();
    b.older_repeats(true);
    let r = older(&b, "is_trulead=1&timestamp=2025-09-04%2013:02:23");
    let rows = r.body.as_array().unwrap();
    assert_eq!(rows.len(), 4, "two leads, each listed twice");
    assert_eq!((rows[0]["lead_id"].as_str(), rows[0]["inquirer_details"]["cell"].as_str()), (Some("sms|3"), Some("+971501112233")));
    assert_eq!(older(&b, "timestamp=yesterday").status, 422);
}

#[test]
fn v1_can_be_gone_and_an_expired_key_gets_the_login_page() {
    let b = server();
    b.v1_answers(Some(410));
    assert_eq!(v1(&b, "tok", "is_lead=1").status, 410);
    assert_eq!(older(&b, "is_trulead=1").status, 200);
    b.expire_key(true);
    for r in [v1(&b, "tok", "is_lead=1"), older(&b, "is_trulead=1")] {
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(r.text.contains("<form action=\"/login\""));
    }
}

#[test]
fn a_forced_429_carries_retry_after() {
    let b = server();
    b.force_429(1, Some(3));
    let r = v1(&b, "tok", "is_lead=1");
    assert_eq!((r.status, r.header("retry-after").as_deref()), (429, Some("3")));
    assert_eq!(v1(&b, "tok", "is_lead=1").status, 200);
}
