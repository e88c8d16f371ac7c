"""The history of sessions: counts, reps and holds in a local database (numbers only, never frames).

SQLAlchemy and Alembic live only inside this package; the rest of posecheck uses
:class:`~posecheck.history.store.HistoryStore` and the plain records it returns.
"""

from posecheck.history.database import default_location
from posecheck.history.records import HoldRecord, RepRecord, SessionRecord
from posecheck.history.store import HistoryStore

__all__ = ["HistoryStore", "HoldRecord", "RepRecord", "SessionRecord", "default_location"]
