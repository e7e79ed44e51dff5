"""notifications: turns marketplace events into messages to people (services/notifications/domain.py)."""
