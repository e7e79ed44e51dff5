#!/usr/bin/env bash
# One-shot compose service `kafka-init`: SCRAM users and ACLs. Idempotent (safe to run on every `up`).
#
#   <service>          one principal per service (onboarding, catalogue, inquiries, showcase, partners,
#                      notifications), allowed what deploy/kafka/service-acls.txt says and nothing else: WRITE on the
#                      topics it publishes and on the dead-letter topics of what it consumes, READ on what it consumes
#                      and on its consumer group, CREATE (and DESCRIBE) on the topics of the one spec (whichever service
#                      starts first creates what is missing), IDEMPOTENT_WRITE for its idempotent producer. That table
#                      is checked against the services' code by tests/contract/test_kafka_principals.py.
#   tijara             the operators' tools (`tijara topics`, `tijara dlq`, `tijara tail`, `tijara privacy erase`,
#                      which reads the erasure outcomes on privacy.erasures: no other principal may read that topic):
#                      a super user. No service runs as it.
#   <partner>          one principal per partner system, allowed to
#                        WRITE (and DESCRIBE) its own input topic only: partners.applications (onboarding partner),
#                        partners.endorsements (export agencies) or partners.inspections (inspection bodies);
#                        READ (and DESCRIBE) its own receipts topic only, partners.receipts.<partner> (a LITERAL
#                        ACL: a prefixed one on partners.receipts.amdie would also match partners.receipts.amdie-x),
#                        with consumer groups named partner.<partner>.*
#                      and nothing else (allow.everyone.if.no.acl.found=false).
#   analytics          a subscriber (internal teams' dashboards): READ (and DESCRIBE) the marketplace's streams
#                      (onboarding.suppliers, catalogue.products, inquiries.inquiries) with groups named
#                      analytics.*, and no WRITE anywhere: only the owners write the marketplace's topics.
#
# A partner registered later gets its principal and ACLs with `init-security.sh partner <id> <input topic>`
# (e.g. `partner acme partners.endorsements`), a team with `init-security.sh subscriber <name> <group prefix>`,
# services alone (after the table changed) with `init-security.sh services [<service> ...]`.
#
# Passwords come from the environment: KAFKA_SERVICES_PASSWORD (tijara), and KAFKA_PASSWORD_<NAME> (upper case, '-'
# as '_', e.g. KAFKA_PASSWORD_ONBOARDING, KAFKA_PASSWORD_MAROC_PME, KAFKA_PASSWORD_ANALYTICS); a principal without one
# gets "<name>-dev-secret", for local use only. KAFKA_BIN (default /opt/kafka/bin) and KAFKA_ADMIN_CONFIG (a ready
# admin client config, else one is written for SASL_PLAINTEXT) let the local stack run this same script (tests/integration/test_kafka_security.py).
set -euo pipefail
: "${KAFKA_ADMIN_PASSWORD:?set KAFKA_ADMIN_PASSWORD}" "${KAFKA_SERVICES_PASSWORD:?set KAFKA_SERVICES_PASSWORD}"
BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:19092}"
BIN="${KAFKA_BIN:-/opt/kafka/bin}"
PREFIX="${KAFKA_TOPIC_PREFIX:-}"
CONFIG="${KAFKA_ADMIN_CONFIG:-/tmp/admin.properties}"
TABLE="${KAFKA_SERVICE_ACLS:-$(dirname "$0")/service-acls.txt}"
SERVICES=(onboarding catalogue inquiries showcase partners notifications)
if [ -z "${KAFKA_ADMIN_CONFIG:-}" ]; then
cat > "$CONFIG" <<CLIENT
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
CLIENT
fi

scram_user() {  # name password
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --alter \
    --entity-type users --entity-name "$1" --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]"
}

acl() {
  "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --add --force "$@"
}

password_of() {  # name
  local var
  var="KAFKA_PASSWORD_$(printf '%s' "$1" | tr 'a-z-' 'A-Z_')"
  printf '%s' "${!var:-$1-dev-secret}"
}

partner() {  # name input-topic
  scram_user "$1" "$(password_of "$1")"
  acl --allow-principal "User:$1" --operation Write --operation Describe --topic "${PREFIX}$2"
  acl --allow-principal "User:$1" --operation Read --operation Describe --topic "${PREFIX}partners.receipts.$1"
  acl --allow-principal "User:$1" --operation Read --group "partner.$1." --resource-pattern-type prefixed
}

subscriber() {  # name group-prefix
  scram_user "$1" "$(password_of "$1")"
  acl --allow-principal "User:$1" --operation Read --operation Describe --topic "${PREFIX}onboarding.suppliers" \
    --topic "${PREFIX}catalogue.products" --topic "${PREFIX}inquiries.inquiries"
  acl --allow-principal "User:$1" --operation Read --group "$2" --resource-pattern-type prefixed
}

services() {  # [service ...]: the services' users and their rows of the table (all six without arguments)
  local only=("$@") who ops resource pattern name s key
  [ "${#only[@]}" -gt 0 ] || only=("${SERVICES[@]}")
  for s in "${only[@]}"; do scram_user "$s" "$(password_of "$s")"; done
  declare -A names=() principals=()
  while read -r who ops resource pattern name; do
    if [ -z "$who" ] || [ "${who:0:1}" = "#" ]; then continue; fi
    for s in "${only[@]}"; do
      if [ "$who" = services ] || [ "$who" = "$s" ]; then names["$s $ops $resource $pattern"]+=" $name"; fi
    done
  done < "$TABLE"
  for key in "${!names[@]}"; do  # principals with the same rows share one kafka-acls.sh run (one JVM each)
    read -r s ops resource pattern <<<"$key"
    principals["$ops $resource $pattern${names[$key]}"]+=" $s"
  done
  for key in "${!principals[@]}"; do
    read -r ops resource pattern rest <<<"$key"
    local args=(--resource-pattern-type "$pattern")
    for s in ${principals[$key]}; do args+=(--allow-principal "User:$s"); done
    for op in ${ops//,/ }; do args+=(--operation "$op"); done
    for name in $rest; do
      case "$resource" in
        topic) args+=(--topic "${PREFIX}$name") ;;
        group) args+=(--group "$name") ;;
        cluster) args+=(--cluster) ;;
      esac
    done
    acl "${args[@]}"
  done
}

if [ "$#" -gt 0 ]; then  # one principal: partner <id> <input topic> | subscriber <name> <group prefix>
  case "$1" in
    partner|subscriber|services) "$@" ;;
    *) echo "usage: $0 [partner ID TOPIC | subscriber NAME GROUP_PREFIX | services [SERVICE ...]]" >&2; exit 2 ;;
  esac
  exit 0
fi
scram_user tijara "$KAFKA_SERVICES_PASSWORD"
services
partner clementia partners.applications
for agency in amdie maroc-pme asmex; do partner "$agency" partners.endorsements; done
for body in sgs tuv-rheinland intertek bureau-veritas; do partner "$body" partners.inspections; done
subscriber analytics analytics.
"$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --list
echo "users and ACLs in place"
