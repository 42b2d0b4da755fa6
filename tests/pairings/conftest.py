"""Pairing fixtures: a county department and a township unit, cadres, households."""

from types import SimpleNamespace

import pytest

from pairings.choices import UnitKind, UnitLevel
from pairings.models import Cadre, Unit


def make_unit(region, name, level, kind=UnitKind.PARTY_GOVERNMENT, parent=None):
    return Unit.objects.create(name=name, level=level, region=region, kind=kind, parent=parent)


def make_cadre(unit, name, home_region, user=None, **extra):
    return Cadre.objects.create(name=name, unit=unit, home_region=home_region, user=user, **extra)


@pytest.fixture
def units(tree):
    county_unit = make_unit(tree.county, "金堂县农业农村局", UnitLevel.COUNTY)
    town_unit = make_unit(tree.town, "竹篙镇人民政府", UnitLevel.TOWNSHIP, parent=None)
    sibling_unit = make_unit(tree.sibling_town, "五凤镇人民政府", UnitLevel.TOWNSHIP)
    return SimpleNamespace(county=county_unit, town=town_unit, sibling=sibling_unit)


@pytest.fixture
def cadre_user(tree):
    from tests.factories import UserFactory

    return UserFactory(username="helper")


@pytest.fixture
def cadres(tree, units, cadre_user):
    return SimpleNamespace(
        own=make_cadre(units.county, "张帮扶", tree.town, user=cadre_user, post="科员"),
        other=make_cadre(units.town, "李认亲", tree.town),
        sibling=make_cadre(units.sibling, "王五凤", tree.sibling_town),
    )
