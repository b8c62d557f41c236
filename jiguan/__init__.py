"""机关事务标准化试点 自评 — the domain: rubric, scoring, answer sheets, storage, reports.

This package never imports streamlit, so it is usable from tests and the command line.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUBRIC_PATH = PROJECT_ROOT / "config" / "indicators.yaml"
