"""onboarding: owns suppliers and their verification. Publishes on `onboarding.suppliers`."""
