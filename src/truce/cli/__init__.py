"""The `truce` command-line interface (Typer)."""
