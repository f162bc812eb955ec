"""Two connections to the test database wait for each other as on a real installation.

Django's default SQLite test database is a shared-cache memory database, where a second
connection meeting a lock fails at once ("database table is locked") whatever the busy
timeout: the worker's housekeeping thread made a CI run fail that way. The tests use a file.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from vinculo.growth.models import ProductLine


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_another_threads_transaction_instead_of_failing() -> None:
    holding = threading.Event()

    def hold_the_write_lock() -> None:
        try:
            with transaction.atomic():
                ProductLine.objects.create(name="Bombas")
                holding.set()
                time.sleep(0.5)
        finally:
            connections.close_all()

    other = threading.Thread(target=hold_the_write_lock)
    other.start()
    assert holding.wait(10)
    with transaction.atomic():  # BEGIN IMMEDIATE: waits for the other thread's commit
        ProductLine.objects.create(name="Válvulas")
    other.join()
    assert sorted(ProductLine.objects.values_list("name", flat=True)) == ["Bombas", "Válvulas"]
    if connection.vendor == "sqlite":
        assert "memory" not in str(connection.settings_dict["NAME"])
