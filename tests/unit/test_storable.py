"""What the store can hold, decided before any use case runs."""

from shared.web.body_guard import INT64_MAX, INT64_MIN, MAX_DEPTH, unstorable


def test_integers_within_64_bits_booleans_and_floats_pass():
    assert unstorable({"moq": INT64_MAX, "low": INT64_MIN, "ok": True, "price": 1e300, "tiers": [{"q": 5}]}) is None


def test_the_first_integer_beyond_64_bits_is_named_by_its_path():
    field, problem = unstorable({"listing": {"price_tiers": [{"min_quantity": 1}, {"min_quantity": INT64_MAX + 1}]}})
    assert field == "body.listing.price_tiers.1.min_quantity" and "64-bit" in problem
    assert unstorable({"quantity": INT64_MIN - 1})[0] == "body.quantity"


def test_nesting_beyond_the_limit_is_refused_without_recursion():
    deep: object = 1
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    assert unstorable({"a": deep})[1] == f"nested more than {MAX_DEPTH} levels deep"
    shallow: object = 1
    for _ in range(MAX_DEPTH - 1):
        shallow = [shallow]
    assert unstorable({"a": shallow}) is None
