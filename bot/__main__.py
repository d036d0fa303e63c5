"""`python -m bot` entry point."""

import gc

# Starting makes a hundred thousand objects (modules, classes, the knowledge base) and no
# garbage: the collector would walk them again and again for nothing, a tenth of the Telegram
# bot's start-up. `bot.cli.ready` starts it again once the command is set up.
gc.disable()

from bot.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
