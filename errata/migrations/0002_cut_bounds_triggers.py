"""Triggers for the rules a CHECK constraint cannot hold because they compare a row with its cut:
a scene span lies inside its cut, and no comment, finding or erratum time is past the cut's end.
A cut cannot be shortened below what already lies on it.

PostgreSQL raises check_violation (SQLSTATE 23514) and SQLite RAISE(ABORT), both of which Django
reports as IntegrityError, like any other constraint.
"""

from __future__ import annotations

from django.db import migrations

# (table, column, what to call it in the message)
BOUNDED = [
    ("errata_scenespan", "end_s", "scene span"),
    ("errata_comment", "timestamp_s", "comment time"),
    ("errata_finding", "timestamp_s", "finding time"),
    ("errata_erratum", "timestamp_s", "erratum time"),
]


def _postgresql_forward() -> list[str]:
    statements = []
    for table, column, label in BOUNDED:
        function = f"{table}_inside_cut"
        statements += [
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                IF NEW.{column} IS NOT NULL AND NEW.{column} >
                   (SELECT duration_s FROM errata_cut WHERE id = NEW.cut_id) THEN
                    RAISE EXCEPTION '{label} % s is past the end of its cut', NEW.{column}
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF {column}, cut_id ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}();
            """,
        ]
    checks = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE cut_id = NEW.id AND {column} > NEW.duration_s)"
        for table, column, _ in BOUNDED
    )
    statements += [
        f"""
        CREATE OR REPLACE FUNCTION errata_cut_covers_contents() RETURNS trigger AS $$
        BEGIN
            IF {checks} THEN
                RAISE EXCEPTION 'cut duration % s is shorter than spans or times already on it',
                    NEW.duration_s USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        """,
        """
        CREATE TRIGGER errata_cut_covers_contents BEFORE UPDATE OF duration_s ON errata_cut
        FOR EACH ROW EXECUTE FUNCTION errata_cut_covers_contents();
        """,
    ]
    return statements


def _postgresql_backward() -> list[str]:
    statements = [f"DROP FUNCTION IF EXISTS {t}_inside_cut() CASCADE;" for t, _, _ in BOUNDED]
    statements.append("DROP FUNCTION IF EXISTS errata_cut_covers_contents() CASCADE;")
    return statements


def _sqlite_forward() -> list[str]:
    statements = []
    for table, column, label in BOUNDED:
        condition = (
            f"NEW.{column} IS NOT NULL AND NEW.{column} > "
            f"(SELECT duration_s FROM errata_cut WHERE id = NEW.cut_id)"
        )
        for event in ("INSERT", f"UPDATE OF {column}, cut_id"):
            name = f"{table}_inside_cut_{event.split()[0].lower()}"
            statements.append(
                f"""
                CREATE TRIGGER {name} BEFORE {event} ON {table}
                FOR EACH ROW WHEN {condition}
                BEGIN SELECT RAISE(ABORT, '{label} is past the end of its cut'); END;
                """
            )
    checks = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE cut_id = NEW.id AND {column} > NEW.duration_s)"
        for table, column, _ in BOUNDED
    )
    statements.append(
        f"""
        CREATE TRIGGER errata_cut_covers_contents BEFORE UPDATE OF duration_s ON errata_cut
        FOR EACH ROW WHEN {checks}
        BEGIN SELECT RAISE(ABORT, 'cut duration is shorter than spans or times already on it');
        END;
        """
    )
    return statements


def _sqlite_backward() -> list[str]:
    statements = []
    for table, _, _ in BOUNDED:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_inside_cut_insert;",
            f"DROP TRIGGER IF EXISTS {table}_inside_cut_update;",
        ]
    statements.append("DROP TRIGGER IF EXISTS errata_cut_covers_contents;")
    return statements


def _run(statements_for: dict):
    def run(apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in statements_for:
            raise RuntimeError(f"Errata supports PostgreSQL and SQLite, not {vendor}.")
        for statement in statements_for[vendor]():
            # No parameters: the PL/pgSQL bodies contain % placeholders of their own.
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("errata", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": _postgresql_forward, "sqlite": _sqlite_forward}),
            _run({"postgresql": _postgresql_backward, "sqlite": _sqlite_backward}),
        ),
    ]
