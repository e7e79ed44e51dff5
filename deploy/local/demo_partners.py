"""The demo's partner registry, as `make run` seeds it: eight partners, each with an API key written to
KEYS_FILE (for trying the gateway locally, docs/partners.md). Registered through the partners service's HTTP API with
the operator's registry client (cli.partners), like any operator would."""

from __future__ import annotations

import json
from pathlib import Path

from cli.partners import Registry
from deploy.local.stack import profile
from services.partners.domain import PartnerKind
from shared.contracts.vocabulary import ExportAgency, InspectionBody

KEYS_FILE = profile("run").dir / "partner-keys.json"  # where `make run` writes them: one place to look

# id, name, kind, organisation
DEMO_PARTNERS: tuple[tuple[str, str, PartnerKind, str | None], ...] = (
    ("clementia", "Clementia", PartnerKind.ONBOARDING_PARTNER, None),
    ("amdie", "AMDIE (Moroccan Investment and Export Development Agency)", PartnerKind.EXPORT_AGENCY,
     ExportAgency.AMDIE),
    ("maroc-pme", "Maroc PME", PartnerKind.EXPORT_AGENCY, ExportAgency.MAROC_PME),
    ("asmex", "ASMEX (Moroccan Exporters Association)", PartnerKind.EXPORT_AGENCY, ExportAgency.ASMEX),
    ("sgs", "SGS", PartnerKind.INSPECTION_BODY, InspectionBody.SGS),
    ("tuv-rheinland", "TÜV Rheinland", PartnerKind.INSPECTION_BODY, InspectionBody.TUV_RHEINLAND),
    ("intertek", "Intertek", PartnerKind.INSPECTION_BODY, InspectionBody.INTERTEK),
    ("bureau-veritas", "Bureau Veritas", PartnerKind.INSPECTION_BODY, InspectionBody.BUREAU_VERITAS),
)


def seed_demo(url: str, token: str, keys_file: Path | None = None) -> int:
    """Register the demo partners (idempotent); give each partner without a key in `keys_file` one (file 0600)."""
    registry = Registry(url, token)
    keys = json.loads(keys_file.read_text()) if keys_file and keys_file.exists() else {}
    known = {p["partner_id"]: p for p in registry.all()}
    for partner_id, name, kind, organisation in DEMO_PARTNERS:
        if partner_id not in known:
            known[partner_id] = registry.add(partner_id, name, kind.value, organisation, 120)
        active = {k["key_id"] for k in known[partner_id]["keys"] if not k["revoked"]}
        if keys.get(partner_id, "").rpartition(".")[0] not in active:
            keys[partner_id] = registry.issue_key(partner_id)
    if keys_file:
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        keys_file.touch(mode=0o600)
        keys_file.write_text(json.dumps(keys, indent=2) + "\n")
    return len(DEMO_PARTNERS)
