"""``python -m classify ...`` runs the CLI (same as the ``classify`` console script)."""

from classify.cli import app

if __name__ == "__main__":
    app(prog_name="classify")
