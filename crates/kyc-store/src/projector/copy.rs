//! Writing rows of customers that are not in the tables yet with `COPY … FROM STDIN`: one
//! stream of text rows instead of a dozen column arrays unnested and upserted, which is what a
//! rebuild does for nearly every customer. Only rows that cannot conflict may go this way.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use super::ViewRows;
use crate::StoreError;

impl ViewRows {
    /// Inserts the rows with `COPY` (into whichever tables `search_path` resolves). Fails on a
    /// row that exists already: for customers never written before only.
    pub(crate) async fn copy(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let customers = &self.customers;
        if !customers.customer_guid.is_empty() {
            let mut text = String::with_capacity(customers.customer_guid.len() * 2_560);
            for i in 0..customers.customer_guid.len() {
                field(&mut text, &customers.customer_guid[i]);
                field(&mut text, &customers.bank_guid[i]);
                field(&mut text, customers.customer_type[i]);
                field(&mut text, customers.state[i]);
                field(&mut text, &labels_literal(&customers.labels[i]));
                match &customers.external_id[i] {
                    Some(external_id) => field(&mut text, external_id),
                    None => text.push_str("\\N\t"),
                }
                field(&mut text, customers.profile_status[i]);
                field(&mut text, &timestamp(customers.created_at[i]));
                field(&mut text, &timestamp(customers.updated_at[i]));
                field(&mut text, &customers.last_sequence[i].to_string());
                field(&mut text, &customers.last_position[i].to_string());
                field(&mut text, &customers.record[i]);
                end_row(&mut text);
            }
            copy_in(conn, include_str!("copy_customers.sql"), text).await?;
        }
        let documents = &self.documents;
        if !documents.document_guid.is_empty() {
            let mut text = String::with_capacity(documents.document_guid.len() * 160);
            for i in 0..documents.document_guid.len() {
                field(&mut text, &documents.document_guid[i]);
                field(&mut text, &documents.customer_guid[i]);
                field(&mut text, &documents.bank_guid[i]);
                field(&mut text, documents.kind[i]);
                field(&mut text, documents.status[i]);
                field(&mut text, &timestamp(documents.submitted_at[i]));
                field(&mut text, &documents.last_position[i].to_string());
                end_row(&mut text);
            }
            copy_in(conn, include_str!("copy_documents.sql"), text).await?;
        }
        Ok(())
    }
}

async fn copy_in(conn: &mut PgConnection, statement: &str, text: String) -> Result<(), StoreError> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(text.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
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

/// RFC 3339 in UTC, truncated to microseconds as the binary encoding of the upserts does
/// (PostgreSQL's text input would round instead).
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
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
