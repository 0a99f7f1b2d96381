"""A deterministic generator of realistic synthetic data folders.

``generate(size, root)`` writes a data folder with ``size`` startups and, in proportion, cities,
initiatives and organizations, as real YAML files spread over many files per kind (as a data
folder that grew would be). The same ``size`` and seed always give byte-identical files, so
timings are comparable between runs and machines. A stamp file records the generator version
and a digest of every file: a folder is regenerated only when it is missing or stale.

Names are made-up brandables ("Kivora Health", "Zentrix") with aliases (legal names, former
names, initials, some Chinese), every name and alias unique after the bot's own normalization
(the loader rejects collisions). Descriptions are 30-60 words drawn from sector vocabularies so
full-text search sees a realistic spread of common and rare words.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.text import normalize

#: Bump when the output changes: stale folders are then regenerated.
GENERATOR_VERSION = 4
SEED = 20_200_730
RECORDS_PER_FILE = 250
STAMP = "STAMP.json"

# ---------------------------------------------------------------------------- vocabularies

CITIES: list[tuple[str, str, str]] = [
    # (name, Chinese name, country)
    ("Hong Kong", "香港", "China"), ("Taipei", "臺北", "Taiwan"), ("Shenzhen", "深圳", "China"),
    ("Singapore", "新加坡", "Singapore"), ("Tokyo", "東京", "Japan"), ("Seoul", "首爾", "Korea"),
    ("Shanghai", "上海", "China"), ("Beijing", "北京", "China"), ("Guangzhou", "廣州", "China"),
    ("Macau", "澳門", "China"), ("Kaohsiung", "高雄", "Taiwan"), ("Taichung", "臺中", "Taiwan"),
    ("Tainan", "臺南", "Taiwan"), ("Hsinchu", "新竹", "Taiwan"), ("Osaka", "大阪", "Japan"),
    ("Bangkok", "曼谷", "Thailand"), ("Kuala Lumpur", "吉隆坡", "Malaysia"),
    ("Jakarta", "雅加達", "Indonesia"), ("Manila", "馬尼拉", "Philippines"),
    ("Hanoi", "河內", "Vietnam"), ("Ho Chi Minh City", "胡志明市", "Vietnam"),
    ("Sydney", "悉尼", "Australia"), ("Melbourne", "墨爾本", "Australia"),
    ("London", "倫敦", "United Kingdom"), ("Paris", "巴黎", "France"),
    ("Berlin", "柏林", "Germany"), ("New York", "紐約", "United States"),
    ("San Francisco", "三藩市", "United States"), ("Toronto", "多倫多", "Canada"),
    ("Vancouver", "溫哥華", "Canada"), ("Amsterdam", "阿姆斯特丹", "Netherlands"),
    ("Barcelona", "巴塞羅那", "Spain"), ("Copenhagen", "哥本哈根", "Denmark"),
    ("Stockholm", "斯德哥爾摩", "Sweden"), ("Helsinki", "赫爾辛基", "Finland"),
    ("Vienna", "維也納", "Austria"), ("Zurich", "蘇黎世", "Switzerland"),
    ("Dubai", "迪拜", "United Arab Emirates"), ("Tel Aviv", "特拉維夫", "Israel"),
    ("Bangalore", "班加羅爾", "India"), ("Mumbai", "孟買", "India"),
    ("Hangzhou", "杭州", "China"), ("Chengdu", "成都", "China"), ("Wuhan", "武漢", "China"),
    ("Nanjing", "南京", "China"), ("Xiamen", "廈門", "China"), ("Suzhou", "蘇州", "China"),
    ("Tianjin", "天津", "China"), ("Chongqing", "重慶", "China"), ("Xi'an", "西安", "China"),
    ("Qingdao", "青島", "China"), ("Dalian", "大連", "China"), ("Fuzhou", "福州", "China"),
    ("Zhuhai", "珠海", "China"), ("Dongguan", "東莞", "China"), ("Foshan", "佛山", "China"),
    ("Busan", "釜山", "Korea"), ("Incheon", "仁川", "Korea"), ("Kyoto", "京都", "Japan"),
    ("Fukuoka", "福岡", "Japan"), ("Nagoya", "名古屋", "Japan"), ("Sapporo", "札幌", "Japan"),
    ("Yokohama", "橫濱", "Japan"), ("Penang", "檳城", "Malaysia"), ("Cebu", "宿霧", "Philippines"),
    ("Da Nang", "峴港", "Vietnam"), ("Chiang Mai", "清邁", "Thailand"),
    ("Phnom Penh", "金邊", "Cambodia"), ("Yangon", "仰光", "Myanmar"),
    ("Auckland", "奧克蘭", "New Zealand"), ("Brisbane", "布里斯本", "Australia"),
    ("Perth", "珀斯", "Australia"), ("Adelaide", "阿德萊德", "Australia"),
    ("Dublin", "都柏林", "Ireland"), ("Lisbon", "里斯本", "Portugal"),
    ("Madrid", "馬德里", "Spain"), ("Milan", "米蘭", "Italy"), ("Rome", "羅馬", "Italy"),
    ("Munich", "慕尼黑", "Germany"), ("Hamburg", "漢堡", "Germany"),
    ("Brussels", "布魯塞爾", "Belgium"), ("Oslo", "奧斯陸", "Norway"),
    ("Tallinn", "塔林", "Estonia"), ("Warsaw", "華沙", "Poland"), ("Prague", "布拉格", "Czechia"),
    ("Boston", "波士頓", "United States"), ("Seattle", "西雅圖", "United States"),
    ("Austin", "奧斯汀", "United States"), ("Chicago", "芝加哥", "United States"),
    ("Los Angeles", "洛杉磯", "United States"), ("Montreal", "蒙特利爾", "Canada"),
    ("Sao Paulo", "聖保羅", "Brazil"), ("Mexico City", "墨西哥城", "Mexico"),
    ("Santiago", "聖地牙哥", "Chile"), ("Nairobi", "內羅畢", "Kenya"),
    ("Lagos", "拉各斯", "Nigeria"),
    ("Cape Town", "開普敦", "South Africa"), ("Cairo", "開羅", "Egypt"),
    ("Istanbul", "伊斯坦布爾", "Turkey"), ("Riyadh", "利雅得", "Saudi Arabia"),
    ("Doha", "多哈", "Qatar"), ("Abu Dhabi", "阿布扎比", "United Arab Emirates"),
    ("Ulaanbaatar", "烏蘭巴托", "Mongolia"), ("Almaty", "阿拉木圖", "Kazakhstan"),
]  # fmt: skip

SECTORS: dict[str, dict[str, list[str]]] = {
    "fintech": {
        "product": ["invoice-financing marketplace", "mobile lending app", "payment gateway",
                    "robo-advisor", "digital wallet", "cross-border remittance service",
                    "credit-scoring engine", "virtual bank platform"],
        "customer": ["SMEs", "retail investors", "merchants", "freelancers", "banks",
                     "migrant workers", "family offices"],
        "benefit": ["get paid faster", "borrow at fair rates", "cut transaction fees",
                    "manage cash flow", "invest with small sums"],
    },
    "proptech": {
        "product": ["building-management platform", "rental marketplace", "smart-lock system",
                    "property valuation model", "co-living app", "facility sensor network"],
        "customer": ["landlords", "tenants", "property managers", "developers", "estate agents"],
        "benefit": ["fill vacancies sooner", "save energy", "handle repairs quickly",
                    "price homes fairly"],
    },
    "healthtech": {
        "product": ["telemedicine app", "remote patient-monitoring kit", "clinic booking system",
                    "AI diagnostic tool", "elderly-care wearable", "e-pharmacy"],
        "customer": ["clinics", "hospitals", "elderly people", "caregivers", "insurers"],
        "benefit": ["see a doctor from home", "detect disease earlier", "shorten waiting times",
                    "live independently"],
    },
    "edtech": {
        "product": ["adaptive learning platform", "coding school", "tutoring marketplace",
                    "language-learning app", "virtual classroom", "STEM robotics kit"],
        "customer": ["students", "schools", "teachers", "parents", "universities"],
        "benefit": ["learn at their own pace", "track progress", "find good tutors",
                    "teach coding"],
    },
    "logistics": {
        "product": ["on-demand delivery app", "route-optimization engine", "cold-chain tracker",
                    "last-mile locker network", "freight marketplace", "warehouse robot fleet"],
        "customer": ["couriers", "retailers", "restaurants", "shippers", "truck drivers"],
        "benefit": ["deliver the same day", "cut empty mileage", "track parcels live",
                    "keep food fresh"],
    },
    "mobility": {
        "product": ["ride-hailing app", "bike-sharing scheme", "parking finder",
                    "EV-charging network", "smart traffic-light system", "bus arrival tracker"],
        "customer": ["commuters", "drivers", "city transport bureaus", "tourists",
                     "fleet operators"],
        "benefit": ["find parking", "charge electric cars", "avoid congestion",
                    "travel without a car"],
    },
    "cleantech": {
        "product": ["solar-panel leasing scheme", "waste-sorting robot", "air-quality sensor",
                    "battery-storage system", "water-leak detector", "carbon-accounting tool"],
        "customer": ["households", "factories", "utilities", "building owners",
                     "municipal governments"],
        "benefit": ["lower their carbon footprint", "recycle more", "save water",
                    "monitor pollution"],
    },
    "insurtech": {
        "product": ["online insurance broker", "usage-based car insurance", "claims-automation AI",
                    "micro-insurance app", "parametric flood cover"],
        "customer": ["drivers", "gig workers", "insurers", "travellers", "small businesses"],
        "benefit": ["claim in minutes", "pay for what they use", "compare policies"],
    },
    "foodtech": {
        "product": ["plant-based meat brand", "vertical farm", "food-waste marketplace",
                    "cloud kitchen", "restaurant ordering app"],
        "customer": ["restaurants", "supermarkets", "diners", "farmers", "caterers"],
        "benefit": ["reduce food waste", "grow greens locally", "order without queues"],
    },
    "cybersecurity": {
        "product": ["threat-detection service", "password-less login", "phishing simulator",
                    "zero-trust gateway", "IoT firmware scanner"],
        "customer": ["enterprises", "banks", "hospitals", "government departments",
                     "device makers"],
        "benefit": ["stop ransomware", "meet compliance rules", "secure remote work"],
    },
    "ai": {
        "product": ["computer-vision platform", "chatbot builder", "document-understanding API",
                    "speech-recognition engine for Cantonese", "demand-forecasting model",
                    "recommendation engine"],
        "customer": ["retailers", "call centres", "law firms", "manufacturers", "media groups"],
        "benefit": ["automate paperwork", "understand customers", "forecast demand",
                    "serve customers around the clock"],
    },
    "iot": {
        "product": ["smart-meter network", "LoRaWAN sensor platform", "asset-tracking tag",
                    "smart-lamppost module", "predictive-maintenance sensor"],
        "customer": ["utilities", "factories", "city governments", "facility managers"],
        "benefit": ["read meters remotely", "prevent breakdowns", "locate equipment"],
    },
    "robotics": {
        "product": ["cleaning robot", "delivery robot", "robotic arm for kitchens",
                    "inspection drone", "exoskeleton"],
        "customer": ["hotels", "hospitals", "construction firms", "restaurants", "airports"],
        "benefit": ["cut labour shortages", "inspect safely", "clean around the clock"],
    },
    "e-commerce": {
        "product": ["social-commerce app", "cross-border marketplace", "live-streaming shop",
                    "fashion resale platform", "group-buying app"],
        "customer": ["shoppers", "brands", "small merchants", "influencers"],
        "benefit": ["sell abroad", "reach new buyers", "resell pre-owned goods"],
    },
    "govtech": {
        "product": ["open-data portal", "e-permit system", "citizen feedback app",
                    "digital identity wallet", "smart-city dashboard"],
        "customer": ["city governments", "citizens", "public agencies", "regulators"],
        "benefit": ["apply for permits online", "publish open data", "report street problems"],
    },
    "biotech": {
        "product": ["genetic-testing service", "cell-therapy platform", "rapid diagnostic test",
                    "microbiome analysis", "drug-discovery AI"],
        "customer": ["hospitals", "researchers", "pharma companies", "patients"],
        "benefit": ["find treatments sooner", "test at home", "personalize medicine"],
    },
    "travel": {
        "product": ["experience-booking marketplace", "hotel revenue tool", "travel-itinerary app",
                    "airport-lounge pass"],
        "customer": ["tourists", "hotels", "tour guides", "airlines"],
        "benefit": ["book local experiences", "fill empty rooms", "plan trips together"],
    },
    "hrtech": {
        "product": ["recruiting platform", "payroll service", "gig-staffing app",
                    "employee-wellness platform"],
        "customer": ["employers", "job seekers", "part-time workers", "HR teams"],
        "benefit": ["hire faster", "pay staff on time", "find shift work"],
    },
    "media": {
        "product": ["podcast network", "short-video studio", "news aggregator", "esports league",
                    "AR marketing platform"],
        "customer": ["advertisers", "gamers", "readers", "creators"],
        "benefit": ["reach younger audiences", "monetize content", "measure campaigns"],
    },
    "legaltech": {
        "product": ["contract-review AI", "online dispute resolution", "company-secretary service",
                    "trademark search tool"],
        "customer": ["law firms", "startups", "SMEs", "in-house counsel"],
        "benefit": ["review contracts in minutes", "register companies online",
                    "settle disputes cheaply"],
    },
}  # fmt: skip

TECH = ["AI", "machine learning", "blockchain", "cloud", "IoT", "5G", "big data", "computer vision",
        "mobile", "API", "sensor", "data analytics", "edge computing", "GPS"]  # fmt: skip
PARTNERS = ["Cyberport", "Hong Kong Science Park",
            "the Taipei Smart City Project Management Office", "local universities",
            "a regional bank", "the city government", "a telecom operator",
            "an incubator", "a hospital group", "a property developer"]  # fmt: skip
STAGES = ["seed", "Series A", "Series B", "pre-IPO", "bootstrapped", "angel-funded"]

ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kl", "l", "m",
          "n", "p", "pl", "qu", "r", "s", "sh", "sk", "st", "t", "tr", "v", "w", "x", "y",
          "z"]  # fmt: skip
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "io", "ou", "y"]
CODAS = ["", "", "", "n", "r", "x", "l", "m", "s", "ck", "t", "v", "nd", "rk"]
SUFFIX_WORDS = ["Labs", "AI", "Tech", "Health", "Pay", "Robotics", "Mobility", "Energy",
                "Logistics", "Analytics", "Systems", "Bio", "Cloud", "Go", "Hub", "Works",
                "Digital", "Data", "Sense", "Grid", "Learn", "Care", "Home", "Foods", "Ventures",
                "Motion", "Vision", "Finance", "Capital", "Link", "Space", "Play", "Med",
                "Farm"]  # fmt: skip
PREFIX_WORDS = ["Smart", "Neo", "Open", "Urban", "Green", "Blue", "Hyper", "Deep", "Quantum",
                "Bright", "Swift", "True", "Next", "Silver", "Golden", "Red", "Little",
                "Happy"]  # fmt: skip
LEGAL = ["Limited", "Ltd", "Technologies", "Holdings", "Group", "Inc", "Company"]
#: Founders' family names: a founder is a made-up given name and one of these.
SURNAMES = ["Chan", "Wong", "Lee", "Lam", "Cheung", "Ng", "Lin", "Chen", "Tan", "Kim", "Sato",
            "Smith", "Garcia", "Müller", "Patel", "Nguyen"]  # fmt: skip
EXCHANGES = [("HKEX Main Board", "{n:04d}"), ("Nasdaq", "{t}"), ("NYSE", "{t}"),
             ("Taiwan Stock Exchange", "{n:04d}")]  # fmt: skip

#: Characters Hong Kong and Taiwan brands use, mostly Traditional (the loader folds scripts).
ZH_CHARS = list(
    "智科雲達聯創數易通匯信寶星華海光網樂安康健醫學教育物流行車電能綠環保食農金融投資財富"
    "房屋居家城市未來新生活快速靈動天地人和美好優品精巧極致思維訊息互動影音遊戲旅遊機器"
    "視覺語音芯片感知連線眾包共享方舟恆源盛泰豐順宏偉卓越領航啟明"
)

ORG_TYPES = {
    "government": ["{city} Innovation and Technology Bureau", "{city} Digital Policy Office",
                   "{city} Smart City Office", "{city} Transport Department",
                   "{city} Environmental Protection Department"],
    "park": ["{city} Science Park", "{city} Cyberport", "{city} Innovation Hub",
             "{city} Software Park", "{city} Biotech Park"],
    "association": ["{city} Fintech Association", "{city} Startup Council",
                    "{city} AI Society", "{city} Blockchain Alliance",
                    "{city} Women in Tech Network", "{city} IoT Alliance",
                    "{city} Healthtech Association"],
    "accelerator": ["{brand} Accelerator", "{brand} Incubator", "{brand} Startup Studio"],
    "investor": ["{brand} Ventures", "{brand} Capital", "{brand} Angel Network"],
    "university": ["{city} University of Technology", "{city} Institute of Design",
                   "{city} Polytechnic"],
}  # fmt: skip

TOPICS = ["Lampposts", "Mobility", "Parking", "Open Data", "Wi-Fi", "Digital Identity",
          "Traffic Management", "Water Management", "Waste Management", "Energy Grid",
          "Air Quality", "Health Records", "Elderly Care", "Tourism", "Payments",
          "Building Management", "Flood Warning", "Public Transport", "Bike Sharing",
          "EV Charging", "Street Lighting", "Noise Monitoring", "Emergency Response",
          "School Connectivity", "Citizen App", "Drone Delivery", "5G Rollout",
          "Data Centre", "Cybersecurity", "Startup Fund", "Sandbox", "Talent Scheme",
          "Green Buildings", "Recycling", "Port Logistics", "Tree Monitoring",
          "Smart Kiosks", "Digital Library", "Telehealth", "Autonomous Buses"]  # fmt: skip
PROGRAMME = ["Programme", "Initiative", "Pilot", "Scheme", "Project", "Strategy", "Plan"]
PHASES = ["", " Phase II", " Phase III", " 2.0"]
AREAS = ["Smart Mobility", "Smart Living", "Smart Environment", "Smart People",
         "Smart Government", "Smart Economy"]  # fmt: skip
STATES = ["active"] * 8 + ["listed", "renamed", "merged", "closed", "unknown"]

CITY_FIGURES = [
    # (id, label, unit, keywords, low, high)
    ("free-wifi-hotspots", "Free Wi-Fi hotspots", None, ["wifi", "wi-fi", "hotspots"], 500, 40000),
    ("household-broadband", "Household broadband penetration rate", "%",
     ["broadband", "internet", "penetration"], 60, 99),
    ("open-data-sets", "Open data sets published", None, ["open data", "datasets"], 200, 9000),
    ("smart-lampposts", "Smart lampposts installed", None, ["lampposts", "lamp posts"], 50, 2000),
    ("ev-charging-points", "Public EV charging points", None,
     ["ev", "electric vehicle", "charging"], 100, 20000),
    ("startups", "Startups in the city", None, ["startups", "startup ecosystem"], 300, 15000),
    ("co-working-spaces", "Co-working spaces", None, ["coworking", "co-working"], 20, 800),
    ("5g-base-stations", "5G base stations", None, ["5g", "base stations"], 1000, 60000),
    ("population", "Population", "million", ["population", "people", "residents"], 1, 25),
]  # fmt: skip

_PLAIN_RE = re.compile(r"^[A-Za-z0-9\u3400-\u9fff][\w .,&()/+%\u3400-\u9fff'-]*$")
_YAML_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


# ---------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Plan:
    """How many records of each kind a data set of ``startups`` startups has."""

    startups: int

    @property
    def cities(self) -> int:
        return min(len(CITIES), max(2, round(self.startups / 1000)))

    @property
    def initiatives(self) -> int:
        return max(16, self.startups // 50)

    @property
    def organizations(self) -> int:
        return max(8, self.startups // 50)

    def total(self) -> int:
        return self.startups + self.cities + self.initiatives + self.organizations


def folder_for(root: Path, size: int) -> Path:
    """The data folder of one size: ``root/n<size>/data``."""
    return root / f"n{size}" / "data"


# ---------------------------------------------------------------------------- records


@dataclass
class Names:
    """Every normalized name and alias handed out so far: the loader rejects duplicates."""

    taken: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    def claim(self, label: str) -> bool:
        key = normalize(label)
        if not key or key in self.taken:
            return False
        self.taken.add(key)
        return True

    def slug(self, name: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", normalize(name).encode("ascii", "ignore").decode())
        base = base.strip("-")[:60].strip("-") or "x"
        slug, n = base, 2
        while slug in self.ids:
            slug, n = f"{base}-{n}", n + 1
        self.ids.add(slug)
        return slug


def brand(rng: random.Random) -> str:
    """A pronounceable made-up word: 'Kivora', 'Zentrix', 'Plou'."""
    syllables = rng.choice((2, 2, 2, 3, 3))
    word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables))
    return (word + rng.choice(CODAS)).capitalize()


def startup_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return brand(rng)
    if roll < 0.75:
        return f"{brand(rng)} {rng.choice(SUFFIX_WORDS)}"
    if roll < 0.88:
        return f"{rng.choice(PREFIX_WORDS)} {brand(rng)}"
    return brand(rng) + rng.choice(SUFFIX_WORDS)  # 'KivoraPay'


def chinese_name(rng: random.Random) -> str:
    return "".join(rng.choice(ZH_CHARS) for _ in range(rng.choice((2, 3, 3, 4))))


def article(noun: str) -> str:
    return ("an " if noun[0] in "aeiouAEIO" else "a ") + noun


def describe(rng: random.Random, name: str, sector: str, city: str, founded: int) -> str:
    """30-60 words about what the startup does, for whom, with what, since when."""
    vocab = SECTORS[sector]
    product = rng.choice(vocab["product"])
    customer = rng.choice(vocab["customer"])
    other = rng.choice(vocab["customer"])
    first, second = rng.sample(vocab["benefit"], 2)
    sentences = [
        f"{name} runs {article(rng.choice(TECH))}-powered {product} for {customer} in {city}.",
        f"The platform helps {other} {first} and {second}.",
        f"Founded in {founded}, the {rng.choice(STAGES)} team of {rng.randint(3, 400)} people "
        f"works with {rng.choice(PARTNERS)}.",
        f"It also offers {article(rng.choice(vocab['product']))} built on {rng.choice(TECH)} and "
        f"{rng.choice(TECH)} for {rng.choice(vocab['customer'])}.",
        f"Customers in {rng.randint(1, 12)} markets across Asia use it every day, and the "
        f"company plans to expand its {sector} business in {rng.choice(['Southeast Asia', 'the Greater Bay Area', 'Japan', 'Europe', 'Taiwan', 'mainland China'])}.",  # noqa: E501
    ]
    words: list[str] = []
    for sentence in sentences:
        more = sentence.split()
        if len(words) + len(more) > 60:
            break
        words.extend(more)
        if len(words) >= 30 and rng.random() < 0.35:
            break
    return " ".join(words)


def make_cities(plan: Plan, rng: random.Random, names: Names) -> list[dict]:
    out = []
    for name, zh, country in CITIES[: plan.cities]:
        names.claim(name)
        names.claim(zh)
        rid = names.slug(name)
        aliases = []
        initials = "".join(w[0] for w in name.split()).upper()
        if len(initials) > 1 and names.claim(initials):
            aliases.append(initials)
        figures = []
        for fid, label, unit, keywords, low, high in rng.sample(CITY_FIGURES, rng.randint(3, 6)):
            figure: dict = {"id": fid, "label": label, "value": rng.randint(low, high)}
            if unit:
                figure["unit"] = unit
            figure["as_of"] = rng.randint(2017, 2024)
            figure["source"] = f"https://stats.example.org/{rid}/{fid}"
            figure["keywords"] = keywords
            figures.append(figure)
        area = rng.sample(AREAS, 4)
        out.append(
            {
                "id": rid,
                "name": name,
                "name_zh": zh,
                "aliases": aliases,
                "description": f"{name} is a smart city in {country} whose programme covers "
                f"{', '.join(area[:3])} and {area[3]}, with open data, 5G and a growing "
                "startup ecosystem supported by parks, accelerators and city funds.",
                "tags": ["smart city", country.lower()],
                "country": country,
                "areas": area,
                "website": f"https://smartcity.example.org/{rid}",
                "figures": figures,
            }
        )
    return out


def make_organizations(plan: Plan, rng: random.Random, names: Names, cities: list[dict]):
    out: list[dict[str, Any]] = []
    types = list(ORG_TYPES)
    attempts = 0
    while len(out) < plan.organizations:
        attempts += 1
        otype = rng.choice(types)
        city = rng.choice(cities)
        pattern = rng.choice(ORG_TYPES[otype])
        name = pattern.format(city=city["name"], brand=brand(rng))
        if attempts > 20 * plan.organizations:
            name = f"{name} {len(out)}"
        if not names.claim(name):
            continue
        record: dict[str, Any] = {"id": names.slug(name), "name": name}
        words = [w for w in name.split() if w[0].isupper()]
        initials = "".join(w[0] for w in words)
        if len(initials) >= 3 and names.claim(initials):
            record["aliases"] = [initials]
        record |= {
            "description": f"{name} is a {otype} in {city['name']} that supports startups "
            f"and smart-city projects with {rng.choice(['funding', 'space', 'mentoring', 'policy', 'research'])}"  # noqa: E501
            f" and {rng.choice(['networking', 'pilots', 'training', 'data', 'market access'])}.",
            "tags": [otype, rng.choice(list(SECTORS))],
            "city": city["id"],
            "type": otype,
            "founded": rng.randint(1960, 2022),
            "website": f"https://{record['id']}.example.org",
        }
        out.append(record)
    return out


def make_initiatives(plan: Plan, rng: random.Random, names: Names, cities, organizations):
    out: list[dict[str, Any]] = []
    attempts = 0
    while len(out) < plan.initiatives:
        attempts += 1
        city = rng.choice(cities)
        topic = rng.choice(TOPICS)
        name = f"{city['name']} Smart {topic} {rng.choice(PROGRAMME)}{rng.choice(PHASES)}"
        if attempts > 20 * plan.initiatives:
            name = f"{name} {len(out)}"
        if not names.claim(name):
            continue
        rid = names.slug(name)
        record: dict = {
            "id": rid,
            "name": name,
            "description": f"{city['name']} is rolling out {topic.lower()} across districts "
            f"to improve {rng.choice(AREAS).lower()}, with sensors, open data and startup "
            f"partners; the {rng.choice(PROGRAMME).lower()} started in {rng.randint(2015, 2023)}.",
            "tags": ["smart city", topic.lower()],
            "city": city["id"],
            "area": rng.choice(AREAS),
        }
        orgs = [o["id"] for o in organizations if o["city"] == city["id"]][:3]
        if orgs:
            record["organizations"] = rng.sample(orgs, rng.randint(1, len(orgs)))
        if rng.random() < 0.4:
            record["figures"] = [
                {
                    "id": "units-deployed",
                    "label": f"{topic} units deployed",
                    "value": rng.randint(10, 5000),
                    "as_of": rng.randint(2018, 2024),
                    "source": f"https://gov.example.org/{rid}",
                    "keywords": [topic.lower(), "deployed"],
                }
            ]
        if rng.random() < 0.2:
            record["status"] = {"state": rng.choice(STATES), "date": str(rng.randint(2019, 2024))}
        out.append(record)
    return out


def make_startups(plan: Plan, rng: random.Random, names: Names, cities, organizations):
    out: list[dict[str, Any]] = []
    sectors = list(SECTORS)
    orgs_by_city: dict[str, list[str]] = {}
    for org in organizations:
        orgs_by_city.setdefault(org["city"], []).append(org["id"])
    while len(out) < plan.startups:
        name = startup_name(rng)
        if not names.claim(name):
            continue
        rid = names.slug(name)
        # Hong Kong and Taipei dominate, as in the community's own lists.
        roll = rng.random()
        city = cities[0] if roll < 0.3 else cities[1] if roll < 0.5 else rng.choice(cities)
        sector = rng.choice(sectors)
        founded = rng.randint(2005, 2023)
        record: dict = {"id": rid, "name": name}
        if rng.random() < 0.3:
            zh = chinese_name(rng)
            if names.claim(zh):
                record["name_zh"] = zh
        aliases = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            kind = rng.random()
            if kind < 0.4:
                alias = f"{name} {rng.choice(LEGAL)}"
            elif kind < 0.7:
                alias = startup_name(rng)  # a former name
            elif kind < 0.85:
                alias = chinese_name(rng)
            else:
                alias = "".join(w[0] for w in name.split()).upper() + rng.choice(("", "X", "HK"))
            if len(alias) >= 2 and names.claim(alias):
                aliases.append(alias)
        if aliases:
            record["aliases"] = aliases
        record["description"] = describe(rng, name, sector, city["name"], founded)
        record["sector"] = sector
        if rng.random() < 0.1:
            record["sector_detail"] = rng.choice(SECTORS[sector]["product"])
        record["tags"] = [sector, *rng.sample(sectors, rng.randint(0, 2))]
        record["tags"] = list(dict.fromkeys(record["tags"]))
        record["city"] = city["id"]
        record["founded"] = founded
        if rng.random() < 0.3:
            record["founders"] = [
                {"name": f"{brand(rng)} {rng.choice(SURNAMES)}"} for _ in range(rng.randint(1, 3))
            ]
        record["website"] = f"https://{rid}.example.com"
        if rng.random() < 0.25:
            state = rng.choice(STATES)
            record["status"] = {"state": state}
            if rng.random() < 0.5:
                record["status"]["as_of"] = str(rng.randint(founded, 2024))
            if state == "listed":
                exchange, code = rng.choice(EXCHANGES)
                ticker = code.format(n=rng.randint(1, 9999), t=rid.replace("-", "")[:4].upper())
                date = f"{rng.randint(founded, 2024)}-{rng.randint(1, 12):02d}"
                record["listing"] = {"exchange": exchange, "ticker": ticker, "date": date}
        peers = orgs_by_city.get(city["id"], [])
        if peers and rng.random() < 0.3:
            record["organizations"] = rng.sample(peers, min(len(peers), rng.randint(1, 2)))
        out.append(record)
    return out


# ---------------------------------------------------------------------------- YAML


def scalar(value: object) -> str:
    """One YAML scalar: plain when unambiguous, else double-quoted (JSON escaping is valid)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if (
        _PLAIN_RE.match(text)
        and text.lower() not in _YAML_WORDS
        and not re.fullmatch(r"[-+0-9.:_]+", text)
        and ": " not in text
        and " #" not in text
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def emit(value: object, indent: int = 0) -> list[str]:
    """Block-style YAML lines for mappings and lists of scalars/mappings."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict):
                lines.append(f"{pad}{key}:")
                lines.extend(emit(item, indent + 2))
            elif isinstance(item, list):
                if not item:
                    continue
                lines.append(f"{pad}{key}:")
                lines.extend(emit(item, indent))
            else:
                lines.append(f"{pad}{key}: {scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                inner = emit(item, indent + 2)
                inner[0] = f"{pad}- {inner[0][indent + 2 :]}"
                lines.extend(inner)
            else:
                lines.append(f"{pad}- {scalar(item)}")
    return lines


def write_section(folder: Path, section: str, records: list[dict], header: str) -> list[Path]:
    """Write ``records`` as ``section`` over files of RECORDS_PER_FILE records each."""
    target = folder / section
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for part, start in enumerate(range(0, len(records), RECORDS_PER_FILE), start=1):
        chunk = records[start : start + RECORDS_PER_FILE]
        path = target / f"{section}-{part:04d}.yaml"
        text = "\n".join([header, f"{section}:", *emit(chunk)]) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# ---------------------------------------------------------------------------- folders


def digest(folder: Path) -> str:
    """A content hash of every data file below ``folder`` (names and bytes)."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*.yaml")):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def stamp_ok(folder: Path, size: int) -> bool:
    """True when ``folder`` holds exactly what this generator version makes for ``size``."""
    stamp = folder.parent / STAMP
    try:
        info = json.loads(stamp.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        info.get("version") == GENERATOR_VERSION
        and info.get("size") == size
        and info.get("seed") == SEED
        and info.get("digest") == digest(folder)
    )


def generate(size: int, root: Path) -> tuple[Path, dict]:
    """Write the data folder for ``size`` startups below ``root``; return it and its counts."""
    folder = folder_for(root, size)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    plan = Plan(size)
    rng = random.Random(f"{SEED}:{size}")
    names = Names()
    cities = make_cities(plan, rng, names)
    organizations = make_organizations(plan, rng, names, cities)
    initiatives = make_initiatives(plan, rng, names, cities, organizations)
    startups = make_startups(plan, rng, names, cities, organizations)
    header = f"# Synthetic benchmark data (bench/generator.py v{GENERATOR_VERSION}, size {size})."
    files = write_section(folder, "cities", cities, header)
    community = folder / "community.yaml"
    community.write_text(
        header + "\ncommunity:\n  name: SmartUps bench\n  links:\n  - label: Home\n"
        "    url: https://smartups.example.org/\n",
        encoding="utf-8",
    )
    files += write_section(folder, "organizations", organizations, header)
    files += write_section(folder, "initiatives", initiatives, header)
    files += write_section(folder, "startups", startups, header)
    counts = {
        "cities": len(cities),
        "initiatives": len(initiatives),
        "organizations": len(organizations),
        "startups": len(startups),
        "files": len(files) + 1,
        "bytes": sum(p.stat().st_size for p in [*files, community]),
    }
    stamp = {
        "version": GENERATOR_VERSION,
        "size": size,
        "seed": SEED,
        "digest": digest(folder),
        "counts": counts,
    }
    (folder.parent / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return folder, counts


def ensure(size: int, root: Path, log=print) -> tuple[Path, dict]:
    """The data folder for ``size``, generated only when missing or stale."""
    folder = folder_for(root, size)
    if folder.is_dir() and stamp_ok(folder, size):
        info = json.loads((folder.parent / STAMP).read_text("utf-8"))
        return folder, info["counts"]
    log(f"generating {size:,} startups under {folder} ...")
    return generate(size, root)
