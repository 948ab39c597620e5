-- Creates the checkpoint at position 0 the first time a consumer asks for it.
INSERT INTO checkpoints (name, position)
VALUES ($1, 0)
ON CONFLICT (name) DO NOTHING
