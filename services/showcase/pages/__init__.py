"""What a visitor gets: the pages' shapes (`shapes.py`) and keys (`key.py`), one page rendered to bytes, JSON or
HTML (`render.py`: Jinja2 `templates/`, gettext `locale/`, Babel formats in `i18n.py`, `labels.py`), the pages kept
ready as bytes before anyone asks (`prebuilt.py`), the inquiry form (`inquiry_form.py`), the pictures (`media.py`)
and which country pages exist (`countries.py`, `countries/<code>.toml`)."""
