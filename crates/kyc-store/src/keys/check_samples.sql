-- One wrapped key per key-encryption key id, from customers and from the keyring. The ids are
-- found by walking the partial index (a handful of ids, however many customers).
WITH RECURSIVE ids (kek_id) AS (
    (SELECT kek_id FROM customer_keys WHERE kek_id IS NOT NULL ORDER BY kek_id LIMIT 1)
    UNION ALL
    SELECT (SELECT k.kek_id
              FROM customer_keys k
             WHERE k.kek_id IS NOT NULL AND k.kek_id > ids.kek_id
             ORDER BY k.kek_id
             LIMIT 1)
      FROM ids
     WHERE ids.kek_id IS NOT NULL
)
SELECT sample.kek_id, sample.wrapped_key, sample.customer_guid AS owner, false AS is_keyring
  FROM ids
  CROSS JOIN LATERAL (SELECT k.kek_id, k.wrapped_key, k.customer_guid
                        FROM customer_keys k
                       WHERE k.kek_id = ids.kek_id
                       LIMIT 1) AS sample
 WHERE ids.kek_id IS NOT NULL
UNION ALL
SELECT kek_id, wrapped_key, name, true
  FROM keyring
