"""What a visitor gets: the pages' shapes (`shapes.py`) and keys (`key.py`); one page rendered to bytes, JSON or
HTML with its schema.org description (`render.py`), through the templates of each language (`templating.py`:
Jinja2 `templates/`, gettext `locale/`, Babel's formats in `i18n.py`, words from data in `labels.py`); the sitemap
(`sitemap.py`); the pages kept ready as bytes before anyone asks and rebuilt after a change (`prebuilt.py`); the
inquiry form (`inquiry_form.py`); the pictures (`media.py`); which country pages exist (`countries.py`,
`countries/<code>.toml`)."""
