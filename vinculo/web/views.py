from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    return HttpResponse("ok")


def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    return HttpResponse("ok")
