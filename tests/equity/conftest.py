from tests.budgets.conftest import voting_process  # noqa: F401
