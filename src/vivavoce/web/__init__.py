"""Server-rendered pages: the public apply page (and, later, the join page and dashboard).

Routes here import services and schemas only; they parse forms, check CSRF tokens, commit one
transaction per request and render Jinja templates from `web/templates/`."""
