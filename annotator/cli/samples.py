"""`annotator samples`: the bundled sample driving scenes."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group()
def samples() -> None:
    """The bundled sample driving scenes."""


@samples.command("render")
@click.argument("out_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
def samples_render(out_dir: Path | None) -> None:
    """Regenerate the sample scenes and ground_truth.json into OUT_DIR (default: the shipped folder).
    The generator is deterministic: the same files every time."""
    from annotator import samples as sample_scenes
    from annotator.paths import shipped_dir

    target = out_dir or shipped_dir("sample_images")
    with click.progressbar(length=sample_scenes.SCENE_COUNT, label="Rendering", file=sys.stderr) as bar:
        written = sample_scenes.write_samples(target, progress=lambda _name: bar.update(1))
    click.echo(f"Wrote {len(written)} file(s) to {target}.")
