-- observations_comparable: regional series on one geography across the 2018 and 2022 boundary
-- changes, separately labelled (geography 'COMPARABLE'); never replaces as-reported rows.
-- A comparable unit (comparable_regions: KZ-51C = South Kazakhstan = Turkestan + Shymkent,
-- KZ-63C = East Kazakhstan + Abai, KZ-19C = Almaty region + Zhetisu, KZ-35C = Karaganda + Ulytau)
-- sums the counts of its as-reported parts in each year; a region whose boundary never changed
-- keeps its code. Rates are recomputed from the summed counts; shares reported by ministries
-- (percentages) cannot be summed and are left out. A unit with a missing or confidential part
-- is not available (M) or confidential (C). Migration between the parts of a unit (e.g. Turkestan
-- to Shymkent) stays counted as internal migration of the unit.
CREATE OR REPLACE TABLE observations_comparable AS
WITH source AS (
    SELECT o.* FROM observations AS o
    JOIN indicators AS i ON i.code = o.indicator
    WHERE o.ref_area <> 'KZ' AND i.unit IN ('PS', 'NUM') AND i.form <> 'derived'
),
mapped AS (
    SELECT c.comparable_area, s.*
    FROM source AS s
    JOIN comparable_regions AS c ON c.ref_area = s.ref_area
),
merged AS (  -- a unit whose boundary changed: the sum of its as-reported parts
    SELECT
        indicator, comparable_area AS ref_area, time_period, sex, age, area, flow, crime_type, wealth_quintile, unit,
        CASE WHEN bool_and(value IS NOT NULL) THEN sum(value) END AS value,
        CASE WHEN bool_or(obs_conf <> 'F') THEN 'C' ELSE 'F' END AS obs_conf,
        CASE WHEN bool_or(obs_status = 'M') THEN 'M' ELSE 'A' END AS obs_status,
        string_agg(ref_area, '+' ORDER BY ref_area) AS parts
    FROM mapped
    GROUP BY ALL
),
kept AS (  -- a region whose boundary never changed: its own figure, as a unit of one part (no grouping needed)
    SELECT
        s.indicator, s.ref_area, s.time_period, s.sex, s.age, s.area, s.flow, s.crime_type, s.wealth_quintile, s.unit,
        s.value,
        CASE WHEN s.obs_conf <> 'F' THEN 'C' ELSE 'F' END AS obs_conf,
        CASE WHEN s.obs_status = 'M' THEN 'M' ELSE 'A' END AS obs_status,
        s.ref_area AS parts
    FROM source AS s
    ANTI JOIN comparable_regions AS c ON c.ref_area = s.ref_area
),
summed AS (
    SELECT * FROM merged
    UNION ALL
    SELECT * FROM kept
),
ratios AS (
    SELECT r.*, i.unit FROM derived_ratios AS r JOIN indicators AS i ON i.code = r.indicator
),
derived AS (
    SELECT
        r.indicator, n.ref_area, n.time_period, n.sex, n.age, n.area, n.flow, n.crime_type, n.wealth_quintile, r.unit,
        CASE WHEN d.value <> 0 THEN n.value / d.value * r.scale END AS value,
        'F' AS obs_conf,
        CASE WHEN n.value IS NULL OR d.value IS NULL OR d.value = 0 THEN 'M' ELSE 'A' END AS obs_status,
        n.parts
    FROM ratios AS r
    JOIN summed AS n ON n.indicator = r.numerator
    JOIN summed AS d
      ON d.indicator = r.denominator
     AND (d.ref_area, d.time_period, d.sex, d.age, d.area, d.flow, d.crime_type, d.wealth_quintile)
       = (n.ref_area, n.time_period, n.sex, n.age, n.area, n.flow, n.crime_type, n.wealth_quintile)
    UNION ALL
    SELECT
        'MIG_NET', a.ref_area, a.time_period, a.sex, a.age, a.area, a.flow, a.crime_type, a.wealth_quintile, a.unit,
        a.value - d.value, 'F',
        CASE WHEN a.value IS NULL OR d.value IS NULL THEN 'M' ELSE 'A' END,
        a.parts
    FROM summed AS a
    JOIN summed AS d
      ON d.indicator = 'MIG_DEPARTURES'
     AND (d.ref_area, d.time_period, d.sex, d.age, d.area, d.flow, d.crime_type, d.wealth_quintile)
       = (a.ref_area, a.time_period, a.sex, a.age, a.area, a.flow, a.crime_type, a.wealth_quintile)
    WHERE a.indicator = 'MIG_ARRIVALS'
),
final AS (
    SELECT 'COMPARABLE' AS geography, indicator, ref_area, time_period, sex, age, area, flow, crime_type, wealth_quintile,
           CASE WHEN obs_conf = 'F' THEN value END AS value, unit, obs_status, obs_conf, parts AS reported_areas
    FROM (SELECT * FROM summed UNION ALL SELECT * FROM derived)
)
SELECT * FROM final
ORDER BY indicator, ref_area, time_period, sex, age, area, flow, crime_type, wealth_quintile;
