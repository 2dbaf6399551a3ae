"""egov-survey-services: officials publish surveys, citizens answer each once, officials read the results."""

from __future__ import annotations

from digit.blocks.surveys.api import router
from digit.blocks.surveys.client import SURVEYS_CLIENT, InProcessSurveysClient
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(SURVEYS_CLIENT, InProcessSurveysClient(platform))


BLOCK = Block(name="surveys", routers=[router], depends=("idgen", "user"), install=install)
