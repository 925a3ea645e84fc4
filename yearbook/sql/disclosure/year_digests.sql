-- One digest per reference year of what disclosure control reads of the staff store attached as `internal`: every
-- figure's key, value and code, as reported, in key order, after the fingerprint of the schemas and the code (the
-- parameter). A year whose digest an earlier staff store recorded in disclosure_years is protected as it was then
-- (yearbook/disclosure/carry_over.py). Fields are separated by the unit separator, figures by the record separator;
-- a missing value is written as NULL, which no number prints as.
WITH figures AS (
    SELECT
        time_period,
        concat_ws(chr(31), {key}, coalesce(CAST(value AS VARCHAR), 'NULL'), coalesce(obs_conf, 'NULL')) AS figure
    FROM internal.observations
)
SELECT
    time_period,
    sha256(? || chr(29) || string_agg(figure, chr(30) ORDER BY figure)) AS digest
FROM figures
GROUP BY time_period
ORDER BY time_period
