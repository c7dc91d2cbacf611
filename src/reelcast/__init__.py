"""reelcast: turn a written film review into a narrated podcast episode and feed."""

from reelcast.errors import ReelcastError

__all__ = ["ReelcastError", "__version__"]
__version__ = "0.1.0"
