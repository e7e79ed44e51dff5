"""Words that reach the page from data (the shared vocabulary, the read model, the country files) rather than from
the templates, marked here so `pybabel extract` puts them in the catalogues; the templates translate them with
`_()` at render time. A unit test checks every value of the vocabulary is listed and translated."""


def N_(text: str) -> str:
    return text


SECTORS = [N_("Fresh produce & agri-food"), N_("Seafood & canned fish"), N_("Argan oil & cosmetics"),
           N_("Olive oil & table olives"), N_("Handicrafts & home decor"), N_("Textiles & garments"),
           N_("Leather goods"), N_("Automotive parts & wiring"), N_("Aeronautics"), N_("Phosphates & fertilisers"),
           N_("Spices, saffron & dates"), N_("Building materials & stone")]
REGIONS = [N_("Tanger-Tétouan-Al Hoceïma"), N_("Oriental"), N_("Fès-Meknès"), N_("Rabat-Salé-Kénitra"),
           N_("Béni Mellal-Khénifra"), N_("Casablanca-Settat"), N_("Marrakech-Safi"), N_("Drâa-Tafilalet"),
           N_("Souss-Massa"), N_("Guelmim-Oued Noun"), N_("Laâyoune-Sakia El Hamra"), N_("Dakhla-Oued Ed-Dahab"),
           # Tunisia's governorates
           N_("Ariana"), N_("Béja"), N_("Ben Arous"), N_("Bizerte"), N_("Gabès"), N_("Gafsa"), N_("Jendouba"),
           N_("Kairouan"), N_("Kasserine"), N_("Kébili"), N_("Le Kef"), N_("Mahdia"), N_("La Manouba"),
           N_("Médenine"), N_("Monastir"), N_("Nabeul"), N_("Sfax"), N_("Sidi Bouzid"), N_("Siliana"), N_("Sousse"),
           N_("Tataouine"), N_("Tozeur"), N_("Tunis"), N_("Zaghouan")]
BADGES = [N_("Verified · on-site inspected"), N_("Verified · agency endorsed"), N_("Verified · documents checked"),
          N_("Verified")]
BUYER_REGIONS = [N_("North America"), N_("Europe"), N_("Middle East"), N_("Africa"), N_("Asia-Pacific"),
                 N_("Latin America"), N_("Other")]
PARTNER_ROLES = [N_("investment and export agency: endorses exporters"),
                 N_("SME promotion agency: endorses exporters"), N_("exporters' confederation: endorses exporters"),
                 N_("onboarding partner: opens SMEs' digital storefronts"),
                 N_("independent inspection body: on-site verification"),
                 N_("export promotion centre: presents exporters")]
PERIODS = [N_("week"), N_("month"), N_("year")]
FORM = [N_("Company"), N_("Country"), N_("Choose your country"), N_("Choose your country from the list."),
        N_("Email"), N_("Quantity"), N_("Unit"), N_("Destination port or city"), N_("Message")]
CERTIFICATIONS = [N_("ONSSA"), N_("organic"), N_("halal"), N_("ISO 9001"), N_("argan PGI")]
