-- Idempotency records, cross-process leases, and per-account rate windows.
-- Times are Unix milliseconds (BIGINT) so expiry is a plain comparison on both backends.

-- One row per (project, account, Idempotency-Key): inserted first as 'pending' by the request
-- that runs the provider call; every other request with the key waits for it to become 'done'
-- and replays the stored status and body.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    project_id    TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    status        BIGINT,
    body          TEXT,
    owner         TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL,
    PRIMARY KEY (project_id, account_id, idem_key)
);

CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_ms);

-- Named leases (e.g. `refresh:<account>`): held by one process until released or expired.
CREATE TABLE IF NOT EXISTS leases (
    name          TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    expires_ms    BIGINT NOT NULL
);

-- Fixed-window call counters per linked account, shared by every gateway process.
CREATE TABLE IF NOT EXISTS rate_windows (
    account_id    TEXT NOT NULL,
    window_ms     BIGINT NOT NULL,
    calls         BIGINT NOT NULL,
    PRIMARY KEY (account_id, window_ms)
);
