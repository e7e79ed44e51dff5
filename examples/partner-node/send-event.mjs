// node send-event.mjs <ce_type> <event.json>   (TIJARA_KEY=<key id>.<secret>, TIJARA_PARTNERS_URL=http://127.0.0.1:8004)
// Sends one event through the gateway and prints its receipt.
import { readFile } from "node:fs/promises";
import { sendEvent, waitForReceipt } from "./tijara-partner.mjs";

const [ceType, file] = process.argv.slice(2);
const baseUrl = process.env.TIJARA_PARTNERS_URL ?? "http://127.0.0.1:8004";
const key = process.env.TIJARA_KEY;
if (!ceType || !file || !key) {
  console.error("usage: TIJARA_KEY=<key id>.<secret> node send-event.mjs <ce_type> <event.json>");
  process.exit(2);
}
const ceId = await sendEvent(baseUrl, key, ceType, JSON.parse(await readFile(file, "utf8")));
console.log(JSON.stringify(await waitForReceipt(baseUrl, key, ceId), null, 2));
