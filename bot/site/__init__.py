"""Static web pages for clinics: every entry, searchable offline, printable as a handout."""

from bot.site.build import Built, SiteError, build_site

__all__ = ["Built", "SiteError", "build_site"]
