"""Tenant filters (kernel/tenancy.py): a state covers its cities, a city only itself, run on a real SQL engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, ColumnElement, Engine, MetaData, String, Table, create_engine, select

from digit.kernel.tenancy import in_tenant, in_tenants

TENANTS = ["pb", "pb.amritsar", "pb.jalandhar", "pbx", "pbx.patiala", "ap", "ap.guntur", "p_", "p_.ward"]
rows = Table("rows", MetaData(), Column("tenant_id", String, primary_key=True))


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    rows.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(rows.insert(), [{"tenant_id": t} for t in TENANTS])
    yield engine
    engine.dispose()


def _matching(engine: Engine, clause: ColumnElement[bool]) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(select(rows.c.tenant_id).where(clause)))


def test_in_tenant_of_a_state_covers_its_cities(engine: Engine) -> None:
    assert _matching(engine, in_tenant(rows.c.tenant_id, "pb")) == {"pb", "pb.amritsar", "pb.jalandhar"}


def test_in_tenant_of_a_city_is_that_city_only(engine: Engine) -> None:
    assert _matching(engine, in_tenant(rows.c.tenant_id, "pb.amritsar")) == {"pb.amritsar"}


def test_in_tenant_with_ancestors_of_a_city_adds_its_state(engine: Engine) -> None:
    clause = in_tenant(rows.c.tenant_id, "pb.amritsar", with_ancestors=True)

    assert _matching(engine, clause) == {"pb", "pb.amritsar"}


def test_in_tenant_with_ancestors_of_a_state_is_the_state_and_its_cities(engine: Engine) -> None:
    clause = in_tenant(rows.c.tenant_id, "pb", with_ancestors=True)

    assert _matching(engine, clause) == {"pb", "pb.amritsar", "pb.jalandhar"}


def test_in_tenant_takes_an_underscore_in_a_tenant_id_literally(engine: Engine) -> None:
    assert _matching(engine, in_tenant(rows.c.tenant_id, "p_")) == {"p_", "p_.ward"}


def test_in_tenants_covers_the_cities_of_the_states_among_them(engine: Engine) -> None:
    clause = in_tenants(rows.c.tenant_id, {"ap", "pb.amritsar"})

    assert _matching(engine, clause) == {"ap", "ap.guntur", "pb.amritsar"}


def test_in_tenants_of_no_tenant_matches_nothing(engine: Engine) -> None:
    assert _matching(engine, in_tenants(rows.c.tenant_id, set())) == set()
