"""What a scoped part (`scoped_review`, `scoped_rectification`) needs of the `ScopedStore` it
is given: the caller, the checks, the unscoped store. A protocol here, so the parts do not
import `jiguan.store.scoped`, which imports them."""

from __future__ import annotations

from typing import Protocol

from jiguan.accounts import Caller
from jiguan.store.facade import Store
from jiguan.store.records import AssessmentInfo


class Scope(Protocol):
    caller: Caller
    _store: Store

    def can_write(self, info: AssessmentInfo) -> bool: ...
    def can_review(self, info: AssessmentInfo) -> bool: ...
    def _read(self, aid: int, *, fresh: bool = True) -> AssessmentInfo: ...
    def _write(self, aid: int, *, fresh: bool = True) -> AssessmentInfo: ...
    def _check_caller(self) -> None: ...
    def _audit(self, action: str, info: AssessmentInfo, detail: str = "") -> None: ...
