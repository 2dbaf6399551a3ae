"""DIGIT's PII masking, written once: the pattern `.(?=.{4})` replaced by `*`, so only the last four show.

Who may see a value in clear, and the audit of every such read, is the owner's rule (the user block's
data-security policy, HRMS's HR roles); this module only says what a masked value looks like. The callers
differ in what they hand in, not in the pattern:

- `mask`: a text field that may be missing (a citizen's name in PGR, a payer's mobile number in a bill);
- `mask_lines`: the pattern exactly as DIGIT's regex applies it to multi-line text, where `.` stops at a
  line end so each line keeps its own last four (HRMS's employee addresses);
- `mask_json`: any value of a DIGIT User's JSON (numbers are masked as text, lists and objects hidden).
"""

from __future__ import annotations

from typing import Any, overload

HIDDEN = "****"  # what a value that is not text (an address list, an object) shows masked


@overload
def mask(value: str) -> str: ...


@overload
def mask(value: None) -> None: ...


def mask(value: str | None) -> str | None:
    """Every character but the last four becomes `*` (`9876543210` -> `******3210`); None and "" stay as they are."""
    if not value:
        return value
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_lines(value: str) -> str:
    """`mask` line by line: what `re.sub(r".(?=.{4})", "*", value)` gives, the line breaks kept."""
    return "\n".join(mask(line) for line in value.split("\n"))


def mask_json(value: Any) -> Any:
    """A JSON value masked: text and numbers as `mask` does (numbers become text), anything else `****`."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return HIDDEN
    return mask(value)
