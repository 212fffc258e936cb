from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from vivavoce.kit.schemas import StrictModel
from vivavoce.templates.schemas import AccountSlug, Origin


class EmbedTokenCreate(StrictModel):
    origin: Annotated[
        Origin | None,
        Field(
            description="The origin of the page that will embed the interview; one of the "
            "template's `embed_origins`. May be left out when the template allows only one."
        ),
    ] = None
    accountSlug: AccountSlug = None


class EmbedTokenOut(BaseModel):
    token: str = Field(description="Shown once; the page embeds `embed_url` with it")
    embed_url: str
    origin: str
    session_id: str
    expires_at: str = Field(description="Unused after this, the token is refused")
