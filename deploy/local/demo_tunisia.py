"""The Tunisian demo set's raw material: a small second country page (olive oil, Deglet Nour dates, harissa,
seafood, textiles, Nabeul pottery), by governorate. Demo material, not live data: Tunisia is among the largest
olive oil exporters, Deglet Nour dates come from the Djerid and Nefzaoua oases (Tozeur, Kébili), the Cap Bon
(Nabeul) makes harissa and pottery, the Sahel (Monastir, Sousse) makes garments for Europe."""

from __future__ import annotations

# sector -> (governorates with cities, product templates: title, HS code, unit, moq, price USD, certifications)
SECTORS: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str, str, int, float, list[str]]]]] = {
    "olive-oil-and-olives": (
        [("Sfax", "Sfax"), ("Sousse", "Msaken"), ("Monastir", "Monastir")],
        [("Extra virgin olive oil, Chemlali, 5 L tins", "150920", "litre", 1000, 6.9, ["organic"]),
         ("Early-harvest extra virgin olive oil, Chétoui", "150920", "litre", 500, 9.8, []),
         ("Organic extra virgin olive oil, 750 ml bottles", "150920", "bottle", 1200, 7.2, ["organic", "halal"])],
    ),
    "spices-and-dates": (
        [("Tozeur", "Tozeur"), ("Kébili", "Douz"), ("Nabeul", "Nabeul")],
        [("Deglet Nour dates on the branch", "080410", "kg", 1000, 3.9, ["organic"]),
         ("Pitted Deglet Nour dates, 1 kg boxes", "080410", "kg", 500, 5.6, ["halal"]),
         ("Cap Bon harissa paste, 135 g tins", "210390", "carton", 300, 18.0, ["halal"]),
         ("Dried chili peppers, Baklouti", "090421", "kg", 200, 4.4, [])],
    ),
    "seafood": (
        [("Mahdia", "Mahdia"), ("Sfax", "Sfax"), ("Médenine", "Zarzis")],
        [("Canned tuna in olive oil, 160 g", "160414", "carton", 400, 31.0, ["halal"]),
         ("Frozen octopus, Kerkennah", "030752", "kg", 1000, 10.9, []),
         ("Canned sardines in sunflower oil, 125 g", "160413", "carton", 500, 19.5, ["halal"])],
    ),
    "textiles-and-garments": (
        [("Monastir", "Ksar Hellal"), ("Sousse", "Sousse"), ("Ben Arous", "Ben Arous")],
        [("Women's denim jeans, stretch", "620462", "piece", 1000, 10.4, ["ISO 9001"]),
         ("Workwear jackets, polycotton", "620333", "piece", 500, 14.8, ["ISO 9001"]),
         ("Organic cotton baby bodysuits", "611120", "piece", 2000, 3.1, ["organic"])],
    ),
    "handicrafts": (
        [("Nabeul", "Nabeul"), ("Kairouan", "Kairouan"), ("Médenine", "Djerba")],
        [("Hand-painted Nabeul pottery serving bowl", "691200", "piece", 100, 11.0, []),
         ("Kairouan wool carpet, knotted", "570110", "piece", 5, 380.0, []),
         ("Olive wood salad servers", "441900", "pair", 200, 6.5, [])],
    ),
}
NAME_PARTS = (["Carthage", "Djerba", "Sahel", "Jasmin", "Cap Bon", "Kerkennah", "Medina", "Zitouna", "Hannibal",
               "Oasis", "Nefzaoua", "Dougga"],
              ["Export", "Trading", "Foods", "Huilerie", "Textiles", "Crafts", "Group", "Naturals"])
FIRST_NAMES = ["Amel", "Mohamed Ali", "Sonia", "Hichem", "Ines", "Skander", "Leila", "Walid", "Rim", "Anis"]
LAST_NAMES = ["Ben Salah", "Trabelsi", "Gharbi", "Jaziri", "Ben Ammar", "Chaabane", "Mejri", "Bouazizi", "Hammami"]
FRENCH_TITLES = {"Extra virgin olive oil, Chemlali, 5 L tins": "Huile d'olive extra vierge, Chemlali, bidons de 5 L",
                 "Deglet Nour dates on the branch": "Dattes Deglet Nour en branchettes",
                 "Cap Bon harissa paste, 135 g tins": "Harissa du Cap Bon, boîtes de 135 g",
                 "Canned tuna in olive oil, 160 g": "Thon à l'huile d'olive, 160 g",
                 "Hand-painted Nabeul pottery serving bowl": "Plat de service en poterie de Nabeul peint à la main"}
ARABIC_TITLES = {"Extra virgin olive oil, Chemlali, 5 L tins": "زيت زيتون بكر ممتاز، شملالي، علب 5 لتر",
                 "Deglet Nour dates on the branch": "تمر دقلة نور في العراجين",
                 "Cap Bon harissa paste, 135 g tins": "هريسة الوطن القبلي، علب 135 غ",
                 "Canned tuna in olive oil, 160 g": "تن معلب بزيت الزيتون، 160 غ"}
PORTS = {"Sfax": "Sfax", "Mahdia": "Sfax", "Sousse": "Sousse", "Monastir": "Sousse", "Médenine": "Zarzis",
         "Ben Arous": "Radès", "Nabeul": "Radès", "Kairouan": "Sousse", "Tozeur": "Radès", "Kébili": "Radès"}
REJECTION_REASONS = ["RNE extract does not match the matricule fiscal", "tax identification card expired",
                     "on-site inspection found no production facility at the declared address"]
