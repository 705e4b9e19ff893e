"""People: bootstrap of the quality manager, joining by invite, roles, departments, activity."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.invites import InviteProblem, hash_token, looks_like_token
from bot.domain.language import SUPPORTED
from bot.domain.models import User
from bot.domain.roles import Role, format_roles
from bot.services.errors import Refused
from bot.storage.db import Database
from bot.storage.departments import DepartmentRepo
from bot.storage.events import EventLog
from bot.storage.invites import InviteRepo
from bot.storage.users import UserRepo

USER = "user"


@dataclass(frozen=True, slots=True)
class Profile:
    """What Telegram tells us about a person."""

    tg_id: int
    full_name: str
    username: str | None
    language: str


@dataclass(frozen=True, slots=True)
class JoinResult:
    user: User | None = None
    problem: InviteProblem | None = None
    already_member: bool = False


class AccountService:
    def __init__(self, db: Database, clock: Clock, admin_ids: frozenset[int]) -> None:
        self.db = db
        self.clock = clock
        self.admin_ids = admin_ids

    async def by_tg_id(self, tg_id: int) -> User | None:
        async with self.db.connect() as conn:
            return await UserRepo(conn).by_tg_id(tg_id)

    async def get(self, user_id: int) -> User | None:
        async with self.db.connect() as conn:
            return await UserRepo(conn).get(user_id)

    async def ensure_admin(self, profile: Profile) -> User:
        """A Telegram id in ADMIN_IDS is always an active manager."""
        now = self.clock.now()
        async with self.db.connect() as conn:
            repo, log = UserRepo(conn), EventLog(conn)
            user = await repo.by_tg_id(profile.tg_id)
            if user is None:
                user_id = await repo.add(
                    profile.tg_id, profile.full_name, profile.username, profile.language, None, now
                )
                await repo.set_roles(user_id, {Role.MANAGER})
                await log.add(now, user_id, USER, user_id, "registered_admin", roles="manager")
            else:
                user_id = user.id
                if not user.is_active:
                    await repo.update(user_id, is_active=True)
                    await log.add(now, user_id, USER, user_id, "reactivated_admin")
                if Role.MANAGER not in user.roles:
                    roles = user.roles | {Role.MANAGER}
                    await repo.set_roles(user_id, roles)
                    await log.add(
                        now, user_id, USER, user_id, "roles_changed", roles=format_roles(roles)
                    )
            found = await repo.get(user_id)
        assert found is not None
        return found

    async def join(self, token: str, profile: Profile) -> JoinResult:
        if not looks_like_token(token):
            return JoinResult(problem=InviteProblem.UNKNOWN)
        now = self.clock.now()
        async with self.db.connect() as conn:
            users, invites, log = UserRepo(conn), InviteRepo(conn), EventLog(conn)
            existing = await users.by_tg_id(profile.tg_id)
            if existing is not None and existing.is_active:
                return JoinResult(user=existing, already_member=True)
            invite = await invites.by_hash(hash_token(token))
            if invite is None:
                return JoinResult(problem=InviteProblem.UNKNOWN)
            if invite.revoked_at is not None:
                return JoinResult(problem=InviteProblem.REVOKED)
            if invite.expires_at <= now:
                return JoinResult(problem=InviteProblem.EXPIRED)
            if not await invites.take_one_use(invite.id):
                return JoinResult(problem=InviteProblem.USED_UP)
            if existing is None:
                user_id = await users.add(
                    profile.tg_id,
                    profile.full_name,
                    profile.username,
                    profile.language,
                    invite.department_id,
                    now,
                )
                action = "registered"
            else:
                user_id = existing.id
                await users.update(
                    user_id, is_active=True, department_id=invite.department_id, bot_blocked=False
                )
                action = "reactivated"
            await users.set_roles(user_id, invite.roles)
            await log.add(
                now,
                user_id,
                USER,
                user_id,
                action,
                invite_id=invite.id,
                roles=format_roles(invite.roles),
                department_id=invite.department_id,
            )
            await log.add(now, user_id, "invite", invite.id, "used", user_id=user_id)
            return JoinResult(user=await users.get(user_id))

    async def set_language(self, user: User, language: str) -> None:
        if language not in SUPPORTED:
            raise Refused("language.unknown")
        async with self.db.connect() as conn:
            await UserRepo(conn).update(user.id, language=language)
            await EventLog(conn).add(
                self.clock.now(), user.id, USER, user.id, "language_changed", language=language
            )

    async def page(self, page: int, size: int) -> tuple[list[User], int]:
        async with self.db.connect() as conn:
            return await UserRepo(conn).page(page * size, size)

    async def active(self, department_id: int | None = None) -> list[User]:
        async with self.db.connect() as conn:
            return await UserRepo(conn).active(department_id)

    async def toggle_role(self, actor: User, user_id: int, role: Role) -> User:
        async with self.db.connect() as conn:
            repo = UserRepo(conn)
            target = await self._target(repo, user_id)
            roles = set(target.roles)
            if role in roles:
                if role is Role.MANAGER and (
                    target.id == actor.id or target.tg_id in self.admin_ids
                ):
                    raise Refused("users.keep_manager")
                roles.discard(role)
            else:
                roles.add(role)
            if not roles:
                raise Refused("users.no_roles")
            await repo.set_roles(target.id, roles)
            await EventLog(conn).add(
                self.clock.now(),
                actor.id,
                USER,
                target.id,
                "roles_changed",
                before=format_roles(target.roles),
                after=format_roles(roles),
            )
            return await self._target(repo, user_id)

    async def set_department(self, actor: User, user_id: int, department_id: int | None) -> User:
        async with self.db.connect() as conn:
            repo = UserRepo(conn)
            target = await self._target(repo, user_id)
            if department_id is not None and await DepartmentRepo(conn).get(department_id) is None:
                raise Refused("departments.not_found")
            await repo.update(target.id, department_id=department_id)
            await EventLog(conn).add(
                self.clock.now(),
                actor.id,
                USER,
                target.id,
                "department_changed",
                before=target.department_id,
                after=department_id,
            )
            return await self._target(repo, user_id)

    async def set_active(self, actor: User, user_id: int, active: bool) -> User:
        async with self.db.connect() as conn:
            repo = UserRepo(conn)
            target = await self._target(repo, user_id)
            if not active and (target.id == actor.id or target.tg_id in self.admin_ids):
                raise Refused("users.keep_self")
            if target.is_active != active:
                await repo.update(target.id, is_active=active)
                await EventLog(conn).add(
                    self.clock.now(),
                    actor.id,
                    USER,
                    target.id,
                    "activated" if active else "deactivated",
                )
            return await self._target(repo, user_id)

    async def remember_commands(self, user_id: int, digest: str | None) -> None:
        async with self.db.connect() as conn:
            await UserRepo(conn).update(user_id, commands_hash=digest)

    async def _target(self, repo: UserRepo, user_id: int) -> User:
        target = await repo.get(user_id)
        if target is None:
            raise Refused("users.not_found")
        return target
