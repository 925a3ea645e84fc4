-- Section 8, Children and the SDGs. Which national SDG series on children are not on track for 2030, where do they
-- stand now, and which region lags furthest behind the best one?
--
-- Run: duckdb -readonly out/yearbook.duckdb < docs/queries/8_sdg_series_off_track.sql
--  or: .venv/bin/python -c "import duckdb; print(duckdb.connect('out/yearbook.duckdb', read_only=True).sql(open('docs/queries/8_sdg_series_off_track.sql').read()))"
--
-- sdg_progress gives each series its verdict (docs/sdg-progress.md): not on track are acceleration_needed and
-- regressing (series with a 2030 target), stagnating and deteriorating (series without one). sdg_equity's regional
-- gap (gap_kind 'region') names the worst region (group a) and the best (group b) of a series reported by region,
-- in the latest year with regional figures; survey series have no regions. Names from indicators and regions; in
-- the order of the SDG indicators.
SELECT
    p.sdg_indicator,
    i.name_en AS series,
    p.verdict,
    p.latest_year,
    round(p.latest_value, 1) AS latest_value,
    round(p.target_value, 1) AS target_2030,
    round(p.anticipated_2030, 1) AS anticipated_2030,
    worst.name_en AS lagging_region,
    round(e.value_a, 1) AS lagging_value,
    best.name_en AS best_region,
    round(e.value_b, 1) AS best_value
FROM sdg_progress AS p
JOIN indicators AS i ON i.code = p.indicator
LEFT JOIN sdg_equity AS e ON e.indicator = p.indicator AND e.gap_kind = 'region'
LEFT JOIN regions AS worst ON worst.ref_area = e.group_a
LEFT JOIN regions AS best ON best.ref_area = e.group_b
WHERE p.verdict IN ('acceleration_needed', 'regressing', 'stagnating', 'deteriorating')
ORDER BY CAST(string_split(p.sdg_indicator, '.') AS INTEGER[]), p.indicator;
