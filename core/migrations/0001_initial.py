"""Process and Phase move from ``budgets`` to ``core``, keeping their tables.

State only: the tables ``budgets_process`` and ``budgets_phase`` stay as they are (no
data is copied). The content types move too, so permissions and admin history that
named ``budgets.process`` now name ``core.process``.
"""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models

MOVED = ("process", "phase")


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
        ("budgets", "0004_tally_rule_mes_add1"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Process',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200)),
                        ('slug', models.SlugField(max_length=200, unique=True)),
                        ('description', models.TextField(blank=True)),
                        ('languages', models.JSONField(default=list, help_text='Language codes offered, e.g. en, es')),
                        ('ballot_type', models.CharField(choices=[('approval', 'Approval within the budget'), ('k_of_n', 'Choose up to k projects'), ('cumulative', 'Distribute points'), ('ranked', 'Rank projects')], default='approval', max_length=20)),
                        ('min_projects', models.PositiveSmallIntegerField(default=1)),
                        ('max_projects', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('max_total_cost', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True)),
                        ('min_total_cost', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True)),
                        ('max_points_per_project', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('max_total_points', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('rule', models.CharField(choices=[('greedy_cost', 'Greedy by votes (city practice)'), ('greedy_score', 'Greedy by score (points or ranks)'), ('greedy_threshold', 'Greedy with a minimum-votes threshold'), ('mes_cost', 'Method of Equal Shares'), ('mes_cost_completed', 'Method of Equal Shares with completion'), ('mes_cost_add1_esnet', 'Method of Equal Shares, Add1 (as equalshares.net)')], default='greedy_cost', max_length=32)),
                        ('min_votes_threshold', models.PositiveIntegerField(blank=True, null=True)),
                        ('pot_formula', models.CharField(choices=[('equal', 'Equal amount per neighbourhood'), ('population', 'Proportional to population'), ('need', 'Population times need index')], default='population', max_length=16)),
                        ('neighbourhood_budget', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=16)),
                        ('currency', models.CharField(default='USD', max_length=3)),
                        ('results_published_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'verbose_name_plural': 'processes',
                        'db_table': 'budgets_process',
                        'ordering': ['-created_at'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('max_projects__isnull', True), ('max_projects__gte', models.F('min_projects')), _connector='OR'), name='process_max_projects_gte_min')],
                    },
                ),
                migrations.CreateModel(
                    name='Phase',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('ideas', 'Ideas'), ('review', 'Review'), ('voting', 'Voting'), ('results', 'Results'), ('implementation', 'Implementation')], max_length=20)),
                        ('starts_at', models.DateTimeField()),
                        ('ends_at', models.DateTimeField()),
                        ('process', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='phases', to='core.process')),
                    ],
                    options={
                        'db_table': 'budgets_phase',
                        'ordering': ['starts_at'],
                        'constraints': [models.UniqueConstraint(fields=('process', 'kind'), name='phase_one_per_kind'), models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='phase_ends_after_start')],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            content_types_to("budgets", "core"), content_types_to("core", "budgets")
        ),
    ]
