"""Words that reach a message from data (the supplier's badge and region) rather than from the templates, marked
here so `pybabel extract` puts them in the catalogues; the templates translate them with `_()` at render time. The
same words as the country page's, so a buyer reads the same badge in the message and on the page."""


def N_(text: str) -> str:
    return text


BADGES = [N_("Verified · on-site inspected"), N_("Verified · agency endorsed"), N_("Verified · documents checked"),
          N_("Verified")]
REGIONS = [N_("Tanger-Tétouan-Al Hoceïma"), N_("Oriental"), N_("Fès-Meknès"), N_("Rabat-Salé-Kénitra"),
           N_("Béni Mellal-Khénifra"), N_("Casablanca-Settat"), N_("Marrakech-Safi"), N_("Drâa-Tafilalet"),
           N_("Souss-Massa"), N_("Guelmim-Oued Noun"), N_("Laâyoune-Sakia El Hamra"), N_("Dakhla-Oued Ed-Dahab"),
           N_("Ariana"), N_("Béja"), N_("Ben Arous"), N_("Bizerte"), N_("Gabès"), N_("Gafsa"), N_("Jendouba"),
           N_("Kairouan"), N_("Kasserine"), N_("Kébili"), N_("Le Kef"), N_("Mahdia"), N_("La Manouba"),
           N_("Médenine"), N_("Monastir"), N_("Nabeul"), N_("Sfax"), N_("Sidi Bouzid"), N_("Siliana"), N_("Sousse"),
           N_("Tataouine"), N_("Tozeur"), N_("Tunis"), N_("Zaghouan")]
