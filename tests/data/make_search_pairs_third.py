"""Writes tests/data/search_pairs_third.csv: a third labelled set for name search.

    python tests/data/make_search_pairs_third.py      (deterministic: same file every run)

Built independently of make_search_pairs.py and make_search_pairs_hard.py (own name lists,
own variant functions, own register crowd) to look where those two do not:

- Origins they barely cover: Arabic (Levant, Iraq, Egypt, Sudan), Kurdish (Sorani and
  Kurmanji), Turkish, Afghan (Pashto and Dari), Chinese (Mainland pinyin, Hong Kong
  Cantonese, Taiwanese Wade-Giles), Portuguese-speaking (Portugal, Brazil, Angola, Goa);
  besides English, Pakistani, Punjabi, Bangladeshi, Polish and Romanian.
- Every variant kind alone, and in pairs: each name variant with each date of birth slip,
  and pairs of name variants. Kinds are named `a+b` for a pair.
- People who are not on the register at all (`unregistered`), searched for on the very date
  of birth of a registered look-alike whose name sounds like theirs: a surname that starts
  the same and goes on (Kaya / Kayacan), another surname that rhymes (Pereira / Ferreira,
  Zhou / Zhu), a brother's or twin's forename (Amin / Amir, Fernando / Fernanda).

The spellings below write down real-world variation to *test* the search with; the search
must never learn from this file. Slips (a key beside the one meant, a letter dropped, two
letters swapped, a date digit mistyped) are made mechanically here, not chosen to suit it.

Labels: `same` (the query is the record's person) and `unregistered` (the query's person is
not on the register; the record is the look-alike who is). Columns are those of
search_pairs.csv (one evaluator, tests/search_quality.py, reads all three sets) plus
`origin` and `note`.

The register the test builds (`crowd()`): every pair's record, six people on each date of
birth the set uses, and a background of 8,000, all drawn from the pools below and kept only
where an officer could not take them for the person a query asks about.
"""

from __future__ import annotations

import random
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import search_quality as quality

OUT = Path(__file__).resolve().parent / "search_pairs_third.csv"
SEED = 31337
COLUMNS = [*quality.COLUMNS, "origin", "note"]

# --- who: forenames and surnames by origin (for the test only) ----------------------------

FORENAMES = {
    "arabic": "Ahmed Mahmoud Khaled Yasser Omar Tarek Walid Hisham Ayman Samir Nabil Hamza "
    "Bassam Fadi Ziad Ammar Mustafa Ibrahim Youssef Abdullah Fatima Aisha Mariam Huda Rania "
    "Layla Noor Samira Hala Dina",
    "kurdish": "Rebwar Karwan Shvan Dilshad Hemin Aram Sirwan Soran Baran Hawre Zana Dara Azad "
    "Hoshyar Kawa Rekan Shilan Avin Berivan Nasrin Rozhin Jwan",
    "turkish": "Mehmet Mustafa Ahmet Ali Huseyin Hasan Ibrahim Ismail Osman Yusuf Murat Emre "
    "Burak Serkan Volkan Hakan Kemal Cem Tolga Ugur Ayse Fatma Emine Hatice Zeynep Elif Merve",
    "afghan": "Ahmad Mohammad Abdul Gul Wali Zabihullah Hamid Farid Nasir Sayed Rahmatullah "
    "Najibullah Habib Jawad Shafiq Qais Mirwais Ajmal Naveed Sohail Zarghona Mariam Freshta "
    "Shabnam Palwasha Nazia",
    "chinese": "Wei Jun Hao Lei Ming Qiang Jian Yong Tao Bo Xiaoming Zhiwei Jianguo Haoran "
    "Yiming Zihan Li Fang Jing Yan Xiaoling Mei Hui",
    "portuguese": "Joao Jose Antonio Manuel Francisco Carlos Paulo Pedro Luis Miguel Rui Nuno "
    "Tiago Ricardo Fernando Eduardo Joaquim Sergio Bruno Marcelo Maria Ana Beatriz Mariana "
    "Fernanda Juliana",
    "english": "Gary Wayne Darren Lee Craig Stuart Neil Keith Trevor Barry Dean Shane Ian Alan "
    "Graham Kevin Tracey Joanne Sharon Karen Donna Lisa",
    "pakistani": "Imtiaz Shakeel Waqar Naeem Zulfiqar Arshad Pervez Nadeem Kashif Adnan Faisal "
    "Usman Shazia Nighat Rubina Saima",
    "punjabi": "Harjit Kuldip Baljinder Sukhwinder Manjit Paramjit Gurmeet Jasbir Rajinder "
    "Harpreet Amarjit Navdeep",
    "bangladeshi": "Abul Shamsul Anwar Jamal Kamrul Mizanur Shahjahan Rezaul Monir Jahanara "
    "Rokeya Shirin",
    "polish": "Krzysztof Grzegorz Mariusz Dariusz Slawomir Zbigniew Artur Lukasz Marek Wojciech "
    "Agnieszka Katarzyna",
    "romanian": "Ionut Bogdan Catalin Mihai Florin Costel Adrian Gheorghe Vasile Nicolae Ioana "
    "Elena",
}
SURNAMES = {
    "arabic": "Haddad Khoury Mansour Saleh Hamdan Abdelrahman Darwish Suleiman Othman Qasim "
    "Hijazi Farouk Jaber Bakr Nassar Shalabi Tamimi Zoubi Masri Najjar",
    "kurdish": "Barzani Talabani Rasul Mahmud Kareem Hama Aziz Jaff Dizayee Hawrami Sulaimani "
    "Mirani Zebari Bapir Qadir Berwari",
    "turkish": "Yilmaz Kaya Demir Sahin Celik Yildiz Yildirim Ozturk Aydin Ozdemir Arslan Dogan "
    "Kilic Aslan Cetin Kara Koc Kurt Ozkan Simsek Polat Erdogan",
    "afghan": "Popal Popalzai Ahmadzai Karzai Stanekzai Safi Mohmand Noorzai Hotak Sultani "
    "Rahimi Hakimi Amiri Sadat Wardak Mangal Niazi Shinwari Durrani Azizi Habibi",
    "chinese": "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Guo He Lin Luo Zheng",
    "portuguese": "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Sousa "
    "Fernandes Goncalves Gomes Lopes Marques Alves Almeida Ribeiro Pinto Carvalho Teixeira "
    "Moreira Correia Mendes Nunes Soares Vieira Monteiro Cardoso Rocha",
    "english": "Whitworth Pickering Greenwood Butterworth Ackroyd Barraclough Holroyd Sutcliffe "
    "Crabtree Ormerod Hargreaves Lumb Marsden Pilling Rawlinson Tattersall",
    "pakistani": "Chaudhry Rana Qureshi Malik Mirza Bhatti Awan Butt Raja Sheikh Abbasi Janjua",
    "punjabi": "Sandhu Dhillon Sidhu Gill Bains Chahal Dhaliwal Grewal Johal Mann Virdi Bassi",
    "bangladeshi": "Uddin Rahman Islam Hoque Miah Begum Choudhury Ullah Alam Khatun",
    "polish": "Kowalczyk Wisniewski Wojcik Kaminski Lewandowski Zielinski Szymanski Dabrowski",
    "romanian": "Popescu Ionescu Constantin Dumitru Stan Stoica Gheorghe Munteanu Lungu",
}
NEW_ORIGINS = ("arabic", "kurdish", "turkish", "afghan", "chinese", "portuguese")
ORIGINS = tuple(FORENAMES)


def _pool(table: dict[str, str]) -> dict[str, list[str]]:
    return {origin: names.split() for origin, names in table.items()}


FORENAME_POOL = _pool(FORENAMES)
SURNAME_POOL = _pool(SURNAMES)

# --- how one name is written differently ---------------------------------------------------
# Each family: spellings of one name (first the one we register, then those typed for it).

TRANSLITERATED_FORENAMES = {
    "arabic": [
        "Mohammed Muhammad Mohamad Mohamed",
        "Youssef Yousef Yusuf Youssif",
        "Mahmoud Mahmood Mahmud",
        "Khaled Khalid",
        "Tarek Tariq Tarik",
        "Walid Waleed",
        "Hisham Hesham",
        "Ayman Aiman",
        "Ziad Ziyad Zeyad",
        "Mustafa Mostafa Moustafa",
        "Ibrahim Ebrahim Ibraheem",
        "Abdullah Abdallah",
        "Omar Umar",
        "Osama Usama",
        "Aisha Aysha Ayesha",
        "Huda Houda",
        "Layla Leila Laila",
        "Noor Nour Nur",
    ],
    "kurdish": [
        "Rebwar Rebuar",
        "Shvan Shwan",
        "Hemin Hemn",
        "Hawre Hawri",
        "Hoshyar Hushyar",
        "Rozhin Rojin",
        "Sirwan Serwan",
        "Dilshad Dilshaad",
    ],
    "turkish": [
        "Huseyin Husein Hussein",
        "Hasan Hassan",
        "Ismail Ismael",
        "Osman Othman Usman",
        "Ahmet Ahmed",
        "Mehmet Mehmed",
        "Ayse Aishe",
    ],
    "afghan": [
        "Zabihullah Zabiullah Zabihollah",
        "Rahmatullah Rahmatulla Rahmatollah",
        "Najibullah Najibulla Najeebullah",
        "Habib Habeeb",
        "Jawad Javad",
        "Shafiq Shafique Shafeeq",
        "Qais Qays Kais",
        "Naveed Navid Nawid",
        "Sohail Suhail Sohayl",
        "Sayed Sayyid Syed",
        "Farid Fareed",
        "Hamid Hameed",
        "Freshta Fereshta Fereshteh",
        "Zarghona Zarghuna",
    ],
    "chinese": [
        "Zhiwei Chih-Wei",
        "Xiaoming Hsiao-Ming",
        "Jianguo Chien-Kuo",
        "Qiang Chiang",
        "Jun Chun",
        "Jing Ching",
        "Xiaoling Hsiao-Ling",
    ],
    "portuguese": [
        "Luis Luiz",
        "Tiago Thiago",
        "Rafael Raphael",
        "Filipe Felipe",
        "Sergio Serjio",
        "Vinicius Vinicios",
    ],
}
TRANSLITERATED_SURNAMES = {
    "chinese": [
        "Zhang Cheung Chang",
        "Chen Chan Chin",
        "Liu Lau Lou",
        "Huang Wong Hwang",
        "Li Lee",
        "Lin Lam Lim",
        "Wu Ng Woo",
        "Zhou Chow Chou",
        "Xu Hsu Hui",
        "Yang Yeung",
        "Zheng Cheng",
        "Guo Kwok Kuo",
        "He Ho",
        "Zhao Chiu Chao",
        "Luo Law Lo",
        "Sun Suen",
    ],
    "arabic": [
        "Abdelrahman Abdulrahman Abdel-Rahman",
        "Othman Osman Uthman",
        "Qasim Kassim Qassem Kasem",
        "Hijazi Hegazy Hegazi",
        "Suleiman Sulaiman Soliman",
        "Darwish Darweesh",
        "Farouk Farouq Faruq",
        "Jaber Jabir",
        "Mansour Mansur",
    ],
    "kurdish": [
        "Rasul Rasool",
        "Mahmud Mahmood",
        "Kareem Karim",
        "Qadir Kadir Qader",
        "Aziz Azeez",
        "Dizayee Dizayi Dizai",
        "Zebari Zibari",
        "Bapir Bapeer",
    ],
    "afghan": [
        "Popalzai Popolzai Popalzay",
        "Ahmadzai Ahmedzai",
        "Stanekzai Stanikzai",
        "Noorzai Nurzai",
        "Mohmand Momand",
        "Shinwari Shinwary",
        "Hakimi Hakeemi",
        "Rahimi Raheemi",
        "Sultani Soltani",
        "Durrani Durani",
    ],
    "turkish": [
        "Sahin Shahin",
        "Celik Chelik",
        "Ozturk Oezturk",
        "Ozdemir Oezdemir",
        "Kilic Kilich",
        "Dogan Doghan",
    ],
    "portuguese": [
        "Sousa Souza",
        "Goncalves Gonsalves",
        "Fernandes Fernandez",
        "Rodrigues Rodriguez",
    ],
}
# A name written with its own letters (as an authority whose system keeps them would) and as
# typed on an English keyboard.
DIACRITICS = {
    "turkish": {
        "forenames": "Hüseyin Uğur İsmail Ayşe Gülşen Şükrü Çağlar Öykü",
        "surnames": "Yılmaz Şahin Çelik Yıldız Öztürk Aydın Doğan Kılıç Koç Şimşek Erdoğan",
    },
    "portuguese": {
        "forenames": "João José António Luís Sérgio Conceição Inês Estêvão",
        "surnames": "Gonçalves Simões Guimarães Magalhães Araújo Conceição Brandão Falcão",
    },
    "kurdish": {"forenames": "Şêrko Dîlan Rêbaz Hêmin", "surnames": "Berwarî Zêbarî"},
}
SPACED = {  # one name written joined, spaced or hyphenated
    "chinese": ["Xiaoming|Xiao Ming", "Zhiwei|Zhi Wei", "Jianguo|Jian-Guo", "Haoran|Hao Ran"],
    "arabic": ["Abdelrahman|Abdel Rahman", "Abdullah|Abd Allah", "Abdelkader|Abdel Kader"],
    "afghan": ["Mirwais|Mir Wais", "Gulbuddin|Gul Buddin", "Abdulhadi|Abdul Hadi"],
    "portuguese": ["Dasilva|Da Silva"],
}
NICKNAMES = {
    "english": [
        "Anthony Tony",
        "Christopher Chris",
        "William Bill",
        "Robert Bob",
        "Edward Ted",
        "Frederick Fred",
        "Jonathan Jon",
        "Margaret Peggy",
        "Elizabeth Liz",
        "Kenneth Ken",
    ],
    "portuguese": [
        "Jose Ze",
        "Francisco Chico",
        "Fernando Nando",
        "Joaquim Quim",
        "Manuel Manel",
        "Eduardo Edu",
        "Antonio Toni",
    ],
    "turkish": ["Ibrahim Ibo", "Mehmet Memo", "Mustafa Musti"],
    "afghan": [
        "Zabihullah Zabi",
        "Rahmatullah Rahmat",
        "Najibullah Najib",
        "Habibullah Habib",
        "Hayatullah Hayat",
    ],
    "arabic": ["Mohammed Mo", "Abdullah Abdu", "Ibrahim Ibby", "Mahmoud Hamoudi"],
    "polish": ["Krzysztof Krzys", "Grzegorz Grzes", "Wojciech Wojtek", "Katarzyna Kasia"],
}
CROSS_LANGUAGE = [  # the same name in another language, as an English-speaking officer types it
    ("portuguese", "Joao", "John"),
    ("portuguese", "Jose", "Joseph"),
    ("portuguese", "Pedro", "Peter"),
    ("portuguese", "Miguel", "Michael"),
    ("portuguese", "Tiago", "James"),
    ("portuguese", "Andre", "Andrew"),
    ("arabic", "Ibrahim", "Abraham"),
    ("arabic", "Yousef", "Joseph"),
    ("arabic", "Dawood", "David"),
    ("arabic", "Suleiman", "Solomon"),
    ("arabic", "Yaqub", "Jacob"),
    ("arabic", "Maryam", "Mary"),
    ("turkish", "Mehmet", "Mohammed"),
    ("turkish", "Yakup", "Jacob"),
    ("turkish", "Davut", "David"),
    ("kurdish", "Aram", "Aaron"),
    ("afghan", "Yousuf", "Joseph"),
    ("polish", "Krzysztof", "Christopher"),
    ("polish", "Grzegorz", "Gregory"),
    ("romanian", "Gheorghe", "George"),
]
COMPOUND_SURNAMES = {  # two family names, either used alone
    "portuguese": [
        "Costa Pereira",
        "Santos Silva",
        "Ferreira Gomes",
        "Oliveira Martins",
        "Sousa Lopes",
        "Almeida Ribeiro",
        "Pinto Carvalho",
        "Rocha Mendes",
    ],
    "english": ["Whitworth-Hargreaves", "Ackroyd-Marsden", "Lumb-Pickering"],
    "afghan": ["Ahmadzai Wardak", "Safi Mohmand"],
    "arabic": ["Haddad Khoury", "Saleh Hamdan"],
}
PARTICLE_SURNAMES = {  # a particle the officer leaves off
    "portuguese": ["da Silva", "dos Santos", "de Souza", "da Costa", "do Carmo", "de Oliveira"],
    "arabic": ["Al-Amin", "El-Sayed", "Al-Hashimi", "El-Masri", "Al-Tamimi", "Al-Najjar"],
    "kurdish": ["Al-Barzinji"],
}
SECOND_FORENAMES = {  # a second given name some people go by
    "portuguese": ["Pedro", "Paulo", "Miguel", "Carlos", "Luis", "Manuel", "Maria", "Rita"],
    "afghan": ["Shah", "Zia", "Jan", "Khan", "Gul", "Ullah"],
    "arabic": ["Ali", "Hassan", "Kamal", "Nabil", "Amin"],
    "turkish": ["Can", "Emre", "Ali", "Kemal"],
    "kurdish": ["Aram", "Kawa", "Dara"],
    "chinese": [],
    "english": ["John", "Paul", "James", "Michael", "Anne", "Louise"],
    "pakistani": ["Ali", "Akbar", "Asif", "Tariq"],
    "punjabi": ["Singh"],
    "bangladeshi": ["Ali", "Uddin", "Miah"],
    "polish": ["Jan", "Piotr", "Pawel"],
    "romanian": ["Ion", "Andrei"],
}
# People who are not on the register, and the registered look-alike whose name sounds like theirs.
SURNAME_GOES_ON = [  # (registered, unregistered): the second starts with the first
    ("Kaya", "Kayacan"),
    ("Demir", "Demirci"),
    ("Aslan", "Aslaner"),
    ("Kara", "Karaca"),
    ("Popal", "Popalzai"),
    ("Ahmad", "Ahmadzai"),
    ("Safi", "Safiullah"),
    ("Amir", "Amiri"),
    ("Hakim", "Hakimi"),
    ("Aziz", "Azizi"),
    ("Habib", "Habibi"),
    ("Hama", "Hamawandi"),
    ("Silva", "Silvestre"),
    ("Costa", "Costello"),
    ("Lee", "Leeming"),
    ("Mann", "Manning"),
    ("Hall", "Halliday"),
    ("Li", "Liang"),
    ("Ma", "Mahon"),
    ("Saleh", "Salehi"),
    ("Shah", "Shahzad"),
    ("Khan", "Khanna"),
    ("Rana", "Ranawat"),
    ("Gill", "Gillespie"),
]
SURNAME_RHYMES = [  # distinct surnames that sound alike
    ("Pereira", "Ferreira"),
    ("Santos", "Santana"),
    ("Costa", "Acosta"),
    ("Rocha", "Rocca"),
    ("Moreira", "Moreno"),
    ("Kaya", "Kara"),
    ("Celik", "Cetin"),
    ("Aydin", "Aydemir"),
    ("Koc", "Kocak"),
    ("Haddad", "Hadid"),
    ("Hamdan", "Hamadi"),
    ("Jaber", "Jabbar"),
    ("Barzani", "Barzinji"),
    ("Zebari", "Zubairi"),
    ("Sadat", "Saadi"),
    ("Zhou", "Zhu"),
    ("Liu", "Lu"),
    ("Xu", "Xue"),
    ("Wang", "Wan"),
    ("Zhang", "Zhan"),
    ("Huang", "Kuang"),
    ("Lin", "Ling"),
    ("Dawson", "Dobson"),
    ("Robson", "Robinson"),
]
FORENAME_SIBLINGS = [  # distinct forenames that sound alike: brothers, sisters, twins
    ("Amin", "Amir"),
    ("Jamal", "Kamal"),
    ("Omar", "Ammar"),
    ("Emre", "Emir"),
    ("Burak", "Berk"),
    ("Kaan", "Kenan"),
    ("Mert", "Mete"),
    ("Rebwar", "Rebaz"),
    ("Karwan", "Kawan"),
    ("Farid", "Farhad"),
    ("Nasir", "Nasim"),
    ("Sohail", "Suhaib"),
    ("Wei", "Wen"),
    ("Jun", "Jin"),
    ("Hao", "Hai"),
    ("Ming", "Min"),
    ("Rui", "Raul"),
    ("Mario", "Marco"),
    ("Fernando", "Fernanda"),
    ("Luis", "Luisa"),
    ("Samir", "Samira"),
    ("Adam", "Adham"),
    ("Dara", "Darya"),
    ("Gary", "Gareth"),
]

# --- slips: made mechanically ----------------------------------------------------------------

KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _beside(letter: str) -> list[str]:
    lower = letter.lower()
    for row in KEYBOARD:
        i = row.find(lower)
        if i >= 0:
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            return [n.upper() if letter.isupper() else n for n in near]
    return []


def slip(word: str, rnd: random.Random) -> str:
    """One typing slip inside the word (never its first letter): a key beside the one meant,
    a letter dropped or doubled, or two letters swapped."""
    for _ in range(50):
        i = rnd.randrange(1, len(word))
        how = rnd.choice(("beside", "drop", "double", "swap"))
        if how == "beside" and _beside(word[i]):
            out = word[:i] + rnd.choice(_beside(word[i])) + word[i + 1 :]
        elif how == "drop" and len(word) > 4:
            out = word[:i] + word[i + 1 :]
        elif how == "double":
            out = word[:i] + word[i] + word[i:]
        elif how == "swap" and i + 1 < len(word):
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            continue
        if out.lower() != word.lower():
            return out
    raise ValueError(word)


def plain(text: str) -> str:
    """As typed on an English keyboard: no accents, dotless i as i."""
    text = text.replace("ı", "i").replace("İ", "I")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# --- dates of birth ------------------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 1945, 2004


def birth_date(rnd: random.Random, swappable: bool = False) -> date:
    while True:
        born = date(FIRST_YEAR, 1, 1) + timedelta(days=rnd.randrange(365 * (LAST_YEAR - 1945)))
        if not swappable or (born.day <= 12 and born.day != born.month):
            return born


def _other_digit(value: int, position: int, top: int, rnd: random.Random) -> int | None:
    text = f"{value:02d}"
    options = [
        int(text[:position] + d + text[position + 1 :])
        for d in "0123456789"
        if d != text[position] and 1 <= int(text[:position] + d + text[position + 1 :]) <= top
    ]
    return rnd.choice(options) if options else None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day) if FIRST_YEAR - 10 <= year <= LAST_YEAR + 4 else None
    except ValueError:
        return None


def dob_swapped(born: date, rnd: random.Random) -> date | None:
    return _valid(born.year, born.day, born.month) if born.day <= 12 else None


def dob_day_slip(born: date, rnd: random.Random) -> date | None:
    day = _other_digit(born.day, rnd.randrange(2), 31, rnd)
    return _valid(born.year, born.month, day) if day else None


def dob_month_slip(born: date, rnd: random.Random) -> date | None:
    month = _other_digit(born.month, rnd.randrange(2), 12, rnd)
    return _valid(born.year, month, born.day) if month else None


def dob_year_units(born: date, rnd: random.Random) -> date | None:
    year = born.year - born.year % 10 + rnd.choice([d for d in range(10) if d != born.year % 10])
    return _valid(year, born.month, born.day)


def dob_year_tens(born: date, rnd: random.Random) -> date | None:
    """The tens digit of the year wrong, by any amount (1985 typed 1955 or 1965)."""
    tens = born.year // 10 % 10
    year = born.year + 10 * (rnd.choice([d for d in range(10) if d != tens]) - tens)
    return _valid(year, born.month, born.day)


def dob_year_one_out(born: date, rnd: random.Random) -> date | None:
    return _valid(born.year + rnd.choice((-1, 1)), born.month, born.day)


def dob_year_transposed(born: date, rnd: random.Random) -> date | None:
    tens, units = divmod(born.year % 100, 10)
    if tens == units:
        return None
    return _valid(born.year - born.year % 100 + units * 10 + tens, born.month, born.day)


DATE_KINDS = {
    "dob_day_month_swapped": dob_swapped,
    "dob_day_slip": dob_day_slip,
    "dob_month_slip": dob_month_slip,
    "dob_year_last_digit": dob_year_units,
    "dob_year_tens_digit": dob_year_tens,
    "dob_year_one_out": dob_year_one_out,
    "dob_year_digits_swapped": dob_year_transposed,
}

# --- people and name variants ----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    forenames: str
    surname: str
    born: date
    origin: str

    @property
    def first(self) -> str:
        return self.forenames.split()[0]


def _families(table: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    return [(origin, family.split()) for origin, families in table.items() for family in families]


def _pick_origin(rnd: random.Random) -> str:
    # Half the people come from the origins the other sets barely cover.
    return rnd.choice(NEW_ORIGINS) if rnd.random() < 0.6 else rnd.choice(ORIGINS)


class Names:
    """A record of the right shape for a kind, and the query an officer types for it.

    Each name variant has a `need_*` (what the record must have: a family of spellings, two
    forenames, a compound surname) and a `vary_*` (what the query does to it)."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd

    # what the record is made of
    def forename(self, origin: str) -> str:
        return self.rnd.choice(FORENAME_POOL[origin])

    def surname(self, origin: str) -> str:
        return self.rnd.choice(SURNAME_POOL[origin])

    def second(self, origin: str) -> str:
        pool = SECOND_FORENAMES[origin] or FORENAME_POOL[origin]
        return self.rnd.choice(pool)

    # name variants: (the forename part, the surname part) of a record; a variant may set
    # one or both. Returns (record forenames, record surname, origin, query forenames, query
    # surname).
    def exact(self, origin):
        f, s = self.forename(origin), self.surname(origin)
        return f, s, origin, f, s

    def initial(self, origin):
        f, s = self.forename(origin), self.surname(origin)
        if self.rnd.random() < 0.4:
            f = f"{f} {self.second(origin)}"
            typed = " ".join(part[0] for part in f.split())
        else:
            typed = f[0] + ("." if self.rnd.random() < 0.5 else "")
        return f, s, origin, typed, s

    def nickname(self, origin):
        origin, (full, short) = self._family(NICKNAMES)
        return full, self.surname(origin), origin, short, None

    def typo_forename(self, origin):
        f = self.rnd.choice([n for n in FORENAME_POOL[origin] if len(n) >= 4] or ["Gareth"])
        return f, self.surname(origin), origin, slip(f, self.rnd), None

    def typo_surname(self, origin):
        s = self.rnd.choice([n for n in SURNAME_POOL[origin] if len(n) >= 4] or ["Pickering"])
        return self.forename(origin), s, origin, None, slip(s, self.rnd)

    def middle_as_forename(self, origin):
        f, m = self.forename(origin), self.second(origin)
        return f"{f} {m}", self.surname(origin), origin, m, None

    def middle_name_missing(self, origin):
        f, m = self.forename(origin), self.second(origin)
        return f"{f} {m}", self.surname(origin), origin, f, None

    def order_swapped(self, origin):
        f, s = self.forename(origin), self.surname(origin)
        return f, s, origin, s, f

    def compound_part(self, origin):
        origin, family = self._family(COMPOUND_SURNAMES, whole=True)
        parts = family.replace("-", " ").split()
        return self.forename(origin), family, origin, None, self.rnd.choice(parts)

    def particle_dropped(self, origin):
        origin, family = self._family(PARTICLE_SURNAMES, whole=True)
        return self.forename(origin), family, origin, None, family.split("-")[-1].split()[-1]

    def transliteration_forename(self, origin):
        origin, family = self._family(TRANSLITERATED_FORENAMES)
        return family[0], self.surname(origin), origin, self.rnd.choice(family[1:]), None

    def transliteration_surname(self, origin):
        origin, family = self._family(TRANSLITERATED_SURNAMES)
        return self.forename(origin), family[0], origin, None, self.rnd.choice(family[1:])

    def cross_language_forename(self, origin):
        origin, own, english = self.rnd.choice(CROSS_LANGUAGE)
        return own, self.surname(origin), origin, english, None

    def diacritics(self, origin):
        origin = self.rnd.choice(sorted(DIACRITICS))
        pools = {k: v.split() for k, v in DIACRITICS[origin].items()}
        f = self.rnd.choice(pools["forenames"])
        s = self.rnd.choice(pools["surnames"] + [self.surname(origin)])
        return f, s, origin, plain(f), plain(s)

    def spacing(self, origin):
        origin, (joined, spaced) = self._family(
            {o: [v.replace(" ", "_").replace("|", " ") for v in vs] for o, vs in SPACED.items()}
        )
        joined, spaced = joined.replace("_", " "), spaced.replace("_", " ")
        if joined == "Dasilva":  # a surname: the register holds it spaced, typed joined
            return self.forename(origin), spaced, origin, None, joined
        return spaced, self.surname(origin), origin, joined, None

    def _family(self, table, whole: bool = False):
        entries = [(o, v) for o, vs in table.items() for v in vs]
        origin, value = self.rnd.choice(entries)
        return origin, (value if whole else value.split())


# Name variants, each with the part of the name it touches (two variants in one pair must
# touch different parts, or one must leave the other's part alone).
NAME_KINDS = {
    "initial": "forename",
    "nickname": "forename",
    "typo_forename": "forename",
    "middle_as_forename": "forename",
    "middle_name_missing": "forename",
    "transliteration_forename": "forename",
    "cross_language_forename": "forename",
    "typo_surname": "surname",
    "compound_part": "surname",
    "particle_dropped": "surname",
    "transliteration_surname": "surname",
    "order_swapped": "both",
    "diacritics": "both",
    "spacing": "either",
}
# Name variants also tried with every date slip (the ones an officer most often meets).
WITH_DATES = [
    "initial",
    "nickname",
    "typo_forename",
    "typo_surname",
    "middle_as_forename",
    "order_swapped",
    "compound_part",
    "transliteration_forename",
    "transliteration_surname",
]
# Pairs of name variants: the forename variant makes the record's forename (and picks its
# origin), the surname variant its surname (from its own table where it has one).
NAME_PAIRS = [
    ("nickname", "typo_surname"),
    ("initial", "typo_surname"),
    ("initial", "transliteration_surname"),
    ("transliteration_forename", "transliteration_surname"),
    ("transliteration_forename", "typo_surname"),
    ("middle_as_forename", "typo_surname"),
    ("middle_as_forename", "transliteration_surname"),
    ("typo_forename", "typo_surname"),
    ("typo_forename", "compound_part"),
    ("nickname", "compound_part"),
    ("middle_name_missing", "particle_dropped"),
    ("initial", "particle_dropped"),
    ("cross_language_forename", "typo_surname"),
    ("transliteration_forename", "order_swapped"),
    ("nickname", "order_swapped"),
]
ALONE = 14
WITH_DATE = 6
PAIRED = 6
UNREGISTERED = 30


class Maker:
    def __init__(self) -> None:
        self.rnd = random.Random(SEED)
        self.names = Names(self.rnd)
        self.rows: list[dict] = []

    def add(self, kind, label, record: Person, typed: Person, note: str) -> None:
        self.rows.append(
            {
                "pair_id": len(self.rows) + 1,
                "kind": kind,
                "label": label,
                "record_forenames": record.forenames,
                "record_surname": record.surname,
                "record_date_of_birth": record.born.isoformat(),
                "record_former_forenames": "",
                "record_former_surname": "",
                "record_gb_licence": "",
                "record_ni_licence": "",
                "record_ni_number": "",
                "query_identifier": "",
                "query_forenames": typed.forenames,
                "query_surname": typed.surname,
                "query_date_of_birth": typed.born.isoformat(),
                "origin": record.origin,
                "note": note,
            }
        )

    def _name(self, kind: str) -> tuple[str, str, str, str, str]:
        f, s, origin, qf, qs = getattr(self.names, kind)(_pick_origin(self.rnd))
        return f, s, origin, f if qf is None else qf, s if qs is None else qs

    def _both(self, first: str, second: str) -> tuple[str, str, str, str, str]:
        """A record both variants apply to: the first's forename, the second's surname."""
        f, _, origin, qf, _ = self._name(first)
        _, s, _, _, qs = getattr(self.names, second)(origin)
        if second == "order_swapped":  # the other way round, after the forename variant
            s = self.names.surname(origin)
            return f, s, origin, s, qf
        if qs is None:
            qs = s
        return f, s, origin, qf, qs

    def pair(self, kind: str, names, date_kind: str | None) -> None:
        for _ in range(100):
            f, s, origin, qf, qs = names()
            born = birth_date(self.rnd, swappable=date_kind == "dob_day_month_swapped")
            typed_born = DATE_KINDS[date_kind](born, self.rnd) if date_kind else born
            if typed_born is None or (typed_born == born and date_kind):
                continue
            if (qf, qs, typed_born) == (f, s, born) and kind != "exact":
                continue
            record = Person(f, s, born, origin)
            self.add(kind, "same", record, Person(qf, qs, typed_born, origin), kind)
            return
        raise RuntimeError(kind)

    def alone(self) -> None:
        self._many("exact", lambda: self._name("exact"), None, ALONE)
        for kind in NAME_KINDS:
            self._many(kind, lambda kind=kind: self._name(kind), None, ALONE)
        for date_kind in DATE_KINDS:
            self._many(date_kind, lambda: self._name("exact"), date_kind, ALONE)

    def name_with_date(self) -> None:
        for kind in WITH_DATES:
            for date_kind in DATE_KINDS:
                self._many(
                    f"{kind}+{date_kind}", lambda kind=kind: self._name(kind), date_kind, WITH_DATE
                )

    def name_with_name(self) -> None:
        for first, second in NAME_PAIRS:
            self._many(
                f"{first}+{second}",
                lambda first=first, second=second: self._both(first, second),
                None,
                PAIRED,
            )

    def _many(self, kind, names, date_kind, count) -> None:
        for _ in range(count):
            self.pair(kind, names, date_kind)

    def unregistered(self) -> None:
        """Someone not on the register, searched for on a look-alike's date of birth."""
        rnd = self.rnd
        for kind, table, part in (
            ("unregistered_surname_goes_on", SURNAME_GOES_ON, "surname"),
            ("unregistered_surname_rhymes", SURNAME_RHYMES, "surname"),
            ("unregistered_forename_sibling", FORENAME_SIBLINGS, "forename"),
        ):
            for i in range(UNREGISTERED):
                registered, other = table[i % len(table)]
                if rnd.random() < 0.5 and part == "forename":
                    registered, other = other, registered  # either one may be registered
                origin = _pick_origin(rnd)
                born = birth_date(rnd)
                if part == "surname":
                    f = self.names.forename(origin)
                    record = Person(f, registered, born, origin)
                    typed = Person(f, other, born, origin)
                else:
                    s = self.names.surname(origin)
                    record = Person(registered, s, born, origin)
                    typed = Person(other, s, born, origin)
                self.add(kind, "unregistered", record, typed, f"{registered} is not {other}")
        for _ in range(UNREGISTERED):  # both the forename and the surname sound alike
            f1, f2 = FORENAME_SIBLINGS[rnd.randrange(len(FORENAME_SIBLINGS))]
            s1, s2 = rnd.choice(SURNAME_GOES_ON + SURNAME_RHYMES)
            born = birth_date(rnd)
            self.add(
                "unregistered_both_sound_alike",
                "unregistered",
                Person(f1, s1, born, "mixed"),
                Person(f2, s2, born, "mixed"),
                f"{f1} {s1} is not {f2} {s2}",
            )

    def make(self) -> list[dict]:
        self.alone()
        self.name_with_date()
        self.name_with_name()
        self.unregistered()
        return self.rows


def make() -> list[dict]:
    return Maker().make()


def make_rows_as_written() -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items()} for row in make()]


# --- the register around the pairs ------------------------------------------------------------

CROWD_PER_DATE = 6
BACKGROUND = 8000


def _key(text: str) -> str:
    return "".join(c for c in plain(text).upper() if "A" <= c <= "Z")


def _alike(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return a[:2] == b[:2] or a[-3:] == b[-3:] or quality.edit_distance(a, b) <= 3


def could_be(person: tuple[str, str, date], pair: dict) -> bool:
    """Could an officer take this crowd member for the person a pair is about (the record or
    the query)? Any forename and any surname part alike, either way round."""
    forenames, surname, _ = person
    mine = [_key(w) for w in f"{forenames} {surname}".replace("-", " ").split()]
    for f, s in (
        (pair["query_forenames"], pair["query_surname"]),
        (pair["record_forenames"], pair["record_surname"]),
    ):
        theirs_f = [_key(w) for w in f.replace("-", " ").replace(".", " ").split()]
        theirs_s = [_key(w) for w in s.replace("-", " ").split()]
        if any(_alike(a, b) for a in theirs_f for b in mine) and any(
            _alike(a, b) for a in theirs_s for b in mine
        ):
            return True
    return False


def _near(a: date, b: date) -> bool:
    """Dates a search could take for one another: the same day of the year, or the same year
    and month or day, or the same year and month swapped."""
    return (a.month, a.day) == (b.month, b.day) or (
        a.year == b.year
        and (a.month == b.month or a.day == b.day or (a.day, a.month) == (b.month, b.day))
    )


def _anyone(rnd: random.Random) -> tuple[str, str]:
    origin = rnd.choice(ORIGINS)
    f = rnd.choice(FORENAME_POOL[origin])
    if rnd.random() < 0.25:
        f += " " + rnd.choice(SECOND_FORENAMES[origin] or FORENAME_POOL[origin])
    return f, rnd.choice(SURNAME_POOL[origin])


def crowd(pairs: list[dict], seed: int = SEED + 1) -> list[tuple[str, str, date]]:
    """Six people on every date of birth the set uses and a background of 8,000, none of
    whom an officer could take for a person a pair is about."""
    rnd = random.Random(seed)
    by_date: dict[date, list[dict]] = {}
    for p in pairs:
        for column in ("record_date_of_birth", "query_date_of_birth"):
            by_date.setdefault(date.fromisoformat(p[column]), []).append(p)
    by_year: dict[int, list[tuple[date, dict]]] = {}
    for born, there in by_date.items():
        for p in there:
            by_year.setdefault(born.year, []).append((born, p))
    people = []
    for born, there in sorted(by_date.items()):
        added = 0
        while added < CROWD_PER_DATE:
            person = (*_anyone(rnd), born)
            if not any(could_be(person, p) for p in there):
                people.append(person)
                added += 1
    by_day: dict[tuple[int, int], list[dict]] = {}
    for born, there in by_date.items():
        by_day.setdefault((born.month, born.day), []).extend(there)
    while len(people) < len(by_date) * CROWD_PER_DATE + BACKGROUND:
        f, s = _anyone(rnd)
        born = birth_date(rnd)
        near = [p for b, p in by_year.get(born.year, []) if _near(b, born)]
        near += by_day.get((born.month, born.day), [])
        if not any(could_be((f, s, born), p) for p in near):
            people.append((f, s, born))
    return people


def main() -> None:
    rows = make()
    quality.write_pairs(OUT, rows, COLUMNS)
    same = sum(r["label"] == "same" for r in rows)
    print(f"wrote {len(rows)} pairs ({same} same person, {len(rows) - same} unregistered) to {OUT}")


if __name__ == "__main__":
    main()
