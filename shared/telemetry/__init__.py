"""What operators see: readable logs, Prometheus metrics and OpenTelemetry tracing with W3C trace context across Kafka. Imports nothing else of shared/."""
