"""KIK Desktop: keeps the Kommunales Integrationskonzept Kempten up to date, offline."""

__version__ = "0.1.0"
APP_NAME = "KIK Desktop"
ORG_NAME = "Stadt Kempten (Allgäu)"
DOCUMENT_SUFFIX = ".kik"
