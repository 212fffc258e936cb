from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from vivavoce.kit.schemas import StrictModel


class PhoneSet(StrictModel):
    phone: Annotated[
        str,
        Field(
            max_length=32,
            description="The participant's number in E.164 (+ country code and number); "
            "spaces and dashes are ignored",
        ),
    ]


class PhoneOut(BaseModel):
    session_id: str
    channel: str = Field(description='"phone"')
    phone: str = Field(description="The number vivavoce calls, in E.164")
    dial_in_pin: str = Field(
        description="Shown once (only its keyed digest is kept): the candidate may dial in "
        "and key it instead of waiting for the call"
    )


class CallOut(BaseModel):
    session_id: str
    due_at: str = Field(description="When the call is placed (now: at the next poll)")
    attempts: int = Field(description="Calls placed before this one")
