import pytest

from tests.factories import UserFactory


@pytest.fixture
def second_admin(site):
    """Another rules admin: the second pair of eyes."""
    return UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])


@pytest.fixture
def v1(db):
    from cadm.models import RuleSetVersion

    return RuleSetVersion.objects.get(number=1)
