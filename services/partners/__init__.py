"""partners: the partner ingress. Owns the partner registry and API keys, the signed HTTP gateway and the Kafka
inbox; publishes admitted partner input as commands on `partners.commands` and receipts on `partners.receipts`;
reads onboarding's outcomes on `partners.outcomes`."""
