"""Tijara services: each its own process, database and image; they talk only through Kafka events."""
