"""The Textual user interface (`analyzer tui`); the only part of analyzer that imports Textual."""
