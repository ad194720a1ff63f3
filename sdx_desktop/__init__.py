"""SDX Desktop: browse and edit Survey Dynamix interaction tags."""

__version__ = "0.1.0"
APP_NAME = "SDX Desktop"
