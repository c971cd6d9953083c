"""Fixtures shared across test modules (see site_fixtures.py)."""
from site_fixtures import browser, built_site, server  # noqa: F401 - pytest fixtures
