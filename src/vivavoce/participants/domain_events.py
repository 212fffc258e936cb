"""What a change of a participant means to other domains (`kit.bus`), published by
`participants.service` in the change's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vivavoce.models import Participant


@dataclass(frozen=True)
class ParticipantErased:
    """A deletion request erased the participant's own fields (`address`: the email they had
    before); every other copy of their data follows (`privacy.handlers`)."""

    participant: Participant
    address: str
    now: datetime
