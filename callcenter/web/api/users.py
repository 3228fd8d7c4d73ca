"""The owner's agent users, and changing one's own password."""

from __future__ import annotations

from flask import jsonify

from callcenter.domain.errors import InvalidInput
from callcenter.models import User
from callcenter.services import accounts
from callcenter.services import seats as seat_service
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import AGENT_CHANGE, NEW_AGENT, PASSWORD_CHANGE
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session
from callcenter.web.common.inputs import accepts, read


def _user(u: User) -> dict:
    seats = seat_service.seats_of_agent(session(), u.id)
    return serialize.user(u, [s.id for s in seats if s.status == "active"])


@bp.post("/tenants/<int:tenant_id>/users")
@accepts(NEW_AGENT)
def create_agent(tenant_id: int):
    """Create an agent.
    ---
    post:
      summary: Create an agent user of the tenant with an initial password (owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: "the agent: {id, email, role, active, seat_ids}"}
        409: {description: the email is taken}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("owner",))
    new = read(NEW_AGENT)
    user = accounts.create_agent(session(), who, tenant, email=new.email,
                                 password=new.password, now=now())
    commit()
    return jsonify(_user(user)), 201


@bp.get("/tenants/<int:tenant_id>/users")
def list_agents(tenant_id: int):
    """List agents.
    ---
    get:
      summary: The tenant's agent users with their seats (owner, admin)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items: [agent]}"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin", "owner"))
    return jsonify({"items": [_user(u) for u in accounts.agents(session(), who, tenant)]})


@bp.patch("/tenants/<int:tenant_id>/users/<int:user_id>")
@accepts(AGENT_CHANGE)
def change_agent(tenant_id: int, user_id: int):
    """Disable, enable or reset the password of an agent.
    ---
    patch:
      summary: "Disable or enable an agent, or set its password (owner): its sessions and
        tokens end"
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: user_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the agent}
        404: {description: no such agent for this tenant}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("owner",))
    change = read(AGENT_CHANGE)
    if change.active is None and change.password is None:
        raise InvalidInput("send active or password")
    user = accounts.agent(session(), who, tenant, user_id)
    if change.password is not None:
        accounts.reset_agent_password(session(), who, tenant, user.id, change.password,
                                      now=now())
    if change.active is not None:
        accounts.set_agent_active(session(), who, tenant, user.id, change.active, now=now())
    commit()
    return jsonify(_user(user))


@bp.post("/auth/password")
@accepts(PASSWORD_CHANGE)
def change_password():
    """Change your password.
    ---
    post:
      summary: Change the caller's own password (the current one is required); every
        page session of the user ends, API tokens stay
      responses:
        204: {description: changed}
        400: {description: "the current password is wrong, or the new one breaks the rules"}
    """
    who = actor()
    change = read(PASSWORD_CHANGE)
    accounts.change_own_password(session(), who, current=change.current_password,
                                 new=change.new_password, now=now())
    commit()
    return "", 204
