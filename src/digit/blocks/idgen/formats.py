"""DIGIT's id format language, as egov-idgen reads it; pure functions, no database.

A format is literal text with bracketed tokens, read in DIGIT's order:
1. `[tenantid]`, `[tenant_id]` (dots -> `_`) and `[TENANT_ID]` (upper case) are replaced first, so
   `[SEQ_X_[TENANT_ID]]` becomes the per-city sequence `[SEQ_X_PB_AMRITSAR]`;
2. every remaining `[token]` is, by its (case-insensitive) prefix: `seq...` a sequence (zero-padded,
   6 digits by default), `fy:<pattern>` the April-March financial year, `cy:<pattern>` the current
   date/time as a Java `SimpleDateFormat` pattern, `city...` the tenant's `city.code`; anything else is
   DIGIT's random token: `{n}` digits (`[d{4}]`), two digits when no `{n}` is given.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from digit.kernel.errors import Invalid

DEFAULT_PADDING = 6
MAX_RANDOM_DIGITS = 32
TOKEN = re.compile(r"\[(.*?)\]")
SEQUENCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RANDOM_LENGTH = re.compile(r"\{(.*?)\}")


class TokenKind(StrEnum):
    SEQUENCE = "seq"
    FINANCIAL_YEAR = "fy"
    CURRENT_DATE = "cy"
    CITY = "city"
    RANDOM = "random"


@dataclass(frozen=True)
class Token:
    text: str  # as written between the brackets
    kind: TokenKind
    argument: str = ""  # the date pattern, the sequence name (upper case) or the random length


@dataclass(frozen=True)
class IdFormat:
    """A format with its tenant placeholders already replaced, split into tokens."""

    template: str
    tokens: tuple[Token, ...]

    @property
    def sequence_names(self) -> list[str]:
        return sorted({t.argument for t in self.tokens if t.kind is TokenKind.SEQUENCE})

    @property
    def needs_city(self) -> bool:
        return any(t.kind is TokenKind.CITY for t in self.tokens)


def substitute_tenant(format_text: str, tenant_id: str) -> str:
    """DIGIT's first pass: the three tenant placeholders, exactly as spelled."""
    underscored = tenant_id.replace(".", "_")
    return (
        format_text.replace("[tenantid]", tenant_id)
        .replace("[tenant_id]", underscored)
        .replace("[TENANT_ID]", underscored.upper())
    )


def parse_format(format_text: str, *, tenant_id: str) -> IdFormat:
    """Read a format; a token this platform cannot honour is a 400 naming it."""
    if not format_text or not format_text.strip():
        raise Invalid("IDGEN_FORMAT_ERROR", "Blank format is not allowed")
    template = substitute_tenant(format_text, tenant_id)
    _check_brackets(template)
    tokens = tuple(_read_token(text) for text in TOKEN.findall(template))
    for token in tokens:
        if token.kind in (TokenKind.CURRENT_DATE, TokenKind.FINANCIAL_YEAR):
            _check_date_pattern(token)
    return IdFormat(template=template, tokens=tokens)


def _check_brackets(template: str) -> None:
    depth = 0
    for char in template:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if depth < 0 or depth > 1:
            raise Invalid("INVALID_FORMAT", f"unbalanced brackets in the id format {template!r}")
    if depth != 0:
        raise Invalid("INVALID_FORMAT", f"unbalanced brackets in the id format {template!r}")


def _read_token(text: str) -> Token:
    lowered = text.strip().lower()
    if not lowered:
        raise Invalid("INVALID_FORMAT", "an empty [] token in the id format")
    if lowered.startswith("seq"):
        name = text.strip().upper()
        if not SEQUENCE_NAME.match(name):
            raise Invalid("INVALID_FORMAT", f"[{text}] is not a valid sequence name (letters, digits and _)")
        return Token(text, TokenKind.SEQUENCE, name)
    if lowered.startswith("fy"):
        return Token(text, TokenKind.FINANCIAL_YEAR, text.split(":", 1)[-1].strip())
    if lowered.startswith("cy"):
        return Token(text, TokenKind.CURRENT_DATE, text.split(":", 1)[-1].strip())
    if lowered.startswith("city"):
        return Token(text, TokenKind.CITY)
    lengths = RANDOM_LENGTH.findall(text)
    length = "2"
    if lengths:
        length = lengths[0].strip()
        if not length.isdigit() or not 1 <= int(length) <= MAX_RANDOM_DIGITS:
            raise Invalid(
                "INVALID_FORMAT", f"[{text}]: random digits need a length from 1 to {MAX_RANDOM_DIGITS}, as in [d{{4}}]"
            )
    return Token(text, TokenKind.RANDOM, length)


def _check_date_pattern(token: Token) -> None:
    probe = datetime(2026, 1, 1)  # only the pattern is being checked
    if not token.argument:
        raise Invalid("INVALID_FORMAT", f"[{token.text}] has no date pattern")
    try:
        if token.kind is TokenKind.FINANCIAL_YEAR:
            financial_year(token.argument, probe)
        else:
            java_date(token.argument, probe)
    except ValueError as error:
        raise Invalid("INVALID_FORMAT", f"[{token.text}]: {error}") from None


def render(
    id_format: IdFormat,
    *,
    now: datetime,
    sequences: Mapping[str, Sequence[int]],
    index: int,
    city_code: str | None,
    padding: int = DEFAULT_PADDING,
) -> str:
    """The `index`-th id of a request: each token replaced everywhere it appears (DIGIT's String.replace)."""
    result = id_format.template
    for token in id_format.tokens:
        if token.kind is TokenKind.SEQUENCE:
            value = str(sequences[token.argument][index]).zfill(padding)
        elif token.kind is TokenKind.FINANCIAL_YEAR:
            value = financial_year(token.argument, now)
        elif token.kind is TokenKind.CURRENT_DATE:
            value = java_date(token.argument, now)
        elif token.kind is TokenKind.CITY:
            value = city_code or ""
        else:
            value = "".join(secrets.choice(string.digits) for _ in range(int(token.argument)))
        result = result.replace(f"[{token.text}]", value, 1 if token.kind is TokenKind.RANDOM else -1)
    return result


def financial_year(pattern: str, now: datetime) -> str:
    """April-March year: `yyyy-yy` on 2026-11-26 is `2026-27`, on 2027-02-01 also `2026-27`.

    A one-part pattern (`[fy:yyyy]`, seen in real DIGIT data) gives the starting year alone.
    """
    start = now.year if now.month > 3 else now.year - 1
    parts = [p.strip() for p in pattern.split("-")]
    if not parts or any(not p or set(p) - {"y", "Y"} for p in parts):
        raise ValueError(f"a financial year pattern is made of y's, like yyyy-yy (got {pattern!r})")
    rendered = [_year(start, len(parts[0]))]
    rendered.extend(_year(start + 1, len(part)) for part in parts[1:])
    return "-".join(rendered)


def _year(year: int, width: int) -> str:
    return f"{year % 100:02d}" if width == 2 else str(year).zfill(width)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def java_date(pattern: str, now: datetime) -> str:
    """Format `now` with a Java SimpleDateFormat pattern (`yyyy-MM-dd`, `dd/MM/yy HH:mm:ss`, `'T'`...)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = pattern.find("'", i + 1)
            if end == -1:
                raise ValueError(f"unterminated quote in the date pattern {pattern!r}")
            out.append("'" if end == i + 1 else pattern[i + 1 : end])
            i = end + 1
            continue
        if not char.isascii() or not char.isalpha():
            out.append(char)
            i += 1
            continue
        run = 1
        while i + run < len(pattern) and pattern[i + run] == char:
            run += 1
        out.append(_date_field(char, run, now, pattern))
        i += run
    return "".join(out)


def _date_field(letter: str, width: int, now: datetime, pattern: str) -> str:
    def number(value: int) -> str:
        return str(value).zfill(width)

    if letter in "yY":
        return _year(now.year, width)
    if letter in "ML":
        if width >= 4:
            return MONTHS[now.month - 1]
        if width == 3:
            return MONTHS[now.month - 1][:3]
        return number(now.month)
    if letter == "d":
        return number(now.day)
    if letter == "D":
        return number(now.timetuple().tm_yday)
    if letter == "E":
        return DAYS[now.weekday()] if width >= 4 else DAYS[now.weekday()][:3]
    if letter == "u":
        return number(now.isoweekday())
    if letter == "a":
        return "AM" if now.hour < 12 else "PM"
    if letter == "H":
        return number(now.hour)
    if letter == "k":
        return number(now.hour or 24)
    if letter == "K":
        return number(now.hour % 12)
    if letter == "h":
        return number(now.hour % 12 or 12)
    if letter == "m":
        return number(now.minute)
    if letter == "s":
        return number(now.second)
    if letter == "S":
        return number(now.microsecond // 1000)
    if letter == "w":
        return number(now.isocalendar()[1])
    if letter == "G":
        return "AD"
    if letter == "z":
        return now.tzname() or "UTC"
    if letter in "ZX":
        offset = now.strftime("%z") or "+0000"
        if letter == "X" and width == 1:
            return offset[:3]
        if letter == "X" and width >= 3:
            return f"{offset[:3]}:{offset[3:]}"
        return offset
    raise ValueError(f"illegal pattern character {letter!r} in {pattern!r}")
