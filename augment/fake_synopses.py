"""`fake_synopsis`: short, varied, made-up synopses for the local test server and benchmarks."""

SUBJECTS = [
    "a retired lighthouse keeper",
    "two estranged sisters",
    "a disgraced surgeon",
    "an ambitious young reporter",
    "a shy accordion player",
    "a widowed farmer",
    "a teenage chess prodigy",
    "a cynical war correspondent",
    "a travelling circus",
    "an exiled prince",
    "a small-town sheriff",
    "a failed opera singer",
    "a band of army deserters",
    "a stubborn schoolteacher",
    "a rookie game-show host",
    "an aging boxer",
    "a family of beekeepers",
    "a radio news anchor",
]
GOALS = [
    "tries to win back the trust of a town that never forgave",
    "must deliver a message across",
    "searches for a missing brother somewhere in",
    "is forced to testify about a fire in",
    "plans one last daring performance in",
    "uncovers an old secret buried beneath",
    "competes for a fortune on live television in",
    "struggles to keep a failing newspaper alive in",
    "leads a desperate retreat through",
    "falls in love while hiding from soldiers in",
]
PLACES = [
    "occupied Normandy",
    "the frozen harbour of Arkhangelsk",
    "a crumbling Lisbon hotel",
    "the outskirts of Nairobi",
    "a mining camp in Nevada",
    "the canals of Amsterdam",
    "a television studio in 1970s Tokyo",
    "the Scottish highlands",
    "a river town in Missouri",
    "the back streets of Naples",
    "a fishing village on the Baltic",
    "a Himalayan monastery",
]
TWISTS = [
    "but an anonymous letter threatens to expose everything",
    "while a ruthless officer closes in on them day by day",
    "and each victory costs them someone they love",
    "until a storm cuts the village off from the rest of the world",
    "as the nation watches every move on its screens",
    "even though nobody believes a word of their story",
]
ENDINGS = [
    "What begins as a simple favour becomes the fight of a lifetime.",
    "Old loyalties are tested when the truth finally comes out.",
    "Along the way they learn that courage is rarely loud.",
    "By the final night, nothing in the valley will ever be the same again.",
    "It is a story about pride, grief and the long road home.",
]
NAMES = [
    "Ada",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elif",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemal",
    "Lotte",
    "Marek",
    "Nadia",
    "Oskar",
    "Priya",
]


def fake_synopsis(rng):
    """One plausible English synopsis (about 60-80 words) from `rng`."""
    name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}son"
    year = rng.randint(1900, 2020)
    parts = [
        f"In {year}, {rng.choice(SUBJECTS)} named {name} {rng.choice(GOALS)} "
        f"{rng.choice(PLACES)}, {rng.choice(TWISTS)}.",
        f"With the help of {rng.choice(SUBJECTS)} and {rng.choice(SUBJECTS)}, "
        f"{name.split()[0]} {rng.choice(GOALS)} {rng.choice(PLACES)}.",
        f"There are {rng.randint(2, 99)} days left {rng.choice(TWISTS)}.",
        rng.choice(ENDINGS),
    ]
    return " ".join(parts)
