-- Section 4, Social protection. Year by year, how many families with children received targeted social assistance
-- (TSA), how many children lived in them, what share of all children aged 0-17 that was, and how it compares with
-- the share of children below the subsistence minimum?
--
-- Run: duckdb -readonly out/yearbook.duckdb < docs/queries/4_targeted_social_assistance.sql
--  or: .venv/bin/python -c "import duckdb; print(duckdb.connect('out/yearbook.duckdb', read_only=True).sql(open('docs/queries/4_targeted_social_assistance.sql').read()))"
--
-- The country's grand totals (ref_area 'KZ', breakdown '_T') in observations_totals. TSA_CHILD_SHARE is derived:
-- TSA_CHILD / POP_CHILD[age=Y0T17] * 100 (indicators.formula).
WITH national AS (
    PIVOT (
        SELECT t.time_period, t.indicator, t.value
        FROM observations_totals AS t
        WHERE t.indicator IN ('TSA_FAMILIES', 'TSA_CHILD', 'TSA_CHILD_SHARE', 'POVERTY_CHILD_RATE')
          AND t.ref_area = 'KZ' AND t.breakdown = '_T'
    )
    ON indicator USING any_value(value)
)
SELECT
    time_period AS year,
    TSA_FAMILIES AS families_receiving_tsa,
    TSA_CHILD AS children_in_them,
    round(TSA_CHILD / TSA_FAMILIES, 2) AS children_per_family,
    round(TSA_CHILD_SHARE, 1) AS share_of_all_children_pct,
    POVERTY_CHILD_RATE AS below_subsistence_minimum_pct
FROM national
ORDER BY year;
