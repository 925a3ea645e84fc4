-- Section 2, Health. How many children with disabilities were there in Kazakhstan each year, and what share of them
-- was of preschool age (0-6), of school age (7-14) and aged 15-17?
--
-- Run: duckdb -readonly out/yearbook.duckdb < docs/queries/2_disability_by_age_group.sql
--  or: .venv/bin/python -c "import duckdb; print(duckdb.connect('out/yearbook.duckdb', read_only=True).sql(open('docs/queries/2_disability_by_age_group.sql').read()))"
--
-- observations_totals: the age groups are the members of breakdown 'age_group', which add up to the total aged 0-17
-- (breakdown '_T'); an age group is never mixed with another level of age. Age groups named from dimension_codes,
-- youngest first (by the first age of the code).
SELECT
    g.time_period AS year,
    d.name_en AS age_group,
    g.value AS children,
    round(100 * g.value / t.value, 1) AS share_pct
FROM observations_totals AS g
JOIN observations_totals AS t
    ON t.indicator = g.indicator AND t.ref_area = g.ref_area AND t.time_period = g.time_period AND t.breakdown = '_T'
JOIN dimension_codes AS d ON d.dimension = 'age' AND d.code = g.member
WHERE g.indicator = 'DISAB_CHILD' AND g.ref_area = 'KZ' AND g.breakdown = 'age_group'
ORDER BY year, CAST(regexp_extract(g.member, '^Y(\d+)', 1) AS INTEGER);
