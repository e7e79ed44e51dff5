// Reads the test vectors of docs/partners.md as JSON on stdin; prints what this implementation computes for each.
import { kafkaSigningKey, parseKey, recordSignature, requestSignature } from "./tijara-partner.mjs";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const computed = JSON.parse(input).map((v) => {
  const { secret } = parseKey(v.key);
  if (v.kind === "http") {
    return { "X-Tijara-Signature": requestSignature(secret, v.timestamp, v.ce_id, v.ce_type, v.body) };
  }
  const signingKey = kafkaSigningKey(secret);
  return { "kafka signing key": signingKey,
           tijara_signature: recordSignature(signingKey, v.ce_id, v.ce_source, v.ce_type, v.value) };
});
process.stdout.write(JSON.stringify(computed));
