"""Every table, one module each. Importing this package registers them all on `Base`."""

from vivavoce.models.agent_profile import AgentProfile
from vivavoce.models.api_key import ApiKey
from vivavoce.models.application import Application
from vivavoce.models.apply_request import ApplyRequest
from vivavoce.models.assessment_progress import AssessmentProgress
from vivavoce.models.base import Base
from vivavoce.models.code_execution import CodeExecution
from vivavoce.models.coding_problem import CodingProblem
from vivavoce.models.email_message import EmailMessage
from vivavoce.models.embed_token import EmbedToken
from vivavoce.models.evaluation_stage import EvaluationStage
from vivavoce.models.evaluation_template import EvaluationTemplate
from vivavoce.models.event import Event
from vivavoce.models.idempotency_key import IdempotencyKey
from vivavoce.models.participant import Participant
from vivavoce.models.phone_call import PhoneCall
from vivavoce.models.recording_mark import RecordingMark
from vivavoce.models.scorecard_review import ScorecardReview
from vivavoce.models.session import InterviewSession
from vivavoce.models.session_liveness import SessionLiveness
from vivavoce.models.session_problem import SessionProblem
from vivavoce.models.session_signal import SessionSignal
from vivavoce.models.session_turn import SessionTurn
from vivavoce.models.shortlist_entry import ShortlistEntry
from vivavoce.models.user import User
from vivavoce.models.webhook_attempt import WebhookAttempt
from vivavoce.models.webhook_delivery import WebhookDelivery
from vivavoce.models.webhook_endpoint import WebhookEndpoint
from vivavoce.models.workspace import Workspace

__all__ = [
    "AgentProfile",
    "ApiKey",
    "Application",
    "ApplyRequest",
    "AssessmentProgress",
    "Base",
    "CodeExecution",
    "CodingProblem",
    "EmailMessage",
    "EmbedToken",
    "EvaluationStage",
    "EvaluationTemplate",
    "Event",
    "IdempotencyKey",
    "InterviewSession",
    "Participant",
    "PhoneCall",
    "RecordingMark",
    "ScorecardReview",
    "SessionLiveness",
    "SessionProblem",
    "SessionSignal",
    "SessionTurn",
    "ShortlistEntry",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Workspace",
]
