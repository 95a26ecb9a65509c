"""Sign-in, sign-out, CSRF on every form, security headers, redirects."""

from __future__ import annotations

from tests.web.conftest import World, csrf, csrf_of, sign_in


async def test_sign_in_and_out(world: World) -> None:
    async with world.client() as c:
        assert (await c.get("/inbox")).headers["location"] == "/login?next=/inbox"
        r = await sign_in(c, "manager")
        assert r.status_code == 303 and r.headers["location"] == "/dashboard"
        assert (await c.get("/inbox")).status_code == 200
        r = await c.post("/logout", data={"csrf_token": await csrf(c)})
        assert r.status_code == 303
        assert (await c.get("/inbox")).status_code == 303


async def test_wrong_password_and_unknown_user_are_refused_alike(world: World) -> None:
    async with world.client() as c:
        wrong = await sign_in(c, "manager", "not it")
        unknown = await sign_in(c, "nobody", "not it")
        assert wrong.status_code == unknown.status_code == 401
        assert (
            "Unknown user name or wrong password." in wrong.text
            and "Unknown user name or wrong password." in unknown.text
        )
        assert (await c.get("/inbox")).status_code == 303


async def test_next_goes_only_to_this_site(world: World) -> None:
    async with world.client() as c:
        page = await c.get("/login")
        r = await c.post(
            "/login",
            data={
                "username": "caseworker",
                "password": "correct horse battery staple",
                "next": "//evil.example/x",
                "csrf_token": csrf_of(page.text),
            },
        )
        assert r.headers["location"] == "/inbox"


async def test_forms_without_the_csrf_token_are_refused(world: World) -> None:
    async with world.client() as c:
        r = await c.post("/login", data={"username": "manager", "password": "correct horse battery staple"})
        assert r.status_code == 403
        await c.get("/login")  # a session with a token, but the form does not send it back
        r = await c.post(
            "/login",
            data={"username": "manager", "password": "correct horse battery staple", "csrf_token": "forged"},
        )
        assert r.status_code == 403
        await sign_in(c, "manager")
        assert (await c.post("/logout")).status_code == 403
        assert (await c.get("/dashboard")).status_code == 200, (
            "still signed in: the forged logout did nothing"
        )


async def test_csrf_token_is_bound_to_the_session(world: World) -> None:
    async with world.client() as a, world.client() as b:
        await sign_in(a, "manager")
        await sign_in(b, "manager")
        r = await a.post("/logout", data={"csrf_token": await csrf(b)})
        assert r.status_code == 403


async def test_security_headers(world: World) -> None:
    async with world.client() as c:
        r = await c.get("/login")
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie


async def test_the_session_cookie_is_signed(world: World) -> None:
    async with world.client() as c:
        await sign_in(c, "finance")
        c.cookies.set("ipa_session", c.cookies["ipa_session"][:-4] + "AAAA")
        assert (await c.get("/inbox")).status_code == 303
