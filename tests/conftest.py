"""Fixtures shared across test modules (see site_fixtures.py for the site's)."""
import matplotlib
import pytest

matplotlib.use("Agg")   # figures render off-screen in every test module

from site_fixtures import browser, built_site, server  # noqa: E402,F401 - pytest fixtures


@pytest.fixture(autouse=True)
def close_figures():
    """No test leaves pyplot figures open for the next one."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
