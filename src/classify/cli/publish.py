"""`classify publish`: stage a Hub-ready model folder (card, weights, label map, report) and optionally push it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from classify.cli._app import app
from classify.cli.common import exit_with_input_error


@app.command("publish")
def publish_command(
    model: str = typer.Option(..., "--model", "-m", help="Model directory (or Hub repo id) to publish."),
    repo_id: str = typer.Option(..., "--repo-id", help="Target Hub repo, ORG/NAME."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder to stage into (replaced atomically; default publish/ORG__NAME)."),
    push: bool = typer.Option(False, "--push", help="Create the repo and upload the staged folder as one commit."),
    private: bool = typer.Option(False, "--private", help="With --push: create the repo private."),
    commit_message: Optional[str] = typer.Option(None, "--commit-message", help="With --push: the commit message."),
    eval_dir: Optional[Path] = typer.Option(None, "--eval", help="Report directory of `classify evaluate` (metrics.json, report.md, confusion.png)."),
    data: Optional[Path] = typer.Option(None, "--data", help="The training dataset directory (for label counts and label sources; default: the one in classify.json, if it exists)."),
    license: str = typer.Option("apache-2.0", "--license", help="License id for the card's metadata."),
    dataset_id: Optional[str] = typer.Option(None, "--dataset-id", help="Hub id of the training dataset, if published (card metadata)."),
    include_snippets: bool = typer.Option(False, "--include-snippets", help="Keep the article snippets of misclassified records in the published report (left out by default: news text is third-party content)."),
) -> None:
    """Stage a Hub-ready folder for a model and, with --push, upload it.

    The folder holds README.md (a model card generated from classify.json, the evaluation report and the
    training dataset: metadata with a model-index, intended use, labels with definitions, training data
    and how it was labelled, evaluation table and confusion matrix, limitations, usage), the weights,
    classify.json, labels.json and eval/. Staging needs no network. --push checks the token
    (HF_TOKEN or `hf auth login`) and the connection before creating anything, then uploads everything as
    one commit; if that fails, the staged folder stays for a later push.

    Example: classify publish --model models/tfidf --repo-id my-org/tr-social-news-tfidf --eval reports/tfidf --push
    """
    from classify.hub import PublishError, publish_model
    from classify.models.tfidf import UntrustedModelError

    try:
        result = publish_model(model, repo_id, out=out, push=push, private=private, commit_message=commit_message,
                               eval_dir=eval_dir, data_dir=data, license=license, dataset_id=dataset_id,
                               include_snippets=include_snippets)
    except PublishError as e:  # staging succeeded; the push did not happen
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1)
    except (ValueError, FileNotFoundError, UntrustedModelError) as e:
        exit_with_input_error(e)
    typer.echo(f"Staged {len(result.files)} files for {repo_id} in {result.folder}")
    if result.pushed:
        typer.echo(f"Pushed to {result.repo_url}: {result.commit_url}")
