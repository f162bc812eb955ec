"""The page tests' client book, for the exports of those pages."""

from vinculo.web.tests.conftest import MakeBook, colleague, make_book, signed_in  # noqa: F401
