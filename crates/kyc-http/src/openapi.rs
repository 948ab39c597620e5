//! The OpenAPI document, generated from the code: the reads from their handlers'
//! `#[utoipa::path]` attributes, every command from its registration, every operator queue
//! from `OperatorQueue::ALL`, every schema from the wire types that parse and render the
//! bodies, and the error answers from one table.

use kyc_app::commands::{visit_commands, BodyFormat, Command, CommandVisitor, Method};
use kyc_app::dto::schema::document_file;
use kyc_app::dto::{
    upload_shapes, AwaitingSecondApprovalDto, CustomerDto, DocumentsExpiringDto,
    DocumentsPendingReviewDto, ReviewsFallingDueDto,
};
use kyc_app::{OperatorQueue, QueueParams};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, OpenApi as Document, PathItem, Ref, RefOr, Required, ResponseBuilder,
};
use utoipa::{IntoParams, OpenApi, PartialSchema, ToSchema};

use crate::error::ErrorBody;
use crate::extract::{MAX_IDEMPOTENCY_KEY_LEN, MAX_REQUEST_ID_LEN};

/// `{guid}`: a customer's id.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // Read by `PathIds`; declared here for the document.
pub struct CustomerPathParam {
    /// The customer's guid: 32 lowercase hex characters.
    #[param(pattern = "^[0-9a-f]{32}$")]
    guid: String,
}

/// `{document_guid}`: a document's id.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // Read by `PathIds`; declared here for the document.
pub struct DocumentPathParam {
    /// The document's guid: 32 lowercase hex characters.
    #[param(pattern = "^[0-9a-f]{32}$")]
    document_guid: String,
}

/// `include_pii`: personal data in the answer.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Read by the `Ctx` extractor; declared here for the document.
pub struct IncludePiiParam {
    /// `true` to include personal data (needs `customers:pii:read`); case-insensitive.
    #[param(pattern = "^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$")]
    include_pii: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kyc",
        description = "Event-sourced KYC/KYB onboarding: Cybrid's customer resource plus the onboarding flow.\n\nEvery path answers a method it does not declare with 405, the JSON error body and an `Allow` header; an unknown path is a 404. Errors have the shape of `ErrorBody`; every answer carries `X-Request-Id`.",
    ),
    paths(
        crate::routes::customers::list,
        crate::routes::customers::get,
        crate::routes::documents::content,
        crate::routes::views::verification_profiles,
        crate::routes::views::events,
        crate::routes::screening::screen,
        crate::routes::ops::healthz,
        crate::routes::ops::readyz,
        crate::routes::ops::metrics,
        crate::routes::ops::openapi,
        crate::routes::ops::docs,
        crate::routes::layer2::create,
        crate::routes::layer2::list,
        crate::routes::layer2::read,
        crate::routes::layer2::change,
        crate::routes::layer2::add_individual,
        crate::routes::layer2::read_individual,
        crate::routes::layer2::change_individual,
        crate::routes::layer2_applications::start,
        crate::routes::layer2_applications::read,
        crate::routes::layer2_applications::status,
        crate::routes::layer2_applications::change,
        crate::routes::layer2_applications::submit,
        crate::routes::layer2_applications::add_individual,
        crate::routes::layer2_applications::change_individual,
        crate::routes::layer2_applications::remove_individual,
        crate::routes::spherepay::create,
        crate::routes::spherepay::list,
        crate::routes::spherepay::read,
        crate::routes::spherepay::change,
        crate::routes::connect::create_individual,
        crate::routes::connect::create_business,
        crate::routes::connect::read,
        crate::routes::connect::list,
        crate::routes::connect::compliance,
        crate::routes::connect::business_compliance,
        crate::routes::connect::add_related_person,
        crate::routes::connect::update_related_person,
    ),
    components(schemas(
        ErrorBody,
        CustomerDto,
        crate::routes::layer2::Layer2Errors,
        crate::routes::spherepay::SpherePayError,
        crate::routes::connect::ConnectError
    )),
    tags(
        (name = "customers", description = "The customer resource and its views"),
        (name = "documents", description = "Identity and business documents"),
        (name = "associates", description = "A business's owners, directors and control persons"),
        (name = "queues", description = "Work waiting for the tenant's operators, oldest first (`customers:review`)"),
        (name = "screening", description = "Sanctions and PEP lists: ad hoc screening (`screening:read`)"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "compat-connectfinancial", description = "Connect Financial's customer resource: `POST /customers/individual` and `/customers/business`, UUID ids, `{traceId, message, data}` answers, the compliance status reads, on the same customers, commands, idempotency (`Idempotency-Key`), scopes and tenants; the key may be sent bare in `Authorization`"),
        (name = "compat-spherepay", description = "SpherePay's customer resource (API v2): its camelCase bodies, alpha-3 countries, `customer_<hex>` ids, verification profiles and `{status, detail, code, correlationId, errors}` answers, on the same customers, commands, idempotency (`Idempotency-Key`), scopes and tenants"),
        (name = "compat-layer2", description = "Layer2 Financial's customer resource (API 1.0.5), a corporation's individuals and the applications flow: its bodies, names, statuses and `{errors: [{description, code}]}` answers, on the same customers, commands, idempotency (`x-l2f-idempotency-id`), request ids (`x-l2f-request-id`), scopes and tenants"),
    )
)]
struct Reads;

/// The whole API's document.
pub fn document() -> Document {
    let mut doc = Reads::openapi();
    let mut commands = CommandEntries { doc: &mut doc };
    visit_commands(&mut commands);
    for queue in OperatorQueue::ALL {
        add_queue(&mut doc, queue);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    for (path, item) in &mut doc.paths.paths {
        for (method, operation) in operations(item) {
            add_parameter(operation, request_id_header());
            if path.starts_with("/compat/layer2/") {
                add_parameter(operation, layer2_request_id_header());
                if method != HttpMethod::Get {
                    add_parameter(
                        operation,
                        header(
                            "x-l2f-idempotency-id",
                            "Layer2's idempotency key: as `Idempotency-Key` (1–255 printable \
                             ASCII characters, else 400)",
                            &format!("^[ -~]{{1,{MAX_IDEMPOTENCY_KEY_LEN}}}$"),
                            MAX_IDEMPOTENCY_KEY_LEN,
                        ),
                    );
                }
                add_compat_error_responses(operation, path, &method, "Layer2Errors", "400");
            } else if path.starts_with("/compat/connectfinancial/") {
                if method != HttpMethod::Get {
                    add_parameter(operation, idempotency_key_header());
                }
                add_compat_error_responses(operation, path, &method, "ConnectError", "400");
            } else if path.starts_with("/compat/spherepay/") {
                if method != HttpMethod::Get {
                    add_parameter(operation, idempotency_key_header());
                }
                add_compat_error_responses(operation, path, &method, "SpherePayError", "422");
            } else if path.starts_with("/api/") {
                // Every /api route reads `include_pii` (the `Ctx` extractor).
                for parameter in IncludePiiParam::into_params(|| None) {
                    add_parameter(operation, parameter);
                }
                add_error_responses(operation, path, &method);
            } else {
                // Operational routes need no token; a malformed X-Request-Id is their only
                // refusal.
                operation.security = Some(vec![SecurityRequirement::default()]);
                add_responses(
                    operation,
                    &[(
                        "400",
                        "Malformed request: the `X-Request-Id` header is not 1–128 of \
                         `A–Z a–z 0–9 . _ : -`",
                    )],
                );
            }
        }
    }
    doc
}

/// Adds `parameter` unless the operation already declares one of that name and place.
fn add_parameter(
    operation: &mut utoipa::openapi::path::Operation,
    parameter: utoipa::openapi::path::Parameter,
) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if !parameters
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name == parameter.name && p.parameter_in == parameter.parameter_in))
    {
        parameters.push(RefOr::T(parameter));
    }
}

/// `X-Request-Id`, on every route.
fn request_id_header() -> utoipa::openapi::path::Parameter {
    header(
        "X-Request-Id",
        "Echoed on the answer and stored on the events; generated when absent. Anything but \
         1–128 of `A–Z a–z 0–9 . _ : -` is refused (400)",
        &format!("^[A-Za-z0-9._:-]{{1,{MAX_REQUEST_ID_LEN}}}$"),
        MAX_REQUEST_ID_LEN,
    )
}

/// `Idempotency-Key`, on every write.
fn idempotency_key_header() -> utoipa::openapi::path::Parameter {
    header(
        "Idempotency-Key",
        "1–255 printable ASCII characters (else 400). Repeats of the same request under \
         this key replay the first answer; another request under it is refused (422)",
        &format!("^[ -~]{{1,{MAX_IDEMPOTENCY_KEY_LEN}}}$"),
        MAX_IDEMPOTENCY_KEY_LEN,
    )
}

/// `x-l2f-request-id`, on Layer2's routes: as `X-Request-Id`, which wins when both are given.
fn layer2_request_id_header() -> utoipa::openapi::path::Parameter {
    header(
        "x-l2f-request-id",
        "Layer2's request id: used as `X-Request-Id` when that is absent, and echoed. Anything \
         but 1–128 of `A–Z a–z 0–9 . _ : -` is refused (400)",
        &format!("^[A-Za-z0-9._:-]{{1,{MAX_REQUEST_ID_LEN}}}$"),
        MAX_REQUEST_ID_LEN,
    )
}

/// The error answers of another vendor's operation, in its error shape (`schema`); invalid
/// fields are answered with `invalid` (Layer2 declares no 422, SpherePay does).
fn add_compat_error_responses(
    operation: &mut utoipa::openapi::path::Operation,
    path: &str,
    method: &HttpMethod,
    schema: &str,
    invalid: &str,
) {
    let mut answers = vec![
        (
            "400",
            "Malformed: a header, a parameter or an unreadable body (for Layer2, invalid fields \
             too, each named as Layer2 names it)",
        ),
        (
            "401",
            "No valid token (for Connect Financial: no key at all; a key not valid is 403)",
        ),
        (
            "403",
            "The token lacks the scope (for Connect Financial also: the key is not valid)",
        ),
        (
            "503",
            "A dependency is down; retry after `Retry-After` seconds",
        ),
    ];
    if path.contains('{') {
        answers.push(("404", "No customer with this id in the tenant"));
    }
    if *method != HttpMethod::Get {
        answers.extend([
            (
                "409",
                "The id is taken, the customer's state forbids the change, or a concurrent \
                 change won",
            ),
            ("413", "The body is too large"),
        ]);
    }
    if invalid != "400" {
        answers.push((
            invalid,
            "Invalid fields or filters, each named as the vendor names it",
        ));
    }
    for (status, description) in answers {
        if !operation.responses.responses.contains_key(status) {
            let response = ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(schema)))
                        .build(),
                )
                .build();
            operation
                .responses
                .responses
                .insert(status.to_owned(), RefOr::T(response));
        }
    }
}

/// The operations of a path item, with their methods.
fn operations(item: &mut PathItem) -> Vec<(HttpMethod, &mut utoipa::openapi::path::Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|operation| (method, operation)))
    .collect()
}

/// The error answers an `/api` operation can give: every route may find its input malformed,
/// its caller unauthenticated or without a scope, and the database down; routes with ids may
/// find nothing; writes may conflict, be too large or invalid.
fn add_error_responses(
    operation: &mut utoipa::openapi::path::Operation,
    path: &str,
    method: &HttpMethod,
) {
    let mut answers = vec![
        (
            "400",
            "Malformed request: unreadable body, header (`X-Request-Id`, `Idempotency-Key`) or \
             parameter (`include_pii`)",
        ),
        ("401", "No valid bearer token"),
        ("403", "The token lacks the scope"),
        (
            "503",
            "A dependency is down; retry after `Retry-After` seconds",
        ),
    ];
    if path.contains('{') {
        answers.push((
            "404",
            "No such customer, document or associate for this tenant (a malformed id too)",
        ));
    }
    if *method != HttpMethod::Get {
        answers.extend([
            (
                "409",
                "The customer's state or type forbids it (or, for erasure, a retention period or legal \
                 hold: `retention_until` names the end), or a concurrent change won",
            ),
            ("413", "The body or document is too large"),
            (
                "422",
                "A field is invalid (`errors` names each), or the `Idempotency-Key` was used \
                 for another request",
            ),
        ]);
    } else if path == "/api/customers" {
        answers.push(("422", "A filter is invalid"));
    } else if path.starts_with("/api/queues/") {
        answers.push(("422", "`per_page` is not between 1 and 100"));
    }
    add_responses(operation, &answers);
}

/// Adds each error answer the operation does not list yet.
fn add_responses(operation: &mut utoipa::openapi::path::Operation, answers: &[(&str, &str)]) {
    for (status, description) in answers {
        if !operation.responses.responses.contains_key(*status) {
            operation
                .responses
                .responses
                .insert((*status).to_owned(), RefOr::T(error_response(description)));
        }
    }
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                .build(),
        )
        .build()
}

/// Adds `T`'s schema, and those it refers to, to the document's components.
fn add_schemas<T: ToSchema>(doc: &mut Document) -> Ref {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut schemas = Vec::new();
    T::schemas(&mut schemas);
    schemas.push((T::name().into_owned(), T::schema()));
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    Ref::from_schema_name(T::name())
}

/// Adds a queue's `GET` operation: its paging parameters and its page's schema.
fn add_queue(doc: &mut Document, queue: OperatorQueue) {
    let page = match queue {
        OperatorQueue::DocumentsPendingReview => add_schemas::<DocumentsPendingReviewDto>(doc),
        OperatorQueue::AwaitingSecondApproval => add_schemas::<AwaitingSecondApprovalDto>(doc),
        OperatorQueue::ReviewsFallingDue => add_schemas::<ReviewsFallingDueDto>(doc),
        OperatorQueue::DocumentsExpiring => add_schemas::<DocumentsExpiringDto>(doc),
    };
    let mut operation = OperationBuilder::new()
        .operation_id(Some(queue.as_str()))
        .summary(Some(queue.summary()))
        .description(Some(
            "One page of the caller's tenant's queue, with the total of all pages. Needs \
             `customers:review`; shows no personal data.",
        ))
        .tag("queues");
    // `within_days` is documented only where it is accepted.
    for parameter in QueueParams::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .filter(|parameter| queue.takes_window() || parameter.name != "within_days")
    {
        operation = operation.parameter(parameter);
    }
    operation = operation.response(
        "200",
        ResponseBuilder::new().description(queue.summary()).content(
            "application/json",
            ContentBuilder::new().schema(Some(page)).build(),
        ),
    );
    doc.paths
        .add_path_operation(queue.path(), vec![HttpMethod::Get], operation.build());
}

/// Adds each visited command's operation, request body and schemas.
struct CommandEntries<'a> {
    doc: &'a mut Document,
}

impl CommandVisitor for CommandEntries<'_> {
    fn visit<C: Command>(&mut self) {
        let spec = C::SPEC;
        let components = self.doc.components.get_or_insert_with(Default::default);
        let mut schemas = Vec::new();
        <C::Body as ToSchema>::schemas(&mut schemas);
        schemas.push((C::Body::name().into_owned(), C::Body::schema()));
        for (name, schema) in schemas {
            components.schemas.entry(name).or_insert(schema);
        }
        let body_ref = Ref::from_schema_name(C::Body::name());
        let mut operation = OperationBuilder::new()
            .operation_id(Some(spec.name))
            .summary(Some(spec.summary))
            .tag(tag(spec.path));
        for parameter in path_parameters(spec.path) {
            operation = operation.parameter(parameter);
        }
        operation = operation.parameter(idempotency_key_header());
        let json_body = ContentBuilder::new().schema(Some(body_ref)).build();
        // A body that may be left out (read as `{}`) is optional only when `{}` is valid.
        let (body_needed, body_has_fields) = match C::Body::schema() {
            RefOr::T(Schema::Object(object)) => {
                (!object.required.is_empty(), !object.properties.is_empty())
            }
            _ => (true, true),
        };
        let request_body = match spec.body {
            // A command without data takes no body; an empty JSON object is tolerated.
            BodyFormat::Empty => None,
            BodyFormat::OptionalJson if !body_has_fields => None,
            BodyFormat::Json => Some(
                RequestBodyBuilder::new()
                    .content("application/json", json_body)
                    .required(Some(Required::True))
                    .build(),
            ),
            BodyFormat::OptionalJson if body_needed => Some(
                RequestBodyBuilder::new()
                    .description(Some("No body reads as `{}`, which lacks required fields"))
                    .content("application/json", json_body)
                    .required(Some(Required::True))
                    .build(),
            ),
            BodyFormat::OptionalJson => Some(
                RequestBodyBuilder::new()
                    .description(Some("Optional: no body reads as `{}`"))
                    .content("application/json", json_body)
                    .required(Some(Required::False))
                    .build(),
            ),
            BodyFormat::Upload => Some(
                RequestBodyBuilder::new()
                    .content("application/json", json_body)
                    .content("multipart/form-data", upload_form())
                    .required(Some(Required::True))
                    .build(),
            ),
        };
        operation = operation.request_body(request_body);
        let (status, description) = if spec.creates {
            ("201", "Done; the customer as it now is")
        } else {
            ("200", "Done; the customer as it now is")
        };
        operation = operation.response(
            status,
            ResponseBuilder::new().description(description).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(CustomerDto::name())))
                    .build(),
            ),
        );
        let method = match spec.method {
            Method::Post => HttpMethod::Post,
            Method::Patch => HttpMethod::Patch,
            Method::Delete => HttpMethod::Delete,
        };
        self.doc
            .paths
            .add_path_operation(spec.path, vec![method], operation.build());
    }
}

/// The tag of a route, from its path.
fn tag(path: &str) -> &'static str {
    if path.contains("/documents") {
        "documents"
    } else if path.contains("/associates") {
        "associates"
    } else {
        "customers"
    }
}

fn guid_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9a-f]{32}$"))
        .into()
}

/// The path parameters of a route template.
fn path_parameters(path: &str) -> Vec<utoipa::openapi::path::Parameter> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let (description, schema) = if name == "match_id" {
                (
                    "A potential screening match's id, as the customer's profile names it",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(64))
                        .pattern(Some("^[A-Za-z0-9_-]{1,64}$"))
                        .into(),
                )
            } else {
                ("A guid: 32 lowercase hex characters", guid_schema())
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(schema))
                .build()
        })
        .collect()
}

fn header(
    name: &str,
    description: &str,
    pattern: &str,
    max_length: usize,
) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(max_length))
                .pattern(Some(pattern)),
        ))
        .build()
}

/// The multipart form of an upload: the `file` part plus the JSON body's descriptive fields
/// (a form has no `null`: a part is given or not).
fn upload_form() -> utoipa::openapi::Content {
    let form = upload_shapes(false, &[("file", document_file().into())], &["file"]);
    ContentBuilder::new().schema(Some(form)).build()
}
