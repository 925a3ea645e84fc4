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
    WHERE o.ref_area <> {national} AND i.unit IN ('PS', 'NUM') AND i.form <> 'derived'
),
mapped AS (
    SELECT c.comparable_area, s.*
    FROM source AS s
    JOIN comparable_regions AS c ON c.ref_area = s.ref_area
),
merged AS (  -- a unit whose boundary changed: the sum of its as-reported parts
    SELECT
        indicator, comparable_area AS ref_area, time_period, {dimensions}, unit,
        CASE WHEN bool_and(value IS NOT NULL) THEN sum(value) END AS value,
        CASE WHEN bool_or(obs_conf <> 'F') THEN 'C' ELSE 'F' END AS obs_conf,
        CASE WHEN bool_or(obs_status = 'M') THEN 'M' ELSE 'A' END AS obs_status,
        string_agg(ref_area, '+' ORDER BY ref_area) AS parts
    FROM mapped
    GROUP BY ALL
),
kept AS (  -- a region whose boundary never changed: its own figure, as a unit of one part (no grouping needed)
    SELECT
        {key_of[s]}, s.unit,
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
inputs AS (  -- each formula's two inputs side by side, at the same coordinates (derived_formulas: see harmonize/02_core_derived.sql)
    SELECT f.indicator, f.operation, f.scale, i.unit, {derived_coordinates_of_inputs}, l.value AS left_value, r.value AS right_value, l.parts
    FROM derived_formulas AS f
    JOIN indicators AS i ON i.code = f.indicator
    JOIN summed AS l ON l.indicator = f.left_input
    JOIN summed AS r ON r.indicator = f.right_input AND {inputs_meet}
),
derived AS (
    SELECT
        indicator, {coordinates}, unit,
        CASE operation
            WHEN 'ratio' THEN CASE WHEN right_value <> 0 THEN left_value / right_value * scale END
            WHEN 'difference' THEN left_value - right_value
        END AS value,
        'F' AS obs_conf,
        CASE WHEN left_value IS NULL OR right_value IS NULL OR (operation = 'ratio' AND right_value = 0) THEN 'M' ELSE 'A' END
            AS obs_status,
        parts
    FROM inputs
),
final AS (
    SELECT 'COMPARABLE' AS geography, {key},
           CASE WHEN obs_conf = 'F' THEN value END AS value, unit, obs_status, obs_conf, parts AS reported_areas
    FROM (SELECT * FROM summed UNION ALL SELECT * FROM derived)
)
SELECT * FROM final
ORDER BY {key};
