"""A province-scale synthetic data set for the benchmarks.

    .venv/bin/python bench/generate.py                       # 100k / 30k / 300k on SQLite
    .venv/bin/python bench/generate.py --scale 0.1           # a tenth of that
    ZHAOSHANG_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/zs_bench \\
        .venv/bin/python bench/generate.py --fresh

Spread like the demo data (crm/services/demo.py): every Jilin prefecture, every
chain segment, stage, attraction mode, cooperation form and follow-up kind, with
about 30 % of enterprises from Zhejiang (吉浙).

How it loads: a sample (``--via-services``, default 300 of each kind) goes
through the app's own services — create_enterprise, create_project,
create_followup — with their validation, permissions and audit trail. The
services commit and audit per record (≈ 100–300 records/s on 2 cores), which
would take the better part of an hour for 430k rows, so the rest is written in
batches with SQLAlchemy Core, deriving every computed field with the same code
the services use: jizhe and case_by_case via crm.services.projects.apply_jizhe /
apply_case_by_case (crm.rules underneath), enterprise city codes via
crm.services.reference.city_code_for_name, and last_followup_on / next_due_on by
the rule of crm.services.followups.refresh_project_dates. Each batch is one
"import" entry in the audit log. The rates of both paths are printed and saved
to bench/results/generate-<backend>.json.

Nothing here is marked is_demo: the data stands in for real records.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlmodel import select as sm_select  # noqa: E402

from crm import create_app, rules  # noqa: E402
from crm.db import get_engine, session_scope  # noqa: E402
from crm.models import (  # noqa: E402
    AuditLog,
    Contact,
    Enterprise,
    FollowUp,
    Project,
    StageChange,
    User,
)
from crm.services import enterprises as enterprise_service  # noqa: E402
from crm.services import followups as followup_service  # noqa: E402
from crm.services import projects as project_service  # noqa: E402
from crm.searchkeys import lookup_keys  # noqa: E402
from crm.services import reference, users  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_SQLITE = ROOT / "bench" / "data" / "bench.db"
BENCH_PASSWORD = os.environ.get("ZHAOSHANG_BENCH_PASSWORD", "Bench-Passw0rd!")
BENCH_USER = "bench"
FULL = {"enterprises": 100_000, "projects": 30_000, "followups": 300_000}
BATCH = 5_000

# --- vocabularies for names -------------------------------------------------------
NAME_HEADS = ["华光", "吉芯", "长晟", "北辰", "松江", "白山", "东启", "瀚海", "鸿图", "天衡",
              "星联", "晶准", "锐驰", "恒远", "启明", "精微", "卓越", "图们", "延和", "净月",
              "中科", "海康", "舜宇", "大华", "宇视", "光迅", "华睿", "凌云", "金源", "汇川",
              "新松", "昊天", "博远", "嘉禾", "鼎盛", "瑞丰", "同创", "科瑞", "宏达", "信维",
              "奥普", "禹衡", "长光", "一汽", "希达", "永利", "伟业", "万向", "正泰", "德力",
              "兆驰", "欧菲", "蓝思", "华灿", "三安", "士兰", "长电", "通富", "晶方", "芯原"]
NAME_TAILS = ["光电科技", "微电子", "半导体", "激光技术", "卫星应用", "汽车电子", "智能装备",
              "显示技术", "芯片设计", "传感技术", "电子元件", "信息技术", "精密光学", "光电子",
              "集成电路", "电子材料", "通信设备", "智能制造", "新能源电子", "检测技术",
              "光学仪器", "软件", "物联网科技", "机器人", "红外技术", "封装测试"]
NAME_SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司",
                 "科技有限责任公司"]
RESEARCH = ["研究所", "研究院", "工程技术中心", "重点实验室"]
PROJECT_WORDS = ["年产{n}万片{seg}生产线", "{seg}研发中心", "{seg}产业园", "{seg}扩产",
                 "{seg}智能工厂", "{seg}生产基地", "{seg}创新中心", "{seg}配套", "{seg}产业化"]
TOPICS = ["用地指标", "厂房租赁", "设备补贴", "人才公寓", "物流成本", "电价", "融资担保",
          "上下游配套", "环评审批", "研发费用加计扣除", "股权投资", "首台套政策"]
FOLLOW_PHRASES = ["就{p}进行{k}", "与{e}就{p}{k}", "{k}{e}，了解{p}进展"]

ZJ_CITIES = ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市",
             "舟山市", "台州市", "丽水市"]
OTHER_SOURCES = [("广东省", "深圳市"), ("广东省", "广州市"), ("广东省", "东莞市"),
                 ("江苏省", "苏州市"), ("江苏省", "南京市"), ("江苏省", "无锡市"),
                 ("上海市", "上海市"), ("北京市", "北京市"), ("辽宁省", "大连市"),
                 ("辽宁省", "沈阳市"), ("山东省", "青岛市"), ("湖北省", "武汉市"),
                 ("四川省", "成都市"), ("陕西省", "西安市"), ("安徽省", "合肥市")]
JILIN_CITY_WEIGHTS = {"220100": 40, "220200": 14, "220300": 8, "220400": 4, "220500": 6,
                      "220600": 4, "220700": 7, "220800": 5, "222400": 8}
STAGE_WEIGHTS = [20, 15, 12, 12, 10, 8, 6, 5, 4]
PLANNED = [300, 800, 2000, 5000, 8000, 12000, 20000, 30000, 50000, 80000, 99999.99, 100000,
           120000, 250000, 500000]
PLANNED_WEIGHTS = [6, 10, 14, 16, 10, 10, 8, 7, 6, 4, 1, 2, 3, 2, 1]


# --- the run ----------------------------------------------------------------------

def main(argv=None) -> int:
    args = parse_args(argv)
    url = args.url or os.environ.get("ZHAOSHANG_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    if args.fresh:
        reset_database(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(ROOT / "bench" / "data"),
                      "SECRET_KEY": "bench"})
    sizes = {k: int(v * args.scale) for k, v in FULL.items()}
    for key in sizes:
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    report = {"url": _safe(url), "backend": get_engine(app).dialect.name, "sizes": sizes,
              "seed": args.seed, "revision": args.revision, "timings_s": {}}
    started = time.perf_counter()
    with app.app_context():
        t = time.perf_counter()
        upgrade_to(app, args.revision)
        with session_scope() as session:
            reference.seed_reference(session)
        report["timings_s"]["migrate_and_seed"] = round(time.perf_counter() - t, 2)
        with session_scope() as session:
            if session.exec(sm_select(func.count()).select_from(Project)).one() > 0 \
                    and not args.append:
                print("数据库中已有项目；用 --fresh 重建或 --append 追加。", file=sys.stderr)
                return 2
        gen = Generator(app, random.Random(args.seed), sizes, args.via_services, report)
        gen.run()
        t = time.perf_counter()
        analyze(app, args.sqlite_analyze)
        report["timings_s"]["analyze"] = round(time.perf_counter() - t, 2)
    report["timings_s"]["total"] = round(time.perf_counter() - started, 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"generate-{report['backend']}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="database URL (default: ZHAOSHANG_DATABASE_URL, else "
                                 "sqlite:///bench/data/bench.db)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiplies the full size 100k/30k/300k (default 1)")
    p.add_argument("--enterprises", type=int)
    p.add_argument("--projects", type=int)
    p.add_argument("--followups", type=int)
    p.add_argument("--via-services", type=int, default=300,
                   help="records of each kind created through crm.services (default 300)")
    p.add_argument("--seed", type=int, default=20231008)
    p.add_argument("--revision", default="head",
                   help="Alembic revision to upgrade to first (e.g. 0002 for a 'before "
                        "indexes' run; `zhaoshang init` later brings it to head)")
    p.add_argument("--fresh", action="store_true",
                   help="drop everything in the target database first (SQLite: delete the "
                        "file; PostgreSQL: drop and recreate schema public)")
    p.add_argument("--append", action="store_true", help="add to a database that has data")
    p.add_argument("--sqlite-analyze", action="store_true",
                   help="run ANALYZE on SQLite at the end (off: see analyze())")
    return p.parse_args(argv)


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def reset_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def upgrade_to(app, revision: str) -> None:
    from alembic import command

    from crm.migrate import alembic_config

    cfg = alembic_config(app.config["DATABASE_URL"])
    with get_engine(app).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def analyze(app, sqlite_stats: bool = False) -> None:
    """PostgreSQL: VACUUM ANALYZE, as autovacuum would soon. SQLite: no ANALYZE unless
    asked — the app never runs it, and its sqlite_stat1 averages deleted_at's one
    huge NULL group with the single deletion times, so the planner takes
    ``deleted_at IS NULL`` for a selective condition and picks worse indexes."""
    engine = get_engine(app)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            if sqlite_stats:
                conn.execute(text("ANALYZE"))
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def credit_code(rnd: random.Random, serial: int) -> str:
    """A valid, unique 统一社会信用代码: 91 + region + serial in base 31 + check char."""
    chars = rules.CREDIT_CODE_CHARS
    region = rnd.choice(["220100", "220200", "330100", "330200", "440300", "320500", "310000"])
    body, n = [], serial
    for _ in range(9):
        n, r = divmod(n, 31)
        body.append(chars[r])
    first17 = "91" + region + "".join(reversed(body))
    return first17 + rules.credit_code_check_char(first17)


class Generator:
    def __init__(self, app, rnd: random.Random, sizes: dict, via_services: int, report: dict):
        self.app, self.rnd, self.sizes, self.report = app, rnd, sizes, report
        self.via = via_services
        self.now = datetime.now(UTC)
        self.today = self.now.date()

    # -- set-up --------------------------------------------------------------------
    def run(self) -> None:
        with session_scope() as s:
            self.users = self._users(s)
            self.segments = [x.name for x in reference.segments(s)]
            self.cities = [d.code for d in reference.jilin_prefectures(s)]
            self.counties = {c: [d.code for d in reference.counties_of(s, c)] for c in self.cities}
            self.parks: dict[str, list[int]] = {}
            for park in reference.parks(s):
                self.parks.setdefault(park.city_code, []).append(park.id)
            self.line = project_service.case_by_case_line_wan(s)
            self.city_codes: dict[str, str | None] = {}
            self.city_weights = [JILIN_CITY_WEIGHTS.get(c, 3) for c in self.cities]
            seats = {r["code"]: (float(r["seat_lng_gcj02"]), float(r["seat_lat_gcj02"]))
                     for r in reference.read_seed("jilin_divisions.csv")
                     if r.get("seat_lng_gcj02")}
            self.seats = seats
            self.jilin_names = {d.code: d.name for d in reference.jilin_prefectures(s)}
        self.serial = 0
        t = time.perf_counter()
        self.services_sample()
        self.report["timings_s"]["services_sample"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        self.bulk()
        self.report["timings_s"]["bulk"] = round(time.perf_counter() - t, 2)
        with session_scope() as s:
            counts = {m.__tablename__: s.exec(sm_select(func.count()).select_from(m)).one()
                      for m in (Enterprise, Contact, Project, StageChange, FollowUp, AuditLog)}
        self.report["rows"] = counts

    def _users(self, s) -> list[User]:
        out = []
        specs = [(BENCH_USER, "staff", None)] + [(f"bench_staff{i}", "staff", None)
                                                for i in range(1, 6)]
        specs += [(f"bench_city_{c}", "city", c) for c in JILIN_CITY_WEIGHTS]
        for name, role, city in specs:
            user = users.get_by_username(s, name)
            if user is None:
                user = users.create_user(s, username=name, password=BENCH_PASSWORD, role=role,
                                         city_code=city, display_name=name)
            out.append(user)
        s.flush()
        for u in out:
            s.expunge(u)
        return out

    # -- one record's values (shared by both paths) ----------------------------------
    def enterprise_values(self) -> dict:
        rnd = self.rnd
        self.serial += 1
        r = rnd.random()
        if r < 0.30:
            province, city = "浙江省", rnd.choice(ZJ_CITIES)
        elif r < 0.55:
            code = rnd.choices(self.cities, self.city_weights)[0]
            province, city = rules.JILIN_PROVINCE, self.jilin_names[code]
        else:
            province, city = rnd.choice(OTHER_SOURCES)
        kind = rnd.choices(list(rules.ENTERPRISE_KINDS), [8, 5, 25, 7, 55])[0]
        head, tail = rnd.choice(NAME_HEADS), rnd.choice(NAME_TAILS)
        if kind == "research":
            name = f"{city[:2]}{head}{tail}{rnd.choice(RESEARCH)}"
        else:
            name = f"{city[:2]}{head}{tail}{rnd.choice(NAME_SUFFIXES)}"
        return {
            "name": name,
            "credit_code": credit_code(rnd, self.serial) if rnd.random() < 0.85 else None,
            "province": province, "city": city, "chain_segment": rnd.choice(self.segments),
            "kind": kind, "is_key_target": rnd.random() < 0.2,
            "priority": rnd.choice([1, 2, 2, 2, 3]),
            "revenue_wan": Decimal(rnd.choice([500, 1500, 3000, 8000, 12000, 30000, 60000,
                                               150000, 400000, 1200000])),
            "notes": rnd.choice(["", "", "重点跟踪。", f"关注{rnd.choice(TOPICS)}。"]),
            "owner_id": rnd.choice(self.users).id,
        }

    def contact_values(self, i: int) -> dict:
        surname = self.rnd.choice("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
        return {"name": f"{surname}{self.rnd.choice(['总', '经理', '主任', '先生', '女士'])}",
                "title": self.rnd.choice(["董事长", "总经理", "投资总监", "战略部经理", ""]),
                "phone": f"13{self.rnd.randint(100000000, 999999999)}",
                "email": f"contact{i}@example.invalid"}

    def project_values(self, ent: SimpleNamespace) -> dict:
        rnd = self.rnd
        stage = rnd.choices(list(rules.STAGES), STAGE_WEIGHTS)[0]
        mode = "jizhe" if ent.province == rules.ZHEJIANG and rnd.random() < 0.6 else rnd.choice(
            [m for m in rules.ATTRACTION_MODES if m != "jizhe"])
        planned = Decimal(str(rnd.choices(PLANNED, PLANNED_WEIGHTS)[0]))
        city = rnd.choices(self.cities, self.city_weights)[0]
        seg = ent.chain_segment
        words = rnd.choice(PROJECT_WORDS).format(n=rnd.choice([5, 10, 20, 50, 100]), seg=seg)
        short = ent.name[2:4]
        values = {
            "name": f"{short}{words}项目", "enterprise_id": ent.id, "city_code": city,
            "county_code": rnd.choice(self.counties[city]) if self.counties.get(city)
            and rnd.random() < 0.6 else None,
            "park_id": rnd.choice(self.parks[city]) if self.parks.get(city)
            and rnd.random() < 0.35 else None,
            "chain_segment": seg,
            "project_class": "major" if planned >= 50000 else "supporting",
            "cooperation_form": rnd.choice(list(rules.COOPERATION_FORMS)),
            "attraction_mode": mode, "planned_investment_wan": planned,
            "source_province": ent.province, "source_city": ent.city,
            "introducer": rnd.choice(["", "", "吉商联合会", "浙江吉林商会", "省驻外办事处"]),
            "owner_id": rnd.choice(self.users).id,
            "responsible_unit": rnd.choice(
                ["省商务厅", "省工信厅", f"{self.jilin_names[city]}商务局"]),
            "notes": "", "stage": stage,
            "stage_reason": "等待企业决策" if stage in rules.STAGES_NEEDING_REASON else "",
        }
        if city in self.seats and rnd.random() < 0.85:
            lon, lat = self.seats[city]
            values["lon"] = round(lon + rnd.uniform(-0.25, 0.25), 5)
            values["lat"] = round(lat + rnd.uniform(-0.18, 0.18), 5)
        if stage in rules.SIGNED_OR_LATER:
            values["actual_investment_wan"] = (planned * Decimal(rnd.choice(
                ["0", "0.2", "0.5", "1"]))).quantize(Decimal("0.01"))
        return values

    def followup_values(self, project: SimpleNamespace | None, ent: SimpleNamespace) -> dict:
        rnd = self.rnd
        when = self.today - timedelta(days=int(rnd.triangular(0, 1100, 0)))
        due = when + timedelta(days=rnd.randint(7, 45)) if rnd.random() < 0.6 else None
        kind = rnd.choices(list(rules.FOLLOWUP_KINDS), [40, 25, 10, 15, 2, 8])[0]
        what = project.name if project else "合作意向"
        summary = rnd.choice(FOLLOW_PHRASES).format(
            p=what, e=ent.name, k=rules.FOLLOWUP_KINDS[kind]) + \
            f"，对方关注{rnd.choice(TOPICS)}。"
        return {
            "project_id": project.id if project else None, "enterprise_id": ent.id,
            "kind": kind, "date": when,
            "participants": rnd.choice(["", "招商一处", "招商二处", "市商务局", "园区管委会"]),
            "summary": summary,
            "next_step": f"准备{rnd.choice(TOPICS)}材料" if due else "", "next_due": due,
        }

    # -- path 1: through the services ---------------------------------------------
    def services_sample(self) -> None:
        n = min(self.via, *self.sizes.values())
        if n <= 0:
            self.report["services"] = {}
            return
        rates = {}
        with session_scope() as s:
            user = s.get(User, self.users[0].id)
            t = time.perf_counter()
            ents = []
            for i in range(n):
                values = self.enterprise_values()
                values["contacts"] = [self.contact_values(i)]
                ents.append(enterprise_service.create_enterprise(
                    session=s, data=values, user=user, commit=(i % 50 == 49)))
            s.commit()
            rates["enterprises_per_s"] = round(n / (time.perf_counter() - t), 1)
            t = time.perf_counter()
            projs = []
            for ent in ents:
                values = self.project_values(ent)
                if values["stage"] in rules.STAGES_NEEDING_REASON:
                    values["stage_reason"] = "等待企业决策"
                projs.append(project_service.create_project(session=s, data=values, user=user))
            rates["projects_per_s"] = round(n / (time.perf_counter() - t), 1)
            t = time.perf_counter()
            by_id = {e.id: e for e in ents}
            for proj in projs:
                followup_service.create_followup(
                    session=s, data=self.followup_values(proj, by_id[proj.enterprise_id]),
                    user=user)
            rates["followups_per_s"] = round(n / (time.perf_counter() - t), 1)
        self.sample_n = n
        self.report["services"] = {"records_each": n, **rates}
        print(f"经服务层写入 {n} 条企业/项目/跟进：{rates}")

    # -- path 2: batches with the same derived-field rules ---------------------------
    def bulk(self) -> None:
        n = getattr(self, "sample_n", 0)
        engine = get_engine(self.app)
        t = time.perf_counter()
        ents = self.bulk_enterprises(engine, self.sizes["enterprises"] - n)
        t_e = time.perf_counter() - t
        t = time.perf_counter()
        projs = self.bulk_projects(engine, ents, self.sizes["projects"] - n)
        t_p = time.perf_counter() - t
        t = time.perf_counter()
        nf = self.bulk_followups(engine, ents, projs, self.sizes["followups"] - n)
        t_f = time.perf_counter() - t
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for table in ("enterprise", "contact", "project", "stagechange", "followup",
                              "auditlog"):
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {table}), 1))"))
        self.report["bulk"] = {
            "enterprises_per_s": round(len(ents) / max(t_e, 1e-9)),
            "projects_per_s": round(len(projs) / max(t_p, 1e-9)),
            "followups_per_s": round(nf / max(t_f, 1e-9)),
        }
        print(f"批量写入：{self.report['bulk']}")

    def _stamps(self, max_age_days: int) -> tuple[datetime, datetime]:
        created = self.now - timedelta(days=self.rnd.uniform(1, max_age_days))
        updated = created + (self.now - created) * self.rnd.random() ** 2
        return created, updated

    def _next_id(self, conn, model) -> int:
        return (conn.execute(select(func.max(model.id))).scalar() or 0) + 1

    def _audit(self, conn, what: str, n: int) -> None:
        conn.execute(insert(AuditLog.__table__), [{
            "at": datetime.now(UTC), "user_id": self.users[0].id, "username": BENCH_USER,
            "ip": "", "action": "import", "object_type": what, "object_id": None,
            "summary": f"基准数据：批量写入 {n} 条", "changes": {}}])

    def _city_code(self, session, name: str | None) -> str | None:
        if name not in self.city_codes:
            self.city_codes[name] = reference.city_code_for_name(session, name)
        return self.city_codes[name]

    def bulk_enterprises(self, engine, n: int) -> list[SimpleNamespace]:
        out: list[SimpleNamespace] = []
        with engine.begin() as conn, session_scope() as s:
            next_id = self._next_id(conn, Enterprise)
            next_contact = self._next_id(conn, Contact)
            rows, contacts = [], []
            for i in range(n):
                v = self.enterprise_values()
                # the same derivation as crm.services.enterprises._derive
                v["province"] = rules.normalize_province(v["province"])
                v["jizhe"] = rules.is_jizhe(v["province"])
                v["city_code"] = self._city_code(s, v["city"])
                created, updated = self._stamps(5 * 365)
                deleted = updated if self.rnd.random() < 0.015 else None
                v["lookup_keys"] = lookup_keys(v["name"])  # what the ORM would store
                v.update(id=next_id + i, created_at=created, updated_at=updated,
                         deleted_at=deleted, version=1 + int(self.rnd.random() * 3),
                         is_demo=False, is_industry_base=False, lon=None, lat=None)
                rows.append(v)
                if self.rnd.random() < 0.6:
                    contacts.append({"id": next_contact, "enterprise_id": v["id"],
                                     **self.contact_values(v["id"])})
                    next_contact += 1
                if deleted is None:
                    out.append(SimpleNamespace(
                        id=v["id"], name=v["name"], province=v["province"], city=v["city"],
                        chain_segment=v["chain_segment"]))
                if len(rows) >= BATCH:
                    self._flush(conn, Enterprise, rows)
                    self._flush(conn, Contact, contacts)
            self._flush(conn, Enterprise, rows)
            self._flush(conn, Contact, contacts)
            self._audit(conn, "enterprise", n)
        return out

    def bulk_projects(self, engine, ents: list[SimpleNamespace], n: int
                      ) -> list[SimpleNamespace]:
        out: list[SimpleNamespace] = []
        with engine.begin() as conn:
            next_id = self._next_id(conn, Project)
            next_change = self._next_id(conn, StageChange)
            rows, changes = [], []
            for i in range(n):
                ent = self.rnd.choice(ents)
                v = self.project_values(ent)
                p = SimpleNamespace(**v, case_by_case=False, jizhe=False, case_status=None)
                if self.rnd.random() < 0.5:  # cases further along than 待提请
                    p.case_status = self.rnd.choice(list(rules.CASE_STATUSES))
                project_service.apply_case_by_case(p, self.line)
                project_service.apply_jizhe(p)
                if not p.case_by_case:
                    p.case_status = None
                created, updated = self._stamps(4 * 365)
                deleted = updated if self.rnd.random() < 0.02 else None
                v.update(id=next_id + i, source_province=p.source_province,
                         case_by_case=p.case_by_case, jizhe=p.jizhe, case_status=p.case_status,
                         case_notes="", created_at=created, updated_at=updated,
                         deleted_at=deleted, version=1, is_demo=False,
                         last_followup_on=None, next_due_on=None,
                         lookup_keys=lookup_keys(v["name"]))
                v.setdefault("lon", None)
                v.setdefault("lat", None)
                v.setdefault("actual_investment_wan", None)
                path = rules.PIPELINE[: rules.PIPELINE.index(v["stage"]) + 1] \
                    if v["stage"] in rules.PIPELINE else ["lead", "contact", v["stage"]]
                at = created
                prev = None
                for stage in path:
                    next_change += 1
                    changes.append({"id": next_change - 1, "project_id": v["id"],
                                    "from_stage": prev, "to_stage": stage,
                                    "reason": v["stage_reason"] if stage == v["stage"] else "",
                                    "user_id": v["owner_id"], "username": "", "at": at})
                    prev, at = stage, at + (updated - created) / len(path)
                v["version"] = len(path)
                rows.append(v)
                out.append(SimpleNamespace(id=v["id"], name=v["name"], enterprise_id=ent.id,
                                           ent=ent, deleted=deleted is not None))
                if len(rows) >= BATCH:
                    self._flush(conn, Project, rows)
                    self._flush(conn, StageChange, changes)
            self._flush(conn, Project, rows)
            self._flush(conn, StageChange, changes)
            self._audit(conn, "project", n)
        return out

    def bulk_followups(self, engine, ents, projs, n: int) -> int:
        dates: dict[int, list] = {}  # project id → [last date, earliest open due]
        live_projs = [p for p in projs if not p.deleted]
        with engine.begin() as conn:
            next_id = self._next_id(conn, FollowUp)
            rows = []
            for i in range(n):
                if self.rnd.random() < 0.85 and live_projs:
                    proj = self.rnd.choice(live_projs)
                    ent = proj.ent
                else:
                    proj, ent = None, self.rnd.choice(ents)
                v = self.followup_values(proj, ent)
                done = bool(v["next_due"] and v["next_due"] < self.today
                            and self.rnd.random() < 0.8)
                created = datetime.combine(v["date"], datetime.min.time(), UTC) + timedelta(
                    hours=self.rnd.randint(8, 18))
                deleted = created if self.rnd.random() < 0.01 else None
                v.update(id=next_id + i, user_id=self.rnd.choice(self.users).id, done=done,
                         created_at=created, updated_at=created, deleted_at=deleted, version=1,
                         is_demo=False)
                rows.append(v)
                if proj is not None and deleted is None:
                    # the rule of crm.services.followups.refresh_project_dates
                    d = dates.setdefault(proj.id, [None, None])
                    d[0] = max(d[0], v["date"]) if d[0] else v["date"]
                    if v["next_due"] and not done:
                        d[1] = min(d[1], v["next_due"]) if d[1] else v["next_due"]
                if len(rows) >= BATCH:
                    self._flush(conn, FollowUp, rows)
            self._flush(conn, FollowUp, rows)
            self._audit(conn, "followup", n)
            table = Project.__table__
            stmt = table.update().where(table.c.id == _bind("pid")).values(
                last_followup_on=_bind("last"), next_due_on=_bind("due"))
            params = [{"pid": pid, "last": d[0], "due": d[1]} for pid, d in dates.items()]
            for start in range(0, len(params), BATCH):
                conn.execute(stmt, params[start:start + BATCH])
        return n

    @staticmethod
    def _flush(conn, model, rows: list) -> None:
        if rows:
            conn.execute(insert(model.__table__), rows)
            rows.clear()


def _bind(name: str):
    from sqlalchemy import bindparam

    return bindparam(name)


if __name__ == "__main__":
    raise SystemExit(main())
