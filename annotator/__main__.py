"""`python -m annotator` runs the `annotator` command (handy where the script is not on PATH)."""

from annotator.cli import main

main(prog_name="annotator")
