//! The query service: single customers are folded from their events (always current, and
//! exact for any past instant; a current read may start from the store's snapshot, which the
//! store only uses when it agrees with the log); lists and operator queues come from the
//! projection.

use std::sync::Arc;

use kyc_domain::customer::IdentityValue;
use kyc_domain::ids::{CustomerGuid, DocumentGuid, ExternalId};
use kyc_domain::values::{FieldError, ShortText, ValidationCode, ValidationErrors};
use kyc_domain::{Customer, CustomerRecord, CustomerState, CustomerType};

use crate::context::RequestContext;
use crate::dto::{
    audit_trail, AuditTrailDto, CustomerDto, CustomerListDto, QueueDto, VerificationProfileDto,
    VerificationProfilesDto,
};
use crate::error::AppError;
use crate::operator_queues::{DueWindow, OperatorQueue, QueueQuery, ReviewPeriods};
use crate::ports::{CustomerStore, CustomerTransaction, Cut, ListQuery, StoredDocument};
use crate::principal::Scope;
use crate::tenant::TenantPolicies;

/// Largest page of a customer list or an operator queue.
pub const MAX_PER_PAGE: u32 = 100;
/// Page size when none is given.
pub const DEFAULT_PER_PAGE: u32 = 10;
/// The window of the falling-due queues when none is given, in days.
pub const DEFAULT_WITHIN_DAYS: u32 = 30;
/// The widest window of the falling-due queues, in days (a year and a day: every yearly review
/// and every document expiring within a year fits).
pub const MAX_WITHIN_DAYS: u32 = 366;

/// List parameters as a caller sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Zero-based page.
    #[param(schema_with = page_schema)]
    pub page: Option<u32>,
    /// Page size, 1–100 (default 10, `DEFAULT_PER_PAGE`).
    #[param(schema_with = per_page_schema)]
    pub per_page: Option<u32>,
    /// `individual` or `business`.
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = customer_type_schema)]
    pub customer_type: Option<String>,
    /// A lifecycle state.
    #[param(schema_with = customer_state_schema)]
    pub state: Option<String>,
    /// A label (at most 64 characters once trimmed, no control characters).
    #[param(schema_with = label_schema)]
    pub label: Option<String>,
    /// Customers with this email address (case aside). Needs `customers:pii:read` (else 403);
    /// matched through a keyed digest, never the stored address.
    #[param(schema_with = email_schema)]
    pub email_address: Option<String>,
    /// Customers with this E.164 phone number. Needs `customers:pii:read` (else 403).
    #[param(schema_with = phone_schema)]
    pub phone_number: Option<String>,
    /// Customers with this tax or identification number, given with its type and country
    /// (`ssn:US:123-45-6789`; spaces, dashes and dots inside the number and the case do not
    /// matter). Needs `customers:pii:read` (else 403).
    #[param(schema_with = typed_number_schema)]
    pub identification_number: Option<String>,
}

/// Paging of an operator queue as a caller sends it: the customer list's `page` and
/// `per_page`, under the same rules, and the window of the queues of things falling due.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// Zero-based page.
    #[param(schema_with = page_schema)]
    pub page: Option<u32>,
    /// Page size, 1–100 (default 10, `DEFAULT_PER_PAGE`).
    #[param(schema_with = per_page_schema)]
    pub per_page: Option<u32>,
    /// `reviews_falling_due` and `documents_expiring` only: what falls due within this many
    /// days from now, 1–366 (default 30); overdue entries are always included. Refused on
    /// the other queues.
    #[param(schema_with = within_days_schema)]
    pub within_days: Option<u32>,
}

fn within_days_schema() -> utoipa::openapi::schema::ObjectBuilder {
    page_schema()
        .minimum(Some(1))
        .maximum(Some(MAX_WITHIN_DAYS))
}

fn email_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::email_address(false)
}

fn phone_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::phone_number(false)
}

fn typed_number_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::typed_number()
}

fn page_schema() -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(0))
        .maximum(Some(u32::MAX))
}

fn per_page_schema() -> utoipa::openapi::schema::ObjectBuilder {
    page_schema().minimum(Some(1)).maximum(Some(MAX_PER_PAGE))
}

fn customer_type_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::schema::one_of_values(CustomerType::ALL.iter().map(|v| v.as_str()), false)
}

fn customer_state_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::schema::one_of_values(CustomerState::ALL.iter().map(|v| v.as_str()), false)
}

fn label_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::dto::schema::text(ShortText::MAX_LENGTH, false)
}

/// Answers reads.
pub struct QueryService<S> {
    store: Arc<S>,
    policies: Arc<TenantPolicies>,
    lists: crate::screening::ScreeningLists,
}

impl<S> Clone for QueryService<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            policies: Arc::clone(&self.policies),
            lists: self.lists.clone(),
        }
    }
}

impl<S: CustomerStore> QueryService<S> {
    /// A service over `store`, with the default tenant policy (see [`Self::with_tenant_policies`]).
    pub fn new(store: Arc<S>) -> Self {
        Self {
            store,
            policies: Arc::default(),
            lists: crate::screening::ScreeningLists::default(),
        }
    }

    /// The same service under `policies`, which `retention_until` is computed with.
    #[must_use]
    pub fn with_tenant_policies(mut self, policies: TenantPolicies) -> Self {
        self.policies = Arc::new(policies);
        self
    }

    fn render(&self, ctx: &RequestContext, record: &CustomerRecord) -> CustomerDto {
        let retention = self.policies.policy(record.bank_guid).retention;
        CustomerDto::new(record, ctx.include_pii()).with_retention(record, retention)
    }

    /// The customer's record, optionally as it was at `cut`.
    async fn record(
        &self,
        ctx: &RequestContext,
        guid: CustomerGuid,
        cut: Option<Cut>,
    ) -> Result<CustomerRecord, AppError> {
        require(ctx, Scope::CustomersRead)?;
        let record = match cut {
            // Now: the store may start from its snapshot instead of the first event.
            None => self
                .store
                .load_current(guid)
                .await?
                .customer
                .record()
                .cloned(),
            // A past instant must be exact, so it is always folded from the events up to it.
            Some(cut) => {
                let events = self.store.load(guid, Some(cut)).await?;
                let past = Customer::from_events(events.iter().map(|r| &r.event));
                let erased_since = if events.is_empty() {
                    None
                } else {
                    self.store
                        .load_current(guid)
                        .await?
                        .customer
                        .record()
                        .and_then(|now| now.erased_at)
                };
                past.record().map(|record| match erased_since {
                    // A past state of a customer erased since: its personal fields are gone
                    // (the store reads them as absent), and the answer says so.
                    Some(erased_at) => CustomerRecord {
                        erased_at: Some(erased_at),
                        ..record.without_personal_data()
                    },
                    None => record.clone(),
                })
            }
        };
        match record {
            Some(record) if record.bank_guid == ctx.principal.bank_guid() => Ok(record),
            _ => Err(AppError::NotFound),
        }
    }

    /// One customer, now or as it was at `cut`.
    pub async fn customer(
        &self,
        ctx: &RequestContext,
        guid: CustomerGuid,
        cut: Option<Cut>,
    ) -> Result<CustomerDto, AppError> {
        let record = self.record(ctx, guid, cut).await?;
        Ok(self.render(ctx, &record))
    }

    /// The tenant's customer holding the caller's own id `external_id` (Layer2 names customers
    /// by the id its client chose). A malformed id names nobody: not found, like a missing one.
    pub async fn customer_guid_by_external_id(
        &self,
        ctx: &RequestContext,
        external_id: &str,
    ) -> Result<CustomerGuid, AppError> {
        require(ctx, Scope::CustomersRead)?;
        let external_id = ExternalId::parse(external_id).map_err(|_| AppError::NotFound)?;
        // The reservation table is written in the command's own transaction, so unlike the
        // views it is never behind; the transaction only reads and is rolled back.
        let mut transaction = self.store.begin().await?;
        let owner = transaction
            .external_id_owner(ctx.principal.bank_guid(), &external_id)
            .await?;
        drop(transaction);
        owner.ok_or(AppError::NotFound)
    }

    /// The customer's verification profiles.
    pub async fn verification_profiles(
        &self,
        ctx: &RequestContext,
        guid: CustomerGuid,
    ) -> Result<VerificationProfilesDto, AppError> {
        let record = self.record(ctx, guid, None).await?;
        Ok(VerificationProfilesDto {
            verification_profiles: vec![VerificationProfileDto::from(
                &record.verification_profile(),
            )],
        })
    }

    /// The customer's audit trail.
    pub async fn audit_trail(
        &self,
        ctx: &RequestContext,
        guid: CustomerGuid,
    ) -> Result<AuditTrailDto, AppError> {
        require(ctx, Scope::CustomersRead)?;
        let events = self.store.load(guid, None).await?;
        let owner = events.first().and_then(|first| match &first.event {
            kyc_domain::CustomerEvent::CustomerCreated { bank_guid, .. } => Some(*bank_guid),
            _ => None,
        });
        if owner != Some(ctx.principal.bank_guid()) {
            return Err(AppError::NotFound);
        }
        Ok(AuditTrailDto {
            customer_guid: guid.to_string(),
            events: audit_trail(&events),
        })
    }

    /// A page of the tenant's customers, newest first.
    pub async fn list(
        &self,
        ctx: &RequestContext,
        params: &ListParams,
    ) -> Result<CustomerListDto, AppError> {
        self.list_in_states(ctx, params, &[]).await
    }

    /// A page of the tenant's customers in any of `states` (with `params.state` unset), newest
    /// first: another vendor's status can stand for several of ours.
    pub async fn list_in_states(
        &self,
        ctx: &RequestContext,
        params: &ListParams,
        states: &[CustomerState],
    ) -> Result<CustomerListDto, AppError> {
        self.list_window(ctx, params, states, None).await
    }

    /// A page of the tenant's customers whose verification profile stands in any of
    /// `statuses`, newest first (SpherePay lists by the profile's status).
    pub async fn list_in_profile_statuses(
        &self,
        ctx: &RequestContext,
        params: &ListParams,
        statuses: &[kyc_domain::customer::ProfileStatus],
    ) -> Result<CustomerListDto, AppError> {
        self.list_refined(ctx, params, |query| {
            query.profile_statuses.extend_from_slice(statuses);
        })
        .await
    }

    /// [`Self::list_in_states`] from row `offset` rather than from the page's first row.
    pub async fn list_window(
        &self,
        ctx: &RequestContext,
        params: &ListParams,
        states: &[CustomerState],
        offset: Option<u64>,
    ) -> Result<CustomerListDto, AppError> {
        self.list_refined(ctx, params, |query| {
            query.states.extend_from_slice(states);
            query.offset = offset;
        })
        .await
    }

    /// A page of the tenant's customers by `params`, the query refined by `refine`.
    async fn list_refined(
        &self,
        ctx: &RequestContext,
        params: &ListParams,
        refine: impl FnOnce(&mut ListQuery),
    ) -> Result<CustomerListDto, AppError> {
        require(ctx, Scope::CustomersRead)?;
        let mut query = list_query(ctx, params)?;
        refine(&mut query);
        let page = self.store.list(&query).await?;
        Ok(CustomerListDto {
            total: page.total,
            page: query.page,
            per_page: query.per_page,
            objects: page
                .items
                .iter()
                .map(|record| self.render(ctx, record))
                .collect(),
        })
    }

    /// The same service screening against `lists` (see [`Self::screen`]).
    #[must_use]
    pub fn with_screening_lists(mut self, lists: crate::screening::ScreeningLists) -> Self {
        self.lists = lists;
        self
    }

    /// Screens a person or organisation against the lists the caller's tenant screens
    /// against, ad hoc (`screening:read`): every candidate from the tenant's threshold's
    /// near misses up, best first, each with its score and explanation. Nothing is stored.
    pub fn screen(
        &self,
        ctx: &RequestContext,
        request: &crate::dto::ScreeningRequest,
    ) -> Result<crate::dto::ScreeningDto, AppError> {
        require(ctx, Scope::ScreeningRead)?;
        let subject = crate::screening::subject_of_request(request, ctx.received_at.date_naive())
            .map_err(AppError::Invalid)?;
        let policy = self.policies.policy(ctx.principal.bank_guid()).screening;
        let snapshot = self.lists.current();
        let candidates = snapshot
            .candidates(&subject, &policy)
            .iter()
            .map(crate::screening::candidate_dto)
            .collect();
        Ok(crate::dto::ScreeningDto {
            threshold: policy.threshold(),
            list_versions: snapshot
                .versions()
                .iter()
                .filter(|v| policy.covers(&v.list))
                .map(|v| crate::dto::ListVersionDto {
                    list: v.list.clone(),
                    version: v.version,
                })
                .collect(),
            candidates,
        })
    }

    /// A page of an operator queue of the caller's tenant, oldest first. Queues are work for
    /// reviewers, so they need `customers:review`; they show no personal data, so
    /// `include_pii` changes nothing.
    pub async fn queue(
        &self,
        ctx: &RequestContext,
        queue: OperatorQueue,
        params: &QueueParams,
    ) -> Result<QueueDto, AppError> {
        require(ctx, Scope::CustomersReview)?;
        let mut errors = ValidationErrors::new();
        let (page, per_page) = paging(params.page, params.per_page, &mut errors);
        let within_days = within_days(queue, params.within_days, &mut errors);
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let bank_guid = ctx.principal.bank_guid();
        let policy = self.policies.policy(bank_guid);
        let query = QueueQuery {
            bank_guid,
            queue,
            page,
            per_page,
            window: DueWindow {
                until: ctx.received_at + chrono::Duration::days(i64::from(within_days)),
                review_periods: ReviewPeriods::of(&policy.risk),
            },
        };
        let found = self.store.queue(&query).await?;
        Ok(QueueDto::new(&query, within_days, &found))
    }

    /// A document's bytes: personal data, so the PII scope is required.
    pub async fn document_content(
        &self,
        ctx: &RequestContext,
        guid: CustomerGuid,
        document_guid: DocumentGuid,
    ) -> Result<StoredDocument, AppError> {
        require(ctx, Scope::CustomersPiiRead)?;
        let record = self.record(ctx, guid, None).await?;
        if !record.documents.contains_key(&document_guid) {
            return Err(kyc_domain::CustomerError::UnknownDocument(document_guid).into());
        }
        self.store
            .document_content(ctx.principal.bank_guid(), document_guid)
            .await?
            .ok_or(kyc_domain::CustomerError::UnknownDocument(document_guid).into())
    }

    /// True when the store answers.
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }
}

fn require(ctx: &RequestContext, scope: Scope) -> Result<(), AppError> {
    if ctx.principal.has(scope) {
        Ok(())
    } else {
        Err(AppError::Forbidden(scope))
    }
}

/// The identity filters of a list: personal data, so only with the PII scope; a malformed one
/// is a 400 naming its parameter (the value is never echoed).
type IdentityFilters = (
    Option<IdentityValue>,
    Option<IdentityValue>,
    Option<IdentityValue>,
);

fn identity_filters(
    ctx: &RequestContext,
    params: &ListParams,
) -> Result<IdentityFilters, AppError> {
    let given = [
        params.email_address.is_some(),
        params.phone_number.is_some(),
        params.identification_number.is_some(),
    ];
    if given.contains(&true) {
        require(ctx, Scope::CustomersPiiRead)?;
    }
    let parse = |name: &str,
                 raw: Option<&str>,
                 parse: fn(&str) -> Result<IdentityValue, ValidationErrors>|
     -> Result<Option<IdentityValue>, AppError> {
        raw.map(|raw| {
            parse(raw).map_err(|errors| {
                let reason = errors
                    .errors()
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                AppError::Malformed(format!("query parameter {name} {reason}"))
            })
        })
        .transpose()
    };
    Ok((
        parse(
            "email_address",
            params.email_address.as_deref(),
            IdentityValue::parse_email,
        )?,
        parse(
            "phone_number",
            params.phone_number.as_deref(),
            IdentityValue::parse_phone,
        )?,
        parse(
            "identification_number",
            params.identification_number.as_deref(),
            IdentityValue::parse_number,
        )?,
    ))
}

/// The page (default 0) and page size (default [`DEFAULT_PER_PAGE`]) of a paged read; a size
/// outside 1–[`MAX_PER_PAGE`] is an error naming `per_page`. (A page that is not a number
/// never gets here: reading the parameters refuses it, naming it.)
fn paging(page: Option<u32>, per_page: Option<u32>, errors: &mut ValidationErrors) -> (u32, u32) {
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    if per_page == 0 || per_page > MAX_PER_PAGE {
        errors.push(FieldError::new(
            "per_page",
            ValidationCode::OutOfRange,
            format!("must be between 1 and {MAX_PER_PAGE}"),
        ));
    }
    (page.unwrap_or(0), per_page)
}

/// The window of a falling-due queue, in days; a window given to another queue is refused
/// (it would silently change nothing).
fn within_days(queue: OperatorQueue, raw: Option<u32>, errors: &mut ValidationErrors) -> u32 {
    match raw {
        Some(_) if !queue.takes_window() => {
            errors.push(FieldError::new(
                "within_days",
                ValidationCode::NotAllowed,
                "only reviews_falling_due and documents_expiring take a window",
            ));
            DEFAULT_WITHIN_DAYS
        }
        Some(days) if days == 0 || days > MAX_WITHIN_DAYS => {
            errors.push(FieldError::new(
                "within_days",
                ValidationCode::OutOfRange,
                format!("must be between 1 and {MAX_WITHIN_DAYS}"),
            ));
            days
        }
        Some(days) => days,
        None => DEFAULT_WITHIN_DAYS,
    }
}

fn list_query(ctx: &RequestContext, params: &ListParams) -> Result<ListQuery, AppError> {
    let (email_address, phone_number, identification_number) = identity_filters(ctx, params)?;
    let mut errors = ValidationErrors::new();
    let (page, per_page) = paging(params.page, params.per_page, &mut errors);
    let customer_type = params
        .customer_type
        .as_deref()
        .and_then(|raw| errors.collect("type", CustomerType::parse(raw)));
    let state = params
        .state
        .as_deref()
        .and_then(|raw| errors.collect("state", CustomerState::parse(raw)));
    // A label is stored only as a valid short text, so a filter that is not one can match
    // nothing; it is refused rather than sent to the store, where PostgreSQL would reject a
    // NUL byte with an internal error.
    let label = params
        .label
        .as_deref()
        .and_then(|raw| errors.collect("label", ShortText::parse(raw)));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(ListQuery {
        bank_guid: ctx.principal.bank_guid(),
        page,
        per_page,
        offset: None,
        customer_type,
        states: state.into_iter().collect(),
        profile_statuses: Vec::new(),
        label: label.map(String::from),
        email_address,
        phone_number,
        identification_number,
    })
}
