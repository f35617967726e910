"""The lesson's handoff demo, its analysis and its lifecycle picture."""
