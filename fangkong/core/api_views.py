from ninja import Router, Schema

from fangkong.core.actors import AuthedRequest
from fangkong.core.api import ErrorOut, StrictSchema
from fangkong.core.services import pii as pii_services

router = Router(tags=["platform"])


class AreaRef(Schema):
    id: int
    code: str
    name: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    areas: list[AreaRef]


@router.get("/me", response=MeOut, summary="The signed-in user, roles and areas")
def me(request: AuthedRequest):
    user = request.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(user.role_codes),
        "areas": list(user.areas.order_by("path")),
    }


class RevealIn(StrictSchema):
    model: str
    id: int
    field: str


class RevealOut(Schema):
    value: str


@router.post(
    "/reveal",
    response={200: RevealOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Reveal one personal-data field in full (audited)",
)
def reveal(request: AuthedRequest, payload: RevealIn):
    return {"value": pii_services.reveal(payload.model, payload.id, payload.field, by=request.user)}
