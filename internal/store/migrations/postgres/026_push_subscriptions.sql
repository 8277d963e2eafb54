-- Browser Web Push subscriptions (RFC 8030 / 8291): where one browser of a
-- person receives notifications. endpoint is the push service's URL for
-- that browser (a secret of sorts: whoever knows it and the VAPID key can
-- push to it), p256dh and auth its keys (base64url). An endpoint names one
-- browser, so it belongs to one person at a time: whoever subscribes it
-- last. last_success_at is recorded at most about hourly; failures counts
-- failed sends since the last success. A subscription the push service
-- reports gone (404/410) is deleted.
CREATE TABLE push_subscriptions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint        TEXT NOT NULL UNIQUE,
    p256dh          TEXT NOT NULL,
    auth            TEXT NOT NULL,
    label           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    last_success_at BIGINT,
    failures        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);
