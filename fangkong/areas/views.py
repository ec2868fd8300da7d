from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from fangkong.areas.selectors import areas_for


@login_required
def area_tree(request):
    """The user's part of the grid, down to villages/communities."""
    if not request.user.can("area.view"):
        raise PermissionDenied
    areas = areas_for(request.user).filter(depth__lte=3).order_by("path")
    return render(request, "areas/area_tree.html", {"areas": areas})
