// Tijara partner signing and sending in Node.js 20+, with nothing but node:crypto and fetch.
// The protocol and its test vectors: docs/partners.md (the suite runs check-vectors.mjs against them).
import { createHmac, randomUUID } from "node:crypto";

const hmacHex = (key, message) => createHmac("sha256", key).update(message).digest("hex");

// "<key id>.<secret>" as `tijara partners issue-key` printed it; the key id is "<partner id>-<12 hex digits>".
export function parseKey(key) {
  const dot = key.lastIndexOf(".");
  if (dot <= 0) throw new Error("an API key is <key id>.<secret>");
  const keyId = key.slice(0, dot);
  return { keyId, secret: key.slice(dot + 1), partnerId: keyId.replace(/-[0-9a-f]{12}$/, "") };
}

// X-Tijara-Signature: "v2=" + hex HMAC-SHA256(secret, "<timestamp>.<ce_id>.<ce_type>.<raw body>").
export function requestSignature(secret, timestamp, ceId, ceType, body) {
  return "v2=" + hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.${ceId}.${ceType}.`), Buffer.from(body)]));
}

// The Kafka signing key: a hex string; its 64 characters (not the bytes they spell) key the record's HMAC.
export const kafkaSigningKey = (secret) => hmacHex(secret, "tijara-kafka-signing-v1");

// tijara_signature: "sha256=" + hex HMAC-SHA256(signing key, "<ce_id>.<ce_source>.<ce_type>.<value>").
export function recordSignature(signingKey, ceId, ceSource, ceType, value) {
  return "sha256=" + hmacHex(signingKey, Buffer.concat([Buffer.from(`${ceId}.${ceSource}.${ceType}.`),
                                                       Buffer.from(value)]));
}

// POST one event to the gateway; resolves to the ce_id (throws on anything but 202).
export async function sendEvent(baseUrl, key, ceType, event, ceId = randomUUID()) {
  const { secret } = parseKey(key);
  const body = Buffer.from(JSON.stringify(event));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const answer = await fetch(`${baseUrl}/partner-events`, {
    method: "POST", body,
    headers: { "Content-Type": "application/json", "Ce-Type": ceType, "Ce-Id": ceId, "X-Tijara-Key": key,
               "X-Tijara-Timestamp": timestamp,
               "X-Tijara-Signature": requestSignature(secret, timestamp, ceId, ceType, body) },
  });
  if (answer.status !== 202) throw new Error(`${answer.status}: ${await answer.text()}`);
  return ceId;
}

// Poll GET /partner-events/{ce_id} until the receipt is there.
export async function waitForReceipt(baseUrl, key, ceId, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await fetch(`${baseUrl}/partner-events/${encodeURIComponent(ceId)}`,
                               { headers: { "X-Tijara-Key": key } });
    if (answer.ok) {
      const found = await answer.json();
      const receipt = found.receipt ?? found;
      if (receipt && receipt.outcome) return receipt;
    } else if (answer.status !== 404) {
      throw new Error(`${answer.status}: ${await answer.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no receipt for ${ceId} within ${timeoutMs} ms`);
}
