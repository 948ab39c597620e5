//! Writing rows of customers that are not in the tables yet with `COPY … FROM STDIN`: one
//! stream of text rows instead of a dozen column arrays unnested and upserted, which is what a
//! rebuild does for nearly every customer. Only rows that cannot conflict may go this way.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use sqlx::postgres::PgCopyIn;
use sqlx::PgConnection;

use super::ViewRows;
use crate::StoreError;

impl ViewRows {
    /// Inserts the rows with `COPY` (into whichever tables `search_path` resolves). Fails on a
    /// row that exists already: for customers never written before only.
    pub(crate) async fn copy(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let customers = &self.customers;
        if !customers.customer_guid.is_empty() {
            let mut copy = CopyStream::start(conn, include_str!("copy_customers.sql")).await?;
            for i in 0..customers.customer_guid.len() {
                let text = &mut copy.text;
                field(text, &customers.customer_guid[i]);
                field(text, &customers.bank_guid[i]);
                field(text, customers.customer_type[i]);
                field(text, customers.state[i]);
                field(text, &labels_literal(&customers.labels[i]));
                match &customers.external_id[i] {
                    Some(external_id) => field(text, external_id),
                    None => text.push_str("\\N\t"),
                }
                field(text, customers.profile_status[i]);
                timestamp_field(text, customers.created_at[i]);
                timestamp_field(text, customers.updated_at[i]);
                number_field(text, customers.last_sequence[i]);
                number_field(text, customers.last_position[i]);
                field(text, &customers.record[i]);
                match customers.retention_starts_at[i] {
                    Some(at) => timestamp_field(text, at),
                    None => text.push_str("\\N\t"),
                }
                field(text, bool_literal(customers.legal_hold[i]));
                field(text, bool_literal(customers.erased[i]));
                optional_field(text, customers.risk_level[i]);
                match customers.awaiting_second_approval_since[i] {
                    Some(at) => timestamp_field(text, at),
                    None => text.push_str("\\N\t"),
                }
                optional_field(text, customers.first_approver[i].as_deref());
                match customers.next_expiry_on[i] {
                    Some(date) => field(text, &date.format("%Y-%m-%d").to_string()),
                    None => text.push_str("\\N\t"),
                }
                for at in [customers.last_reviewed_at[i], customers.due_since[i]] {
                    match at {
                        Some(at) => timestamp_field(text, at),
                        None => text.push_str("\\N\t"),
                    }
                }
                copy.end_row().await?;
            }
            copy.finish().await?;
        }
        let documents = &self.documents;
        if !documents.document_guid.is_empty() {
            let mut copy = CopyStream::start(conn, include_str!("copy_documents.sql")).await?;
            for i in 0..documents.document_guid.len() {
                let text = &mut copy.text;
                field(text, &documents.document_guid[i]);
                field(text, &documents.customer_guid[i]);
                field(text, &documents.bank_guid[i]);
                field(text, documents.kind[i]);
                field(text, documents.status[i]);
                timestamp_field(text, documents.submitted_at[i]);
                number_field(text, documents.last_position[i]);
                optional_field(text, documents.associate_guid[i].as_deref());
                field(text, bool_literal(documents.awaiting_review[i]));
                match documents.expires_on[i] {
                    Some(date) => field(text, &date.format("%Y-%m-%d").to_string()),
                    None => text.push_str("\\N\t"),
                }
                copy.end_row().await?;
            }
            copy.finish().await?;
        }
        Ok(())
    }
}

/// Bytes of rows gathered before they are sent. Sending as the rows are written keeps one
/// small buffer in use instead of a flush-sized one (tens of MiB) per table, which the
/// allocator would take fresh from the system, and the kernel zero, every time.
const SEND_AT: usize = 256 * 1024;

/// A `COPY … FROM STDIN` in progress, sending its rows in [`SEND_AT`]-sized pieces.
struct CopyStream<'c> {
    copy: PgCopyIn<&'c mut PgConnection>,
    text: String,
}

impl<'c> CopyStream<'c> {
    async fn start(conn: &'c mut PgConnection, statement: &str) -> Result<Self, StoreError> {
        Ok(Self {
            copy: conn.copy_in_raw(statement).await?,
            text: String::with_capacity(SEND_AT + 16 * 1024),
        })
    }

    /// Ends the row just written (its columns each followed by a tab) and sends the rows
    /// gathered once there are enough.
    async fn end_row(&mut self) -> Result<(), StoreError> {
        end_row(&mut self.text);
        if self.text.len() >= SEND_AT {
            self.copy.send(self.text.as_bytes()).await?;
            self.text.clear();
        }
        Ok(())
    }

    /// Sends what is left and completes the `COPY`; the server reports bad rows here.
    async fn finish(mut self) -> Result<(), StoreError> {
        if !self.text.is_empty() {
            self.copy.send(self.text.as_bytes()).await?;
        }
        self.copy.finish().await?;
        Ok(())
    }
}

/// Appends one column in COPY's text format, followed by a tab. Copies runs of ordinary
/// characters whole: records are kilobytes long and rarely hold a character to escape.
fn field(text: &mut String, value: &str) {
    let mut rest = value;
    while let Some(at) = rest.find(['\\', '\n', '\r', '\t']) {
        text.push_str(&rest[..at]);
        text.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            _ => "\\t",
        });
        rest = &rest[at + 1..];
    }
    text.push_str(rest);
    text.push('\t');
}

/// Appends a nullable text column: the value escaped, or `\N` (COPY's NULL).
fn optional_field(text: &mut String, value: Option<&str>) {
    match value {
        Some(value) => field(text, value),
        None => text.push_str("\\N\t"),
    }
}

/// Replaces the last column's tab with the end of the row.
fn end_row(text: &mut String) {
    text.pop();
    text.push('\n');
}

/// A `text[]` literal of the JSON array of labels: every element quoted, `"` and `\` escaped.
fn labels_literal(labels: &Value) -> String {
    let mut literal = String::from("{");
    for (i, label) in labels.as_array().into_iter().flatten().enumerate() {
        if i > 0 {
            literal.push(',');
        }
        literal.push('"');
        for c in label.as_str().unwrap_or_default().chars() {
            if c == '"' || c == '\\' {
                literal.push('\\');
            }
            literal.push(c);
        }
        literal.push('"');
    }
    literal.push('}');
    literal
}

/// A `boolean` in COPY's text format.
fn bool_literal(value: bool) -> &'static str {
    if value {
        "t"
    } else {
        "f"
    }
}

/// RFC 3339 in UTC, truncated to microseconds as the binary encoding of the upserts does
/// (PostgreSQL's text input would round instead).
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Appends a timestamp column (see [`timestamp`]): nothing in it needs escaping.
fn timestamp_field(text: &mut String, at: DateTime<Utc>) {
    text.push_str(&timestamp(at));
    text.push('\t');
}

/// Appends an integer column.
fn number_field(text: &mut String, number: i64) {
    // Writing to a String cannot fail.
    let _ = write!(text, "{number}\t");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_escape_what_copy_treats_specially() {
        let mut text = String::new();
        field(&mut text, "a\\b\tc\nd\re");
        end_row(&mut text);
        assert_eq!(text, "a\\\\b\\tc\\nd\\re\n");
    }

    #[test]
    fn labels_become_quoted_array_elements() {
        let labels = serde_json::json!(["vip", "say \"hi\"", "back\\slash", "a,b"]);
        assert_eq!(
            labels_literal(&labels),
            r#"{"vip","say \"hi\"","back\\slash","a,b"}"#
        );
        assert_eq!(labels_literal(&serde_json::json!([])), "{}");
    }

    #[test]
    fn timestamps_are_truncated_to_microseconds() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T09:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(at), "2026-11-23T09:00:00.123456Z");
    }
}
