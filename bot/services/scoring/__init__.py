"""The scoring pipeline: claim (lease) -> judge -> record score and progress -> outbox -> deliver.
`ScoringWorker` (worker.py) coordinates it; each seam is its own module here."""

from bot.services.scoring.lease import LEASE, Claimed, pending_count
from bot.services.scoring.replies import Route, ScoreReply, ScoreText
from bot.services.scoring.worker import MAX_ATTEMPTS, SWEEP_EVERY, ScoringWorker

__all__ = ["LEASE", "MAX_ATTEMPTS", "SWEEP_EVERY", "Claimed", "Route", "ScoreReply", "ScoreText", "ScoringWorker",
           "pending_count"]
