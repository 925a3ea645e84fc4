-- Section 3, Education. In the latest year, which regions enrolled the smallest share of their children aged 3-6 in
-- preschool, and how many children aged 3-6 were not enrolled?
--
-- Run: duckdb -readonly out/yearbook.duckdb < docs/queries/3_preschool_coverage_by_region.sql
--  or: .venv/bin/python -c "import duckdb; print(duckdb.connect('out/yearbook.duckdb', read_only=True).sql(open('docs/queries/3_preschool_coverage_by_region.sql').read()))"
--
-- The three indicators are not broken down: each region's grand total (breakdown '_T') in observations_totals.
-- PRESCHOOL_COVERAGE = PRESCHOOL_ENROL / PRESCHOOL_POP * 100, derived by the statistics office (indicators.formula).
-- The regions only (ref_area <> 'KZ'), lowest coverage first.
WITH latest AS (
    SELECT max(time_period) AS time_period FROM observations WHERE indicator = 'PRESCHOOL_COVERAGE'
),
preschool AS (
    PIVOT (
        SELECT t.ref_area, t.time_period, t.indicator, t.value
        FROM observations_totals AS t
        JOIN latest USING (time_period)
        WHERE t.indicator IN ('PRESCHOOL_POP', 'PRESCHOOL_ENROL', 'PRESCHOOL_COVERAGE') AND t.breakdown = '_T'
    )
    ON indicator USING any_value(value)
)
SELECT
    r.name_en AS region,
    p.time_period AS year,
    p.PRESCHOOL_POP AS children_3_6,
    p.PRESCHOOL_ENROL AS in_preschool,
    p.PRESCHOOL_POP - p.PRESCHOOL_ENROL AS not_enrolled,
    round(p.PRESCHOOL_COVERAGE, 1) AS coverage_pct
FROM preschool AS p
JOIN regions AS r USING (ref_area)
WHERE p.ref_area <> 'KZ'
ORDER BY p.PRESCHOOL_COVERAGE, r.display_order;
