"""`POST /auth/tokens`: trade an email and password for a bearer token."""

from __future__ import annotations

from flask import g, jsonify

from callcenter.domain.errors import Unauthorized
from callcenter.services import auth as auth_service
from callcenter.web.api import bp
from callcenter.web.api.inputs import TOKEN_REQUEST
from callcenter.web.common.context import client_ip, commit, now, session, throttle_policy
from callcenter.web.common.inputs import accepts, read


@bp.post("/auth/tokens")
@accepts(TOKEN_REQUEST)
def create_token():
    """Issue a bearer token.
    ---
    post:
      summary: Issue a bearer token for a user
      security: []
      responses:
        201: {description: "{token}: shown once, store it"}
        401: {description: wrong credentials}
        429: {description: "too many failed attempts: wait Retry-After seconds"}
    """
    credentials = read(TOKEN_REQUEST)
    user = auth_service.authenticate(session(), credentials.email, credentials.password,
                                     ip=client_ip(), now=now(), policy=throttle_policy())
    if user is None:
        commit()  # the failed attempt must count
        raise Unauthorized("wrong email or password")
    token = auth_service.issue_token(session(), user, now=now(), name=credentials.name)
    commit()
    return jsonify({"token": token, "role": user.role, "tenant_id": user.tenant_id}), 201


@bp.delete("/auth/tokens/<int:token_id>")
def revoke_token(token_id: int):
    """Revoke one of your tokens.
    ---
    delete:
      summary: Revoke one of the caller's tokens
      parameters:
        - {name: token_id, in: path, required: true, schema: {type: integer}}
      responses:
        204: {description: revoked}
        404: {description: not one of your tokens}
    """
    auth_service.revoke_token(session(), g.api_user, token_id, now=now())
    commit()
    return "", 204
