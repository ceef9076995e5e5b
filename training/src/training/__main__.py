"""`python -m training`: the jobs this package runs (the training image's default command)."""

import sys

JOBS = """Moodtune's offline jobs:
  python -m training.catalog build --input dataset.csv.gz --out artifacts/catalog
  python -m training.emotion train --arch resnet50v2 --data FER2013 --out runs/resnet50v2
Each takes --help."""


def main() -> int:
    print(JOBS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
