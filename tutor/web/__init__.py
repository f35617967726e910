"""The Gradio web app: the only part of the tutor that imports gradio."""

from tutor.web.ui import build_app, launch_options, serve

__all__ = ["build_app", "launch_options", "serve"]
