from tests.web.conftest import smtp

__all__ = ["smtp"]
