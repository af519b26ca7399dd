from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Riverbend, the synthetic demo city of ``make run``: seeded through the same
    services as real use, on the top floor because it uses every app. Never loaded in
    production unless forced."""

    name = "demo"
