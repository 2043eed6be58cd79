"""factory_boy factories for test data."""
import datetime as dt

import factory
from werkzeug.security import generate_password_hash

from qms.auth.models import User
from qms.core.models import AwardCycle, Organization
from qms.extensions import db
from qms.spine.access import Role

TEST_PASSWORD = "correct-horse-battery"
# Production hashing is slow on purpose; test users get a cheap hash so hundreds of sign-ins stay fast.
TEST_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000")


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: f"使用者 {o.username}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password_hash = TEST_PASSWORD_HASH
    role = Role.STAFF
    active = True
    locale = "zh_Hant_TW"


class OrganizationFactory(BaseFactory):
    class Meta:
        model = Organization

    name = "桃園市蘆竹區戶政事務所"
    motto = "尊重·專業·效率"
    population = 153283
    households = 54593
    staff_count = 30
    as_of = dt.date(2015, 5, 31)


class AwardCycleFactory(BaseFactory):
    class Meta:
        model = AwardCycle

    award_name = "政府服務獎"
    year = factory.Sequence(lambda n: 2016 + n % 180)  # within the form's 1990-2200, however many tests ran
    submission_deadline = dt.date(2026, 12, 31)
    is_current = False
