"""Reading the back office's answers as a browser would: a small HTML tree (stdlib parser),
the values a form would send, the errors shown next to fields, and snapshots of the database
to prove that a refused request changed nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select
from webclient import Web

from solde.bootstrap import Container
from solde.storage.tables import audit_log, metadata

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
#: Tables a request may touch without changing anything a user sees (the session's last use).
VOLATILE = frozenset({"web_sessions", "login_failures"})
NBSP = "\u00a0"
NNBSP = "\u202f"


@dataclass(eq=False)
class Node:
    """An element with its attributes and children (text is kept as str children)."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        value = self.attrs.get(name)
        return default if value is None else value

    def has(self, name: str) -> bool:
        return name in self.attrs

    @property
    def text(self) -> str:
        """The text content, spaces collapsed (no-break spaces are kept as they are)."""
        return re.sub(r"[ \t\r\n]+", " ", self.raw_text).strip()

    @property
    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list[Node]:
        """Descendants with this tag and these attributes (True: present; `class_`: one of
        the classes)."""
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if all(_matches(node, name, want) for name, want in attrs.items()):
                found.append(node)
        return found

    def find(self, tag: str | None = None, **attrs: str | bool) -> Node | None:
        nodes = self.find_all(tag, **attrs)
        return nodes[0] if nodes else None

    def one(self, tag: str | None = None, **attrs: str | bool) -> Node:
        nodes = self.find_all(tag, **attrs)
        assert len(nodes) == 1, (tag, attrs, len(nodes))
        return nodes[0]

    def by_id(self, ident: str) -> Node:
        return self.one(id=ident)

    def testid(self, name: str) -> Node:
        return self.one(**{"data-testid": name})

    @property
    def classes(self) -> set[str]:
        return set(self.get("class").split())

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


def _matches(node: Node, name: str, want: str | bool) -> bool:
    if name == "class_":
        return isinstance(want, str) and want in node.classes
    attr = name.replace("_", "-") if name not in node.attrs and "_" in name else name
    if want is True:
        return attr in node.attrs
    return node.attrs.get(attr) == want


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "option" and self.current.tag == "option":
            self._close("option")
        node = Node(tag, {k: "" if v is None else v for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: "" if v is None else v for k, v in attrs}, self.current)
        self.current.children.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        self._close(tag)

    def _close(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    """The document tree of a page or fragment."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


# -- forms ----------------------------------------------------------------------------------


def form_by_action(doc: Node, action: str) -> Node:
    forms = [f for f in doc.find_all("form") if f.get("action") == action]
    assert len(forms) == 1, (action, [f.get("action") for f in doc.find_all("form")])
    return forms[0]


def form_values(form: Node) -> dict[str, str]:
    """What a browser would send for this form, as it is shown (disabled fields left out)."""
    values: dict[str, str] = {}
    for node in form.iter():
        name = node.get("name")
        if not name or node.has("disabled") or _in_disabled_fieldset(node, form):
            continue
        if node.tag == "input":
            kind = node.get("type", "text")
            if kind in ("checkbox", "radio"):
                if node.has("checked"):
                    values[name] = node.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                values[name] = node.get("value")
        elif node.tag == "select":
            options = node.find_all("option")
            chosen = [o for o in options if o.has("selected")] or options[:1]
            if chosen:
                values[name] = chosen[0].get("value", chosen[0].text)
        elif node.tag == "textarea":
            values[name] = node.raw_text.removeprefix("\n")
    return values


def _in_disabled_fieldset(node: Node, form: Node) -> bool:
    for parent in node.ancestors():
        if parent is form:
            return False
        if parent.tag == "fieldset" and parent.has("disabled"):
            return True
    return False


def field_error(doc: Node, name: str) -> str | None:
    """The error shown next to the input `name`, None when there is none."""
    node = doc.find(id=f"e-{name}")
    return None if node is None else node.text


def field_value(doc: Node, name: str) -> str:
    """The value an input of `name` shows (the selected option of a select)."""
    node = doc.one(id=f"f-{name}")
    if node.tag == "select":
        chosen = [o for o in node.find_all("option") if o.has("selected")]
        return chosen[0].get("value") if chosen else ""
    if node.tag == "textarea":
        return node.raw_text.removeprefix("\n")
    return node.get("value")


def errors_shown(doc: Node) -> dict[str, str]:
    """Every field error of a page, by input name."""
    return {
        node.get("id").removeprefix("e-"): node.text
        for node in doc.find_all("p", class_="error")
        if node.get("id").startswith("e-")
    }


def form_error(doc: Node) -> str | None:
    node = doc.find("div", class_="form-error")
    return None if node is None else node.text


def flash(doc: Node) -> str | None:
    node = doc.find("p", class_="flash")
    return None if node is None else node.text


def is_whole_page(html: str) -> bool:
    return "<html" in html.lower()


def submit(
    web: Web, page: str, action: str, changes: dict[str, str] | None = None, **kwargs: Any
) -> Any:
    """Open `page`, fill the form posting to `action` as shown, change some fields, send it."""
    doc = parse(web.page(page))
    values = form_values(form_by_action(doc, action))
    values.pop("csrf_token", None)
    values.update(changes or {})
    return web.post(action, {k: v for k, v in values.items() if v is not None}, **kwargs)


def htmx_get(web: Web, path: str, target: str | None = None) -> Any:
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{path}"}
    if target:
        headers["HX-Target"] = target
    return web.client.get(path, headers=headers, follow_redirects=False)


def after_redirect(web: Web, response: Any, status: int = 303) -> str:
    """Follow the redirect of a form that worked; the HTML of the page it leads to."""
    assert response.status_code == status, (response.status_code, response.text[:3000])
    return web.page(response.headers["location"])


# -- the database ---------------------------------------------------------------------------


def snapshot(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a user's action could change."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with container.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in VOLATILE:
                continue
            rows = connection.execute(table.select()).all()
            tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return tables


def audit(container: Container, action: str) -> list[dict[str, Any]]:
    """The details of the audit entries of `action`, oldest first."""
    with container.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.details, audit_log.c.actor)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.id)
        ).all()
    return [dict(r.details, _actor=r.actor) for r in rows]


def user_id(web: Web) -> int:
    user = web.container.users.by_email(web.email)
    assert user is not None
    return user.id


def set_locale(web: Web, locale: str | None) -> Web:
    web.container.users.set_locale(user_id(web), locale)
    return web


def eur(amount: str | Decimal) -> str:
    """How en_US shows an amount of euros: `€1,234.50`, `-€5.00`."""
    value = Decimal(amount)
    return ("-" if value < 0 else "") + f"€{abs(value):,.2f}"


def us_date(day: date) -> str:
    """How en_US shows a date: `Nov 30, 2026`."""
    return f"{day:%b} {day.day}, {day.year}"


def card(doc: Node) -> dict[str, str]:
    """The figures of the balance card, by their test id."""
    return {
        name: doc.testid(name).text
        for name in ("balance", "debit", "credit", "awaiting", "unbilled")
    }


def balance_class(doc: Node) -> str:
    """The colour class of the balance (debit, credit or zero)."""
    span = doc.testid("balance").one("span")
    classes = span.classes - {"amount"}
    assert len(classes) == 1, classes
    return classes.pop()


def row(doc: Node, tx_id: int) -> dict[str, str]:
    """A transaction row of a customer page, by column."""
    tr = doc.by_id(f"tx-{tx_id}")
    cells = [c.text for c in tr.find_all("td")]
    columns = ("id", "date", "type", "label", "reference", "debit", "credit", "open", "links")
    found = dict(zip(columns, cells, strict=False))
    found["state"] = tr.get("data-state")
    found["section"] = next(
        (
            a.get("id").removeprefix("section-")
            for a in tr.ancestors()
            if a.get("id").startswith("section-")
        ),
        "",
    )
    return found


def euros(text: str) -> Decimal:
    """An en_US amount shown like `-€1,234.50` as a Decimal."""
    cleaned = text.replace("€", "").replace(",", "").replace(NBSP, "").strip()
    return Decimal(cleaned)
