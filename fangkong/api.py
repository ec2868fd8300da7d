"""The JSON API under /api/v1/: each app contributes a router."""

from ninja import NinjaAPI

from fangkong import __version__
from fangkong.core.api import AUTH, install_error_handlers

api = NinjaAPI(
    title="fangkong API",
    version=__version__,
    description=(
        "The API of fangkong (防控). Authenticate with a personal token "
        "(`Authorization: Bearer fk_…`, created under *API tokens*) or the browser session "
        '(with its CSRF token). Errors are `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=AUTH,
    urls_namespace="api",
)
install_error_handlers(api)


def _register() -> None:
    from fangkong.areas.api import router as areas_router
    from fangkong.arrivals.api import router as arrivals_router
    from fangkong.cases.api import router as cases_router
    from fangkong.checkpoints.api import router as checkpoints_router
    from fangkong.command.api import router as command_router
    from fangkong.control.api import router as control_router
    from fangkong.core.api_views import router as core_router
    from fangkong.home_isolation.api import router as home_isolation_router
    from fangkong.logistics.api import router as logistics_router
    from fangkong.people.api import router as people_router
    from fangkong.policy.api import router as policy_router
    from fangkong.sites.api import router as sites_router
    from fangkong.testing.api import router as testing_router
    from fangkong.transfers.api import router as transfers_router
    from fangkong.workforce.api import router as workforce_router

    api.add_router("/", core_router)
    api.add_router("/areas", areas_router)
    api.add_router("/", people_router)
    api.add_router("/policy", policy_router)
    api.add_router("/control", control_router)
    api.add_router("/sites", sites_router)
    api.add_router("/testing", testing_router)
    api.add_router("/home-isolation", home_isolation_router)
    api.add_router("/cases", cases_router)
    api.add_router("/command", command_router)
    api.add_router("/transfers", transfers_router)
    api.add_router("/arrivals", arrivals_router)
    api.add_router("/checkpoints", checkpoints_router)
    api.add_router("/workforce", workforce_router)
    api.add_router("/logistics", logistics_router)


_register()
