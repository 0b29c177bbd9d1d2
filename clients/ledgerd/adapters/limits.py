"""Every limit of the card-issuer adapters, by name (the processors' figures are in
docs/card-webhooks.md). The decision budgets are the defaults of `ledgerd adapters serve`
options, so a deployment (or a test) can set its own."""

# How long a processor waits for the approve/decline answer (documented; Lithic's is ~6 s hard,
# answer within 3 s recommended).
stripe_deadline_seconds = 2.0
marqeta_deadline_seconds = 3.0
lithic_deadline_seconds = 3.0

# How long the adapter waits for the ledger (wallet lookup and hold) before it answers decline:
# well inside each deadline, leaving room for the network both ways.
stripe_decision_budget_seconds = 1.2
marqeta_decision_budget_seconds = 2.0
lithic_decision_budget_seconds = 2.5

# A lifecycle notification's ledger calls: past this the adapter answers 503 and the processor
# redelivers (every write is keyed by the processor's own token, so a redelivery is safe).
lifecycle_call_timeout_seconds = 10.0

# The backstop expiry of every hold the adapters place (processors send their own expiry first;
# a capture that arrives after it is posted as a force post).
hold_timeout_seconds = 31 * 24 * 3600

# Request bodies above this are refused (413) before verification.
request_body_bytes_max = 1024 * 1024
# Marqeta batches up to 10 notifications per webhook call.
notifications_per_request_max = 100
