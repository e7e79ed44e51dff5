from services.showcase import domain
from shared.events import SupplierStatus, VerificationLevel
from tests.factories import listing, profile


def supplier(sid: str, status: SupplierStatus, name: str = "Argane Souss") -> domain.SupplierView:
    level = VerificationLevel.INSPECTED if status is SupplierStatus.VERIFIED else VerificationLevel.NONE
    return domain.SupplierView(supplier_id=sid, status=status, verification_level=level,
                               profile=profile(trade_name=name))


def product(pid: str, sid: str, listed: bool = True) -> domain.ProductView:
    return domain.ProductView(product_id=pid, supplier_id=sid, listed=listed, listing=listing())


def test_only_listed_products_of_verified_suppliers_show() -> None:
    page = domain.build_page(
        "MA",
        [supplier("a", SupplierStatus.VERIFIED), supplier("b", SupplierStatus.SUBMITTED)],
        [product("p1", "a"), product("p2", "b"), product("p3", "a", listed=False)],
        {"a": 3, "b": 5},
    )
    assert [p.product_id for p in page.products] == ["p1"]
    assert page.headline.model_dump() == {"verified_suppliers": 1, "products": 1, "inquiries": 3}
    assert page.suppliers[0].products == 1 and page.suppliers[0].inquiries == 3


def test_suppliers_rank_by_inquiries_then_products() -> None:
    page = domain.build_page(
        "MA",
        [supplier("a", SupplierStatus.VERIFIED, "Atlas"), supplier("b", SupplierStatus.VERIFIED, "Rif")],
        [product("p1", "a")],
        {"b": 4},
    )
    assert [s.trade_name for s in page.suppliers] == ["Rif", "Atlas"]
