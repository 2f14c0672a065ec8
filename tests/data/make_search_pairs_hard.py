"""Writes tests/data/search_pairs_hard.csv: a second, harder labelled set for name search.

    python tests/data/make_search_pairs_hard.py      (deterministic: same file every run)

Written independently of make_search_pairs.py, from a reviewer's point of view: "what would
an officer in Bradford, Tower Hamlets, Southall or Peterborough actually type, and which
look-alikes would trip the search up?" So it is built differently:

- Own name pools, weighted to the communities the trade draws on: Pakistani and Kashmiri,
  Bangladeshi (Sylheti), Punjabi Sikh, Arabic, Somali, Polish, Romanian, Ukrainian and
  Russian, Czech and Slovak, Irish, and English.
- Variation is produced two ways: families of real spellings of one name (writing down
  real-world knowledge, for the test only: the search learns names only from the sources in
  registry/names.py), and mechanical slips (a letter inserted, dropped, replaced by the key
  beside it, or two letters swapped; a date digit mistyped) applied by functions here, so
  the slips are not chosen to suit the search.
- Every `same` pair has a reason an officer would plausibly type it that way; every
  `different` pair is a real family situation (father and son, twins, cousins) or a
  namesake, not a random stranger.

Scope decisions (what the search is expected to do, and what it is not):

- In scope: transliteration and spelling variants that keep the sound (Mohammed/Muhammad,
  Chowdhury/Choudhury, Jaswinder/Jasvinder, Siobhan/Shivaun); English nicknames; accents;
  typing slips; names in another order; a forename dropped or added; initials; a former name
  on the register; a date of birth with day and month swapped, one digit mistyped, or a year
  one out.
- Anglicised forms are in scope only where they keep the sound (Piotr/Peter, Pawel/Paul,
  Tomasz/Thomas, Jakub/Jacob). Translations that share no sound (Krzysztof/Christopher,
  Grzegorz/Gregory, Yusuf/Joseph, Wojciech/Albert) are out of scope: without a list of them
  a same-surname, same-date record with an unrelated forename looks exactly like a twin, and
  the register must not call twins one person.
- A married name that the register does not hold as a former name is out of scope: nothing
  ties the two surnames together.

Labels: `same` (the query is that person) or `different` (another person the search must
not claim). A `same` pair is found if the record is in the top 5 in any band; a `different`
pair counts against precision if its record is in the top 5 as a hit (strong/exact).

Columns are those of search_pairs.csv (so the one harness reads both), plus `note`: a few
plain words on what the pair exercises.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import search_quality as quality

OUT = Path(__file__).resolve().parent / "search_pairs_hard.csv"
SEED = 4242
COLUMNS = [*quality.COLUMNS, "note"]

# --- name pools (for the test only) ----------------------------------------------------------

PAKISTANI_MALE = [
    "Imran",
    "Asif",
    "Tariq",
    "Zahid",
    "Shahid",
    "Khalid",
    "Naveed",
    "Sajid",
    "Waqas",
    "Adnan",
    "Kamran",
    "Bilal",
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
    "Nasir",
    "Shakeel",
    "Mushtaq",
    "Pervez",
    "Azhar",
    "Ghulam",
    "Raheel",
    "Atif",
    "Majid",
    "Nauman",
]
BANGLADESHI_MALE = [
    "Abdul",
    "Shahid",
    "Anwar",
    "Jamal",
    "Kamal",
    "Rashid",
    "Shafiq",
    "Mujibur",
    "Habibur",
    "Ashraf",
    "Monir",
    "Shamim",
    "Jahangir",
    "Alamgir",
    "Foysal",
    "Rubel",
]
ARABIC_SOMALI_MALE = [
    "Omar",
    "Hassan",
    "Abdi",
    "Abdirahman",
    "Farah",
    "Mahad",
    "Khalil",
    "Tarek",
    "Samir",
    "Walid",
    "Nabil",
    "Karim",
    "Youssef",
    "Hamza",
    "Mustafa",
]
SIKH_MALE = [
    "Gurpreet",
    "Harjit",
    "Jaswinder",
    "Kulwinder",
    "Sukhwinder",
    "Balwinder",
    "Manjit",
    "Paramjit",
    "Rajinder",
    "Surinder",
    "Davinder",
    "Amarjit",
    "Harpreet",
    "Jagdeep",
    "Hardeep",
]
MUSLIM_FEMALE = [
    "Aisha",
    "Fatima",
    "Khadija",
    "Maryam",
    "Zainab",
    "Nasreen",
    "Parveen",
    "Shahnaz",
    "Rukhsana",
    "Shabnam",
    "Tahira",
    "Samina",
    "Razia",
    "Nusrat",
    "Farhana",
    "Shamima",
]
SIKH_FEMALE = ["Manjit", "Harpreet", "Jasbir", "Rajwinder", "Kuldeep", "Sukhjit", "Amandeep"]
POLISH = [
    "Piotr",
    "Tomasz",
    "Pawel",
    "Marcin",
    "Michal",
    "Lukasz",
    "Grzegorz",
    "Wojciech",
    "Krzysztof",
    "Dariusz",
    "Mariusz",
    "Andrzej",
    "Katarzyna",
    "Malgorzata",
    "Agnieszka",
    "Joanna",
]
ROMANIAN = [
    "Ionut",
    "Stefan",
    "Florin",
    "Marius",
    "Bogdan",
    "Gheorghe",
    "Constantin",
    "Vasile",
    "Adrian",
    "Catalin",
    "Mihaela",
    "Elena",
]
RUSSIAN_UKRAINIAN = [
    "Dmitri",
    "Sergei",
    "Oleksandr",
    "Andrei",
    "Yuri",
    "Nikolai",
    "Tatiana",
    "Natalia",
    "Olena",
    "Iryna",
]
ENGLISH_MALE = [
    "David",
    "John",
    "Paul",
    "Mark",
    "James",
    "Richard",
    "Peter",
    "Robert",
    "Gary",
    "Stephen",
    "Ian",
    "Kevin",
    "Lee",
    "Darren",
    "Neil",
    "Craig",
    "Wayne",
    "Dean",
    "Carl",
    "Shane",
    "Glen",
    "Trevor",
    "Barry",
    "Keith",
    "Colin",
    "Stuart",
    "Anthony",
    "Martin",
]
ENGLISH_FEMALE = [
    "Sharon",
    "Karen",
    "Tracy",
    "Julie",
    "Donna",
    "Dawn",
    "Joanne",
    "Nicola",
    "Claire",
    "Michelle",
    "Lisa",
    "Kerry",
    "Gemma",
    "Stacey",
    "Leanne",
    "Natalie",
]
IRISH = [
    "Siobhan",
    "Sean",
    "Niamh",
    "Seamus",
    "Ciaran",
    "Eoin",
    "Padraig",
    "Aoife",
    "Declan",
    "Ronan",
]

PAKISTANI_SURNAMES = [
    "Khan",
    "Hussain",
    "Ali",
    "Ahmed",
    "Akhtar",
    "Iqbal",
    "Mahmood",
    "Shah",
    "Butt",
    "Malik",
    "Raja",
    "Bashir",
    "Rafiq",
    "Aslam",
    "Sadiq",
    "Yousaf",
    "Nazir",
    "Mirza",
    "Qureshi",
    "Chaudhry",
    "Abbasi",
    "Awan",
    "Bhatti",
    "Mughal",
    "Janjua",
    "Sheikh",
]
BANGLADESHI_SURNAMES = [
    "Miah",
    "Uddin",
    "Rahman",
    "Islam",
    "Begum",
    "Chowdhury",
    "Hoque",
    "Ahmed",
    "Khatun",
    "Sarkar",
    "Talukder",
    "Bhuiyan",
    "Hossain",
    "Ali",
    "Alam",
    "Karim",
]
SIKH_SURNAMES = [
    "Sandhu",
    "Gill",
    "Dhillon",
    "Grewal",
    "Sidhu",
    "Bains",
    "Johal",
    "Sahota",
    "Randhawa",
    "Atwal",
    "Dhaliwal",
    "Sangha",
    "Kang",
    "Bassi",
    "Bhogal",
    "Mann",
]
EASTERN_SURNAMES = [
    "Nowak",
    "Kowalski",
    "Wisniewski",
    "Wojcik",
    "Kaminski",
    "Lewandowski",
    "Zielinski",
    "Szymanski",
    "Dabrowski",
    "Kozlowski",
    "Jankowski",
    "Mazur",
    "Popescu",
    "Ionescu",
    "Dumitru",
    "Stoica",
    "Shevchenko",
    "Kovalenko",
    "Bondarenko",
    "Ivanov",
    "Novak",
    "Horvath",
    "Dvorak",
    "Svoboda",
]
ENGLISH_SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Hughes",
    "Turner",
    "Hill",
    "Cooper",
    "Ward",
    "Barker",
    "Holmes",
    "Marsh",
    "Pearson",
    "Gregory",
    "Fletcher",
    "Booth",
    "Dixon",
]
IRISH_SURNAMES = [
    "O'Neill",
    "O'Sullivan",
    "Murphy",
    "Kelly",
    "O'Brien",
    "McCarthy",
    "Byrne",
    "Doyle",
    "Gallagher",
    "Quinn",
    "Brennan",
    "Ryan",
]

ALL_MALE = PAKISTANI_MALE + BANGLADESHI_MALE + ARABIC_SOMALI_MALE + SIKH_MALE + ENGLISH_MALE
ALL_SURNAMES = (
    PAKISTANI_SURNAMES + BANGLADESHI_SURNAMES + SIKH_SURNAMES + EASTERN_SURNAMES + ENGLISH_SURNAMES
)

# --- families of spellings of one name (each inner list is one name) -------------------------

MOHAMMED = [
    "Mohammed",
    "Muhammad",
    "Mohamed",
    "Mohamad",
    "Mohammad",
    "Muhammed",
    "Mohamud",
    "Mohammod",
    "Muhamad",
    "Mohummed",
]
MOHAMMED_SHORT = ["Mohd", "Md", "Mohd.", "Md.", "Muhd"]
ARABIC_FORENAMES = [
    ["Yusuf", "Yousaf", "Yousuf", "Yusef", "Yousef", "Youssef", "Yoosuf"],
    ["Hussain", "Hussein", "Husain", "Hossain", "Husein"],
    ["Ahmed", "Ahmad", "Ahmet", "Ahmmed"],
    ["Osman", "Usman", "Othman"],
    ["Ayub", "Ayoub", "Ayyub", "Ayoob"],
    ["Yaqub", "Yakub", "Yaqoob", "Yacoub"],
    ["Zakaria", "Zakariya", "Zakariyya", "Zakariah"],
    ["Shoaib", "Shuaib", "Shoayb"],
    ["Tauqeer", "Touqeer", "Tauqir"],
    ["Nasir", "Naseer", "Nasser"],
    ["Saeed", "Sayeed", "Saeid"],
    ["Rafiq", "Rafique", "Rafik"],
    ["Shafiq", "Shafique", "Shafik"],
    ["Junaid", "Junayd", "Junaed"],
    ["Mujeeb", "Mujib"],
    ["Qadir", "Kadir", "Qadeer"],
    ["Iqbal", "Ikbal"],
    ["Zubair", "Zubayr", "Zubeir"],
    ["Mustafa", "Mustapha", "Mostafa"],
    ["Ibrahim", "Ebrahim", "Ibraheem"],
    ["Abdullah", "Abdallah", "Abdulla"],
]
ABDUL_COMPOUNDS = [
    [
        "Abdul Rahman",
        "Abdulrahman",
        "Abdur Rahman",
        "Abdel Rahman",
        "Abd al-Rahman",
        "Abdur-Rahman",
    ],
    ["Abdul Aziz", "Abdulaziz", "Abdel Aziz", "Abd al-Aziz"],
    ["Abdul Karim", "Abdulkarim", "Abdel Karim", "Abdul Kareem"],
    ["Abdus Samad", "Abdul Samad", "Abdussamad"],
]
MUSLIM_FEMALE_FORMS = [
    ["Aisha", "Ayesha", "Aysha", "Aishah", "Ayisha"],
    ["Fatima", "Fatimah", "Fatema", "Fathima"],
    ["Khadija", "Khadijah", "Khadeeja"],
    ["Maryam", "Mariam", "Mariyam"],
    ["Zainab", "Zaynab", "Zeinab"],
    ["Nasreen", "Nasrin", "Nasrine"],
    ["Parveen", "Perveen", "Parvin"],
    ["Shahnaz", "Shanaz", "Shehnaz"],
    ["Rukhsana", "Ruksana", "Rukhsanah"],
    ["Samina", "Sameena", "Saminah"],
    ["Razia", "Raziya", "Raziah"],
]
SIKH_FORMS = [
    ["Gurpreet", "Gurprit", "Gurpreeth"],
    ["Harjit", "Harjeet", "Harjeeth"],
    ["Jaswinder", "Jasvinder"],
    ["Kulwinder", "Kulvinder"],
    ["Sukhwinder", "Sukhvinder"],
    ["Balwinder", "Balvinder"],
    ["Manjit", "Manjeet"],
    ["Paramjit", "Paramjeet", "Parmjit"],
    ["Rajinder", "Rajender", "Rajindar"],
    ["Surinder", "Surender"],
    ["Davinder", "Devinder", "Davindar"],
    ["Amarjit", "Amarjeet"],
    ["Harpreet", "Harprit"],
]
SOUTH_ASIAN_SURNAME_FORMS = [
    ["Chowdhury", "Choudhury", "Chaudhry", "Chaudhary", "Choudhary", "Chowdhry"],
    ["Uddin", "Udin", "Ud-Din", "Uddeen"],
    ["Hossain", "Hussain", "Hussein", "Husain"],
    ["Rahman", "Rehman", "Rahmaan"],
    ["Miah", "Mia", "Meah", "Miya"],
    ["Begum", "Begom"],
    ["Sarkar", "Sarker", "Sircar"],
    ["Talukder", "Talukdar"],
    ["Khatun", "Khatoon"],
    ["Akhtar", "Akhter", "Akter"],
    ["Bhuiyan", "Bhuiya", "Bhuyan"],
    ["Hoque", "Haque", "Huq", "Haq"],
    ["Mahmood", "Mahmud", "Mehmood"],
    ["Qureshi", "Kureshi", "Qureishi"],
    ["Siddiqui", "Siddiqi", "Siddique"],
    ["Sheikh", "Shaikh", "Sheik"],
    ["Muhammad", "Mohammed", "Mohamed"],
    ["Rasheed", "Rashid"],
    ["Dhillon", "Dhilon"],
    ["Grewal", "Garewal"],
    ["Randhawa", "Randawa"],
    ["Johal", "Jauhal"],
]
EASTERN_FORMS = [  # (as on a passport or ID card, as typed in England)
    ["Łukasz", "Lukasz"],
    ["Paweł", "Pawel"],
    ["Michał", "Michal"],
    ["Małgorzata", "Malgorzata"],
    ["Jiří", "Jiri"],
    ["Tomáš", "Tomas"],
    ["Ștefan", "Stefan"],
    ["Ionuț", "Ionut"],
    ["Dmitri", "Dmitry", "Dmitriy"],
    ["Sergei", "Sergey"],
    ["Oleksandr", "Olexandr", "Aleksandr"],
    ["Tatiana", "Tatyana"],
    ["Natalia", "Natalya", "Nataliya"],
    ["Yuri", "Yury", "Yuriy"],
    ["Andrei", "Andrey"],
    ["Nikolai", "Nikolay"],
]
EASTERN_SURNAME_FORMS = [
    ["Wiśniewski", "Wisniewski"],
    ["Wójcik", "Wojcik"],
    ["Dąbrowski", "Dabrowski"],
    ["Dvořák", "Dvorak"],
    ["Horváth", "Horvath"],
    ["Szymański", "Szymanski"],
    ["Shevchenko", "Shevtchenko"],
    ["Kovalenko", "Kowalenko"],
    ["Ivanov", "Ivanoff"],
    ["Nowak", "Novak"],
    ["Kozłowski", "Kozlowski"],
    ["Ștefănescu", "Stefanescu"],
]
ANGLICISED = [
    ["Piotr", "Peter"],
    ["Pawel", "Paul"],
    ["Tomasz", "Thomas"],
    ["Jakub", "Jacob"],
    ["Michal", "Michael"],
    ["Marek", "Mark"],
]
IRISH_FORMS = [
    ["Siobhan", "Shivaun", "Shevaun"],
    ["Sean", "Shaun", "Shawn"],
    ["Niamh", "Neve", "Neamh"],
    ["Seamus", "Shamus"],
    ["Ciaran", "Kieran", "Kieron"],
    ["Ciara", "Kiera", "Keira"],
    ["Eoin", "Owen"],
    ["Ruairi", "Rory"],
]
IRISH_SURNAME_FORMS = [
    ["O'Sullivan", "Sullivan"],
    ["McCarthy", "MacCarthy"],
    ["O'Neill", "O Neill"],
    ["Gallagher", "Gallacher"],
    ["O'Brien", "Obrien"],
]
NICKNAMES = [  # (formal, as known)
    ["William", "Bill"],
    ["Robert", "Bob"],
    ["Margaret", "Peggy"],
    ["James", "Jim"],
    ["Richard", "Dick"],
    ["Alexander", "Sandy"],
    ["Catherine", "Kate"],
    ["John", "Jack"],
    ["Mary", "Polly"],
    ["Sarah", "Sally"],
    ["Elizabeth", "Betty"],
    ["Edward", "Ted"],
    ["Henry", "Harry"],
    ["Charles", "Chuck"],
    ["Elizabeth", "Libby"],
    ["Patricia", "Trish"],
    ["Kathryn", "Kathy"],
    ["Ann", "Nancy"],
    ["Jennifer", "Jenny"],
    ["Robert", "Bobby"],
    ["Frederick", "Fred"],
    ["Thomas", "Tom"],
    ["Andrew", "Andy"],
    ["Anthony", "Tony"],
    ["Catherine", "Kathy"],
    ["Katherine", "Kate"],
    ["Stephen", "Steve"],
    ["Christopher", "Kit"],
]
ASIAN_SHORT_FORMS = [["Mohammed", "Mo"], ["Mohammed", "Mohd"], ["Abdul", "Abd"]]
DOUBLE_BARRELLED = [
    ["Ahmed-Khan", "Khan"],
    ["Smith-Jones", "Jones"],
    ["Hussain-Shah", "Hussain"],
    ["Taylor-Walker", "Taylor"],
    ["Kaur-Sandhu", "Sandhu"],
    ["Ali-Butt", "Butt"],
    ["Lloyd-Hughes", "Hughes"],
    ["Begum-Miah", "Miah"],
    ["Morgan-Evans", "Evans"],
    ["Wood-Barker", "Barker"],
    ["Chowdhury-Rahman", "Rahman"],
    ["Holmes-Pearson", "Pearson"],
]
MIDDLE = [
    "Ali",
    "Asif",
    "Tariq",
    "Imran",
    "Hussain",
    "Ahmed",
    "Iqbal",
    "Javed",
    "Rafiq",
    "Akbar",
    "Singh",
    "Kumar",
    "James",
    "John",
    "Paul",
    "Michael",
    "Anthony",
    "Lee",
]
FEMALE_MIDDLE = ["Begum", "Bibi", "Kaur", "Marie", "Louise", "Anne", "Jane", "Nisa", "Sultana"]

# Twins and siblings in one family are often given rhyming or paired names; the search must
# not take one for the other. (boy, girl) pairs and rhymes both.
TWIN_NAMES = [
    ["Hassan", "Hussain"],
    ["Imran", "Kamran"],
    ["Karim", "Karima"],
    ["Jamil", "Jamila"],
    ["Amir", "Amira"],
    ["Nabil", "Nabila"],
    ["Samir", "Samira"],
    ["Daniel", "Danielle"],
    ["Paul", "Paula"],
    ["Adil", "Aqil"],
    ["Zain", "Zara"],
    ["Ryan", "Rhianna"],
    ["Harpreet", "Harjit"],
    ["Jack", "Jake"],
    ["Aryan", "Ayaan"],
    ["Rehan", "Rayyan"],
    ["Faisal", "Fahad"],
    ["Ali", "Aliya"],
    ["Sukhdeep", "Sandeep"],
    ["Michael", "Michelle"],
]
DISTINCT_MIDDLES = [
    ["Ali", "Asif"],
    ["Tariq", "Tahir"],
    ["Arif", "Asif"],
    ["Rashid", "Rafiq"],
    ["Imran", "Irfan"],
    ["Nadeem", "Naeem"],
    ["Javed", "Jamil"],
    ["Akbar", "Akram"],
    ["Sajid", "Majid"],
    ["Shahid", "Zahid"],
]

KEYBOARD = {
    "q": "wa",
    "w": "qes",
    "e": "wrd",
    "r": "etf",
    "t": "ryg",
    "y": "tuh",
    "u": "yij",
    "i": "uok",
    "o": "ipl",
    "p": "ol",
    "a": "qsz",
    "s": "adwx",
    "d": "sfe",
    "f": "dgr",
    "g": "fht",
    "h": "gjy",
    "j": "hku",
    "k": "jli",
    "l": "kop",
    "z": "xa",
    "x": "zcs",
    "c": "xvd",
    "v": "cbf",
    "b": "vng",
    "n": "bmh",
    "m": "nj",
}


class Maker:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.rows: list[dict] = []
        self.used: set[date] = set()

    # helpers ---------------------------------------------------------------------------------
    def born(self, *, swappable: bool = False) -> date:
        """A fresh date of birth (drivers aged about 21 to 75), never used by another pair."""
        while True:
            born = date(1950, 1, 1) + timedelta(days=self.rnd.randrange(0, 54 * 365))
            if swappable and not (born.day <= 12 and born.day != born.month):
                continue
            if born not in self.used:
                self.used.add(born)
                return born

    def pick(self, *pools: list[str]) -> str:
        return self.rnd.choice(self.rnd.choice(pools))

    def two(self, family: list[str]) -> tuple[str, str]:
        a, b = self.rnd.sample(family, 2)
        return a, b

    def same_date(self, a: str, b: str, surname: str) -> tuple[tuple, tuple]:
        born = self.born()
        return (a, surname, born), (b, surname, born)

    def add(
        self,
        kind: str,
        label: str,
        record: tuple,
        query: tuple,
        note: str,
        *,
        former: tuple[str, str] | None = None,
    ) -> None:
        rf, rs, rb = record
        qf, qs, qb = query
        self.used.update({rb, qb})
        self.rows.append(
            {
                "pair_id": len(self.rows) + 1,
                "kind": kind,
                "label": label,
                "record_forenames": rf,
                "record_surname": rs,
                "record_date_of_birth": rb.isoformat(),
                "record_former_forenames": former[0] if former else "",
                "record_former_surname": former[1] if former else "",
                "record_gb_licence": "",
                "record_ni_licence": "",
                "record_ni_number": "",
                "query_identifier": "",
                "query_forenames": qf,
                "query_surname": qs,
                "query_date_of_birth": qb.isoformat(),
                "note": note,
            }
        )

    # mechanical slips -------------------------------------------------------------------------
    def typo(self, name: str) -> tuple[str, str]:
        """One typing slip in a name: (slipped, what happened). Keeps the first letter mostly."""
        r = self.rnd
        while True:
            letters = list(name)
            op = r.choice(["insert", "delete", "neighbour", "transpose"])
            low = 1 if r.random() < 0.9 else 0
            if len(letters) - 1 <= low:
                op = "insert"
            i = r.randrange(low, len(letters) - (1 if op == "transpose" else 0))
            c = letters[i].lower()
            if op == "insert":
                extra = r.choice([c, r.choice(KEYBOARD.get(c, "e"))])
                letters.insert(i + 1, extra)
            elif op == "delete":
                del letters[i]
            elif op == "neighbour":
                if c not in KEYBOARD:
                    continue
                new = r.choice(KEYBOARD[c])
                letters[i] = new.upper() if letters[i].isupper() else new
            else:
                if letters[i] == letters[i + 1] or not letters[i + 1].isalpha():
                    continue
                letters[i], letters[i + 1] = letters[i + 1], letters[i]
                if i == 0:
                    letters[0], letters[1] = letters[0].upper(), letters[1].lower()
            slipped = "".join(letters)
            if slipped.lower() != name.lower() and slipped.strip():
                return slipped, op

    def date_slip(self, born: date) -> tuple[date, str]:
        """One mistyped digit in a date of birth (never a day/month swap, which is its own kind)."""
        r = self.rnd
        while True:
            op = r.choice(
                [
                    "day digit",
                    "day digit",
                    "month digit",
                    "day digits swapped",
                    "year last digit",
                    "year last digit",
                    "year tens digit",
                ]
            )
            d, m, y = f"{born.day:02d}", f"{born.month:02d}", f"{born.year}"
            try:
                if op == "day digit":
                    pos = r.randrange(2)
                    d = d[:pos] + r.choice("0123456789") + d[pos + 1 :]
                elif op == "month digit":
                    m = m[0] + r.choice("0123456789")
                elif op == "day digits swapped":
                    d = d[::-1]
                elif op == "year last digit":
                    y = y[:3] + r.choice("0123456789")
                else:  # the key beside it
                    y = y[:2] + str((int(y[2]) + r.choice([-1, 1])) % 10) + y[3]
                slipped = date(int(y), int(m), int(d))
            except ValueError:
                continue
            swap = born.day <= 12 and date(born.year, born.day, born.month)
            if slipped != born and slipped != swap and 1945 <= slipped.year <= 2005:
                return slipped, op

    # the same person --------------------------------------------------------------------------
    def transliterated_forenames(self) -> None:
        r = self.rnd
        for _ in range(12):
            a, b = self.two(MOHAMMED)
            s = self.pick(PAKISTANI_SURNAMES, BANGLADESHI_SURNAMES)
            if r.random() < 0.4:
                m = r.choice(MIDDLE[:10])
                a, b = f"{a} {m}", f"{b} {m}"
            self.add(
                "transliteration_forename",
                "same",
                *self.same_date(a, b, s),
                "Mohammed spelt another way",
            )
        for family in ARABIC_FORENAMES:
            a, b = self.two(family)
            s = self.pick(PAKISTANI_SURNAMES, BANGLADESHI_SURNAMES)
            self.add(
                "transliteration_forename",
                "same",
                *self.same_date(a, b, s),
                "Arabic forename transliterated another way",
            )
        for family in MUSLIM_FEMALE_FORMS:
            a, b = self.two(family)
            s = self.pick(PAKISTANI_SURNAMES, BANGLADESHI_SURNAMES)
            self.add(
                "transliteration_forename",
                "same",
                *self.same_date(a, b, s),
                "women's forename transliterated another way",
            )
        for family in SIKH_FORMS:
            a, b = self.two(family)
            s = r.choice(SIKH_SURNAMES)
            if r.random() < 0.5:
                a, b = f"{a} Singh", f"{b} Singh"
            self.add(
                "transliteration_punjabi",
                "same",
                *self.same_date(a, b, s),
                "Punjabi forename spelt another way (w/v, ee/i)",
            )

    def abdul_compounds(self) -> None:
        for family in ABDUL_COMPOUNDS:
            for _ in range(2):
                a, b = self.two(family)
                s = self.pick(BANGLADESHI_SURNAMES, PAKISTANI_SURNAMES)
                born = self.born()
                self.add(
                    "abdul_compound",
                    "same",
                    (a, s, born),
                    (b, s, born),
                    "Abdul-name written together, apart, or with Abdur/Abdel/Abd al",
                )

    def mohammed_short(self) -> None:
        r = self.rnd
        for _ in range(8):
            full, short = r.choice(MOHAMMED), r.choice(MOHAMMED_SHORT)
            m = r.choice(["Abdul", "Shahid", "Anwar", "Rafiq", "Imran", "Jamal", "Asif", "Kamal"])
            s = self.pick(BANGLADESHI_SURNAMES, PAKISTANI_SURNAMES)
            born = self.born()
            rec, asked = (
                (f"{full} {m}", f"{short} {m}")
                if r.random() < 0.6
                else (f"{short} {m}", f"{full} {m}")
            )
            self.add(
                "mohammed_abbreviated",
                "same",
                (rec, s, born),
                (asked, s, born),
                "Md / Mohd for Mohammed, with the name the man goes by after it",
            )

    def transliterated_surnames(self) -> None:
        r = self.rnd
        for family in SOUTH_ASIAN_SURNAME_FORMS:
            a, b = self.two(family)
            f = self.pick(PAKISTANI_MALE, BANGLADESHI_MALE, MUSLIM_FEMALE, SIKH_MALE)
            born = self.born()
            self.add(
                "transliteration_surname",
                "same",
                (f, a, born),
                (f, b, born),
                "South Asian surname spelt another way",
            )
        for family in EASTERN_SURNAME_FORMS:
            a, b = self.two(family)
            f = self.pick(POLISH, ROMANIAN, RUSSIAN_UKRAINIAN)
            born = self.born()
            self.add(
                "eastern_european_surname",
                "same",
                (f, a, born),
                (f, b, born),
                "accent dropped or another romanisation of the surname",
            )
        for _ in range(3):
            a, b = self.two(r.choice(SOUTH_ASIAN_SURNAME_FORMS[:6]))
            fa, fb = self.two(MOHAMMED)
            born = self.born()
            self.add(
                "transliteration_both",
                "same",
                (fa, a, born),
                (fb, b, born),
                "forename and surname both spelt another way",
            )

    def eastern_european(self) -> None:
        r = self.rnd
        for family in EASTERN_FORMS:
            a, b = self.two(family)
            s = r.choice(EASTERN_SURNAMES)
            born = self.born()
            self.add(
                "eastern_european_forename",
                "same",
                (a, s, born),
                (b, s, born),
                "accent dropped or another romanisation of the forename",
            )
        for native, english in ANGLICISED:
            s = r.choice(EASTERN_SURNAMES[:12])
            born = self.born()
            rec, asked = (native, english) if r.random() < 0.5 else (english, native)
            self.add(
                "anglicised_forename",
                "same",
                (rec, s, born),
                (asked, s, born),
                "the English form he uses at work (same sound)",
            )

    def irish(self) -> None:
        r = self.rnd
        for family in IRISH_FORMS:
            a, b = self.two(family)
            s = r.choice(IRISH_SURNAMES + ENGLISH_SURNAMES[:6])
            born = self.born()
            self.add(
                "irish_forename",
                "same",
                (a, s, born),
                (b, s, born),
                "Irish forename spelt as it sounds",
            )
        for a, b in IRISH_SURNAME_FORMS:
            f = r.choice(IRISH + ENGLISH_MALE[:8])
            born = self.born()
            rec, asked = (a, b) if r.random() < 0.5 else (b, a)
            self.add(
                "irish_surname",
                "same",
                (f, rec, born),
                (f, asked, born),
                "O'/Mac prefix dropped or spelt apart",
            )

    def nicknames(self) -> None:
        r = self.rnd
        for formal, known in NICKNAMES:
            s = self.pick(ENGLISH_SURNAMES, IRISH_SURNAMES)
            born = self.born()
            rec, asked = (formal, known) if r.random() < 0.5 else (known, formal)
            self.add("nickname", "same", (rec, s, born), (asked, s, born), "nickname or short form")
        for formal, known in ASIAN_SHORT_FORMS:
            s = r.choice(PAKISTANI_SURNAMES)
            born = self.born()
            self.add(
                "nickname",
                "same",
                (formal, s, born),
                (known, s, born),
                "the short form he is known by",
            )

    def typos(self) -> None:
        r = self.rnd
        for _ in range(24):
            f, s = (
                self.pick(ALL_MALE, MUSLIM_FEMALE, ENGLISH_FEMALE, POLISH),
                r.choice(ALL_SURNAMES),
            )
            slipped, op = self.typo(s)
            born = self.born()
            self.add("typo_surname", "same", (f, s, born), (f, slipped, born), f"surname: {op}")
        for _ in range(24):
            f, s = (
                self.pick(ALL_MALE, MUSLIM_FEMALE, ENGLISH_FEMALE, POLISH),
                r.choice(ALL_SURNAMES),
            )
            slipped, op = self.typo(f)
            born = self.born()
            self.add("typo_forename", "same", (f, s, born), (slipped, s, born), f"forename: {op}")

    def structure(self) -> None:
        """Names moved about: order swapped, a part dropped or added, initials."""
        r = self.rnd
        for _ in range(10):  # forename and surname the other way round
            f, s = r.choice(PAKISTANI_MALE + BANGLADESHI_MALE), r.choice(PAKISTANI_SURNAMES)
            born = self.born()
            self.add(
                "name_order_swapped",
                "same",
                (f, s, born),
                (s, f, born),
                "surname typed as forename",
            )
        for _ in range(4):  # swapped and spelt another way
            a, b = self.two(MOHAMMED)
            s1, s2 = self.two(r.choice(SOUTH_ASIAN_SURNAME_FORMS[:4] + [["Hussain", "Hussein"]]))
            born = self.born()
            self.add(
                "name_order_swapped",
                "same",
                (a, s1, born),
                (s2, b, born),
                "swapped and spelt another way",
            )
        for _ in range(5):  # three names: Mohammed Imran / Khan typed as Imran / Mohammed Khan
            a, f, s = r.choice(MOHAMMED), r.choice(PAKISTANI_MALE), r.choice(PAKISTANI_SURNAMES)
            born = self.born()
            asked = r.choice([(s, f"{a} {f}"), (f, f"{a} {s}"), (f"{f} {a}", s), (f"{s} {f}", a)])
            self.add(
                "name_order_swapped",
                "same",
                (f"{a} {f}", s, born),
                (*asked, born),
                "three names in another order",
            )
        for _ in range(12):  # the first forename dropped (or the name he goes by alone)
            lead = r.choice(MOHAMMED + ["Syed", "Muhammad", "Md", "Abdul"])
            f, s = (
                r.choice(PAKISTANI_MALE + BANGLADESHI_MALE[1:]),
                self.pick(PAKISTANI_SURNAMES, BANGLADESHI_SURNAMES),
            )
            born = self.born()
            if r.random() < 0.7:
                self.add(
                    "first_forename_dropped",
                    "same",
                    (f"{lead} {f}", s, born),
                    (f, s, born),
                    "known by his second forename",
                )
            else:
                self.add(
                    "first_forename_added",
                    "same",
                    (f, s, born),
                    (f"{lead} {f}", s, born),
                    "full forenames given, register has the one he uses",
                )
        for _ in range(12):  # initials
            f, s = self.pick(PAKISTANI_MALE, ENGLISH_MALE, SIKH_MALE), self.pick(ALL_SURNAMES)
            if r.random() < 0.3:
                f = r.choice(MOHAMMED)
            m = (
                "Singh"
                if f in SIKH_MALE
                else r.choice(MIDDLE[12:] if f in ENGLISH_MALE else MIDDLE[:10])
            )
            born = self.born()
            style = r.randrange(5)
            asked = [
                f"{f[0]} {m[0]}",
                f"{f[0]}{m[0]}",
                f"{f[0]}.{m[0]}.",
                f"{f[0]}.",
                f"{f[0]} {m}",
            ][style]
            self.add("initials", "same", (f"{f} {m}", s, born), (asked, s, born), "initials only")
        for _ in range(10):  # middle name missing or extra
            f, s = self.pick(ALL_MALE, MUSLIM_FEMALE, ENGLISH_FEMALE), self.pick(ALL_SURNAMES)
            m = r.choice(FEMALE_MIDDLE if f in MUSLIM_FEMALE + ENGLISH_FEMALE else MIDDLE)
            born = self.born()
            if r.random() < 0.5:
                self.add(
                    "middle_name_missing",
                    "same",
                    (f"{f} {m}", s, born),
                    (f, s, born),
                    "middle name left off",
                )
            else:
                self.add(
                    "middle_name_extra",
                    "same",
                    (f, s, born),
                    (f"{f} {m}", s, born),
                    "middle name added",
                )
        for _ in range(4):  # Singh / Kaur as a surname, the family name dropped
            f = r.choice(SIKH_MALE + SIKH_FEMALE)
            title = "Kaur" if f in SIKH_FEMALE and r.random() < 0.7 else "Singh"
            s = r.choice(SIKH_SURNAMES)
            born = self.born()
            self.add(
                "singh_kaur",
                "same",
                (f"{f} {title}", s, born),
                (f, title, born),
                "Singh/Kaur given as the surname, the family name left off",
            )
        for a, b in DOUBLE_BARRELLED:
            f = self.pick(ALL_MALE, MUSLIM_FEMALE, ENGLISH_FEMALE)
            born = self.born()
            rec, asked = (a, b) if r.random() < 0.7 else (b, a)
            self.add(
                "double_barrelled_one_part",
                "same",
                (f, rec, born),
                (f, asked, born),
                "one part of a double-barrelled surname",
            )
        for _ in range(8):  # punctuation, spacing and case
            f, s = (
                self.pick(ALL_MALE, ENGLISH_FEMALE),
                r.choice(
                    [
                        "O'Neill",
                        "D'Souza",
                        "Ud-Din",
                        "Al-Hassan",
                        "Abdul-Latif",
                        "Van der Merwe",
                        "De Silva",
                        "McDonald",
                        "St. Clair",
                        "Ali-Khan",
                        "El-Sayed",
                        "Mac Donald",
                    ]
                ),
            )
            born = self.born()
            asked = r.choice(
                [
                    s.replace("'", "").replace("-", "").replace(" ", "").replace(".", ""),
                    s.replace("-", " ").replace("'", " "),
                    s.upper(),
                    f"  {s.lower()} ",
                ]
            )
            self.add(
                "punctuation_spacing",
                "same",
                (f, s, born),
                (f.upper() if r.random() < 0.3 else f, asked, born),
                "punctuation, spacing or case",
            )

    def former_names(self) -> None:
        r = self.rnd
        for _ in range(12):
            f = self.pick(
                MUSLIM_FEMALE, ENGLISH_FEMALE, SIKH_FEMALE, ["Katarzyna", "Agnieszka", "Joanna"]
            )
            maiden, married = r.sample(ALL_SURNAMES, 2)
            born = self.born()
            asked = maiden if r.random() < 0.75 else f"{maiden}-{married}"
            self.add(
                "former_surname",
                "same",
                (f, married, born),
                (f, asked, born),
                "searched under her name before marriage (on the register as a former name)",
                former=(f, maiden),
            )

    def birth_dates(self) -> None:
        r = self.rnd
        for _ in range(12):
            f, s = self.pick(ALL_MALE, MUSLIM_FEMALE, POLISH), r.choice(ALL_SURNAMES)
            born = self.born(swappable=True)
            self.add(
                "date_day_month_swapped",
                "same",
                (f, s, born),
                (f, s, date(born.year, born.day, born.month)),
                "day and month swapped (American order)",
            )
        for _ in range(18):
            f, s = (
                self.pick(ALL_MALE, MUSLIM_FEMALE, ENGLISH_FEMALE, POLISH),
                r.choice(ALL_SURNAMES),
            )
            born = self.born()
            slipped, op = self.date_slip(born)
            self.add(
                "date_digit_typo", "same", (f, s, born), (f, s, slipped), f"date of birth: {op}"
            )
        for _ in range(8):
            f, s = self.pick(ALL_MALE, MUSLIM_FEMALE), r.choice(ALL_SURNAMES)
            born = self.born()
            other = (
                born.replace(year=born.year + r.choice([-1, 1]))
                if (born.month, born.day) != (2, 29)
                else born
            )
            if other == born:
                continue
            self.add(
                "date_year_one_out",
                "same",
                (f, s, born),
                (f, s, other),
                "year of birth one out, names identical",
            )

    def combined(self) -> None:
        r = self.rnd
        for i in range(16):
            born = self.born(swappable=True)
            swap = date(born.year, born.day, born.month)
            case = i % 8
            if case == 0:
                a, b = self.two(MOHAMMED)
                s1, s2 = self.two(r.choice(SOUTH_ASIAN_SURNAME_FORMS[:5]))
                self.add(
                    "combined",
                    "same",
                    (a, s1, born),
                    (b, s2, swap),
                    "both names transliterated, date swapped",
                )
            elif case == 1:
                formal, known = r.choice(NICKNAMES[:12])
                maiden, married = r.sample(ENGLISH_SURNAMES, 2)
                self.add(
                    "combined",
                    "same",
                    (formal, married, born),
                    (known, maiden, born),
                    "nickname and former surname",
                    former=(formal, maiden),
                )
            elif case == 2:
                f, m = r.choice(MOHAMMED), r.choice(PAKISTANI_MALE)
                s = r.choice(PAKISTANI_SURNAMES)
                slipped, _ = self.typo(s)
                self.add(
                    "combined",
                    "same",
                    (f"{f} {m}", s, born),
                    (m, slipped, born),
                    "first forename dropped and a slip in the surname",
                )
            elif case == 3:
                a, b = self.two(r.choice(SIKH_FORMS))
                s1, s2 = self.two(r.choice(SOUTH_ASIAN_SURNAME_FORMS[-4:]))
                self.add(
                    "combined",
                    "same",
                    (f"{a} Singh", s1, born),
                    (b, s2, swap),
                    "Punjabi spellings, Singh left off, date swapped",
                )
            elif case == 4:
                f, s = (
                    r.choice(PAKISTANI_MALE),
                    r.choice(["Ali-Khan", "Ahmed-Shah", "Hussain-Butt"]),
                )
                self.add(
                    "combined",
                    "same",
                    (f, s, born),
                    (s.split("-")[1], f, born),
                    "swapped order and one part of a double-barrelled surname",
                )
            elif case == 5:
                a, b = self.two(r.choice(EASTERN_FORMS))
                s1, s2 = self.two(r.choice(EASTERN_SURNAME_FORMS))
                self.add(
                    "combined",
                    "same",
                    (a, s1, born),
                    (b, s2, born),
                    "Polish/Czech/Romanian accents both names",
                )
            elif case == 6:
                f, m, s = (
                    r.choice(MOHAMMED),
                    r.choice(["Tariq", "Asif", "Imran"]),
                    r.choice(PAKISTANI_SURNAMES),
                )
                self.add(
                    "combined",
                    "same",
                    (f"{f} {m}", s, born),
                    (f"M{m[0]}", s, swap),
                    "initials run together, date swapped",
                )
            else:
                f, s = self.pick(ENGLISH_MALE, ENGLISH_FEMALE), r.choice(ENGLISH_SURNAMES)
                sf, _ = self.typo(f)
                self.add(
                    "combined",
                    "same",
                    (f, s, born),
                    (sf, s, swap),
                    "forename slip and date swapped",
                )

    # different people ---------------------------------------------------------------------------
    def different(self) -> None:
        r = self.rnd
        common_f = MOHAMMED[:4] + [
            "Imran",
            "Tariq",
            "John",
            "David",
            "Gurpreet",
            "Abdul",
            "Piotr",
            "Sarah",
        ]
        common_s = [
            "Khan",
            "Hussain",
            "Ali",
            "Ahmed",
            "Smith",
            "Jones",
            "Begum",
            "Miah",
            "Singh",
            "Kaur",
            "Patel",
            "Nowak",
        ]
        for _ in range(15):  # same full name, born years apart: namesakes
            f, s = r.choice(common_f), r.choice(common_s)
            born = self.born()
            other = born + timedelta(days=r.choice([-1, 1]) * r.randrange(3 * 365, 30 * 365))
            self.add(
                "namesake_other_date",
                "different",
                (f, s, born),
                (f, s, other),
                "same common name, another date of birth",
            )
        for _ in range(15):  # father and son with the same name
            f, s = r.choice(common_f[:8] + ["Paul", "Mark"]), r.choice(common_s)
            born = self.born()
            gap = r.choice([20, 22, 24, 25, 25, 26, 28, 30, 31, 35])
            son = (
                born.replace(year=born.year + gap)
                if r.random() < 0.5 or (born.month, born.day) == (2, 29)
                else born + timedelta(days=gap * 365 + r.randrange(-200, 200))
            )
            asked_f = f"{f} Jr" if r.random() < 0.2 else f
            rec, asked = (
                ((f, s, born), (asked_f, s, son))
                if r.random() < 0.5
                else ((f, s, son), (f, s, born))
            )
            self.add(
                "father_and_son",
                "different",
                rec,
                asked,
                "father and son, same name, a generation apart",
            )
        for _ in range(18):  # same date of birth, another common name
            born = self.born()
            f1 = r.choice(common_f)
            s1, s2 = r.sample(common_s, 2)
            if r.random() < 0.5:
                self.add(
                    "same_date_other_name",
                    "different",
                    (f1, s1, born),
                    (f1, s2, born),
                    "same common forename and date of birth, another surname",
                )
            else:
                f2 = r.choice([x for x in ALL_MALE if x[0] != f1[0]])
                self.add(
                    "same_date_other_name",
                    "different",
                    (f2, s1, born),
                    (f1, s2, born),
                    "same date of birth, another name entirely",
                )
        for a, b in TWIN_NAMES:  # twins: same surname and date, another (often paired) forename
            s = self.pick(PAKISTANI_SURNAMES, ENGLISH_SURNAMES, SIKH_SURNAMES)
            born = self.born()
            rec, asked = (a, b) if r.random() < 0.5 else (b, a)
            self.add(
                "twins",
                "different",
                (rec, s, born),
                (asked, s, born),
                "twin with a paired forename",
            )
        for _ in range(8):  # twins with plainly different forenames
            s = self.pick(PAKISTANI_SURNAMES, ENGLISH_SURNAMES, BANGLADESHI_SURNAMES)
            a, b = r.sample(PAKISTANI_MALE + ENGLISH_MALE, 2)
            if a[0] == b[0]:
                continue
            born = self.born()
            self.add("twins", "different", (a, s, born), (b, s, born), "twin")
        for _ in range(14):  # cousins named after the same grandfather, born close together
            f, s = (
                r.choice(MOHAMMED[:3] + ["Imran", "Gurpreet", "Abdul Karim", "Mohammed Ali"]),
                r.choice(common_s),
            )
            born = self.born()
            other = born + timedelta(days=r.choice([-1, 1]) * r.randrange(40, 900))
            self.add(
                "cousins",
                "different",
                (f, s, born),
                (f, s, other),
                "cousin, same name, born months apart",
            )
        for a, b in DISTINCT_MIDDLES:  # same first forename, surname and date; another middle name
            f, s = r.choice(MOHAMMED[:4] + ["Abdul"]), r.choice(common_s[:4] + ["Miah", "Rahman"])
            born = self.born()
            self.add(
                "other_middle_name",
                "different",
                (f"{f} {a}", s, born),
                (f"{f} {b}", s, born),
                "another middle name: Mohammed X and Mohammed Y are different men",
            )
        for _ in range(6):  # brothers: Abdul X / Abdul Y, same date (twins)
            s = r.choice(BANGLADESHI_SURNAMES)
            x, y = r.sample(
                ["Rahman", "Karim", "Aziz", "Malik", "Hamid", "Jabbar", "Latif", "Majid"], 2
            )
            born = self.born()
            self.add(
                "other_middle_name",
                "different",
                (f"Abdul {x}", s, born),
                (f"Abdul {y}", s, born),
                "Abdul alone is not a name: Abdul Rahman and Abdul Karim are different men",
            )
        for _ in range(8):  # initial agrees, name does not
            s = r.choice(common_s)
            born = self.born()
            a, b = r.sample([x for x in PAKISTANI_MALE + ENGLISH_MALE if x[0] in "MSKJ"], 2)
            while a[0] != b[0]:
                a, b = r.sample([x for x in PAKISTANI_MALE + ENGLISH_MALE if x[0] in "MSKJ"], 2)
            self.add(
                "same_initial_other_name",
                "different",
                (a, s, born),
                (b, s, born),
                "brother with the same first letter, same date (twins)",
            )


def make() -> list[dict]:
    m = Maker(SEED)
    m.transliterated_forenames()
    m.abdul_compounds()
    m.mohammed_short()
    m.transliterated_surnames()
    m.eastern_european()
    m.irish()
    m.nicknames()
    m.typos()
    m.structure()
    m.former_names()
    m.birth_dates()
    m.combined()
    m.different()
    return m.rows


def make_rows_as_written() -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items()} for row in make()]


def main() -> None:
    rows = make()
    quality.write_pairs(OUT, rows, COLUMNS)
    same = sum(r["label"] == "same" for r in rows)
    print(f"wrote {len(rows)} pairs ({same} same person, {len(rows) - same} different) to {OUT}")


if __name__ == "__main__":
    main()
