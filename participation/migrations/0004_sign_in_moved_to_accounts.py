"""SignInCode and SignInFailure now live in ``accounts`` (accounts/0001 took them over
with their tables): they leave this app's state. State only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("participation", "0003_process_moved_to_core"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="SignInCode"),
                migrations.DeleteModel(name="SignInFailure"),
            ],
        ),
    ]
