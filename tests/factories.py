"""factory_boy factories shared by the whole suite."""

import datetime as dt
import random

import factory

from fangkong.areas.models import Area
from fangkong.core.models import User, UserRole
from fangkong.people.models import Household, Person
from fangkong.people.services import pinyin_initials
from fangkong.people.synthetic import make_id_number, make_mobile

_rng = random.Random(42)


def add_area(parent, code, name, kind):
    from fangkong.areas.services import add_area as add

    return add(
        parent=Area.objects.get(pk=parent.pk) if parent else None, code=code, name=name, kind=kind
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-9")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            UserRole.objects.create(user=self, role=role)

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if extracted:
            self.areas.set(extracted)
        self.save()


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    address = factory.Sequence(lambda n: f"幸福路{n}号")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name", locale="zh_CN")
    name_initials = factory.LazyAttribute(lambda o: pinyin_initials(o.name))
    birth_date = factory.LazyFunction(
        lambda: dt.date(1960, 1, 1) + dt.timedelta(days=_rng.randint(0, 20000))
    )
    sex = factory.LazyFunction(lambda: _rng.choice("MF"))
    id_number = factory.LazyAttribute(lambda o: make_id_number(_rng, o.birth_date, o.sex == "M"))
    phone = factory.LazyFunction(lambda: make_mobile(_rng))
