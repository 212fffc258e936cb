"""One settings object for the whole service, read from `VIVAVOCE_*` variables and `.env`."""

from __future__ import annotations

import ipaddress
import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    """Runtime configuration. Every field maps to `VIVAVOCE_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="VIVAVOCE_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path(".vivavoce")
    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset means the embedded server under data_dir"
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    secret_key: str = Field(
        default=DEV_SECRET,
        description="Random secrets, comma-separated, newest first: signing uses the first, "
        "checking accepts any (docs/operations.md, rotating the secret key)",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL of join links and transcript URLs; unset: the address `serve` "
        "listens on",
    )
    rate_limit_per_minute: int = Field(default=600, ge=1)
    rate_limit_burst: int = Field(default=120, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    idempotency_lock_seconds: int = Field(default=60, ge=1)
    join_grace_seconds: int = Field(default=120, ge=5)
    bias_audit_min_group_size: int = Field(
        default=5,
        ge=2,
        le=1000,
        description="The bias-audit report shows no group with fewer candidates than this",
    )
    embed_token_ttl_seconds: int = Field(
        default=600,
        ge=10,
        le=86_400,
        description="How long an embed token (docs/embed.md) may wait to be opened",
    )
    apply_otp_ttl_seconds: int = Field(
        default=600, ge=1, description="How long an apply-page email code stays valid"
    )
    apply_otp_max_attempts: int = Field(
        default=5, ge=1, le=20, description="Wrong apply-page codes before the request locks"
    )
    apply_resend_interval_seconds: int = Field(
        default=60, ge=0, description="Least time between two codes sent to one address"
    )
    apply_codes_per_email_per_hour: int = Field(
        default=5, ge=1, description="Apply-page codes sent to one address in an hour"
    )
    apply_submissions_per_ip_per_hour: int = Field(
        default=20, ge=1, description="Apply-page submissions and resends from one client address"
    )
    api_key_touch_seconds: int = Field(default=60, ge=0)
    api_key_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long an API process remembers a key it authenticated (0: never); "
        "a revoked key is refused at once all the same (LISTEN/NOTIFY)",
    )
    log_level: str = "info"
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Addresses or networks (e.g. 10.0.0.5, 10.0.0.0/8) of reverse proxies whose "
        "X-Forwarded-For / X-Forwarded-Proto are believed; empty: the headers are ignored and "
        "the client is the connecting address",
    )
    webhooks_allow_private: bool = Field(
        default=False,
        description="Allow webhook targets on private and loopback addresses (tests, local "
        "use); link-local addresses stay refused",
    )
    webhook_retry_schedule: list[float] = Field(
        default=[5, 300, 1800, 7200, 18000, 36000, 36000],
        description="Seconds before each retry after a failed attempt",
    )
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    webhook_disable_after_days: float = Field(default=5.0, gt=0)
    webhook_response_cap_bytes: int = Field(default=4096, ge=256, le=65536)
    webhook_secret_overlap_hours: float = Field(default=24.0, ge=0)
    worker_heartbeat_seconds: float = Field(
        default=30.0, gt=0, description="A job claimed by a dead worker runs again after this"
    )
    worker_concurrency: int = Field(
        default=16,
        ge=2,
        le=1000,
        description="Jobs a worker runs at once; keep it near the pool size",
    )
    sandbox_uid_base: int = Field(
        default=62000,
        ge=1000,
        le=4_000_000_000,
        description="First of the uids the coding sandbox runs candidate code as (when the "
        "service runs as root): one per slot, used by nothing else on the machine",
    )
    sandbox_slots: int = Field(
        default=16, ge=1, le=256, description="Candidate programs run at once per machine"
    )
    sandbox_vendor_dir: Path = Field(
        default_factory=lambda: Path(sys.prefix) / "vendor" / "node_modules",
        description="Where `make sandbox` installed the pinned JavaScript (TypeScript, editor)",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for outgoing email; unset keeps every message in the outbox",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the connection with STARTTLS (ignored with smtp_tls)"
    )
    smtp_tls: bool = Field(default=False, description="Implicit TLS from the first byte (port 465)")
    smtp_from: str = Field(
        default="vivavoce <no-reply@vivavoce.local>", description="The From header of every email"
    )
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    llm_provider: Literal["auto", "openai", "anthropic", "offline"] = Field(
        default="auto",
        description="Which interviewer speaks: auto (OpenAI-compatible when llm_base_url is "
        "set, else offline), openai, anthropic (needs the `anthropic` extra) or offline",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (e.g. https://api.openai.com/v1, a vLLM, Ollama "
        "or llama.cpp server); unset means the built-in offline interviewer",
    )
    llm_api_key: SecretStr | None = Field(
        default=None, description="API key for the LLM endpoint (local servers often need none)"
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name sent to the endpoint")
    llm_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    llm_max_retries: int = Field(default=3, ge=0, le=10)
    llm_server: Literal[
        "auto",
        "openai",
        "anthropic",
        "vllm",
        "ollama",
        "llamacpp",
        "lmstudio",
        "litellm",
        "generic",
    ] = Field(
        default="auto",
        description="Which kind of server llm_base_url is, when detection (GET /models, the "
        "address) cannot tell; sets the structured-output modes tried, the concurrency and "
        "the assumed context window (docs/llm.md)",
    )
    llm_structured_output: Literal[
        "auto", "json_schema", "json_object_schema", "json_object", "tools", "prompt"
    ] = Field(
        default="auto",
        description="How JSON is requested from the model; auto probes the endpoint once per "
        "process and keeps the best mode it takes",
    )
    llm_context_tokens: int | None = Field(
        default=None,
        ge=512,
        description="The model's context window in tokens; unset: what the endpoint reports "
        "(vLLM), else the server profile's default",
    )
    llm_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Requests sent to the endpoint at once (live turns first, background "
        "requests wait); unset: the server profile's (1 for llama.cpp, Ollama, LM Studio)",
    )
    llm_judge_deadline_seconds: float = Field(
        default=8.0,
        gt=0,
        le=120,
        description="How long the interviewer waits for the LLM answer judge before the "
        "offline judge decides the turn",
    )
    interviewer_reveal_words_per_second: float = Field(
        default=5.0,
        ge=0,
        le=100,
        description="The pace the live room shows a typed interview's replies at, word by "
        "word (5: about 300 words a minute, a brisk reader's pace); 0 sends the words as fast "
        "as they are worded. Voice interviews are paced by the audio",
    )
    interviewer_outage_budget_seconds: float = Field(
        default=20.0,
        ge=0,
        le=600,
        description="How long the live room keeps retrying a failing interviewer (backoff "
        "0.5 s to 8 s; the candidate sees a calm 'one moment' notice) before the session fails "
        "as technical_failure; counted from the first failure",
    )
    scoring_scorer: Literal["offline", "llm"] = Field(
        default="offline",
        description="Who scores completed interviews: the built-in offline scorer (bundled "
        "embedding model) or the LLM judge on VIVAVOCE_LLM_BASE_URL",
    )
    scoring_llm_samples: int = Field(
        default=3, ge=1, le=9, description="LLM judge samples per scorecard (median per dimension)"
    )
    scoring_max_spread: float = Field(
        default=2.0,
        ge=0,
        le=10,
        description="Points between the LLM judge's samples on one dimension past which the "
        "scorecard needs human review",
    )

    scoring_retry_base_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="First wait before scoring again while the LLM judge is unreachable; "
        "doubles per attempt, at most 30 minutes",
    )
    scoring_llm_patience_seconds: int = Field(
        default=6 * 3600,
        ge=0,
        description="How long after an interview ends scoring waits for an unreachable LLM "
        "judge before the offline scorer scores it (flagged for human review)",
    )
    stt_provider: Literal["auto", "local", "openai", "off"] = Field(
        default="auto",
        description="Speech-to-text for voice interviews: local faster-whisper (the `voice` "
        "extra), an OpenAI-compatible /audio/transcriptions endpoint, or off; auto picks "
        "openai when stt_base_url is set, else local when installed, else off",
    )
    stt_base_url: str | None = Field(default=None, description="OpenAI-compatible STT endpoint")
    stt_api_key: SecretStr | None = None
    stt_model: str = Field(default="whisper-1", description="Model name sent to the STT endpoint")
    stt_word_confidences: bool = Field(
        default=True,
        description="The local recogniser gives each word its probability (an alignment pass, "
        "about a second more per answer on 2 cores), so words it was unsure of are never "
        "quoted or scored; false: text only, every word taken as heard",
    )
    stt_local_model: Path | None = Field(
        default=None,
        description="The local recogniser's model: a directory holding a CTranslate2 Whisper "
        "model (model.bin, config.json, tokenizer.json, vocabulary.json); unset: the bundled "
        "tiny.en",
    )
    stt_bias: bool = Field(
        default=True,
        description="Hint the recogniser with the interview's words (the template's role and "
        "skills, the question, the candidate's earlier terms) so technical words are heard "
        "as said; false: no hints",
    )
    stt_term_repair: bool = Field(
        default=False,
        description="Spell hint terms the recogniser heard as look-alike words back as the "
        "interview spells them ('Postker SQL' -> 'PostgreSQL'; docs/voice.md): +4 points of "
        "domain terms on the tuning split, none on the holdout, so off by default",
    )
    tts_provider: Literal["auto", "local", "openai", "browser"] = Field(
        default="auto",
        description="Text-to-speech: local piper (the `voice` extra), an OpenAI-compatible "
        "/audio/speech endpoint, or the candidate's browser; auto picks openai when "
        "tts_base_url is set, else local when installed, else browser",
    )
    tts_base_url: str | None = Field(default=None, description="OpenAI-compatible TTS endpoint")
    tts_api_key: SecretStr | None = None
    tts_model: str = Field(default="tts-1", description="Model name sent to the TTS endpoint")
    tts_voice: str = Field(default="alloy", description="Voice name sent to the TTS endpoint")
    voice_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    voice_max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a failed STT/TTS call before falling back"
    )
    voice_silence_ms: int = Field(
        default=1500,
        ge=300,
        le=10_000,
        description="Silence after speech that ends the candidate's turn",
    )
    voice_quick_silence_ms: int = Field(
        default=600,
        ge=0,
        le=10_000,
        description="A pause this long is transcribed at once; a finished sentence then ends "
        "the turn without waiting for voice_silence_ms (0: always wait)",
    )
    voice_vad: Literal["silero", "energy"] = Field(
        default="silero",
        description="What tells speech from silence and noise: Silero VAD (shipped inside "
        "faster-whisper; the energy detector when it is not installed) or the energy detector",
    )
    voice_thinking_pause_ms: int = Field(
        default=4000,
        ge=0,
        le=30_000,
        description='Extra wait when the words so far sound unfinished ("and…", "um")',
    )
    # Phone interviews over SIP (docs/phone.md), run by `vivavoce sip`
    sip_listen_address: str = Field(
        default="127.0.0.1", description="SIP/RTP bind address (a trunk needs a reachable one)"
    )
    sip_listen_port: int = Field(
        default=5060, ge=0, le=65_535, description="SIP UDP port (0: any free port)"
    )
    sip_public_address: str | None = Field(
        default=None, description="The address put in SIP and SDP (behind NAT); unset: bind"
    )
    sip_rtp_port_min: int = Field(default=40_000, ge=1024, le=65_000)
    sip_rtp_port_range: int = Field(default=1000, ge=2, le=20_000, description="RTP ports")
    sip_registrar: str | None = Field(
        default=None, description="Register with this SIP URI (sip:trunk.example.com); unset: none"
    )
    sip_proxy: str | None = Field(default=None, description="Outbound proxy URI for every request")
    sip_username: str | None = None
    sip_password: SecretStr | None = None
    sip_realm: str = Field(default="*", description="Digest realm the credentials are for")
    sip_caller_id: str = Field(
        default="sip:vivavoce@127.0.0.1", description="The From of placed calls (a SIP URI)"
    )
    sip_dial_domain: str | None = Field(
        default=None,
        description="Calls go to sip:<E.164 number>@<this> (a trunk's host); unset: the "
        "registrar's host",
    )
    sip_quiet_hours_start: int = Field(
        default=21, ge=0, le=23, description="No call from this hour of the candidate's day"
    )
    sip_quiet_hours_end: int = Field(
        default=8, ge=0, le=23, description="… until this hour (equal to the start: none)"
    )
    sip_ring_seconds: float = Field(
        default=45.0, gt=0, le=300, description="An unanswered call is hung up after this"
    )
    sip_poll_seconds: float = Field(default=2.0, gt=0, le=60, description="Due-call poll period")
    sip_max_calls: int = Field(default=4, ge=1, le=64, description="Calls at once per process")
    recordings_dir: Path | None = Field(
        default=None, description="Where interview audio is kept; unset: data_dir/recordings"
    )
    recordings_s3_bucket: str | None = Field(
        default=None,
        description="Keep recordings in this bucket of S3-compatible object storage instead "
        "of recordings_dir",
    )
    recordings_s3_endpoint: str = Field(
        default="https://s3.amazonaws.com",
        description="The object storage's URL (path-style requests: <endpoint>/<bucket>/<key>)",
    )
    recordings_s3_region: str = Field(default="us-east-1", description="Region for signing")
    recordings_s3_access_key_id: str | None = Field(
        default=None,
        description="Static key for the bucket; unset: the AWS default credential chain "
        "(environment, web identity, ECS task role, instance profile)",
    )
    recordings_s3_secret_access_key: SecretStr | None = Field(default=None)
    recordings_s3_prefix: str = Field(
        default="recordings/", description="Prepended to every object name in the bucket"
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: Any) -> Any:
        """`10.0.0.5,10.1.0.0/16` (comma-separated) or a list; each an address or network."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for entry in value:
                try:
                    ipaddress.ip_network(str(entry), strict=False)
                except ValueError:
                    raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        keys = [part.strip() for part in self.secret_key.split(",") if part.strip()]
        if not keys:
            raise ValueError("VIVAVOCE_SECRET_KEY is empty")
        if self.env == "production" and any(key == DEV_SECRET or len(key) < 32 for key in keys):
            raise ValueError(
                "VIVAVOCE_SECRET_KEY must be set to random values of at least 32 characters "
                "each (comma-separated, newest first) when VIVAVOCE_ENV=production"
            )
        return self

    @model_validator(mode="after")
    def _s3_recordings_keys_come_in_pairs(self) -> Settings:
        """Both static keys or neither (then the AWS default chain: environment, web
        identity, ECS task role, instance profile)."""
        if bool(self.recordings_s3_access_key_id) != bool(self.recordings_s3_secret_access_key):
            raise ValueError(
                "VIVAVOCE_RECORDINGS_S3_ACCESS_KEY_ID and VIVAVOCE_RECORDINGS_S3_SECRET_ACCESS_KEY "
                "are set together, or neither (to use the AWS default credential chain)"
            )
        if self.recordings_s3_bucket and not self.recordings_s3_endpoint.startswith(
            ("http://", "https://")
        ):
            raise ValueError("VIVAVOCE_RECORDINGS_S3_ENDPOINT must be an http(s) URL")
        return self

    @property
    def base_url(self) -> str:
        return (self.public_url or "http://127.0.0.1:8000").rstrip("/")

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def pgdata_dir(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def recordings_path(self) -> Path:
        return self.recordings_dir or self.data_dir / "recordings"


@lru_cache
def get_settings() -> Settings:
    return Settings()
