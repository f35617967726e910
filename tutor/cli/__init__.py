"""The terminal surfaces: `tutor` subcommands, the terminal chat, quiz and eval entry points."""
