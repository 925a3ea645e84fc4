-- observations: the published table of STORE.md, one row per figure; its key is enforced.
CREATE OR REPLACE TABLE observations (
    {key_definition},
    value DOUBLE,
    unit VARCHAR NOT NULL,
    obs_status VARCHAR NOT NULL,
    obs_conf VARCHAR NOT NULL,
    source_file VARCHAR,
    source_sheet VARCHAR,
    source_cell VARCHAR,
    PRIMARY KEY ({key})
);

INSERT INTO observations
WITH source AS (
    SELECT * FROM core_figures
    UNION ALL
    SELECT * FROM core_derived
),
final AS (
    SELECT
        {key_of[s]},
        CASE WHEN s.obs_conf = 'F' THEN s.value END AS value,
        i.unit,
        s.obs_status, s.obs_conf,
        s.source_file, s.source_sheet, s.source_cell
    FROM source AS s
    JOIN indicators AS i ON i.code = s.indicator
)
SELECT * FROM final
ORDER BY indicator, time_period, ref_area, {dimensions};
