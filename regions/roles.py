"""What each role may do ("what"), as Django permission names with wildcards.

Where a role may do it ("where") is the region of the post that holds the role; see
`regions.scoping`. A permission name is `app_label.codename`; `*` matches any run of
characters, so "ledgers.view_*" is every view permission of the ledgers app.
"""

from fnmatch import fnmatchcase
from functools import lru_cache

from regions.choices import Role

_BUSINESS_READ = (
    "regions.view_region",
    "ledgers.view_*",
    "petitions.view_*",
    "pairings.view_*",
    "reports.view_*",
)
_LEDGER_WORK = (
    "ledgers.add_*",
    "ledgers.change_*",
    "ledgers.transition_*",
    "ledgers.import_*",
    "ledgers.export_*",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.VILLAGE_CADRE: (*_BUSINESS_READ, *_LEDGER_WORK, "pairings.add_*", "pairings.change_*"),
    # Township staff handle the households' cases, so they may reveal a full ID number (audited).
    Role.TOWNSHIP_STAFF: (
        *_BUSINESS_READ,
        *_LEDGER_WORK,
        "ledgers.reveal_hardshiphousehold",
        "pairings.add_*",
        "pairings.change_*",
        "reports.export_*",
    ),
    Role.TOWNSHIP_LEADER: (*_BUSINESS_READ, "ledgers.export_*", "reports.export_*", "petitions.*"),
    Role.COUNTY_LEADER: (*_BUSINESS_READ, "ledgers.export_*", "reports.export_*", "petitions.*"),
    Role.PREFECTURE_LEADER: (*_BUSINESS_READ, "ledgers.export_*", "reports.export_*", "petitions.*"),
    Role.PROVINCIAL_OFFICE: (*_BUSINESS_READ, "ledgers.export_*", "reports.*"),
    # Petition offices register, route and track the cases of their region (refined by the petitions app).
    Role.PETITION_STAFF: (*_BUSINESS_READ, "petitions.*"),
    # A community's Party branch: double reporting and the three-order service (the community app).
    Role.COMMUNITY_BRANCH: (*_BUSINESS_READ, "community.*"),
    # 三员分立: the three administrators' duties do not overlap, and none reads case data (nor the
    # region tree). System administrator: ordinary users and their business posts. Security
    # administrator: locks, second factors, the administrator posts. Enforced in accounts.services.
    Role.SYSTEM_ADMIN: ("accounts.view_user", "accounts.add_user", "accounts.change_user", "accounts.grant_post"),
    Role.SECURITY_ADMIN: ("accounts.unlock_user", "accounts.grant_admin_post"),
    Role.AUDITOR: ("audit.view_auditevent", "audit.export_auditevent"),
}

# Leaders may press "立即刷新" on their own region's dashboard (an incremental refresh, throttled and
# audited: reports.services.summary_refresh_request); the full refresh stays with the province.
for _leader in (Role.TOWNSHIP_LEADER, Role.COUNTY_LEADER, Role.PREFECTURE_LEADER):
    ROLE_PERMISSIONS[_leader] = (*ROLE_PERMISSIONS[_leader], "reports.refresh_summary")
# Pairings: the staff and leaders who export ledgers also export pairings (masked, audited).
for _role in (
    Role.TOWNSHIP_STAFF,
    Role.TOWNSHIP_LEADER,
    Role.COUNTY_LEADER,
    Role.PREFECTURE_LEADER,
    Role.PROVINCIAL_OFFICE,
):
    ROLE_PERMISSIONS[_role] = (*ROLE_PERMISSIONS[_role], "pairings.export_*")


@lru_cache(maxsize=4096)
def role_grants(role: str, permission: str) -> bool:
    return any(fnmatchcase(permission, pattern) for pattern in ROLE_PERMISSIONS.get(role, ()))


def role_grants_app(role: str, app_label: str) -> bool:
    return any(pattern.split(".", 1)[0] == app_label for pattern in ROLE_PERMISSIONS.get(role, ()))


# The community app (双报到、三单制): every business role reads it where it works; leaders and the
# provincial office also export it (as they do the ledgers). The branch's own rights are above.
for _role in ROLE_PERMISSIONS:
    if "regions.view_region" in ROLE_PERMISSIONS[_role] and _role != Role.COMMUNITY_BRANCH:
        ROLE_PERMISSIONS[_role] += ("community.view_*",)
    if "ledgers.export_*" in ROLE_PERMISSIONS[_role] and "ledgers.add_*" not in ROLE_PERMISSIONS[_role]:
        ROLE_PERMISSIONS[_role] += ("community.export_*",)

# Pairings: the provincial office organises counterpart support (对口支援, a county's records),
# village links and stationed cadres across the province (the units it sends record with it).
ROLE_PERMISSIONS[Role.PROVINCIAL_OFFICE] = (
    *ROLE_PERMISSIONS[Role.PROVINCIAL_OFFICE],
    *(
        f"pairings.{verb}_{model}"
        for verb in ("add", "change")
        for model in (
            "supportassignment",
            "supportcadre",
            "villagelink",
            "linkcadre",
            "linkproject",
            "training",
            "stay",
        )
    ),
)
