"""The keys of an assessment's profile (基本信息), as stored in ``AssessmentInfo.profile``.

The store keeps the profile as free text under these keys; reports read them back
(`jiguan.reports.Profile.from_assessment`).
"""

from __future__ import annotations

ASSESSMENT_DATE = "评估日期"  # ISO date (2026-05-01) or free text (2026年5月)
FILLED_BY = "填表人"
CONTACT = "联系方式"

PROFILE_KEYS = (ASSESSMENT_DATE, FILLED_BY, CONTACT)

# A practice assessment (training, see docs/design.md) carries these keys besides; the store's
# scope reads them (jiguan.store.scoped), so they live here, below both store and training.
PROFILE_SAMPLE = "练习样例"  # Sample.id
PROFILE_WORKSHOP = "培训班"  # the code the trainer gives, e.g. 2026-12 南京培训班
PROFILE_TRAINEE = "学员"  # display name; never exported
PROFILE_SUBMITTED = "交卷时间"  # ISO time the trainee handed in; the key is shown after it
PRACTICE_UNIT_PREFIX = "【示例】"  # a practice's unit: 【示例】<sample unit>, never a real unit

__all__ = [
    "ASSESSMENT_DATE",
    "CONTACT",
    "FILLED_BY",
    "PRACTICE_UNIT_PREFIX",
    "PROFILE_KEYS",
    "PROFILE_SAMPLE",
    "PROFILE_SUBMITTED",
    "PROFILE_TRAINEE",
    "PROFILE_WORKSHOP",
]
