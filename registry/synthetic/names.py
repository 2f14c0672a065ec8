"""Name pools for the synthetic register, and the spelling variants real registers hold.

The pools are hand-written from the names common in each community that drives taxis in
England and Wales (ONS and NHS first-name tables, surname frequency lists), topped up from
`faker`'s en_GB, en_IE, ro_RO, yo_NG and tw_GH person providers for variety. A weight is
written as `Name:7` (default 1); a pool is expanded once into a tuple with repetitions, so
drawing from it is a single index, not a weighted choice.

`VARIANTS` describes how the synthetic data spells one person differently at different
councils; the seed uses it to record aliases. The search deliberately does not use it (its
name knowledge comes from maintained sources: see registry/names.py), so the seed does not
test the search against its own answers.
"""

from __future__ import annotations

import faker.providers.person.en_GB as _faker_gb
import faker.providers.person.en_IE as _faker_ie
import faker.providers.person.ro_RO as _faker_ro
import faker.providers.person.tw_GH as _faker_gh
import faker.providers.person.yo_NG as _faker_ng


def pool(text: str, *extra: tuple[str, ...]) -> tuple[str, ...]:
    """'Mohammed:30 Imran:8 Asif' -> a tuple with each name repeated by its weight.

    Names with a space are written with '_' (Abdul_Rashid). `extra` names are appended once
    each (faker's lists), skipping any already present.
    """
    out: list[str] = []
    seen: set[str] = set()
    for item in text.split():
        name, _, weight = item.partition(":")
        name = name.replace("_", " ")
        seen.add(name)
        out += [name] * (int(weight) if weight else 1)
    for names in extra:
        for name in names:
            if name not in seen:
                seen.add(name)
                out.append(name)
    return tuple(out)


def _faker_weighted(names: dict[str, float], scale: float) -> tuple[str, ...]:
    """Faker's weighted surname table as repetitions (at least one each)."""
    return tuple(n for n, w in names.items() for _ in range(max(1, round(w * scale))))


# --- English and Welsh ----------------------------------------------------------------------

ENGLISH_MALE = pool(
    "John:9 David:10 Paul:8 Mark:8 Michael:8 Andrew:7 Stephen:5 Steven:4 Peter:5 Ian:5 Gary:5 "
    "Kevin:4 Robert:5 Richard:5 Christopher:5 Anthony:4 James:6 Darren:3 Lee:3 Neil:3 Martin:3 "
    "Simon:3 Philip:3 Phillip:1 Graham:2 Keith:2 Colin:2 Brian:2 Alan:3 Stuart:2 Jason:3 Wayne:3 "
    "Dean:2 Craig:2 Carl:2 Shaun:2 Sean:1 Daniel:4 Matthew:4 Thomas:3 Jonathan:2 Nicholas:2 "
    "Timothy:1 Trevor:1 Barry:2 Terence:1 Raymond:1 Dennis:1 Roy:1 Derek:1 Geoffrey:1 Jeffrey:1 "
    "Kenneth:1 Malcolm:1 Nigel:2 Russell:1 Glenn:1 Adam:2 Ben:1 Luke:2 Jamie:2 Scott:2 Ryan:2 "
    "Liam:1 Joseph:2 William:2 George:1 Edward:1 Samuel:1 Jack:1 Tony:2 Steve:1 Dave:1 Mick:1",
    _faker_gb.Provider.first_names_male,
)
ENGLISH_FEMALE = pool(
    "Susan:4 Sarah:4 Julie:4 Karen:4 Tracey:3 Lisa:3 Michelle:3 Amanda:3 Nicola:3 Claire:3 "
    "Catherine:2 Kathryn:1 Katherine:2 Joanne:3 Helen:3 Deborah:2 Elizabeth:2 Jane:2 Emma:3 "
    "Donna:2 Kelly:2 Dawn:2 Angela:2 Sharon:2 Louise:2 Rachel:2 Samantha:2 Victoria:1",
    _faker_gb.Provider.first_names_female,
)
ENGLISH_SURNAMES = pool(
    "Smith:60 Jones:40 Williams:30 Taylor:30 Brown:28 Davies:22 Evans:18 Wilson:18 Thomas:16 "
    "Johnson:16 Roberts:16 Robinson:14 Thompson:14 Wright:14 Walker:14 White:12 Edwards:12 "
    "Hughes:12 Green:12 Hall:12 Lewis:12 Harris:12 Clarke:10 Clark:6 Jackson:10 Wood:10 Turner:8 "
    "Martin:8 Cooper:8 Hill:8 Ward:8 Morris:8 Moore:8 Lee:8 King:8 Baker:8 Harrison:8 Morgan:8 "
    "Allen:6 James:6 Scott:6 Phillips:6 Watson:6 Davis:6 Parker:6 Price:6 Bennett:6 Young:6 "
    "Griffiths:6 Mitchell:6 Kelly:6 Cook:6 Carter:6 Richardson:6 Bailey:6 Collins:6 Bell:6 "
    "Shaw:6 Murphy:4 Miller:4 Cox:4 Richards:4 Marshall:4 Simpson:4 Ellis:4 Adams:4 "
    "Singleton:2 Atkinson:3 Ashworth:3 Barlow:3 Holt:3 Whitehead:3 Hargreaves:3 Pickup:1",
    _faker_weighted(_faker_gb.Provider.last_names, 4),
)
# Double-barrelled English surnames, as a small share of the English pool.
ENGLISH_DOUBLE = pool(
    "Smith-Jones Lloyd-Davies Lloyd-Jones Owen-Jones Rees-Mogg Bowes-Lyon Fox-Taylor "
    "Hughes-Evans Baker-Smith Parry-Williams Clarke-Hall Moore-Wilson Price-Thomas "
    "Wyn-Jones Carter-Brown Taylor-Wood Scott-Walker Ward-Turner"
)

WELSH_MALE = pool(
    "Gareth:4 Rhys:4 Dafydd:3 Gwyn:2 Huw:3 Emyr:1 Aled:2 Geraint:2 Owain:2 Iwan:2 Dylan:2 Ieuan:1 "
    "Gethin:2 Carwyn:1 Alun:2 Dewi:2 Meirion:1 Trystan:1 Rhodri:2 Arwel:1 Cerith:1",
    ENGLISH_MALE[:200],
)
WELSH_FEMALE = pool(
    "Sian:3 Rhian:3 Catrin:2 Ffion:2 Bethan:2 Nia:2 Angharad:1 Carys:2 Eleri:1", ENGLISH_FEMALE[:80]
)
WELSH_SURNAMES = pool(
    "Jones:40 Williams:30 Davies:30 Evans:20 Thomas:20 Roberts:15 Hughes:12 Lewis:12 Morgan:12 "
    "Griffiths:10 Owen:10 Price:8 Rees:8 Jenkins:8 Lloyd:6 Pritchard:4 Powell:6 Parry:6 "
    "Vaughan:4 Phillips:6 James:6 Edwards:8 Howells:3 Bowen:4 Llewellyn:3 Watkins:4 Pugh:3",
)

# --- Irish ----------------------------------------------------------------------------------

IRISH_MALE = pool(
    "Sean:6 Patrick:6 Padraig:2 Ciaran:3 Declan:3 Michael:5 John:5 Brendan:3 Kieran:3 Colm:2 "
    "Eamon:2 Eamonn:1 Eoin:2 Fergal:2 Liam:3 Niall:2 Seamus:2 Dermot:2 Cormac:1 Conor:3 "
    "Darragh:1 Gerard:3 Kevin:3 Martin:3 Thomas:3 Brian:3 Donal:2 Aidan:2 Francis:2 Joseph:2",
)
IRISH_SURNAMES = pool(
    "O'Neill:8 O'Brien:8 McCarthy:6 O'Connor:6 Murphy:8 Kelly:8 Doyle:5 O'Sullivan:5 Byrne:5 "
    "Ryan:5 Walsh:5 O'Donnell:4 McLaughlin:4 Gallagher:4 Quinn:4 Kennedy:4 Lynch:4 "
    "Fitzgerald:4 O'Reilly:4 Reilly:2 Brennan:3 Dunne:3 McDonagh:2 Maguire:3 Nolan:3 "
    "Kavanagh:3 O'Connell:3 Murray:3 Duffy:3 McGuinness:2 O'Hara:3 McDonald:3 MacDonald:2 "
    "Mackenzie:2 McKenna:2 O'Carroll:2 O'Shea:2 O'Leary:2 McGrath:2 O'Driscoll:2",
    tuple(n for n in _faker_ie.Provider.last_names if n.startswith(("O'", "Mc", "Mac"))),
)

# --- South Asian ----------------------------------------------------------------------------

MUHAMMAD = ("Mohammed", "Muhammad", "Mohammad", "Mohamed", "Muhammed", "Mohammod")
MUSLIM_MALE = pool(
    "Mohammed:30 Muhammad:20 Mohammad:10 Mohamed:3 Muhammed:2 Imran:8 Asif:7 Tariq:6 Zahid:5 "
    "Shahid:5 Nadeem:5 Amjad:4 Arshad:5 Khalid:5 Waqar:3 Sajid:5 Naveed:4 Faisal:4 Usman:4 "
    "Adnan:5 Kamran:4 Rizwan:4 Abdul:6 Ali:4 Zulfiqar:3 Iftikhar:3 Javed:4 Shabir:3 Azhar:3 "
    "Nasir:4 Aftab:3 Shakeel:3 Shafiq:3 Tahir:4 Yasir:3 Aamir:3 Amir:3 Bilal:4 Hamza:3 Hassan:3 "
    "Haroon:3 Irfan:4 Jamil:2 Mubarak:2 Mushtaq:3 Nazir:2 Qaiser:2 Rashid:3 Saeed:3 Sohail:3 "
    "Waseem:4 Zafar:3 Zeeshan:3 Omar:3 Umar:3 Wajid:2 Majid:3 Abid:3 Akram:3 Asad:2 Atif:3 "
    "Fahim:2 Ghulam:2 Habib:2 Ishtiaq:2 Khurram:2 Liaqat:2 Mazhar:2 Nabeel:2 Raja:2 Shazad:3 "
    "Shahzad:3 Tanveer:3 Shamim:2 Abdul_Rashid:2 Abdul_Qadir:1 Abdul_Aziz:1 Mohammed_Ali:2",
)
# The second forename after Mohammed and its spellings ("Mohammed Imran").
MUSLIM_SECOND = tuple(n for n in MUSLIM_MALE if n not in MUHAMMAD and " " not in n and n != "Abdul")
MUSLIM_FEMALE = pool(
    "Nasreen:3 Shazia:3 Samina:2 Rubina:2 Farzana:3 Shabana:2 Nazia:2 Saima:3 Ayesha:3 Aisha:2 "
    "Fatima:3 Sadia:2 Amina:2 Rukhsana:2 Yasmin:3 Sobia:2 Nusrat:2 Tasleem:2 Rehana:2 Bushra:2",
)
MUSLIM_SURNAMES = pool(
    "Khan:30 Hussain:20 Ahmed:15 Akhtar:8 Ali:15 Iqbal:8 Mahmood:8 Rashid:5 Shah:8 Butt:6 "
    "Malik:8 Aslam:5 Rehman:5 Rahman:6 Miah:6 Uddin:6 Islam:5 Choudhury:5 Chowdhury:3 Hussein:3 "
    "Mirza:3 Qureshi:4 Sheikh:4 Anwar:4 Bashir:4 Hanif:3 Javed:3 Karim:3 Latif:3 Majid:3 "
    "Mehmood:3 Nawaz:3 Riaz:3 Saleem:3 Shafiq:2 Sadiq:3 Yousaf:3 Zaman:3 Younis:2 Arshad:2 "
    "Azam:2 Hoque:3 Alam:3 Hossain:3 Raja:3 Abbasi:2 Bhatti:3 Chaudhry:3 Din:2 Ditta:1 "
    "Farooq:3 Ghafoor:2 Haq:3 Ilyas:2 Jabbar:2 Kayani:2 Mughal:2 Naz:1 Rafiq:3 Sultan:2 Tahir:2",
)
MUSLIM_FEMALE_SURNAMES = pool("Bibi:6 Begum:8 Akhtar:4 Parveen:3 Kauser:2", MUSLIM_SURNAMES)

SIKH_MALE = pool(
    "Gurpreet:4 Harjinder:4 Jaswinder:4 Kuldip:3 Kuldeep:2 Sukhwinder:4 Rajinder:4 Amarjit:3 "
    "Paramjit:3 Balwinder:4 Manjit:3 Harpreet:3 Jaspal:3 Gurdeep:3 Sukhdev:3 Baljit:3 "
    "Parminder:3 Harvinder:3 Kulwant:3 Mandeep:3 Navdeep:2 Jagdeep:2 Ranjit:3 Satnam:3 "
    "Tarsem:2 Davinder:3 Inderjit:2 Lakhvir:2 Gurmit:2 Jasbir:3 Sarbjit:2 Bhupinder:2",
)
SIKH_FEMALE = pool(
    "Jaswinder:3 Harjinder:2 Rajinder:2 Manjit:2 Gurpreet:2 Paramjit:2 Amandeep:2 "
    "Simran:2 Harpreet:2 Kulwinder:2 Baljinder:1 Navneet:1"
)
SIKH_SURNAMES = pool(
    "Gill:8 Sandhu:7 Sidhu:6 Dhillon:6 Bains:5 Johal:4 Atwal:3 Grewal:4 Sahota:4 Sangha:3 "
    "Dhaliwal:4 Kang:3 Virdi:3 Bassi:3 Rai:3 Hayer:3 Chahal:3 Heer:2 Mann:3 Sohal:2 Bhamra:2 "
    "Basra:2 Cheema:3 Dosanjh:2 Kalsi:2 Matharu:2 Nijjar:2 Randhawa:3 Saini:2 Uppal:2",
)
HINDU_MALE = pool(
    "Rajesh:4 Sanjay:4 Amit:4 Vijay:3 Dinesh:3 Pravin:3 Mukesh:3 Suresh:3 Ramesh:3 Hitesh:3 "
    "Nilesh:3 Ashok:3 Anil:3 Sunil:3 Deepak:3 Bharat:2 Jayesh:2 Kamlesh:2 Manoj:3 Rakesh:3 "
    "Sandeep:3 Vinod:2 Yogesh:2 Kiran:2 Nitin:2 Paresh:2 Rajendra:2 Mahesh:2 Kishore:2 Arvind:2",
)
HINDU_FEMALE = pool(
    "Priya:2 Meena:2 Nisha:2 Kavita:2 Sunita:2 Anita:2 Hina:2 Rekha:2 Jyoti:2 "
    "Pooja:2 Bhavna:2 Geeta:2"
)
HINDU_SURNAMES = pool(
    "Patel:40 Shah:6 Mistry:5 Parmar:5 Chauhan:4 Kumar:6 Sharma:6 Joshi:4 Solanki:4 Gohil:2 "
    "Rana:3 Lad:2 Modi:2 Thakkar:3 Desai:3 Mehta:3 Pandya:2 Bhatt:3 Vaghela:2 Makwana:3 "
    "Chavda:2 Gupta:4 Verma:3 Lakhani:2 Kotecha:2 Vadher:1 Jadeja:1",
)

# --- Eastern European -----------------------------------------------------------------------

POLISH_MALE = pool(
    "Piotr:5 Tomasz:5 Krzysztof:5 Marcin:5 Paweł:4 Pawel:2 Michał:4 Michal:2 Łukasz:3 Lukasz:2 "
    "Grzegorz:3 Adam:3 Marek:3 Dariusz:3 Rafał:3 Rafal:1 Jakub:3 Mariusz:3 Robert:3 Sławomir:2 "
    "Wojciech:3 Artur:3 Kamil:3 Damian:3 Sebastian:3 Przemysław:2 Andrzej:3 Jarosław:2 Janusz:2",
)
POLISH_SURNAMES = pool(
    "Kowalski:5 Nowak:6 Wiśniewski:4 Wisniewski:2 Wójcik:4 Wojcik:2 Kowalczyk:4 Kamiński:3 "
    "Kaminski:2 Lewandowski:4 Zieliński:3 Szymański:3 Woźniak:3 Dąbrowski:3 Kozłowski:3 "
    "Jankowski:3 Mazur:3 Kwiatkowski:3 Krawczyk:3 Piotrowski:3 Grabowski:3 Nowakowski:2 "
    "Pawłowski:2 Michalski:2 Król:2 Wieczorek:2 Jabłoński:2 Wróbel:2 Majewski:2 Olszewski:2",
)
ROMANIAN_MALE = pool(
    "Andrei:5 Ionuț:3 Ionut:3 Florin:4 Mihai:5 Alexandru:5 Gabriel:4 Marius:5 Adrian:4 "
    "Cristian:4 Bogdan:4 Constantin:3 Daniel:3 Ionel:3 Vasile:3 Ștefan:2 Stefan:2 Cătălin:2 "
    "Catalin:2 Nicolae:3 Sorin:3 Gheorghe:3 Valentin:3 Răzvan:2 Razvan:2 Ciprian:3 Cosmin:3",
    _faker_ro.Provider.first_names_male,
)
ROMANIAN_SURNAMES = pool(
    "Popescu:6 Ionescu:5 Popa:5 Pop:4 Stan:4 Dumitru:4 Stoica:3 Gheorghe:3 Rusu:3 Munteanu:3 "
    "Matei:3 Constantin:3 Șerban:2 Serban:2 Moldovan:3 Lazăr:2 Lazar:2 Marin:3 Florea:3 Ene:2 "
    "Ciobanu:3 Tudor:3 Radu:3 Ilie:3 Barbu:2 Nistor:2 Dobre:2 Lungu:2 Toma:2 Sandu:2",
    _faker_ro.Provider.last_names,
)
LITHUANIAN_MALE = pool(
    "Tomas:5 Mindaugas:4 Darius:4 Andrius:4 Vytautas:3 Marius:3 Saulius:3 Giedrius:3 "
    "Aurimas:3 Tadas:3 Paulius:3 Rolandas:2 Arūnas:2 Arunas:2 Žydrūnas:1 Audrius:3 "
    "Egidijus:2 Ričardas:1 Donatas:3 Kęstutis:1 Evaldas:2 Mantas:3 Deividas:2 Lukas:2",
)
LITHUANIAN_SURNAMES = pool(
    "Kazlauskas:4 Jankauskas:3 Petrauskas:3 Stankevičius:3 Stankevicius:1 Vasiliauskas:3 "
    "Žukauskas:2 Zukauskas:1 Butkus:3 Paulauskas:3 Urbonas:3 Kavaliauskas:2 Baranauskas:2 "
    "Pocius:2 Navickas:2 Balčiūnas:2 Ramanauskas:2 Sakalauskas:2 Adomaitis:2 Rimkus:2 Kairys:2",
)
EAST_EUROPEAN_FEMALE = pool(
    "Anna:3 Katarzyna:3 Agnieszka:3 Magdalena:2 Joanna:2 Monika:2 Ewa:2 Elena:2 Ioana:2 "
    "Maria:3 Andreea:2 Alina:2 Jurgita:1 Rasa:1 Inga:1 Kristina:2 Daiva:1"
)

# --- African --------------------------------------------------------------------------------

NIGERIAN_MALE = pool(
    "Oluwaseun:3 Chinedu:3 Emeka:3 Tunde:3 Adebayo:3 Olusegun:3 Oluwafemi:2 Babatunde:3 "
    "Chukwuemeka:2 Ikechukwu:2 Obinna:2 Uchenna:2 Kayode:3 Femi:3 Segun:3 Olumide:2 Chidi:2 "
    "Nnamdi:2 Ifeanyi:2 Olawale:2 Oladipo:1 Ibrahim:2 Samuel:3 Daniel:3 Emmanuel:4 Michael:3",
    _faker_ng.Provider.first_names_male,
)
NIGERIAN_SURNAMES = pool(
    "Okafor:3 Adeyemi:3 Okonkwo:3 Ogunleye:2 Balogun:3 Eze:3 Okeke:3 Nwosu:2 Adebayo:3 "
    "Olaniyan:2 Akinola:2 Ogunbiyi:2 Adewale:2 Afolabi:2 Bakare:2 Obi:2 Onyeka:2 Nwachukwu:2 "
    "Ojo:3 Oladele:2 Adeleke:2 Ogundipe:2 Okoro:2 Akande:2",
    _faker_ng.Provider.last_names,
)
SOMALI_MALE = pool(
    "Abdi:5 Abdullahi:5 Mohamed:8 Hassan:4 Ahmed:4 Yusuf:4 Omar:4 Abdirahman:4 Abdikadir:3 "
    "Abdirashid:3 Mahad:2 Liban:2 Mustafa:2 Ismail:3 Hussein:3 Ali:3 Osman:3 Farah:2 Said:3 Nur:2",
)
SOMALI_SURNAMES = pool(
    "Abdi:5 Farah:5 Warsame:4 Ali:5 Mohamed:6 Hassan:4 Jama:4 Osman:3 Ahmed:4 Hussein:3 Egal:2 "
    "Elmi:3 Aden:3 Noor:2 Nur:2 Ibrahim:3 Yusuf:3 Duale:2 Guled:2 Hirsi:2 Musse:2 Omar:3 "
    "Abdullahi:3 Awale:2",
)
GHANAIAN_MALE = pool(
    "Kwame:4 Kofi:4 Kwabena:3 Yaw:3 Kojo:3 Kwaku:3 Kwesi:3 Kweku:2 Kobina:2 Emmanuel:4 "
    "Samuel:3 Isaac:3 Ebenezer:2 Prince:2 Richard:2 Joseph:2 Francis:2 Eric:2 Godfred:2",
    _faker_gh.Provider.first_names_male,
)
GHANAIAN_SURNAMES = pool(
    "Mensah:5 Owusu:4 Boateng:4 Asante:4 Osei:4 Appiah:3 Agyeman:3 Amoah:3 Acheampong:3 "
    "Ansah:3 Darko:3 Addo:3 Ofori:3 Opoku:3 Quaye:2 Sarpong:2 Frimpong:3 Antwi:2 Gyamfi:2",
    _faker_gh.Provider.last_names_male,
)
AFRICAN_FEMALE = pool(
    "Blessing:3 Grace:3 Funmilayo:2 Ngozi:2 Chiamaka:2 Abena:2 Akosua:2 "
    "Hodan:2 Fadumo:2 Amina:2 Comfort:2 Esther:2"
)

# --- Middle Eastern, Afghan, Kurdish, Turkish -----------------------------------------------

MIDDLE_EAST_MALE = pool(
    "Ahmad:5 Reza:3 Ali:5 Hamid:3 Karwan:3 Rebwar:3 Hiwa:2 Omid:3 Mustafa:4 Mohammad:5 "
    "Hossein:3 Mehdi:3 Amir:3 Saman:2 Dler:2 Hawkar:2 Shwan:2 Rizgar:2 Abdullah:4 Zaid:2 "
    "Khaled:3 Samir:3 Nabil:2 Tarek:2 Wali:2 Gul:2 Naqibullah:2 Jawed:2 Farid:3 Sayed:2 "
    "Ibrahim:3 Mehmet:3 Hüseyin:2 Huseyin:1 Ahmet:3 Murat:2 Emre:2",
)
MIDDLE_EAST_SURNAMES = pool(
    "Ahmadi:5 Hosseini:4 Mohammadi:4 Rahimi:3 Karimi:3 Aziz:4 Rasul:3 Kareem:3 Sharifi:2 "
    "Hashimi:2 Noori:3 Amiri:3 Sultani:2 Popal:2 Stanikzai:2 Safi:3 Ahmadzai:2 Abdullah:3 "
    "Salih:3 Qadir:3 Kakar:2 Al-Hashimi:2 Al-Khatib:2 El-Sayed:2 Abu-Bakr:1 Yılmaz:2 Yilmaz:2 "  # noqa: RUF001 (Turkish dotless i)
    "Kaya:2 Demir:2 Şahin:1 Sahin:1 Çelik:1 Celik:1 Hamid:2",
)
MIDDLE_EAST_FEMALE = pool("Fatemeh:2 Zahra:3 Maryam:3 Layla:2 Shilan:2 Ayse:2 Elif:2")


class Origin:
    """One community's pools: forenames by sex, surnames (female ones may differ)."""

    def __init__(
        self,
        name: str,
        male: tuple[str, ...],
        female: tuple[str, ...],
        surnames: tuple[str, ...],
        female_surnames: tuple[str, ...] | None = None,
        middle_rate: float = 0.25,
        middles: tuple[str, ...] | None = None,
    ) -> None:
        self.name = name
        self.male = male
        self.female = female
        self.surnames = surnames
        self.female_surnames = female_surnames or surnames
        self.middle_rate = middle_rate  # share with a second forename
        self.middles = middles or male


ORIGINS: dict[str, Origin] = {
    o.name: o
    for o in (
        Origin("english", ENGLISH_MALE, ENGLISH_FEMALE, ENGLISH_SURNAMES, middle_rate=0.35),
        Origin("welsh", WELSH_MALE, WELSH_FEMALE, WELSH_SURNAMES, middle_rate=0.35),
        Origin("irish", IRISH_MALE, ENGLISH_FEMALE, IRISH_SURNAMES, middle_rate=0.35),
        Origin(
            "pakistani_bangladeshi",
            MUSLIM_MALE,
            MUSLIM_FEMALE,
            MUSLIM_SURNAMES,
            MUSLIM_FEMALE_SURNAMES,
            middle_rate=0.15,
            middles=MUSLIM_SECOND,
        ),
        Origin("sikh", SIKH_MALE, SIKH_FEMALE, SIKH_SURNAMES, middle_rate=0.0),
        Origin("hindu", HINDU_MALE, HINDU_FEMALE, HINDU_SURNAMES, middle_rate=0.1),
        Origin("polish", POLISH_MALE, EAST_EUROPEAN_FEMALE, POLISH_SURNAMES, middle_rate=0.05),
        Origin("romanian", ROMANIAN_MALE, EAST_EUROPEAN_FEMALE, ROMANIAN_SURNAMES, middle_rate=0.2),
        Origin(
            "lithuanian",
            LITHUANIAN_MALE,
            EAST_EUROPEAN_FEMALE,
            LITHUANIAN_SURNAMES,
            middle_rate=0.05,
        ),
        Origin("nigerian", NIGERIAN_MALE, AFRICAN_FEMALE, NIGERIAN_SURNAMES, middle_rate=0.45),
        Origin("somali", SOMALI_MALE, AFRICAN_FEMALE, SOMALI_SURNAMES, middle_rate=0.3),
        Origin("ghanaian", GHANAIAN_MALE, AFRICAN_FEMALE, GHANAIAN_SURNAMES, middle_rate=0.4),
        Origin(
            "middle_eastern",
            MIDDLE_EAST_MALE,
            MIDDLE_EAST_FEMALE,
            MIDDLE_EAST_SURNAMES,
            middle_rate=0.1,
        ),
    )
}

# Origin mixes (percent) by kind of place. The trade in the northern and midland metropolitan
# boroughs and in London is far more South Asian, African and Middle Eastern than the
# resident population; shire districts are mostly white British.
PROFILES: dict[str, dict[str, int]] = {
    "shire": {
        "english": 76,
        "irish": 4,
        "pakistani_bangladeshi": 6,
        "sikh": 2,
        "hindu": 2,
        "polish": 3,
        "romanian": 2,
        "lithuanian": 1,
        "nigerian": 1,
        "ghanaian": 1,
        "middle_eastern": 2,
    },
    "urban": {
        "english": 46,
        "irish": 4,
        "pakistani_bangladeshi": 18,
        "sikh": 4,
        "hindu": 4,
        "polish": 4,
        "romanian": 3,
        "lithuanian": 1,
        "nigerian": 3,
        "somali": 2,
        "ghanaian": 2,
        "middle_eastern": 9,
    },
    "south_asian_metro": {
        "english": 20,
        "irish": 2,
        "pakistani_bangladeshi": 54,
        "sikh": 5,
        "hindu": 3,
        "polish": 3,
        "romanian": 2,
        "lithuanian": 1,
        "nigerian": 1,
        "somali": 2,
        "ghanaian": 1,
        "middle_eastern": 6,
    },
    "sikh_hindu": {
        "english": 26,
        "irish": 2,
        "pakistani_bangladeshi": 24,
        "sikh": 24,
        "hindu": 12,
        "polish": 3,
        "romanian": 2,
        "nigerian": 1,
        "somali": 2,
        "middle_eastern": 4,
    },
    "london": {
        "english": 18,
        "irish": 2,
        "pakistani_bangladeshi": 20,
        "sikh": 5,
        "hindu": 5,
        "polish": 5,
        "romanian": 6,
        "lithuanian": 2,
        "nigerian": 8,
        "somali": 5,
        "ghanaian": 5,
        "middle_eastern": 19,
    },
    "wales": {
        "welsh": 42,
        "english": 32,
        "pakistani_bangladeshi": 12,
        "hindu": 1,
        "polish": 3,
        "romanian": 2,
        "nigerian": 1,
        "somali": 2,
        "middle_eastern": 5,
    },
}

SOUTH_ASIAN_TOWNS = frozenset(
    {
        "Bolton",
        "Bury",
        "Manchester",
        "Oldham",
        "Rochdale",
        "Salford",
        "Tameside",
        "Trafford",
        "Bradford",
        "Kirklees",
        "Calderdale",
        "Leeds",
        "Blackburn with Darwen",
        "Pendle",
        "Burnley",
        "Hyndburn",
        "Rossendale",
        "Preston",
        "Birmingham",
        "Walsall",
        "Luton",
        "Slough",
        "Rotherham",
        "Sheffield",
        "Peterborough",
        "Stoke-on-Trent",
        "Nottingham",
        "Derby",
        "Middlesbrough",
        "Wycombe",
        "Watford",
        "Reading",
        "Newport",
        "Cardiff",
    }
)
SIKH_HINDU_TOWNS = frozenset(
    {
        "Wolverhampton",
        "Sandwell",
        "Leicester",
        "Coventry",
        "Gravesham",
        "Oadby and Wigston",
        "Dudley",
        "Gedling",
        "Charnwood",
    }
)
URBAN_KINDS = frozenset({"metropolitan_district", "unitary"})


def profile_for(name: str, kind: str, region: str) -> str:
    """Which origin mix to draw a resident's name from."""
    if kind == "transport_for_london":
        return "london"
    if region == "Wales":
        return "urban" if name in SOUTH_ASIAN_TOWNS else "wales"
    if name in SOUTH_ASIAN_TOWNS:
        return "south_asian_metro"
    if name in SIKH_HINDU_TOWNS:
        return "sikh_hindu"
    return "urban" if kind in URBAN_KINDS else "shire"


# --- Spelling variants ----------------------------------------------------------------------
# Each tuple is one name as different councils have written it. Searching must treat the
# members of a group as the same name; the seed records people under them.

FORENAME_VARIANTS: tuple[tuple[str, ...], ...] = (
    MUHAMMAD,
    ("Ahmed", "Ahmad", "Ahmet"),
    ("Steven", "Stephen", "Stephan"),
    ("Catherine", "Kathryn", "Katherine", "Kathrine", "Catharine"),
    ("Philip", "Phillip"),
    ("Geoffrey", "Jeffrey", "Jeffery"),
    ("Sean", "Shaun", "Shawn"),
    ("Mark", "Marc"),
    ("Alan", "Allan", "Allen"),
    ("Neil", "Neal"),
    ("Tariq", "Tarik", "Tareq"),
    ("Yasir", "Yasser", "Yaser"),
    ("Amir", "Aamir", "Amer"),
    ("Shahzad", "Shazad"),
    ("Usman", "Osman", "Uthman"),
    ("Umar", "Omar"),
    ("Hussain", "Hussein", "Husain", "Hossain"),
    ("Abdul Rashid", "Abdulrashid", "Abdul-Rashid"),
    ("Kuldip", "Kuldeep"),
    ("Gurdeep", "Gurdip"),
    ("Jaswinder", "Jasvinder"),
    ("Mohamed", "Mohamud"),
    ("Abdirahman", "Abdulrahman", "Abdurahman"),
    ("Paweł", "Pawel"),
    ("Michał", "Michal"),
    ("Łukasz", "Lukasz"),
    ("Ionuț", "Ionut"),
    ("Ștefan", "Stefan"),
    ("Oluwaseun", "Seun"),
    ("Babatunde", "Tunde"),
    ("Olusegun", "Segun"),
    ("Oluwafemi", "Femi"),
    ("Chukwuemeka", "Emeka"),
    ("Padraig", "Patrick"),
)
SURNAME_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("Hussain", "Hussein", "Husain", "Hossain"),
    ("Choudhury", "Chowdhury", "Chaudhry", "Choudhry"),
    ("Rahman", "Rehman"),
    ("Mahmood", "Mehmood", "Mahmud"),
    ("Mohammed", "Mohamed", "Muhammad"),
    ("Yousaf", "Yousuf", "Yusuf"),
    ("Ahmed", "Ahmad"),
    ("Clarke", "Clark"),
    ("McDonald", "MacDonald"),
    ("Mackenzie", "McKenzie"),
    ("Reilly", "O'Reilly"),
    ("Wiśniewski", "Wisniewski"),
    ("Wójcik", "Wojcik"),
    ("Kamiński", "Kaminski"),
    ("Stankevičius", "Stankevicius"),
    ("Žukauskas", "Zukauskas"),
    ("Șerban", "Serban"),
    ("Lazăr", "Lazar"),
    ("Yılmaz", "Yilmaz"),  # noqa: RUF001 (Turkish dotless i)
    ("Şahin", "Sahin"),
    ("Çelik", "Celik"),
    ("Abdullahi", "Abdulahi"),
)

# What the seed does to a name to make an alias, with the share of aliases made each way.
# Where a way does not apply to a name, the next one that does is used (see
# registry.synthetic.model.alias).
ALIAS_KINDS: dict[str, int] = {
    "spelling": 40,  # Mohammed -> Muhammad, Steven -> Stephen, Hussain -> Hussein,
    # else a common transliteration (Nadeem -> Nadim, Phillip -> Philip)
    "punctuation": 10,  # O'Neill -> ONeill, Smith-Jones -> Smith Jones, Al-Khatib -> Al Khatib
    "diacritics": 5,  # Paweł Wiśniewski -> Pawel Wisniewski
    "dropped_middle": 14,  # Mohammed Imran Khan -> Mohammed Khan / Imran Khan
    "initials": 8,  # Mohammed Imran Khan -> M. I. Khan / M I Khan
    "swapped_forenames": 6,  # Imran Mohammed -> Mohammed Imran
    "swapped_names": 7,  # Imran Khan -> Khan Imran (forenames and surname the other way round)
    "singh_kaur": 10,  # Gurpreet Singh Gill -> Gurpreet Gill / Gurpreet Singh (Sikh names)
}
# Short forms a council may record instead of the full forename (planted duplicates only;
# hand-written here so the seed does not test the search against its own name sources).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob"),
    "William": ("Bill", "Will"),
    "Anthony": ("Tony",),
    "Michael": ("Mick", "Mike"),
    "Christopher": ("Chris",),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "David": ("Dave",),
    "Andrew": ("Andy",),
    "James": ("Jim", "Jimmy"),
    "Richard": ("Rich", "Dick"),
    "Thomas": ("Tom",),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Jonathan": ("Jon",),
    "Nicholas": ("Nick",),
    "Kenneth": ("Ken",),
    "Peter": ("Pete",),
    "Joseph": ("Joe",),
    "Samuel": ("Sam",),
    "Benjamin": ("Ben",),
    "Edward": ("Ted", "Eddie"),
    "Timothy": ("Tim",),
    "Terence": ("Terry",),
    "Raymond": ("Ray",),
    "Philip": ("Phil",),
    "Phillip": ("Phil",),
    "Geoffrey": ("Geoff",),
    "Gareth": ("Gaz",),
    "Margaret": ("Maggie",),
    "Elizabeth": ("Liz", "Beth"),
    "Catherine": ("Kate",),
    "Mohammed": ("Mo",),
    "Muhammad": ("Mo",),
    "Mohammad": ("Mo",),
    "Rajesh": ("Raj",),
    "Rajinder": ("Raj",),
    "Sukhwinder": ("Sukhi",),
    "Gurpreet": ("Preet",),
    "Krzysztof": ("Krzys",),
    "Tomasz": ("Tomek",),
    "Wojciech": ("Wojtek",),
    "Abdullahi": ("Abdi",),
}
# Transliteration and typing variants, tried in order on a name with no listed variant.
SPELLING_RULES: tuple[tuple[str, str], ...] = (
    ("ee", "i"),
    ("oo", "u"),
    ("ou", "u"),
    ("ph", "f"),
    ("ck", "k"),
    ("mm", "m"),
    ("ss", "s"),
    ("ll", "l"),
    ("nn", "n"),
    ("tt", "t"),
    ("dd", "d"),
    ("q", "k"),
    ("z", "s"),
    ("ie", "y"),
)

# Share of aliases whose recorded date of birth has day and month swapped (only where the swap
# gives a real, different date).
SWAPPED_DATE_OF_BIRTH = 0.2
VARIANTS: dict[str, object] = {
    "forenames": FORENAME_VARIANTS,
    "surname": SURNAME_VARIANTS,
    "alias_kinds": ALIAS_KINDS,
    "spelling_rules": SPELLING_RULES,
    "swapped_date_of_birth": SWAPPED_DATE_OF_BIRTH,
}


def _spellings(groups: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
    """name -> every other spelling in any group holding it (Mohamed is in two groups)."""
    out: dict[str, list[str]] = {}
    for group in groups:
        for name in group:
            known = out.setdefault(name, [])
            known += [other for other in group if other != name and other not in known]
    return {name: tuple(others) for name, others in out.items()}


_FORENAME_SPELLINGS = _spellings(FORENAME_VARIANTS)
_SURNAME_SPELLINGS = _spellings(SURNAME_VARIANTS)


def variants_of(name: str, *, surname: bool = False) -> tuple[str, ...]:
    """Other spellings of a forename (or surname) that registers hold; () if none known."""
    return (_SURNAME_SPELLINGS if surname else _FORENAME_SPELLINGS).get(name, ())


# --- Streets and postcodes -------------------------------------------------------------------

STREETS = pool(
    "High Church Station Victoria Park Green Manor Queens Kings Mill School Grange New Albert "
    "Chapel Church_Hill Springfield Oak Elm Beech Ash Willow Chestnut Windsor York Clarence "
    "George Alexandra Princess Stanley Derby Wellington Nelson Cromwell Shakespeare Milton "
    "Oxford Cambridge Bradford Halifax Preston Bolton Bury Moss Brook Heath Moor Lea Meadow "
    "Orchard Highfield Westfield Fairfield Hollins Whitegate Ashton Leigh Harrow Belmont"
)
STREET_TYPES = pool(
    "Road:10 Street:8 Lane:4 Avenue:4 Close:3 Drive:3 Way:2 Crescent:2 Grove:2 "
    "Terrace:2 Place:1 Gardens:1 Walk:1 Court:1"
)
# Inward-code letters: never C, I, K, M, O or V.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Postcode areas by authority (the common ones) and by region (everyone else).
POSTCODE_AREAS_BY_NAME: dict[str, tuple[str, ...]] = {
    "Manchester": ("M",),
    "Salford": ("M",),
    "Trafford": ("M",),
    "Bolton": ("BL",),
    "Bury": ("BL",),
    "Oldham": ("OL",),
    "Rochdale": ("OL",),
    "Tameside": ("OL", "SK"),
    "Stockport": ("SK",),
    "Wigan": ("WN",),
    "Wolverhampton": ("WV",),
    "Birmingham": ("B",),
    "Sandwell": ("B",),
    "Solihull": ("B",),
    "Walsall": ("WS",),
    "Dudley": ("DY",),
    "Coventry": ("CV",),
    "Liverpool": ("L",),
    "Knowsley": ("L",),
    "Sefton": ("L", "PR"),
    "Wirral": ("CH",),
    "St. Helens": ("WA",),
    "Leeds": ("LS",),
    "Bradford": ("BD",),
    "Kirklees": ("HD",),
    "Calderdale": ("HX",),
    "Wakefield": ("WF",),
    "Sheffield": ("S",),
    "Rotherham": ("S",),
    "Barnsley": ("S",),
    "Doncaster": ("DN",),
    "Leicester": ("LE",),
    "Nottingham": ("NG",),
    "Derby": ("DE",),
    "Luton": ("LU",),
    "Slough": ("SL",),
    "Reading": ("RG",),
    "Bristol": ("BS",),
    "Blackburn with Darwen": ("BB",),
    "Rossendale": ("BB",),
    "Pendle": ("BB",),
    "Burnley": ("BB",),
    "Hyndburn": ("BB",),
    "Preston": ("PR",),
    "Blackpool": ("FY",),
    "Newcastle upon Tyne": ("NE",),
    "Sunderland": ("SR",),
    "Cardiff": ("CF",),
    "Swansea": ("SA",),
    "Newport": ("NP",),
    "Peterborough": ("PE",),
    "Stoke-on-Trent": ("ST",),
    "Plymouth": ("PL",),
    "Southampton": ("SO",),
    "Portsmouth": ("PO",),
    "Brighton and Hove": ("BN",),
    "Milton Keynes": ("MK",),
    "Transport for London": (
        "E",
        "N",
        "NW",
        "SE",
        "SW",
        "W",
        "EN",
        "HA",
        "IG",
        "RM",
        "UB",
        "TW",
        "KT",
        "SM",
        "CR",
        "BR",
        "DA",
    ),
}
POSTCODE_AREAS_BY_REGION: dict[str, tuple[str, ...]] = {
    "North East": ("NE", "SR", "DH", "TS", "DL"),
    "North West": (
        "M",
        "BL",
        "OL",
        "SK",
        "WN",
        "WA",
        "L",
        "CH",
        "PR",
        "BB",
        "LA",
        "FY",
        "CA",
        "CW",
    ),
    "Yorkshire and The Humber": ("LS", "BD", "HD", "HX", "WF", "S", "DN", "HU", "YO", "HG"),
    "East Midlands": ("NG", "DE", "LE", "NN", "LN"),
    "West Midlands": ("B", "WV", "WS", "DY", "CV", "ST", "TF", "WR", "HR"),
    "East of England": ("CB", "CM", "CO", "IP", "NR", "PE", "LU", "SG", "AL", "SS"),
    "London": ("E", "N", "SE", "SW", "W"),
    "South East": ("RG", "SL", "OX", "MK", "HP", "GU", "RH", "BN", "TN", "ME", "CT", "PO", "SO"),
    "South West": ("BS", "BA", "GL", "SN", "SP", "BH", "DT", "TA", "EX", "TQ", "PL", "TR"),
    "Wales": ("CF", "SA", "NP", "LL", "SY", "LD"),
}
LONDON_BOROUGHS = (
    "Tower Hamlets",
    "Newham",
    "Hackney",
    "Ealing",
    "Hounslow",
    "Brent",
    "Redbridge",
    "Croydon",
    "Lewisham",
    "Southwark",
    "Lambeth",
    "Haringey",
    "Enfield",
    "Barking",
    "Hillingdon",
    "Harrow",
    "Waltham Forest",
    "Wandsworth",
    "Islington",
    "Camden",
    "Barnet",
    "Greenwich",
    "Bexley",
)
