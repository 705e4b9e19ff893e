"""People: bootstrap of the quality manager, joining by invite, roles, departments, activity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from bot.clock import Clock
from bot.domain.invites import InviteProblem, hash_token, looks_like_token
from bot.domain.language import SUPPORTED
from bot.domain.models import User
from bot.domain.roles import Role, format_roles
from bot.services.errors import Refused
from bot.services.invalidation import then_call
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
        # Every update starts by looking its sender up; people change rarely. Whatever
        # changes a person, a role or a department calls forget() (on PostgreSQL, in every
        # process: Database.watch).
        self._by_tg_id: dict[int, User] = {}
        self._generation = 0  # a lookup that a forget() overtook does not remember
        db.watch(self.forget)

    def forget(self) -> None:
        self._generation += 1
        self._by_tg_id.clear()

    def forget_person(self, user_id: int) -> None:
        """After a change to one person only (his language, his menu, whether he blocked
        the bot): the others stay cached — a start sets everyone's menu, one by one."""
        for tg_id in [tg for tg, user in self._by_tg_id.items() if user.id == user_id]:
            del self._by_tg_id[tg_id]

    async def by_tg_id(self, tg_id: int) -> User | None:
        trusted = self.db.trusted
        if trusted and tg_id in self._by_tg_id:
            return self._by_tg_id[tg_id]
        generation = self._generation
        user = await self.db.run(lambda conn: UserRepo(conn).by_tg_id(tg_id))
        if user is not None and trusted and generation == self._generation:
            self._by_tg_id[tg_id] = user
        return user

    async def get(self, user_id: int) -> User | None:
        return await self.db.run(lambda conn: UserRepo(conn).get(user_id))

    @then_call("forget")
    async def ensure_admin(self, profile: Profile) -> User:
        """A Telegram id in ADMIN_IDS is always an active manager."""
        now = self.clock.now()

        def work(conn: Connection) -> User | None:
            repo, log = UserRepo(conn), EventLog(conn)
            user = repo.by_tg_id(profile.tg_id)
            if user is None:
                user_id = repo.add(
                    profile.tg_id, profile.full_name, profile.username, profile.language, None, now
                )
                repo.set_roles(user_id, {Role.MANAGER})
                log.add(now, user_id, USER, user_id, "registered_admin", roles="manager")
            else:
                user_id = user.id
                if not user.is_active:
                    repo.update(user_id, is_active=True)
                    log.add(now, user_id, USER, user_id, "reactivated_admin")
                if Role.MANAGER not in user.roles:
                    roles = user.roles | {Role.MANAGER}
                    repo.set_roles(user_id, roles)
                    log.add(now, user_id, USER, user_id, "roles_changed", roles=format_roles(roles))
            return repo.get(user_id)

        found = await self.db.run(work)
        assert found is not None
        return found

    @then_call("forget")
    async def join(self, token: str, profile: Profile) -> JoinResult:
        if not looks_like_token(token):
            return JoinResult(problem=InviteProblem.UNKNOWN)
        now = self.clock.now()

        def work(conn: Connection) -> JoinResult:
            users, invites, log = UserRepo(conn), InviteRepo(conn), EventLog(conn)
            existing = users.by_tg_id(profile.tg_id)
            if existing is not None and existing.is_active:
                return JoinResult(user=existing, already_member=True)
            invite = invites.by_hash(hash_token(token))
            if invite is None:
                return JoinResult(problem=InviteProblem.UNKNOWN)
            if invite.revoked_at is not None:
                return JoinResult(problem=InviteProblem.REVOKED)
            if invite.expires_at <= now:
                return JoinResult(problem=InviteProblem.EXPIRED)
            if not invites.take_one_use(invite.id):
                return JoinResult(problem=InviteProblem.USED_UP)
            if existing is None:
                user_id = users.add(
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
                users.update(
                    user_id, is_active=True, department_id=invite.department_id, bot_blocked=False
                )
                action = "reactivated"
            users.set_roles(user_id, invite.roles)
            log.add(
                now,
                user_id,
                USER,
                user_id,
                action,
                invite_id=invite.id,
                roles=format_roles(invite.roles),
                department_id=invite.department_id,
            )
            log.add(now, user_id, "invite", invite.id, "used", user_id=user_id)
            return JoinResult(user=users.get(user_id))

        return await self.db.run(work)

    async def set_language(self, user: User, language: str) -> None:
        if language not in SUPPORTED:
            raise Refused("language.unknown")

        def work(conn: Connection) -> None:
            UserRepo(conn).update(user.id, language=language)
            EventLog(conn).add(
                self.clock.now(), user.id, USER, user.id, "language_changed", language=language
            )

        try:
            await self.db.run(work)
        finally:
            self.forget_person(user.id)

    async def page(self, page: int, size: int) -> tuple[list[User], int]:
        return await self.db.run(lambda conn: UserRepo(conn).page(page * size, size))

    async def all_with_menus(self) -> list[User]:
        return await self.db.run(lambda conn: UserRepo(conn).with_menus())

    async def active(self, department_id: int | None = None) -> list[User]:
        return await self.db.run(lambda conn: UserRepo(conn).active(department_id))

    @then_call("forget")
    async def toggle_role(
        self, actor: User, user_id: int, role: Role, on: bool | None = None
    ) -> User:
        """Gives or takes away a role: `on` as the button was drawn (a second tap of the
        same button changes nothing), or the opposite of now when it is not known."""

        def work(conn: Connection) -> User:
            repo = UserRepo(conn)
            target = self._target(repo, user_id)
            roles = set(target.roles)
            wanted = role not in roles if on is None else on
            if (role in roles) == wanted:
                return target  # already so: a double tap
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
            repo.set_roles(target.id, roles)
            EventLog(conn).add(
                self.clock.now(),
                actor.id,
                USER,
                target.id,
                "roles_changed",
                before=format_roles(target.roles),
                after=format_roles(roles),
            )
            return self._target(repo, user_id)

        return await self.db.run(work)

    @then_call("forget")
    async def set_department(self, actor: User, user_id: int, department_id: int | None) -> User:
        def work(conn: Connection) -> User:
            repo = UserRepo(conn)
            target = self._target(repo, user_id)
            if department_id is not None and DepartmentRepo(conn).get(department_id) is None:
                raise Refused("departments.not_found")
            repo.update(target.id, department_id=department_id)
            EventLog(conn).add(
                self.clock.now(),
                actor.id,
                USER,
                target.id,
                "department_changed",
                before=target.department_id,
                after=department_id,
            )
            return self._target(repo, user_id)

        return await self.db.run(work)

    @then_call("forget")
    async def set_active(self, actor: User, user_id: int, active: bool) -> User:
        def work(conn: Connection) -> User:
            repo = UserRepo(conn)
            target = self._target(repo, user_id)
            if not active and (target.id == actor.id or target.tg_id in self.admin_ids):
                raise Refused("users.keep_self")
            if target.is_active != active:
                repo.update(target.id, is_active=active)
                EventLog(conn).add(
                    self.clock.now(),
                    actor.id,
                    USER,
                    target.id,
                    "activated" if active else "deactivated",
                )
            return self._target(repo, user_id)

        return await self.db.run(work)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """The user blocked the bot (reminders skip him) or wrote to it again."""
        try:
            await self.db.run(lambda conn: UserRepo(conn).update(user_id, bot_blocked=blocked))
        finally:
            self.forget_person(user_id)

    async def remember_commands(self, user_id: int, digest: str | None) -> None:
        try:
            await self.db.run(lambda conn: UserRepo(conn).update(user_id, commands_hash=digest))
        finally:
            self.forget_person(user_id)

    @staticmethod
    def _target(repo: UserRepo, user_id: int) -> User:
        target = repo.get(user_id)
        if target is None:
            raise Refused("users.not_found")
        return target
