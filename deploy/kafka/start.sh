#!/usr/bin/env bash
# Entry point of the compose `kafka` service: render server.properties with the admin secret from the environment,
# format the KRaft log once (with the admin's SCRAM credential, which the broker needs to talk to itself before any
# user can be created), then run the broker. Users and ACLs are created afterwards by init-security.sh.
set -euo pipefail
: "${CLUSTER_ID:?set CLUSTER_ID}" "${KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD}"

props=/tmp/server.properties
cp /etc/tijara/kafka/server.properties "$props"
cat >> "$props" <<JAAS
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}" user_admin="${KAFKA_ADMIN_PASSWORD}";
JAAS

# The admin's client settings, for the health check and the operator's kafka-*.sh tools inside the container.
cat > /tmp/admin.properties <<CLIENT
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
CLIENT

/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$CLUSTER_ID" --config "$props" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=${KAFKA_ADMIN_PASSWORD}]"
exec /opt/kafka/bin/kafka-server-start.sh "$props"
