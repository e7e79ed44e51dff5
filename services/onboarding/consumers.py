"""onboarding reacts to no event yet: partner ingestion (partners.* topics) subscribes here."""
