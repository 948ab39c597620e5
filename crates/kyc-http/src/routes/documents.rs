//! Documents: reading an upload's multipart form, and downloading the bytes.
//!
//! The bytes' type is decided by content sniffing in the application layer; whatever
//! `Content-Type` a client gives a part is ignored.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use kyc_app::commands::{too_large, MAX_CONTENT_BASE64_LEN};
use kyc_app::ports::CustomerStore;
use kyc_domain::customer::{DocumentDraft, MAX_DOCUMENT_BYTES};

use super::{Handled, PathIds};
use crate::error::HttpError;
use crate::extract::Ctx;
use crate::openapi::{CustomerPathParam, DocumentPathParam};
use crate::state::HttpState;

/// Largest document upload request body: base64 of the largest document plus room for fields.
pub const MAX_UPLOAD_BODY_BYTES: usize = MAX_CONTENT_BASE64_LEN + 64 * 1024;

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
/// and the text parts `type`, `associate_guid`, `file_name`, `issued_on`, `expires_on`.
pub async fn read_multipart<S: CustomerStore>(
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
            "type" | "associate_guid" | "file_name" | "issued_on" | "expires_on" => {
                let text = field.text().await.map_err(|e| multipart_error(ctx, &e))?;
                let slot = match name.as_str() {
                    "type" => &mut draft.kind,
                    "associate_guid" => &mut draft.associate_guid,
                    "issued_on" => &mut draft.issued_on,
                    "expires_on" => &mut draft.expires_on,
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
                    "unknown multipart field `{other}`, expected one of `file`, `type`, `associate_guid`, `file_name`, `issued_on`, `expires_on`"
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
#[utoipa::path(
    get,
    path = "/api/customers/{guid}/documents/{document_guid}/content",
    operation_id = "get_document_content",
    tag = "documents",
    params(CustomerPathParam, DocumentPathParam),
    responses(
        (status = 200, description = "The document's bytes", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
            (Vec<u8> = "image/heic"), (Vec<u8> = "image/tiff"))),
    )
)]
pub async fn content<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    ids: PathIds,
) -> Handled {
    let guid = ids.customer(&ctx)?;
    let document = ids.document(&ctx)?;
    let stored = state
        .queries
        .document_content(&ctx.0, guid, document)
        .await
        .map_err(|error| ctx.fail(error))?;
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
