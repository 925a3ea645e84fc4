-- Section 1, Demography. How many children aged 0-17 lived in each region on 1 January of the latest year, and
-- what share of them lived in rural areas?
--
-- Run: duckdb -readonly out/yearbook.duckdb < docs/queries/1_rural_children_by_region.sql
--  or: .venv/bin/python -c "import duckdb; print(duckdb.connect('out/yearbook.duckdb', read_only=True).sql(open('docs/queries/1_rural_children_by_region.sql').read()))"
--
-- observations_totals gives each region's total (breakdown '_T': every dimension at its total, here all children
-- aged 0-17) and its urban/rural split (breakdown 'area'); the single ages and the sexes, which hold the same
-- children again, are other breakdowns and stay out. Regions in the year's own geography, in official order.
WITH latest AS (
    SELECT max(time_period) AS time_period FROM observations WHERE indicator = 'POP_CHILD'
),
children AS (
    SELECT t.ref_area, t.time_period, t.breakdown, t.member, t.value
    FROM observations_totals AS t
    JOIN latest USING (time_period)
    WHERE t.indicator = 'POP_CHILD' AND t.breakdown IN ('_T', 'area')
)
SELECT
    r.name_en AS region,
    c.time_period AS year,
    any_value(c.value) FILTER (WHERE c.breakdown = '_T') AS children,
    any_value(c.value) FILTER (WHERE c.member = 'R') AS rural,
    round(100 * rural / children, 1) AS rural_pct
FROM children AS c
JOIN regions AS r USING (ref_area)
GROUP BY r.name_en, r.display_order, c.time_period
ORDER BY r.display_order;
