-- Infant mortality by region, 2016-2022, on one comparable geography.
-- Run: duckdb out/yearbook.duckdb -readonly < docs/queries/infant_mortality_comparable.sql
-- KZ-51C = South Kazakhstan = Turkestan + Shymkent (2018 change); KZ-63C, KZ-19C and KZ-35C include
-- Abai, Zhetisu and Ulytau (2022 change). reported_areas names the as-reported regions summed.
SELECT c.ref_area, r.name_en AS region, c.time_period, round(c.value, 2) AS value, c.reported_areas
FROM observations_comparable AS c
LEFT JOIN (SELECT DISTINCT comparable_area AS ref_area, name_en FROM comparable_regions
           UNION ALL SELECT ref_area, name_en FROM regions) AS r USING (ref_area)
WHERE c.indicator = 'MORT_INFANT_RATE' AND c.sex = '_T' AND c.time_period BETWEEN 2016 AND 2022
ORDER BY c.ref_area, c.time_period;
