"""The keys of an assessment's profile (基本信息), as stored in ``AssessmentInfo.profile``.

The store keeps the profile as free text under these keys; reports read them back
(`jiguan.reports.Profile.from_assessment`).
"""

from __future__ import annotations

ASSESSMENT_DATE = "评估日期"  # ISO date (2026-05-01) or free text (2026年5月)
FILLED_BY = "填表人"
CONTACT = "联系方式"

PROFILE_KEYS = (ASSESSMENT_DATE, FILLED_BY, CONTACT)

__all__ = ["ASSESSMENT_DATE", "CONTACT", "FILLED_BY", "PROFILE_KEYS"]
