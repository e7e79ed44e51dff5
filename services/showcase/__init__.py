"""showcase: owns nothing upstream. Builds the country page (HTML + JSON) from the event stream alone, handling
`onboarding.suppliers`, `catalogue.products` and `inquiries.inquiries`."""
