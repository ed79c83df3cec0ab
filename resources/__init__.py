"""Data files shipped with KIK Desktop: the embedded default concept, icons, fonts."""
