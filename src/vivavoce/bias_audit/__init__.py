"""The bias audit (docs/bias-audit.md): candidates' voluntary self-identification, kept apart
from their application, and the report of selection rates and impact ratios by group.

Nothing outside the report reads the answers: the interviewer, the scorer, the comparison
and the reviewers' pages never import this package (an import-linter contract)."""
