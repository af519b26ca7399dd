from django.db import migrations

from participation.roles import ROLE_PERMISSIONS


def roles_create(apps, schema_editor):
    """One group per staff role with the permissions that exist now; the post-migrate
    sync (participation.apps) adds those created later in the same migrate."""
    from participation.services.roles_sync import roles_sync

    roles_sync(apps=apps, using=schema_editor.connection.alias)


def roles_remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=list(ROLE_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    """The staff roles of participation/roles.py as Django groups."""

    dependencies = [
        ("participation", "0010_auditlog_before_after_reason"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(roles_create, roles_remove)]
