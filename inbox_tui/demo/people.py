"""Who writes to Marlow & Lane, and what the shop sells."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

SHOP = "Marlow & Lane"
SUPPORT_NAME = "Marlow & Lane Support"
SUPPORT_EMAIL = "support@marlowlane.example"
AGENT_NAME = "Sam Rivera"
AGENT_FIRST = "Sam"


@dataclass(frozen=True)
class Product:
    en: str
    de: str
    fr: str
    price: float
    apparel: bool = False
    fragile: bool = False

    def name(self, language: str) -> str:
        return getattr(self, language, self.en) if language in ("de", "fr") else self.en


PRODUCTS = (
    Product("Linen duvet cover, oat (double)", "Leinen-Bettbezug Hafer (200×200)", "Housse de couette en lin, avoine", 129.0),
    Product("Stoneware mug set of 4", "Steingut-Becher, 4er-Set", "Lot de 4 mugs en grès", 38.0, fragile=True),
    Product("Merino crew jumper", "Merino-Pullover mit Rundhals", "Pull col rond en mérinos", 89.0, apparel=True),
    Product("Waxed canvas tote", "Shopper aus gewachstem Canvas", "Cabas en toile cirée", 55.0),
    Product("Oak serving board", "Servierbrett aus Eiche", "Planche de service en chêne", 42.0, fragile=True),
    Product("Wool throw, moss", "Wolldecke Moos", "Plaid en laine, mousse", 95.0),
    Product("Ceramic table lamp", "Keramik-Tischleuchte", "Lampe de table en céramique", 120.0, fragile=True),
    Product("Linen apron, rust", "Leinenschürze Rost", "Tablier en lin, rouille", 32.0, apparel=True),
    Product("Organic cotton pyjamas", "Pyjama aus Bio-Baumwolle", "Pyjama en coton bio", 68.0, apparel=True),
    Product("Chunky knit cardigan", "Grobstrick-Cardigan", "Cardigan en grosse maille", 110.0, apparel=True),
    Product("Enamel teapot, cream", "Emaille-Teekanne Creme", "Théière émaillée, crème", 46.0, fragile=True),
    Product("Glass carafe and tumbler", "Glaskaraffe mit Becher", "Carafe et son verre", 28.0, fragile=True),
    Product("Waffle towel set", "Waffelpiqué-Handtuchset", "Serviettes nid d'abeille", 64.0),
    Product("Relaxed linen shirt", "Leinenhemd, lässig geschnitten", "Chemise en lin coupe ample", 79.0, apparel=True),
    Product("Rattan laundry basket", "Wäschekorb aus Rattan", "Panier à linge en rotin", 74.0),
    Product("Cashmere beanie", "Kaschmir-Mütze", "Bonnet en cachemire", 59.0, apparel=True),
)
SIZES = ("XS", "S", "M", "L", "XL")

CARRIER_SLUGS = {
    "Royal Mail": "royalmail", "DPD": "dpd", "Evri": "evri", "Parcelforce": "parcelforce", "DHL": "dhl",
    "Hermes": "hermes", "Colissimo": "colissimo", "Chronopost": "chronopost", "Mondial Relay": "mondialrelay",
    "SF Express": "sf-express", "ACS Courier": "acscourier", "ELTA Courier": "eltacourier", "Aramex": "aramex",
    "DHL Express": "dhlexpress",
}  # fmt: skip


@dataclass(frozen=True)
class Customer:
    name: str
    """How they sign (always set)."""
    email: str
    language: str
    display: str
    """The From display name; may be empty (bare address) or 'Last, First'."""
    utc_offset: int
    style: str
    """How their mail client writes: plain, alternative (text + HTML) or html (HTML only)."""
    mailer: str = ""

    @property
    def first(self) -> str:
        return self.name.split()[0] if " " in self.name else self.name


NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Emma", "Oliver", "Priya", "James", "Chloe", "Tom", "Aisha", "Daniel", "Sophie", "Liam", "Hannah", "Marcus",
         "Grace", "Ben", "Niamh", "Rohan", "Olivia", "Kwame", "Zoe", "Callum", "Megan", "Hugo", "Fiona", "Jack",
         "Amara", "Ethan", "Isla", "Sean", "Lucy", "Adam", "Ruth", "Dev", "Ellie", "Martin", "Jess", "Kate"),
        ("Hughes", "Patel", "O'Brien", "Walsh", "Thompson", "Clarke", "Okafor", "Bennett", "Kowalski", "Murphy",
         "Shah", "Fraser", "Morgan", "Lewis", "Adeyemi", "Doyle", "Campbell", "Nguyen", "Robinson", "Evans",
         "Brooks", "Turner", "Khan", "Reid", "Carter", "Fletcher", "Ahmed", "Price"),
    ),
    "de": (
        ("Jürgen", "Anna", "Lukas", "Sophie", "Matthias", "Katrin", "Stefan", "Lea", "Björn", "Hannah", "Jörg", "Ute"),
        ("Müller", "Schäfer", "Weiß", "Becker", "Hoffmann", "Krüger", "Groß", "Wagner", "Köhler", "Schröder"),
    ),
    "fr": (
        ("Camille", "Léa", "Étienne", "Chloé", "Mathieu", "Hélène", "Benoît", "Margaux", "Amélie", "Jérôme"),
        ("Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Fournier", "Lemaître", "Chevalier", "Faure"),
    ),
}
FULL_NAMES: dict[str, tuple[tuple[str, str], ...]] = {  # (name, email local part)
    "zh": (("王小明", "wangxm"), ("李静", "lijing88"), ("张伟", "zhangwei.uk"), ("刘洋", "liuyang"), ("陈晓燕", "xiaoyan.chen"),
           ("杨帆", "yangfan"), ("赵磊", "zhaolei"), ("黄丽华", "lihua.huang"), ("周杰", "zhoujie"), ("吴婷", "wuting")),
    "el": (("Γιώργος Παπαδόπουλος", "g.papadopoulos"), ("Μαρία Κωνσταντίνου", "maria.k"), ("Νίκος Αντωνίου", "nantoniou"),
           ("Ελένη Γεωργίου", "eleni.georgiou"), ("Δημήτρης Ιωάννου", "dimitris.i"), ("Κατερίνα Νικολάου", "katerina.nik"),
           ("Σοφία Δημητρίου", "sofia.dim"), ("Κώστας Οικονόμου", "k.oikonomou")),
    "ar": (("ليلى حداد", "layla.haddad"), ("أحمد المنصوري", "ahmed.almansoori"), ("فاطمة الزهراء", "fatima.z"),
           ("عمر خليل", "omar.khalil"), ("نور الهاشمي", "noor.hashemi"), ("يوسف العلي", "yousef.ali"),
           ("سارة النجار", "sara.najjar"), ("خالد إبراهيم", "khalid.ibrahim")),
}  # fmt: skip


def ascii_local(text: str) -> str:
    """'Jürgen Weiß' → 'juergen.weiss' (how people really spell their address)."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss").replace("'", "")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ".".join(text.split())


def make_customers(rng: random.Random, language: str, count: int, domains: tuple[str, ...], offsets: tuple[int, ...],
                   mailers: tuple[str, ...]) -> list[Customer]:  # fmt: skip
    """Up to ``count`` distinct customers of one language (fewer where the name list is short)."""
    names: list[tuple[str, str]] = []
    if language in FULL_NAMES:
        names = list(FULL_NAMES[language])  # a short list: these customers write more than once
        rng.shuffle(names)
    else:
        firsts, lasts = NAMES[language]
        pairs = [(f, last) for f in firsts for last in lasts]
        rng.shuffle(pairs)
        for f, last in pairs[:count]:
            local = ascii_local(f"{f} {last}") if rng.random() < 0.7 else ascii_local(f)[:1] + ascii_local(last)
            names.append((f"{f} {last}", local + (str(rng.randint(1, 99)) if rng.random() < 0.25 else "")))
    customers = []
    used: set[str] = set()
    for name, local in names:
        while local in used:
            local += str(rng.randint(0, 9))
        used.add(local)
        display = name
        roll = rng.random()
        if language == "en" and roll < 0.08:
            display = ""
        elif language == "en" and roll < 0.15:
            first, _, last = name.partition(" ")
            display = f"{last}, {first}"
        elif language == "en" and roll < 0.2:
            display = name.lower()
        style = rng.choices(("plain", "alternative", "html"), (0.58, 0.32, 0.10))[0]
        customers.append(
            Customer(name, f"{local}@{rng.choice(domains)}", language, display, rng.choice(offsets), style, rng.choice(mailers or ("",)))
        )
    return customers


def money(amount: float, template: str, decimal_comma: bool) -> str:
    number = f"{amount:.2f}"
    return template.format(number.replace(".", ",") if decimal_comma else number)
