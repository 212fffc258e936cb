"""HTML responses: Jinja templates from `web/templates/`, the template's branding as a theme,
and the headers every page carries (a strict Content-Security-Policy with a per-response
nonce, no caching, no referrer)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from vivavoce import __version__
from vivavoce.web import formatting

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
DEFAULT_ACCENT = "#2F5BEA"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LOGO = re.compile(r"^https?://[^\s\"'<>()\\]+$")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = formatting.when
    env.filters["label"] = formatting.label
    env.filters["badge"] = formatting.badge
    env.filters["session_status"] = formatting.session_status
    env.tests["technical"] = formatting.technical
    return env


def _luminance(color: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(first: float, second: float) -> float:
    light, dark = max(first, second), min(first, second)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class Theme:
    """The template's branding, made safe for CSS and readable: button text is dark or
    light, whichever contrasts more with the accent, and links fall back to a dark ink when
    the accent is too light to read on white (WCAG 4.5:1)."""

    accent: str = DEFAULT_ACCENT
    on_accent: str = "#ffffff"
    link: str = DEFAULT_ACCENT
    logo_url: str | None = None

    @classmethod
    def of(cls, branding: Mapping[str, Any] | None) -> Theme:
        branding = branding or {}
        color = branding.get("primary_color")
        accent = color if isinstance(color, str) and _COLOR.match(color) else DEFAULT_ACCENT
        logo = branding.get("logo_url")
        lum = _luminance(accent)
        white, ink = 1.0, _luminance("#111827")
        on_accent = "#ffffff" if _contrast(lum, white) >= _contrast(lum, ink) else "#111827"
        link = accent if _contrast(lum, white) >= 4.5 else "#1f2937"
        return cls(
            accent=accent.lower(),
            on_accent=on_accent,
            link=link.lower(),
            logo_url=logo if isinstance(logo, str) and _LOGO.match(logo) else None,
        )


def page(
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    theme: Theme | None = None,
    headers: Mapping[str, str] | None = None,
    scripts: bool = False,
    media: str | None = None,
    frame_ancestors: str | None = None,
) -> HTMLResponse:
    """Render `template`. With `scripts`, the page may load scripts from /static and open
    connections (WebSocket included) back to this site. `media`: the origin audio may play
    from (the dashboard's recordings, served under the public URL). `frame_ancestors`: the
    one origin that may frame the page (the embeddable widget, docs/embed.md); every other
    page may be framed by nobody."""
    nonce = secrets.token_urlsafe(16)
    variables = {
        "theme": theme or Theme(),
        "nonce": nonce,
        "version": __version__,
        "lang": "en",
        "content_lang": "en",
        "robots": "noindex",
        **context,
    }
    body = environment().get_template(template).render(variables)
    response = HTMLResponse(body, status_code=status, headers=dict(headers or {}))
    ancestors = frame_ancestors or "'none'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' https: http:; "
        f"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
        + ("; script-src 'self'; connect-src 'self'" if scripts else "")
        + (f"; media-src 'self' {media}" if media else "")
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if frame_ancestors is None:  # older browsers; CSP's frame-ancestors overrides it anyway
        response.headers["X-Frame-Options"] = "DENY"
    return response
