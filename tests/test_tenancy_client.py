"""Tenant facts other blocks read through `MdmsClient` (block: mdms)."""

from __future__ import annotations

from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.kernel.platform import Platform
from digit.kernel.tenancy import is_city_of, lineage, state_of


def mdms(platform: Platform) -> MdmsClient:
    return platform.get(MDMS_CLIENT)


def test_state_of_a_city_is_its_first_segment() -> None:
    assert state_of("pb.amritsar") == "pb"


def test_is_city_of_rejects_the_state_itself() -> None:
    assert not is_city_of("pb", "pb")


def test_lineage_is_most_specific_first() -> None:
    assert lineage("in.pb.amritsar") == ["in.pb.amritsar", "in.pb", "in"]


async def test_tenant_exists_for_demo_city(platform: Platform) -> None:
    assert await mdms(platform).tenant_exists("pb.jalandhar")


async def test_tenant_exists_is_false_for_unknown_city(platform: Platform) -> None:
    assert not await mdms(platform).tenant_exists("pb.atlantis")


async def test_cities_of_lists_the_state_cities(platform: Platform) -> None:
    assert await mdms(platform).cities_of("pb") == ["pb.amritsar", "pb.jalandhar"]


async def test_cities_of_a_city_is_empty(platform: Platform) -> None:
    assert await mdms(platform).cities_of("pb.amritsar") == []


async def test_state_tenants_include_pb(platform: Platform) -> None:
    assert "pb" in await mdms(platform).state_tenants()


async def test_get_tenant_reads_the_city_record(platform: Platform) -> None:
    tenant = await mdms(platform).get_tenant("pb.amritsar")

    assert tenant is not None
    assert tenant.city is not None
    assert tenant.city.name == "Amritsar"
