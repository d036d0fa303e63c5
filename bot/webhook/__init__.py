"""Webhook mode: Telegram posts updates to `python -m bot serve`, N instances behind nginx.

The same `build_application` as long polling (handlers, `Conversation`, matcher, renderer,
storage); what differs is where updates come from (`server.py`) and that everything two
instances must agree on lives in the database (`bot.storage.shared`): conversation states
(`states.py`), the rate limit (`limits.py`), claims on update ids (`claims.py`) and the
knowledge-base version (`reloading.py`). `service.py` wires and runs it.
"""
