"""docker-compose.yml without a Docker engine: parsed by the compose_spec library (the Compose Specification's
types, so a misspelt key, a wrong depends_on condition or a malformed port is refused), then cross-checked for what
the specification leaves to the engine: named volumes declared, bind mounts present, dependencies defined."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from compose_spec import PyCompose

from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # PyYAML applies the `<<` merge keys


def test_compose_file_follows_the_compose_specification() -> None:
    compose = _compose()
    parsed = PyCompose.from_json(json.dumps(compose))
    assert set(parsed.to_dict()["services"]) == set(compose["services"])


def test_a_misspelt_key_is_refused() -> None:
    compose = _compose()
    compose["services"]["grafana"]["heathcheck"] = compose["services"]["prometheus"]["healthcheck"]
    try:
        PyCompose.from_json(json.dumps(compose))
    except ValueError as refused:
        assert "heathcheck" in str(refused)
    else:
        raise AssertionError("compose_spec accepted an unknown service key")


def test_volumes_mounts_and_dependencies_resolve() -> None:
    compose = _compose()
    services, volumes = compose["services"], set(compose["volumes"])
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name}: bind mount {source} does not exist"
            else:
                assert source in volumes, f"{name}: named volume {source} is not declared"
        assert set(service.get("depends_on", {})) <= set(services), name


def test_images_are_pinned_and_ports_stay_on_the_host() -> None:
    for name, service in _compose()["services"].items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image} to a version"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name}: {port} would listen on every interface"


def test_services_trust_the_compose_keycloak() -> None:
    services = _compose()["services"]
    realm = json.loads((ROOT / "deploy/keycloak/tijara-realm.json").read_text())["realm"]
    keycloak = services["keycloak"]
    issuer = f"{keycloak['environment']['KC_HOSTNAME']}/realms/{realm}"
    for name in (n for n, s in services.items() if "build" in s):
        env = services[name]["environment"]
        assert {k.lower() for k in env if k.startswith("OIDC_")} <= set(ServiceSettings.model_fields)
        assert env["OIDC_ISSUER"] == issuer, "tokens fetched from the host carry this issuer"
        assert env["OIDC_JWKS_URL"].startswith(f"http://keycloak:8080/realms/{realm}/")
        assert env["OIDC_ROLES_CLAIM"] == "realm_access.roles"
