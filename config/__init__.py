"""newsbrief configuration: typed settings loaded once in ``main()``."""

from config.settings import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_settings"]
