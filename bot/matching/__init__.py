"""The matcher: pure Python, independent of Telegram. Question in, `Decision` out."""

from bot.matching.decision import KINDS, Candidate, Decision, Kind
from bot.matching.matcher import Matcher, Thresholds
from bot.matching.normalize import normalize

__all__ = ["KINDS", "Candidate", "Decision", "Kind", "Matcher", "Thresholds", "normalize"]
