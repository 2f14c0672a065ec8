"""Possible duplicate records: the job finds one person recorded twice, officers decide."""

from __future__ import annotations

import random
import uuid
from datetime import date
from types import SimpleNamespace

import pytest

from licensing.db import connect
from registry import duplicates
from registry.actor import Actor, acting
from registry.duplicates import find
from registry.duplicates.compare import Model, Name
from registry.duplicates.find import REVIEW_AT, Blocks, candidate_pairs, candidates, dates_near
from registry.duplicates.screen import BEST_PER_NAME
from registry.errors import Conflict, NotFound
from registry.progress import Progress
from registry.synthetic.duplicates import TRUTH_SQL, pairwise_scores
from registry.synthetic.seed import seed
from tests.conftest import new_database
from tests.factories import make_driver, make_licence, make_user

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
async def register(cluster, template_url):
    """3,000 synthetic drivers, 150 of them recorded twice, and the job run once."""
    url = await new_database(cluster, template_url)
    owner = await connect(url, as_app=False)
    await seed(owner, drivers=3_000, seed=5, today=TODAY, worker=False, duplicates=150)
    truth = [tuple(r) for r in await owner.fetch(TRUTH_SQL)]
    await owner.close()
    conn = await connect(url)
    report = await duplicates.find_duplicates(conn)
    raised = await conn.fetch("SELECT driver_a, driver_b FROM possible_duplicate")
    yield SimpleNamespace(conn=conn, url=url, truth=truth, report=report, raised=raised)
    await conn.close()


async def test_the_job_raises_most_planted_duplicates_and_few_others(register):
    figures = pairwise_scores([tuple(r) for r in register.raised], register.truth)
    assert register.report.found == len(register.raised) > 0
    assert figures["precision"] >= 0.85, figures
    assert figures["recall"] >= 0.85, figures


async def test_a_second_run_raises_nothing_new(register):
    again = await duplicates.find_duplicates(register.conn)
    assert again is not None and again.new == 0
    assert again.found == register.report.found


def test_records_born_one_keying_slip_apart_are_compared_and_others_are_not():
    def name(driver_id, born, forename="STEPHEN", surname="WALKER"):
        return Name(driver_id, born, forename, (), surname, (), None)

    born = date(1980, 5, 17)
    names = [
        name(1, born),
        name(2, date(1980, 5, 18)),  # a slip in the day
        name(3, date(1960, 5, 17), forename="STEVEN"),  # the tens digit of the year
        name(4, date(1980, 7, 5)),
        name(5, date(1980, 5, 7)),  # day and month swapped with 4
        name(6, date(1980, 6, 18)),  # two parts different from 1
        name(7, born, forename="JOHN", surname="SMITH"),  # no name in common
    ]
    pairs = candidates(names)
    assert {(1, 2), (1, 3), (4, 5)} <= set(pairs)
    assert (1, 6) not in pairs and (1, 7) not in pairs and (2, 6) in pairs


def test_a_nickname_of_a_common_surname_still_meets_the_full_forename():
    """Bill Khan and William Khan, born on one day, on a register with hundreds of Khans: a
    common surname only meets names sharing the initial of another name too, and B is not W.
    The forename's known variants give their initials as well, so the two are compared;
    Tariq Khan, sharing no initial with either, is not."""
    born = date(1980, 5, 17)
    khans = [Name(10 + n, born, f"K{n}", (), "KHAN", (), None) for n in range(300)]
    names = [
        *khans,
        Name(1, born, "WILLIAM", (), "KHAN", (), None),
        Name(2, born, "BILL", (), "KHAN", (), None),
        Name(3, born, "TARIQ", (), "KHAN", (), None),
    ]
    variants = {"WILLIAM": frozenset({"BILL", "WILL"}), "BILL": frozenset({"WILLIAM"})}
    pairs = set(candidates(names, variants))
    assert (1, 2) in pairs and (1, 3) not in pairs


def _pairs_by_definition(blocks: Blocks) -> list[tuple[int, int]]:
    """The blocking's definition, plainly: two drivers' names born on dates one keying slip
    apart (or swapped, or the same), sharing a block, whose rough weight reaches the least."""
    born: dict[date, list[int]] = {}
    for i, x in enumerate(blocks.names):
        born.setdefault(x.born, []).append(i)
    found = set()
    for i, a in enumerate(blocks.names):
        for j in (j for d in dates_near(a.born) for j in born.get(d, ()) if j > i):
            b = blocks.names[j]
            if (
                a.driver_id != b.driver_id
                and blocks.keys[i] & blocks.keys[j]
                and blocks.rough(a, b) >= blocks.least
            ):
                found.add((min(a.driver_id, b.driver_id), max(a.driver_id, b.driver_id)))
    return sorted(found)


async def test_the_blocks_find_exactly_the_pairs_their_definition_names(register, monkeypatch):
    """However the work is shared (one process, or several each taking a pass over a share of
    the dates of birth), the job compares exactly the pairs the definition names: on the
    seeded register, with tokens held by more than 10 names counted as common, so that the
    blocks of a token with an initial are tried too."""
    monkeypatch.setattr(find, "RARE_AT", 10)
    names = await find.load_names(register.conn)
    variants = await find.load_variants(register.conn, names)
    blocks = Blocks(names, variants)
    assert any("/" in k for keys in blocks.keys for k in keys)
    expected = _pairs_by_definition(blocks)
    assert len(expected) > 100
    assert candidates(names, variants) == expected
    assert sorted(candidate_pairs(names, variants, processes=2)) == expected


@pytest.fixture
async def story(register, cluster, template_url):
    """One man licensed by Sheffield as Stephen Walker and by Rotherham as Steven Walker, in a
    register of other people; the job has run."""
    url = await new_database(cluster, template_url)
    owner = await connect(url, as_app=False)
    await seed(owner, drivers=600, seed=7, today=TODAY, worker=False)
    await owner.close()
    conn = await connect(url)
    sheffield = await make_driver(conn, forenames="Stephen John", surname="Walkerley")
    rotherham = await make_driver(
        conn, forenames="Steven", surname="Walkerley", recorded_by="Rotherham"
    )
    await make_licence(conn, sheffield, authority="Sheffield")
    await make_licence(conn, rotherham, authority="Rotherham")
    await duplicates.find_duplicates(conn)
    officers = {
        name: await make_user(conn, authority=name) for name in ("Sheffield", "Rotherham", "Leeds")
    }
    actors = {n: Actor(u["id"], u["authority_id"]) for n, u in officers.items()}
    yield SimpleNamespace(
        conn=conn, url=url, a=sheffield, b=rotherham, actors=actors, officers=officers
    )
    await conn.close()


async def _pair_of(conn, actor, driver_id):
    public = uuid.UUID(driver_id.public)
    items, _ = await duplicates.list_pairs(conn, actor, driver_id=public, status=None)
    return items


async def test_an_officer_with_an_interest_sees_the_pair_and_others_see_nothing(story):
    seen = await _pair_of(story.conn, story.actors["Rotherham"], story.b)
    assert len(seen) == 1
    pair = seen[0]
    assert {str(d.driver_id) for d in pair.drivers} == {story.a.public, story.b.public}
    assert pair.status == "open" and pair.probability >= 0.5
    assert {r.field: r.level for r in pair.reasons}["forename"] in ("variant", "sound")
    assert all(r.words and isinstance(r.weight, float) for r in pair.reasons)
    assert await _pair_of(story.conn, story.actors["Leeds"], story.b) == []
    with pytest.raises(NotFound):
        await duplicates.get_pair(story.conn, story.actors["Leeds"], pair.id)
    with pytest.raises(NotFound):
        async with acting(story.conn, story.actors["Leeds"]):
            await duplicates.decide(
                story.conn,
                story.actors["Leeds"],
                pair.id,
                duplicates.Decision(decision="same_person"),
            )


async def test_same_person_links_the_records_and_undo_unlinks_them(story):
    actor = story.actors["Sheffield"]
    (pair,) = await _pair_of(story.conn, actor, story.a)
    async with acting(story.conn, actor):
        decided = await duplicates.decide(
            story.conn, actor, pair.id, duplicates.Decision(decision="same_person")
        )
    assert decided.status == "same_person" and decided.decided_by == "Test Officer"
    assert await duplicates.linked_drivers(story.conn, story.a) == [story.b]
    assert await duplicates.linked_drivers(story.conn, story.b) == [story.a]
    # both records are still there, with their licences
    assert (
        await story.conn.fetchval(
            "SELECT count(*) FROM licence WHERE driver_id = ANY($1::bigint[])", [story.a, story.b]
        )
        == 2
    )
    with pytest.raises(Conflict):
        async with acting(story.conn, actor):
            await duplicates.decide(
                story.conn, actor, pair.id, duplicates.Decision(decision="different_people")
            )
    async with acting(story.conn, actor):
        undone = await duplicates.undo(story.conn, actor, pair.id)
    assert undone.status == "open" and undone.decided_at is None
    assert await duplicates.linked_drivers(story.conn, story.a) == []
    audit = await story.conn.fetch(
        "SELECT detail->>'what' AS what, driver_id FROM audit_log WHERE subject = $1 ORDER BY id",
        f"possible_duplicate:{pair.id}",
    )
    assert [(r["what"], r["driver_id"]) for r in audit] == [
        ("duplicate_same_person", story.a),
        ("duplicate_same_person", story.b),
        ("duplicate_same_person_undone", story.a),
        ("duplicate_same_person_undone", story.b),
    ]


async def test_different_people_is_remembered_and_never_asked_again(story):
    actor = story.actors["Rotherham"]
    (pair,) = await _pair_of(story.conn, actor, story.b)
    async with acting(story.conn, actor):
        await duplicates.decide(
            story.conn, actor, pair.id, duplicates.Decision(decision="different_people")
        )
    await duplicates.find_duplicates(story.conn)
    open_items, _ = await duplicates.list_pairs(
        story.conn, actor, driver_id=uuid.UUID(story.b.public)
    )
    assert open_items == []
    (again,) = await _pair_of(story.conn, actor, story.b)
    assert again.status == "different_people"


async def test_a_decision_names_a_choice(story):
    actor = story.actors["Rotherham"]
    (pair,) = await _pair_of(story.conn, actor, story.b)
    with pytest.raises(Exception) as raised:
        async with acting(story.conn, actor):
            await duplicates.decide(
                story.conn, actor, pair.id, duplicates.Decision(decision="maybe")
            )
    assert [f for f, _ in raised.value.errors] == ["decision"]


@pytest.fixture
async def api(story):
    from litestar.testing import AsyncTestClient

    from licensing.app import create_app
    from licensing.settings import load

    app = create_app(load({"DATABASE_URL": story.url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_officers_work_through_pairs_in_the_api(story, api):
    rotherham, leeds = story.officers["Rotherham"], story.officers["Leeds"]
    listed = await api.get("/api/v1/possible-duplicates", headers=rotherham["headers"])
    assert listed.status_code == 200
    (item,) = [
        p
        for p in listed.json()["items"]
        if story.b.public in {d["driver_id"] for d in p["drivers"]}
    ]
    assert listed.json()["next"] is None
    assert {"field", "level", "words", "weight"} <= set(item["reasons"][0])
    path = f"/api/v1/possible-duplicates/{item['id']}"
    # another authority's officer learns nothing of it
    assert (await api.get(path, headers=leeds["headers"])).status_code == 404
    other = await api.get("/api/v1/possible-duplicates?status=all", headers=leeds["headers"])
    assert other.json()["items"] == []
    refused = await api.post(
        path + "/decision", json={"decision": "same_person"}, headers=leeds["headers"]
    )
    assert refused.status_code == 404
    wrong = await api.post(
        path + "/decision", json={"decision": "maybe"}, headers=rotherham["headers"]
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "decision"
    done = await api.post(
        path + "/decision", json={"decision": "same_person"}, headers=rotherham["headers"]
    )
    assert done.status_code == 200 and done.json()["status"] == "same_person"
    again = await api.post(
        path + "/decision", json={"decision": "different_people"}, headers=rotherham["headers"]
    )
    assert again.status_code == 409
    undone = await api.post(path + "/undo", headers=rotherham["headers"])
    assert undone.status_code == 200 and undone.json()["status"] == "open"
    bad_cursor = await api.get(
        "/api/v1/possible-duplicates?cursor=nonsense", headers=rotherham["headers"]
    )
    assert bad_cursor.status_code == 422


async def test_an_import_never_links_on_name_and_birth_alone_it_raises_a_pair(register):
    from registry.importer import Source, import_records

    conn = register.conn
    person = await conn.fetchrow(
        "SELECT id, forenames, surname, date_of_birth FROM driver"
        " WHERE forenames LIKE '% %' ORDER BY id LIMIT 1"
    )
    leeds = Actor(None, await conn.fetchval("SELECT id FROM authority WHERE name = 'Leeds'"))
    rows = (
        "driver_ref,forenames,surname,date_of_birth\n"
        f"L1,{person['forenames']},{person['surname']},{person['date_of_birth']}\n"
    )
    async with acting(conn, leeds):
        report = await import_records(
            conn, leeds, drivers=Source("drivers.csv", rows.splitlines(keepends=True))
        )
    assert report.imported and report.drivers_created == 1 and report.drivers_linked == 0
    assert report.possible_duplicates >= 1
    new = await conn.fetchval("SELECT max(id) FROM driver")
    raised = await conn.fetch(
        "SELECT driver_a, driver_b FROM possible_duplicate WHERE raised_by = 'import'"
    )
    assert frozenset((person["id"], new)) in {frozenset(r) for r in raised}


async def test_rescreening_a_revoked_driver_finds_the_licence_held_under_another_record(register):
    from registry import rescreen
    from tests.factories import authority_id, make_entry

    conn = register.conn
    revoked = await make_driver(
        conn, forenames="Zbigniew Adam", surname="Wrzosek", date_of_birth=date(1971, 3, 23)
    )
    await make_entry(conn, revoked, authority="Sheffield", decision="revoked")
    elsewhere = await make_driver(
        conn,
        forenames="Zbigniew",
        surname="Wrzosek",
        date_of_birth=date(1971, 3, 28),
        recorded_by="Wolverhampton",
        home="Sheffield",  # he lives in Sheffield and holds a Wolverhampton licence
    )
    await make_licence(conn, elsewhere, authority="Wolverhampton")
    async with acting(conn, Actor(None, None)):
        matches = await rescreen.rescreen(conn, [revoked])
    wolverhampton = await authority_id(conn, "Wolverhampton")
    assert [(m.other_driver, m.licensed_by) for m in matches] == [(elsewhere, wolverhampton)]
    raised = await conn.fetchval(
        "SELECT raised_by FROM possible_duplicate WHERE driver_a = $1 AND driver_b = $2",
        min(revoked, elsewhere),
        max(revoked, elsewhere),
    )
    assert raised == "rescreen"


def test_a_register_whose_drivers_all_live_in_one_area_learns_nothing_from_the_area():
    """A small council's own register: everyone in one area must not break the job."""
    from registry.duplicates.compare import Model, home_u

    u = home_u([250])
    model = Model(home_m=0.999, home_u=u)
    assert u < 1
    assert model.home_weight(1, 2) == ("differ", 0.0)
    assert model.home_weight(1, 1) == ("same", 0.0)


def test_strangers_sharing_a_name_in_other_towns_do_not_teach_the_job_one_person_lives_apart():
    """On a national register many strangers share a common whole name and a birthday one
    keying slip apart, most of them in other towns. The records the names and dates tie
    together beyond doubt all live in one area, so the job learns that one person's two
    records live in one area, and a stranger elsewhere counts strongly against."""
    from registry.duplicates.compare import estimate, probability

    drivers = names = 100_000
    one_person = [(25.0, None, True)] * 300  # near certain on names and dates: one area
    strangers = [(7.0, None, False)] * 3_000 + [(7.0, None, True)] * 210  # a slip apart
    model = estimate(one_person + strangers, _model(), drivers, names)
    assert model.home_m >= 0.99, model
    differ = model.where_weight(_lives(1, 7), _lives(2, 8))
    assert differ is not None and probability(7.0 + model.prior_shift + differ[2]) < 0.05


def _model() -> Model:
    """A model before estimation, with u of a register of about 15 home areas (where_u)."""
    from registry.duplicates.compare import Model, where_u

    drivers = 100_000
    pairs = {"drivers": drivers, "postcode": 2 * drivers, "sector": 60 * drivers}
    pairs |= {"district": 1_500 * drivers, "home": 7_000 * drivers}
    return Model(home_u=0.07, where_u=where_u(pairs | {"home_district": 1_400 * drivers}))


def _lives(driver: int, home: int, postcode: str | None = None) -> Name:
    return Name(driver, date(1980, 5, 17), "MOHAMMED", (), "KHAN", (), home, postcode)


async def test_two_mohammed_khans_a_month_apart_in_bradford_are_raised_only_at_one_address(
    register,
):
    """Two strangers named Mohammed Khan, born a month apart, both living in Bradford at
    different addresses, are not raised; the same man recorded twice at one address, his date
    of birth slipped by a month, is. Names, dates and area alone cannot tell the two pairs
    apart; the postcode can, with m learnt from the pairs the names and dates tie together
    (most of them recorded at one postcode) and u from the register's postcodes."""
    from registry import match
    from registry.duplicates.compare import WHERE_PAIRS, Frequencies, estimate, weight_of
    from registry.duplicates.compare import where_u as register_u
    from registry.duplicates.find import load_level_mu, load_names

    conn = register.conn
    made = {}
    for key, born, postcode, council in (
        ("stranger", date(1979, 2, 11), "BD7 1AB", "Bradford"),
        ("other stranger", date(1979, 3, 11), "BD3 9XY", "Bradford"),
        ("man", date(1975, 4, 2), "BD8 7QT", "Bradford"),
        ("man again", date(1975, 5, 2), "BD8 7QT", "Kirklees"),
    ):
        made[key] = await make_driver(
            conn,
            forenames="Mohammed",
            surname="Khan",
            date_of_birth=born,
            recorded_by=council,
            home="Bradford",
            postcode=postcode,
        )
    strangers, one_man = (
        (made["stranger"], made["other stranger"]),
        (made["man"], made["man again"]),
    )
    scores = await match.score_pairs(conn, [strangers, one_man])
    assert all(s is not None and s.levels["dob"] == scores[0].levels["dob"] for s in scores)
    names = await load_names(conn, list(made.values()))
    by_driver = {x.driver_id: [x] for x in names}
    # a register where Mohammed Khan is a common name
    common = [_lives(10_000 + n, 1) for n in range(300)]
    freq = Frequencies.of([*names, *common], await load_level_mu(conn))
    # the candidate pairs the job would estimate m from: the pairs the names and dates tie
    # together (mostly recorded at one postcode, some moved), and strangers a slip apart
    model = _model()
    model.where_u = register_u(dict(await conn.fetchrow(WHERE_PAIRS)))
    one_person = [(25.0, "postcode", True)] * 200 + [(25.0, "area", True)] * 60
    one_person += [(25.0, "elsewhere", False)] * 30
    others = [(0.0, "area", True)] * 200 + [(0.0, "district", True)] * 20
    others += [(0.0, "elsewhere", False)] * 3_000
    model = estimate(one_person + others, model, 100_000, 100_000)

    def chance(pair: tuple[int, int], score: match.PairScore | None, known: bool = True) -> float:
        a, b = by_driver[pair[0]], by_driver[pair[1]]
        if not known:
            a, b = [x._replace(postcode=None) for x in a], [x._replace(postcode=None) for x in b]
        assert score is not None
        return probability(weight_of(model, score, a, b, freq))

    from registry.duplicates.compare import probability

    assert chance(strangers, scores[0]) < REVIEW_AT <= chance(one_man, scores[1])
    # without the postcodes the two pairs are alike
    assert chance(strangers, scores[0], False) == pytest.approx(chance(one_man, scores[1], False))


async def test_a_surname_that_lost_its_accent_counts_as_one_name_written_otherwise(register):
    """Sheffield recorded Zofia Wróbel; Leeds, years later, Zofia Wrobel born ten days on. A
    stranger sharing the name rarely writes it another way; one person recorded twice often
    does. The pair gains that evidence, with words for the officer."""
    from registry import match
    from registry.duplicates.compare import Frequencies, Model, weigh, weight_of
    from registry.duplicates.find import load_level_mu, load_names

    conn = register.conn
    first = await make_driver(
        conn, forenames="Zofia", surname="Wróbel", date_of_birth=date(1980, 5, 17)
    )
    again = await make_driver(
        conn, forenames="Zofia", surname="Wrobel", date_of_birth=date(1980, 5, 27)
    )
    [score] = await match.score_pairs(conn, [(first, again)])
    assert score is not None and score.levels["surname"] == "punctuation"
    names = await load_names(conn, [first, again])
    by_driver = {x.driver_id: [x] for x in names}
    freq = Frequencies.of(names, await load_level_mu(conn))
    model = Model(home_u=0.07)
    weight, evidence = weigh(model, score, by_driver[first], by_driver[again], freq)
    written = [e for e in evidence if e.field == "written"]
    assert len(written) == 1 and written[0].weight > 3, evidence
    without = weight_of(model, score, by_driver[first], by_driver[again], Frequencies.of(names))
    assert weight == pytest.approx(without + written[0].weight, abs=0.01)


async def test_a_common_forename_that_is_a_stranger_s_middle_name_counts_for_little(register):
    """Imran Khan in Bradford and Mohammed Imran Khan born a slip away: on a register where
    hundreds of Khans are called Imran, one's forename being the other's middle name says
    little. Tariq Khan and Mohammed Tariq Khan, where no other Khan is a Tariq, say much more."""
    from registry import match
    from registry.duplicates.compare import Frequencies, Model, middle_weight, weight_of
    from registry.duplicates.find import load_level_mu

    name = _named
    register_names = [name(100 + n, "IMRAN", (), "KHAN") for n in range(400)]
    register_names += [name(1_000 + n, f"X{n}", (), f"S{n}") for n in range(20_000)]
    pairs = {
        "Imran": ([name(1, "MOHAMMED", ("IMRAN",), "KHAN")], [name(2, "IMRAN", (), "KHAN")]),
        "Tariq": ([name(3, "MOHAMMED", ("TARIQ",), "KHAN")], [name(4, "TARIQ", (), "KHAN")]),
    }
    for a, b in pairs.values():
        register_names += [*a, *b]
    freq = Frequencies.of(register_names, await load_level_mu(register.conn))
    levels = {"dob": "near", "surname": "identical", "forename": "middle", "middle": "none"}
    score = match.PairScore(1, 2, 5.0, match.probability(5.0), "possible", [], levels)
    imran = middle_weight(score, *pairs["Imran"], freq)
    tariq = middle_weight(score, *pairs["Tariq"], freq)
    assert imran is not None and tariq is not None
    assert imran < -3 and tariq > imran + 5
    model = Model(home_u=0.07)
    assert weight_of(model, score, *pairs["Imran"], freq) < weight_of(
        model, score, *pairs["Tariq"], freq
    )


def _named(driver: int, forename: str, middles: tuple[str, ...], surname: str) -> Name:
    """A name's keys as the job reads them, born on 17 May 1980 in one area."""
    return Name(driver, date(1980, 5, 17), forename, middles, surname, (), 7)


async def test_strangers_sharing_a_common_middle_name_are_not_taken_for_one_person(register):
    """Ali Mohammed Khan and Imran Mohammed Khan, born a slip apart: hundreds on the register
    have the middle name Mohammed, so sharing it says little. Ali Zdzislaw Khan and Imran
    Zdzislaw Khan share a middle name nobody else has: that says much more."""
    from registry import match
    from registry.duplicates.compare import Frequencies, middles_weight
    from registry.duplicates.find import load_level_mu

    names = [_named(100 + n, f"F{n}", ("MOHAMMED",), "KHAN") for n in range(400)]
    names += [_named(1_000 + n, f"X{n}", (), f"S{n}") for n in range(20_000)]
    common = (
        [_named(1, "ALI", ("MOHAMMED",), "KHAN")],
        [_named(2, "IMRAN", ("MOHAMMED",), "KHAN")],
    )
    rare = ([_named(3, "ALI", ("ZDZISLAW",), "KHAN")], [_named(4, "IMRAN", ("ZDZISLAW",), "KHAN")])
    for a, b in (common, rare):
        names += [*a, *b]
    freq = Frequencies.of(names, await load_level_mu(register.conn))
    levels = {"dob": "near", "surname": "identical", "forename": "none", "middle": "agree"}
    score = match.PairScore(1, 2, 0.0, 0.5, "possible", [], levels)
    mohammed, zdzislaw = middles_weight(score, *common, freq), middles_weight(score, *rare, freq)
    assert mohammed is not None and zdzislaw is not None
    assert mohammed < -3 and zdzislaw > mohammed + 5


class _Phases(Progress):
    """Remembers each part of a job and its size."""

    def __init__(self) -> None:
        self.seen: dict[str, int | None] = {}

    def phase(self, name: str, total: int | None = None, unit: str = "steps") -> None:
        self.seen[name] = total


def _walkers(prefix: str, count: int, rng: random.Random) -> list[str]:
    forenames = [
        "Stephen",
        "Steven",
        "Stuart",
        "Simon",
        "John",
        "James",
        "Jack",
        "David",
        "Daniel",
        "Michael",
        "Mark",
        "Paul",
        "Peter",
        "Robert",
        "Richard",
        "Thomas",
        "Andrew",
        "Anthony",
        "Christopher",
        "Gary",
        "Lee",
        "Craig",
        "Scott",
        "Kevin",
    ]
    return [
        f"{prefix}{n},{rng.choice(forenames)},Walker,1980-05-{rng.randint(1, 31):02}"
        for n in range(count)
    ]


async def test_a_council_importing_thousands_of_walkers_born_in_one_month_still_raises_the_one_man(
    conn,
):
    """Sheffield has 1,500 Walkers born in May 1980, Stephen Walker among them; Rotherham
    imports 1,500 more, Steven Walker among them. Each imported name is scored against a few
    of the closest records, not every Walker born that month, and the one man is raised."""
    from registry.importer import Source, import_records
    from tests.factories import authority_id

    rng = random.Random(10)
    stephen = await make_driver(conn, forenames="Stephen", surname="Walker")  # 17 May 1980
    for council, prefix, extra in (
        ("Sheffield", "S", []),
        ("Rotherham", "R", ["R-1,Steven,Walker,1980-05-17"]),
    ):
        actor = Actor(None, await authority_id(conn, council))
        rows = ["driver_ref,forenames,surname,date_of_birth", *_walkers(prefix, 1_500, rng), *extra]
        phases = _Phases()
        async with acting(conn, actor):
            report = await import_records(
                conn,
                actor,
                drivers=Source("drivers.csv", [r + "\n" for r in rows]),
                progress=phases,
            )
        assert report.imported and report.drivers_created == len(rows) - 1
    scored = phases.seen["Scoring the pairs"]  # not the hundreds of thousands of all Walkers
    assert scored is not None and scored <= 1_501 * BEST_PER_NAME
    steven = await conn.fetchval(
        "SELECT driver_id FROM driver_name WHERE forenames = 'Steven' AND date_of_birth = $1"
        " AND driver_id <> ALL($2::bigint[]) ORDER BY driver_id DESC LIMIT 1",
        date(1980, 5, 17),
        [stephen],
    )
    raised = await conn.fetch(
        "SELECT driver_a, driver_b FROM possible_duplicate WHERE raised_by = 'import'"
    )
    assert frozenset((stephen, steven)) in {frozenset(r) for r in raised}
