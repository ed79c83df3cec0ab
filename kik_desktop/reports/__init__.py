"""PDF printouts with reportlab: report, handouts, homework booklet, status report; no Qt here."""
