"""A small, hand-written lexicon of the broad topics people ask a news bot for.

A broad word ("sport", "economy", "tech") names a field, not a word that its stories contain:
a football report rarely says "sport", a market report rarely says "economy". Each concept here
gives the names people use for it (``names``: the query words, plurals and spellings folded by
``news.topics.stem``), a ``description`` whose MiniLM embedding stands for the field when
stories are compared by meaning, ``terms``: words whose presence in a story's title or lead
is evidence that the story is in the field, and ``parts``: narrower concepts (a football story
is a sport story even when it is far from the description of sport as a whole), and ``traps``:
phrases in which a word of the field means something else. Written by hand from general news
vocabulary; the weights and thresholds that use it were chosen on the BBC set
(``benchmarks/bench_stories.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONCEPTS", "Concept"]


@dataclass(frozen=True, slots=True)
class Concept:
    """One broad topic: what people call it, what it is about, words that show it."""

    key: str
    names: tuple[str, ...]
    description: str
    terms: tuple[str, ...]
    parts: tuple[str, ...] = ()  # keys of narrower concepts a story may be on instead
    # Phrases in which a word of the field means something else ("science fiction"): their
    # words are no evidence.
    traps: tuple[str, ...] = ()


def _concept(
    key: str, names: str, description: str, terms: str, parts: str = "", traps: str = ""
) -> Concept:
    def listed(text: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in text.split(",") if item.strip())

    return Concept(
        key, listed(names), description, tuple(terms.split()), listed(parts), listed(traps)
    )


CONCEPTS: tuple[Concept, ...] = (
    _concept(
        "sport",
        "sport, sports, sporting, sport news, sports news",
        "Sport news: football, tennis, rugby, cricket, athletics, golf and motor racing; "
        "matches, teams, players, coaches, leagues, cups and championships.",
        """sport sporting football soccer tennis rugby cricket athletics golf boxing cycling
        olympic olympics match matches league cup championship championships tournament coach
        striker goal goals squad player players athlete athletes medal derby fixture referee
        stadium unbeaten""",
        "football, tennis, rugby, cricket, athletics",
    ),
    _concept(
        "football",
        "football, soccer, premier league, footballer, footballers",
        "Football news: clubs, matches, goals, transfers, managers, strikers and the league "
        "table; the Premier League, the Champions League, the FA Cup and the World Cup.",
        """football soccer footballer striker midfielder defender goalkeeper goal goals league
        derby cup club manager transfer premiership uefa fifa penalty fixture squad""",
    ),
    _concept(
        "tennis",
        "tennis",
        "Tennis news: players, matches and grand slam tournaments such as Wimbledon and the "
        "Australian Open.",
        "tennis wimbledon atp wta seed seeded grand slam",
    ),
    _concept(
        "rugby",
        "rugby, rugby union, rugby league",
        "Rugby news: rugby union and league matches, the Six Nations, tries and test series.",
        "rugby scrum fly half lions",
    ),
    _concept(
        "cricket",
        "cricket",
        "Cricket news: test matches, one-day internationals, batting, bowling, wickets and runs.",
        "cricket wicket wickets batsman batsmen bowler innings ashes odi",
    ),
    _concept(
        "athletics",
        "athletics, track and field",
        "Athletics news: sprinters, runners and jumpers, races, marathons, world records and "
        "championships, doping tests.",
        "athletics athlete sprint sprinter marathon runner race metres record doping iaaf",
    ),
    _concept(
        "business",
        "business, businesses, business news, companies, company, firms, corporate, industry",
        "Business news: companies, profits, sales, shares, takeovers, chief executives, "
        "banks, jobs and the economy.",
        """business company companies firm firms profit profits sales revenue shares
        shareholder shareholders takeover merger chief executive bank banks investor investors
        market markets economy economic earnings stake retailer""",
        "markets",
        "business class, business-class",
    ),
    _concept(
        "economy",
        "economy, economics, economic, the economy, economic news, finance, financial, money",
        "Economy news: growth, inflation, interest rates, unemployment, central banks, "
        "budgets, trade, currencies and markets.",
        """economy economic economist economists growth gdp inflation interest rates
        unemployment central bank budget deficit trade exports imports currency currencies
        recession finance financial""",
        "markets",
    ),
    _concept(
        "markets",
        "markets, market, stock market, stock markets, stocks, shares, stock exchange, "
        "financial markets, investing",
        "Financial markets news: stocks and shares, stock exchanges and indices, bonds, "
        "currencies, oil prices, investors and trading.",
        """market markets stock stocks share shares index indices bond bonds investor investors
        trading traders dow nasdaq ftse currency currencies rally""",
    ),
    _concept(
        "politics",
        "politics, political, government, governments, parliament, mps, politicians, "
        "political news",
        "Politics news: government, parliament, ministers, MPs, political parties, "
        "elections, votes, laws and policy.",
        """politics political politician politicians government minister ministers parliament
        mp mps party parties labour tory tories conservative conservatives liberal democrats
        election elections vote voters campaign policy bill law opposition prime president
        senate congress""",
        "elections",
    ),
    _concept(
        "elections",
        "election, elections, vote, voting, polls",
        "Election news: campaigns, candidates, parties, votes, polls and results.",
        "election elections vote votes voter voters voting poll polls ballot campaign candidate",
    ),
    _concept(
        "technology",
        "technology, technologies, tech, tech news, technology news, computing, computers, "
        "digital",
        "Technology news: computers, software, the internet, mobile phones, gadgets, video "
        "games, artificial intelligence, chips and tech companies.",
        """technology tech computer computers computing software hardware internet online web
        broadband digital mobile phone phones smartphone gadget gadgets chip chips chipmaker
        processor processors microsoft apple google intel ai robot robots hackers hacker cyber
        device devices app apps gaming console""",
        "internet, mobile phones, video games",
    ),
    _concept(
        "internet",
        "internet, the internet, web, online",
        "Internet news: websites, search engines, broadband, online services, e-mail, spam "
        "and net security.",
        "internet web online website websites broadband email e-mail spam blog blogs",
    ),
    _concept(
        "mobile phones",
        "mobile phones, mobile phone, mobiles, phones, smartphones, smartphone, mobile",
        "Mobile phone news: handsets, smartphones, networks, operators and mobile services.",
        "mobile mobiles phone phones handset handsets smartphone smartphones 3g",
    ),
    _concept(
        "video games",
        "video games, video game, games, gaming, computer games",
        "Video games news: consoles, game releases, gamers and the games industry.",
        "gaming gamer gamers console consoles playstation xbox nintendo",
    ),
    _concept(
        "science",
        "science, sciences, scientific, research, scientists",
        "Science news: research and discoveries by scientists in physics, biology, chemistry, "
        "space, medicine and the climate, published in scientific studies.",
        """science scientist scientists scientific research researchers study studies
        discovery physics physicist physicists biology biologist chemistry astronomy
        astronomer astronomers planet planets telescope space spacecraft nasa experiment
        laboratory lab genetic genes species fossil fossils dinosaur""",
        "",
        "science fiction, sci-fi, science-fiction",
    ),
    _concept(
        "health",
        "health, healthcare, medicine, medical, health news, nhs",
        "Health news: hospitals, doctors, patients, diseases, medicines, vaccines, public "
        "health and health services.",
        """health hospital hospitals doctor doctors patient patients disease diseases medicine
        medicines drug drugs vaccine vaccines virus cancer nhs nurse nurses treatment clinic
        illness""",
    ),
    _concept(
        "world",
        "world, world news, international, international news, global, foreign affairs",
        "World news: international affairs, conflicts, wars, diplomacy, peace talks, foreign "
        "governments and disasters around the world.",
        """world international global foreign war wars conflict peace talks ceasefire truce
        diplomat diplomats diplomacy embassy united nations un troops refugees border
        summit""",
    ),
    _concept(
        "climate",
        "climate, climate change, environment, environmental, global warming, energy",
        "Climate and environment news: global warming, emissions, carbon, renewable energy, "
        "wind and solar power, droughts, floods and heatwaves.",
        """climate environment environmental emissions carbon co2 warming renewable renewables
        wind solar energy drought flood floods heatwave coal fossil""",
    ),
    _concept(
        "entertainment",
        "entertainment, showbiz, showbusiness, celebrities, celebrity, celebs, arts, culture",
        "Entertainment news: films, music, television, celebrities, stars, actors, singers, "
        "awards, concerts and the arts.",
        """entertainment showbiz celebrity celebrities film films movie movies cinema actor
        actress music singer band album television tv oscar oscars theatre""",
        "films, music, television",
    ),
    _concept(
        "films",
        "films, film, movies, movie, cinema, cinemas, hollywood",
        "Film news: movies, cinema, actors, directors, box office and film awards such as the "
        "Oscars and Baftas.",
        """film films movie movies cinema cinemas hollywood actor actors actress director
        oscar oscars bafta baftas box office screen""",
    ),
    _concept(
        "music",
        "music, bands, band, pop music, singers, musicians",
        "Music news: bands, singers, albums, singles, charts, concerts, tours and music awards.",
        """music musician musicians band bands singer singers album albums chart charts concert
        concerts song songs rapper grammy grammys""",
    ),
    _concept(
        "television",
        "television, tv, tv shows, television shows",
        "Television news: TV shows, series, channels, broadcasters, viewers and ratings.",
        "television tv channel broadcaster itv viewers sitcom",
    ),
)
