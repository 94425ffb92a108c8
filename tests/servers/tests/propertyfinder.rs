//! The Property Finder Atlas stand-in, driven over real TCP: token auth with expiry, the
//! leads' paging and bounds, both error formats, scope and rate limits.

mod common;

use std::time::Duration;

use common::{get, post_json};
use leadbook_test_servers::{PfLead, PropertyFinder};
use serde_json::json;

const NOW: &str = "2026-03-02T08:00:00Z";

fn server() -> PropertyFinder {
    let pf = PropertyFinder::start("key-1", "secret-1");
    pf.set_now(NOW);
    pf
}

fn token(pf: &PropertyFinder) -> String {
    let r = post_json(&pf.base_url(), "/v1/auth/token", &[], &json!({"apiKey": "key-1", "apiSecret": "secret-1"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.body["expiresIn"].as_u64(), r.body["tokenType"].as_str()), (Some(1800), Some("Bearer")));
    r.body["accessToken"].as_str().unwrap().to_string()
}

fn leads(pf: &PropertyFinder, token: &str, query: &str, problem: bool) -> common::Response {
    let auth = format!("Bearer {token}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if problem {
        headers.push(("X-PF-Error-Format", "problem-json-v2"));
    }
    get(&pf.base_url(), &format!("/v1/leads?{query}"), &headers)
}

#[test]
fn a_token_is_given_for_the_right_key_and_secret_only() {
    let pf = server();
    let bad = post_json(&pf.base_url(), "/v1/auth/token", &[], &json!({"apiKey": "key-1", "apiSecret": "nope"}));
    assert_eq!((bad.status, bad.body["type"].as_str(), bad.body["title"].as_str()), (401, Some("AUTHENTICATION"), Some("Unauthorized")));
    let missing = post_json(&pf.base_url(), "/v1/auth/token", &[], &json!({"apiKey": "key-1"}));
    assert_eq!(missing.status, 400);
    let t = token(&pf);
    assert_eq!(leads(&pf, &t, "perPage=50", false).status, 200);
    assert_eq!(leads(&pf, "forged", "perPage=50", false).status, 401);
    assert_eq!(pf.token_requests(), 3);
}

#[test]
fn a_token_stops_working_when_it_expires() {
    let pf = server();
    pf.token_lifetime(Duration::from_millis(300));
    let t = token_short(&pf);
    assert_eq!(leads(&pf, &t, "", false).status, 200);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(leads(&pf, &t, "", false).status, 401);
    let t = token_short(&pf);
    pf.expire_tokens();
    assert_eq!(leads(&pf, &t, "", false).status, 401);
}

fn token_short(pf: &PropertyFinder) -> String {
    let r = post_json(&pf.base_url(), "/v1/auth/token", &[], &json!({"apiKey": "key-1", "apiSecret": "secret-1"}));
    r.body["accessToken"].as_str().unwrap().to_string()
}

#[test]
fn leads_page_oldest_first_from_created_at_until_next_page_is_absent() {
    let pf = server();
    for i in 0..5 {
        pf.add_lead(PfLead::new(&format!("L{i}"), &format!("2026-03-01T0{i}:00:00Z"), "Buyer").phone("+971501234567"));
    }
    let t = token(&pf);
    let q = "perPage=2&orderBy=createdAt&orderDirection=asc&createdAtFrom=2026-03-01T01:00:00Z";
    let first = leads(&pf, &t, &format!("page=1&{q}"), false);
    let ids: Vec<&str> = first.body["data"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["L1", "L2"], "createdAtFrom is inclusive, oldest first");
    assert_eq!((first.body["pagination"]["total"].as_u64(), first.body["pagination"]["nextPage"].as_u64()), (Some(4), Some(2)));
    let last = leads(&pf, &t, &format!("page=2&{q}"), false);
    assert_eq!(last.body["data"].as_array().unwrap().len(), 2);
    assert!(last.body["pagination"].get("nextPage").is_none(), "{}", last.body);
    assert_eq!(last.body["data"][0]["sender"]["contacts"][0], json!({"type": "phone", "value": "+971501234567"}));
}

#[test]
fn per_page_and_created_at_from_are_bounded_in_either_error_format() {
    let pf = server();
    let t = token(&pf);
    for bad in ["perPage=0", "perPage=51", "page=0", "createdAtFrom=yesterday", "createdAtFrom=2025-11-01T00:00:00Z"] {
        let legacy = leads(&pf, &t, bad, false);
        assert_eq!((legacy.status, legacy.body["type"].as_str()), (422, Some("VALIDATION")), "{bad}");
        let v2 = leads(&pf, &t, bad, true);
        assert_eq!(v2.status, 422, "{bad}");
        assert_eq!(v2.header("content-type").as_deref(), Some("application/problem+json"));
        assert_eq!((v2.body["code"].as_str(), v2.body["status"].as_u64()), (Some("VALIDATION_ERROR"), Some(422)));
        assert!(v2.body["errors"][0]["field"].is_string(), "{}", v2.body);
    }
    assert_eq!(leads(&pf, &t, "perPage=50&createdAtFrom=2025-12-05T00:00:00Z", false).status, 200, "within three months");
}

#[test]
fn a_key_without_the_leads_scope_is_forbidden() {
    let pf = server();
    pf.scope_leads(false);
    let t = token(&pf);
    let r = leads(&pf, &t, "", false);
    assert_eq!((r.status, r.body["type"].as_str()), (403, Some("AUTHORIZATION")));
}

#[test]
fn requests_past_the_limits_get_429_with_retry_after() {
    let pf = server();
    pf.force_429(1, Some(7));
    let r = post_json(&pf.base_url(), "/v1/auth/token", &[], &json!({"apiKey": "key-1", "apiSecret": "secret-1"}));
    assert_eq!((r.status, r.header("retry-after").as_deref()), (429, Some("7")));
    pf.limits(60, 2);
    let t = token(&pf);
    assert_eq!(leads(&pf, &t, "", false).status, 200);
    assert_eq!(leads(&pf, &t, "", false).status, 200);
    assert_eq!(leads(&pf, &t, "", false).status, 429, "650 a minute, here 2");
    assert_eq!(pf.rejected_429(), 2);
    pf.limits(1, 650);
    let again = post_json(&pf.base_url(), "/v1/auth/token", &[], &json!({"apiKey": "key-1", "apiSecret": "secret-1"}));
    assert_eq!(again.status, 429, "the token endpoint has its own limit");
}
