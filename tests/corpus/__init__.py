"""Bad-input corpus for the Excel import and helpers shared by the safety tests."""
