"""`tijara replay showcase`: rebuild the country page's read model from the log, swap it in while it serves."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.common import console, run

app = typer.Typer(help="Rebuild read models from the beginning of the log.", no_args_is_help=True)


@app.command("showcase")
def showcase(yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Read every marketplace topic from the beginning into shadow collections, then swap them in atomically."""
    from services.showcase.feed.replay import replay_showcase
    from services.showcase.main import Settings  # an operator command may reach into the service it operates

    settings = Settings()
    if not yes:
        typer.confirm(f"Rebuild the showcase read model in {settings.database} from the log?", abort=True)
    columns = (TextColumn("[bold]replaying[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("replay", total=None)
        report = run(replay_showcase(settings, lambda done, total: bar.update(task, completed=done, total=total)))
    console.print(
        f"[green]✓[/] rebuilt from {report.records} records in {report.seconds:.1f}s: generation "
        f"{report.old_generation} → {report.new_generation}; {report.caught_up_after_swap} caught up after the swap; "
        f"{report.skipped} poison records skipped (they are in the dead-letter topics)"
    )
