"""Billing: the apportionment rule on its own (rebates first, then tax heads in order; exact decimals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from digit.blocks.billing.service import apportion
from digit.kernel.errors import Invalid


def _line(line_id: str, amount: str, adjusted: str = "0") -> dict[str, Any]:
    return {"id": line_id, "amount": amount, "adjustedAmount": adjusted}


def test_apportion_fills_heads_in_order_and_stops_when_the_money_ends() -> None:
    lines = [_line("tax", "1000"), _line("penalty", "100")]

    assert apportion(lines, Decimal("1050")) == {"tax": Decimal("1000"), "penalty": Decimal("50")}


def test_apportion_adjusts_a_rebate_first_even_for_a_small_payment() -> None:
    lines = [_line("tax", "1000"), _line("penalty", "100"), _line("rebate", "-100")]

    assert apportion(lines, Decimal("1")) == {"rebate": Decimal("-100"), "tax": Decimal("101")}


def test_apportion_skips_what_an_earlier_payment_settled() -> None:
    lines = [_line("tax", "1000", adjusted="1000"), _line("penalty", "100", adjusted="20"), _line("rebate", "-5", "-5")]

    assert apportion(lines, Decimal("80")) == {"penalty": Decimal("80")}


def test_apportion_keeps_paise_exact() -> None:
    lines = [_line("tax", "100.10"), _line("penalty", "0.20")]

    shares = apportion(lines, Decimal("100.11"))

    assert shares == {"tax": Decimal("100.10"), "penalty": Decimal("0.01")}
    assert sum(shares.values()) == Decimal("100.11")


def test_apportion_of_more_than_is_owed_is_refused() -> None:
    with pytest.raises(Invalid) as raised:
        apportion([_line("tax", "10")], Decimal("11"))

    assert raised.value.code == "EG_BS_APPORTION_FAILED"
