"""Reads about coaching. Every function makes a bounded number of queries, whatever the data size."""

from coaching.selectors.caseload import (
    CaseloadRow,
    advisor_agenda,
    caseload_for,
    caseload_overview,
    caseload_page,
    caseload_queryset,
    ranked_caseload,
)
from coaching.selectors.files import staff_file
from coaching.selectors.flags import (
    CaseloadFlag,
    FlagContext,
    caseload_flag_provider,
    flags_for,
    unregister_flag_provider,
    urgency_expression,
)
from coaching.selectors.impact import impact_figures
from coaching.selectors.shared import SharedSession, entrepreneur_space, shared_sessions

__all__ = [
    "CaseloadFlag",
    "CaseloadRow",
    "FlagContext",
    "SharedSession",
    "advisor_agenda",
    "caseload_flag_provider",
    "caseload_for",
    "caseload_overview",
    "caseload_page",
    "caseload_queryset",
    "entrepreneur_space",
    "flags_for",
    "impact_figures",
    "ranked_caseload",
    "shared_sessions",
    "staff_file",
    "unregister_flag_provider",
    "urgency_expression",
]
