from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError, RateLimited
from fangkong.core.services.pii import reveal
from fangkong.core.views.errors import rate_limited


@login_required
@require_POST
def reveal_field(request, model, pk, field):
    """The full value of one field, for an htmx swap in place of the masked one (audited)."""
    try:
        value = reveal(model, pk, field, by=request.user)
    except RateLimited as exc:
        return rate_limited(request, exc)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        raise Http404 from exc
    return render(request, "core/_revealed.html", {"value": value})
