"""A small browser for the cluster tests: it talks to the balancer only, names the site in the
Host header (the base domain or a `*.` workspace), keeps cookies by domain as a browser does,
follows redirects across hosts and fills in and submits the page's own HTML forms (hidden
fields, the CSRF token included, and the defaults of every field it is not told about).

No JavaScript: the forms are posted as a browser without HTMX would post them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    # (name, value) pairs a browser would send untouched: hidden, text, checked boxes, selects.
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Every value offered per select / checkbox name (to choose from).
    choices: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, formaction


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(
                a.get("action", ""),
                a.get("method", "get").lower(),
                a.get("enctype", "application/x-www-form-urlencoded"),
            )
            self.forms.append(self._form)
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if name:
                    form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a and name:
                    form.fields.append((name, a.get("value", "on")))
            elif kind == "submit":
                form.buttons.append((name, a.get("value", ""), a.get("formaction", "")))
            elif kind != "file" and name and "disabled" not in a:
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and a.get("type", "submit") == "submit":
            form.buttons.append((name, a.get("value", ""), a.get("formaction", "")))
        elif tag == "select" and name:
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._select[1].append(value or "")
            if "selected" in a:
                self._select[2].append(value or "")
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and form is not None:
            name, options, selected = self._select
            form.choices[name] = [o for o in options if o]
            chosen = selected[:1] or options[:1]
            if chosen:
                form.fields.append((name, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            form.fields.append((self._textarea[0], "".join(self._textarea[1]).lstrip("\n")))
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class ServerError(AssertionError):
    """A 5xx answer: the page did not load (a person would reload)."""


class Browser:
    """One person's browser. Every request goes to the balancer at `address`; the URL's host
    travels in the Host header, so `http://alpha.igny8.localhost/…` reaches that workspace."""

    def __init__(self, address: str, port: int, base_domain: str) -> None:
        self.balancer = f"http://{address}:{port}"
        self.base_domain = base_domain
        self.port = port
        # (domain, host_only, name) -> value
        self.cookies: dict[tuple[str, bool, str], str] = {}
        self.client = httpx.Client(timeout=60, follow_redirects=False)
        self.url = ""  # where the last page came from
        self.text = ""

    def close(self) -> None:
        self.client.close()

    def public(self, path: str = "/") -> str:
        return f"http://{self.base_domain}:{self.port}{path}"

    def workspace(self, slug: str, path: str = "/") -> str:
        return f"http://{slug}.{self.base_domain}:{self.port}{path}"

    def cookie(self, name: str) -> str:
        return next(v for (_, _, n), v in self.cookies.items() if n == name)

    def _cookie_header(self, host: str) -> str:
        sent = {}
        for (domain, host_only, name), value in self.cookies.items():
            if (host_only and host == domain) or (
                not host_only and (host == domain or host.endswith("." + domain))
            ):
                sent[name] = value
        return "; ".join(f"{k}={v}" for k, v in sent.items())

    def _keep_cookies(self, host: str, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            first, *attrs = [part.strip() for part in header.split(";")]
            name, _, value = first.partition("=")
            domain = next(
                (
                    a.split("=", 1)[1].lstrip(".").lower()
                    for a in attrs
                    if a.lower().startswith("domain=")
                ),
                "",
            )
            key = (domain or host, not domain, name)
            expired = any(a.lower().startswith("max-age=0") for a in attrs) or value in ('""', "")
            if expired:
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = value

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        """One request, redirects followed (a POST answered 302/303 becomes a GET)."""
        for _ in range(10):
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            assert host == self.base_domain or host.endswith("." + self.base_domain), url
            headers = {"Host": parts.netloc, **kwargs.pop("headers", {})}
            cookies = self._cookie_header(host)
            if cookies:
                headers["Cookie"] = cookies
            if method == "POST":
                headers.setdefault("Origin", f"{parts.scheme}://{parts.netloc}")
                headers.setdefault("Referer", self.url or url)
            target = (
                self.balancer + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            )
            response = self.client.request(method, target, headers=headers, **kwargs)
            self._keep_cookies(host, response)
            if response.status_code in (301, 302, 303, 307, 308):
                url = urljoin(url, response.headers["location"])
                if response.status_code in (301, 302, 303):
                    method, kwargs = "GET", {}
                continue
            self.url, self.text = url, response.text
            return response
        raise AssertionError(f"too many redirects from {url}")

    def get(self, url: str) -> httpx.Response:
        response = self.request("GET", url)
        if response.status_code >= 500:
            raise ServerError(url, response.status_code)
        assert response.status_code == 200, (url, response.status_code, response.text[-2000:])
        return response

    def form(self, action: str) -> Form:
        """The form of the page last loaded whose action (or a button's formaction) matches
        the regular expression `action` (the page's own address for a form without one)."""
        for form in forms_of(self.text):
            actions = [form.action or urlsplit(self.url).path] + [b[2] for b in form.buttons]
            if any(re.search(action, a) for a in actions if a):
                return form
        found = [f.action for f in forms_of(self.text)]
        raise AssertionError(f"no form posting to {action!r} on {self.url}: {found}")

    def submit(
        self,
        form: Form,
        values: dict[str, str | list[str]] | None = None,
        *,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        button: str | None = None,
        expect: int = 200,
    ) -> httpx.Response:
        """Post `form` as a browser would: its fields with their current values, `values`
        replacing (a list: several values, as ticked boxes); `button` picks a submit button
        by its formaction (else the form's own action)."""
        values = values or {}
        data = [(k, v) for k, v in form.fields if k not in values]
        for name, value in values.items():
            data.extend((name, v) for v in ([value] if isinstance(value, str) else value))
        action = form.action
        if button is not None:
            action = next(b[2] for b in form.buttons if b[2] and re.search(button, b[2]))
        url = urljoin(self.url, action or self.url)
        if files:
            body = {k: [v for n, v in data if n == k] for k, _ in data}
            response = self.request("POST", url, data=body, files=files)
        else:
            response = self.request(
                "POST",
                url,
                content="&".join(f"{_q(k)}={_q(v)}" for k, v in data).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        if response.status_code >= 500:
            raise ServerError(url, response.status_code)
        assert response.status_code == expect, (url, response.status_code, response.text[-3000:])
        return response


def _q(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)
