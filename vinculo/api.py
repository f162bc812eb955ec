"""The REST API (django-ninja): one router per app, mounted here."""

from ninja import NinjaAPI

api = NinjaAPI(title="Vínculo API", version="1", urls_namespace="api")
