"""``python -m news.store.migrations ARGS``: Alembic's command line on the packaged migrations.

For maintainers: ``revision --autogenerate -m "add x"`` writes a new revision from the models in
``news.store.tables``; ``upgrade head``, ``current``, ``history`` and ``check`` work as usual. The
database is ``NEWSBRIEF_DATABASE_URL`` (default: ``newsbrief.db`` in the working folder). The
bot itself never needs this: ``news.store.Store.open`` upgrades on start.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from alembic.config import CommandLine, Config

__all__ = ["main"]

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    cli = CommandLine(prog="python -m news.store.migrations")
    options = cli.parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if not hasattr(options, "cmd"):
        cli.parser.error("too few arguments")
    config = Config(cmd_opts=options)
    config.set_main_option("script_location", str(Path(__file__).parent))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    cli.run_cmd(config, options)


if __name__ == "__main__":
    main()
