"""Forms of the case pages: field.py for the phone pages, desk.py for the desktop pages."""
