-- observations: the published table of STORE.md, one row per figure; its key is enforced.
CREATE OR REPLACE TABLE observations (
    indicator VARCHAR NOT NULL,
    ref_area VARCHAR NOT NULL,
    time_period INTEGER NOT NULL,
    sex VARCHAR NOT NULL,
    age VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    flow VARCHAR NOT NULL,
    crime_type VARCHAR NOT NULL,
    wealth_quintile VARCHAR NOT NULL,
    value DOUBLE,
    unit VARCHAR NOT NULL,
    obs_status VARCHAR NOT NULL,
    obs_conf VARCHAR NOT NULL,
    source_file VARCHAR,
    source_sheet VARCHAR,
    source_cell VARCHAR,
    PRIMARY KEY (indicator, ref_area, time_period, sex, age, area, flow, crime_type, wealth_quintile)
);

INSERT INTO observations
WITH source AS (
    SELECT * FROM core_figures
    UNION ALL
    SELECT * FROM core_derived
),
final AS (
    SELECT
        s.indicator, s.ref_area, s.time_period, s.sex, s.age, s.area, s.flow, s.crime_type, s.wealth_quintile,
        CASE WHEN s.obs_conf = 'F' THEN s.value END AS value,
        i.unit,
        s.obs_status, s.obs_conf,
        s.source_file, s.source_sheet, s.source_cell
    FROM source AS s
    JOIN indicators AS i ON i.code = s.indicator
)
SELECT * FROM final
ORDER BY indicator, time_period, ref_area, sex, age, area, flow, crime_type, wealth_quintile;
