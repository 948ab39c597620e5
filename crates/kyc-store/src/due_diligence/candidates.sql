-- Customers something may have fallen due for (migrations/0016): a document in force whose
-- expiry date is before $1 (today; valid through the date), a verified customer last reviewed by $2, or due since $3; after the cursor $4, by guid.
-- Each branch has its own partial index; the scheduler re-checks every candidate in the domain.
SELECT customer_guid, bank_guid
  FROM customer_views
 WHERE NOT erased
   AND (next_expiry_on < $1 OR last_reviewed_at <= $2 OR due_since <= $3)
   AND ($4::text IS NULL OR customer_guid > $4)
 ORDER BY customer_guid
 LIMIT $5
