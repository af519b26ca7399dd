
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The META of an imported Pabulib file, for exports that round-trip."""

    dependencies = [
        ('budgets', '0010_project_follows'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PabulibSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('meta', models.JSONField(default=dict)),
                ('process', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='pabulib_source', to='core.process')),
            ],
        ),
    ]
