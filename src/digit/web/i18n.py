"""Words on the page: which locale a visitor gets, and every label looked up in localization.

Labels are DIGIT messages (modules `digit-ui-citizen` and `digit-ui-employee`, plus `rainmaker-pgr` and
`rainmaker-common` for complaint types, statuses and actions), resolved through the localization block's client with
its fallback city -> state -> en_IN. A state renames or translates a label by upserting a message;
no code changes. The locales offered are the state's `common-masters.StateInfo` languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from digit.blocks.localization.client import LOCALIZATION_CLIENT
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.platform import Platform

UI_MODULE = "digit-ui-citizen"
EMPLOYEE_MODULE = "digit-ui-employee"
MODULES = (UI_MODULE, EMPLOYEE_MODULE, "rainmaker-pgr", "rainmaker-common")
DEFAULT_LOCALE = "en_IN"
FALLBACK_LOCALES = ("en_IN", "hi_IN")
_LOCALE = re.compile(r"^[a-z]{2}_[A-Z]{2}$")
_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Language:
    code: str  # en_IN
    label: str  # as the language names itself: English, हिंदी

    @property
    def html_lang(self) -> str:
        return self.code.replace("_", "-")  # en-IN


async def languages(platform: Platform, state_id: str) -> list[Language]:
    """The state's languages (StateInfo), else English and Hindi."""
    mdms = platform.find(MDMS_CLIENT)
    found: list[Language] = []
    if mdms is not None:
        for info in await mdms.get_master(tenant_id=state_id, module="common-masters", master="StateInfo"):
            for language in info.get("languages", []) if isinstance(info, dict) else []:
                code = str(language.get("value") or "")
                if _LOCALE.match(code) and all(code != known.code for known in found):
                    found.append(Language(code=code, label=str(language.get("label") or code)))
    return found or [Language("en_IN", "English"), Language("hi_IN", "हिंदी")]


def negotiate(*, asked: str | None, remembered: str | None, accept_language: str | None, offered: Sequence[str]) -> str:
    """`?locale=` first, then the remembered choice, then the browser's Accept-Language, then en_IN."""
    for candidate in (asked, remembered):
        if candidate and candidate in offered:
            return candidate
    for language in _accepted(accept_language or ""):
        for code in offered:
            if code.lower().replace("_", "-") == language or code.split("_")[0].lower() == language:
                return code
    return DEFAULT_LOCALE if DEFAULT_LOCALE in offered or not offered else offered[0]


def _accepted(header: str) -> list[str]:
    """Accept-Language tags by preference: 'hi-IN,hi;q=0.9,en;q=0.5' -> ['hi-in', 'hi', 'en']."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(ranked)]


class Translator:
    """code -> message for one locale; a missing code shows as itself (and is counted, for tests)."""

    def __init__(self, locale: str, messages: Mapping[str, str]) -> None:
        self.locale = locale
        self._messages = messages
        self.missing: set[str] = set()

    def __call__(self, code: str, default: str | None = None, **params: Any) -> str:
        text = self._messages.get(code)
        if text is None:
            if default is not None:
                return default
            self.missing.add(code)
            text = code
        if params:
            text = _PARAM.sub(lambda m: str(params.get(m.group(1), m.group(0))), text)
        return text

    def has(self, code: str) -> bool:
        return code in self._messages

    def adding(self, messages: Mapping[str, str]) -> Translator:
        """This translator with more messages (a configured service's own module); its own win on a clash."""
        merged = Translator(self.locale, {**messages, **self._messages})
        merged.missing = self.missing
        return merged


async def translator(platform: Platform, *, tenant_id: str, locale: str) -> Translator:
    """The UI's messages for the tenant and locale: the localization client's shared bundle, built once per
    process and kept until a write (here or, through its version counter, in another process) changes them."""
    client = platform.get(LOCALIZATION_CLIENT)
    return Translator(locale, await client.bundle(tenant_id=tenant_id, locale=locale, modules=MODULES))


def code_of(text: str) -> str:
    """DIGIT's key form of a value: 'pb.amritsar' -> 'PB_AMRITSAR', 'StreetLight' -> 'STREETLIGHT'."""
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")
