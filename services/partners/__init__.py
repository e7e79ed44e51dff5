"""partners: the partner ingress. Owns the partner registry and API keys, the signed HTTP gateway and the Kafka
inbox (each record authenticated by its signature before anything else); publishes admitted partner input as
commands on `partners.commands` and each partner's receipts on its own `partners.receipts.<partner id>`; reads
onboarding's outcomes on `partners.outcomes` and its public supplier events on `onboarding.suppliers`. A partner
reads its own outcomes with its key (GET /partner-events, /partner-suppliers: partner_api.py) or is pushed them
(webhooks.py, Standard Webhooks)."""
