"""newsbrief configuration: typed settings loaded once in ``main()``, and the start-up checks."""

from config.checks import require_timezone, require_token, require_webhook_secret
from config.settings import ConfigError, Settings, load_settings

__all__ = [
    "ConfigError",
    "Settings",
    "load_settings",
    "require_timezone",
    "require_token",
    "require_webhook_secret",
]
