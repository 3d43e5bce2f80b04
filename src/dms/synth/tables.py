"""The reference tables the synthetic book draws from: names, benefits and their weekly amounts, debt types
and their amounts, local authorities. Weights are whole numbers (relative frequencies).

Sources for the shapes: hb-debt-interface.md §2 (names: letters, spaces, apostrophes, hyphens, at most 35
characters; LAID six digits), §6.2 (Annex A benefit codes); events.md (claimant types, pay frequencies);
recovery-rules.md §3 (debt types). The amounts are typical of published DWP rates and recovery statistics,
not figures any rule depends on.
"""

from __future__ import annotations

SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
    "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
    "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
    "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
    "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali",
    "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight",
    "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
    "O'Brien", "O'Connor", "O'Neill", "D'Souza", "McDonald", "MacLeod", "Ahmed", "Nowak", "Kowalski",
    "Okafor", "Mensah", "Nguyen", "Smith-Jones", "Lloyd-Webber", "Vaughan-Thomas", "Ap Rhys", "Van Dyke",
    "De Souza", "Fitzgerald", "Chowdhury", "Rahman", "Osei", "Mohammed", "Kaur", "Gill", "Doherty",
)

FORENAMES = (
    "Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar", "William",
    "James", "Leo", "Alfie", "Henry", "Joshua", "Freddie", "Archie", "Ethan", "Isaac", "Alexander",
    "Mohammed", "Daniel", "Samuel", "Joseph", "Lucas", "Max", "Logan", "Dylan", "Adam", "Ryan",
    "David", "Paul", "Mark", "Stephen", "Andrew", "Michael", "Peter", "John", "Robert", "Gary",
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
    "Lily", "Evie", "Isabella", "Sophie", "Ivy", "Freya", "Harper", "Willow", "Charlotte", "Jessica",
    "Sarah", "Emma", "Laura", "Rebecca", "Claire", "Karen", "Susan", "Julie", "Nicola", "Amy",
    "Fatima", "Aisha", "Zainab", "Priya", "Siobhan", "Niamh", "Aoife", "Ffion", "Rhiannon", "Morag",
    "Mary Ann", "Anne-Marie", "Jean-Paul", "Lee-Ann", "Sian", "Bethan", "Kwame", "Chidi", "Agnieszka",
    "Piotr", "Tomasz", "Mariusz", "Ioana", "Andrei", "Chloe", "Zoe", "Jo", "Sam", "Alex", "Jordan",
)
MIDDLE_NAME_PERCENT = 30  # forenames sometimes include a middle name ("Sarah Jane")

# Claimant types of UC awards (events.md award.started). Couples are JOINT_*; a person under 25 is
# *_UNDER_25 (a couple only if both are).
# A household is UC with UC_HOUSEHOLD_PERCENT, and a UC household is a couple with UC_COUPLE_PERCENT; as a
# couple is two people, about 75% of people are on UC (0.72 * 1.15 / (1 + 0.72 * 0.15)).
UC_HOUSEHOLD_PERCENT = 72
UC_COUPLE_PERCENT = 15

# Legacy (Annex A) benefits: code, weight, weekly amount range in pence, minimum age, pay frequency weights
# (WEEKLY, FORTNIGHTLY, FOUR_WEEKLY, MONTHLY).
PAY_FREQUENCIES = ("WEEKLY", "FORTNIGHTLY", "FOUR_WEEKLY", "MONTHLY")
LEGACY_BENEFITS: tuple[tuple[str, int, int, int, int, tuple[int, int, int, int]], ...] = (
    ("ESA", 30, 9055, 22960, 18, (1, 90, 5, 4)),
    ("PIP", 20, 7275, 18745, 18, (2, 3, 90, 5)),
    ("PC", 10, 21830, 33295, 66, (40, 10, 45, 5)),
    ("JSA", 7, 7170, 9055, 18, (1, 96, 2, 1)),
    ("IS", 5, 7170, 14210, 18, (5, 90, 3, 2)),
    ("CA", 8, 8190, 8190, 18, (60, 10, 10, 20)),
    ("DLA_CARE", 5, 2870, 10855, 18, (10, 5, 80, 5)),
    ("AA", 4, 7265, 10855, 66, (20, 5, 70, 5)),
    ("RP", 4, 16950, 22120, 66, (10, 5, 80, 5)),
    ("NSP", 2, 22120, 22120, 66, (10, 5, 80, 5)),
    ("IB", 1, 8675, 12580, 18, (5, 90, 3, 2)),
    ("IDB", 1, 4400, 21920, 18, (30, 10, 55, 5)),
    ("SDA", 1, 8675, 11855, 18, (5, 90, 3, 2)),
    ("BB", 1, 14530, 14530, 18, (60, 20, 15, 5)),
    ("BA", 1, 5280, 5280, 18, (60, 20, 15, 5)),
    ("MA", 1, 18465, 18465, 18, (80, 10, 5, 5)),
)

# How many debts a person has: count, weight (mean about 3).
DEBT_COUNT_WEIGHTS: tuple[tuple[int, int], ...] = ((1, 18), (2, 22), (3, 21), (4, 16), (5, 11), (6, 7), (7, 5))

# Debt kinds: (creditor "DWP"/"HMRC"/"LA", debt type, weight for UC claimants, weight for legacy claimants).
DEBT_KINDS: tuple[tuple[str, str, int, int], ...] = (
    ("DWP", "UC_ADVANCE_NEW_CLAIM", 17, 0),
    ("DWP", "UC_ADVANCE_CHANGE_OF_CIRCUMSTANCES", 5, 0),
    ("DWP", "UC_ADVANCE_BENEFIT_TRANSFER", 4, 0),
    ("DWP", "BUDGETING_ADVANCE", 10, 0),
    ("DWP", "SOCIAL_FUND_LOAN", 3, 18),
    ("DWP", "RECOVERABLE_HARDSHIP_PAYMENT", 5, 6),
    ("DWP", "ADMINISTRATIVE_PENALTY", 2, 6),
    ("DWP", "CIVIL_PENALTY", 4, 10),
    ("DWP", "OVERPAYMENT", 20, 60),
    ("HMRC", "OVERPAYMENT", 14, 0),
    ("LA", "OVERPAYMENT", 16, 0),
)
LEGACY_HB_PERCENT = 30  # legacy claimants whose only debt is one HB overpayment (hb-debt-interface.md §6.3)
FRAUD_OVERPAYMENT_PERCENT = 20  # of overpayments (DWP, HMRC, HB): about 10% of all debts
JOINT_DEBT_PERCENT = 30  # of a couple member's DWP advances: jointly owed with the partner
UC_HB_DEBT_LIMIT = 5  # hb-debt-interface.md §6.3
LEGACY_HB_DEBT_LIMIT = 1  # hb-debt-interface.md §6.3

# Amounts in pence by debt type: list of (weight, low, high, step) bands; an amount is a multiple of step.
AMOUNT_BANDS: dict[tuple[str, str], tuple[tuple[int, int, int, int], ...]] = {
    ("DWP", "UC_ADVANCE_NEW_CLAIM"): ((1, 20000, 150000, 1000),),
    ("DWP", "UC_ADVANCE_CHANGE_OF_CIRCUMSTANCES"): ((1, 5000, 80000, 1000),),
    ("DWP", "UC_ADVANCE_BENEFIT_TRANSFER"): ((1, 10000, 120000, 1000),),
    ("DWP", "BUDGETING_ADVANCE"): ((1, 10000, 81200, 100),),
    ("DWP", "SOCIAL_FUND_LOAN"): ((1, 10000, 100000, 500),),
    ("DWP", "RECOVERABLE_HARDSHIP_PAYMENT"): ((1, 1500, 40000, 1),),
    ("DWP", "ADMINISTRATIVE_PENALTY"): ((1, 35000, 500000, 1),),
    ("DWP", "CIVIL_PENALTY"): ((1, 5000, 5000, 1),),
    ("DWP", "OVERPAYMENT"): ((60, 5000, 50000, 1), (30, 50001, 300000, 1), (10, 300001, 2000000, 1)),
    ("HMRC", "OVERPAYMENT"): ((55, 10000, 100000, 1), (35, 100001, 400000, 1), (10, 400001, 1200000, 1)),
    ("LA", "OVERPAYMENT"): ((65, 2500, 60000, 1), (30, 60001, 200000, 1), (5, 200001, 500000, 1)),
}
HB_COMPONENT_WEIGHTS: tuple[tuple[int, int], ...] = ((1, 60), (2, 28), (3, 12))
SOCIAL_FUND_AGREED_PENCE = (1000, 4000)  # agreed amount per assessment period, in whole pounds

# Local authorities: a name is a place and a kind of council. Sort-code ranges of the large clearing banks.
LA_PLACES = (
    "Leeds", "Birmingham", "Manchester", "Sheffield", "Bradford", "Liverpool", "Bristol", "Coventry",
    "Leicester", "Nottingham", "Newcastle upon Tyne", "Sunderland", "Wakefield", "Wigan", "Kirklees",
    "Cardiff", "Swansea", "Plymouth", "Southampton", "Portsmouth", "Derby", "Stoke-on-Trent", "Wolverhampton",
    "Salford", "Bolton", "Stockport", "Doncaster", "Rotherham", "Barnsley", "Sandwell", "Dudley", "Walsall",
    "Oldham", "Rochdale", "Tameside", "Trafford", "Bury", "Calderdale", "Gateshead", "North Tyneside",
    "South Tyneside", "Middlesbrough", "Hartlepool", "Darlington", "Stockton-on-Tees", "Hull", "York",
    "Lincoln", "Norwich", "Ipswich", "Colchester", "Luton", "Reading", "Slough", "Milton Keynes", "Oxford",
    "Cambridge", "Peterborough", "Northampton", "Exeter", "Torbay", "Swindon", "Gloucester", "Worcester",
    "Hereford", "Telford and Wrekin", "Shropshire", "Cornwall", "Wiltshire", "Brighton and Hove",
)
LA_KINDS = ("City Council", "Borough Council", "Council", "Metropolitan Borough Council", "District Council")
SORT_CODE_PREFIXES = ("20", "30", "40", "60", "09", "11", "16", "83")
LA_SIZE_WEIGHTS = (1, 2, 3, 5, 8)  # some LAs have many more claimants than others
