//! Every customer route × (another tenant, no token, no scope): 404, 401, 403 — and nothing
//! changes.

use kyc_testkit::fixtures::{collection_routes, customer_routes, Route};

use crate::support::{associate, business, token, token_for, App, ALL, BANK_A, BANK_B, SECRET};

/// Every route that names a customer (the shared matrix), with a body that would succeed for
/// its owner.
async fn routes(app: &App) -> Vec<Route> {
    let guid = app.create(business()).await;
    let added = app
        .post(&format!("/api/customers/{guid}/associates"), associate())
        .await
        .expect(201);
    let associate_guid = kyc_testkit::fixtures::first_associate_guid(&added.json);
    let document = app.upload(&guid, "incorporation_certificate").await;
    customer_routes(&guid, &associate_guid, &document)
}

#[tokio::test]
async fn another_tenant_gets_404_on_every_route() {
    let app = App::new();
    let routes = routes(&app).await;
    let events = app.store.event_count();
    let other = token(BANK_B, ALL);
    for (method, uri, body) in routes {
        let reply = app.send(method, &uri, Some(&other), body).await;
        assert_eq!(reply.status, 404, "{method} {uri}: {}", reply.json);
        assert_eq!(reply.json["status"], 404, "{method} {uri}");
    }
    assert_eq!(
        app.store.event_count(),
        events,
        "another tenant changed something"
    );
    let list = app
        .send("GET", "/api/customers", Some(&other), None)
        .await
        .expect(200);
    assert_eq!(list.json["total"], 0);
}

#[tokio::test]
async fn no_token_gets_401_on_every_route() {
    let app = App::new();
    let mut routes = routes(&app).await;
    routes.extend(collection_routes());
    let events = app.store.event_count();
    for (method, uri, body) in routes {
        app.send(method, &uri, None, body)
            .await
            .expect_error(401, "unauthenticated");
    }
    assert_eq!(app.store.event_count(), events);
}

#[tokio::test]
async fn a_token_without_the_scope_gets_403_on_every_route() {
    let app = App::new();
    let mut routes = routes(&app).await;
    routes.extend(collection_routes());
    let events = app.store.event_count();
    let no_scope = token(BANK_A, "customers:execute");
    for (method, uri, body) in routes {
        let reply = app.send(method, &uri, Some(&no_scope), body).await;
        assert_eq!(reply.status, 403, "{method} {uri}: {}", reply.json);
        assert_eq!(reply.code(), "forbidden");
    }
    assert_eq!(app.store.event_count(), events);
}

#[tokio::test]
async fn bad_credentials_are_all_the_same_401() {
    let app = App::new();
    let expired = kyc_http::mint_hs256(
        SECRET,
        &kyc_http::Claims {
            sub: "tester".into(),
            bank_guid: BANK_A.into(),
            scope: ALL.into(),
            exp: 1_000_000,
        },
    )
    .unwrap();
    let wrong_key = kyc_http::mint_hs256(
        b"another-secret",
        &kyc_http::Claims {
            sub: "tester".into(),
            bank_guid: BANK_A.into(),
            scope: ALL.into(),
            exp: 4_000_000_000,
        },
    )
    .unwrap();
    let bad_tenant = token("not-a-guid", ALL);
    let no_subject = token_for(" ", BANK_A, ALL);
    for bad in [
        expired,
        wrong_key,
        bad_tenant,
        no_subject,
        "abc.def.ghi".to_owned(),
    ] {
        app.send("GET", "/api/customers", Some(&bad), None)
            .await
            .expect_error(401, "unauthenticated");
    }
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "token"] {
        app.send_with(
            "GET",
            "/api/customers",
            None,
            None,
            &[("authorization", header)],
        )
        .await
        .expect_error(401, "unauthenticated");
    }
    // The scheme is case-insensitive.
    app.send_with(
        "GET",
        "/api/customers",
        None,
        None,
        &[("authorization", &format!("bearer {}", token(BANK_A, ALL)))],
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn rs256_tokens_verify_with_the_public_key() {
    // A 2048-bit test key pair, generated for this test only.
    const PRIVATE: &str = include_str!("keys/test_rsa.pem");
    const PUBLIC: &str = include_str!("keys/test_rsa.pub.pem");
    let verifier = kyc_http::JwtVerifier::rs256_pem(PUBLIC.as_bytes()).unwrap();
    let claims = kyc_http::Claims {
        sub: "svc".into(),
        bank_guid: BANK_A.into(),
        scope: "customers:read".into(),
        exp: 4_000_000_000,
    };
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(PRIVATE.as_bytes()).unwrap(),
    )
    .unwrap();
    let principal = verifier.verify(&token).unwrap();
    assert_eq!(principal.subject(), "svc");
    // An HS256 token signed with the public key as secret must not pass ("alg confusion").
    let forged = kyc_http::mint_hs256(PUBLIC.as_bytes(), &claims).unwrap();
    assert!(verifier.verify(&forged).is_err());
    assert!(kyc_http::JwtVerifier::rs256_pem(b"not a key").is_err());
}
