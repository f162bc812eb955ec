from vinculo.access.tests.actors import book  # noqa: F401
