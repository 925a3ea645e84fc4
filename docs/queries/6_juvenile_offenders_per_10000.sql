-- Section 6, Children in contact with the law. In the latest year, how many juvenile offenders aged 14-17 were there
-- per 10,000 children of that age, in the country and in each region?
--
-- Run: duckdb -readonly out/yearbook.duckdb < docs/queries/6_juvenile_offenders_per_10000.sql
--  or: .venv/bin/python -c "import duckdb; print(duckdb.connect('out/yearbook.duckdb', read_only=True).sql(open('docs/queries/6_juvenile_offenders_per_10000.sql').read()))"
--
-- The offenders' total is their grand total in observations_totals (breakdown '_T', ages 14-17: Y14T17). No
-- population aged 14-17 is published: it is the sum of the single ages 14, 15, 16 and 17 of the child population,
-- members of its breakdown 'age' -- one level of age, so no child is counted twice (the total 0-17 and the other
-- breakdowns, sex and urban/rural, are not in it). Regions in the year's own geography, the country first.
WITH latest AS (
    SELECT max(time_period) AS time_period FROM observations WHERE indicator = 'JUV_OFFENDERS'
),
offenders AS (
    SELECT t.ref_area, t.time_period, t.value AS offenders
    FROM observations_totals AS t
    JOIN latest USING (time_period)
    WHERE t.indicator = 'JUV_OFFENDERS' AND t.breakdown = '_T'
),
children_14_17 AS (
    SELECT t.ref_area, t.time_period, CASE WHEN count(t.value) = 4 THEN sum(t.value) END AS children  -- NULL if an age is not there
    FROM observations_totals AS t
    JOIN latest USING (time_period)
    WHERE t.indicator = 'POP_CHILD' AND t.breakdown = 'age' AND t.member IN ('Y14', 'Y15', 'Y16', 'Y17')
    GROUP BY t.ref_area, t.time_period
)
SELECT
    r.name_en AS region,
    o.time_period AS year,
    o.offenders,
    c.children AS children_aged_14_17,
    round(o.offenders / c.children * 10000, 1) AS per_10000
FROM offenders AS o
JOIN children_14_17 AS c USING (ref_area, time_period)
JOIN regions AS r USING (ref_area)
ORDER BY r.display_order;
