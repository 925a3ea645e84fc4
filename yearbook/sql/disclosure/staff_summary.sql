-- What disclosure control hid and why, for staff: disclosure_cells (written by yearbook.store) holds the key of
-- every figure the public store hides with its reason: ministry (withheld in the workbook), primary (a small
-- count), secondary (a complement, hidden so that no small count can be recomputed), derived (a rate of a
-- hidden input). The values come from this store's observations, every figure as reported.

-- per indicator
CREATE OR REPLACE TABLE disclosure_summary AS
WITH figures AS (
    SELECT o.indicator, o.value, d.reason
    FROM observations AS o
    LEFT JOIN disclosure_cells AS d USING (indicator, ref_area, time_period, sex, age, area, flow, crime_type, wealth_quintile)
),
per_indicator AS (
    SELECT
        indicator,
        count(*) AS figures,
        count(reason) AS hidden,
        count(*) FILTER (WHERE reason = 'ministry') AS ministry,
        count(*) FILTER (WHERE reason = 'primary') AS "primary",
        count(*) FILTER (WHERE reason = 'secondary') AS secondary,
        count(*) FILTER (WHERE reason = 'derived') AS derived,
        coalesce(sum(value) FILTER (WHERE reason IS NOT NULL), 0) AS hidden_value
    FROM figures
    GROUP BY indicator
)
SELECT *, round(hidden / figures, 4) AS hidden_share
FROM per_indicator
WHERE hidden > 0
ORDER BY indicator;

-- per yearbook table (crosstabs), as printed
CREATE OR REPLACE TABLE disclosure_tables AS
WITH cells AS (
    SELECT c.view_name, o.value, d.reason
    FROM yb_cells AS c
    LEFT JOIN observations AS o USING (indicator, ref_area, time_period, sex, age, area, flow, crime_type, wealth_quintile)
    LEFT JOIN disclosure_cells AS d USING (indicator, ref_area, time_period, sex, age, area, flow, crime_type, wealth_quintile)
),
per_table AS (
    SELECT
        view_name,
        count(*) AS cells,
        count(reason) AS hidden,
        count(*) FILTER (WHERE reason = 'ministry') AS ministry,
        count(*) FILTER (WHERE reason = 'primary') AS "primary",
        count(*) FILTER (WHERE reason = 'secondary') AS secondary,
        count(*) FILTER (WHERE reason = 'derived') AS derived,
        coalesce(sum(value) FILTER (WHERE reason IS NOT NULL), 0) AS hidden_value
    FROM cells
    GROUP BY view_name
)
SELECT t.table_id, t.table_number, p.* EXCLUDE (view_name), round(p.hidden / p.cells, 4) AS hidden_share
FROM per_table AS p
JOIN yb_tables AS t USING (view_name)
ORDER BY t.position;
