-- Moves the checkpoint forward (or keeps it); returns no row if it would move backwards.
INSERT INTO checkpoints (name, position)
VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE
    SET position = excluded.position, updated_at = now()
  WHERE checkpoints.position <= excluded.position
RETURNING position
