"""What one change costs the country page at launch scale, in one process without a server: the views kept supplier
by supplier (model/live.py, model/standings.py) against the whole-country pass over the same model
(tests/showcase_model.py: shown), measured in the same run.

    .venv/bin/python -m bench.page_rebuild [--suppliers 5000 --products 50000 --inquiries 25000]

Builds the model from events (~10 s at launch scale), then times, best of N: after one inquiry, one listing and one
supplier change, re-placing what changed and copying the views; the page JSON; the HTML in three languages; and
the whole-country pass. Prints milliseconds and each one's share of the whole-country pass.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
import timeit
from datetime import timedelta

from services.showcase.model.figures import WINDOW
from services.showcase.model.live import LiveModel
from services.showcase.pages import countries
from services.showcase.pages.prebuilt import Renditions
from services.showcase.pages.render import Pages
from tests import factories
from tests.factories import NOW
from tests.showcase_model import as_read, shown

CATEGORIES = ["argan-and-cosmetics", "olive-oil-and-olives", "seafood", "textiles-and-garments", "handicrafts"]


def launch_model(suppliers: int, products: int, inquiries: int) -> LiveModel:
    model = LiveModel()
    for s in range(suppliers):
        model.apply(as_read(factories.supplier_verified(f"s{s}", trade_name=f"Cooperative {s}", ice=factories.ice(s))))
    for p in range(products):
        model.apply(as_read(factories.product_listed(f"p{p}", f"s{p % suppliers}", title={"en": f"Item {p}"},
                                                     category=CATEGORIES[p % len(CATEGORIES)])))
    for i in range(inquiries):
        received = NOW - timedelta(minutes=(i * 7919) % (30 * 24 * 60))
        model.apply(as_read(factories.inquiry_received(f"i{i}", f"s{i % suppliers}", f"p{i}", "US",
                                                       received_at=received)))
    model.expire(NOW - WINDOW)
    return model


def whole_country_pass(model: LiveModel) -> None:
    shown([s for s in model.suppliers.values() if s.profile.country == "MA"], model.products.values(),
                 model.figures)


def best_ms(work, repeat: int) -> float:
    return min(timeit.repeat(work, number=1, repeat=repeat)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suppliers", type=int, default=5000)
    parser.add_argument("--products", type=int, default=50000)
    parser.add_argument("--inquiries", type=int, default=25000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    started = time.perf_counter()
    model = launch_model(args.suppliers, args.products, args.inquiries)
    built = time.perf_counter() - started
    started = time.perf_counter()
    model.shown("MA")
    first = time.perf_counter() - started
    pages = Pages(model, countries.load(["MA"]), "https://tijara.example")
    renditions = Renditions(model, ["MA"], pages, pages.defaults)
    renditions.rebuild()
    n = itertools.count(1)

    def render(kind: str) -> None:
        for key in pages.defaults("MA"):
            if key.format == kind:
                pages(renditions.build, key)

    def after(event_of):
        def work() -> None:
            model.apply(as_read(event_of(next(n))))
            model.shown("MA")
        return work

    rows = {
        "one inquiry, then the views": after(lambda k: factories.inquiry_received(f"w{k}", "s0", "p0", "CA")),
        "one listing renamed, then the views": after(lambda k: factories.product_listed(
            f"p{k}", f"s{k % args.suppliers}", sequence=1 + k, title={"en": f"Renamed {k}"})),
        "one supplier renamed, then the views": after(lambda k: factories.supplier_verified(
            f"s{k % args.suppliers}", sequence=2 + k, trade_name=f"Renamed {k}", ice=factories.ice(k))),
        "the page JSON": lambda: render("json"),
        "the page HTML, three languages": lambda: render("html"),
    }
    limit = best_ms(lambda: whole_country_pass(model), max(3, args.repeat // 3))
    print(f"country page model: {args.suppliers} suppliers, {args.products} products, {args.inquiries} inquiries "
          f"(built from events in {built:.1f} s; first placement of every supplier {first * 1000:.0f} ms)")
    print(f"  {'the whole-country pass (shown)':40} {limit:8.2f} ms   x1.000")
    for name, work in rows.items():
        ms = best_ms(work, args.repeat)
        print(f"  {name:40} {ms:8.2f} ms   x{ms / limit:.3f}")
    print(f"best of {args.repeat}; machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
