"""One error family. The core raises these with context; only the CLI turns them into messages."""


class ReelcastError(Exception):
    """Something the user can act on. The message says what is wrong and what to do."""


class ConfigError(ReelcastError):
    """The show settings (reelcast.toml, flags, environment) are wrong."""


class FetchError(ReelcastError):
    """A page could not be read from disk, standard input or the web."""


class ExtractError(ReelcastError):
    """A page holds no article we can narrate."""


class ScriptError(ReelcastError):
    """An article could not be turned into narrated sections."""


class SpeechError(ReelcastError):
    """The speech engine is missing, failed, or produced unusable audio."""


class AudioError(ReelcastError):
    """Stitching, loudness processing or encoding failed."""


class CatalogError(ReelcastError):
    """The episode catalog could not be read or written."""


class FeedError(ReelcastError):
    """The feed could not be built or written."""


class ServeError(ReelcastError):
    """The feed and episodes could not be served over HTTP."""


class DeployError(ReelcastError):
    """The show could not be copied to where listeners fetch it."""
