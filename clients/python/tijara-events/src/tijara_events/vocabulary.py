"""The values the contract names, as of this package's contract version. Every one of these enums is open: a value
added later reads as its string (see open.py), so compare with `==` against a member or a string, never `is`."""

from enum import StrEnum


class Region(StrEnum):
    """Morocco's 12 regions (2015 division), then Tunisia's 24 governorates."""

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
    """Export sectors; also the top level of the product taxonomy (a product's `category`)."""

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
    AMDIE = "AMDIE"
    MAROC_PME = "Maroc PME"
    ASMEX = "ASMEX"
    CEPEX = "CEPEX"


class InspectionBody(StrEnum):
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
    RNE_EXTRACT = "RNE extract"
    TAX_ID_CARD = "tax identification card"


class Role(StrEnum):
    """The role an actor acted in (`actor.role`)."""

    SUPPLIER = "supplier"
    PARTNER = "partner"
    AGENCY = "agency"
    INSPECTION = "inspection"
    STAFF = "staff"
    OPERATOR = "operator"
    BUYER = "buyer"
    SYSTEM = "system"
    NOTIFIER = "notifier"  # a service that sends messages to people (being added to the contract in parallel)


class SupplierStatus(StrEnum):
    """submitted -> documents-verified -> endorsed -> inspected -> verified; rejected at any step before verified;
    verified <-> suspended; verified -> expired (re-inspection renews)."""

    SUBMITTED = "submitted"
    DOCUMENTS_VERIFIED = "documents-verified"
    ENDORSED = "endorsed"
    INSPECTED = "inspected"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


class VerificationLevel(StrEnum):
    NONE = "none"
    DOCUMENTS = "documents"
    ENDORSED = "endorsed"
    INSPECTED = "inspected"


class ProductStatus(StrEnum):
    """listed (shown to buyers while its supplier is verified) <-> delisted."""

    LISTED = "listed"
    DELISTED = "delisted"


class InquiryStatus(StrEnum):
    """open -> responded -> closed; open -> closed."""

    OPEN = "open"
    RESPONDED = "responded"
    CLOSED = "closed"


class SupplyPeriod(StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class ReceiptOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RejectionReason(StrEnum):
    UNDECODABLE = "undecodable"
    UNKNOWN_TYPE = "unknown-type"
    SCHEMA_INVALID = "schema-invalid"
    UNKNOWN_PARTNER = "unknown-partner"
    TYPE_NOT_ALLOWED = "type-not-allowed"
    SUPPLIER_NOT_FOUND = "supplier-not-found"
    CONFLICT = "conflict"
    TOMBSTONE = "tombstone"
    BAD_SIGNATURE = "bad-signature"
    PROVENANCE_NOT_ALLOWED = "provenance-not-allowed"


class Channel(StrEnum):
    """How a partner's input reached the marketplace (`provenance.channel`)."""

    HTTP = "http"
    KAFKA = "kafka"


class ErasureCause(StrEnum):
    REQUEST = "request"
    RETENTION = "retention"
