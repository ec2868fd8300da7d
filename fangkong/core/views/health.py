from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from fangkong.core.db import statements


@never_cache
def healthz(request):
    """The process is up."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """The database answers and every migration is applied."""
    checks: dict[str, str] = {}
    try:
        conn = connections[DEFAULT_DB_ALIAS]
        statements.query_one("SELECT 1")
        checks["database"] = "ok"
        plan = MigrationExecutor(conn).migration_plan(
            MigrationExecutor(conn).loader.graph.leaf_nodes()
        )
        checks["migrations"] = "ok" if not plan else f"{len(plan)} unapplied"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks.setdefault("database", f"error: {type(exc).__name__}")
    ready = all(v == "ok" for v in checks.values()) and len(checks) == 2
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
