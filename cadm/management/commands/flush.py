"""Django's `flush`, able to empty append-only tables on SQLite (migration 0020).

On SQLite a trigger refuses every DELETE of an audit row, and Django empties SQLite tables
with `DELETE FROM` (pytest-django flushes after each transactional test). On PostgreSQL flush
is a TRUNCATE, which fires no row trigger. This command does the same on SQLite: it takes the
database's triggers out, flushes and puts them back from their own stored SQL, in one
transaction, so they are never missing once the command ends, even if the flush fails. A
trigger added later (on another append-only table) needs nothing more here.

Only a flush of the whole database passes: the trail cannot be emptied on its own this way.
On PostgreSQL Django's command runs unchanged.
"""

from django.core.management.commands import flush
from django.db import connections, transaction


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        if options["interactive"] and not self._confirmed(connection):
            self.stdout.write("Flush cancelled.")
            return None
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                triggers = cursor.fetchall()
                for name, _ in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
                # Asked above, outside the transaction: no lock held while a person reads.
                super().handle(**{**options, "interactive": False})
                for _, sql in triggers:
                    cursor.execute(sql)
        return None

    @staticmethod
    def _confirmed(connection) -> bool:
        answer = input(
            f"You have requested a flush of the database.\n"
            f"This will IRREVERSIBLY DESTROY all data currently in the "
            f"\"{connection.settings_dict['NAME']}\" database,\nand return each table to an "
            f"empty state.\nAre you sure you want to do this?\n\n"
            f"    Type 'yes' to continue, or 'no' to cancel: ")
        return answer == "yes"
