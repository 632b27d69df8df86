"""``python -m annotator.samples [OUT_DIR]``: render the sample scenes and their ground truth."""

from .render import main

if __name__ == "__main__":
    main()
