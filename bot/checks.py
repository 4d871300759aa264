"""The record of one `drillbot doctor` check. It lives in the core so that the adapters' platform checks
(adapters/*/doctor.py) and the composition root's checks (app/doctor.py) share one shape without the
adapters importing the composition root."""

from __future__ import annotations

from dataclasses import dataclass

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass
class Check:
    name: str
    status: str  # ok | warn | FAIL
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"[{self.status:>4}] {self.name}: {self.detail}"
        return text + (f" -> {self.fix}" if self.fix and self.status != OK else "")
