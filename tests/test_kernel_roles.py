"""Which of a person's roles apply in a tenant (kernel/security.py `role_codes_in`): its own and its state's."""

from __future__ import annotations

from digit.kernel.envelope import Role
from digit.kernel.security import Actor, role_codes_in

ROLES = [
    Role(code="GRO", tenant_id="pb.amritsar"),
    Role(code="SUPERUSER", tenant_id="pb"),
    Role(code="PGR_LME", tenant_id="pb.jalandhar"),
    Role(code="EMPLOYEE", tenant_id=None),
]


def test_role_codes_in_a_city_counts_the_city_and_its_state() -> None:
    assert role_codes_in(ROLES, "pb.amritsar") == {"GRO", "SUPERUSER", "EMPLOYEE"}


def test_role_codes_in_a_state_leaves_out_its_cities_roles() -> None:
    assert role_codes_in(ROLES, "pb") == {"SUPERUSER", "EMPLOYEE"}


def test_role_codes_in_another_state_counts_only_roles_without_a_tenant() -> None:
    assert role_codes_in(ROLES, "ap.guntur") == {"EMPLOYEE"}


def test_actor_role_codes_in_follows_the_same_rule() -> None:
    actor = Actor(uuid="u1", type="EMPLOYEE", tenant_id="pb.amritsar", roles=tuple(ROLES))

    assert actor.role_codes_in("pb.jalandhar") == role_codes_in(ROLES, "pb.jalandhar")
