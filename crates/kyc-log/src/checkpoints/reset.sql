-- Sets the checkpoint to any position, backwards included: only for an operator's resync or
-- a consumer that found its downstream behind (e.g. a recreated stream).
INSERT INTO checkpoints (name, position)
VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE
    SET position = excluded.position, updated_at = now()
