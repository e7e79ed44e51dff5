"""The country pages as a projection held in memory: incremental figures equal to a recount under any delivery
order, the 30-day window expiring, search, the three languages, the prepared renditions and the inquiry form's
checks. Pure: no Kafka, no store."""

from __future__ import annotations

import gc
import re
from datetime import timedelta

import pytest
from babel.messages.pofile import read_po
from hypothesis import given, settings

from services.showcase import domain
from services.showcase.feed.readers import READERS
from services.showcase.model.figures import WINDOW
from services.showcase.model.live import LiveModel
from services.showcase.model.taxonomy import BUYER_REGIONS, SECTOR_LABELS
from services.showcase.pages import countries, i18n, inquiry_form, labels
from services.showcase.pages import sitemap as sitemap_parts
from services.showcase.pages.key import PageKey
from services.showcase.pages.prebuilt import Renditions
from services.showcase.pages.render import DEFAULT_FILTERS, Pages
from services.showcase.pages.shapes import Filters
from shared.contracts.vocabulary import Certification, Region
from shared.errors import NotFound
from shared.web import runtime
from tests import factories
from tests.factories import NOW
from tests.showcase_model import Projection, as_read, page_from_documents
from tests.strategies import deliveries

MOROCCO = countries.load(["MA"])["MA"]
ALL = Filters(per_page=100)


def live_page(events, filters: Filters = ALL, now=NOW):
    model = LiveModel()
    for event in events:
        model.apply(as_read(event))
    model.expire(now - WINDOW)
    view, demand = model.shown("MA")
    return domain.build_page(MOROCCO, view, demand, filters)


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_incremental_figures_equal_a_recount_whatever_the_delivery(delivery) -> None:
    in_order, delivered, _ = delivery
    assert live_page(delivered) == page_from_documents(MOROCCO, Projection().apply_all(in_order).docs, NOW, ALL)


def test_a_repeated_or_older_event_moves_no_figure() -> None:
    received = NOW - timedelta(days=1)
    events = [factories.supplier_verified("a"), factories.product_listed("p", "a"),
              factories.inquiry_received("i", "a", "p", "CA", received_at=received),
              factories.inquiry_responded("i", "a", "p", received + timedelta(hours=2), "CA", received_at=received)]
    model = LiveModel()
    for event in events + events[::-1]:
        model.apply(as_read(event))
    assert model.figures["a"].model_dump() == {"inquiries": 1, "answered": 1, "answered_in_24h": 1,
                                               "response_seconds": 7200.0}
    assert dict(model.demand["a"]) == {"CA": 1}


def test_inquiries_leave_the_figures_when_the_window_passes_them() -> None:
    model = LiveModel()
    for event in [factories.supplier_verified("a"),
                  factories.inquiry_received("old", "a", "p", "US", received_at=NOW - timedelta(days=29)),
                  factories.inquiry_received("new", "a", "p", "FR", received_at=NOW - timedelta(days=1))]:
        model.apply(as_read(event))
    model.expire(NOW - WINDOW)
    assert model.figures["a"].inquiries == 2
    before = model.changes
    assert model.expire(NOW + timedelta(days=2) - WINDOW)
    assert model.figures["a"].inquiries == 1 and dict(model.demand["a"]) == {"FR": 1} and model.changes > before
    model.apply(as_read(factories.inquiry_received("late", "a", "p", "US", received_at=NOW - timedelta(days=40))))
    assert model.figures["a"].inquiries == 1  # a late event from before the window counts for nothing


def search_model() -> LiveModel:
    model = LiveModel()
    for event in [factories.supplier_verified("a", trade_name="Coopérative Tighanimine"),
                  factories.supplier_verified("b", trade_name="Fès Cuir"),
                  factories.product_listed("p1", "a", title={"en": "Argan oil", "fr": "Huile d'argane",
                                                             "ar": "زيت الأركان"}),
                  factories.product_listed("p2", "b", category="leather", title={"en": "Leather pouf"},
                                           description={"en": "Hand-stitched goatskin pouf"})]:
        model.apply(as_read(event))
    return model


def test_search_across_languages_accents_prefixes_and_supplier_names() -> None:
    model = search_model()
    assert model.search("ARGANE") == {"p1"} and model.search("huile") == {"p1"}
    assert model.search("الاركان") == {"p1"}  # alef with hamza matches bare alef
    assert model.search("cooperative") == {"p1"}  # supplier name, without its accent
    assert model.search("goat pouf") == {"p2"} and model.search("argan pouf") == set()
    model.apply(as_read(factories.product_listed("p2", "b", sequence=2, title={"en": "Leather bag"})))
    assert model.search("pouf") == set()  # the index follows the newest listing


def test_search_combines_with_the_filters() -> None:
    model = search_model()
    view, demand = model.shown("MA")
    page = domain.build_page(MOROCCO, view, demand, Filters(q="leather", category="leather"), model.search("leather"))
    assert [p.product_id for p in page.products.items] == ["p2"]
    page = domain.build_page(MOROCCO, view, demand, Filters(q="leather", category="seafood"), model.search("leather"))
    assert page.products.items == []


def test_language_from_the_query_else_accept_language_else_english() -> None:
    assert i18n.negotiate("ar", "fr-FR,fr;q=0.9") == "ar"
    assert i18n.negotiate(None, "fr-CA,fr;q=0.9,en;q=0.5") == "fr"
    assert i18n.negotiate(None, "ar-MA") == "ar"
    assert i18n.negotiate(None, "de-DE,de;q=0.9") == "en"
    assert i18n.negotiate("xx", None) == "en"


def test_every_word_of_the_vocabulary_is_in_the_catalogues_and_translated() -> None:
    vocabulary = {*SECTOR_LABELS.values(), *Region, *BUYER_REGIONS, *domain.BADGES.values(), *Certification,
                  *(p.role for c in countries.load(["MA", "TN"]).values() for p in c.partners)}
    marked = {*labels.SECTORS, *labels.REGIONS, *labels.BUYER_REGIONS, *labels.BADGES, *labels.CERTIFICATIONS,
              *labels.PARTNER_ROLES, "Other"}
    assert vocabulary <= marked | {"Other"}
    for lang in ("fr", "ar"):
        with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalogue = read_po(po)
        untranslated = [m.id for m in catalogue if m.id and (not m.string or isinstance(m.string, tuple) and (
            len(m.string) != catalogue.num_plurals or not all(m.string)))]  # every plural form of the language
        assert untranslated == [], (lang, untranslated)
        assert vocabulary <= {m.id for m in catalogue}


def test_plural_forms_follow_the_language() -> None:
    assert i18n.translations("fr").ngettext("%(num)s product", "%(num)s products", 4) == "%(num)s produits"
    assert i18n.translations("fr").ngettext("%(num)s product", "%(num)s products", 1) == "%(num)s produit"
    assert i18n.translations("ar").ngettext("%(num)s product", "%(num)s products", 11).startswith("عدد")


def rendered(events=()) -> tuple[Renditions, Pages]:
    model = search_model()
    for event in events:
        model.apply(as_read(event))
    pages = Pages(model, countries.load(["MA", "TN"]), "https://tijara.example")
    renditions = Renditions(model, list(pages.countries), pages, pages.defaults)
    renditions.rebuild()
    return renditions, pages


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<[^>]*\blang="en"[^>]*>.*?</[^>]+>', " ", html, flags=re.S)  # marked supplier text
    return re.sub(r"<[^>]+>", " ", html)


def test_french_and_arabic_pages_have_no_english_words_of_the_interface() -> None:
    renditions, _ = rendered()
    english = {m.id for m in read_po((i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb"))
               if m.id and m.string != m.id and " " in m.id and "%" not in m.id}
    for lang in ("fr", "ar"):
        for key in [PageKey("country", "MA", "html", lang, DEFAULT_FILTERS),
                    PageKey("supplier", "MA", "html", lang, "a"), PageKey("product", "MA", "html", lang, "p1")]:
            html = renditions.get(key).body.decode()
            assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
            text = visible_text(html)
            left = [phrase for phrase in english if phrase in text]
            assert left == [], (key, left)


def test_renditions_are_ready_and_carry_an_etag_of_their_bytes() -> None:
    renditions, _ = rendered()
    key = PageKey("country", "MA", "json", None, DEFAULT_FILTERS)
    first = renditions.get(key)
    assert first is renditions.get(key)  # served from memory
    renditions.model.apply(as_read(factories.product_listed("p3", "a", title={"en": "Amlou"})))
    renditions.rebuild()
    second = renditions.get(key)
    assert second.etag != first.etag and b"Amlou" in second.body
    renditions.rebuild()
    assert renditions.get(key).etag == second.etag  # same model, same bytes, same ETag


def test_seo_tags_and_structured_data() -> None:
    renditions, _ = rendered()
    html = renditions.get(PageKey("product", "MA", "html", "fr", "p1")).body.decode()
    assert '<link rel="canonical" href="https://tijara.example/countries/ma/products/p1?lang=fr">' in html
    for lang in ("en", "fr", "ar"):
        assert f'hreflang="{lang}" href="https://tijara.example/countries/ma/products/p1?lang={lang}"' in html
    assert '"@type": "Product"' in html and '"@type": "Offer"' in html and 'property="og:title"' in html
    supplier = renditions.get(PageKey("supplier", "MA", "html", "en", "a")).body.decode()
    assert '"@type": "Organization"' in supplier
    index = renditions.get(PageKey("sitemap")).body.decode()
    assert "<loc>https://tijara.example/sitemaps/1.xml</loc>" in index and "/sitemaps/2.xml" not in index
    sitemap = renditions.get(PageKey("sitemap", arg=1)).body.decode()
    for path in ("/countries/ma", "/countries/ma/suppliers/a", "/countries/ma/products/p2", "/countries/tn"):
        for lang in ("en", "fr", "ar"):
            assert f"<loc>https://tijara.example{path}?lang={lang}</loc>" in sitemap


def test_a_launch_sized_sitemap_comes_in_parts(monkeypatch) -> None:
    """The protocol allows 50,000 URLs a file: the index lists parts of `SITEMAP_PATHS` pages each."""
    monkeypatch.setattr(sitemap_parts, "SITEMAP_PATHS", 2)
    renditions, _ = rendered()
    index = renditions.get(PageKey("sitemap")).body.decode()
    parts = index.count("<sitemap>")
    assert parts >= 3 and f"/sitemaps/{parts}.xml" in index
    pages = [renditions.get(PageKey("sitemap", arg=n)).body.decode().count("<url>") for n in range(1, parts + 1)]
    assert all(n == 2 * 3 for n in pages[:-1]) and 0 < pages[-1] <= 2 * 3  # three languages a page
    with pytest.raises(NotFound):
        renditions.get(PageKey("sitemap", arg=parts + 1))


def test_a_second_country_from_configuration() -> None:
    renditions, _ = rendered([factories.supplier_verified("t", trade_name="Dar Jerba", country="TN")])
    tunisia = renditions.get(PageKey("country", "TN", "json", None, DEFAULT_FILTERS)).body.decode()
    assert '"name":"Tunisia"' in tunisia and "Dar Jerba" in tunisia and "CEPEX" in tunisia
    assert "Dar Jerba" not in renditions.get(PageKey("country", "MA", "json", None, DEFAULT_FILTERS)).body.decode()
    assert "Tunisie" in renditions.get(PageKey("country", "TN", "html", "fr", DEFAULT_FILTERS)).body.decode()


def test_inquiry_form_checks_speak_the_visitors_language() -> None:
    form = {"buyer_company": "", "buyer_country": "USA", "contact_email": "nope", "quantity": "0", "unit": "kg",
            "message": "x" * 4001}
    errors = inquiry_form.check(form, "fr").errors
    assert errors == {"buyer_company": "Ce champ est obligatoire.",
                      "buyer_country": "Ce champ est trop long (2 caractères au plus).",
                      "contact_email": "Saisissez une adresse e-mail valide, p. ex. acheteur@exemple.com.",
                      "quantity": "Saisissez un nombre entier d'au moins 1.",
                      "message": "Ce champ est trop long (4000 caractères au plus)."}
    assert inquiry_form.check({**form, "website": "http://spam"}, "ar").bot
    good = {"buyer_company": "Maple Foods", "buyer_country": "ca", "contact_email": "a@maple.example",
            "quantity": "200", "unit": "kg", "message": "Price for 200 kg?", "product_id": "p1", "supplier_id": "a"}
    assert inquiry_form.check(good, "en").errors == {}
    assert inquiry_form.inquiry(good, "en")["buyer_country"] == "CA"
    assert inquiry_form.inquiry(good, "fr")["language"] == "fr"  # the page's language: the answer comes in it
    assert inquiry_form.inquiry(good, "de")["language"] == "en"


def test_the_loaded_heap_is_frozen_out_of_the_collectors_reach() -> None:
    """After start (shared.web.runtime settles the heap once every service's start hooks ran), what is loaded (the page
    model and its renditions among it) sits in the permanent generation: a full collection during a request no
    longer walks it; and young collections are spaced out for the batches consumers allocate."""
    renditions, _ = rendered([factories.supplier_verified("s1")])  # as at start: the model loaded, pages built
    threshold = gc.get_threshold()
    try:
        runtime.settle_heap()
        assert gc.get_freeze_count() > 0 and gc.is_tracked(renditions)
        assert not any(o is renditions for o in gc.get_objects())  # the collector's generations no longer hold it
        assert gc.get_threshold()[0] == runtime.GC_YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def _with_values_added_later(event, **changes):
    """The event as a newer producer would send it, with values this release does not know, as showcase reads it."""
    data = event.model_dump(mode="json")
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = data
        for part in parents:
            target = target[part]
        target[leaf] = value
    return READERS[event.TYPE].model_validate(data)


def test_a_value_this_release_does_not_know_is_never_shown_to_a_visitor() -> None:
    # a supplier's region places it on a country page, so only its sectors can be new here
    supplier = _with_values_added_later(factories.supplier_verified("z"), profile__sectors=["agri-food", "space"])
    product = _with_values_added_later(factories.product_listed("p9", "z"), listing__category="space",
                                       listing__origin_region="Nouvelle-Région", listing__incoterms=["FOB", "XYZ"],
                                       listing__certifications=["halal", "moon-certified"])
    renditions, _ = rendered([supplier, product])
    other = {"en": "Other", "fr": "Autres", "ar": "أخرى"}
    for lang in ("en", "fr", "ar"):
        for key in [PageKey("country", "MA", "html", lang, DEFAULT_FILTERS),
                    PageKey("supplier", "MA", "html", lang, "z"), PageKey("product", "MA", "html", lang, "p9")]:
            text = visible_text(renditions.get(key).body.decode())
            assert "unknown" not in text.lower(), key
            assert "XYZ" not in text and "moon" not in text, key
            assert "space" not in text, key
            if key.kind != "supplier":  # the product's category and origin read "Other" in the visitor's language
                assert other[lang] in text, key


def test_the_buyer_picks_a_country_from_a_list_in_the_pages_language() -> None:
    renditions, _ = rendered()
    for lang, canada, usa in (("fr", "Canada", "États-Unis"), ("ar", "كندا", "الولايات المتحدة")):
        html = renditions.get(PageKey("product", "MA", "html", lang, "p1")).body.decode()
        form = html.split('id="f-buyer_country"', 1)[1].split("</select>", 1)[0]
        assert f'<option value="CA">{canada}</option>' in form and f'<option value="US">{usa}</option>' in form
        assert 'value="EU"' not in form and 'value="ZZ"' not in form  # CLDR groupings are not countries
    french = [name for _, name in i18n.countries("fr")]
    assert french.index("Égypte") < french.index("Érythrée") < french.index("Espagne") < french.index("Zambie")


def test_the_buyers_country_is_chosen_from_accept_language_in_the_page_bytes() -> None:
    renditions, _ = rendered()
    page = renditions.get(PageKey("product", "MA", "html", "fr", "p1"))
    chosen = inquiry_form.with_country_chosen(page, "fr-CA,fr;q=0.9,en;q=0.8")
    assert b'<option value="CA" selected>' in chosen.body and chosen.etag != page.etag
    assert inquiry_form.with_country_chosen(page, "fr") is page  # no region named: nothing chosen
    assert inquiry_form.check({"buyer_country": "XX"}, "fr").errors["buyer_country"] == \
        "Choisissez votre pays dans la liste."
