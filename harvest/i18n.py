"""Every string the app shows, in German (default) and English: one catalogue.

``translate(key, lang, **params)`` looks a key up and fills ``{placeholders}``; a missing
English text falls back to German, a missing key shows the key itself (so a gap is visible
in review, never a crash). ``plural(key, n, lang)`` picks the one or other form of a
``PLURALS`` entry. No other module of ``harvest/`` holds a word that people read
(``tests/test_i18n.py`` checks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harvest.model import Assignment

LANGUAGES: tuple[str, ...] = ("de", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    # key: (Deutsch, English)
    "language": ("Sprache", "Language"),
    "language.de": ("Deutsch", "Deutsch"),
    "language.en": ("English", "English"),
    "nav.start": ("Start", "Start"),
    "nav.board": ("Board", "Board"),
    "nav.entry": ("Erfassen", "Entry"),
    "nav.curate": ("Kuratieren", "Curate"),
    "nav.summary": ("Zusammenfassung", "Summary"),
    "nav.export": ("Export", "Export"),
    "role.moderator": ("Moderation", "Moderator"),
    "role.facilitator": ("Tischmoderation", "Facilitator"),
    "role.participant": ("Teilnehmende", "Participant"),
    "role.moderator.hint": (
        "alles: Board, Erfassen, Kuratieren, Export. Nicht weitergeben.",
        "everything: board, entry, curation, export. Keep it to yourself.",
    ),
    "role.facilitator.hint": (
        "für die Tische: Aussagen erfassen, Board ansehen.",
        "for the tables: enter statements, view the board.",
    ),
    "role.participant.hint": (
        "Board und Zusammenfassung; Aussagen senden und abstimmen nur, wenn Sie es unter "
        "Beteiligung einschalten. Darf geteilt werden (QR-Code auf dem Board).",
        "board and summary; sending statements and voting only while you switch them on "
        "under Participation. Share it freely (QR code on the board).",
    ),
    "theme.other": ("Sonstiges", "Other"),
    # --- processes: several workshops seen as one -----------------------------------
    "nav.compare": ("Vergleich", "Compare"),
    "nav.trace": ("Herkunft", "Trace"),
    "process.label": ("Prozess", "Process"),
    "process.empty": (
        "Dieser Prozess hat noch keine Werkstätten. Auf der Startseite hinzufügen oder "
        "`harvest process add SLUG WERKSTATT`.",
        "This process has no workshops yet. Add them on the start page or with "
        "`harvest process add SLUG WORKSHOP`.",
    ),
    "process.members": ("Werkstätten: {names}", "Workshops: {names}"),
    "process.filter_workshops": ("Nur Werkstätten", "Only workshops"),
    "process.curate_hint": (
        "Verschieben und Forderungen markieren gelten nur für dieses Prozess-Board; "
        "Ausblenden und Löschen entscheidet die Moderation der Werkstatt.",
        "Moves and demand marks apply to this process board only; hiding and deleting is "
        "for the workshop's own moderator.",
    ),
    "process.start.heading": ("Prozesse", "Processes"),
    "process.start.hint": (
        "Ein Prozess fasst Werkstätten zusammen (z. B. Regionalkonferenzen zu einem "
        "landesweiten Bild): ein gemeinsames Board, Vergleich und Herkunft.",
        "A process groups workshops (e.g. regional conferences into one state-wide "
        "picture): one shared board, compare and trace.",
    ),
    "process.start.title": ("Titel des Prozesses", "Title of the process"),
    "process.start.workshops": ("Werkstätten", "Workshops"),
    "process.start.create": ("Prozess anlegen", "Create process"),
    "process.start.created": ("Prozess „{title}“ angelegt.", "Process “{title}” created."),
    "process.start.open": ("Öffnen: {title}", "Open: {title}"),
    "process.start.add": ("Werkstatt hinzufügen", "Add workshop"),
    "process.start.remove": ("Werkstatt herausnehmen", "Remove workshop"),
    "compare.heading": ("Werkstätten im Vergleich", "Workshops compared"),
    "compare.grid_hint": (
        "Anteil der Aussagen jeder Werkstatt je Thema: je dunkler, desto mehr.",
        "Share of each workshop's statements per theme: the darker, the more.",
    ),
    "compare.counts": ("Anzahl statt Anteil", "Counts instead of shares"),
    "compare.theme": ("Thema", "Theme"),
    "compare.total": ("gesamt", "total"),
    "compare.common": ("Überall Thema", "Raised everywhere"),
    "compare.unique": ("Nur an einem Ort", "Raised in one place only"),
    "compare.shared_demands": ("Gemeinsame Forderungen", "Demands shared by several workshops"),
    "compare.mapping": ("Themen der Werkstätten im Prozess", "Workshop themes in the process"),
    "compare.mapping_columns": (
        "Werkstatt|Thema der Werkstatt|Thema im Prozess|Übereinstimmung|gemeinsame Wörter",
        "Workshop|Workshop theme|Process theme|Agreement|Shared words",
    ),
    "compare.download_grid": ("Raster als CSV", "Grid as CSV"),
    "compare.download_report": ("Bericht (HTML)", "Report (HTML)"),
    "compare.none": ("Noch nichts.", "Nothing yet."),
    "trace.heading": ("Woher kommt das?", "Where does it come from?"),
    "trace.pick_theme": ("Thema", "Theme"),
    "trace.pick_demand": ("oder gemeinsame Forderung", "or shared demand"),
    "trace.by_workshop": ("Nach Werkstatt", "By workshop"),
    "trace.by_table": ("Nach Tisch", "By table"),
    "trace.statements": ("Aussagen", "Statements"),
    "trace.columns": ("Werkstatt|Tisch|Art|Aussage|Zeit", "Workshop|Table|Kind|Statement|Time"),
    "process.report.workshops": ("Werkstätten", "Workshops"),
    "process.report.workshop_line": ("{title}: {statements} Aussagen", "{title}: {statements} statements"),
    "process.report.all_said": ("Was alle gesagt haben", "What all workshops said"),
    "process.report.theme_line": (
        "{label} ({statements} Aussagen, {share} %)", "{label} ({statements} statements, {share}%)",
    ),
    "process.report.agree": ("Wo sie übereinstimmen", "Where they agree"),
    "process.report.demand_line": ("{text} ({workshops})", "{text} ({workshops})"),
    "process.report.only_one": ("Was nur eine Werkstatt eingebracht hat", "What only one raised"),
    "process.report.unique_line": (
        "{label}: nur {workshop} ({statements} Aussagen)",
        "{label}: only {workshop} ({statements} statements)",
    ),
    "process.report.grid": ("Themen je Werkstatt", "Themes per workshop"),
    "process.report.none": ("–", "–"),
    "kind.idea": ("Idee", "Idea"),
    "kind.challenge": ("Herausforderung", "Challenge"),
    "kind.demand": ("Forderung", "Demand"),
    "kind.question": ("Frage", "Question"),
    "kind.none": ("ohne Art", "no kind"),
    # start
    "start.title": ("Harvest – Ergebnisse live ernten", "Harvest – live results board"),
    "start.lead": (
        "Legen Sie eine Werkstatt an, öffnen Sie eine mit Ihrem Link oder importieren Sie eine Datei.",
        "Create a workshop, open one with your link, or import a file.",
    ),
    "start.create": ("Neue Werkstatt", "New workshop"),
    "start.field_title": ("Titel", "Title"),
    "start.field_date": ("Datum", "Date"),
    "start.field_place": ("Ort", "Place"),
    "start.field_language": ("Sprache", "Language"),
    "start.field_tables": ("Thementische (einer pro Zeile)", "Theme tables (one per line)"),
    "start.tables_placeholder": (
        "Sprache & Bildung\nArbeit & Ausbildung\nNachbarschaft & Begegnung",
        "Language & education\nWork & training\nNeighbourhood & encounter",
    ),
    "start.create_button": ("Werkstatt anlegen", "Create workshop"),
    "start.title_missing": ("Bitte geben Sie einen Titel ein.", "Please enter a title."),
    "start.created": (
        "„{title}“ ist angelegt. Hier sind die drei Links – bewahren Sie den Moderationslink gut auf.",
        "“{title}” is ready. Here are its three links – keep the moderator link safe.",
    ),
    "start.open_created": ("Als Moderation öffnen", "Open as moderator"),
    "start.open": ("Werkstatt öffnen", "Open a workshop"),
    "start.paste_link": ("Link oder Zugangscode einfügen", "Paste your link or access code"),
    "start.open_button": ("Öffnen", "Open"),
    "start.open_short": ("Öffnen", "Open"),
    "start.local_workshops": ("Werkstätten auf diesem Rechner", "Workshops on this computer"),
    "start.local_hint": (
        "Sichtbar, weil Harvest lokal gestartet wurde (make run).",
        "Shown because Harvest runs locally (make run).",
    ),
    # links
    "links.title": ("Links für „{title}“", "Links for “{title}”"),
    "links.per_table": ("Links für einzelne Tische", "Links for single tables"),
    "links.reissue": ("{role}-Link neu ausstellen", "Re-issue {role} link"),
    "links.reissued": (
        "Neuer Link ausgestellt; der alte funktioniert ab sofort nicht mehr.",
        "New link issued; the old one stopped working.",
    ),
    # import
    "import.title": ("Datei importieren", "Import a file"),
    "import.hint": (
        "CSV (Komma oder Semikolon, UTF-8 oder Windows-1252), Excel (XLSX) oder Text mit einer "
        "Aussage pro Zeile. Spalten: Aussage/Text, Tisch, Art, Autor.",
        "CSV (comma or semicolon, UTF-8 or Windows-1252), Excel (XLSX) or text with one "
        "statement per line. Columns: text, table, kind, author.",
    ),
    "import.need_role": (
        "Importieren kann die Moderation einer Werkstatt: öffnen Sie sie mit Ihrem "
        "Moderationslink (oder legen Sie eine neue an) und importieren Sie dann hier.",
        "A workshop's moderator can import: open it with your moderator link (or create a new "
        "one), then import here.",
    ),
    "import.workshop": ("Name der neuen Werkstatt", "Name of the new workshop"),
    "import.file": ("Datei", "File"),
    "import.line": ("Zeile", "Line"),
    "import.reason": ("Problem", "Problem"),
    "import.file_error": (
        "Die Datei kann nicht gelesen werden: {reason}", "The file cannot be read: {reason}",
    ),
    "import.summary": (
        "{ok} Aussagen erkannt, {bad} fehlerhafte Zeilen.",
        "{ok} statements found, {bad} bad rows.",
    ),
    "import.confirm": ("Importieren", "Import"),
    "import.confirm_with_errors": (
        "Trotzdem importieren (fehlerhafte Zeilen auslassen)",
        "Import anyway (skip the bad rows)",
    ),
    "import.exists": (
        "Eine Werkstatt mit diesem Namen gibt es schon. Öffnen Sie sie mit ihrem "
        "Moderationslink und importieren Sie dort.",
        "A workshop with this name exists. Open it with its moderator link and import there.",
    ),
    "import.done": ("{n} Aussagen in „{title}“ importiert.", "Imported {n} statements into “{title}”."),
    "import.embedding": (
        "Die Bedeutung der Aussagen wird erfasst: {done} von {total}. Das Board zeigt sie "
        "schon jetzt, nach Stichworten geordnet.",
        "Reading the statements' meaning: {done} of {total}. The board shows them already, "
        "grouped by keywords.",
    ),
    "import.embedded": (
        "Bedeutung erfasst: das Board ordnet die Aussagen auch nach ihrem Sinn.",
        "Meaning read: the board groups the statements by what they say, too.",
    ),
    # board
    "board.view": ("Ansicht", "View"),
    "board.all": ("alle", "all"),
    "export.preview": ("Vorschau des Posters", "Poster preview"),
    "board.filter_tables": ("Nur Tische", "Only tables"),
    "board.filter_kinds": ("Nur Arten", "Only kinds"),
    "board.search": ("Wort hervorheben", "Highlight a word"),
    "board.dark": ("Dunkel", "Dark"),
    "board.present": ("Präsentieren", "Present"),
    "board.present_off": ("Präsentation beenden", "Leave presentation"),
    "board.themes": ("Themen", "Themes"),
    "board.top_demands": ("Forderungen", "Demands"),
    "board.computing": ("Die Karte wird berechnet …", "Drawing the map …"),
    "board.empty": (
        "Noch keine Aussagen. Sobald an den Tischen erfasst wird, wächst hier die Karte.",
        "No statements yet. As soon as the tables start typing, the map grows here.",
    ),
    "board.counts": ("{statements} Aussagen · {demands} Forderungen", "{statements} statements · {demands} demands"),
    "board.scan": ("Board aufs Handy: scannen", "Board on your phone: scan"),
    "board.qr_local": (
        "Achtung: Dieser QR-Code und die Links zeigen auf „{host}“ – Handys können sie nicht "
        "öffnen. Harvest für den Saal mit `make run HALL=1` starten. {lan}",
        "Note: this QR code and the links point to “{host}” – phones cannot open them. "
        "Start Harvest for the hall with `make run HALL=1`. {lan}",
    ),
    "board.qr_local_short": (
        "QR-Code zeigt auf „{host}“: geht nicht vom Handy. Neu starten: `make run HALL=1`",
        "QR code points to “{host}”: no phone can open it. Restart: `make run HALL=1`",
    ),
    "board.qr_lan": ("Handys nutzen dann {url}", "Phones will then use {url}"),
    "board.reconnecting": (
        "Verbindung zur Datenbank unterbrochen – das Board versucht es weiter.",
        "Lost the database connection – the board keeps trying.",
    ),
    # entry
    "entry.title": ("Aussagen erfassen", "Enter statements"),
    "entry.table": ("Tisch", "Table"),
    "entry.kind": ("Art", "Kind"),
    "entry.placeholder": ("Aussage eingeben und Enter drücken …", "Type a statement and press Enter …"),
    "entry.saved": ("Gespeichert (Nr. {id})", "Saved (no. {id})"),
    "entry.duplicate": (
        "Diese Aussage ist schon gespeichert – nichts doppelt.",
        "This statement is already saved – nothing doubled.",
    ),
    "entry.similar": ("Ähnlich wie:", "Similar to:"),
    "entry.similar_held": (
        "Noch nicht gespeichert: trotzdem speichern (oder denselben Text nochmal mit Enter) "
        "oder verwerfen.",
        "Not saved yet: save anyway (or Enter the same text again) or discard.",
    ),
    "entry.save_anyway": ("Trotzdem speichern", "Save anyway"),
    "entry.discard": ("Verwerfen", "Discard"),
    "entry.recent": ("Meine letzten Aussagen", "My recent statements"),
    "entry.edit": ("Bearbeiten", "Edit"),
    "entry.change": ("Ändern", "Change"),
    "entry.save": ("Speichern", "Save"),
    "entry.undo": ("Zurücknehmen (ausblenden)", "Undo (hide)"),
    "entry.redo": ("Wieder einblenden", "Show again"),
    "entry.retry": ("Erneut senden", "Send again"),
    "entry.hidden_by_moderator": (
        "Von der Moderation ausgeblendet", "Hidden by the moderator",
    ),
    "entry.unsent": ("Noch nicht gespeichert: {n}", "Not saved yet: {n}"),
    "entry.unsent_text": (
        "Aussage {n} (bleibt hier, bis sie gespeichert oder verworfen ist)",
        "Statement {n} (stays here until it is saved or discarded)",
    ),
    # curate
    "curate.title": ("Kuratieren", "Curate"),
    "curate.tab_themes": ("Themen", "Themes"),
    "curate.tab_statements": ("Aussagen", "Statements"),
    "curate.tab_words": ("Wörter", "Words"),
    "curate.tab_guided": ("Handlungsfelder", "Categories"),
    "curate.tab_log": ("Verlauf", "History"),
    "curate.theme": ("Thema", "Theme"),
    "curate.rename_to": ("Neuer Name", "New name"),
    "curate.rename": ("Umbenennen", "Rename"),
    "curate.merge_into": ("Zusammenführen mit", "Merge into"),
    "curate.merge": ("Zusammenführen", "Merge"),
    "curate.split": ("Thema teilen", "Split the theme"),
    "curate.split_pick": ("Aussagen für das neue Thema", "Statements for the new theme"),
    "curate.split_placeholder": ("Aussagen auswählen", "Choose statements"),
    "curate.split_label": ("Name des neuen Themas", "Name of the new theme"),
    "curate.split_button": ("Teilen", "Split"),
    "curate.new_theme": ("Neues Thema", "New theme"),
    "curate.find": ("Aussage suchen", "Find a statement"),
    "curate.statement": ("Aussage", "Statement"),
    "curate.in_theme": ("Thema", "Theme"),
    "curate.demand_reason": ("Forderung, weil", "Demand because"),
    "curate.move_to": ("Verschieben nach", "Move to"),
    "curate.move": ("Verschieben", "Move"),
    "curate.mark": ("Als Forderung markieren", "Mark as demand"),
    "curate.unmark": ("Keine Forderung", "Not a demand"),
    "curate.hide": ("Ausblenden", "Hide"),
    "curate.show": ("Wieder einblenden", "Show again"),
    "curate.delete_forever": ("Endgültig löschen (Datenschutz)", "Delete for good (privacy)"),
    "curate.delete_warning": (
        "Löscht die Aussage mit allen früheren Fassungen unwiderruflich.",
        "Deletes the statement and all earlier versions; this cannot be undone.",
    ),
    "curate.delete_button": ("Endgültig löschen", "Delete for good"),
    "curate.stopword": ("Füllwort ausblenden", "Ignore a word"),
    "curate.add_stopword": ("Hinzufügen", "Add"),
    "curate.synonym_word": ("Wort", "Word"),
    "curate.synonym_canonical": ("zählt als", "counts as"),
    "curate.add_synonym": ("Synonym hinzufügen", "Add synonym"),
    "curate.pin_keyword": ("Schlagwort", "Keyword"),
    "curate.pin_theme": ("fest zu Thema", "pinned to theme"),
    "curate.pin": ("Anheften", "Pin"),
    "curate.pictogram": ("Piktogramm", "Pictogram"),
    "curate.pictogram_now": ("Jetzt: {name}", "Now: {name}"),
    "curate.pictogram_auto": ("automatisch gewählt", "chosen automatically"),
    "curate.pictogram_none": ("keins", "none"),
    "curate.pictogram_search": (
        "Piktogramm suchen (Wort, deutsch oder englisch)", "Find a pictogram (word, German or English)"
    ),
    "curate.pictogram_pick": ("Treffer", "Matches"),
    "curate.pictogram_set": ("Piktogramm setzen", "Set pictogram"),
    "curate.pictogram_clear": ("Kein Piktogramm", "No pictogram"),
    "curate.pictogram_nothing": (
        "Kein Piktogramm zu diesem Wort – ein anderes oder ein englisches Wort versuchen.",
        "No pictogram for this word – try another or a German word.",
    ),
    "curate.guided_hint": (
        "Vorab festgelegte Handlungsfelder, eins pro Zeile: „Name: Stichwort, Stichwort“. "
        "Aussagen werden ihnen zugeordnet; was nirgends passt, bildet eigene Themen.",
        "Categories set in advance, one per line: “Name: keyword, keyword”. Statements are "
        "assigned to them; what fits none still forms its own themes.",
    ),
    "curate.guided_field": ("Handlungsfelder", "Categories"),
    "curate.guided_save": ("Übernehmen", "Apply"),
    "curate.undo_last": ("Letzte Entscheidung zurücknehmen", "Undo the last decision"),
    "curate.undone": ("Zurückgenommen.", "Undone."),
    "curate.nothing_to_undo": ("Nichts zurückzunehmen.", "Nothing to undo."),
    "curate.done": ("Übernommen – bleibt bei jeder Neuberechnung erhalten.", "Done – kept on every recompute."),
    "curate.log_kind": ("Entscheidung", "Decision"),
    "curate.log_detail": ("Details", "Details"),
    "curate.log_undone": ("zurückgenommen", "undone"),
    "curate.log_empty": ("Noch keine Entscheidungen.", "No decisions yet."),
    "curate.log_theme": ("Thema {id}", "theme {id}"),
    "curate.log_statement": ("Aussage {id}", "statement {id}"),
    "curate.log_statements": ("{n} Aussagen", "{n} statements"),
    "curate.log_demand_yes": ("Forderung", "a demand"),
    "curate.log_demand_no": ("keine Forderung", "not a demand"),
    "curate.log_hidden": ("ausgeblendet", "hidden"),
    "curate.log_shown": ("wieder eingeblendet", "shown again"),
    "curate.undo_this": ("Zurücknehmen", "Undo"),
    "curate.redo_this": ("Wiederherstellen", "Redo"),
    "action.rename": ("Umbenannt", "Renamed"),
    "action.merge": ("Zusammengeführt", "Merged"),
    "action.split": ("Geteilt", "Split"),
    "action.move": ("Verschoben", "Moved"),
    "action.demand": ("Forderung markiert", "Demand mark"),
    "action.stopword": ("Füllwort", "Stopword"),
    "action.synonym": ("Synonym", "Synonym"),
    "action.pin": ("Angeheftet", "Pinned"),
    "action.categories": ("Handlungsfelder", "Categories"),
    "action.hide": ("Ausgeblendet", "Hidden"),
    "action.pictogram": ("Piktogramm", "Pictogram"),
    # summary / export
    "summary.md": ("Markdown herunterladen", "Download Markdown"),
    "summary.html": ("Druckfassung (HTML)", "Printable HTML"),
    "summary.pdf": ("PDF herunterladen", "Download PDF"),
    "summary.as_text": ("Als Text", "As text"),
    "export.title": ("Export", "Export"),
    "export.map": ("Karte", "Map"),
    "export.statements": ("Aussagen (Daten)", "Statements (data)"),
    "export.png_poster": ("PNG Poster", "PNG poster"),
    "export.png_screen": ("PNG Bildschirm", "PNG screen"),
    "export.pdf": ("PDF Poster", "PDF poster"),
    "export.html": ("Interaktives HTML", "Interactive HTML"),
    "export.svg": ("SVG", "SVG"),
    "export.graphml": ("GraphML (yEd, Gephi)", "GraphML (yEd, Gephi)"),
    "export.gexf": ("GEXF (Gephi)", "GEXF (Gephi)"),
    "export.json": ("JSON", "JSON"),
    "export.harvest": ("Ernte-Poster (Themen mit Bildern)", "Harvest poster (themes with pictures)"),
    "export.network": ("Netz-Karte", "Network map"),
    "export.poster_png": ("Ernte-Poster PNG", "Harvest poster PNG"),
    "export.poster_pdf": ("Ernte-Poster PDF", "Harvest poster PDF"),
    "export.poster_svg": ("Ernte-Poster SVG", "Harvest poster SVG"),
    "export.size": ("Format", "Size"),
    "export.replay": ("Verlauf (HTML)", "Replay (HTML)"),
    "export.replay_gif": ("Verlauf (GIF)", "Replay (GIF)"),
    "export.data": ("Daten", "Data"),
    "poster.figures": (
        "{statements} Aussagen · {demands} Forderungen · {tables} Tische",
        "{statements} statements · {demands} demands · {tables} tables",
    ),
    "poster.figures_no_tables": (
        "{statements} Aussagen · {demands} Forderungen", "{statements} statements · {demands} demands"
    ),
    "poster.tables": ("Thementische", "Theme tables"),
    "poster.count": ("{n} Aussagen", "{n} statements"),
    "poster.demand": ("Forderung", "Demand"),
    "poster.statement": ("Aussage", "Statement"),
    "poster.more_themes": ("Weitere Themen", "More themes"),
    "poster.scan": ("Ergebnisse live", "Live results"),
    "poster.credit": ("Piktogramme: {credit} · gesammelt mit Harvest",
                      "Pictograms: {credit} · harvested with Harvest"),
    "replay.title": ("Verlauf", "Replay"),
    "replay.play": ("Abspielen", "Play"),
    "replay.pause": ("Pause", "Pause"),
    "replay.statement_of": ("Aussage {n} von {total}", "Statement {n} of {total}"),
    "replay.hint": (
        "Wie die Karte Aussage für Aussage gewachsen ist.",
        "How the map grew, statement by statement.",
    ),
    "export.delete_workshop": ("Werkstatt endgültig löschen", "Delete the workshop for good"),
    "export.delete_warning": (
        "Löscht „{title}“ mit allen Tischen, Aussagen, Entscheidungen und Links unwiderruflich.",
        "Deletes “{title}” with all tables, statements, decisions and links; this cannot be undone.",
    ),
    "date.input_format": ("DD.MM.YYYY", "YYYY-MM-DD"),
    "export.delete_in_processes": (
        "Sie gehört zu {processes}: Nach dem Löschen fehlen ihre Aussagen auf diesen "
        "Prozess-Boards; die übrigen Werkstätten bleiben.",
        "It belongs to {processes}: once it is deleted, its statements are gone from these "
        "process boards; the other workshops stay.",
    ),
    "export.process_named": ("Prozess „{title}“", "process “{title}”"),
    "export.delete_confirm": (
        "Zur Bestätigung „{slug}“ eintippen",
        "Type “{slug}” to confirm",
    ),
    "export.delete_button": ("Endgültig löschen", "Delete for good"),
    # errors
    "error.not_allowed": (
        "Dieser Link erlaubt diese Seite nicht.", "This link does not allow this page.",
    ),
    "error.bad_link": (
        "Dieser Link ist ungültig oder wurde zurückgezogen. Bitten Sie die Moderation um einen neuen.",
        "This link is invalid or was revoked. Ask the moderator for a new one.",
    ),
    "error.too_many": (
        "Zu viele falsche Links von diesem Gerät. Bitte in {seconds} Sekunden erneut versuchen.",
        "Too many wrong links from this device. Try again in {seconds} seconds.",
    ),
    "error.db_unavailable": (
        "Nicht gespeichert – die Datenbank ist gerade nicht erreichbar. Bitte gleich erneut senden.",
        "Not saved – the database cannot be reached right now. Please send it again in a moment.",
    ),
    "error.disk_full": (
        "Nicht gespeichert – der Speicherplatz des Servers ist voll. Die Aussage bleibt hier; "
        "bitte Platz schaffen (lassen) und erneut senden.",
        "Not saved – the server's disk is full. The statement stays here; free some space (or "
        "ask whoever runs the server) and send it again.",
    ),
    "denied.title": ("Kein Zugang", "No access"),
    "denied.body": (
        "Dieser Link ist ungültig oder wurde zurückgezogen. Bitten Sie die Moderation um einen "
        "neuen Link oder öffnen Sie die Startseite.",
        "This link is invalid or was revoked. Ask the moderator for a new link or go to the "
        "start page.",
    ),
    "denied.start": ("Zur Startseite", "Go to the start page"),
    # --- participation (issue 12) ---
    "nav.participate": ("Mitmachen", "Take part"),
    "nav.moderate": ("Beteiligung", "Participation"),
    "participate.title": ("Mitmachen", "Take part"),
    "participate.statement": ("Ihre Aussage", "Your statement"),
    "participate.statement_help": (
        "Höchstens {limit} Zeichen. Die Moderation prüft jede Aussage, bevor sie aufs Board kommt.",
        "At most {limit} characters. The moderator reads every statement before it reaches "
        "the board.",
    ),
    "participate.table": ("Tisch (freiwillig)", "Table (optional)"),
    "participate.no_table": ("– kein Tisch –", "– no table –"),
    "participate.send": ("Absenden", "Send"),
    "participate.thanks": (
        "Danke! Ihre Aussage wartet auf die Freigabe durch die Moderation.",
        "Thank you! Your statement waits for the moderator's approval.",
    ),
    "participate.input_off": (
        "Gerade werden keine Aussagen gesammelt. Das Board zeigt, was bisher gesagt wurde.",
        "No statements are being collected right now. The board shows what was said so far.",
    ),
    "participate.vote": ("Abstimmung: Punkte verteilen", "Vote: give your dots"),
    "participate.vote_help": (
        "Sie haben {dots} Punkte.", "You have {dots} dots.",
    ),
    "participate.vote_help_stack": (
        "Sie haben {dots} Punkte; mehrere dürfen auf einen Punkt.",
        "You have {dots} dots; several may go on one item.",
    ),
    "participate.vote_help_single": (
        "Sie haben {dots} Punkte, höchstens einen je Punkt.",
        "You have {dots} dots, at most one per item.",
    ),
    "participate.cast": ("Punkte abgeben", "Cast my dots"),
    "participate.cast_done": (
        "Ihre Punkte sind gezählt. Sie können sie ändern, solange die Abstimmung offen ist.",
        "Your dots are counted. You can change them while the vote is open.",
    ),
    "participate.used": ("{used} von {dots} Punkten vergeben", "{used} of {dots} dots given"),
    "participate.no_vote": ("Gerade läuft keine Abstimmung.", "No vote is running right now."),
    "participate.closed": (
        "Die Abstimmung ist beendet: Punkte werden nicht mehr angenommen.",
        "The vote is closed: no more dots are taken.",
    ),
    "participate.session_note": (
        "Anonym: gezählt wird diese Browser-Sitzung, nicht Ihre Person.",
        "Anonymous: this browser session counts, not you as a person.",
    ),
    "moderate.title": ("Beteiligung", "Participation"),
    "moderate.input": ("Eingaben von Teilnehmenden annehmen", "Accept participants' input"),
    "moderate.input_help": (
        "Der Teilnehmenden-Link (QR-Code) zeigt dann ein Formular; alles landet erst hier.",
        "The participant link (QR code) then shows a form; everything lands here first.",
    ),
    "moderate.queue": ("Warteschlange · {n}", "Queue · {n}"),
    "moderate.queue_empty": ("Nichts wartet.", "Nothing is waiting."),
    "moderate.received": (
        "eingegangen {when} · Sitzung {session}", "received {when} · session {session}"
    ),
    "moderate.edit": ("Text (vor der Freigabe änderbar)", "Text (edit before approving)"),
    "moderate.table": ("Tisch", "Table"),
    "moderate.kind": ("Art", "Kind"),
    "moderate.approve": ("Freigeben", "Approve"),
    "moderate.reject": ("Ablehnen", "Reject"),
    "moderate.merge": ("Zusammenführen mit: {text}", "Merge with: {text}"),
    "moderate.approved": (
        "Freigegeben: steht jetzt auf dem Board.", "Approved: it is on the board now."
    ),
    "moderate.rejected": ("Abgelehnt.", "Rejected."),
    "moderate.merged": ("Zusammengeführt.", "Merged."),
    "moderate.vote": ("Abstimmung", "Vote"),
    "moderate.vote_on": ("Abstimmen über", "Vote on"),
    "moderate.vote_demands": ("Forderungen", "Demands"),
    "moderate.vote_themes": ("Themen", "Themes"),
    "moderate.vote_items": ("Punkte zur Wahl", "Items on the ballot"),
    "moderate.dots": ("Punkte je Teilnehmende", "Dots per participant"),
    "moderate.stack": ("Mehrere Punkte auf einen Punkt erlaubt", "Several dots on one item"),
    "moderate.open": ("Abstimmung öffnen", "Open the vote"),
    "moderate.close": ("Abstimmung schließen", "Close the vote"),
    "moderate.show_tallies": (
        "Zwischenstand auf Board und Handys zeigen", "Show live tallies on the board and phones"
    ),
    "moderate.status_open": ("Offen · {ballots} Stimmzettel", "Open · {ballots} ballots"),
    "moderate.status_closed": ("Geschlossen · {ballots} Stimmzettel", "Closed · {ballots} ballots"),
    "moderate.no_items": (
        "Noch nichts zur Wahl: das Board hat noch keine Forderungen oder Themen.",
        "Nothing to vote on yet: the board has no demands or themes.",
    ),
    "moderate.log": ("Stimmprotokoll (anonym)", "Vote log (anonymous)"),
    "moderate.log_help": (
        "Eine Sitzung ist ein Browser, keine Person. Viele Stimmzettel in kurzer Zeit mit "
        "gleichen Punkten deuten auf Mehrfachabstimmung: Sitzungen auswählen und entfernen.",
        "A session is a browser, not a person. Many ballots in a short time with the same dots "
        "suggest stuffing: select the sessions and remove them.",
    ),
    "moderate.log_session": ("Sitzung", "Session"),
    "moderate.log_time": ("Zeit", "Time"),
    "moderate.log_table": ("Tisch", "Table"),
    "moderate.log_dots": ("Punkte", "Dots"),
    "moderate.remove": ("Stimmzettel dieser Sitzungen entfernen", "Remove these sessions' ballots"),
    "moderate.removed": ("{n} Stimmzettel entfernt.", "{n} ballots removed."),
    "board.waiting": ("{n} warten auf Freigabe", "{n} waiting for approval"),
    "live.participate": ("Mitmachen: Aussage senden oder abstimmen", "Take part: send a statement or vote"),
    "live.map": ("Themenkarte", "Theme map"),
    "live.offline": ("Keine Verbindung – die Seite versucht es weiter.", "No connection – the page keeps trying."),
    "board.ranking": ("Abstimmung · Punkte", "Vote · dots"),
    "board.ranking_closed": ("Ergebnis der Abstimmung · Punkte", "Result of the vote · dots"),
    "board.dots": ("{n} Punkte", "{n} dots"),
    "input.input_closed": (
        "Gerade werden keine Aussagen angenommen. Es wurde nichts gespeichert.",
        "Statements are not being accepted right now. Nothing was saved.",
    ),
    "input.rate_limited": (
        "Sie haben gerade mehrere Aussagen geschickt. Bitte {seconds} Sekunden warten, dann "
        "die nächste senden.",
        "You just sent several statements. Wait {seconds} seconds, then send the next one.",
    ),
    "input.no_vote": ("Gerade läuft keine Abstimmung.", "No vote is running right now."),
    "input.vote_closed": (
        "Die Abstimmung ist geschlossen und nimmt keine Punkte mehr an. Ihre früheren Punkte "
        "zählen.",
        "The vote is closed and takes no more dots. Your earlier dots count.",
    ),
    "input.too_many_dots": (
        "Zu viele Punkte: Sie haben {limit}. Bitte einige zurücknehmen.",
        "Too many dots: you have {limit}. Take some back.",
    ),
    "input.no_stacking": (
        "Hier darf auf jeden Punkt höchstens ein Punkt. Bitte verteilen.",
        "Each item takes at most one dot here. Spread your dots.",
    ),
    "input.no_dots": ("Bitte mindestens einen Punkt vergeben.", "Give at least one dot."),
    "input.unknown_item": (
        "Dieser Punkt steht nicht mehr zur Wahl. Bitte die Seite neu laden.",
        "This item is no longer on the ballot. Reload the page.",
    ),
    "input.ballot": ("Dieser Stimmzettel ist ungültig.", "This ballot is not valid."),
    "input.empty": (
        "Die Aussage ist leer. Bitte mindestens ein Wort schreiben.",
        "The statement is empty. Write at least one word.",
    ),
    "input.contentless": (
        "„{text}“ sagt noch nichts, womit die Werkstatt arbeiten kann. Bitte in ein paar Worten "
        "schreiben, was gemeint ist.",
        "“{text}” says nothing the workshop can work with. Write what you mean in a few words.",
    ),
    "input.too_long": (
        "Die Aussage hat {length} Zeichen; erlaubt sind höchstens {limit}. Bitte kürzen oder in "
        "zwei Aussagen teilen.",
        "The statement has {length} characters; at most {limit} are allowed. Shorten it or "
        "split it into two.",
    ),
    "input.binary": (
        "Das sieht nicht nach Text aus (Inhalt einer Binärdatei?). Bitte als einfachen Text "
        "eingeben.",
        "This does not look like text (the content of a binary file?). Type it as plain text.",
    ),
    "input.unknown_kind": (
        "Unbekannte Art. Erlaubt: Idee, Herausforderung, Forderung, Frage.",
        "Unknown kind. Allowed: idea, challenge, demand, question.",
    ),
    "input.invalid": ("Ungültige Eingabe.", "Invalid input."),
    "input.empty_file": (
        "Die Datei ist leer. Bitte eine Datei mit mindestens einer Aussage wählen.", "",
    ),
    "input.unsupported_file": (
        "Dieses Dateiformat kann Harvest nicht lesen. Möglich sind CSV, Excel (XLSX) oder Text "
        "mit einer Aussage pro Zeile.", "",
    ),
    "input.file_too_large": (
        "Die Datei ist zu groß (höchstens 20 MB). Bitte in kleinere Dateien aufteilen und "
        "nacheinander importieren.", "",
    ),
    "input.too_many_rows": (
        "Die Datei hat mehr als {limit} Aussagen; ein Import nimmt höchstens {limit}. Bitte in "
        "kleinere Dateien aufteilen und nacheinander importieren.",
        "The file has more than {limit} statements; one import takes at most {limit}. Split it "
        "into smaller files and import them one after the other.",
    ),
    "input.workbook_too_large": (
        "Die Excel-Datei ist entpackt viel zu groß für eine Aussagenliste. Bitte als CSV "
        "speichern oder in kleinere Dateien aufteilen.",
        "The Excel file unpacks to far too much data for a list of statements. Save it as CSV "
        "or split it into smaller files.",
    ),
    "input.no_text_column": (
        "Keine Spalte mit Aussagen gefunden. Bitte die Textspalte „Aussage“ oder „Text“ nennen.",
        "",
    ),
    "row.empty": ("Text fehlt – Aussage in die Textspalte schreiben oder Zeile löschen.", ""),
    "row.contentless": (
        "Sagt nichts („ok“, „.“, ein Füllwort) – ausformulieren oder Zeile löschen.", "",
    ),
    "row.too_long": ("Text ist zu lang – kürzen oder auf zwei Zeilen verteilen.", ""),
    "row.binary": ("Kein lesbarer Text in dieser Zeile.", ""),
    "row.unknown_kind": (
        "Unbekannte Art – erlaubt: Idee, Herausforderung, Forderung, Frage oder leer.", "",
    ),
    "row.ragged_row": (
        "Mehr Zellen als die Kopfzeile – vermutlich fehlt ein Anführungszeichen.", "",
    ),
    # --- the map's words (hover texts, legends) ------------------------------------
    "map.statement": ("Aussage", "statement"),
    "map.statements": ("Aussagen", "statements"),
    "map.theme": ("Thema", "Theme"),
    "map.themes": ("Themen", "Themes"),
    "map.keywords": ("Schlagwörter", "Keywords"),
    "map.demand": ("Forderung", "Demand"),
    "map.reason": ("Grund", "Reason"),
    "map.table": ("Thementisch", "Theme table"),
    "map.untitled": ("Ohne Titel", "Untitled"),
    "shape.theme": ("Thema", "Theme"),
    "shape.keyword": ("Schlagwort", "Keyword"),
    "shape.demand": ("Forderung", "Demand"),
    "shape.table": ("Thementisch", "Theme table"),
    # --- why a statement counts as a demand (``demands.Reason``) -----------------------
    "reason.rhetorical": ("rhetorische Frage „… nicht …?“", "rhetorical question"),
    "reason.modal": ("Modalverb „{word}“", "modal verb „{word}“"),
    "reason.phrase": ("Forderung: „{words}“", "„{words}“"),
    "reason.infinitive": ("Infinitiv-Forderung „… {verb}“", "infinitive „… {verb}“"),
    "reason.imperative": ("Imperativ „{word} …“", "imperative „{word} …“"),
    "reason.card": ("Stichpunkt-Forderung", "keyword card"),
    "reason.marked_moderator": ("vom Moderationsteam markiert", "marked by the moderator"),
    "reason.marked_facilitator": ("von der Tischmoderation markiert",
                                  "marked by the facilitator"),
    # --- the closing summary ---------------------------------------------------------
    "summary.summary": ("Zusammenfassung", "Summary"),
    "summary.themes": ("Themen", "Themes"),
    "summary.overview": ("Themen im Überblick", "Themes at a glance"),
    "summary.demands": ("Forderungen", "Demands"),
    "summary.voices": ("Stimmen aus den Tischen", "Voices from the tables"),
    "summary.keywords": ("Schlagwörter", "Keywords"),
    "summary.tables": ("Tische", "Tables"),
    "summary.reason": ("Grund", "Reason"),
    "summary.demand": ("Forderung", "demand"),
    "summary.of_all": ("aller Beiträge", "of all statements"),
    "summary.empty": ("Noch keine Beiträge.", "No statements yet."),
    "summary.generated": ("Erstellt am {when} mit Harvest", "Generated on {when} with Harvest"),
    "summary.page": ("Seite {page} von {pages}", "Page {page} of {pages}"),
    "summary.quote": ("„{}“", "“{}”"),
    "summary.percent": ("{} %", "{}%"),
    "summary.dots": ("{} Punkte", "{} dots"),
}

PLURALS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    # key: ((Deutsch one, other), (English one, other)); ``plural`` picks and fills {n}
    "map.statement_n": (("Aussage", "Aussagen"), ("statement", "statements")),
    "map.theme_n": (("Thema", "Themen"), ("Theme", "Themes")),
    "summary.statement_n": (("Beitrag", "Beiträge"), ("statement", "statements")),
    "summary.demand_n": (("Forderung", "Forderungen"), ("demand", "demands")),
    "summary.table_n": (("Tisch", "Tische"), ("table", "tables")),
    "summary.theme_n": (("Thema", "Themen"), ("theme", "themes")),
}


def translate(key: str, lang: str = "de", **params: Any) -> str:
    """The text for ``key`` in ``lang`` with ``{placeholders}`` filled from ``params``."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry[1] if lang == "en" and entry[1] else entry[0]
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def translate_or(key: str, lang: str, fallback: str, **params: Any) -> str:
    """The catalogue's text for ``key`` in ``lang``, or ``fallback`` where it has none
    (messages the core already words well in English keep that wording in English)."""
    entry = CATALOGUE.get(key)
    if entry is None or (lang == "en" and not entry[1]):
        return fallback
    return translate(key, lang, **params)


def plural(key: str, n: int, lang: str = "de", **params: Any) -> str:
    """The form of ``key`` for ``n`` things in ``lang`` (one or other), ``{n}`` filled.

    German and English both use the "one" form for exactly 1 and "other" for every other
    count, 0 included.

    >>> plural("summary.statement_n", 1), plural("summary.statement_n", 0, "en")
    ('Beitrag', 'statements')
    """
    forms = PLURALS.get(key)
    if forms is None:
        return key
    one, other = forms[1] if lang == "en" else forms[0]
    text = one if n == 1 else other
    try:
        return text.format(n=n, **params)
    except (KeyError, IndexError, ValueError):
        return text


def theme_name(label: str, is_other: bool, lang: str = "de") -> str:
    """A theme's name as a page shows it: the catch-all theme's in the reader's language
    (whatever the engine or an export called it), any other's label.

    >>> theme_name("Other", True), theme_name("Kita", False, "en")
    ('Sonstiges', 'Kita')
    """
    return translate("theme.other", lang) if is_other else label


def kind_label(kind: str | None, lang: str = "de") -> str:
    """A statement kind as the UI names it ("none" or None: no kind)."""
    return translate(f"kind.{kind or 'none'}", lang)


def reason_text(assignment: Assignment, lang: str = "de") -> str:
    """Why ``assignment``'s statement counts as a demand, in ``lang`` ("" if it is none):
    its reason code translated, else the words the engine wrote it in.

    >>> from harvest.model import Assignment
    >>> found = Assignment(1, "t1", None, True, "Modalverb „muss“", (), ("modal", (("word", "muss"),)))
    >>> reason_text(found, "en"), reason_text(found, "de")
    ('modal verb „muss“', 'Modalverb „muss“')
    """
    if assignment.reason is not None:
        code, params = assignment.reason
        return translate(f"reason.{code}", lang, **dict(params))
    return assignment.demand_reason or ""
