"""The community part of the seed data (`manage.py seed_province`): double reporting and service
orders in the urban communities (社区) of the province, registered in seeding.generators.

The source text gives no figures for these mechanisms, so the sizes are plausible proportions,
per community at scale 1.0 (Sichuan: 8,888 communities): 2 organs' Party organisations and 20
serving Party members reported, 20 residents' orders over the last 24 months. `expected_figures`
derives the province's figures from the constants below; a test holds the generated data to them.

Rules kept as the services keep them: one registration per member or organisation (so at most one
active per basis), withdrawn ones with a date and a reason; orders dispatched only to the roster of
their own community, timestamps in order, one assignee, ratings only of completed orders (a "not
done" rating reopens the order), phones encrypted with `core.crypto` (and hashed for members).
"""

from __future__ import annotations

from community.choices import SATISFIED_MIN_SCORE, OrderCategory, ReporterKind, ServiceKind
from community.models import (
    CommunityReport,
    OrderRatingInvitation,
    ReportingMember,
    ReportingOrganisation,
    ServiceOrder,
)
from core.crypto import encrypt, keyed_hash
from seeding.generators import Clock, GenerationContext, SourceGenerator, register
from seeding.generators.ledgers import _People, spread

ORGS_PER_COMMUNITY = 2
MEMBERS_PER_COMMUNITY = 20
ORDERS_PER_COMMUNITY = 20
DAYS = 730
WITHDRAWN_SHARE = 0.08
CANCELLED_SHARE = 0.03
RECENT_DAYS = 3  # orders younger than this are still moving through the steps
# Status of an order by age (not cancelled): {status: weight}.
RECENT_STATUSES = {"placed": 30, "dispatched": 30, "taken": 40}
OLDER_STATUSES = {"placed": 1, "dispatched": 1, "taken": 3, "completed": 35, "rated": 55, "reopened": 5}
SCORES_RATED = {5: 60, 4: 28, 3: 9, 2: 2, 1: 1}
SCORES_REOPENED = {1: 45, 2: 45, 3: 10}
KIND_WEIGHTS = {ServiceKind.VOLUNTEER: 60, ServiceKind.PAIRED: 25, ServiceKind.TEAM: 15}
MEAN_TAKE_HOURS = 6.0  # the wait before a member takes an order is exponential with this mean
ORGANISATION_SHARE = 0.15  # of dispatched orders, to an organisation rather than a member

NEEDS = {
    OrderCategory.ELDERLY: ("帮独居老人代买药品", "陪同老人到医院复查", "为行动不便老人上门理发"),
    OrderCategory.CHILDREN: ("放学后看护双职工家庭孩子", "辅导留守儿童作业"),
    OrderCategory.ENVIRONMENT: ("清理楼道堆放杂物", "疏通小区排水沟"),
    OrderCategory.REPAIR: ("维修楼道照明灯", "更换老旧水龙头", "修理单元门禁"),
    OrderCategory.MEDIATION: ("调解邻里噪音纠纷", "协调停车位争议"),
    OrderCategory.POLICY: ("咨询医保异地报销", "咨询养老保险续缴"),
    OrderCategory.EMPLOYMENT: ("推荐就近就业岗位", "报名技能培训"),
    OrderCategory.HEALTH: ("上门测量血压血糖", "预约家庭医生签约"),
    OrderCategory.CULTURE: ("组织社区广场舞培训", "开展书法进社区活动"),
    OrderCategory.OTHER: ("协助办理居住证明", "帮忙搬运大件家具"),
}
RESULTS = ("已上门完成服务，居民当面确认", "已联系相关部门处理完毕", "党员志愿者两人上门办理完毕")
ORGANS = (
    ("省财政厅", "province"), ("省教育厅", "province"), ("省卫生健康委", "province"), ("省民政厅", "province"),
    ("省人力资源社会保障厅", "province"), ("省住房城乡建设厅", "province"), ("省交通运输厅", "province"),
    ("市委组织部", "prefecture"), ("市发展改革委", "prefecture"), ("市教育局", "prefecture"),
    ("市公安局", "prefecture"), ("市城市管理局", "prefecture"), ("市市场监管局", "prefecture"),
    ("区委办", "county"), ("区人社局", "county"), ("区民政局", "county"), ("区卫生健康局", "county"),
    ("区司法局", "county"), ("区住房建设局", "county"), ("区税务局", "county"), ("区医院", "other"),
    ("区第一中学", "other"), ("国网供电公司", "other"), ("区自来水公司", "other"),
)  # fmt: skip


def _weighted(weights: dict) -> list:
    return [key for key, weight in weights.items() for _ in range(weight)]


def _share(weights: dict, keys) -> float:
    return sum(weights[k] for k in keys if k in weights) / sum(weights.values())


def expected_figures(scale: float = 1.0, communities: int = 8888) -> dict[str, float]:
    """The province's figures the constants above produce on average (the draws vary around them)."""
    orgs, members = ORGS_PER_COMMUNITY * communities * scale, MEMBERS_PER_COMMUNITY * communities * scale
    orders = ORDERS_PER_COMMUNITY * communities * scale
    placed = orders * (1 - CANCELLED_SHARE)
    recent = RECENT_DAYS / DAYS

    def share(keys):
        return recent * _share(RECENT_STATUSES, keys) + (1 - recent) * _share(OLDER_STATUSES, keys)

    rated, reopened = share(("rated",)), share(("reopened",))

    def satisfied(scores):
        return sum(w for s, w in scores.items() if s >= SATISFIED_MIN_SCORE) / sum(scores.values())

    return {
        "community_orgs_reported": orgs * (1 - WITHDRAWN_SHARE),
        "community_members_reported": members * (1 - WITHDRAWN_SHARE),
        "community_orders_placed": placed,
        "community_orders_taken": placed * share(("taken", "completed", "rated")),
        "community_orders_completed": placed * share(("completed", "rated")),
        "community_orders_rated": placed * (rated + reopened),
        "community_satisfaction_rate": (rated * satisfied(SCORES_RATED) + reopened * satisfied(SCORES_REOPENED))
        / (rated + reopened),
    }


@register
class CommunityGenerator(SourceGenerator):
    key = "community"
    # Counts are per community and scale with the run (0.2 orders a community at the demo county's
    # 0.01): four times that in the demo, so the demo communities have orders to click through.
    demo_share = 4.0
    models = (ReportingOrganisation, ReportingMember, CommunityReport, ServiceOrder, OrderRatingInvitation)
    region_paths = {
        "community.ReportingOrganisation": "region__code",
        "community.ReportingMember": "region__code",
        "community.CommunityReport": "community__code",
        "community.ServiceOrder": "region__code",
        "community.OrderRatingInvitation": "order__region__code",
    }

    def existing_rows(self, province: str) -> int:
        return sum(
            model.objects.filter(**{f"{self.region_paths[model._meta.label]}__startswith": province}).count()
            for model in (ReportingOrganisation, ServiceOrder)
        )

    def generate(self, ctx: GenerationContext) -> dict[str, int]:
        communities = [p for p in ctx.villages if p.is_community]
        if not communities:
            return {"community_reports": 0, "service_orders": 0}
        rng = ctx.rng("community")
        weights = [0.5 + rng.random() for _ in communities]
        rosters = self._reports(ctx, communities, weights)
        orders, ratings = self._orders(ctx, communities, weights, rosters)
        return {
            "community_reports": sum(len(r["all"]) for r in rosters),
            "service_orders": orders,
            "order_ratings": ratings,
        }

    # --- 双报到 ------------------------------------------------------------------------------------
    def _reports(self, ctx, communities, weights):
        rng = ctx.rng("community:reports")
        r = rng.random
        people = _People(ctx.rng("community:people"))
        writer, clock = ctx.writer, ctx.writer.clock
        moment, day = clock.moment, clock.day
        today = ctx.as_of.toordinal()
        orgs = writer.sink(
            ReportingOrganisation,
            ("id", "created_at", "updated_at", "version", "created_by", "region", "name", "organ_name",
             "organ_level", "party_member_count", "contact_name", "phone"),
        )  # fmt: skip
        members = writer.sink(
            ReportingMember,
            ("id", "created_at", "updated_at", "version", "created_by", "region", "name", "phone", "phone_hash",
             "workplace", "user", "cadre"),
        )  # fmt: skip
        reports = writer.sink(
            CommunityReport,
            ("id", "created_at", "updated_at", "version", "created_by", "community", "kind", "basis",
             "organisation", "member", "status", "reported_on", "withdrawn_on", "withdraw_reason", "note"),
        )  # fmt: skip
        org_id, member_id, report_id = (
            writer.next_id(m) for m in (ReportingOrganisation, ReportingMember, CommunityReport)
        )
        org_counts = spread(rng, ctx.count(ORGS_PER_COMMUNITY * len(communities)), weights)
        member_counts = spread(rng, ctx.count(MEMBERS_PER_COMMUNITY * len(communities)), weights)
        rosters = []
        for index, place in enumerate(communities):
            roster = {"members": [], "organisations": [], "all": []}
            organs = list(ORGANS)
            rng.shuffle(organs)
            for n in range(org_counts[index]):
                organ, level = organs[n % len(organs)]
                suffix = "" if n < len(organs) else f"第{n // len(organs) + 1}"
                reported = today - int(DAYS * r())
                created = Clock.local_midnight(reported) + 36_000
                orgs.add((org_id, moment(created), moment(created), 1, None, place.code, f"{organ}机关{suffix}党支部",
                          organ, level, 5 + int(r() * 60), people.name(place.code), ""))  # fmt: skip
                active = self._report(reports, report_id, org_id, None, place, reported, created, r, moment, day, today)
                if active:
                    roster["organisations"].append(org_id)
                roster["all"].append(report_id)
                org_id += 1
                report_id += 1
            for _n in range(member_counts[index]):
                reported = today - int(DAYS * r())
                created = Clock.local_midnight(reported) + 36_000 + int(r() * 30_000)
                phone = people.phone()
                organ = ORGANS[int(r() * len(ORGANS))][0]
                members.add((member_id, moment(created), moment(created), 1, None, place.code,
                             people.name(place.code), encrypt(phone), keyed_hash(phone), organ, None, None))  # fmt: skip
                active = self._report(
                    reports, report_id, None, member_id, place, reported, created, r, moment, day, today
                )
                if active:
                    roster["members"].append(member_id)
                roster["all"].append(report_id)
                member_id += 1
                report_id += 1
            rosters.append(roster)
        writer.complete(ReportingOrganisation, ReportingMember, CommunityReport)
        return rosters

    @staticmethod
    def _report(sink, report_id, org_id, member_id, place, reported, created, r, moment, day, today) -> bool:
        withdrawn = r() < WITHDRAWN_SHARE and reported < today
        kind = ReporterKind.ORGANISATION if org_id else ReporterKind.MEMBER
        basis = "workplace" if org_id else "residence"
        withdrawn_on = reported + 1 + int(r() * (today - reported)) if withdrawn else None
        withdrawn_on = min(withdrawn_on, today) if withdrawn_on else None
        sink.add((report_id, moment(created), moment(created), 2 if withdrawn else 1, None, place.code, kind, basis,
                  org_id, member_id, "withdrawn" if withdrawn else "active", day(reported),
                  day(withdrawn_on) if withdrawn else None, "工作调动" if withdrawn else "", ""))  # fmt: skip
        return not withdrawn

    # --- 三单制 ------------------------------------------------------------------------------------
    def _orders(self, ctx, communities, weights, rosters):
        rng = ctx.rng("community:orders")
        r = rng.random
        people = _People(ctx.rng("community:order-people"))
        writer, clock = ctx.writer, ctx.writer.clock
        moment = clock.moment
        now = ctx.now
        today = ctx.as_of.toordinal()
        orders = writer.sink(
            ServiceOrder,
            ("id", "created_at", "updated_at", "version", "created_by", "region", "channel", "category", "need",
             "details", "place", "contact_name", "phone", "service_kind", "status", "assigned_member",
             "assigned_organisation", "dispatch_note", "result", "cancel_reason", "placed_at", "waiting_since",
             "dispatched_at", "taken_at", "completed_at", "rated_at", "cancelled_at", "reopen_count", "score"),
        )  # fmt: skip
        ratings = writer.sink(
            OrderRatingInvitation,
            ("id", "order", "nonce", "created_at", "expires_at", "created_by", "rated_at", "score", "done_confirmed",
             "comment"),
        )  # fmt: skip
        recent, older = _weighted(RECENT_STATUSES), _weighted(OLDER_STATUSES)
        kinds = _weighted(KIND_WEIGHTS)
        scores_rated, scores_reopened = _weighted(SCORES_RATED), _weighted(SCORES_REOPENED)
        categories = list(NEEDS)
        order_id, rating_id = writer.next_id(ServiceOrder), writer.next_id(OrderRatingInvitation)
        counts = spread(rng, ctx.count(ORDERS_PER_COMMUNITY * len(communities)), weights)
        written = rated_count = 0
        for index, place in enumerate(communities):
            roster = rosters[index]
            for _n in range(counts[index]):
                age = int(DAYS * r())
                placed = min(Clock.local_midnight(today - age) + 28_800 + int(r() * 43_200), now - 3600)
                category = categories[int(r() * len(categories))]
                need = NEEDS[category][int(r() * len(NEEDS[category]))]
                status = (
                    "cancelled" if r() < CANCELLED_SHARE else (recent if age < RECENT_DAYS else older)[int(r() * 100)]
                )
                if status not in ("placed", "cancelled") and not (roster["members"] or roster["organisations"]):
                    status = "placed"
                member = organisation = None
                dispatched = taken = completed = rated = cancelled = score = None
                waiting, reopen_count, version, updated = placed, 0, 1, placed
                result = cancel_reason = ""
                if status == "cancelled":
                    cancelled = min(placed + 3600 + int(r() * 86_400), now)
                    cancel_reason, version, updated = "重复点单", 2, cancelled
                elif status != "placed":
                    if roster["members"] and (r() >= ORGANISATION_SHARE or not roster["organisations"]):
                        member = roster["members"][int(r() * len(roster["members"]))]
                    else:
                        organisation = roster["organisations"][int(r() * len(roster["organisations"]))]
                    wait = int(rng.expovariate(1 / MEAN_TAKE_HOURS) * 3600)
                    dispatched = min(placed + int(wait * r()), now)
                    version, updated = 2, dispatched
                    if status != "dispatched":
                        taken = min(placed + wait, now)
                        taken = max(taken, dispatched)
                        version, updated = 3, taken
                    if status in ("completed", "rated", "reopened"):
                        completed = min(taken + 1800 + int(r() * 172_800), now)
                        result, version, updated = RESULTS[int(r() * len(RESULTS))], 4, completed
                    if status in ("rated", "reopened"):
                        rated = min(completed + 3600 + int(r() * 259_200), now)
                        confirmed = status == "rated"
                        score = (scores_rated if confirmed else scores_reopened)[int(r() * 100)]
                        ratings.add((rating_id, order_id, f"seed{ctx.seed}-{rating_id}", moment(completed),
                                     moment(completed + 30 * 86_400), None, moment(rated), score, confirmed, ""))  # fmt: skip
                        rating_id += 1
                        rated_count += 1
                        version, updated = 5, rated
                        if not confirmed:  # reopened: waiting again since the rating
                            waiting, reopen_count = rated, 1
                            taken = completed = None
                            rated = None
                orders.add((
                    order_id, moment(placed), moment(updated), version, None, place.code,
                    "public" if r() < 0.7 else "staff", category, need, "", f"{place.name}{1 + int(r() * 30)}栋",
                    people.name(place.code), encrypt(people.phone()), kinds[int(r() * 100)], status, member,
                    organisation, "", result, cancel_reason, moment(placed), moment(waiting),
                    None if dispatched is None else moment(dispatched), None if taken is None else moment(taken),
                    None if completed is None else moment(completed), None if rated is None else moment(rated),
                    None if cancelled is None else moment(cancelled), reopen_count, score,
                ))  # fmt: skip
                order_id += 1
                written += 1
        writer.complete(ServiceOrder, OrderRatingInvitation)
        return written, rated_count
