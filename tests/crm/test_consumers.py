import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.db import connections

from crm import services
from tests.factories import CustomerFactory
from tests.sockets import page_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    # ORM calls from async code run on asgiref's worker thread, whose connection would
    # otherwise outlive the test and block dropping the PostgreSQL test database.
    yield
    await sync_to_async(connections.close_all)()


async def test_open_page_hears_of_a_new_note(agent):
    customer = await database_sync_to_async(CustomerFactory)()
    communicator = page_socket(f"/ws/customers/{customer.pk}/timeline/", agent)
    connected, _ = await communicator.connect()
    assert connected
    await database_sync_to_async(services.note_add)(customer=customer, author=agent, body="Hi")
    message = await communicator.receive_json_from(timeout=2)
    assert message == {"event": "timeline-changed"}
    await communicator.disconnect()


async def test_other_customers_pages_hear_nothing(agent):
    customer, other = await database_sync_to_async(CustomerFactory.create_batch)(2)
    communicator = page_socket(f"/ws/customers/{other.pk}/timeline/", agent)
    await communicator.connect()
    await database_sync_to_async(services.note_add)(customer=customer, author=agent, body="Hi")
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def _assert_refused(user) -> None:
    connected, code = await page_socket("/ws/customers/1/timeline/", user).connect()
    assert not connected
    assert code == 4403


async def test_anonymous_users_are_refused():
    await _assert_refused(AnonymousUser())


async def test_users_without_a_role_are_refused(outsider):
    await _assert_refused(outsider)
