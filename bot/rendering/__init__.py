"""From decisions and button presses to replies (text and buttons), for every front end."""

from bot.rendering.actions import Action, parse
from bot.rendering.kept import kept_data
from bot.rendering.plain import plain_text
from bot.rendering.render import Renderer, citation
from bot.rendering.reply import Button, Reply

__all__ = ["Action", "Button", "Renderer", "Reply", "citation", "kept_data", "parse",
           "plain_text"]
