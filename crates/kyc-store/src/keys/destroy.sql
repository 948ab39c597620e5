-- Destroys a customer's data key, leaving a tombstone. A customer that never had a key (created
-- before encryption) gets a tombstone too, so its later reads know it was erased.
INSERT INTO customer_keys (customer_guid, bank_guid, kek_id, wrapped_key, destroyed_at)
VALUES ($1, $2, NULL, NULL, now())
ON CONFLICT (customer_guid) DO UPDATE
    SET kek_id = NULL, wrapped_key = NULL, destroyed_at = coalesce(customer_keys.destroyed_at, now())
