"""catalogue: owns product listings; only verified suppliers may list. Publishes on `catalogue.products`,
handles `onboarding.suppliers` to keep its own view of each supplier's standing."""
