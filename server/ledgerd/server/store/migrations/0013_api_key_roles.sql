-- API keys get a role, optional ledger scopes, an optional expiry and the time they were last used
-- (docs/security.md). Keys made before this migration keep doing everything: they become admins of
-- every ledger of their organization.
ALTER TABLE api_keys
    ADD COLUMN role          text NOT NULL DEFAULT 'admin'
        CONSTRAINT api_keys_role_known CHECK (role IN ('admin', 'writer', 'authorizer', 'reader')),
    -- Empty: every ledger of the organization; else only these.
    ADD COLUMN ledger_ids    uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN expires_at    timestamptz,
    -- Written at most once per key cache period by each server process, never on a call's path.
    ADD COLUMN last_used_at  timestamptz;

CREATE INDEX api_keys_organization_id ON api_keys (organization_id, created_at);
