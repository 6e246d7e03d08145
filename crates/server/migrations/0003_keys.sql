-- Master-key verifier and named, revocable API keys.

-- One row ('master'): the AES-GCM seal of a constant under the store's master key. A process
-- whose key does not open it refuses to start (`unicrm serve`, the CLI) and fails `/health`.
CREATE TABLE IF NOT EXISTS key_verifier (
    id            TEXT PRIMARY KEY,
    verifier      TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- API keys: several named keys per project and environment, only their SHA-256 stored.
-- `expires_ms` is set by a rotation (the old key works until then), `revoked_ms` by a revoke;
-- `last_used_ms` is written at most once a minute per key and process.
CREATE TABLE IF NOT EXISTS api_keys (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects (id),
    environment   TEXT NOT NULL CHECK (environment IN ('live', 'test')),
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    last_used_ms  BIGINT,
    expires_ms    BIGINT,
    revoked_ms    BIGINT
);

CREATE INDEX IF NOT EXISTS api_keys_project ON api_keys (project_id);

-- The keys every project had so far become its keys named 'default'.
INSERT INTO api_keys (id, project_id, environment, name, key_hash, created_at)
SELECT 'key_' || id || '_live', id, 'live', 'default', live_key_hash, created_at FROM projects WHERE true
ON CONFLICT DO NOTHING;
INSERT INTO api_keys (id, project_id, environment, name, key_hash, created_at)
SELECT 'key_' || id || '_test', id, 'test', 'default', test_key_hash, created_at FROM projects WHERE true
ON CONFLICT DO NOTHING;
