#!/usr/bin/env bash
# One-shot compose service `kafka-init`: SCRAM users and ACLs. Idempotent (safe to run on every `up`).
#
#   tijara             the four services: a super user (they create topics, read and write every stream)
#   <partner>          one principal per partner system, allowed to
#                        WRITE (and DESCRIBE) its own input topic only: partners.applications (onboarding partner),
#                        partners.endorsements (export agencies) or partners.inspections (inspection bodies);
#                        READ partners.receipts, with consumer groups named partner.<partner>.*
#                      and nothing else (allow.everyone.if.no.acl.found=false).
#
# Passwords come from the environment: KAFKA_SERVICES_PASSWORD, and KAFKA_PASSWORD_<PARTNER> (upper case, '-' as
# '_', e.g. KAFKA_PASSWORD_MAROC_PME); a partner without one gets "<partner>-dev-secret", for local use only.
set -euo pipefail
: "${KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD}" "${KAFKA_SERVICES_PASSWORD:?set KAFKA_SERVICES_PASSWORD}"
BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:19092}"
BIN=/opt/kafka/bin
CONFIG=/tmp/admin.properties
cat > "$CONFIG" <<CLIENT
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
CLIENT

scram_user() {  # name password
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --alter \
    --entity-type users --entity-name "$1" --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]"
}

acl() {
  "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --add --force "$@"
}

partner() {  # name input-topic
  local var password
  var="KAFKA_PASSWORD_$(printf '%s' "$1" | tr 'a-z-' 'A-Z_')"
  password="${!var:-$1-dev-secret}"
  scram_user "$1" "$password"
  acl --allow-principal "User:$1" --operation Write --operation Describe --topic "${KAFKA_TOPIC_PREFIX:-}$2"
  acl --allow-principal "User:$1" --operation Read --operation Describe --topic "${KAFKA_TOPIC_PREFIX:-}partners.receipts"
  acl --allow-principal "User:$1" --operation Read --group "partner.$1." --resource-pattern-type prefixed
}

scram_user tijara "$KAFKA_SERVICES_PASSWORD"
partner clementia partners.applications
for agency in amdie maroc-pme asmex; do partner "$agency" partners.endorsements; done
for body in sgs tuv-rheinland intertek bureau-veritas; do partner "$body" partners.inspections; done
"$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --list
echo "users and ACLs in place"
