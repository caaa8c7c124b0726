"""The register's domain, in two modules: `core` (agreements, who signed them, what they are worth, where
that is said) and `followup` (what became of them: dated statuses, commitment updates, published changes).
Everything is importable from `agreements.models`, as before the split."""

from .addresses import *  # noqa: F403
from .core import *  # noqa: F403
from .followup import *  # noqa: F403
from .review import *  # noqa: F403
