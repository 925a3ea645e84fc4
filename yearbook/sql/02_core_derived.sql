-- core_derived: indicators computed from reported ones (FORMS.md "Published indicators"),
-- for every region, sex and flow their inputs have, unrounded. Where an input is missing,
-- confidential or a zero denominator the derived figure is not available (obs_status M).
-- derived_ratios (the ratio formulas of FORMS.md) is also read by 04_observations_comparable.sql.
CREATE OR REPLACE TABLE derived_ratios AS
SELECT 'MORT_INFANT_RATE' AS indicator, 'DEATHS_INFANT' AS numerator, 'BIRTHS_LIVE' AS denominator, 1000.0 AS scale
UNION ALL SELECT 'MORT_U5_RATE', 'DEATHS_U5', 'BIRTHS_LIVE', 1000.0
UNION ALL SELECT 'PRESCHOOL_COVERAGE', 'PRESCHOOL_ENROL', 'PRESCHOOL_POP', 100.0;

CREATE OR REPLACE TABLE core_derived AS
WITH source AS (
    SELECT * FROM core_figures
),
ratios AS (
    SELECT * FROM derived_ratios
),
ratio_values AS (
    SELECT
        r.indicator, n.ref_area, n.time_period, n.sex, n.age, n.area, n.flow, n.crime_type, n.wealth_quintile,
        CASE WHEN n.value IS NOT NULL AND d.value IS NOT NULL AND d.value <> 0
             THEN n.value / d.value * r.scale END AS value
    FROM ratios AS r
    JOIN source AS n ON n.indicator = r.numerator
    JOIN source AS d
      ON d.indicator = r.denominator
     AND (d.ref_area, d.time_period, d.sex, d.age, d.area, d.flow, d.crime_type, d.wealth_quintile)
       = (n.ref_area, n.time_period, n.sex, n.age, n.area, n.flow, n.crime_type, n.wealth_quintile)
),
net_migration AS (
    SELECT
        'MIG_NET' AS indicator, a.ref_area, a.time_period, a.sex, a.age, a.area, a.flow, a.crime_type, a.wealth_quintile,
        a.value - d.value AS value
    FROM source AS a
    JOIN source AS d
      ON d.indicator = 'MIG_DEPARTURES'
     AND (d.ref_area, d.time_period, d.sex, d.age, d.area, d.flow, d.crime_type, d.wealth_quintile)
       = (a.ref_area, a.time_period, a.sex, a.age, a.area, a.flow, a.crime_type, a.wealth_quintile)
    WHERE a.indicator = 'MIG_ARRIVALS'
),
final AS (
    SELECT
        *,
        CASE WHEN value IS NULL THEN 'M' ELSE 'A' END AS obs_status,
        'F' AS obs_conf,
        CAST(NULL AS VARCHAR) AS source_file,
        CAST(NULL AS VARCHAR) AS source_sheet,
        CAST(NULL AS VARCHAR) AS source_cell
    FROM (SELECT * FROM ratio_values UNION ALL SELECT * FROM net_migration)
)
SELECT * FROM final;
