"""Every service's OpenAPI declares each error status a route can answer, all with the one error model, and the
bearer scheme on every route that needs a token (so Swagger UI's Authorize button applies to them)."""

from __future__ import annotations

import importlib

import pytest

SERVICES = ("onboarding", "catalogue", "inquiries", "showcase")


def openapi(service: str) -> dict:
    return importlib.import_module(f"services.{service}.main").build().openapi()


@pytest.mark.parametrize("service", SERVICES)
def test_every_error_answer_is_declared_with_the_one_error_model(service) -> None:
    document = openapi(service)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            for status, answer in answers.items():
                if status.startswith(("4", "5")):  # JSON, also on an HTML page's route (declared under its type)
                    schemas = [c["schema"] for c in answer["content"].values()]
                    assert schemas == [{"$ref": "#/components/schemas/ErrorAnswer"}], (path, method, status)
            if operation.get("security"):
                assert {"401", "403"} <= set(answers), (path, method)
            if "requestBody" in operation:
                assert {"413", "422"} <= set(answers), (path, method)
            if "{" in path:
                assert "404" in answers, (path, method)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_protected_routes_carry_the_bearer_scheme_and_public_ones_do_not() -> None:
    secured = {(p, m) for s in ("onboarding", "catalogue", "inquiries") for p, ops in openapi(s)["paths"].items()
               for m, o in ops.items() if o.get("security") == [{"bearer": []}]}
    assert ("/operations/verification-expiry", "post") in secured and ("/suppliers/{supplier_id}", "get") in secured
    assert ("/inquiries", "post") not in secured and ("/products/{product_id}", "get") not in secured
    assert ("/inquiries", "get") in secured and ("/products/{product_id}/listing", "put") in secured
    assert not any(o.get("security") for ops in openapi("showcase")["paths"].values() for o in ops.values())
    assert openapi("inquiries")["paths"]["/inquiries"]["post"]["responses"].keys() >= {"400", "413", "422", "429"}
