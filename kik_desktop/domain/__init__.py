"""Domain operations on a KIK document (numbering, edits, moves, queries); no Qt here."""
