-- Webhooks: endpoints a person registers to receive their events, signed as
-- the Standard Webhooks specification says, and the log of deliveries to
-- them. The secrets are kept as they are (they key the HMAC of every
-- request, so they cannot be hashed); previous_secret signs too until
-- previous_expires_at (a rotation's grace period). events is a
-- comma-separated list of event names (message, bookmark, task, …).
-- failing_since is when the current run of failed attempts began (NULL
-- while the endpoint works); an endpoint failing for WEBHOOK_DISABLE_AFTER
-- is disabled with disabled_reason set.
CREATE TABLE webhook_endpoints (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url                 TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    events              TEXT NOT NULL,
    enabled             INTEGER NOT NULL DEFAULT 1,
    secret              TEXT NOT NULL,
    previous_secret     TEXT,
    previous_expires_at INTEGER,
    failing_since       INTEGER,
    disabled_at         INTEGER,
    disabled_reason     TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id, created_at);

-- One row per event and endpoint: the unique pair is what makes an event
-- delivered once however many times it is offered (several nodes, a
-- repeated job). payload is the exact JSON body that is signed and sent.
-- status: pending, retrying, succeeded, failed.
CREATE TABLE webhook_deliveries (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint_id   TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id      TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    latency_ms    INTEGER,
    response_code INTEGER,
    error         TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (user_id, endpoint_id, created_at);
