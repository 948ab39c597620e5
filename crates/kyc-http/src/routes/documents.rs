//! Documents: upload (multipart or base64 JSON), download, review.
//!
//! The bytes' type is decided by content sniffing in the application layer; whatever
//! `Content-Type` a client gives a part is ignored.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use kyc_app::ports::CustomerStore;
use kyc_app::Operation;
use kyc_domain::customer::{DocumentDraft, ReviewDraft, MAX_DOCUMENT_BYTES};
use serde::Deserialize;

use super::{answer, execute, path, Handled};
use crate::error::HttpError;
use crate::extract::{customer_guid, document_guid, is_json, Ctx, JsonBody};
use crate::state::HttpState;

/// Largest document upload request body: base64 of the largest document plus room for fields.
pub const MAX_UPLOAD_BODY_BYTES: usize = MAX_BASE64_LEN + 64 * 1024;

/// Length of the base64 text of the largest document.
#[allow(clippy::cast_possible_truncation)] // 15 MiB fits every pointer width kyc builds for.
const MAX_BASE64_LEN: usize = (MAX_DOCUMENT_BYTES as usize).div_ceil(3) * 4;

/// A document upload as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonUpload {
    #[serde(rename = "type")]
    kind: Option<String>,
    associate_guid: Option<String>,
    file_name: Option<String>,
    content_base64: String,
}

fn too_large() -> HttpError {
    HttpError::TooLarge(format!(
        "a document may have at most {MAX_DOCUMENT_BYTES} bytes"
    ))
}

/// `POST /api/customers/{guid}/documents`.
pub async fn submit<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
    request: Request,
) -> Handled {
    let customer_guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    let (draft, content) = if is_json(request.headers()) {
        let JsonBody(upload) = JsonBody::<JsonUpload>::from_request(request, &state).await?;
        // Refuse oversize content before decoding it.
        if upload.content_base64.len() > MAX_BASE64_LEN + 4 {
            return Err(ctx.fail(too_large()));
        }
        let content = base64::engine::general_purpose::STANDARD
            .decode(upload.content_base64.trim())
            .map_err(|_| ctx.fail(HttpError::malformed("content_base64 is not valid base64")))?;
        let draft = DocumentDraft {
            kind: upload.kind,
            associate_guid: upload.associate_guid,
            file_name: upload.file_name,
        };
        (draft, content)
    } else if is_multipart(request.headers()) {
        read_multipart(&ctx, request, &state).await?
    } else {
        return Err(ctx.fail(HttpError::malformed(
            "Content-Type must be multipart/form-data or application/json",
        )));
    };
    if content.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(ctx.fail(too_large()));
    }
    Ok(execute(
        &state,
        &ctx,
        Operation::SubmitDocument {
            customer_guid,
            draft,
            content,
        },
    )
    .await)
}

fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn multipart_error(ctx: &Ctx, error: &axum::extract::multipart::MultipartError) -> crate::Failure {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ctx.fail(too_large())
    } else {
        ctx.fail(HttpError::malformed(format!(
            "invalid multipart body: {}",
            error.body_text()
        )))
    }
}

/// Reads the `file` part (at most [`MAX_DOCUMENT_BYTES`], stopping as soon as it is exceeded)
/// and the text parts `type`, `associate_guid`, `file_name`.
async fn read_multipart<S: CustomerStore>(
    ctx: &Ctx,
    request: Request,
    state: &HttpState<S>,
) -> Result<(DocumentDraft, Vec<u8>), crate::Failure> {
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| ctx.fail(HttpError::malformed("invalid multipart body")))?;
    let mut draft = DocumentDraft::default();
    let mut content: Option<Vec<u8>> = None;
    let mut part_file_name = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(ctx, &e))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if content.is_some() {
                    return Err(ctx.fail(HttpError::malformed("more than one file part")));
                }
                part_file_name = field.file_name().map(ToOwned::to_owned);
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(ctx, &e))? {
                    if (bytes.len() + chunk.len()) as u64 > MAX_DOCUMENT_BYTES {
                        return Err(ctx.fail(too_large()));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                content = Some(bytes);
            }
            "type" | "associate_guid" | "file_name" => {
                let text = field.text().await.map_err(|e| multipart_error(ctx, &e))?;
                let slot = match name.as_str() {
                    "type" => &mut draft.kind,
                    "associate_guid" => &mut draft.associate_guid,
                    _ => &mut draft.file_name,
                };
                if slot.replace(text).is_some() {
                    return Err(ctx.fail(HttpError::malformed(format!(
                        "multipart field `{name}` given twice"
                    ))));
                }
            }
            other => {
                return Err(ctx.fail(HttpError::malformed(format!(
                    "unknown multipart field `{other}`, expected one of `file`, `type`, `associate_guid`, `file_name`"
                ))))
            }
        }
    }
    let content = content.ok_or_else(|| {
        ctx.fail(HttpError::malformed(
            "the multipart body has no `file` part",
        ))
    })?;
    if draft.file_name.is_none() {
        draft.file_name = part_file_name.filter(|n| !n.is_empty());
    }
    Ok((draft, content))
}

/// `GET /api/customers/{guid}/documents/{document_guid}/content`: the bytes, with the sniffed
/// media type. Needs the PII scope.
pub async fn content<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Handled {
    let (guid, document) = path(&ctx, ids)?;
    let guid = customer_guid(&ctx, &guid)?;
    let document = document_guid(&ctx, &document)?;
    let stored = match state.queries.document_content(&ctx.0, guid, document).await {
        Ok(stored) => stored,
        Err(error) => return answer::<()>(&ctx, Err(error)),
    };
    let mut response: Response = stored.content.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(stored.content_type.as_str()),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /api/customers/{guid}/documents/{document_guid}/review`.
pub async fn review<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    ids: Result<Path<(String, String)>, PathRejection>,
    JsonBody(draft): JsonBody<ReviewDraft>,
) -> Handled {
    let (guid, document) = path(&ctx, ids)?;
    let customer_guid = customer_guid(&ctx, &guid)?;
    let document_guid = document_guid(&ctx, &document)?;
    Ok(execute(
        &state,
        &ctx,
        Operation::ReviewDocument {
            customer_guid,
            document_guid,
            draft,
        },
    )
    .await)
}
