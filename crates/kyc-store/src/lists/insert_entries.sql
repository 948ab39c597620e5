-- A version's entries, one array per column. $1 version, $2 entry ids, $3 fingerprints,
-- $4 entries (JSON text).
INSERT INTO screening_list_entries (version, entry_id, fingerprint, entry)
SELECT $1, e.entry_id, e.fingerprint, e.entry::jsonb
  FROM unnest($2::text[], $3::text[], $4::text[]) AS e (entry_id, fingerprint, entry)
