//! Documents: upload as base64 JSON or multipart, download, review; size and type limits.

use axum::body::Body;
use axum::http::Request;
use base64::Engine as _;
use kyc_domain::customer::MAX_DOCUMENT_BYTES;
use serde_json::json;

use crate::support::{admin, individual, token, App, BANK_A, NOBODY, PDF};

fn multipart(guid: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Request<Body> {
    let boundary = "kyc-test-boundary";
    let mut body = Vec::new();
    for (name, file_name, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(file_name) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Request::builder()
        .method("POST")
        .uri(format!("/api/customers/{guid}/documents?include_pii=true"))
        .header("authorization", format!("Bearer {}", admin()))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_json_upload_is_stored_sniffed_and_downloadable() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let reply = app
        .post(
            &format!("/api/customers/{guid}/documents?include_pii=true"),
            json!({
                "type": "passport",
                "file_name": "passport.pdf",
                "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF),
            }),
        )
        .await
        .expect(201);
    let document = &reply.json["documents"][0];
    assert_eq!(document["content_type"], "application/pdf");
    assert_eq!(document["status"], "pending");
    assert_eq!(document["file_name"], "passport.pdf");
    assert_eq!(document["size_bytes"], PDF.len());
    let document_guid = document["guid"].as_str().unwrap();

    let content = app
        .get(&format!(
            "/api/customers/{guid}/documents/{document_guid}/content"
        ))
        .await
        .expect(200);
    assert_eq!(content.bytes, PDF);
    assert_eq!(content.header("content-type"), Some("application/pdf"));
    assert_eq!(content.header("x-content-type-options"), Some("nosniff"));

    // The bytes are personal data: the PII scope is required.
    app.send(
        "GET",
        &format!("/api/customers/{guid}/documents/{document_guid}/content"),
        Some(&token(BANK_A, "customers:read")),
        None,
    )
    .await
    .expect_error(403, "forbidden");
    app.get(&format!("/api/customers/{guid}/documents/{NOBODY}/content"))
        .await
        .expect_error(404, "unknown_document");
    app.get(&format!("/api/customers/{guid}/documents/nonsense/content"))
        .await
        .expect_error(404, "unknown_document");
}

#[tokio::test]
async fn a_multipart_upload_takes_the_file_name_from_the_part() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let reply = app
        .request(multipart(
            &guid,
            &[("type", None, b"passport"), ("file", Some("scan.pdf"), PDF)],
        ))
        .await
        .expect(201);
    let document = &reply.json["documents"][0];
    assert_eq!(document["content_type"], "application/pdf");
    assert_eq!(document["type"], "passport");
    assert_eq!(document["file_name"], "scan.pdf");

    app.request(multipart(&guid, &[("type", None, b"passport")]))
        .await
        .expect_error(400, "malformed_request");
    let unknown = app
        .request(multipart(
            &guid,
            &[("file", Some("a.pdf"), PDF), ("colour", None, b"red")],
        ))
        .await
        .expect_error(400, "malformed_request");
    assert!(unknown.json["error_message"]
        .as_str()
        .unwrap()
        .contains("colour"));
}

#[tokio::test]
async fn oversize_documents_are_refused_with_413() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let mut big = PDF.to_vec();
    big.resize(usize::try_from(MAX_DOCUMENT_BYTES).unwrap() + 1, b' ');

    app.request(multipart(
        &guid,
        &[("type", None, b"passport"), ("file", Some("big.pdf"), &big)],
    ))
    .await
    .expect_error(413, "payload_too_large");
    app.post(
        &format!("/api/customers/{guid}/documents"),
        json!({
            "type": "passport",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(&big),
        }),
    )
    .await
    .expect_error(413, "payload_too_large");
    // A body far over the route's limit is cut off before it is read.
    big.resize(30 * 1024 * 1024, b' ');
    app.request(multipart(
        &guid,
        &[("type", None, b"passport"), ("file", Some("big.pdf"), &big)],
    ))
    .await
    .expect_error(413, "payload_too_large");
    // Exactly the limit is fine.
    big.truncate(usize::try_from(MAX_DOCUMENT_BYTES).unwrap());
    app.request(multipart(
        &guid,
        &[("type", None, b"passport"), ("file", Some("max.pdf"), &big)],
    ))
    .await
    .expect(201);
    // The creation, its risk rating, and the one document.
    assert_eq!(app.store.event_count(), 3);
}

#[tokio::test]
async fn unsupported_content_and_bad_requests_are_refused() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let uri = format!("/api/customers/{guid}/documents");
    let exe = app
        .post(
            &uri,
            json!({
                "type": "passport",
                "content_base64": base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\x00 not a pdf"),
            }),
        )
        .await
        .expect_error(422, "validation");
    assert_eq!(exe.json["errors"][0]["field"], "content");
    app.post(&uri, json!({ "type": "passport", "content_base64": "%%%" }))
        .await
        .expect_error(400, "malformed_request");
    app.post(
        &uri,
        json!({ "type": "passport", "content_base64": "", "colour": "red" }),
    )
    .await
    .expect_error(400, "malformed_request");
    app.send_with(
        "POST",
        &uri,
        Some(&admin()),
        None,
        &[("content-type", "text/plain")],
    )
    .await
    .expect_error(400, "malformed_request");
    app.post(
        &format!("/api/customers/{NOBODY}/documents"),
        json!({
            "type": "passport",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF),
        }),
    )
    .await
    .expect_error(404, "customer_not_found");
    // The creation and its risk rating.
    assert_eq!(app.store.event_count(), 2);
}

#[tokio::test]
async fn review_accepts_or_rejects_a_pending_document() {
    let app = App::new();
    let guid = app.create(individual()).await;
    let passport = app.upload(&guid, "passport").await;
    let liveness = app.upload(&guid, "liveness_report").await;
    let review = |document: &str| format!("/api/customers/{guid}/documents/{document}/review");

    let accepted = app
        .post(&review(&passport), json!({ "decision": "accept" }))
        .await
        .expect(200);
    assert!(
        accepted.json["verification_profiles"][0]["criteria"]["complete"]
            .as_array()
            .unwrap()
            .contains(&json!("identity_document"))
    );
    app.post(&review(&passport), json!({ "decision": "accept" }))
        .await
        .expect_error(409, "document_already_reviewed");
    let rejected = app
        .post(
            &review(&liveness),
            json!({ "decision": "reject", "reason_code": "unreadable", "message": "Too dark" }),
        )
        .await
        .expect(200);
    let errors = &rejected.json["verification_profiles"][0]["criteria"]["errors"];
    assert_eq!(errors[0]["name"], "liveness_report_document");
    let proof = app.upload(&guid, "proof_of_address").await;
    app.post(&review(&proof), json!({ "decision": "maybe" }))
        .await
        .expect_error(422, "validation");
    app.post(&review(NOBODY), json!({ "decision": "accept" }))
        .await
        .expect_error(404, "unknown_document");
    app.post(&review("nonsense"), json!({ "decision": "accept" }))
        .await
        .expect_error(404, "unknown_document");
    app.send(
        "POST",
        &review(&liveness),
        Some(&token(BANK_A, "customers:read customers:write")),
        Some(json!({ "decision": "accept" })),
    )
    .await
    .expect_error(403, "forbidden");
}
