"""HTML pages of cases: phone-first field pages (field.py) and desktop pages (desk.py)."""
