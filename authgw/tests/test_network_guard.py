import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_tests_can_only_connect_to_the_allowed_loopback_hosts():
    # 127.0.0.2 is loopback too (harmless if the guard were off) but not on the allow list.
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("127.0.0.2", 9), timeout=0.5)
