"""PII masking (kernel/masking.py): DIGIT's `.(?=.{4})` pattern, written once for every block."""

from __future__ import annotations

import re

import pytest

from digit.blocks.user.pii import masked
from digit.kernel.masking import mask, mask_json, mask_lines


def test_mask_shows_only_the_last_four_characters() -> None:
    assert mask("9876543210") == "******3210"


def test_mask_leaves_a_value_of_four_characters_or_fewer_whole() -> None:
    assert mask("Ravi") == "Ravi"


def test_mask_leaves_a_missing_value_as_it_is() -> None:
    assert (mask(None), mask("")) == (None, "")


@pytest.mark.parametrize(
    "value", ["", "abc", "9876543210", "12 Mall Road\nAmritsar", "ab\ncdefgh\n\nxy\r\n12345", "\n\n"]
)
def test_mask_lines_is_digit_regex_applied_to_multi_line_text(value: str) -> None:
    assert mask_lines(value) == re.sub(r".(?=.{4})", "*", value)


def test_mask_lines_keeps_the_line_breaks() -> None:
    assert mask_lines("12 Mall Road\nAmritsar") == "********Road\n****tsar"


def test_mask_json_masks_a_number_as_text() -> None:
    assert mask_json(9876543210) == "******3210"


def test_mask_json_hides_what_is_not_text() -> None:
    assert mask_json([{"city": "Amritsar"}]) == "****"


def test_masked_user_masks_the_named_fields_only() -> None:
    user = {"name": "Ravi Kumar", "mobileNumber": "9876543210", "userName": "9876543210", "emailId": None}

    shown = masked(user, ["name", "mobileNumber", "emailId"])

    assert shown == {"name": "******umar", "mobileNumber": "******3210", "userName": "9876543210", "emailId": None}
