//! Sanctions and PEP screening over HTTP (issue #14): ad hoc screenings, customers screened in
//! the decision that creates or changes them, and operators' decisions on potential matches.
//! Every name here is fictional.

use kyc_app::screening::ListSnapshot;
use kyc_domain::customer::ListVersionRef;
use kyc_screening::{
    EntityKind, EntryName, EntryTopic, Identifier, ListEntry, NameStrength, PartialDate,
};
use serde_json::{json, Value};

use crate::support::{token, unique_individual, App, ALL, BANK_A};

fn person(
    id: &str,
    names: &[(&str, NameStrength)],
    topic: EntryTopic,
    born: i32,
    country: &str,
) -> ListEntry {
    ListEntry {
        entry_id: id.to_owned(),
        kind: EntityKind::Person,
        topics: vec![topic],
        names: names
            .iter()
            .map(|(full, strength)| EntryName {
                full: (*full).to_owned(),
                strength: *strength,
            })
            .collect(),
        birth_dates: vec![PartialDate {
            year: born,
            month: None,
            day: None,
        }],
        birth_places: Vec::new(),
        countries: vec![country.to_owned()],
        identifiers: vec![Identifier {
            kind: "Passport".to_owned(),
            number: "ZX4471902".to_owned(),
            country: Some(country.to_owned()),
        }],
        programs: vec!["TEST".to_owned()],
    }
}

/// One sanctions list and one PEP list, with fictional people.
fn lists() -> ListSnapshot {
    let sanctions = vec![
        person(
            "36001",
            &[
                ("KARIMOV, Muhammad Yusuf", NameStrength::Primary),
                ("KARIMOV, Mukhammad", NameStrength::Strong),
            ],
            EntryTopic::Sanctions,
            1961,
            "UZ",
        ),
        person(
            "36002",
            &[("ZELENSKAYA, Oksana Petrovna", NameStrength::Primary)],
            EntryTopic::Sanctions,
            1975,
            "RU",
        ),
    ];
    let peps = vec![person(
        "Q-1001",
        &[("Teodora Vasileva Marinova", NameStrength::Primary)],
        EntryTopic::Pep,
        1968,
        "BG",
    )];
    ListSnapshot::build(vec![
        (
            ListVersionRef {
                list: "ofac_sdn".into(),
                version: 3,
            },
            sanctions,
        ),
        (
            ListVersionRef {
                list: "opensanctions".into(),
                version: 4,
            },
            peps,
        ),
    ])
}

fn screener_token() -> String {
    token(BANK_A, "screening:read")
}

async fn screen(app: &App, body: Value) -> crate::support::Reply {
    app.send(
        "POST",
        "/api/screenings",
        Some(&screener_token()),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn an_ad_hoc_screening_finds_spelling_variants_and_explains_its_score() {
    let app = App::with_lists(lists());
    for name in [
        "Muhammad Yusuf KARIMOV",
        "karimov, muhammad yusuf",
        "Мухаммад Юсуф Каримов",
        "Muhammad Yusuf Karimow",
        "M. Y. Karimov",
    ] {
        let reply = screen(&app, json!({ "type": "individual", "name": name }))
            .await
            .expect(200);
        let best = &reply.json["candidates"][0];
        assert_eq!(best["entry_id"], "36001", "{name}: {}", reply.json);
        assert_eq!(best["list"], "ofac_sdn");
        assert_eq!(best["list_version"], 3);
        assert_eq!(best["topics"], json!(["sanctions"]));
        assert_eq!(best["match"], true, "{name}: {}", reply.json);
        assert!(best["explanation"]["tokens"].is_array(), "{}", reply.json);
        assert_eq!(reply.json["list_versions"].as_array().unwrap().len(), 2);
    }
    // A conflicting birth year lowers the score; an equal passport number settles it.
    let plain = screen(
        &app,
        json!({ "type": "individual", "name": "Muhammad Yusuf Karimov" }),
    )
    .await
    .json["candidates"][0]["score"]
        .as_f64()
        .unwrap();
    let conflicting = screen(
        &app,
        json!({ "type": "individual", "name": "Muhammad Yusuf Karimov", "date_of_birth": "1990-01-01" }),
    )
    .await
    .json["candidates"][0]["score"]
        .as_f64()
        .unwrap();
    assert!(conflicting < plain, "{conflicting} < {plain}");
    let certain = screen(
        &app,
        json!({
            "type": "individual",
            "name": "M. Karimov",
            "identification_numbers": [{ "number": "ZX 447 1902", "country": "UZ" }]
        }),
    )
    .await;
    assert_eq!(
        certain.json["candidates"][0]["score"], 1.0,
        "{}",
        certain.json
    );
    // Somebody else entirely.
    let nobody = screen(
        &app,
        json!({ "type": "individual", "name": "Ada Lovelace" }),
    )
    .await
    .expect(200);
    assert!(nobody.json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["match"] == false));
}

#[tokio::test]
async fn an_ad_hoc_screening_needs_its_scope_and_names_each_bad_field() {
    let app = App::with_lists(lists());
    app.send(
        "POST",
        "/api/screenings",
        Some(&token(BANK_A, ALL)),
        Some(json!({ "type": "individual", "name": "Ada Lovelace" })),
    )
    .await
    .expect_error(403, "forbidden");
    for (body, field) in [
        (json!({ "type": "individual" }), "name"),
        (
            json!({ "type": "individual", "name": "A", "names": ["B"] }),
            "names",
        ),
        (json!({ "type": "ship", "name": "A" }), "type"),
        (
            json!({ "type": "individual", "name": "A", "country": "XX" }),
            "country",
        ),
        (
            json!({ "type": "individual", "name": "A", "date_of_birth": "1990-02-30" }),
            "date_of_birth",
        ),
        (
            json!({ "type": "individual", "names": ["A", ""] }),
            "names[1]",
        ),
        (
            json!({ "type": "individual", "name": "A", "identification_numbers": [{ "country": "UZ" }] }),
            "identification_numbers[0].number",
        ),
    ] {
        let refused = screen(&app, body.clone())
            .await
            .expect_error(422, "validation");
        let fields: Vec<&str> = refused.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {}", refused.json);
        assert!(
            !refused.json.to_string().contains("Lovelace"),
            "no input echoed"
        );
    }
    screen(
        &app,
        json!({ "type": "individual", "name": "A", "nick": "B" }),
    )
    .await
    .expect_error(400, "malformed_request");
}

#[tokio::test]
async fn without_lists_nobody_is_screened_and_the_profile_asks_for_no_screening() {
    let app = App::new();
    let reply = screen(
        &app,
        json!({ "type": "individual", "name": "Muhammad Karimov" }),
    )
    .await
    .expect(200);
    assert_eq!(reply.json["list_versions"], json!([]));
    assert_eq!(reply.json["candidates"], json!([]));
    let guid = app.ready_individual().await;
    let profile = app
        .get(&format!("/api/customers/{guid}/verification_profiles"))
        .await
        .expect(200);
    assert!(!profile.json.to_string().contains("sanctions_screening"));
}

/// A customer named like list entry 36001.
fn listed_individual() -> Value {
    let mut body = unique_individual();
    body["name"] = json!({ "first": "Muhammad Yusuf", "last": "Karimov" });
    body["date_of_birth"] = json!("1961-03-02");
    body["nationality"] = json!("UZ");
    body
}

fn profile_criteria(profile: &Value) -> (Vec<String>, Vec<String>, Vec<Value>) {
    let criteria = &profile["verification_profiles"][0]["criteria"];
    let names = |key: &str| -> Vec<String> {
        criteria[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(ToOwned::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    (
        names("complete"),
        names("required"),
        criteria["errors"].as_array().cloned().unwrap_or_default(),
    )
}

/// The open match of `guid`'s profile (the id is in the `screening_match` error).
async fn open_match(app: &App, guid: &str) -> String {
    let events = app
        .get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200);
    let screened = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["event_type"] == "ScreeningCompleted")
        .unwrap_or_else(|| panic!("no screening in {}", events.json))
        .clone();
    screened["decision"]["reason_codes"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_customer_is_screened_when_created_and_a_false_positive_clears_the_criterion() {
    let app = App::with_lists(lists());
    let clear = app.create(unique_individual()).await;
    let profile = app
        .get(&format!("/api/customers/{clear}/verification_profiles"))
        .await
        .expect(200);
    let (complete, _, _) = profile_criteria(&profile.json);
    assert!(
        complete.contains(&"sanctions_screening".to_owned())
            && complete.contains(&"pep_screening".to_owned()),
        "{}",
        profile.json
    );

    let guid = app.create(listed_individual()).await;
    for kind in ["passport", "liveness_report"] {
        let document = app.upload(&guid, kind).await;
        app.accept(&guid, &document).await;
    }
    let profile = app
        .get(&format!("/api/customers/{guid}/verification_profiles"))
        .await
        .expect(200);
    let (_, required, errors) = profile_criteria(&profile.json);
    assert!(
        required.contains(&"sanctions_screening".to_owned()),
        "{}",
        profile.json
    );
    let match_id = open_match(&app, &guid).await;
    assert!(errors.iter().any(|e| e["name"] == "sanctions_screening"
        && e["code"] == "screening_match"
        && e["message"].as_str().unwrap().contains(&match_id)));
    app.post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect_error(409, "profile_incomplete");

    // Bad decisions change nothing.
    let resolve = format!("/api/customers/{guid}/screening_matches/{match_id}/resolve");
    let before = app.store.event_count();
    let refused = app
        .post(&resolve, json!({ "decision": "maybe" }))
        .await
        .expect_error(422, "validation");
    assert_eq!(refused.json["errors"][0]["field"], "decision");
    assert_eq!(refused.json["errors"][1]["field"], "note");
    app.post(
        &format!("/api/customers/{guid}/screening_matches/m_0000/resolve"),
        json!({ "decision": "false_positive", "note": "x" }),
    )
    .await
    .expect_error(404, "unknown_screening_match");
    app.send(
        "POST",
        &resolve,
        Some(&token(BANK_A, "customers:read customers:write")),
        Some(json!({ "decision": "false_positive", "note": "x" })),
    )
    .await
    .expect_error(403, "forbidden");
    assert_eq!(app.store.event_count(), before);

    app.post(
        &resolve,
        json!({ "decision": "false_positive", "note": "born 1961 in another country; passport differs" }),
    )
    .await
    .expect(200);
    app.post(
        &resolve,
        json!({ "decision": "true_match", "note": "second thoughts" }),
    )
    .await
    .expect_error(409, "screening_match_already_resolved");
    let verified = app
        .post(&format!("/api/customers/{guid}/verify"), json!({}))
        .await
        .expect(200);
    assert_eq!(verified.json["state"], "verified");
}

#[tokio::test]
async fn a_tenant_may_put_sanctions_matches_under_four_eyes() {
    let policies = kyc_app::tenant::TenantPolicies::from_json(
        kyc_app::tenant::TenantPolicy::default(),
        &json!({"tenants": {BANK_A: {"risk": {
            "version": "four-eyes-matches-1",
            "match_four_eyes": ["sanctions"]
        }}}})
        .to_string(),
    )
    .unwrap();
    let app = App::with_lists_and_policies(lists(), policies);
    let guid = app.create(listed_individual()).await;
    let match_id = open_match(&app, &guid).await;
    let resolve = format!("/api/customers/{guid}/screening_matches/{match_id}/resolve");
    let ada = crate::support::token_for("reviewer-ada", BANK_A, ALL);
    let alan = crate::support::token_for("reviewer-alan", BANK_A, ALL);
    let decision = json!({ "decision": "false_positive", "note": "born 1990, not 1961" });

    // The first decision is a proposal: the match stays open and shows it.
    let proposed = app
        .send("POST", &resolve, Some(&ada), Some(decision.clone()))
        .await
        .expect(200);
    let open = &proposed.json["screening"]["open_matches"];
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{}", proposed.json);
    assert_eq!(open[0]["proposed"]["decision"], "false_positive");
    assert_eq!(open[0]["proposed"]["proposed_by"], "reviewer-ada");
    // The proposer cannot confirm it.
    app.send("POST", &resolve, Some(&ada), Some(decision.clone()))
        .await
        .expect_error(409, "four_eyes_required");
    // Another reviewer does.
    let confirmed = app
        .send("POST", &resolve, Some(&alan), Some(decision))
        .await
        .expect(200);
    assert_eq!(
        confirmed.json["screening"]["open_matches"],
        json!([]),
        "{}",
        confirmed.json
    );
    let audit = app
        .get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200)
        .json
        .to_string();
    assert!(audit.contains("ScreeningMatchProposed"), "{audit}");
    assert!(audit.contains(r#""proposer":"reviewer-ada""#), "{audit}");
    assert!(audit.contains(r#""approver":"reviewer-alan""#), "{audit}");

    // A tenant file naming an unknown topic is refused, naming the field.
    let refused = kyc_app::tenant::TenantPolicies::from_json(
        kyc_app::tenant::TenantPolicy::default(),
        &json!({"risk": {"version": "x-1", "match_four_eyes": ["sanctions", "crime"]}}).to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(refused.contains("match_four_eyes[1]"), "{refused}");
}

#[tokio::test]
async fn a_confirmed_sanctions_match_rejects_the_applicant_finally() {
    let app = App::with_lists(lists());
    let guid = app.create(listed_individual()).await;
    let match_id = open_match(&app, &guid).await;
    let rejected = app
        .post(
            &format!("/api/customers/{guid}/screening_matches/{match_id}/resolve"),
            json!({ "decision": "true_match", "note": "date of birth and passport agree" }),
        )
        .await
        .expect(200);
    assert_eq!(rejected.json["state"], "rejected");
    let events = app
        .get(&format!("/api/customers/{guid}/events"))
        .await
        .expect(200);
    let text = events.json.to_string();
    assert!(text.contains("ScreeningMatchResolved"), "{text}");
    assert!(text.contains("sanctions_match"), "{text}");
}

#[tokio::test]
async fn renaming_a_customer_screens_it_again_in_the_same_request() {
    let app = App::with_lists(lists());
    let guid = app.create(unique_individual()).await;
    let renamed = app
        .send(
            "PATCH",
            &format!("/api/customers/{guid}"),
            Some(&token(BANK_A, ALL)),
            Some(json!({
                "name": { "first": "Oksana Petrovna", "last": "Zelenskaya" },
                "date_of_birth": "1975-05-05",
                "nationality": "RU"
            })),
        )
        .await;
    assert!(renamed.status == 200, "{}", renamed.json);
    let profile = app
        .get(&format!("/api/customers/{guid}/verification_profiles"))
        .await
        .expect(200);
    let (_, required, _) = profile_criteria(&profile.json);
    assert!(
        required.contains(&"sanctions_screening".to_owned()),
        "{}",
        profile.json
    );
}
