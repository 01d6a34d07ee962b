"""``python -m harvest ...``: workshops, statements, import/export and the engine's tools.

A thin layer over the core: parse arguments, call ``store``/``imports``/``exports``/...,
print what came back. Domain errors become one clear line on stderr and exit code 2,
never a traceback. Modules are imported inside the subcommands so that ``--help`` is
instant and works even while a stage is still missing.

Each subcommand declares its arguments in ``_add_<name>_parser`` beside its handler
``_cmd_<name>``; ``build_parser`` makes the top-level parser and calls them in --help order.

Exit codes: 0 done, 1 nothing done because the input needs attention (bad rows), 2 an
error (unknown workshop, unreadable file, unreachable database, ...).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from harvest import __version__, config
from harvest.formats import (
    EXPORT_FORMATS,
    FORMATS,
    MAP_FORMATS,
    POSTER_SIZES,
    TABLE_FORMATS,
    extension_of,
)

if TYPE_CHECKING:
    from harvest.engine.themes import EngineSettings
    from harvest.model import Workshop
    from harvest.store import Store

    _Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = ["EXPORT_FORMATS", "MAP_FORMATS", "build_parser", "main"]


EXIT_OK, EXIT_NEEDS_ATTENTION, EXIT_ERROR = 0, 1, 2


# --- helpers ------------------------------------------------------------------------


def _say(*parts: object) -> None:
    print(*parts, file=sys.stdout)


def _warn(*parts: object) -> None:
    print(*parts, file=sys.stderr)


EMBED_PROGRESS_FROM = 50  # statements; one `harvest add` embeds in milliseconds, silently


def _embed(store: Store, workshop: Workshop) -> None:
    """Embed the workshop's new statements for the meaning-based board, with a progress
    line on stderr for a longer run (redrawn on a terminal, every tenth otherwise). The
    statements are stored already: a failure here only delays meaning, never loses text."""
    from harvest.vectors import embed_pending

    live = sys.stderr.isatty()
    shown = {"step": -1}

    def progress(done: int, total: int) -> None:
        if total < EMBED_PROGRESS_FROM:
            return
        step = done * 10 // total
        if not live and step == shown["step"]:
            return
        shown["step"] = step
        line = f"Embedding statements for the board: {done}/{total}"
        print(("\r" + line) if live else line, end="" if live else "\n", file=sys.stderr,
              flush=True)

    try:
        embed_pending(store, workshop.id, progress=progress)
    except Exception as exc:  # noqa: BLE001 - the statements are safe; say so and go on
        _warn(f"\nNot embedded yet ({exc}); the app embeds them when it next runs.")
    else:
        if live and shown["step"] >= 0:
            print(file=sys.stderr)


@contextmanager
def _open_store(args: argparse.Namespace) -> Iterator[Store]:
    from harvest.store import Store

    store = Store.open(getattr(args, "db", None))
    try:
        yield store
    finally:
        store.close()


def _write_output(data: bytes, out: str) -> str:
    """Write ``data`` to ``out`` ("-" is stdout) in one piece: never a half-written file."""
    if out == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return "stdout"
    path = Path(out)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)
    return str(path)


# --- arguments several subcommands take ---------------------------------------------


_WORKSHOP_HELP = "workshop slug, id or title"
_BOARD_URL_HELP = "base URL of the board (links)"
_ON_OFF = ("on", "off")


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: given after the subcommand it wins, otherwise the global one stays.
    parser.add_argument(
        "--db", metavar="URL", default=argparse.SUPPRESS,
        help="database URL (overrides HARVEST_DATABASE_URL; default: SQLite in sessions/)",
    )


def _add_subparser(
    commands: _Subcommands, name: str, summary: str, description: str | None = None
) -> argparse.ArgumentParser:
    """A subcommand (or a process action) listed with ``summary``; it takes --db too."""
    sub = commands.add_parser(name, help=summary, description=description)
    _add_db_option(sub)
    return sub


def _add_command(
    commands: _Subcommands, name: str, handler: Callable[[argparse.Namespace], int],
    summary: str, details: str = "",
) -> argparse.ArgumentParser:
    """A subcommand run by ``handler``; its --help opens with ``details`` (else ``summary``)."""
    sub = _add_subparser(commands, name, summary, details or summary)
    sub.set_defaults(handler=handler)
    return sub


def _add_workshop_argument(
    parser: argparse.ArgumentParser, metavar: str = "WORKSHOP", nargs: str | None = None
) -> None:
    parser.add_argument("workshop", metavar=metavar, nargs=nargs, help=_WORKSHOP_HELP)


def _add_out_option(
    parser: argparse.ArgumentParser, metavar: str, help: str, required: bool = False
) -> None:
    parser.add_argument("--out", "-o", metavar=metavar, required=required, help=help)


def _add_base_url_option(parser: argparse.ArgumentParser, help: str = _BOARD_URL_HELP) -> None:
    parser.add_argument("--base-url", metavar="URL", help=help)


def _add_links_options(parser: argparse.ArgumentParser, links_help: str) -> None:
    """--links (print the links after the command) and the --base-url they carry."""
    parser.add_argument("--links", action="store_true", help=links_help)
    _add_base_url_option(parser)


def _add_process_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--process", action="store_true", help=f"WORKSHOP names a process: {what}"
    )


def _add_csv_input(parser: argparse.ArgumentParser, help: str) -> None:
    """The engine tools' input file and the name of its text column."""
    parser.add_argument("input", metavar="INPUT.csv", help=help)
    parser.add_argument("--text-column", default="text", metavar="NAME", help="default: text")


# --- subcommands --------------------------------------------------------------------


def _add_import_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "import", _cmd_import, "import statements from a CSV, XLSX or text file",
        "Import statements from CSV (comma, semicolon or tab; UTF-8 or Windows-1252), XLSX, "
        "or plain text with one statement per line. Column names may be German or English "
        "(text/Aussage, table/Tisch, kind/Art, author/Autor). If any row has a problem, every "
        "such row is listed and nothing is imported unless --skip-bad-rows is given. The "
        "workshop and its tables are created if they do not exist yet.",
    )
    _add_workshop_argument(sub)
    sub.add_argument("file", metavar="FILE", help="the file to import")
    sub.add_argument("--table", metavar="NAME", help="table for rows that name none")
    sub.add_argument(
        "--skip-bad-rows", action="store_true",
        help="import the good rows even if some rows have problems",
    )


def _cmd_import(args: argparse.Namespace) -> int:
    from harvest.imports import import_into, parse_file
    from harvest.model import DEFAULT_MAX_CHARS

    with _open_store(args) as store:
        existing = store.find_workshop(args.workshop)
        max_chars = existing.max_chars if existing else DEFAULT_MAX_CHARS
        result = parse_file(args.file, max_chars=max_chars, default_table=args.table)
        for error in result.errors:
            _warn(f"line {error.line}: {error.reason}")
        good, bad = len(result.rows), len(result.errors)
        if bad and not args.skip_bad_rows:
            _warn(
                f"Nothing imported: {bad} of {good + bad} rows have problems (listed above). "
                f"Fix them in {args.file} and import again, or run again with --skip-bad-rows "
                f"to import the {good} good rows without them."
            )
            return EXIT_NEEDS_ATTENTION
        if not good:
            _warn("Nothing imported: the file has no usable statement.")
            return EXIT_NEEDS_ATTENTION
        # Looked up again, atomically: another import or `add` may have created it since.
        imported = import_into(store, result.rows, args.workshop)
        workshop = imported.workshop
        skipped = f", skipped {bad} bad rows" if bad else ""
        _say(
            f"Imported {len(imported.statement_ids)} statements into {workshop.title!r} "
            f"(workshop {workshop.slug}){skipped}."
        )
        _embed(store, workshop)
    return EXIT_OK


def _add_export_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "export", _cmd_export, "export statements (csv, xlsx) or the concept map",
        "Export a workshop: its statements as csv or xlsx (formula cells neutralised), or "
        "its concept map as png, svg, pdf, html (interactive), graphml, gexf or json; the "
        "graphical-harvest poster as poster-png, poster-pdf or poster-svg (--size); the "
        "map's growth as replay (offline HTML) or replay-gif.",
    )
    _add_workshop_argument(sub)
    sub.add_argument(
        "--format", "-f", choices=EXPORT_FORMATS, required=True, help="what to export"
    )
    _add_out_option(
        sub, "PATH", "file to write ('-' for stdout; default: harvest-SLUG.FORMAT here)"
    )
    sub.add_argument(
        "--visible-only", action="store_true", help="csv/xlsx: leave out hidden statements"
    )
    _add_process_flag(
        sub, "export its board over all its workshops (csv/xlsx with a workshop column)"
    )
    sub.add_argument(
        "--size", choices=tuple(POSTER_SIZES), default="A1",
        help="poster-*: page size (default A1; 16:9 for a projector)",
    )
    _add_base_url_option(sub, "poster-*: print the participant link for this address as QR code")


def _cmd_export(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        if args.process:
            workshop = store.get_process(args.workshop).workshop
        else:
            workshop = store.get_workshop(args.workshop)
        if args.format in TABLE_FORMATS:
            from harvest.board import board_statements, compute_board, export_statements

            board = compute_board(store, workshop.id)
            data = export_statements(store, board, args.format, visible_only=args.visible_only)
            count = len(board_statements(store, board, include_hidden=not args.visible_only))
            what = f"{count} statements"
        else:
            from harvest.board import export_map

            qr_url = None
            if args.base_url and FORMATS[args.format].layout == "harvest":
                from harvest.access import workshop_links

                qr_url = workshop_links(store, workshop, base_url=args.base_url)["participant"]
            data = export_map(store, workshop.id, args.format, size=args.size, qr_url=qr_url)
            what = f"the map ({args.format})"
        where = _write_output(
            data, args.out or f"harvest-{workshop.slug}.{extension_of(args.format)}"
        )
    _warn(f"Exported {what} of {workshop.title!r} to {where}.")
    return EXIT_OK


def _add_process_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "process", _cmd_process, "group workshops into a process with one board",
        "A process groups workshops (regional conferences into one state-wide picture): "
        "one board over all their statements, with its own curation and links. "
        "create SLUG --title TITLE --workshops W1 W2 ...; add SLUG W; remove SLUG W; list.",
    )
    actions = sub.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = _add_subparser(actions, "create", "create a process")
    create.add_argument("slug", metavar="SLUG", help="the process's slug (kept as given)")
    create.add_argument("--title", metavar="TITLE", help="its title (default: the slug)")
    create.add_argument("--workshops", metavar="W", nargs="*", default=[],
                        help="workshop slugs, ids or titles")
    _add_links_options(create, "also print the process's moderator and participant links")
    for name, verb in (("add", "add a workshop to"), ("remove", "take a workshop out of")):
        member = _add_subparser(actions, name, f"{verb} a process")
        member.add_argument("slug", metavar="SLUG", help="the process")
        _add_workshop_argument(member, metavar="W")
    _add_subparser(actions, "list", "list processes and their workshops")


def _cmd_process(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        if args.action == "create":
            title = args.slug if args.title is None else args.title  # an empty one is refused
            process = store.create_process(title, slug=args.slug,
                                           workshops=args.workshops)
            _warn(f"Created process {process.slug!r} with {len(process.workshop_ids)} "
                  "workshop(s).")
            if args.links:
                _print_links(store, process.workshop, args.base_url)
        elif args.action == "add":
            process = store.add_to_process(args.slug, args.workshop)
            _warn(f"{args.workshop!r} is part of {process.slug!r} "
                  f"({len(process.workshop_ids)} workshops).")
        elif args.action == "remove":
            process = store.remove_from_process(args.slug, args.workshop)
            _warn(f"{args.workshop!r} left {process.slug!r}; its statements stay in it.")
        else:
            processes = store.list_processes()
            if not processes:
                _warn("No processes yet. `python -m harvest process create SLUG --title TITLE "
                      "--workshops W1 W2` makes one.")
            for process in processes:
                slugs = [store.get_workshop(i).slug for i in process.workshop_ids]
                _say(f"{process.slug}  {process.title}  {' '.join(slugs) or '-'}")
    return EXIT_OK


def _add_compare_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "compare", _cmd_compare, "write a process's workshop x theme grid as CSV",
        "One row per process theme: theme_id, theme_label, one count column per workshop "
        "slug, total. --report also writes what all said, where they agree and what only "
        "one raised (.html for a page, else Markdown).",
    )
    sub.add_argument("process", metavar="SLUG", help="process slug, id or title")
    _add_out_option(sub, "GRID.csv", "'-' for stdout", required=True)
    sub.add_argument("--report", metavar="PATH", help="also write the summary report here")


def _cmd_compare(args: argparse.Namespace) -> int:
    from harvest import compare
    from harvest.board import process_board

    with _open_store(args) as store:
        board = process_board(store, args.process)
        comparison = compare.compare(board)
        where = _write_output(compare.grid_csv(comparison), args.out)
        if args.report:
            report = (compare.report_html(board, comparison) if args.report.endswith(".html")
                      else compare.report_markdown(board, comparison))
            _write_output(report.encode("utf-8"), args.report)
    _warn(f"Compared {len(comparison.workshops)} workshops over {len(comparison.rows)} themes "
          f"into {where}.")
    return EXIT_OK


def _add_add_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "add", _cmd_add, "add one statement and print its id",
        "Add one statement to a table of a workshop (both are created if missing) and print "
        "the new statement's id.",
    )
    _add_workshop_argument(sub)
    sub.add_argument("--table", metavar="NAME", required=True, help="the table's name")
    sub.add_argument(
        "--kind", metavar="KIND",
        help="idea, challenge, demand or question (German: Idee, Herausforderung, Forderung, "
        "Frage)",
    )
    sub.add_argument("--author", metavar="NAME", help="who said it (optional)")
    sub.add_argument("text", metavar="TEXT", nargs="+", help="the statement")


def _cmd_add(args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    with _open_store(args) as store:
        workshop, _created = store.find_or_create_workshop(args.workshop)
        statement = store.add_statement(
            workshop.id, text, table=args.table, kind=args.kind, author=args.author,
            origin="typed",
        )
        _embed(store, workshop)
    _say(statement.id)
    return EXIT_OK


def _add_workshops_parser(commands: _Subcommands) -> None:
    _add_command(commands, "workshops", _cmd_workshops, "list the workshops")


def _cmd_workshops(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        workshops = store.list_workshops()
        if not workshops:
            _warn("No workshops yet. `python -m harvest demo` creates one to try things out.")
            return EXIT_OK
        rows = [("slug", "title", "date", "statements", "revision")]
        for workshop in workshops:
            title = workshop.title if len(workshop.title) <= 48 else workshop.title[:47] + "…"
            rows.append(
                (
                    workshop.slug,
                    title,
                    workshop.date.isoformat() if workshop.date else "-",
                    str(len(store.statements(workshop.id))),
                    str(workshop.revision),
                )
            )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    numeric = {3, 4}
    for row in rows:
        cells = [
            cell.rjust(width) if column in numeric else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        _say("  ".join(cells).rstrip())
    return EXIT_OK


def _print_links(store: Store, workshop: Workshop, base_url: str | None) -> None:
    from harvest.access import workshop_links

    links = workshop_links(store, workshop, base_url=base_url)
    for role, url in links.items():
        _say(f"{role} {url}")


def _add_demo_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "demo", _cmd_demo, "create the demo workshop (once)",
        "Create the demo workshop (slug 'demo'): a German integration workshop with six "
        "theme tables. If it exists already it is left as it is.",
    )
    _add_links_options(sub, "also print the moderator, facilitator and participant links")


def _cmd_demo(args: argparse.Namespace) -> int:
    from harvest.demo import create_demo

    with _open_store(args) as store:
        workshop = create_demo(store)
        _embed(store, workshop)
        count = len(store.statements(workshop.id))
        tables = len(store.tables(workshop.id))
        _say(
            f"Demo workshop {workshop.title!r} is ready (workshop {workshop.slug}: {tables} "
            f"tables, {count} statements)."
        )
        if args.links:
            _print_links(store, workshop, args.base_url)
    return EXIT_OK


def _add_address_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "address", _cmd_address,
        "print the base URL that links and the QR code should carry",
        "Print the base URL for links and the QR code on stdout and say on stderr whether "
        "phones in the hall can open it: HARVEST_BASE_URL if set; with --hall this "
        "computer's address in the local network (found without sending anything); "
        "otherwise localhost (this computer only).",
    )
    sub.add_argument("--port", type=int, default=8501, help="the board's port (default 8501)")
    sub.add_argument(
        "--hall", action="store_true", help="use this computer's LAN address (for phones)"
    )


def _cmd_address(args: argparse.Namespace) -> int:
    from harvest.network import hall_url, lan_address, phone_reachable

    configured = config.base_url()
    local = f"http://localhost:{args.port}"
    found = lan_address()
    if configured:
        base = configured
    elif args.hall and found:
        base = hall_url(found, args.port)
    else:
        base = local
    _say(base)
    if phone_reachable(base):
        _warn(f"Phones in the hall will use {base} (links and QR code carry it). They must "
              "be in the same network as this computer (same Wi-Fi, no guest isolation).")
    elif args.hall:
        _warn("No network address found: is this computer in the hall's Wi-Fi or LAN? Links "
              f"and QR code use {base}, which phones cannot open. Connect, then start again, "
              "or set HARVEST_BASE_URL=http://<this-computer's-address>:PORT.")
    else:
        hint = f" (phones would use {hall_url(found, args.port)})" if found else ""
        _warn(f"Links and QR code use {base}: only this computer can open them. For a hall, "
              f"start with `make run HALL=1`{hint}.")
    return EXIT_OK


def _add_links_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "links", _cmd_links,
        "print a workshop's moderator, facilitator and participant links",
        "Print the three links of a workshop, one per line: 'ROLE URL'. The base URL comes "
        "from --base-url, else HARVEST_BASE_URL, else the local default.",
    )
    _add_workshop_argument(sub)
    _add_base_url_option(sub, "where the board is served")
    _add_process_flag(sub, "print its moderator and participant links")


def _cmd_links(args: argparse.Namespace) -> int:
    with _open_store(args) as store:
        if args.process:  # its moderator and participant links
            workshop = store.get_process(args.workshop).workshop
        else:
            workshop = store.get_workshop(args.workshop)
        _print_links(store, workshop, args.base_url)
    return EXIT_OK


def _add_backup_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "backup", _cmd_backup,
        "copy one or all workshops into a backup file, while the app runs",
        "Write one workshop (or --all) with everything it holds (tables, statements with "
        "their history, hidden flags and times, events, curation actions, link hashes, "
        "saved board state, participants' queue, votes and ballots) to a gzip-compressed "
        "JSON archive. It is read in one snapshot, so it is consistent while the app keeps "
        "writing. The archive does not depend on the database engine: restore it into "
        "PostgreSQL to move a workshop off SQLite.",
    )
    _add_workshop_argument(sub, nargs="?")
    sub.add_argument("--all", action="store_true", help="back up every workshop")
    _add_out_option(
        sub, "PATH", "archive to write, e.g. backup.harvest.json.gz ('-' for stdout)",
        required=True,
    )


def _cmd_backup(args: argparse.Namespace) -> int:
    from harvest.store.backup import create_backup, read_backup

    if bool(args.workshop) == bool(args.all):
        _warn("harvest backup: name one WORKSHOP or give --all (not both).")
        return EXIT_ERROR
    with _open_store(args) as store:
        data = create_backup(store, None if args.all else args.workshop)
    archive = read_backup(data)
    where = _write_output(data, args.out)
    if args.out != "-":
        # statements are personal data: only the owner may read the copy
        Path(args.out).chmod(0o600)
    parts = archive["workshops"]
    statements = sum(len(p["statements"]) for p in parts)
    slugs = ", ".join(p["workshop"]["slug"] for p in parts) or "none"
    _warn(
        f"Backed up {len(parts)} workshop(s) ({slugs}; {statements} statements) "
        f"to {where} ({len(data):,} bytes)."
    )
    return EXIT_OK


def _add_restore_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "restore", _cmd_restore, "bring workshops back from a backup file",
        "Restore the workshops of a backup archive into the database (SQLite or "
        "PostgreSQL, whichever the backup came from): this is also how to migrate from "
        "SQLite to PostgreSQL: back up with --all, then restore with --db postgresql://... "
        "(and give the new server the same HARVEST_SECRET_KEY or sessions/secret.key, so "
        "`harvest links` prints the same links). Ids are kept where free, otherwise "
        "renumbered consistently. A workshop that exists already is refused unless "
        "--replace. All or nothing: on any error nothing is restored.",
    )
    sub.add_argument("path", metavar="PATH", help="the backup archive ('-' for stdin)")
    sub.add_argument(
        "--replace", action="store_true",
        help="overwrite workshops with the same slug (their current content is lost)",
    )
    sub.add_argument(
        "--workshop", metavar="SLUG", help="restore only this workshop of the archive"
    )


def _cmd_restore(args: argparse.Namespace) -> int:
    from harvest.store.backup import restore_backup

    data = sys.stdin.buffer.read() if args.path == "-" else Path(args.path).read_bytes()
    with _open_store(args) as store:
        restored = restore_backup(store, data, replace=args.replace, only=args.workshop)
        for item in restored:  # an archive from before vectors: embed its statements
            _embed(store, store.get_workshop(item.workshop_id))
    for item in restored:
        how = "replaced" if item.replaced else "restored"
        _say(
            f"{how} {item.slug}: {item.statements} statements, revision {item.revision} "
            f"(workshop id {item.workshop_id})"
        )
        if {"workshops", "tables"} & set(item.remapped):
            _warn(
                f"Note: {item.slug} got new ids here, so its old links were revoked; "
                f"`python -m harvest links {item.slug}` prints new ones."
            )
    return EXIT_OK


def _engine_settings(args: argparse.Namespace) -> EngineSettings:
    """The app's engine defaults; ``--keywords-only`` keeps the keyword engine."""
    from harvest.engine.themes import EngineSettings

    return EngineSettings(semantic=not args.keywords_only)


def _embedding_progress(done: int, total: int) -> None:
    end = "\n" if done >= total else ""
    print(f"\rEmbedding statements: {done}/{total}", end=end, file=sys.stderr, flush=True)


def _on_off(value: str | None) -> bool | None:
    return None if value is None else value == "on"


def _add_settings_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "settings", _cmd_settings, "switch participant input and dot voting on or off",
        "Participation settings of a workshop (all off by default): --participant-input on "
        "lets the participant link send statements into the moderation queue; --voting on "
        "opens a dot vote on the board's current demands (--dots each, --stack on lets "
        "several dots go on one item), --voting off closes it. Prints the settings.",
    )
    _add_workshop_argument(sub)
    sub.add_argument("--participant-input", choices=_ON_OFF)
    sub.add_argument("--voting", choices=_ON_OFF)
    sub.add_argument("--dots", type=int, metavar="N", help="dots per participant (1-20)")
    sub.add_argument("--stack", choices=_ON_OFF, help="several dots on one item")


def _cmd_settings(args: argparse.Namespace) -> int:
    from harvest.store import participation_store as ps

    with _open_store(args) as store:
        workshop = store.get_workshop(args.workshop)
        settings = ps.set_settings(
            store, workshop.id, participant_input=_on_off(args.participant_input),
            dots=args.dots, stack=_on_off(args.stack),
        )
        voting = _on_off(args.voting)
        if voting is True:
            from harvest.board import compute_board
            from harvest.participation import demand_items

            board = compute_board(store, workshop.id)
            items = demand_items(board.statements, board.clustering)
            opened = ps.open_vote(store, workshop.id, items)
            _warn(f"Opened a vote on {len(opened.items)} demands, {opened.dots} dots each.")
        elif voting is False and (closed := ps.close_vote(store, workshop.id)) is not None:
            _warn(f"Closed vote {closed.id}.")
        vote = ps.current_vote(store, workshop.id)
    _say(f"participant-input {'on' if settings.participant_input else 'off'}")
    _say(f"voting {'on' if vote is not None and not vote.closed else 'off'}")
    _say(f"dots {settings.dots}")
    _say(f"stack {'on' if settings.stack else 'off'}")
    return EXIT_OK


def _csv_out(rows: Sequence[Sequence[object]]) -> None:
    """Rows as CSV on stdout, text cells neutralised for spreadsheets."""
    import csv

    from harvest.exports import neutralise_cell

    writer = csv.writer(sys.stdout, lineterminator="\n")
    for row in rows:
        writer.writerow([neutralise_cell(c) if isinstance(c, str) else c for c in row])


def _add_queue_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "queue", _cmd_queue, "list, approve or reject participants' statements",
        "Without an action, list the submissions waiting in the moderation queue as CSV "
        "(id,text,table,received). --approve ID puts one on the board as a statement; "
        "--reject ID keeps it off.",
    )
    _add_workshop_argument(sub)
    action = sub.add_mutually_exclusive_group()
    action.add_argument("--approve", type=int, metavar="ID")
    action.add_argument("--reject", type=int, metavar="ID")


def _cmd_queue(args: argparse.Namespace) -> int:
    from harvest.store import participation_store as ps

    with _open_store(args) as store:
        workshop = store.get_workshop(args.workshop)
        if args.approve is not None:
            statement = ps.approve(store, args.approve, workshop_id=workshop.id)
            _embed(store, workshop)
            _warn(f"Approved submission {args.approve} as statement {statement.id}.")
            return EXIT_OK
        if args.reject is not None:
            ps.reject(store, args.reject, workshop_id=workshop.id)
            _warn(f"Rejected submission {args.reject}.")
            return EXIT_OK
        waiting = ps.queue(store, workshop.id)
    _csv_out(
        [("id", "text", "table", "received")]
        + [
            (s.id, s.text, s.table_name or "", s.received_at.isoformat(timespec="seconds"))
            for s in waiting
        ]
    )
    return EXIT_OK


def _add_votes_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "votes", _cmd_votes, "print the latest dot vote's tallies",
        "Print the latest vote's items as CSV (item,label,dots), most dots first.",
    )
    _add_workshop_argument(sub)


def _cmd_votes(args: argparse.Namespace) -> int:
    from harvest.store import participation_store as ps

    with _open_store(args) as store:
        workshop = store.get_workshop(args.workshop)
        result = ps.vote_tallies(store, workshop.id)
    if result is None:
        _warn("No vote yet: `harvest settings WORKSHOP --voting on` opens one on the demands.")
        return EXIT_OK
    _csv_out([("item", "label", "dots")] + [(t.item.key, t.item.label, t.dots) for t in result[1]])
    return EXIT_OK


def _add_cluster_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "cluster", _cmd_cluster, "cluster the texts of a CSV file into themes",
        "Run the engine (the app's defaults: meaning and keywords) over a CSV file and "
        "write each row's theme to OUT.",
    )
    _add_csv_input(sub, "CSV file with a text column")
    _add_out_option(sub, "OUT.csv", "file to write", required=True)
    sub.add_argument("--keywords-only", action="store_true",
                     help="the keyword engine alone, without sentence vectors (for comparison)")


def _cmd_cluster(args: argparse.Namespace) -> int:
    from harvest.engine.evaluate import cluster_file

    cluster_file(Path(args.input), args.text_column, Path(args.out),
                 _engine_settings(args), progress=_embedding_progress)
    _warn(f"Wrote {args.out}.")
    return EXIT_OK


def _add_evaluate_parser(commands: _Subcommands) -> None:
    sub = _add_command(
        commands, "evaluate", _cmd_evaluate, "score the engine against labelled texts",
        "Cluster a labelled CSV file and print how well the themes match the labels, "
        "beside the semantic peer and the TF-IDF baseline.",
    )
    _add_csv_input(sub, "CSV file with text and label columns")
    sub.add_argument("--label-column", default="label", metavar="NAME", help="default: label")
    sub.add_argument("--keywords-only", action="store_true",
                     help="score the keyword engine alone as Harvest's row")


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from harvest.engine.evaluate import evaluate_file

    report = evaluate_file(
        Path(args.input), args.text_column, args.label_column, _engine_settings(args)
    )
    _say(report)
    return EXIT_OK


# --- the parser ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m harvest`` with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m harvest",
        description="Harvest: a live concept map of what is said at a workshop's tables.",
        epilog="WORKSHOP is a workshop's slug, id or title. Run a subcommand with --help "
        "for its options.",
    )
    parser.add_argument("--version", action="version", version=f"harvest {__version__}")
    parser.add_argument(
        "--db", metavar="URL", default=None,
        help="database URL, e.g. sqlite:///path/harvest.db or postgresql://user@host/db "
        "(overrides HARVEST_DATABASE_URL; default: SQLite in sessions/)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_parser in (  # in the order --help lists them
        _add_import_parser,
        _add_export_parser,
        _add_add_parser,
        _add_workshops_parser,
        _add_process_parser,
        _add_compare_parser,
        _add_demo_parser,
        _add_address_parser,
        _add_links_parser,
        _add_backup_parser,
        _add_restore_parser,
        _add_settings_parser,
        _add_queue_parser,
        _add_votes_parser,
        _add_cluster_parser,
        _add_evaluate_parser,
    ):
        add_parser(commands)
    return parser


# --- entry point --------------------------------------------------------------------


def _domain_message(exc: BaseException) -> str | None:
    """A one-line message for errors a user can act on; None for bugs (keep the traceback)."""
    module = type(exc).__module__
    if module.startswith("harvest.") or module == "harvest":
        message = str(exc)
    elif isinstance(exc, FileNotFoundError):
        message = f"No such file: {exc.filename}"
    elif isinstance(exc, IsADirectoryError):
        message = f"{exc.filename} is a folder, not a file."
    elif isinstance(exc, PermissionError):
        message = f"Not allowed to read or write {exc.filename}."
    elif isinstance(exc, OSError):
        message = f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    elif module.startswith("sqlalchemy"):
        # e.g. a malformed --db URL or an unknown database driver
        message = f"Cannot use this database: {exc}"
    else:
        return None
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(lines[:1]) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m harvest`` with ``argv`` (default: the command line); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    if args.command == "links" and not args.base_url:
        args.base_url = config.base_url()
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        _warn("Interrupted.")
        return 130
    except Exception as exc:
        message = _domain_message(exc)
        if message is None:
            raise
        _warn(f"harvest {args.command}: {message}")
        return EXIT_ERROR
