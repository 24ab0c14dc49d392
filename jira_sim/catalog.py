"""What a site's administrators configured beyond workflows: custom fields, each project's type,
components, versions, screens, roles and who may be assigned, the site's groups, and which comment
writes move an issue's ``updated``.

A leaf of plain records: :class:`Catalog` hangs off the :class:`~jira_sim.site.Site` and is filled
by the seed (``"customFields"`` and the per-project keys, see :mod:`seed`) or the admin API
(:mod:`routes_setup`). Custom field kinds and their Jira types (the ``schema.custom`` URIs
Atlassian documents for the built-in custom field types):

==============  ======================  =================================================
kind            schema                  value in ``fields``
==============  ======================  =================================================
text            string (textfield)      a string of at most 255 characters
textarea        string (textarea)       ADF on REST v3, a string on v2
number          number (float)          a number
date            date (datepicker)       ``"YYYY-MM-DD"``
select          option (select)         ``{"value": ..}`` or ``{"id": ..}``
multiselect     array of option         a list of those
user            user (userpicker)       ``{"accountId": ..}`` (Data Center: ``{"name": ..}``)
==============  ======================  =================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

CUSTOM_TYPES: dict[str, tuple[str, str | None, str]] = {
    # kind: (schema type, schema items, custom type key)
    "text": ("string", None, "textfield"),
    "textarea": ("string", None, "textarea"),
    "number": ("number", None, "float"),
    "date": ("date", None, "datepicker"),
    "select": ("option", None, "select"),
    "multiselect": ("array", "option", "multiselect"),
    "user": ("user", None, "userpicker"),
}
CUSTOM_URI = "com.atlassian.jira.plugin.system.customfieldtypes:"
SOFTWARE = "software"
SERVICE_DESK = "service_desk"
PROJECT_TYPES = (SOFTWARE, SERVICE_DESK, "business")
DEFAULT_ROLES = ("Administrators", "Developers", "Users")
SERVICE_DESK_ROLES = ("Administrators", "Service Desk Team", "Service Desk Customers")
DEFAULT_GROUPS = {"jira-administrators": "5f1c9a52-0b0e-4c49-9c0b-6c5e2f0d1a01",
                  "jira-software-users": "5f1c9a52-0b0e-4c49-9c0b-6c5e2f0d1a02",
                  "jira-servicemanagement-users": "5f1c9a52-0b0e-4c49-9c0b-6c5e2f0d1a03"}


@dataclass(frozen=True)
class Option:
    """A select list option: its id and the value people see."""

    id: str
    value: str


@dataclass(frozen=True)
class CustomField:
    """A custom field of one of the :data:`CUSTOM_TYPES` kinds; ``id`` is ``customfield_NNNNN``."""

    id: str
    name: str
    kind: str
    options: tuple[Option, ...] = ()

    @property
    def number(self) -> int:
        return int(self.id.rsplit("_", 1)[1])

    def schema(self) -> dict[str, object]:
        kind, items, key = CUSTOM_TYPES[self.kind]
        schema: dict[str, object] = {"type": kind}
        if items:
            schema["items"] = items
        schema.update({"custom": CUSTOM_URI + key, "customId": self.number})
        return schema

    def option(self, value: object, by_id: object) -> Option | None:
        """The option named by value or by id (one of the two is None)."""
        for option in self.options:
            if (by_id is not None and option.id == str(by_id)) or (by_id is None and option.value == value):
                return option
        return None


@dataclass(frozen=True)
class Named:
    """A component or a version of a project."""

    id: str
    name: str


@dataclass
class ProjectSetup:
    """One project's configuration. Screens list what is *left off*: by default every system field
    and every custom field in the project's context is on both the create and the edit screen."""

    project_type: str = SOFTWARE
    components: tuple[Named, ...] = ()
    versions: tuple[Named, ...] = ()
    custom_fields: tuple[str, ...] = ()  # ids of the custom fields in this project's context
    off_create: frozenset[str] = frozenset()
    off_edit: frozenset[str] = frozenset()
    unassignable: frozenset[str] = frozenset()  # accounts without the Assignable User permission
    customers: frozenset[str] = frozenset()  # service projects: accounts that are customers, not agents
    # A select field's context in this project: the option values it offers (a field not named: all).
    option_contexts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    roles: tuple[str, ...] = DEFAULT_ROLES

    @property
    def service_desk(self) -> bool:
        return self.project_type == SERVICE_DESK

    def component(self, name: object, by_id: object) -> Named | None:
        return _named(self.components, name, by_id)

    def version(self, name: object, by_id: object) -> Named | None:
        return _named(self.versions, name, by_id)


def _named(items: tuple[Named, ...], name: object, by_id: object) -> Named | None:
    for item in items:
        if (by_id is not None and item.id == str(by_id)) or (by_id is None and item.name == name):
            return item
    return None


@dataclass
class CommentTouch:
    """Which comment writes move the issue's ``updated`` (see docs/JIRA-BEHAVIOUR.md for why these
    defaults: adding does, editing and deleting do not, the worse case where Atlassian is silent)."""

    add: bool = True
    edit: bool = False
    delete: bool = False


@dataclass
class Catalog:
    custom_fields: dict[str, CustomField] = field(default_factory=dict)
    projects: dict[str, ProjectSetup] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_GROUPS))  # name -> group id
    comment_touch: CommentTouch = field(default_factory=CommentTouch)

    def project(self, key: str) -> ProjectSetup:
        """The project's setup (created with the defaults on first use)."""
        return self.projects.setdefault(key, ProjectSetup())

    def fields_of(self, project_key: str) -> list[CustomField]:
        """The custom fields in the project's context, in their configured order."""
        return [self.custom_fields[i] for i in self.project(project_key).custom_fields if i in self.custom_fields]

    def custom_field(self, project_key: str, field_id: str) -> CustomField | None:
        """The custom field ``field_id`` if the project's issues have it."""
        return self.custom_fields.get(field_id) if field_id in self.project(project_key).custom_fields else None

    def in_context(self, project_key: str, field_id: str) -> CustomField:
        """The custom field ``field_id`` as the project's context has it: only the options offered there."""
        found = self.custom_fields[field_id]
        offered = self.project(project_key).option_contexts.get(field_id)
        if offered is None:
            return found
        return replace(found, options=tuple(o for o in found.options if o.value in offered))
