"""CLI for the emotion models.

python -m training.emotion train --arch resnet50v2 --data FER --out runs/resnet50v2 [--preset study]
python -m training.emotion compare --runs runs/* --out runs/comparison.md
"""

import logging
import sys

from training.emotion import commands
from training.emotion.cli import Command, run
from training.emotion.gpu import commands as gpu
from training.emotion.release import commands as release

COMMANDS: dict[str, Command] = {
    # The training path.
    "train": commands.train_command,
    "card": commands.card_command,
    # Releasing a model: compare it with the shipped one, ship it, measure onto its card.
    "ship": release.ship_command,
    "peers": release.peers_command,
    "speed": release.speed_command,
    "litert": release.litert_command,
    "versus": release.versus_command,
    "views": release.views_command,
    # The GPU route's transfer of a run.
    "shard": gpu.shard_command,
    "unshard": gpu.unshard_command,
    # The long CPU schedule, and runs beside the study.
    "schedule": commands.schedule_command,
    "compare": commands.compare_command,
}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return run(COMMANDS, list(sys.argv[1:] if argv is None else argv), description=__doc__)


if __name__ == "__main__":
    sys.exit(main())
