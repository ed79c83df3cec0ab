"""German hyphenation points from pyphen's de_DE dictionary, loaded fast.

pyphen parses its 1 MB German pattern file on every start (about 1.4 s of CPU), which would double the
time of a small printout. The parsed patterns are therefore kept in the user's cache folder (marshal,
keyed by pyphen's version and the file's size and date) and read from there in a few hundredths of a
second; if the cache cannot be read or written, pyphen parses as usual.
"""

from __future__ import annotations

import marshal
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

LANG = "de_DE"
_lock = threading.Lock()
_dict: Any = None


def _cache_file(source: Path) -> Path | None:
    try:
        import platformdirs
        import pyphen

        st = source.stat()
        version = getattr(pyphen, "VERSION", getattr(pyphen, "__version__", "0"))
        tag = f"{LANG}-{version}-{st.st_size}-{int(st.st_mtime)}-py{sys.version_info[0]}{sys.version_info[1]}"
        folder = Path(platformdirs.user_cache_dir("KIK-Desktop", appauthor=False)) / "hyphenation"
        return folder / f"{tag}.marshal"
    except (OSError, ImportError):
        return None


def _load() -> Any:
    import pyphen

    source = Path(pyphen.LANGUAGES[LANG])
    cached = _cache_file(source)
    if cached is not None and cached.is_file():
        try:
            patterns = marshal.loads(cached.read_bytes())
            hd = pyphen.HyphDict.__new__(pyphen.HyphDict)
            hd.patterns = patterns
            hd.cache = {}
            hd.maxlen = max(len(key) for key in patterns)
            return hd
        except (OSError, ValueError, EOFError, TypeError):
            pass
    hd = pyphen.HyphDict(source)
    if cached is not None:
        try:
            # Plain ints only (the German file has no nonstandard alternatives); else no cache.
            data = marshal.dumps(
                {k: (start, tuple(int(v) for v in values)) for k, (start, values) in hd.patterns.items()}
            )
            cached.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, cached)
        except (OSError, ValueError, TypeError):
            pass
    return hd


def positions(word: str) -> list[int]:
    """Positions where the dictionary allows `word` (letters only) to break, keeping two letters each side."""
    global _dict
    if _dict is None:
        with _lock:
            if _dict is None:
                _dict = _load()
    points = _dict.positions(word)
    return [int(p) for p in points if 2 <= p <= len(word) - 2]
