"""idgen: DIGIT's format language, read and rendered without a database (block: idgen)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from digit.blocks.idgen.formats import TokenKind, financial_year, java_date, parse_format, render
from digit.kernel.errors import Invalid

IST = ZoneInfo("Asia/Kolkata")
NOV_26 = datetime(2026, 11, 26, 15, 30, 7, tzinfo=IST)
FEB_01 = datetime(2027, 2, 1, 9, 5, 0, tzinfo=IST)


def one(format_text: str, *, tenant_id: str = "pb.amritsar", city: str | None = "AMR", sequence: int = 7) -> str:
    parsed = parse_format(format_text, tenant_id=tenant_id)
    sequences = {name: [sequence] for name in parsed.sequence_names}
    return render(parsed, now=NOV_26, sequences=sequences, index=0, city_code=city)


def test_parse_replaces_tenant_placeholders_before_reading_tokens() -> None:
    parsed = parse_format("[tenantid]/[tenant_id]/[TENANT_ID]/[SEQ_X_[TENANT_ID]]", tenant_id="pb.amritsar")

    assert parsed.template == "pb.amritsar/pb_amritsar/PB_AMRITSAR/[SEQ_X_PB_AMRITSAR]"
    assert parsed.sequence_names == ["SEQ_X_PB_AMRITSAR"]


def test_render_pgr_format_gives_date_and_six_digit_sequence() -> None:
    assert one("PB-PGR-[cy:yyyy-MM-dd]-[SEQ_EG_PGR_ID]") == "PB-PGR-2026-11-26-000007"


def test_render_city_tokens_in_either_spelling_give_city_code() -> None:
    assert one("[city]-[CITY.CODE]-[SEQ_A]") == "AMR-AMR-000007"


def test_sequence_names_are_case_insensitive_like_postgres_sequences() -> None:
    parsed = parse_format("[SEQ_BS_MUTATION_[tenant_id]]", tenant_id="pb.amritsar")

    assert parsed.sequence_names == ["SEQ_BS_MUTATION_PB_AMRITSAR"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy-MM-dd", "2026-11-26"),
        ("yy", "26"),
        ("dd/MM/yyyy HH:mm:ss", "26/11/2026 15:30:07"),
        ("MMM", "Nov"),
        ("yyyyMMdd'T'HHmm", "20261126T1530"),
        ("hh a", "03 PM"),
    ],
)
def test_java_date_patterns_render_like_simpledateformat(pattern: str, expected: str) -> None:
    assert java_date(pattern, NOV_26) == expected


def test_financial_year_runs_april_to_march() -> None:
    assert (financial_year("yyyy-yy", NOV_26), financial_year("yyyy-yy", FEB_01)) == ("2026-27", "2026-27")


def test_financial_year_with_one_part_gives_the_starting_year() -> None:
    assert financial_year("yyyy", FEB_01) == "2026"


def test_random_token_gives_the_asked_number_of_digits() -> None:
    assert re.fullmatch(r"X-\d{4}-\d{2}", one("X-[d{4}]-[cb.name]"))


def test_parse_classifies_tokens_by_prefix() -> None:
    parsed = parse_format("[SEQ_A]-[fy:yyyy-yy]-[cy:yyyy]-[CITY.CODE]-[d{3}]", tenant_id="pb")

    assert [t.kind for t in parsed.tokens] == [
        TokenKind.SEQUENCE,
        TokenKind.FINANCIAL_YEAR,
        TokenKind.CURRENT_DATE,
        TokenKind.CITY,
        TokenKind.RANDOM,
    ]


@pytest.mark.parametrize(
    "bad_format",
    ["PB-[cy:qqqq]-[SEQ_A]", "PB-[]-[SEQ_A]", "PB-[d{x}]", "PB-[SEQ_A-B]", "PB-[SEQ_A", "PB-[fy:MM-dd]", "   "],
)
def test_parse_rejects_tokens_it_cannot_honour(bad_format: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_format(bad_format, tenant_id="pb.amritsar")

    assert raised.value.code in {"INVALID_FORMAT", "IDGEN_FORMAT_ERROR"}
