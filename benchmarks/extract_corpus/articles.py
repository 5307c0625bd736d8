# ruff: noqa: E501 - article prose is data, one paragraph per line
"""Fictional news articles for the extraction corpus (all names, places and events invented).

Each article is markup-light: blank lines separate blocks; "## " starts a subheading, "- " a list
item, "> " a quoted passage. The article body a human would mark is exactly these blocks.
"""

from __future__ import annotations

ARTICLES: list[dict[str, str]] = [
    {
        "slug": "ferry-fares",
        "title": "Harbour ferry fares to rise by 4% as operator cites fuel costs",
        "author": "Mara Quenby",
        "date": "2026-11-02T09:15:00+01:00",
        "site": "The Harbour Gazette",
        "section": "Transport",
        "body": """Ferry passengers crossing the Sound will pay 4% more from January, the operator Brightwater Lines said on Monday, blaming a sharp increase in marine fuel prices and the cost of refitting two of its oldest vessels.

A single adult ticket between Port Alder and Kessing Island will rise from 6.20 to 6.45 crowns, while the monthly commuter pass goes up by just under nine crowns. Fares for children under twelve and for registered carers will not change.

"We held prices flat for two years while our costs climbed every quarter," said Ilse Margrave, the company's chief executive. "This increase covers part of that gap, not all of it, and we will keep looking for savings before we ask passengers for more."

## Islanders push back

Residents of Kessing Island, where the ferry is the only year-round link to the mainland, said the rise would hit families and small businesses hardest. The island council has asked the regional transport authority to review the operator's contract, which runs until 2031.

Tomas Brey, who runs a bakery on the island and crosses four times a week to collect supplies, said the timing was poor. "Everything else is going up at the same time. People here do not have another way to get to the hospital or the school."

## What changes in January

- Single adult fares rise to 6.45 crowns.
- Monthly commuter passes rise to 218 crowns.
- Vehicle fares rise by 5%, with a new off-peak discount on weekday afternoons.
- Student and senior discounts stay at their current levels.

The operator said the refit of the MV Corran and MV Lisle would add about 180 seats at peak times once both ships return to service in the spring.""",
    },
    {
        "slug": "water-utility",
        "title": "Water utility fined after sewage spills into Millrace river",
        "author": "Oskar Delling",
        "date": "2026-10-14T16:40:00+00:00",
        "site": "Northvale Courier",
        "section": "Environment",
        "body": """The regional water utility has been fined 1.2 million crowns after untreated sewage spilled into the Millrace river on at least eleven days last summer, killing fish along a three-kilometre stretch near Ashby Ford.

Magistrates heard that a pumping station upstream of the town failed repeatedly during heavy rain and that alarms warning of the fault were ignored for up to nine hours at a time. The utility, Vale Water, admitted three breaches of its discharge permit.

Prosecutor Henrietta Vos told the court that staff had raised concerns about the pumping station in internal reports as early as 2024. "This was not an unforeseeable accident," she said. "The warnings were there, in writing, and they were not acted on."

In a statement, Vale Water apologised to residents and anglers and said it had since replaced two pumps and added remote monitoring that sends alerts directly to an on-call engineer.

Local angling clubs said the fine was welcome but would not bring back the trout population, which volunteers estimate fell by more than half after the spills. The environment agency will test the river monthly until the end of next year.

The case is the third brought against the utility in five years. A parliamentary committee is due to publish a report on river pollution in the region in February.""",
    },
    {
        "slug": "bridge-repairs",
        "title": "Old Kings Bridge to close for eight months of repairs",
        "author": "Priya Castellane",
        "date": "2026-09-21T07:00:00-04:00",
        "site": "Riverside Daily",
        "section": "Local",
        "body": """The Old Kings Bridge, which carries about 22,000 vehicles a day across the Tamsin River, will close to traffic from March for eight months while engineers replace corroded steel supports beneath the deck.

City engineers found the corrosion during a routine inspection in June. The bridge remains safe for current loads, they said, but the repairs cannot wait beyond next year.

Buses will be diverted over the Victoria crossing, adding an estimated twelve minutes to journeys on routes 4 and 17 during the morning peak. A temporary footbridge will keep pedestrians and cyclists moving between the two banks throughout the works.

"We know this will be disruptive, and we have tried to schedule the closure so that the busiest months of the tourist season are affected as little as possible," said Darnell Okafor, who chairs the city's infrastructure committee.

Shop owners on Bridge Street, which depends on passing trade from commuters, asked the city for help with lost business. The council said it would consider a rates holiday for affected premises when it sets the budget in January.

The repairs are expected to cost 34 million, most of it from a national infrastructure fund. The bridge opened in 1911 and was last strengthened in the 1980s.""",
    },
    {
        "slug": "chip-plant",
        "title": "Semiconductor maker picks Eastfield for 3 billion chip plant",
        "author": "Lena Hartwig",
        "date": "2026-08-30T11:20:00+02:00",
        "site": "Business Ledger",
        "section": "Technology",
        "body": """Corvane Semiconductors will build a 3 billion chip packaging plant on the edge of Eastfield, the company said on Thursday, promising about 1,400 permanent jobs once the site reaches full production in 2030.

The plant will assemble and test advanced processors made at the company's fabrication sites abroad, a stage of production that has until now been carried out almost entirely in Asia. Construction is due to start in the spring.

Chief executive Marcus Feld said Eastfield won against two other shortlisted locations because of its rail links, a nearby technical university and a large plot already zoned for industry. "We looked for a place where we could hire engineers and technicians for decades, not just build quickly," he said.

The regional government will contribute 420 million in grants and infrastructure, including a new substation and an upgraded road connection to the motorway. Opposition politicians questioned the size of the subsidy, saying the terms of the agreement should be published in full.

## Water and power

Environmental groups raised concerns about the plant's demand for water during dry summers. Corvane said the site would recycle most of the water it uses and would draw on treated wastewater rather than the town's drinking supply.

Analysts said the decision reflects a broader push by chipmakers to spread production across more regions after supply shortages during the pandemic years. Shares in Corvane rose 2.3% in afternoon trading.""",
    },
    {
        "slug": "recount",
        "title": "Recount confirms mayor's narrow win in Greyhaven",
        "author": "Samuel Ortega",
        "date": "2026-11-19T22:05:00+00:00",
        "site": "Greyhaven Observer",
        "section": "Politics",
        "body": """A full recount in the Greyhaven mayoral election has confirmed incumbent Rosalind Achterberg as the winner by 61 votes, ending two weeks of uncertainty after the closest race in the city's history.

The recount, requested by challenger Felix Amadou, took three days and was carried out by hand under the supervision of observers from both campaigns. The final tally moved by only four votes compared with the original count.

Amadou conceded on Wednesday evening, thanking election staff and volunteers. "The count was careful and fair, and the result is clear," he told supporters at a community hall in the Northgate district. "I called the mayor to congratulate her."

Achterberg said she would work with the new council, where her party lost its majority, to pass a budget before the end of the year. She promised to prioritise housing repairs and bus services, the two issues that dominated the campaign.

Turnout reached 58%, the highest for a local election in Greyhaven since 1998. Election officials said the number of rejected ballots had fallen after the city redesigned its voting papers.""",
    },
    {
        "slug": "heatwave",
        "title": "Heatwave warning issued as temperatures set to reach 39C",
        "author": "Amelie Strand",
        "date": "2026-07-08T06:30:00+02:00",
        "site": "Southcoast News",
        "section": "Weather",
        "body": """Forecasters have issued an amber heat warning for the southern provinces, with temperatures expected to reach 39C on Thursday and remain above 35C through the weekend.

The national weather service said nights would also stay unusually warm, with minimum temperatures above 24C in several cities, making it harder for people to recover from daytime heat.

Health officials urged people to check on elderly neighbours, avoid strenuous activity in the afternoon and drink water regularly. Hospitals in the region have opened additional beds and several towns will keep public libraries open late as cool rooms.

## Advice for the days ahead

- Keep curtains closed on windows that face the sun.
- Avoid travelling during the hottest part of the day if you can.
- Never leave children or animals in parked cars.
- Call the health line if you feel dizzy, confused or unusually tired.

Farmers said the heat would stress crops already weakened by a dry spring. The water authority has asked households to postpone filling pools and washing cars until the warning is lifted.

The forecast suggests a cooler change will arrive from the west on Monday, bringing thunderstorms and the risk of local flooding.""",
    },
    {
        "slug": "transfer",
        "title": "Athletic Corran sign striker Nilsen in club-record deal",
        "author": "Declan Moyo",
        "date": "2026-08-12T18:45:00+01:00",
        "site": "Sportsdesk",
        "section": "Football",
        "body": """Athletic Corran have signed striker Jonas Nilsen from Valmont for a club-record fee reported to be around 18 million, ending a summer-long pursuit of the 24-year-old forward.

Nilsen scored 21 league goals last season and was named young player of the year. He has signed a five-year contract and will wear the number nine shirt previously worn by club captain Eddie Prowse, who retired in May.

"I have watched this club since I was a boy, and when they called I did not need long to decide," Nilsen said at his unveiling. "The manager explained how he wants to play, and it suits me."

Manager Grete Solheim said the signing showed the club's ambition after a season in which it finished fifth, one place short of the European spots. "Jonas gives us goals, but he also works for the team without the ball. That matters to me."

Nilsen could make his debut in Saturday's opening match at home to Brayford. The club said season ticket sales had risen by 9% since news of the deal first emerged last month.""",
    },
    {
        "slug": "museum",
        "title": "City museum reopens after four-year renovation",
        "author": "Hana Okonkwo",
        "date": "2026-05-16T10:00:00+02:00",
        "site": "Culture Weekly",
        "section": "Arts",
        "body": """The Lindqvist Museum of Natural History reopens to the public on Saturday after a four-year renovation that has restored its glass-roofed main hall and doubled the space for temporary exhibitions.

Visitors will again be able to see the museum's best-known exhibit, the skeleton of a fin whale that washed ashore near Haldby in 1887, now suspended from the roof rather than mounted on the floor.

The renovation cost 96 million and was funded by the city, the national heritage fund and private donors. It ran a year late after workers found rot in the timber supports of the east wing.

Director Beatrix Olander said the museum had used the closure to rethink how it tells stories about the natural world. "Our old galleries were organised like a catalogue. Now each room starts with a question that a child might ask, and the objects help answer it."

> We wanted people to leave with more curiosity than they arrived with, not just more facts.

Entry to the permanent collection will remain free. The first temporary exhibition, on the insects of the city's parks, opens in June.""",
    },
    {
        "slug": "rates",
        "title": "Central bank holds rates, signals cut possible next year",
        "author": "Viktor Lindahl",
        "date": "2026-10-29T13:05:00+00:00",
        "site": "Market Wire",
        "section": "Economy",
        "body": """The central bank kept its main interest rate at 3.75% on Wednesday but said it could begin lowering borrowing costs next year if inflation keeps easing as expected.

Inflation fell to 2.6% in September from a peak of more than 9% two years ago. The bank's forecast now shows prices rising by just over 2% by the end of next year, close to its target.

Governor Annika Rasmussen said the board wanted more evidence that wage growth was slowing before acting. "We are not in a hurry, and we are not on autopilot," she told reporters. "Each decision will depend on the data we see."

Seven of the nine board members voted to hold rates, while two favoured an immediate cut of a quarter point, citing weak business investment and a cooling housing market.

## Markets react

The currency slipped slightly against the euro after the announcement, and yields on two-year government bonds fell, as traders increased bets on a cut in the first quarter.

Business groups welcomed the signal but said firms needed lower rates sooner. "Companies are delaying hiring and investment because credit is still expensive," said Mattias Ek of the Federation of Small Enterprises.""",
    },
    {
        "slug": "wildfire",
        "title": "Hundreds evacuated as wildfire spreads in Ostra hills",
        "author": "Carmen Delacroix",
        "date": "2026-08-03T20:10:00+02:00",
        "site": "Southcoast News",
        "section": "News",
        "body": """About 600 people were evacuated from villages in the Ostra hills on Sunday as a wildfire driven by strong winds spread across more than 1,500 hectares of pine forest and scrubland.

Firefighters supported by four water-bombing aircraft worked through the night to protect homes in the villages of Serrat and Montclar. No injuries have been reported, although two barns and a holiday home were destroyed.

The regional emergency service said the fire started near a forest track on Saturday afternoon. Investigators have not yet determined the cause, but officials noted that open fires have been banned in the area since June.

"The wind changed direction twice in the evening, which made the fire very hard to predict," said fire chief Raul Esteve. "Our priority is people first, then houses, then the forest."

Evacuees spent the night in a sports hall in the nearby town of Vilafort, where volunteers served meals and the Red Cross provided beds. Authorities said residents could return once the fire front was under control, possibly by Tuesday.""",
    },
    {
        "slug": "vaccine-trial",
        "title": "Early trial of nasal flu vaccine shows promising results",
        "author": "Dr. Naomi Fairweather",
        "date": "2026-03-11T15:00:00-05:00",
        "site": "Health Journal Online",
        "section": "Health",
        "body": """A nasal spray flu vaccine developed at the University of Eastmoor produced strong immune responses in an early trial involving 240 adult volunteers, researchers reported on Tuesday.

Participants who received the spray developed antibodies in the lining of the nose and throat, where flu viruses first take hold, as well as in the blood. Side effects were mild, mostly a runny nose or a sore throat lasting a day or two.

Lead researcher Professor Idris Kowalczyk said the approach could reduce transmission as well as severe illness. "Injected vaccines are very good at preventing serious disease, but they do less to stop people passing the virus on. A vaccine that works where the virus enters could change that."

The team cautioned that the trial was designed to test safety and immune responses, not whether the vaccine prevents infection. A larger trial involving about 3,000 people is planned for next winter.

## What the trial found

- 92% of participants produced antibodies in the nasal lining.
- Responses were similar in people over and under 50.
- No serious side effects were reported.

Independent experts described the results as encouraging but early. Several nasal vaccines have performed well in small studies before failing in larger ones.""",
    },
    {
        "slug": "rail-strike",
        "title": "Rail workers announce three-day strike over pay",
        "author": "Gideon Marsh",
        "date": "2026-06-04T08:25:00+01:00",
        "site": "The Harbour Gazette",
        "section": "Business",
        "body": """Train drivers and conductors will strike for three days later this month after talks over pay and working hours broke down, their union said on Thursday, threatening widespread disruption for commuters.

The Transport Workers' Union said 84% of members who voted backed industrial action. The walkouts are planned for June 23, 24 and 26, with an overtime ban on the days in between.

Union general secretary Odile Fenwick said members had been offered a pay rise of 3% this year, well below inflation over the past two years. "Our members kept the trains running through everything. They are asking for a fair deal, not a favour."

The rail operator said its offer was the best it could afford without raising fares and accused the union of walking away from talks. It said it would run a reduced timetable on strike days and urged passengers to travel only if necessary.

Business groups warned the strike would hurt shops and restaurants in city centres, which are still recovering from a slow spring. Further talks have been scheduled at the mediation service next week.""",
    },
    {
        "slug": "layoffs",
        "title": "Delivery startup Parcelo cuts a fifth of its staff",
        "author": "Yusuf Brandt",
        "date": "2026-02-18T17:30:00+00:00",
        "site": "Tech Brief",
        "section": "Startups",
        "body": """Parcelo, the grocery delivery startup that raised 140 million last year, is cutting about 20% of its workforce as it pulls out of four cities and focuses on its largest markets.

In an email to staff seen by Tech Brief, co-founder and chief executive Maja Lindgren said the company had grown too quickly and needed to reach profitability without relying on new funding. About 350 people will lose their jobs, most of them in warehouse and support roles.

"We expanded as if money would always be cheap. It is not, and I take responsibility for that," Lindgren wrote. Departing employees will receive at least three months of pay and help finding new work.

The company will close its operations in Brayford, Tolvik, Hesse and Marrow by the end of March. Customers there will be able to use their remaining credits until then.

Parcelo competes with two larger rivals and with supermarkets that have built their own delivery services. Investors have grown more cautious about the sector, which depends on thin margins and heavy spending on marketing.""",
    },
    {
        "slug": "launch",
        "title": "Weather satellite launched to improve storm forecasts",
        "author": "Astrid Nakamura",
        "date": "2026-04-22T04:50:00+00:00",
        "site": "Space and Science",
        "section": "Science",
        "body": """A new weather satellite lifted off from the Kallen spaceport early on Wednesday, carrying instruments designed to track the formation of severe storms in more detail than ever before.

The satellite, named Aurora-3, will settle into a geostationary orbit about 36,000 kilometres above the equator over the next two weeks. It will send images of cloud formation every two and a half minutes, compared with every ten minutes for the satellite it replaces.

Mission scientists said the faster images would help forecasters spot thunderstorms as they begin to build, potentially giving communities extra time to prepare for hail, flash floods and damaging winds.

"Storms can go from nothing to dangerous in twenty minutes," said Dr. Leonie Abara, the mission's chief scientist. "Seeing them every few minutes instead of every ten is a genuine change for people who issue warnings."

The satellite also carries a lightning mapper and an instrument that measures atmospheric moisture at different altitudes. After several months of testing, its data will be shared with weather services across the region at no cost.""",
    },
    {
        "slug": "fisheries",
        "title": "Fishing quotas for cod cut by 15% after stock warnings",
        "author": "Erik Thorsrud",
        "date": "2026-11-23T12:00:00+01:00",
        "site": "Northvale Courier",
        "section": "Environment",
        "body": """Fisheries ministers agreed on Monday to cut the cod quota in the northern sea by 15% next year, after scientists warned that the stock had fallen close to the level at which it may struggle to recover.

The decision was smaller than the 28% cut recommended by the marine research council, reflecting pressure from fishing communities that depend heavily on cod. Quotas for haddock and herring were left largely unchanged.

The fisheries minister, Solveig Aarnes, said the agreement balanced conservation and livelihoods. "We are taking the scientific advice seriously. We are also listening to the people whose towns were built on this fishery."

Conservation groups said the cut did not go far enough and risked repeating the collapse seen in other cod fisheries. Fishing organisations said the reduction would force some smaller boats to stay in port for part of the year.

Ministers also agreed to fund a study of how warmer water temperatures are shifting fish populations northwards, a trend that scientists say is already changing where boats find their catch.""",
    },
    {
        "slug": "housing",
        "title": "House prices fall for third month as mortgage costs bite",
        "author": "Ruth Adeyemi",
        "date": "2026-09-05T09:00:00+01:00",
        "site": "Market Wire",
        "section": "Property",
        "body": """Average house prices fell 0.6% in August, the third monthly decline in a row, as higher mortgage costs continued to squeeze buyers, according to figures published on Friday by the national building society.

The average home now costs 287,400, about 3% less than a year ago. Prices fell in every region except the far north, where a shortage of homes for sale kept values steady.

The building society's chief economist, Paolo Nwosu, said the market was adjusting rather than collapsing. "Buyers are still out there, but they can borrow less than they could two years ago, and sellers are slowly accepting that."

First-time buyers have been hit hardest. The typical deposit needed has risen to almost a fifth of the purchase price, while the number of mortgages approved for new buyers fell by 11% compared with last summer.

Estate agents reported more price reductions on listed homes and longer times to sell. Some economists expect prices to stabilise next year if the central bank begins lowering interest rates as markets expect.""",
    },
    {
        "slug": "school-meals",
        "title": "Free school meals to be extended to all primary pupils",
        "author": "Beatrice Kamau",
        "date": "2026-01-27T14:15:00+00:00",
        "site": "Greyhaven Observer",
        "section": "Education",
        "body": """All primary school pupils in the province will receive free lunches from September, the provincial government announced on Tuesday, in a policy expected to cost 210 million a year.

At present only children from families on low incomes qualify. Officials estimate the change will add about 140,000 pupils to the scheme and save parents an average of 450 a year per child.

Education minister Callum Ferreira said the policy would improve concentration in class and remove the stigma some children feel about free meals. "Every child sits down to the same lunch. Nobody has to explain their family's finances to the person serving the food."

Head teachers welcomed the decision but warned that many school kitchens were too small to cook for every pupil. The government said 40 million of the funding would go towards new kitchen equipment and dining space.

Some opposition members argued the money would be better spent on targeted support for the poorest families. The plan will be debated in the provincial assembly next month.""",
    },
    {
        "slug": "cyberattack",
        "title": "Hospital systems restored a week after cyberattack",
        "author": "Marek Sobczak",
        "date": "2026-03-30T19:20:00+02:00",
        "site": "Tech Brief",
        "section": "Security",
        "body": """St. Aldric's Hospital has restored most of its computer systems a week after a ransomware attack forced staff to cancel hundreds of appointments and return to paper records.

The hospital said on Monday that patient records, the pharmacy system and laboratory results were working again, but some scheduling tools would remain offline for several more days while they are checked.

About 800 outpatient appointments and 60 planned operations were postponed during the outage. Emergency care continued throughout, although ambulances were diverted to other hospitals for the first two days.

Chief executive Dr. Helena Voss said there was no evidence that patient data had been published, but an investigation was ongoing. "We will contact anyone whose information we find was affected. We have refused to pay the criminals who did this."

The national cybersecurity centre said the attack used a known weakness in remote access software that had not been updated. It urged other health providers to check their systems and apply the latest security fixes.""",
    },
    {
        "slug": "coffee",
        "title": "Coffee prices climb as drought hits key growing regions",
        "author": "Isabel Fonseca",
        "date": "2026-07-19T10:45:00-03:00",
        "site": "Business Ledger",
        "section": "Commodities",
        "body": """Coffee futures rose to their highest level in more than a decade this week after a prolonged drought damaged crops in several of the world's largest growing regions.

Arabica contracts for September delivery climbed 7% over three days, while robusta prices also rose sharply. Traders said dry weather during the flowering season had reduced the number of cherries on many farms.

Growers' associations estimate that this year's harvest could be 12% smaller than last year's. Some smaller farms have lost most of their crop and are struggling to pay workers.

Roasters warned that shoppers would see higher prices on supermarket shelves within months. "We have absorbed some of the increase, but there is a limit," said Lars Engel, managing director of a family-owned roastery. "A bag of beans will cost more by Christmas."

Analysts said prices could remain high into next year unless the rainy season arrives on time and is strong enough to restore soil moisture in the affected areas.""",
    },
    {
        "slug": "marathon",
        "title": "Record field of 18,000 runners for city marathon",
        "author": "Tobias Lund",
        "date": "2026-04-05T07:30:00+02:00",
        "site": "Sportsdesk",
        "section": "Athletics",
        "body": """A record 18,000 runners are expected to start the city marathon on Sunday, with organisers adding a third start wave and extra drinks stations to cope with demand.

The course, which follows the river before looping through the old town, is unchanged from last year, when Kenyan runner Faith Wanjiru set a course record of 2 hours 21 minutes in the women's race.

Organisers said about 40% of entrants were running a marathon for the first time. Charity runners are expected to raise more than 4 million for local causes, including a children's hospice and a mental health helpline.

Several roads in the city centre will close from 6 a.m. until late afternoon. Public transport will run an enhanced service, and spectators have been advised to use trams rather than cars to reach the route.

Race director Mirela Kostic said the event had grown because of its flat course and atmosphere. "People come for a fast time and stay for the crowds. The bands and the neighbourhood cheering points are what make it special.\"""",
    },
    {
        "slug": "port",
        "title": "Port expansion approved despite objections from residents",
        "author": "Nadia Haugen",
        "date": "2026-06-26T15:55:00+02:00",
        "site": "Riverside Daily",
        "section": "Local",
        "body": """Planners have approved a 600 million expansion of the city's container port, clearing the way for a new deep-water berth able to handle the largest cargo ships now sailing.

The decision followed a two-day hearing at which residents of the neighbouring Westerkade district raised concerns about noise, night-time lighting and lorry traffic on residential streets.

The port authority agreed to build a noise barrier, restrict some operations between midnight and 5 a.m., and move most new freight by rail rather than road. It said the expansion would create about 900 jobs once complete.

"Ports either grow or they lose business to their neighbours," said port director Henrik Vos. "We believe we have listened and changed our plans in ways that make a real difference for residents."

Campaigners said they were disappointed and were considering a legal challenge. Construction is expected to start next year and take about four years, with the new berth opening in stages from 2029.""",
    },
    {
        "slug": "drought-farmers",
        "title": "Farmers face water limits as reservoirs fall below half",
        "author": "Joaquin Ferrer",
        "date": "2026-08-21T12:35:00+02:00",
        "site": "Southcoast News",
        "section": "Agriculture",
        "body": """Farmers in the Almera valley will be allowed to take only 60% of their usual irrigation water for the rest of the season, after reservoirs that supply the region fell below half their capacity.

The river basin authority said the restriction was needed to protect drinking water supplies for about 300,000 people if the dry weather continues into the autumn.

Fruit growers said the limits came at the worst possible moment, just as peaches and late plums need water to ripen. "We can save some trees, but not all of them," said Marisol Vidal, who farms 40 hectares near the town of Rueda.

Farm unions asked the regional government for emergency support and for faster approval of projects to reuse treated wastewater for irrigation. Officials said a package of aid would be presented next week.

Meteorologists said the valley has received less than a third of its normal rainfall since March, making this one of the driest years on record.""",
    },
    {
        "slug": "film-festival",
        "title": "Debut drama wins top prize at Lakeshore film festival",
        "author": "Colette Marchetti",
        "date": "2026-09-14T23:00:00+02:00",
        "site": "Culture Weekly",
        "section": "Film",
        "body": """A quiet family drama set on a failing dairy farm won the Golden Heron at the Lakeshore International Film Festival on Saturday, the first time in the festival's history that the top prize has gone to a debut feature.

"The Last Milking," directed by 29-year-old Ines Albrecht, follows three siblings who return home to decide whether to sell the farm where they grew up. The jury praised its patient camera work and the performances of its largely non-professional cast.

Accepting the award, Albrecht thanked the farming family whose land was used for filming. "They let us into their barn at four in the morning for six weeks. This prize belongs to them as much as to us."

The jury, chaired by veteran actor Lionel Baptiste, gave its grand prize to a documentary about a choir of retired miners and its best director award to Kofi Mensah for the thriller "Low Tide."

The festival said attendance reached 74,000, a record, helped by outdoor screenings on the lakefront that were free to the public.""",
    },
    {
        "slug": "metro-line",
        "title": "New metro line opens, cutting airport journey to 22 minutes",
        "author": "Pieter van Oost",
        "date": "2026-10-01T05:45:00+02:00",
        "site": "Riverside Daily",
        "section": "Transport",
        "body": """The city's new Line 5 metro opened to passengers on Thursday morning, linking the central station to the airport in 22 minutes and serving four neighbourhoods that previously had no rail connection.

The line runs for 14 kilometres, nine of them underground, with eleven stations. Trains will run every four minutes at peak times and every eight minutes late in the evening.

The project came in two years late and 18% over budget, largely because of unexpected ground conditions near the river and a dispute with one of the main contractors that went to arbitration.

Transport commissioner Saskia Brouwer acknowledged the delays but said the line would serve the city for a century. "People will forget how long it took to build. They will not forget how much easier it makes their lives."

## Fares and first journeys

A single journey to the airport costs the same as any other metro trip, unlike the express bus it replaces, which charged a premium fare. About 9,000 people used the line in its first three hours, according to the operator.

Residents of Noorderveld, one of the newly connected districts, lined the platform for the first train. "My daughter's school is across the river. Today it took her ten minutes instead of forty," said Anouk Visser.""",
    },
]
