"""Reports for clinics and editors: numbers (pure), then HTML or CSV."""

from bot.reporting.cluster import (
    Asked,
    Group,
    Weights,
    group_questions,
    idf_weights,
    knowledge_weights,
)
from bot.reporting.model import (
    MIN_USERS,
    Cell,
    Nearest,
    Report,
    advice_for,
    build_report,
    complement,
)
from bot.reporting.page import render_html
from bot.reporting.tables import report_tables, write_tables

__all__ = [
    "MIN_USERS",
    "Asked",
    "Cell",
    "Group",
    "Nearest",
    "Report",
    "Weights",
    "advice_for",
    "build_report",
    "complement",
    "group_questions",
    "idf_weights",
    "knowledge_weights",
    "render_html",
    "report_tables",
    "write_tables",
]
