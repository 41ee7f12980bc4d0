"""The typer application every command module registers on."""

import typer

app = typer.Typer(
    name="classify",
    help="Sort and brief Turkish news about social services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    """Sort and brief Turkish news about social services: build datasets, train, evaluate, predict,
    summarize and publish.

    Every command reads .txt folders, .jsonl, .csv and .parquet; run `classify COMMAND --help` for details.
    """
    if version:
        from classify import __version__

        typer.echo(__version__)
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()
