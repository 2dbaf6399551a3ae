"""`GET /`: where a person who opens the platform's address lands, with the way to the citizen app."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from digit.web.layout import WebDep

router = APIRouter(include_in_schema=False)


@router.get("/")
async def landing(web: WebDep) -> Response:
    return await web.render("landing.html")
