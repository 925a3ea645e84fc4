-- core_derived: indicators computed from reported ones (FORMS.md "Published indicators"),
-- for every region, year and breakdown their inputs have, unrounded. Where an input is missing,
-- confidential or a zero denominator the derived figure is not available (obs_status M).
-- source: core_figures, and derived_formulas (indicators.yaml's formulas, registered by the build).
CREATE OR REPLACE TABLE core_derived AS
WITH source AS (
    SELECT * FROM core_figures
),
inputs AS (  -- each formula's two inputs side by side, at the same coordinates (or where the formula fixes an input's)
    SELECT f.indicator, f.operation, f.scale, {derived_coordinates_of_inputs}, l.value AS left_value, r.value AS right_value
    FROM derived_formulas AS f
    JOIN source AS l ON l.indicator = f.left_input
    JOIN source AS r ON r.indicator = f.right_input AND {inputs_meet}
),
computed AS (
    SELECT
        indicator, {coordinates},
        CASE operation
            WHEN 'ratio' THEN CASE WHEN right_value <> 0 THEN left_value / right_value * scale END
            WHEN 'difference' THEN left_value - right_value
        END AS value
    FROM inputs
),
final AS (
    SELECT
        *,
        CASE WHEN value IS NULL THEN 'M' ELSE 'A' END AS obs_status,
        'F' AS obs_conf,
        CAST(NULL AS VARCHAR) AS source_file,
        CAST(NULL AS VARCHAR) AS source_sheet,
        CAST(NULL AS VARCHAR) AS source_cell
    FROM computed
)
SELECT * FROM final;
