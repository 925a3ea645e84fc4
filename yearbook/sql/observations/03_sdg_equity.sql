-- sdg_equity: who is left behind, in long form, one row per gap:
--   for every survey (F-MICS-1) indicator and year, group a versus group b of each breakdown of sdg_equity_pairs
--   (schemas/sdg.yaml: poorest Q1 / richest Q5 quintile, rural R / urban U, girls F / boys M), of the national
--   figures broken down by that dimension alone;
--   for every mapped series reported by region, the worst region (group a) versus the best (group b) in the latest
--   year with regional figures, by the series' desired direction (sdg_map).
-- ratio = value_a / value_b, difference = value_a - value_b. Hidden (withheld) values are never used.
-- source: observations (this store's), indicators, sdg_map, sdg_equity_pairs.
CREATE OR REPLACE TABLE sdg_equity AS
WITH survey AS (  -- the survey's published national figures, each numbered
    SELECT row_number() OVER () AS figure, o.*
    FROM observations AS o
    JOIN indicators AS i ON i.code = o.indicator
    WHERE i.form = 'F-MICS-1' AND o.ref_area = {national} AND o.value IS NOT NULL
),
codes AS (  -- each figure's code in each dimension
    UNPIVOT (SELECT figure, {dimensions} FROM survey) ON {dimensions} INTO NAME dimension VALUE code
),
broken_down AS (  -- the figures broken down by one dimension alone, with that dimension and its code
    SELECT figure, any_value(dimension) AS dimension, any_value(code) AS code
    FROM codes
    WHERE code <> {total}
    GROUP BY figure
    HAVING count(*) = 1
),
survey_gaps AS (
    SELECT
        a.indicator, a.time_period, p.dimension AS gap_kind, p.dimension,
        p.group_a, a.value AS value_a, p.group_b, b.value AS value_b
    FROM sdg_equity_pairs AS p
    JOIN broken_down AS ba ON ba.dimension = p.dimension AND ba.code = p.group_a
    JOIN survey AS a ON a.figure = ba.figure
    JOIN broken_down AS bb ON bb.dimension = p.dimension AND bb.code = p.group_b
    JOIN survey AS b ON b.figure = bb.figure AND b.indicator = a.indicator AND b.time_period = a.time_period
),
regional AS (  -- the published regional figures of the mapped series, every dimension the total
    SELECT o.indicator, o.time_period, o.ref_area, o.value, CASE s.direction WHEN 'up' THEN 1 ELSE -1 END AS sign
    FROM observations AS o
    JOIN sdg_map AS s USING (indicator)
    WHERE o.ref_area <> {national} AND ({dimensions_of[o]}) = ({dimension_totals}) AND o.value IS NOT NULL
),
latest AS (  -- the latest year with regional figures
    SELECT * FROM regional
    QUALIFY time_period = max(time_period) OVER (PARTITION BY indicator)
),
ranked AS (  -- its regions from worst to best and from best to worst (ties: in code order)
    SELECT
        *,
        row_number() OVER (PARTITION BY indicator ORDER BY sign * value, ref_area) AS worst_first,
        row_number() OVER (PARTITION BY indicator ORDER BY sign * value DESC, ref_area) AS best_first,
        count(*) OVER (PARTITION BY indicator) AS regions
    FROM latest
),
region_gaps AS (
    SELECT
        w.indicator, w.time_period, 'region' AS gap_kind, 'ref_area' AS dimension,
        w.ref_area AS group_a, w.value AS value_a, b.ref_area AS group_b, b.value AS value_b
    FROM ranked AS w
    JOIN ranked AS b ON b.indicator = w.indicator AND b.best_first = 1
    WHERE w.worst_first = 1 AND w.regions >= 2
),
final AS (
    SELECT
        g.indicator, s.sdg_indicator, s.sdg_series, g.time_period, g.gap_kind, g.dimension,
        g.group_a, g.value_a, g.group_b, g.value_b,
        g.value_a / nullif(g.value_b, 0) AS ratio,
        g.value_a - g.value_b AS difference,
        i.unit
    FROM (SELECT * FROM survey_gaps UNION ALL SELECT * FROM region_gaps) AS g
    JOIN indicators AS i ON i.code = g.indicator
    LEFT JOIN sdg_map AS s USING (indicator)
)
SELECT * FROM final
ORDER BY indicator, time_period, gap_kind;
