"""The wire vocabulary the streams share: the regions of the countries served (Morocco, then Tunisia), export
sectors, trade terms, the bodies that endorse and inspect, document kinds. Values only; what a service does with
them (labels, which sectors need which document, which region is in which country) lives in that service. Consumers read a value added later as "unknown" (shared.contracts.envelope.Tolerant)."""

from enum import StrEnum


class Region(StrEnum):
    """Morocco's 12 regions (2015 division); Tunisia's 24 governorates were added later (additive)."""

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

    # Tunisia's 24 governorates (gouvernorats), in their usual French spelling
    ARIANA = "Ariana"
    BEJA = "Béja"
    BEN_AROUS = "Ben Arous"
    BIZERTE = "Bizerte"
    GABES = "Gabès"
    GAFSA = "Gafsa"
    JENDOUBA = "Jendouba"
    KAIROUAN = "Kairouan"
    KASSERINE = "Kasserine"
    KEBILI = "Kébili"
    LE_KEF = "Le Kef"
    MAHDIA = "Mahdia"
    LA_MANOUBA = "La Manouba"
    MEDENINE = "Médenine"
    MONASTIR = "Monastir"
    NABEUL = "Nabeul"
    SFAX = "Sfax"
    SIDI_BOUZID = "Sidi Bouzid"
    SILIANA = "Siliana"
    SOUSSE = "Sousse"
    TATAOUINE = "Tataouine"
    TOZEUR = "Tozeur"
    TUNIS = "Tunis"
    ZAGHOUAN = "Zaghouan"


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


class ExportAgency(StrEnum):
    """Export-promotion bodies that endorse exporters."""

    AMDIE = "AMDIE"
    MAROC_PME = "Maroc PME"
    ASMEX = "ASMEX"
    CEPEX = "CEPEX"  # Tunisia's Centre de Promotion des Exportations


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
    # Tunisia: the national business register's extract (RNE, law 2018-52) and the tax identification card
    RNE_EXTRACT = "RNE extract"
    TAX_ID_CARD = "tax identification card"
