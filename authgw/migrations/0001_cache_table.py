"""Create the database cache table (the embedded default's cache) as part of `migrate`.

Always created, whatever CACHES says now, so a deployment can move between Redis and the
embedded default without a manual step.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "authgw_cache"


def create_cache_table(apps, schema_editor):
    alias = schema_editor.connection.alias
    if CACHE_TABLE not in schema_editor.connection.introspection.table_names():
        command = CreateCacheTable()
        command.verbosity = 0
        command.create_table(alias, CACHE_TABLE, dry_run=False)


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
