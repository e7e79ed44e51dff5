"""docs/partners.md's "First event in 10 minutes", run as written: its application.json, its Python scripts (the
SDK), its openssl + curl and openssl + kcat commands, against the partners and onboarding services running as their
own processes (with the local token issuer) on the real Kafka and store, the demo partners seeded as `make run`
seeds them. Only what differs from `make run` is substituted: the URLs and broker of this test run, its topic
prefix, its keys file, and `python -m cli` for the `tijara` script. The Node.js example (examples/partner-node) sends
an application through the same service."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from deploy.local.demo_partners import seed_demo
from deploy.local.marketplace import ROOT, Marketplace
from tests.containers import free_port
from tests.partner_vectors import GUIDE, SDK_SRC

NODE_SEND = ROOT / "examples" / "partner-node" / "send-event.mjs"
APPLICATION = "ma.tijara.partner.supplier-application.v1"
FENCE = re.compile(r"^```(sh|json|python)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def walkthrough() -> dict[str, str]:
    """The walkthrough's blocks by what they do."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## First event in 10 minutes", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str] = {}
    for kind, body in FENCE.findall(section):
        name = {"json": "application.json"}.get(kind) or next(
            (n for n, marker in (("send_application.py", "# send_application.py"), ("endorse.py", "# endorse.py"),
                                 ("setup", "KEYS="), ("curl", "$URL/partner-events\" -H"),
                                 ("verify", "documents-verification"), ("kcat", "kcat -P"), ("pip", "pip install"))
             if marker in body), None)
        assert name and name not in found, f"an unexpected block in the walkthrough:\n{body}"
        found[name] = body
    assert set(found) == {"application.json", "send_application.py", "endorse.py", "setup", "curl", "verify", "kcat",
                          "pip"}, set(found)
    return found


@pytest.fixture
def marketplace(infrastructure, unique, tmp_path):
    market = Marketplace(infrastructure.kafka, infrastructure.mongodb,
                         ports={"partners": free_port(), "onboarding": free_port()}, issuer_port=free_port(),
                         log_dir=tmp_path / "logs", database_prefix=f"it_{unique}",
                         extra_env={"KAFKA_TOPIC_PREFIX": f"walk{unique}.", "OUTBOX_POLL_SECONDS": "0.2"})
    market.start()
    try:
        market.wait_ready(90)
        yield market
    finally:
        market.stop()


def test_the_first_event_in_ten_minutes_works_as_written(marketplace, infrastructure, unique, tmp_path) -> None:
    for tool in ("openssl", "curl", "jq", "kcat", "node"):
        assert shutil.which(tool), f"the walkthrough needs {tool} (make setup installs it)"
    prefix = f"walk{unique}."
    keys = tmp_path / "partner-keys.json"
    seed_demo(marketplace.url("partners"), marketplace.token("operator"), keys)  # what `make run` does
    blocks = walkthrough()

    def local(text: str) -> str:
        return (text.replace("http://127.0.0.1:8004", marketplace.url("partners"))
                .replace("http://127.0.0.1:8001", marketplace.url("onboarding"))
                .replace("127.0.0.1:9092", infrastructure.kafka)
                .replace(".stack/profiles/run/partner-keys.json", str(keys))
                .replace(" -t partners.", f" -t {prefix}partners.")
                .replace(f'"{infrastructure.kafka}")', f'"{infrastructure.kafka}", topic_prefix="{prefix}")')
                .replace(".venv/bin/tijara", f"{sys.executable} -m cli"))

    setup = "\n".join(line for line in local(blocks["setup"]).splitlines() if not line.startswith("make run"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SDK_SRC / "src"), str(ROOT)]), "OIDC_ISSUER": marketplace.issuer_url}
    (tmp_path / "application.json").write_text(blocks["application.json"])

    def shell(block: str, **more: str) -> str:
        script = f"set -euo pipefail\ncd {tmp_path}\n{setup}\n{local(block)}"
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                              env=env | more)
        assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        return done.stdout

    def python(name: str, **more: str) -> str:
        shell_env = json.loads(shell('jq -n \'{CLEMENTIA: env.CLEMENTIA, AMDIE: env.AMDIE, URL: env.URL}\''))
        (tmp_path / name).write_text(local(blocks[name]))
        done = subprocess.run([sys.executable, name], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                              env=env | shell_env | more)
        assert done.returncode == 0, f"{name}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        return done.stdout

    # 1a: the SDK sends Clementia's application and prints "accepted sup-..."
    outcome, supplier = python("send_application.py").split()
    assert outcome == "accepted" and supplier.startswith("sup-"), (outcome, supplier)
    # the Node.js example sends another application (its own ICE) and prints the receipt
    other = json.loads(blocks["application.json"])
    other["application_id"], other["profile"]["ice"] = "CLM-2026-0043", "001525874000090"
    (tmp_path / "node-application.json").write_text(json.dumps(other))
    node = subprocess.run(["node", str(NODE_SEND), APPLICATION, str(tmp_path / "node-application.json")],
                          capture_output=True, text=True, timeout=90, env=env | {
                              "TIJARA_KEY": json.loads(keys.read_text())["clementia"],
                              "TIJARA_PARTNERS_URL": marketplace.url("partners")})
    assert node.returncode == 0, node.stdout + node.stderr
    assert json.loads(node.stdout)["outcome"] == "accepted", node.stdout
    # 1b: openssl + curl send it again (202), then read its receipt: a conflict, the ICE is taken
    posted, _ = shell(blocks["curl"]).split("\n", 1)
    answer = json.loads(posted)
    assert answer["status"] == "accepted for processing", answer
    key = json.loads(keys.read_text())["clementia"]
    receipt = _receipt(marketplace.url("partners"), key, answer["event_id"])
    assert receipt["outcome"] == "rejected" and receipt["reason"] == "conflict", receipt
    # 2: the staff verify the documents
    verified, _ = shell(blocks["verify"], SUPPLIER=supplier).split("\n", 1)
    assert json.loads(verified)["status"] == "documents-verified", verified
    assert _eventually_listed(marketplace.url("partners"), key, supplier)["may_send"] == []  # clementia's view
    # 3a: the SDK endorses as AMDIE over Kafka and gets the receipt from partners.receipts.amdie
    printed = python("endorse.py", SUPPLIER=supplier)
    assert "outcome='accepted'" in printed and supplier in printed, printed
    # 3b: openssl + kcat endorse again (already endorsed: a conflict), then read AMDIE's receipts until both are there
    shell(blocks["kcat"], SUPPLIER=supplier)
    read_receipts = next(line for line in blocks["kcat"].splitlines() if line.startswith("kcat -C"))
    deadline = time.monotonic() + 60
    while True:
        lines = [line.split(" ", 1) for line in shell(read_receipts).splitlines() if line.strip()]
        outcomes = [json.loads(value)["outcome"] for partner, value in lines if partner == "amdie"]
        if len(outcomes) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert outcomes == ["accepted", "rejected"], lines


def _receipt(url: str, key: str, ce_id: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = httpx.get(f"{url}/partner-events/{ce_id}", headers={"X-Tijara-Key": key})
        if answer.status_code == 200:
            return answer.json()
        time.sleep(0.5)
    raise AssertionError(f"no receipt for {ce_id}")


def _eventually_listed(url: str, key: str, supplier: str, status: str = "documents-verified") -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = httpx.get(f"{url}/partner-suppliers", headers={"X-Tijara-Key": key})
        found = [s for s in answer.json()["suppliers"] if s["supplier_id"] == supplier and s["status"] == status]
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"{supplier} not {status} in GET /partner-suppliers")
