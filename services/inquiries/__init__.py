"""inquiries: owns buyer inquiries. Publishes on `inquiries.inquiries`, handles `catalogue.products` to know which
products can be asked about."""
