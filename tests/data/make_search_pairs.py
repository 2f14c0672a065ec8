"""Writes tests/data/search_pairs.csv: labelled pairs for judging search quality.

    python tests/data/make_search_pairs.py      (deterministic: same file every run)

Each row is one pair: a person recorded in the register ("record_*") and what an officer
types ("query_*"), labelled `same` (the query is that person) or `different` (another person
who looks alike). `kind` names the variant the pair exercises. The spellings below are
knowledge of real-world variation written down to *test* the search with; the search itself
learns names only from the sources listed in registry/names.py, never from this file.

Columns:
  pair_id, kind, label,
  record_forenames, record_surname, record_date_of_birth,
  record_former_forenames, record_former_surname   (a former name, e.g. before marriage)
  record_gb_licence, record_ni_licence, record_ni_number,
  query_identifier                                   (as typed: spaces, case, issue number)
  query_forenames, query_surname, query_date_of_birth (when searching by name)
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from registry.identifiers import gb_licence_for  # noqa: E402
from tests import search_quality as quality  # noqa: E402

OUT = Path(__file__).resolve().parent / "search_pairs.csv"
SEED = 20250601
COLUMNS = quality.COLUMNS

# --- knowledge of real variation, for the test only ---------------------------------------

ENGLISH_MALE = [
    "David",
    "John",
    "Paul",
    "Andrew",
    "Mark",
    "James",
    "Richard",
    "Peter",
    "Robert",
    "Christopher",
    "Daniel",
    "Ian",
    "Gary",
    "Simon",
    "Martin",
    "Kevin",
    "Lee",
    "Jason",
    "Neil",
    "Darren",
    "Matthew",
    "Thomas",
    "William",
    "Anthony",
    "Michael",
    "Graham",
    "Craig",
    "Wayne",
    "Carl",
    "Dean",
    "Scott",
    "Ryan",
    "Adam",
    "Luke",
    "Liam",
]
ENGLISH_FEMALE = [
    "Sarah",
    "Emma",
    "Claire",
    "Julie",
    "Susan",
    "Karen",
    "Tracey",
    "Nicola",
    "Joanne",
    "Helen",
    "Rachel",
    "Lisa",
    "Michelle",
    "Amanda",
    "Louise",
    "Rebecca",
    "Laura",
    "Hannah",
    "Jennifer",
    "Deborah",
    "Margaret",
    "Elizabeth",
    "Gemma",
    "Kelly",
]
SOUTH_ASIAN_MALE = [
    "Imran",
    "Tariq",
    "Asif",
    "Zahid",
    "Shahid",
    "Khalid",
    "Amjad",
    "Naveed",
    "Sajid",
    "Waqar",
    "Adnan",
    "Kamran",
    "Bilal",
    "Omar",
    "Usman",
    "Faisal",
    "Irfan",
    "Arshad",
    "Nadeem",
    "Rizwan",
    "Sohail",
    "Javed",
    "Aamir",
    "Wasim",
    "Zeeshan",
    "Haroon",
    "Yasir",
    "Junaid",
    "Harjit",
    "Gurpreet",
    "Jaswinder",
    "Mandeep",
    "Rajinder",
    "Sandeep",
    "Sunil",
    "Rakesh",
    "Vijay",
    "Anil",
]
SOUTH_ASIAN_FEMALE = [
    "Nasreen",
    "Shabana",
    "Rubina",
    "Samina",
    "Farzana",
    "Ayesha",
    "Fatima",
    "Saima",
    "Sadia",
    "Amina",
    "Parveen",
    "Nazia",
]
EASTERN_EUROPEAN = [
    "Piotr",
    "Tomasz",
    "Krzysztof",
    "Marek",
    "Pawel",
    "Lukasz",
    "Mihai",
    "Ion",
    "Andrei",
    "Bogdan",
    "Florin",
    "Marius",
    "Agnieszka",
    "Katarzyna",
    "Anna",
]
COMMON_SURNAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Johnson",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Lewis",
    "Martin",
    "Jackson",
    "Clarke",
    "Turner",
    "Hill",
    "Scott",
    "Cooper",
    "Morris",
    "Ward",
    "Moore",
    "King",
    "Watson",
    "Baker",
    "Harrison",
    "Morgan",
    "Young",
    "Allen",
    "Mitchell",
    "Anderson",
    "Phillips",
    "Bell",
    "Parker",
    "Price",
]
SOUTH_ASIAN_SURNAMES = [
    "Khan",
    "Ali",
    "Hussain",
    "Ahmed",
    "Begum",
    "Akhtar",
    "Iqbal",
    "Mahmood",
    "Rahman",
    "Shah",
    "Malik",
    "Butt",
    "Aslam",
    "Rashid",
    "Bibi",
    "Javed",
    "Riaz",
    "Anwar",
    "Saleem",
    "Nawaz",
    "Singh",
    "Kaur",
    "Sandhu",
    "Gill",
    "Sidhu",
    "Patel",
    "Sharma",
    "Kumar",
    "Mistry",
    "Parmar",
]
EASTERN_SURNAMES = [
    "Nowak",
    "Kowalczyk",
    "Wisniewski",
    "Wojcik",
    "Kaminski",
    "Lewandowski",
    "Zielinski",
    "Popescu",
    "Ionescu",
    "Popa",
    "Dumitru",
    "Stan",
]

# Transliterations and spellings of one name (each group is one name).
FORENAME_TRANSLITERATIONS = [
    ["Mohammed", "Muhammad", "Mohammad", "Mohamed", "Muhammed", "Mohamad"],
    ["Yusuf", "Yousaf", "Yousef", "Youssef", "Yusef"],
    ["Hussain", "Husain", "Hussein", "Hossain"],
    ["Hassan", "Hasan"],
    ["Ahmed", "Ahmad", "Ahmet"],
    ["Usman", "Osman"],
    ["Farooq", "Faruk", "Farouk"],
    ["Qasim", "Kasim", "Qassim"],
    ["Tariq", "Tarik", "Tareq"],
    ["Shahid", "Shaheed"],
    ["Hamid", "Hameed"],
    ["Rashid", "Rasheed"],
    ["Zubair", "Zubayr"],
    ["Mustafa", "Mustapha", "Mostafa"],
    ["Ibrahim", "Ebrahim"],
    ["Ismail", "Ismael"],
    ["Suleiman", "Sulaiman"],
    ["Bilal", "Belal"],
    ["Khalid", "Khaled"],
    ["Waleed", "Walid"],
    ["Jamal", "Jamaal"],
    ["Harjit", "Harjeet"],
    ["Gurpreet", "Gurprit"],
    ["Mandeep", "Mandip"],
    ["Sandeep", "Sandip"],
    ["Rajinder", "Rajender"],
    ["Aleksander", "Alexander"],
    ["Jakub", "Jacob"],
]
SURNAME_TRANSLITERATIONS = [
    ["Chaudhry", "Chaudhary", "Choudhury", "Chowdhury"],
    ["Hussain", "Hussein", "Husain"],
    ["Rahman", "Rehman"],
    ["Mahmood", "Mahmud"],
    ["Qureshi", "Kureshi"],
    ["Siddiqui", "Siddiqi"],
    ["Sheikh", "Shaikh"],
    ["Ahmed", "Ahmad"],
    ["Mohammed", "Muhammad"],
    ["Kowalski", "Kowalsky"],
    ["Rashid", "Rasheed"],
]
FORENAME_SPELLINGS = [
    ["Stephen", "Steven"],
    ["Catherine", "Kathryn"],
    ["Katherine", "Catherine"],
    ["John", "Jon"],
    ["Philip", "Phillip"],
    ["Geoffrey", "Jeffrey"],
    ["Matthew", "Mathew"],
    ["Neil", "Neal"],
    ["Alan", "Allan"],
    ["Brian", "Bryan"],
    ["Sean", "Shaun"],
    ["Shaun", "Shawn"],
    ["Lindsay", "Lindsey"],
    ["Carl", "Karl"],
    ["Claire", "Clare"],
    ["Sarah", "Sara"],
    ["Graham", "Grahame"],
    ["Rachel", "Rachael"],
    ["Nicola", "Nichola"],
    ["Stuart", "Stewart"],
    ["Mark", "Marc"],
    ["Tracey", "Tracy"],
    ["Zoë", "Zoe"],
    ["José", "Jose"],
    ["Aaron", "Aron"],
]
NICKNAMES = [
    ["William", "Bill"],
    ["William", "Will"],
    ["Robert", "Bob"],
    ["Robert", "Rob"],
    ["James", "Jim"],
    ["Margaret", "Peggy"],
    ["Margaret", "Maggie"],
    ["Michael", "Mike"],
    ["David", "Dave"],
    ["Anthony", "Tony"],
    ["Elizabeth", "Liz"],
    ["Elizabeth", "Beth"],
    ["Christopher", "Chris"],
    ["Daniel", "Dan"],
    ["Thomas", "Tom"],
    ["Richard", "Rick"],
    ["Edward", "Ted"],
    ["Henry", "Harry"],
    ["Alexander", "Alex"],
    ["Nicholas", "Nick"],
    ["Andrew", "Andy"],
    ["Matthew", "Matt"],
    ["Joseph", "Joe"],
    ["Susan", "Sue"],
    ["Deborah", "Debbie"],
    ["Rebecca", "Becky"],
    ["Jennifer", "Jenny"],
    ["Patrick", "Paddy"],
    ["Katherine", "Kate"],
    ["Stephen", "Steve"],
]
PUNCTUATED_SURNAMES = [
    ["O'Neill", "ONeill"],
    ["O'Brien", "OBrien"],
    ["O'Connor", "O Connor"],
    ["D'Souza", "DSouza"],
    ["D'Silva", "D Silva"],
    ["McDonald", "Mc Donald"],
    ["St. John", "St John"],
    ["Smith-Jones", "Smith Jones"],
    ["Ali-Khan", "Ali Khan"],
    ["Lloyd-Davies", "Lloyd Davies"],
    ["Van der Berg", "Vanderberg"],
    ["De Souza", "DeSouza"],
    ["Le Roux", "LeRoux"],
    ["MacLeod", "Macleod"],
    ["Khan", "KHAN"],
    ["O'Reilly", "o'reilly"],
    ["Müller", "Muller"],
    ["Nowak", "nowak"],
    ["Ahmed-Shah", "Ahmed Shah"],
    ["Wright", " Wright "],
]
DOUBLE_BARRELLED = [
    ["Smith-Jones", "Jones"],
    ["Smith-Jones", "Smith"],
    ["Ali-Khan", "Khan"],
    ["Lloyd-Davies", "Davies"],
    ["Ahmed-Shah", "Shah"],
    ["Taylor-Brown", "Brown"],
    ["Hussain-Butt", "Hussain"],
    ["Parker-Bowles", "Parker"],
]
MIDDLE_NAMES = [
    "Ali",
    "Asif",
    "Tariq",
    "Imran",
    "Hussain",
    "James",
    "John",
    "Paul",
    "Anne",
    "Marie",
    "Louise",
    "Singh",
    "Kumar",
    "Michael",
    "Robert",
    "Edward",
    "Rose",
    "Jane",
]
MARRIED_SURNAMES = COMMON_SURNAMES + SOUTH_ASIAN_SURNAMES


class Maker:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.rows: list[dict] = []
        self.used_dobs: set[date] = set()
        self.gb_used: set[str] = set()
        self.ni_used: set[str] = set()
        self.nil_used: set[str] = set()

    # small helpers ------------------------------------------------------------------------
    def dob(self, *, swappable: bool = False) -> date:
        while True:
            born = date(1950, 1, 1) + timedelta(days=self.rnd.randrange(0, 19000))
            if swappable and not (born.day <= 12 and born.day != born.month):
                continue
            if born not in self.used_dobs:
                self.used_dobs.add(born)
                return born

    def forename(self) -> str:
        pool = self.rnd.choice(
            [ENGLISH_MALE, ENGLISH_FEMALE, SOUTH_ASIAN_MALE, SOUTH_ASIAN_FEMALE, EASTERN_EUROPEAN]
        )
        return self.rnd.choice(pool)

    def surname(self) -> str:
        return self.rnd.choice(
            self.rnd.choice([COMMON_SURNAMES, SOUTH_ASIAN_SURNAMES, EASTERN_SURNAMES])
        )

    def gb(self, surname: str, forenames: str, born: date) -> str:
        letters = "ABCDEFGHJKLMNPRSTUVWX"
        while True:
            number = gb_licence_for(
                surname,
                forenames,
                born,
                self.rnd.choice("FM"),
                position14=self.rnd.choice(letters),
                check=self.rnd.choice(letters) + self.rnd.choice(letters),
            )
            if number not in self.gb_used:
                self.gb_used.add(number)
                return number

    def ni_number(self) -> str:
        firsts, seconds = "ABCEGHJKLMNOPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
        while True:
            prefix = self.rnd.choice(firsts) + self.rnd.choice(seconds)
            if prefix in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
                continue
            number = f"{prefix}{self.rnd.randrange(10**6):06d}{self.rnd.choice('ABCD')}"
            if number not in self.ni_used:
                self.ni_used.add(number)
                return number

    def ni_licence(self) -> str:
        while True:
            number = f"{self.rnd.randrange(10**7, 10**8)}"
            if number not in self.nil_used:
                self.nil_used.add(number)
                return number

    def add(
        self,
        kind: str,
        label: str,
        record: tuple[str, str, date],
        query: tuple | str,
        *,
        former: tuple[str, str] | None = None,
        gb: str = "",
        nil: str = "",
        nin: str = "",
    ) -> None:
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            pair_id=len(self.rows) + 1,
            kind=kind,
            label=label,
            record_forenames=record[0],
            record_surname=record[1],
            record_date_of_birth=record[2].isoformat(),
            record_gb_licence=gb,
            record_ni_licence=nil,
            record_ni_number=nin,
        )
        if former:
            row.update(record_former_forenames=former[0], record_former_surname=former[1])
        if isinstance(query, str):
            row["query_identifier"] = query
        else:
            row.update(
                query_forenames=query[0],
                query_surname=query[1],
                query_date_of_birth=query[2].isoformat(),
            )
        self.rows.append(row)

    # the same person ----------------------------------------------------------------------
    def same_person(self) -> None:
        r = self.rnd
        for _ in range(10):
            f, s, born = self.forename(), self.surname(), self.dob()
            self.add("exact", "same", (f, s, born), (f, s, born))
        for _ in range(15):
            f, s, born = self.forename(), self.surname(), self.dob()
            number = self.gb(s, f, born)
            typed = r.choice(
                [
                    number.lower(),
                    f"{number[:5]} {number[5:11]} {number[11:]}",
                    f"{number} {r.randrange(1, 20):02d}",
                    f"{number[:8]} {number[8:]}".lower(),
                ]
            )
            self.add("identifier_gb_licence", "same", (f, s, born), typed, gb=number)
        for _ in range(8):
            f, s, born = self.forename(), self.surname(), self.dob()
            number = self.ni_licence()
            self.add(
                "identifier_ni_licence",
                "same",
                (f, s, born),
                r.choice([f"{number[:4]} {number[4:]}", number, f" {number} "]),
                nil=number,
            )
        for _ in range(12):
            f, s, born = self.forename(), self.surname(), self.dob()
            number = self.ni_number()
            typed = r.choice(
                [
                    number.lower(),
                    f"{number[:2]} {number[2:4]} {number[4:6]} {number[6:8]} {number[8]}",
                    f"{number[:2]}-{number[2:8]}-{number[8]}",
                ]
            )
            self.add("identifier_ni_number", "same", (f, s, born), typed, nin=number)
        for group in FORENAME_TRANSLITERATIONS:
            a, b = r.sample(group, 2)
            s, born = self.rnd.choice(SOUTH_ASIAN_SURNAMES + EASTERN_SURNAMES), self.dob()
            self.add("transliteration_forename", "same", (a, s, born), (b, s, born))
        for group in SURNAME_TRANSLITERATIONS:
            a, b = r.sample(group, 2)
            f, born = r.choice(SOUTH_ASIAN_MALE + SOUTH_ASIAN_FEMALE), self.dob()
            self.add("transliteration_surname", "same", (f, a, born), (f, b, born))
        for a, b in FORENAME_SPELLINGS:
            s, born = self.surname(), self.dob()
            self.add("spelling_forename", "same", (a, s, born), (b, s, born))
        for formal, nick in NICKNAMES:
            s, born = self.surname(), self.dob()
            recorded, asked = (formal, nick) if r.random() < 0.6 else (nick, formal)
            self.add("nickname", "same", (recorded, s, born), (asked, s, born))
        for a, b in PUNCTUATED_SURNAMES:
            f, born = self.forename(), self.dob()
            recorded, asked = (a, b) if r.random() < 0.5 else (b, a)
            self.add("punctuation_spacing", "same", (f, recorded, born), (f, asked, born))
        for a, b in DOUBLE_BARRELLED:
            f, born = self.forename(), self.dob()
            recorded, asked = (a, b) if r.random() < 0.5 else (b, a)
            self.add("double_barrelled_part", "same", (f, recorded, born), (f, asked, born))
        for _ in range(12):
            f, m, s, born = self.forename(), r.choice(MIDDLE_NAMES), self.surname(), self.dob()
            self.add("middle_name_missing", "same", (f"{f} {m}", s, born), (f, s, born))
        for _ in range(10):
            f, m, s, born = self.forename(), r.choice(MIDDLE_NAMES), self.surname(), self.dob()
            self.add("middle_name_extra", "same", (f, s, born), (f"{f} {m}", s, born))
        for _ in range(15):
            f, m, s, born = self.forename(), r.choice(MIDDLE_NAMES), self.surname(), self.dob()
            style = r.randrange(4)
            if style == 0:
                recorded, asked = f"{f} {m}", f"{f[0]} {m[0]}"
            elif style == 1:
                recorded, asked = f"{f} {m}", f"{f[0]}.{m[0]}."
            elif style == 2:
                recorded, asked = f, f"{f[0]}."
            else:
                recorded, asked = f"{f[0]} {m[0]}", f"{f} {m}"
            self.add("initials", "same", (recorded, s, born), (asked, s, born))
        for _ in range(15):
            f, born = (
                r.choice(ENGLISH_FEMALE + SOUTH_ASIAN_FEMALE + ["Anna", "Katarzyna", "Agnieszka"]),
                self.dob(),
            )
            maiden, married = r.sample(MARRIED_SURNAMES, 2)
            self.add(
                "former_surname", "same", (f, married, born), (f, maiden, born), former=(f, maiden)
            )
        for _ in range(15):
            f, s, born = self.forename(), self.surname(), self.dob(swappable=True)
            self.add(
                "date_swapped", "same", (f, s, born), (f, s, date(born.year, born.day, born.month))
            )
        for _ in range(5):
            f, s, born = r.choice(SOUTH_ASIAN_MALE), r.choice(SOUTH_ASIAN_SURNAMES), self.dob()
            self.add("name_order_reversed", "same", (f, s, born), (s, f, born))
        self.combined()

    def combined(self) -> None:
        r = self.rnd
        for i in range(16):
            born = self.dob(swappable=True)
            swapped = date(born.year, born.day, born.month)
            if i % 4 == 0:  # transliteration and swapped date
                a, b = r.sample(r.choice(FORENAME_TRANSLITERATIONS), 2)
                s = r.choice(SOUTH_ASIAN_SURNAMES)
                self.add("combined", "same", (a, s, born), (b, s, swapped))
            elif i % 4 == 1:  # nickname and a former surname
                formal, nick = r.choice(
                    [n for n in NICKNAMES if n[0] in ENGLISH_FEMALE + ["Katherine", "Susan"]]
                )
                maiden, married = r.sample(COMMON_SURNAMES, 2)
                self.add(
                    "combined",
                    "same",
                    (formal, married, born),
                    (nick, maiden, born),
                    former=(formal, maiden),
                )
            elif i % 4 == 2:  # initials and punctuation
                a, b = r.choice(PUNCTUATED_SURNAMES[:10])
                f, m = self.forename(), r.choice(MIDDLE_NAMES)
                self.add("combined", "same", (f"{f} {m}", a, born), (f"{f[0]} {m[0]}", b, born))
            else:  # transliterated forename and surname, extra middle name
                a, b = r.sample(FORENAME_TRANSLITERATIONS[0], 2)
                sa, sb = r.sample(r.choice(SURNAME_TRANSLITERATIONS[:4]), 2)
                self.add(
                    "combined", "same", (a, sa, born), (f"{b} {r.choice(MIDDLE_NAMES)}", sb, born)
                )

    # different people who look alike ----------------------------------------------------
    def different_people(self) -> None:
        r = self.rnd
        for _ in range(25):  # father and son, or namesakes: same name, another date of birth
            f, s = (
                r.choice(["Mohammed", "Muhammad", "John", "David", "Imran", "Paul", "Tariq"]),
                r.choice(["Khan", "Smith", "Hussain", "Jones", "Ali", "Ahmed", "Patel", "Singh"]),
            )
            born = self.dob()
            other = born + timedelta(days=r.choice([-1, 1]) * r.randrange(365 * 2, 365 * 35))
            self.used_dobs.add(other)
            self.add("same_name_other_birth_date", "different", (f, s, born), (f, s, other))
        for _ in range(10):  # namesake born a year or so away, not a swap
            f, s, born = (
                self.forename(),
                r.choice(SOUTH_ASIAN_SURNAMES + COMMON_SURNAMES),
                self.dob(),
            )
            other = (
                born.replace(year=born.year + r.choice([-2, -1, 1, 2]))
                if born.day != 29
                else born + timedelta(days=400)
            )
            self.add("same_name_other_birth_date", "different", (f, s, born), (f, s, other))
        for _ in range(15):  # siblings: same surname, another forename, born a few years apart
            s, born = self.surname(), self.dob()
            a, b = self._two_distinct_forenames()
            self.add(
                "sibling",
                "different",
                (a, s, born),
                (b, s, born + timedelta(days=r.randrange(300, 365 * 12))),
            )
        for _ in range(10):  # twins: same surname and date of birth, another forename
            s, born = self.surname(), self.dob()
            a, b = self._two_distinct_forenames()
            self.add("twin", "different", (a, s, born), (b, s, born))
        for _ in range(20):  # common forename, same date of birth, another surname
            f = r.choice(
                ["Mohammed", "Muhammad", "John", "David", "Sarah", "Imran", "Michael", "Paul"]
            )
            a, b = self._two_distinct_surnames()
            born = self.dob()
            self.add("common_forename_same_birth_date", "different", (f, a, born), (f, b, born))
        for _ in range(10):  # same first name and surname and date of birth, another middle name
            f, s, born = (
                r.choice(["Mohammed", "Muhammad", "Abdul"]),
                r.choice(SOUTH_ASIAN_SURNAMES),
                self.dob(),
            )
            m1, m2 = r.sample(
                ["Ali", "Asif", "Tariq", "Imran", "Rafiq", "Arif", "Nadeem", "Karim"], 2
            )
            self.add(
                "middle_name_differs", "different", (f"{f} {m1}", s, born), (f"{f} {m2}", s, born)
            )
        for _ in range(8):  # someone else's NI number, one digit away
            f, s, born = self.forename(), self.surname(), self.dob()
            number = self.ni_number()
            digit = str((int(number[7]) + 1) % 10)
            self.add(
                "identifier_near_miss",
                "different",
                (f, s, born),
                number[:7] + digit + number[8],
                nin=number,
            )
        for _ in range(7):  # another person's GB licence number
            f, s, born = self.forename(), self.surname(), self.dob()
            number = self.gb(s, f, born)
            other_s = r.choice([x for x in COMMON_SURNAMES if x[:3] != s[:3]])
            self.add(
                "identifier_near_miss",
                "different",
                (f, s, born),
                self.gb(other_s, self.forename(), self.dob()),
                gb=number,
            )

    def _two_distinct_forenames(self) -> tuple[str, str]:
        pool = self.rnd.choice(
            [ENGLISH_MALE, ENGLISH_FEMALE, SOUTH_ASIAN_MALE, ENGLISH_MALE + ENGLISH_FEMALE]
        )
        variants = {
            x for group in FORENAME_TRANSLITERATIONS + FORENAME_SPELLINGS + NICKNAMES for x in group
        }
        while True:
            a, b = self.rnd.sample(pool, 2)
            if a[:2] != b[:2] and not (a in variants and b in variants):
                return a, b

    def _two_distinct_surnames(self) -> tuple[str, str]:
        pool = self.rnd.choice([COMMON_SURNAMES, SOUTH_ASIAN_SURNAMES])
        while True:
            a, b = self.rnd.sample(pool, 2)
            if a[:2] != b[:2]:
                return a, b


def make() -> list[dict]:
    maker = Maker(SEED)
    maker.same_person()
    maker.different_people()
    return maker.rows


def make_rows_as_written() -> list[dict[str, str]]:
    """The rows as csv.DictReader reads them back: the committed file must equal this."""
    return [{k: str(v) for k, v in row.items()} for row in make()]


def main() -> None:
    rows = make()
    quality.write_pairs(OUT, rows, COLUMNS)
    same = sum(r["label"] == "same" for r in rows)
    print(f"wrote {len(rows)} pairs ({same} same person, {len(rows) - same} different) to {OUT}")


if __name__ == "__main__":
    main()
