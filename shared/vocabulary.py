"""The marketplace's shared vocabulary: Morocco's regions, export sectors, trade terms. Part of the event contract."""

from enum import StrEnum


class Region(StrEnum):
    """Morocco's 12 regions (2015 division)."""

    TANGER_TETOUAN_AL_HOCEIMA = "Tanger-Tétouan-Al Hoceïma"
    ORIENTAL = "Oriental"
    FES_MEKNES = "Fès-Meknès"
    RABAT_SALE_KENITRA = "Rabat-Salé-Kénitra"
    BENI_MELLAL_KHENIFRA = "Béni Mellal-Khénifra"
    CASABLANCA_SETTAT = "Casablanca-Settat"
    MARRAKECH_SAFI = "Marrakech-Safi"
    DRAA_TAFILALET = "Drâa-Tafilalet"
    SOUSS_MASSA = "Souss-Massa"
    GUELMIM_OUED_NOUN = "Guelmim-Oued Noun"
    LAAYOUNE_SAKIA_EL_HAMRA = "Laâyoune-Sakia El Hamra"
    DAKHLA_OUED_ED_DAHAB = "Dakhla-Oued Ed-Dahab"


class Sector(StrEnum):
    """Export sectors a supplier works in; also the top level of the product taxonomy."""

    AGRI_FOOD = "agri-food"
    SEAFOOD = "seafood"
    ARGAN_AND_COSMETICS = "argan-and-cosmetics"
    OLIVE_OIL_AND_OLIVES = "olive-oil-and-olives"
    HANDICRAFTS = "handicrafts"
    TEXTILES_AND_GARMENTS = "textiles-and-garments"
    LEATHER = "leather"
    AUTOMOTIVE_PARTS = "automotive-parts"
    AERONAUTICS = "aeronautics"
    FERTILISERS = "fertilisers"
    SPICES_AND_DATES = "spices-and-dates"
    BUILDING_MATERIALS = "building-materials"


class Incoterm(StrEnum):
    FOB = "FOB"
    CIF = "CIF"
    CFR = "CFR"
    CPT = "CPT"
    EXW = "EXW"
    DDP = "DDP"


class Certification(StrEnum):
    ONSSA = "ONSSA"
    ORGANIC = "organic"
    HALAL = "halal"
    ISO_9001 = "ISO 9001"
    ARGAN_PGI = "argan PGI"


NORTH_AMERICA = frozenset({"US", "CA", "MX"})


class ExportAgency(StrEnum):
    """Export-promotion bodies that endorse exporters."""

    AMDIE = "AMDIE"
    MAROC_PME = "Maroc PME"
    ASMEX = "ASMEX"


class InspectionBody(StrEnum):
    """Independent third-party bodies whose on-site inspection makes a supplier Verified."""

    SGS = "SGS"
    TUV_RHEINLAND = "TÜV Rheinland"
    INTERTEK = "Intertek"
    BUREAU_VERITAS = "Bureau Veritas"


class DocumentKind(StrEnum):
    RC_EXTRACT = "RC extract"
    ICE_CERTIFICATE = "ICE certificate"
    ONSSA_APPROVAL = "ONSSA approval"
    ISO_9001 = "ISO 9001 certificate"
    ORGANIC = "organic certificate"
    HALAL = "halal certificate"


class DocumentReview(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


FOOD_SECTORS = frozenset({Sector.AGRI_FOOD, Sector.SEAFOOD, Sector.OLIVE_OIL_AND_OLIVES, Sector.SPICES_AND_DATES})
"""Food businesses need an ONSSA sanitary approval (Law 28-07)."""

ONBOARDING_PARTNERS = {"clementia": "Clementia"}

SECTOR_LABELS = {
    Sector.AGRI_FOOD: "Fresh produce & agri-food", Sector.SEAFOOD: "Seafood & canned fish",
    Sector.ARGAN_AND_COSMETICS: "Argan oil & cosmetics", Sector.OLIVE_OIL_AND_OLIVES: "Olive oil & table olives",
    Sector.HANDICRAFTS: "Handicrafts & home decor", Sector.TEXTILES_AND_GARMENTS: "Textiles & garments",
    Sector.LEATHER: "Leather goods", Sector.AUTOMOTIVE_PARTS: "Automotive parts & wiring",
    Sector.AERONAUTICS: "Aeronautics", Sector.FERTILISERS: "Phosphates & fertilisers",
    Sector.SPICES_AND_DATES: "Spices, saffron & dates", Sector.BUILDING_MATERIALS: "Building materials & stone",
}
"""The product taxonomy's top level: Morocco's export sectors, as buyers read them."""

BUYER_REGIONS = {
    "North America": {"US", "CA", "MX"},
    "Europe": {"FR", "ES", "DE", "GB", "IT", "NL", "BE", "PT", "CH", "SE", "PL", "IE", "AT", "DK"},
    "Middle East": {"AE", "SA", "QA", "KW", "OM", "BH", "JO", "TR"},
    "Africa": {"SN", "NG", "CI", "EG", "KE", "GH", "TN", "DZ", "ZA", "MR"},
    "Asia-Pacific": {"JP", "CN", "KR", "IN", "AU", "SG", "MY", "ID"},
    "Latin America": {"BR", "AR", "CL", "CO", "PE"},
}


def buyer_region(country: str) -> str:
    return next((region for region, members in BUYER_REGIONS.items() if country in members), "Other")
