-- core_figures: every published figure reported by a ministry, with codes and provenance.
-- source: raw_figures (one row per cell read, registered by the build).
-- A survey (F-MICS-1) may be re-sent in a later year's folder: the latest receipt wins.
CREATE OR REPLACE TABLE core_figures AS
WITH source AS (
    SELECT * FROM raw_figures WHERE NOT check_only
),
ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY {key}
            ORDER BY received_year DESC, source_file
        ) AS receipt_rank
    FROM source
),
final AS (
    SELECT
        indicator, ref_area, CAST(time_period AS INTEGER) AS time_period, {dimensions},
        CASE WHEN obs_conf = 'F' THEN value END AS value,
        obs_status, obs_conf,
        source_file, source_sheet, source_cell
    FROM ranked
    WHERE receipt_rank = 1
)
SELECT * FROM final;
