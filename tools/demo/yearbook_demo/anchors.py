"""Real-world anchors of the demo data.

National series are rounded published figures (Bureau of National Statistics, ministries,
UNICEF; see ``/work/shared/reference/kz_children_facts.csv``) or smooth interpolations
between them. Regional weights are the 2018 example submissions of FORMS.md (17 regions);
the three regions created in 2022 are carved out of their 2018 parent by a fixed share.
"""

from __future__ import annotations

DEMO_YEARS: tuple[int, ...] = tuple(range(2016, 2023))  # 2016-2017, 2018-2021 and 2022 geographies
DEFAULT_SEED = 2018

# Live births by calendar year (cohorts of the children aged 0-17 in 2016-2022).
BIRTHS = {
    1998: 222_380, 1999: 217_578, 2000: 222_054, 2001: 221_487, 2002: 227_171, 2003: 247_946,
    2004: 273_028, 2005: 278_977, 2006: 301_756, 2007: 321_963, 2008: 356_575, 2009: 357_552,
    2010: 367_752, 2011: 372_690, 2012: 381_153, 2013: 387_256, 2014: 399_420, 2015: 402_372,
    2016: 400_694, 2017: 390_262, 2018: 397_799, 2019: 402_310, 2020: 426_824, 2021: 446_431,
    2022: 403_874,
}  # fmt: skip

# National totals by reference year; rates per 1,000 live births or percent.
NATIONAL: dict[str, dict[int, float]] = {
    "IMR": {2016: 9.3, 2017: 8.9, 2018: 8.6, 2019: 8.3, 2020: 8.2, 2021: 8.4, 2022: 7.9},
    "DISAB_CHILD": {2016: 76_500, 2017: 80_400, 2018: 84_600, 2019: 89_100, 2020: 93_800, 2021: 98_900, 2022: 104_260},
    "SUICIDE_ADOL": {2016: 148, 2017: 137, 2018: 123, 2019: 117, 2020: 126, 2021: 112, 2022: 104},
    "PRESCHOOL_RATIO": {2016: 0.656, 2017: 0.683, 2018: 0.708, 2019: 0.735, 2020: 0.742, 2021: 0.768, 2022: 0.795},
    "PUPILS": {2016: 3_061_000, 2017: 3_162_000, 2018: 3_267_183, 2019: 3_380_000, 2020: 3_491_000, 2021: 3_607_000, 2022: 3_720_000},
    "OOS_CHILD": {2016: 71_000, 2017: 66_500, 2018: 62_294, 2019: 58_700, 2020: 61_900, 2021: 56_400, 2022: 52_800},
    "SEN_CHILD": {2016: 141_000, 2017: 149_000, 2018: 158_270, 2019: 168_000, 2020: 176_000, 2021: 187_000, 2022: 198_000},
    "SCHOOLS": {2016: 7_063, 2017: 7_094, 2018: 7_127, 2019: 7_156, 2020: 7_183, 2021: 7_222, 2022: 7_259},
    "SCHOOLS_INCL_SHARE": {2016: 0.40, 2017: 0.47, 2018: 0.545, 2019: 0.60, 2020: 0.66, 2021: 0.71, 2022: 0.76},
    "TSA_FAMILIES": {2016: 86_000, 2017: 92_300, 2018: 99_168, 2019: 104_100, 2020: 110_700, 2021: 106_200, 2022: 101_000},
    "POVERTY_CHILD_RATE": {2016: 5.2, 2017: 4.8, 2018: 4.4, 2019: 4.1, 2020: 5.0, 2021: 4.6, 2022: 4.2},
    "NPC_CHILD": {2016: 28_300, 2017: 27_000, 2018: 25_927, 2019: 24_200, 2020: 23_500, 2021: 22_900, 2022: 22_300},
    "JUV_OFFENDERS": {2016: 3_450, 2017: 3_148, 2018: 2_847, 2019: 2_610, 2020: 2_290, 2021: 2_140, 2022: 2_030},
    "CHILD_VICTIMS": {2016: 2_240, 2017: 2_014, 2018: 1_869, 2019: 1_790, 2020: 1_705, 2021: 1_690, 2022: 1_650},
    "JUV_PENAL": {2016: 58, 2017: 49, 2018: 41, 2019: 37, 2020: 31, 2021: 28, 2022: 26},
    "JUV_PRETRIAL": {2016: 182, 2017: 166, 2018: 131, 2019: 118, 2020: 97, 2021: 91, 2022: 86},
    "MIG_INTERNAL": {2016: 70_100, 2017: 72_400, 2018: 74_797, 2019: 77_900, 2020: 66_200, 2021: 79_600, 2022: 83_100},
    "MIG_CIS_IN": {2016: 4_900, 2017: 4_700, 2018: 4_436, 2019: 4_100, 2020: 3_200, 2021: 3_900, 2022: 5_600},
    "MIG_CIS_OUT": {2016: 8_100, 2017: 8_300, 2018: 8_529, 2019: 9_200, 2020: 6_800, 2021: 7_900, 2022: 9_800},
    "MIG_OTHER_IN": {2016: 950, 2017: 910, 2018: 879, 2019: 840, 2020: 610, 2021: 720, 2022: 980},
    "MIG_OTHER_OUT": {2016: 2_050, 2017: 2_120, 2018: 2_190, 2019: 2_310, 2020: 1_640, 2021: 1_980, 2022: 2_400},
    "UASC": {2016: 38, 2017: 44, 2018: 49, 2019: 52, 2020: 31, 2021: 40, 2022: 57},
}

# Structural shares (national, 2018) used to split totals.
SHARES = {
    "BOYS_POP": 0.5098, "BOYS_BIRTHS": 0.513, "BOYS_INFANT_DEATHS": 0.585, "BOYS_OLDER_DEATHS": 0.55,
    "DEATHS_1_4_PER_INFANT": 0.09, "BOYS_DISAB": 0.586, "DISAB_0_6": 0.33, "DISAB_7_14": 0.472,
    "BOYS_SUICIDE": 0.66, "BOYS_PUPILS": 0.512, "OFFENDERS_14_15": 0.32, "GIRLS_OFFENDERS": 0.07,
    "VICTIMS_VIOLENT": 0.353, "VICTIMS_SEXUAL": 0.221, "BOYS_VICTIMS_VIOLENT": 0.51, "BOYS_VICTIMS_SEXUAL": 0.16,
    "BOYS_VICTIMS_OTHER": 0.52, "BOYS_MIGRANTS": 0.51,
}  # fmt: skip

# The 2018 example submissions by region (17 units), in two tables. Column meanings:
# pop/urban: children 0-17 on 1 Jan (all / urban); births, inf, u5: live births, deaths under 1 and 5;
# disab, suic: children with disabilities, suicides 15-17; prepop, enrol: children 3-6, of whom in
# preschool; pupils, oos, sen, senhome, schools, incl: F-MOES-1 schools sheet; tsafam, tsachild, pov:
# F-MLSP-1 TSA sheet; npc, resid, guard, foster, adopt: children without parental care; off, offf:
# juvenile offenders (all, girls); vict, viol, sexl: child victims (all, violent, sexual); arr*/dep*:
# arrivals / departures of children by flow (internal, CIS, other countries).
BASE_2018 = (
    """
region pop    urban  births inf  u5   disab suic prepop enrol  pupils oos  sen   senhome schools incl
KZ-11  204812 93616  9854   57   59   2728  4    50936  36243  118235 3945 7537  890     323     184
KZ-15  295192 185969 19917  213  224  4822  3    75530  57203  160688 3130 6393  979     337     214
KZ-19  710548 203690 44011  326  349  11045 20   187286 140124 402897 7109 18291 2271    1072    548
KZ-23  221819 112899 16781  169  179  3434  5    58577  39957  121267 1370 5337  726     343     229
KZ-27  198959 97216  12604  120  128  3516  4    50731  37190  110081 1933 4715  651     299     152
KZ-31  386551 149439 25376  281  300  5999  10   101902 72439  216418 3101 10498 1194    514     236
KZ-35  369489 298959 18403  162  171  4796  5    92552  60867  216838 4101 11562 1218    378     220
KZ-39  216105 109802 9745   98   101  3513  7    53966  41226  126926 1584 6099  708     326     180
KZ-43  272738 116511 21948  208  218  3664  3    71435  55981  156052 3623 6754  913     403     234
KZ-47  187485 79929  16694  221  230  3697  2    48822  34873  107699 1697 5216  592     311     199
KZ-55  221797 157815 11014  116  122  3623  12   54903  35803  134584 4404 5759  745     258     177
KZ-59  136406 55520  6295   60   61   1992  1    34059  24112  79720  1247 4027  443     273     136
KZ-61  880899 161162 86866  1059 1124 11085 6    230490 148929 496647 9742 25566 2738    990     498
KZ-63  386320 213294 19135  189  207  5522  8    96060  64000  224322 5064 10530 1258    575     314
KZ-71  341295 341295 19544  121  129  4242  10   87239  68216  188928 3871 9054  1119    235     129
KZ-75  454759 454759 31499  225  241  6623  10   115550 88029  248834 3259 12805 1471    286     137
KZ-79  284180 284180 23399  212  224  4304  13   74175  45202  157047 3114 8127  898     204     98
""",
    """
region tsafam tsachild pov npc  resid guard foster adopt off offf vict viol sexl arrint depint arrcis depcis arroth depoth
KZ-11  3768   11965    4   806  154   475   86     46    106 9    54   21   14   2001   2451   137    432    19     116
KZ-15  4780   14909    3.7 1349 268   766   178    75    120 10   86   24   17   2703   3284   129    629    27     114
KZ-19  12265  45167    3.9 3304 683   1921  358    184   328 25   202  71   47   8004   8648   464    1033   106    214
KZ-23  2039   7438     2.6 1255 286   724   139    60    108 8    59   19   12   1829   3513   160    220    27     91
KZ-27  3681   11490    3.7 876  177   510   98     53    122 11   76   30   17   2119   2316   145    261    33     79
KZ-31  6344   23196    6.2 1374 245   811   170    81    196 14   179  67   40   4352   4440   205    429    45     110
KZ-35  5291   15915    4.2 1865 418   1025  204    118   206 16   130  43   17   2800   5655   253    760    47     203
KZ-39  3811   11542    2.9 1438 367   775   145    77    100 7    78   25   23   2191   2497   127    477    17     140
KZ-43  6725   24715    5.4 1318 279   755   148    73    126 8    90   37   23   3048   4847   163    483    25     126
KZ-47  2182   8219     4.2 833  168   457   107    57    88  4    54   21   11   1958   2137   131    261    27     68
KZ-55  3916   12104    3.5 1533 367   827   184    81    91  6    56   21   8    2636   2842   209    535    31     92
KZ-59  2145   6418     4.2 1065 283   562   119    56    57  4    48   13   9    583    2498   62     290    14     105
KZ-61  24888  91391    7.4 1954 279   1210  246    118   355 26   299  111  65   6919   13534  780    573    162    118
KZ-63  6404   20222    4   1966 450   1065  245    107   196 11   117  42   21   3121   5527   240    484    59     208
KZ-71  2436   7653     1.5 1816 451   977   205    98    187 12   108  30   32   11892  3321   324    510    65     125
KZ-75  2902   8935     1.1 2260 450   1294  238    159   310 16   162  59   41   14003  3685   748    733    136    186
KZ-79  5591   19896    6.7 915  163   534   120    57    151 11   71   26   17   4638   3602   159    419    39     95
""",
)

# Regions created in 2022, carved out of a 2018 region: code -> (parent, share of the parent's counts).
CARVED_2022 = {"KZ-10": ("KZ-63", 0.44), "KZ-33": ("KZ-19", 0.36), "KZ-62": ("KZ-35", 0.15)}

# F-MICS-1: survey year -> indicator -> national total (percent) and cases (unweighted).
MICS_SURVEYS = {2016: 2015, 2019: 2018, 2022: 2021}  # folder year -> survey year
MICS_TOTALS = {
    2015: dict(STUNTING=8.0, WASTING=3.1, OVERWEIGHT=9.3, EXCL_BF=37.8, VIOLENT_DISC=52.7, BIRTH_REG=99.7, ECE_ATTEND=51.9),
    2018: dict(STUNTING=7.1, WASTING=3.0, OVERWEIGHT=8.6, EXCL_BF=38.4, VIOLENT_DISC=49.4, BIRTH_REG=99.6, ECE_ATTEND=57.3),
    2021: dict(STUNTING=6.6, WASTING=2.8, OVERWEIGHT=8.1, EXCL_BF=41.2, VIOLENT_DISC=46.8, BIRTH_REG=99.7, ECE_ATTEND=63.0),
}
# indicator -> (boys minus girls, urban minus rural, poorest minus richest) in points, and base cases.
MICS_GAPS = {
    "STUNTING": (0.4, -2.4, 6.5, 3013),
    "WASTING": (0.3, -0.6, 2.0, 8248),
    "OVERWEIGHT": (0.5, 1.5, -4.6, 5755),
    "EXCL_BF": (-1.2, -3.0, 9.0, 1187),
    "VIOLENT_DISC": (3.6, -4.2, 18.0, 7443),
    "BIRTH_REG": (0.0, 0.2, -0.4, 8813),
    "ECE_ATTEND": (-1.6, 18.5, -35.0, 2629),
}


def base_table() -> dict[str, dict[str, float]]:
    """The 2018 regional table: region -> column -> value."""
    out: dict[str, dict[str, float]] = {}
    for table in BASE_2018:
        lines = [line.split() for line in table.strip().splitlines()]
        header, rows = lines[0], lines[1:]
        for row in rows:
            out.setdefault(row[0], {}).update({name: float(v) for name, v in zip(header[1:], row[1:], strict=True)})
    return out


# -- years before 2016, for the scale benchmark's 20-year editions -----------------------------

FIRST_YEAR, LAST_YEAR = 2003, 2022  # the reference years the demo can model
# Live births 1985-1997 (approximate, rounded): the cohorts of the children aged 0-17 in 2003-2015.
BIRTHS_BEFORE_1998 = {
    1985: 405_000, 1986: 417_000, 1987: 417_000, 1988: 408_000, 1989: 382_000, 1990: 362_000, 1991: 354_000,
    1992: 338_000, 1993: 315_000, 1994: 306_000, 1995: 276_000, 1996: 253_000, 1997: 232_000,
}  # fmt: skip
_BACK_FACTOR = (0.5, 2.0)  # an extrapolated figure stays within half and double its 2016 value


def covers(year: int) -> bool:
    """Whether the demo can model reference year ``year`` (2016-2022 anchored, 2003-2015 extrapolated)."""
    return FIRST_YEAR <= year <= LAST_YEAR


def national(name: str, year: int) -> float:
    """A national series in ``year``: the anchor itself in 2016-2022; before, the 2016-2018 trend continued backwards.

    The backward trend is the average yearly change between 2016 and 2018, bounded so that
    an extrapolated figure stays within half and double its 2016 value.
    """
    series = NATIONAL[name]
    if year in series:
        return series[year]
    first = min(series)
    if year > first:
        raise ValueError(f"no {name} anchor for {year}")
    factor = (series[first] / series[first + 2]) ** ((first - year) / 2)
    return series[first] * min(_BACK_FACTOR[1], max(_BACK_FACTOR[0], factor))


def births(year: int) -> int:
    """Live births in calendar year ``year`` (1985-2022)."""
    return BIRTHS[year] if year in BIRTHS else BIRTHS_BEFORE_1998[year]
