"""SignInCode and SignInFailure move from ``participation`` to ``accounts``, keeping
their tables (``participation_signincode``, ``participation_signinfailure``) and index
names: state only, no row copied. Their content types move with them."""

from django.db import migrations, models

MOVED = ("signincode", "signinfailure")


def content_types_to(source: str, target: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MOVED:
            if ContentType.objects.using(db).filter(app_label=target, model=model).exists():
                continue
            ContentType.objects.using(db).filter(app_label=source, model=model).update(
                app_label=target
            )

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("participation", "0002_sign_in_codes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='SignInCode',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('phone_hash', models.CharField(max_length=64)),
                        ('ip_hash', models.CharField(max_length=64)),
                        ('code_hash', models.CharField(max_length=64)),
                        ('created_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField()),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('used_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'participation_signincode',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['phone_hash', 'created_at'], name='participati_phone_h_5e9854_idx'), models.Index(fields=['ip_hash', 'created_at'], name='participati_ip_hash_46b2b2_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='SignInFailure',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('ip_hash', models.CharField(max_length=64)),
                        ('method', models.CharField(choices=[('sms_code', 'SMS code'), ('voter_code', 'Voter code')], max_length=16)),
                        ('created_at', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'participation_signinfailure',
                        'indexes': [models.Index(fields=['ip_hash', 'created_at'], name='participati_ip_hash_2c8deb_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            content_types_to("participation", "accounts"),
            content_types_to("accounts", "participation"),
        ),
    ]
