from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from fangkong.core.scoping import get_visible_or_404
from fangkong.core.views.generic import ObjectFormView, ServiceFormView
from fangkong.core.views.mixins import PermissionMixin
from fangkong.people import selectors, services
from fangkong.people.forms import CategoryForm
from fangkong.people.models import KeyCategory
from fangkong.people.views.persons import PersonListView


class CategoryListView(PermissionMixin, View):
    """The key-person lists with their counts in the user's areas, and counts per township."""

    permission = "person.view"

    def get(self, request):
        counts = selectors.category_counts(request.user)
        categories = list(KeyCategory.objects.all())
        for c in categories:
            c.count = counts.get(c.pk, 0)
        towns = selectors.counts_by_township(request.user)
        active = [c for c in categories if c.active]
        matrix = [(t, [t.counts.get(c.pk, 0) for c in active]) for t in towns]
        return render(
            request,
            "people/category_list.html",
            {
                "title": _("Key categories"),
                "categories": categories,
                "active": active,
                "matrix": matrix,
                "can_manage": request.user.can("category.manage"),
            },
        )


class CategoryDetailView(PersonListView):
    """The persons of one key category, filtered by area like any person list."""

    template_name = "people/category_detail.html"
    create_url = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.category = get_visible_or_404(KeyCategory, request.user, pk=kwargs["pk"])
            self.title = self.category.name
            self.export_name = f"category-{self.category.code}"
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().filter(categories=self.category)

    def extra_context(self):
        return {
            **super().extra_context(),
            "category": self.category,
            "towns": selectors.counts_by_township(self.request.user, self.category),
            "can_manage": self.request.user.can("category.manage"),
        }


class CategoryCreateView(ServiceFormView):
    permission = "category.manage"
    form_class = CategoryForm
    title = _("New key category")

    def perform(self, form):
        return services.create_category(by=self.request.user, **form.cleaned_data)

    def success_url(self, result):
        return reverse("people:category_list")


class CategoryEditView(ObjectFormView, CategoryCreateView):
    title = _("Edit key category")
    model = KeyCategory

    def get_initial(self):
        c = self.object
        return {
            "code": c.code,
            "name": c.name,
            "description": c.description,
            "sort_order": c.sort_order,
            "active": c.active,
        }

    def perform(self, form):
        return services.update_category(self.object, by=self.request.user, **form.cleaned_data)
