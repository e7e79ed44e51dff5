"""The Moroccan demo data set's raw material: sectors with regions, cities and product templates, names, buyers.
Figures and places follow shared/DOMAIN.md (demo material, not live data)."""

from __future__ import annotations

# sector -> (regions with cities, product templates: title, HS code, unit, moq, price USD, certifications)
SECTORS: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str, str, int, float, list[str]]]]] = {
    "argan-and-cosmetics": (
        [("Souss-Massa", "Agadir"), ("Souss-Massa", "Taroudant"), ("Marrakech-Safi", "Essaouira"),
         ("Drâa-Tafilalet", "Kelaat M'Gouna")],
        [("Organic cosmetic argan oil, cold-pressed", "151590", "litre", 50, 38.0, ["organic", "argan PGI"]),
         ("Culinary roasted argan oil", "151590", "litre", 100, 32.5, ["ONSSA", "argan PGI"]),
         ("Damask rose water, steam-distilled", "330190", "litre", 200, 6.8, ["organic"]),
         ("Ghassoul clay powder", "250810", "kg", 500, 2.9, ["ISO 9001"]),
         ("Prickly pear seed oil", "151590", "litre", 10, 290.0, ["organic"])],
    ),
    "olive-oil-and-olives": (
        [("Fès-Meknès", "Meknès"), ("Marrakech-Safi", "Marrakech"), ("Béni Mellal-Khénifra", "Béni Mellal")],
        [("Extra virgin olive oil, Picholine marocaine", "150920", "litre", 1000, 7.4, ["ONSSA"]),
         ("Green table olives, pitted, in brine", "200570", "kg", 2000, 2.1, ["ONSSA", "halal"]),
         ("Organic extra virgin olive oil, 500 ml bottles", "150920", "bottle", 1200, 6.2, ["organic", "ONSSA"])],
    ),
    "seafood": (
        [("Souss-Massa", "Agadir"), ("Marrakech-Safi", "Safi"), ("Laâyoune-Sakia El Hamra", "Laâyoune"),
         ("Dakhla-Oued Ed-Dahab", "Dakhla")],
        [("Canned sardines in olive oil, 125 g", "160413", "carton", 500, 24.0, ["ONSSA", "halal"]),
         ("Canned sardines in tomato sauce, 125 g", "160413", "carton", 500, 21.5, ["ONSSA"]),
         ("Frozen octopus, whole cleaned", "030752", "kg", 1000, 11.8, ["ONSSA"]),
         ("Canned mackerel fillets", "160415", "carton", 400, 27.0, ["ONSSA", "halal"])],
    ),
    "agri-food": (
        [("Souss-Massa", "Agadir"), ("Oriental", "Berkane"), ("Rabat-Salé-Kénitra", "Kénitra")],
        [("Fresh cherry tomatoes, vine", "070200", "kg", 5000, 1.6, ["ONSSA"]),
         ("Clementines, Berkane, calibre 1-2", "080521", "kg", 10000, 0.9, ["ONSSA"]),
         ("Fresh blueberries, 125 g punnets", "081040", "kg", 1000, 7.5, ["ONSSA"]),
         ("Avocados Hass, fresh", "080440", "kg", 4000, 2.4, ["ONSSA"])],
    ),
    "spices-and-dates": (
        [("Drâa-Tafilalet", "Errachidia"), ("Drâa-Tafilalet", "Zagora"), ("Souss-Massa", "Taliouine")],
        [("Medjool dates, jumbo", "080410", "kg", 500, 9.5, ["ONSSA", "organic"]),
         ("Taliouine saffron, category I", "091020", "gram", 100, 4.2, ["ONSSA"]),
         ("Cumin seeds, whole", "090931", "kg", 300, 3.8, ["ONSSA"])],
    ),
    "handicrafts": (
        [("Fès-Meknès", "Fès"), ("Marrakech-Safi", "Safi"), ("Marrakech-Safi", "Marrakech"),
         ("Béni Mellal-Khénifra", "Khénifra")],
        [("Zellige mosaic tiles, hand-cut, 10x10 cm", "690721", "m²", 50, 68.0, []),
         ("Hand-painted Safi ceramic tagine", "691200", "piece", 100, 14.0, []),
         ("Beni Ourain wool rug, hand-knotted", "570110", "piece", 5, 420.0, []),
         ("Hammered brass lantern", "940549", "piece", 50, 36.0, [])],
    ),
    "leather": (
        [("Fès-Meknès", "Fès"), ("Marrakech-Safi", "Marrakech")],
        [("Vegetable-tanned leather tote bag", "420221", "piece", 100, 48.0, []),
         ("Leather babouche slippers", "640399", "pair", 200, 12.5, []),
         ("Leather pouffe, unstuffed", "420500", "piece", 50, 29.0, [])],
    ),
    "textiles-and-garments": (
        [("Tanger-Tétouan-Al Hoceïma", "Tanger"), ("Casablanca-Settat", "Casablanca"),
         ("Fès-Meknès", "Fès")],
        [("Men's denim jeans, 5-pocket", "620342", "piece", 1000, 9.8, ["ISO 9001"]),
         ("Organic cotton T-shirts", "610910", "piece", 2000, 3.4, ["organic"]),
         ("Women's knitted cardigans", "611030", "piece", 800, 12.0, [])],
    ),
    "automotive-parts": (
        [("Tanger-Tétouan-Al Hoceïma", "Tanger"), ("Rabat-Salé-Kénitra", "Kénitra")],
        [("Automotive wiring harness, custom", "854430", "piece", 5000, 18.0, ["ISO 9001"]),
         ("Seat covers for passenger cars", "940190", "set", 1000, 22.0, ["ISO 9001"]),
         ("Stamped steel brackets", "870829", "piece", 10000, 0.8, ["ISO 9001"])],
    ),
    "aeronautics": (
        [("Casablanca-Settat", "Nouaceur")],
        [("Machined aluminium aircraft brackets", "880730", "piece", 200, 85.0, ["ISO 9001"]),
         ("Composite cabin panels", "880730", "piece", 50, 640.0, ["ISO 9001"])],
    ),
    "fertilisers": (
        [("Casablanca-Settat", "El Jadida"), ("Marrakech-Safi", "Safi")],
        [("Diammonium phosphate (DAP) 18-46-0", "310530", "tonne", 500, 610.0, ["ISO 9001"]),
         ("NPK 15-15-15 compound fertiliser", "310520", "tonne", 200, 520.0, [])],
    ),
    "building-materials": (
        [("Oriental", "Oujda"), ("Guelmim-Oued Noun", "Guelmim"), ("Casablanca-Settat", "Settat")],
        [("Tadelakt lime plaster", "252290", "kg", 1000, 1.9, []),
         ("Moroccan marble slabs, polished", "680221", "m²", 200, 42.0, [])],
    ),
}
NAME_PARTS = (["Atlas", "Souss", "Tafilalet", "Rif", "Anfa", "Menara", "Oasis", "Sahara", "Volubilis", "Majorelle",
               "Zagora", "Toubkal", "Ifrane", "Draa", "Amazigh", "Medina", "Andalous", "Tingis", "Mogador", "Chefchaouen"],
              ["Export", "Trading", "Coop", "Industries", "Naturals", "Crafts", "Foods", "Maroc", "Group", "Atelier"])
BUYER_COUNTRIES = [("US", 34), ("CA", 18), ("MX", 4), ("FR", 8), ("ES", 6), ("DE", 5), ("GB", 5), ("IT", 3),
                   ("NL", 3), ("BE", 2), ("AE", 3), ("SA", 2), ("SN", 2), ("NG", 1), ("JP", 2), ("BR", 1), ("CN", 1)]
BUYERS = ["Pacific Gourmet Imports", "Maple Leaf Foods Trading", "Hudson Home & Decor", "Great Lakes Provisions",
          "Lone Star Natural Goods", "Montreal Épicerie Fine", "Bay Area Artisan Market", "Atlantic Seafood Supply",
          "Rocky Mountain Wellness", "Toronto Design Collective", "Maison Provence SARL", "Iberia Delicatessen SL",
          "Berliner Feinkost GmbH", "Gulf Horizon Trading LLC", "Dakar Distribution SA", "Tokyo Select Foods KK"]
REJECTION_REASONS = ["RC extract does not match the ICE certificate", "ONSSA approval expired",
                     "on-site inspection found no production facility at the declared address"]
FRENCH_TITLES = {"Organic cosmetic argan oil, cold-pressed": "Huile d'argan cosmétique bio, pressée à froid",
                 "Canned sardines in olive oil, 125 g": "Sardines à l'huile d'olive, 125 g",
                 "Extra virgin olive oil, Picholine marocaine": "Huile d'olive extra vierge, Picholine marocaine",
                 "Medjool dates, jumbo": "Dattes Medjool, calibre jumbo",
                 "Clementines, Berkane, calibre 1-2": "Clémentines de Berkane, calibre 1-2",
                 "Zellige mosaic tiles, hand-cut, 10x10 cm": "Zellige taillé main, 10x10 cm"}
ARABIC_TITLES = {"Organic cosmetic argan oil, cold-pressed": "زيت الأركان التجميلي العضوي، معصور على البارد",
                 "Canned sardines in olive oil, 125 g": "سردين معلب بزيت الزيتون، 125 غ",
                 "Medjool dates, jumbo": "تمر المجهول، حجم كبير",
                 "Taliouine saffron, category I": "زعفران تالوين، الصنف الأول"}
PORTS = {"Tanger-Tétouan-Al Hoceïma": "Tanger Med", "Souss-Massa": "Agadir", "Oriental": "Nador",
         "Laâyoune-Sakia El Hamra": "Laâyoune", "Dakhla-Oued Ed-Dahab": "Dakhla"}
FIRST_NAMES = ["Fatima Zahra", "Youssef", "Khadija", "Mehdi", "Salma", "Omar", "Imane", "Hamza", "Nadia", "Karim"]
LAST_NAMES = ["Amrani", "Benjelloun", "El Idrissi", "Tazi", "Alaoui", "Berrada", "Chraibi", "Ouazzani", "Bennani"]
ANSWERS = ["Thank you for your inquiry. We can supply this quantity; our quotation with lead time is attached.",
           "We can ship within the requested window. Please confirm the Incoterm and destination port.",
           "Samples are available; our price list by quantity tier is attached."]
